//! CLI behaviour on the real binary: commands, exit codes, error diagnostics, bundles.

mod support;

use assert_cmd::Command;

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .arg("--color=never");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = composegen().args(args).output().expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn list_names_every_builtin_profile_with_its_service_count() {
    let r = run(&["list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut lines = r.stdout.lines();
    assert!(lines.next().is_some_and(|h| h.starts_with("NAME")));
    let rows: Vec<(String, usize)> = lines
        .map(|l| {
            let mut cols = l.split_whitespace();
            let name = cols.next().unwrap_or_default().to_string();
            let count = cols.next().and_then(|c| c.parse().ok()).unwrap_or(0);
            (name, count)
        })
        .collect();
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, composegen::assets::profile_names());
    assert!(rows.iter().any(|(n, c)| n == "locust" && *c == 4));
}

#[test]
fn show_prints_the_resolved_profile_with_overrides() {
    let r = run(&[
        "show",
        "locust",
        "--set",
        "retention=7d",
        "--set",
        "services.grafana.resources.memory=1g",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_yaml::Value = serde_yaml::from_str(&r.stdout).expect("show prints YAML");
    assert_eq!(doc["knobs"]["retention"]["value"].as_str(), Some("7d"));
    assert_eq!(
        doc["services"]["grafana"]["resources"]["memory"].as_str(),
        Some("1g")
    );
    assert_eq!(doc["name"].as_str(), Some("locust"));
}

#[test]
fn set_and_values_files_change_the_render() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = dir.path().join("values.yaml");
    std::fs::write(
        &values,
        "knobs:\n  retention: 2d\nservices:\n  grafana:\n    resources:\n      cpus: 1.5\n",
    )
    .expect("write");
    let later = dir.path().join("later.yaml");
    std::fs::write(&later, "knobs:\n  retention: 3d\n").expect("write");
    let v = values.to_str().expect("utf-8 path");
    let l = later.to_str().expect("utf-8 path");
    let r = run(&["render", "locust", "-f", v, "-f", l]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("--storage.tsdb.retention.time=3d"),
        "later values file wins"
    );
    assert!(r.stdout.contains("cpus: \"1.5\""));
    let r = run(&["render", "locust", "-f", v, "--set", "retention=9d"]);
    assert!(
        r.stdout.contains("--storage.tsdb.retention.time=9d"),
        "--set wins over -f"
    );
}

#[test]
fn a_bad_override_is_a_located_error_with_help_and_exit_2() {
    let r = run(&[
        "render",
        "locust",
        "--set",
        "services.grafana.resources.memory=lots",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty(), "no partial output on stdout");
    assert!(
        r.stderr.contains("services.grafana.resources.memory"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("invalid value \"lots\""), "{}", r.stderr);
    assert!(r.stderr.contains("[--set:1:35]"), "{}", r.stderr);
    assert!(r.stderr.contains("help:"), "{}", r.stderr);
}

#[test]
fn errors_in_a_values_file_point_at_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = dir.path().join("bad.yaml");
    std::fs::write(
        &values,
        "services:\n  grafana:\n    imagee: grafana/grafana\n    restart: sometimes\n",
    )
    .expect("write");
    let r = run(&["render", "locust", "-f", values.to_str().expect("path")]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown key `imagee`"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `image`?"), "{}", r.stderr);
    assert!(r.stderr.contains("bad.yaml:3:5"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("services.grafana.restart: invalid value \"sometimes\""),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("bad.yaml:4:14"), "{}", r.stderr);
}

#[test]
fn wrong_types_and_bad_knobs_are_reported() {
    let r = run(&[
        "render",
        "locust",
        "--set",
        "services.grafana.resources.cpus=many",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("expected a number"), "{}", r.stderr);
    let r = run(&["render", "locust", "--set", "nosuchknob"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("expected PATH=VALUE"), "{}", r.stderr);
    let r = run(&[
        "render",
        "locust",
        "--set",
        "services.grafana.image.tag=latest",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`latest` is not a version"),
        "{}",
        r.stderr
    );
}

#[test]
fn syntax_errors_unknown_profiles_and_unreadable_files_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "name: x\nservices: [a, b\n").expect("write");
    let r = run(&["render", broken.to_str().expect("path")]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid YAML"), "{}", r.stderr);
    assert!(r.stderr.contains("broken.yaml:"), "{}", r.stderr);

    let r = run(&["render", "no-such-profile"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown profile"), "{}", r.stderr);
    assert!(r.stderr.contains("built-in profiles: "), "{}", r.stderr);

    let r = run(&["render", "./missing.yaml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read ./missing.yaml"),
        "{}",
        r.stderr
    );

    let binary = dir.path().join("bin.yaml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).expect("write");
    let r = run(&["render", binary.to_str().expect("path")]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not valid UTF-8"), "{}", r.stderr);

    let r = run(&["render"]);
    assert_eq!(r.code, 2, "missing argument is a usage error");
}

#[test]
fn a_failed_bundle_render_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("bundle");
    let r = run(&[
        "render",
        "locust",
        "--set",
        "services.locust.resources.memory=lots",
        "-o",
        out.to_str().expect("path"),
    ]);
    assert_eq!(r.code, 2);
    assert!(!out.exists(), "no partial bundle");
}

#[test]
fn bundles_carry_config_files_env_example_and_a_private_env_that_is_never_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run(&["render", "locust", "-o", dir.path().to_str().expect("path")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in [
        "docker-compose.yml",
        ".env.example",
        ".env",
        "prometheus/prometheus.yml",
        "locust/locustfile.py",
        "grafana/provisioning/datasources/datasources.yml",
    ] {
        assert!(dir.path().join(f).is_file(), "{f} missing");
    }
    let compose = std::fs::read_to_string(dir.path().join("docker-compose.yml")).expect("read");
    assert!(compose.contains("file: ./prometheus/prometheus.yml"));
    assert!(!compose.contains("content:"));
    let example = std::fs::read_to_string(dir.path().join(".env.example")).expect("read");
    assert!(example.contains("GRAFANA_ADMIN_PASSWORD=\n"));
    let env = std::fs::read_to_string(dir.path().join(".env")).expect("read");
    let password = env
        .lines()
        .find_map(|l| l.strip_prefix("GRAFANA_ADMIN_PASSWORD="))
        .expect("password generated")
        .to_string();
    assert_eq!(password.len(), 32);
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join(".env"))
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, ".env must be private");
    // A second render keeps the existing .env.
    let r = run(&["render", "locust", "-o", dir.path().to_str().expect("path")]);
    assert_eq!(r.code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).expect("read"),
        env
    );
    // And leaves no temporary files behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn new_scaffolds_a_profile_that_renders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("path");
    let r = run(&["new", "my-stack", "--from", "locust", "--dir", d]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file = dir.path().join("my-stack.yaml");
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.starts_with("# yaml-language-server: $schema=./profile.schema.json\n"));
    assert!(text.contains("\nname: my-stack\n"));
    assert!(dir.path().join("profile.schema.json").is_file());
    let r = run(&["render", file.to_str().expect("path")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\nname: my-stack\n"));
    // Refuses to overwrite.
    let r = run(&["new", "my-stack", "--from", "locust", "--dir", d]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("already exists"));
}

#[test]
fn schema_command_prints_valid_json() {
    let r = run(&["schema", "profile"]);
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["title"], "Profile");
}

#[test]
fn the_readme_profile_example_renders_and_compose_accepts_it() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let start = readme.find("```yaml\n").expect("yaml example") + "```yaml\n".len();
    let example = &readme[start..start + readme[start..].find("```").expect("end")];
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("my-stack.yaml"), example).expect("write");
    std::fs::write(dir.path().join("init.sql.j2"), "CREATE TABLE t (id int);\n").expect("write");
    let out = dir.path().join("out");
    let r = run(&[
        "render",
        dir.path().join("my-stack.yaml").to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::create_dir_all(out.join("api")).expect("mkdir");
    let env: Vec<(String, String)> = std::fs::read_to_string(out.join(".env"))
        .expect(".env")
        .lines()
        .filter_map(|l| l.split_once('=').filter(|_| !l.starts_with('#')))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let Some(result) = support::compose_config_json(&out.join("docker-compose.yml"), &env) else {
        return;
    };
    let json = result.expect("docker-compose accepts the README example");
    assert_eq!(json["services"]["api"]["deploy"]["replicas"], 2);
    assert_eq!(json["services"]["db"]["ports"][0]["host_ip"], "127.0.0.1");
}

#[test]
fn render_refuses_output_with_lint_errors_unless_no_lint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("clash.yaml");
    std::fs::write(
        &file,
        "name: clash\ndescription: two services on one host port\nservices:\n  a:\n    image: {name: nginx, tag: \"1.27.3\"}\n    ports: [{container: 80, host: 8080}]\n    resources: {memory: 64m, cpus: 0.1}\n  b:\n    image: {name: nginx, tag: \"1.27.3\"}\n    ports: [{container: 80, host: 8080}]\n    resources: {memory: 64m, cpus: 0.1}\n",
    )
    .expect("write");
    let f = file.to_str().expect("path");
    let r = run(&["render", f]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty(), "nothing printed");
    assert!(r.stderr.contains("CG101"), "{}", r.stderr);
    assert!(r.stderr.contains("--no-lint"), "{}", r.stderr);
    let out = dir.path().join("out");
    let r = run(&["render", f, "-o", out.to_str().expect("path")]);
    assert_eq!(r.code, 2);
    assert!(!out.exists(), "nothing written");
    let r = run(&["render", f, "--no-lint"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("127.0.0.1:8080:80"));
}
