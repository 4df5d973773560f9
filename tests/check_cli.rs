//! `composegen render --check`: drift detection for rendered files and bundles, the header that
//! records how a file was rendered, and its round trip.

use std::path::Path;

use assert_cmd::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .args(args)
        .output()
        .expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `composegen ARGS > FILE`, run in `dir` with stdout redirected to the file, as a shell would.
fn render_to(dir: &Path, args: &[&str], file: &Path) {
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    let out = std::fs::File::create(file).expect("create");
    // stderr is captured (its notes would leak into the test output), and shown on failure.
    let run = std::process::Command::new(assert_cmd::cargo::cargo_bin("composegen"))
        .current_dir(dir)
        .args(args)
        .stdout(out)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run");
    assert!(
        run.status.success(),
        "render {args:?} failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {p:?}: {e}"))
}

fn write(p: &Path, text: &str) {
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

#[test]
fn check_is_clean_then_drifted_with_a_unified_diff() {
    let d = tempfile::tempdir().expect("tempdir");
    render_to(
        d.path(),
        &["render", "locust"],
        &d.path().join("docker-compose.yml"),
    );
    let r = run_in(
        d.path(),
        &["render", "locust", "--check", "docker-compose.yml"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "no diff when clean: {}", r.stdout);
    assert!(
        r.stderr.contains("docker-compose.yml: up to date"),
        "{}",
        r.stderr
    );

    // Hand-edit the file: drift.
    let file = d.path().join("docker-compose.yml");
    let original = read(&file);
    let edited = original.replacen(
        "--storage.tsdb.retention.time=",
        "--storage.tsdb.retention.time=1",
        1,
    );
    assert_ne!(edited, original);
    write(&file, &edited);
    let r = run_in(
        d.path(),
        &["render", "locust", "--check", "docker-compose.yml"],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("--- docker-compose.yml\n+++ docker-compose.yml\n@@ "),
        "{}",
        r.stdout
    );
    let removed: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let added: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(removed.len(), 1, "{}", r.stdout);
    assert_eq!(added.len(), 1, "{}", r.stdout);
    assert!(
        removed[0].contains("retention.time=1"),
        "committed → rendered: {}",
        r.stdout
    );
    assert!(
        !r.stdout.contains('\u{1b}'),
        "no colour when not a terminal"
    );
    assert!(
        r.stderr
            .contains("re-render it with:\n  composegen render locust > docker-compose.yml"),
        "{}",
        r.stderr
    );
    // The diff applies with patch -p0 and gives back the render.
    if let Ok(status) = std::process::Command::new("patch")
        .current_dir(d.path())
        .args(["-p0", "--quiet", "-i", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(r.stdout.as_bytes())?;
            child.wait()
        })
    {
        assert!(status.success());
        assert_eq!(
            read(&file),
            original,
            "patch -p0 with the diff restores the render"
        );
    }
    // An override the file was not rendered with is drift too.
    let r = run_in(
        d.path(),
        &[
            "render",
            "locust",
            "--set",
            "retention=99d",
            "--check",
            "docker-compose.yml",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("+# Rendered with: composegen render locust --set retention=99d"),
        "{}",
        r.stdout
    );
    // Colour on request.
    write(&file, &edited);
    let r = run_in(
        d.path(),
        &[
            "--color",
            "always",
            "render",
            "locust",
            "--check",
            "docker-compose.yml",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("\u{1b}[31m-"), "{}", r.stdout);
    assert!(r.stdout.contains("\u{1b}[32m+"), "{}", r.stdout);
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(d.path())
        .env("NO_COLOR", "1")
        .args([
            "--color",
            "auto",
            "render",
            "locust",
            "--check",
            "docker-compose.yml",
        ])
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn check_errors_exit_2() {
    let d = tempfile::tempdir().expect("tempdir");
    write(&d.path().join("docker-compose.yml"), "services: {}\n");
    let r = run_in(
        d.path(),
        &["render", "no-such-profile", "--check", "docker-compose.yml"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown profile"), "{}", r.stderr);
    // No header, no profile: it cannot know what to compare with.
    let r = run_in(d.path(), &["render", "--check", "docker-compose.yml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("carries no"), "{}", r.stderr);
    assert!(r.stderr.contains("name the profile"), "{}", r.stderr);
    // A header that does not parse.
    write(
        &d.path().join("compose.yaml"),
        "# Rendered with: composegen render 'locust\nservices: {}\n",
    );
    let r = run_in(d.path(), &["render", "--check", "compose.yaml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unterminated single quote"),
        "{}",
        r.stderr
    );
    // Usage errors.
    let r = run_in(d.path(), &["render", "locust", "--check"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("needs the rendered file"), "{}", r.stderr);
    let r = run_in(
        d.path(),
        &["render", "locust", "-o", "out", "--check", "x.yml"],
    );
    assert_eq!(r.code, 2);
    let r = run_in(d.path(), &["render"]);
    assert_eq!(
        r.code, 2,
        "render without a profile or --check is a usage error"
    );
    // An unreadable values file.
    let r = run_in(
        d.path(),
        &[
            "render",
            "locust",
            "-f",
            "missing.yaml",
            "--check",
            "docker-compose.yml",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read missing.yaml"),
        "{}",
        r.stderr
    );
    // Nothing was written by any of this.
    assert_eq!(read(&d.path().join("docker-compose.yml")), "services: {}\n");
    assert!(!d.path().join("out").exists());
}

#[test]
fn the_header_records_paths_relative_to_the_rendered_file_and_check_needs_nothing_else() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path();
    write(
        &root.join("values/prod values.yaml"),
        "knobs:\n  retention: 3d\n",
    );
    let r = run_in(
        root,
        &["new", "stack", "--from", "locust", "--dir", "profiles"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file = root.join("deploy/prod/docker-compose.yml");
    render_to(
        root,
        &[
            "render",
            "profiles/stack.yaml",
            "-f",
            "values/prod values.yaml",
            "--set",
            "services.grafana.resources.memory=1g",
        ],
        &file,
    );
    let text = read(&file);
    let header: Vec<&str> = text.lines().take(2).collect();
    assert_eq!(
        header[0],
        "# Generated by composegen; edit the profile, not this file."
    );
    assert_eq!(
        header[1],
        "# Rendered with: composegen render ../../profiles/stack.yaml -f '../../values/prod values.yaml' --set services.grafana.resources.memory=1g",
        "paths relative to deploy/prod, quoted where needed"
    );
    // From the repository root, from the file's directory, from elsewhere: the header suffices.
    for (cwd, arg) in [
        (root.to_path_buf(), "deploy/prod/docker-compose.yml"),
        (root.join("deploy/prod"), "docker-compose.yml"),
        (root.join("values"), "../deploy/prod/docker-compose.yml"),
    ] {
        let r = run_in(&cwd, &["render", "--check", arg]);
        assert_eq!(r.code, 0, "from {cwd:?}: {}{}", r.stdout, r.stderr);
    }
    // The explicit form agrees.
    let r = run_in(
        root,
        &[
            "render",
            "profiles/stack.yaml",
            "-f",
            "values/prod values.yaml",
            "--set",
            "services.grafana.resources.memory=1g",
            "--check",
            "deploy/prod/docker-compose.yml",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // A change to the values file makes the rendered file stale.
    write(
        &root.join("values/prod values.yaml"),
        "knobs:\n  retention: 4d\n",
    );
    let r = run_in(
        root,
        &["render", "--check", "deploy/prod/docker-compose.yml"],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("-      - --storage.tsdb.retention.time=3d"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("+      - --storage.tsdb.retention.time=4d"),
        "{}",
        r.stdout
    );
    // The fix command it prints works from here.
    let fix = r
        .stderr
        .lines()
        .skip_while(|l| !l.contains("re-render it with:"))
        .nth(1)
        .expect("a fix command")
        .trim()
        .to_string();
    let out = std::process::Command::new("sh")
        .current_dir(root)
        .arg("-c")
        .arg(
            fix.replacen(
                "composegen",
                &assert_cmd::cargo::cargo_bin("composegen")
                    .display()
                    .to_string(),
                1,
            ),
        )
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{fix}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = run_in(
        root,
        &["render", "--check", "deploy/prod/docker-compose.yml"],
    );
    assert_eq!(r.code, 0, "after the printed fix: {}{}", r.stdout, r.stderr);
}

#[test]
fn parts_record_their_part() {
    let d = tempfile::tempdir().expect("tempdir");
    let file = d.path().join("monitoring.yml");
    render_to(
        d.path(),
        &["render", "redis-sentinel", "--part", "monitoring"],
        &file,
    );
    assert!(
        read(&file)
            .contains("# Rendered with: composegen render redis-sentinel --part monitoring\n"),
        "{}",
        read(&file)
    );
    let r = run_in(d.path(), &["render", "--check", "monitoring.yml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run_in(
        d.path(),
        &["render", "redis-sentinel", "--check", "monitoring.yml"],
    );
    assert_eq!(r.code, 1, "the main file is not the monitoring part");
}

#[test]
fn bundle_check_compares_compose_config_and_env_example_never_env() {
    let d = tempfile::tempdir().expect("tempdir");
    let r = run_in(d.path(), &["render", "locust", "-o", "stack"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let stack = d.path().join("stack");
    assert!(
        read(&stack.join("docker-compose.yml"))
            .contains("# Rendered with: composegen render locust -o .\n")
    );
    let r = run_in(d.path(), &["render", "locust", "-o", "stack", "--check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("stack: up to date"), "{}", r.stderr);
    // .env is the user's: never compared; files the render does not produce are not looked at.
    write(
        &stack.join(".env"),
        "GRAFANA_ADMIN_PASSWORD=changed-by-the-user\n",
    );
    write(&stack.join("README.md"), "notes\n");
    let r = run_in(d.path(), &["render", "locust", "-o", "stack", "--check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // A config file edited by hand, .env.example edited, a config file deleted: all drift.
    let prom = stack.join("prometheus/prometheus.yml");
    write(&prom, &format!("{}# local tweak\n", read(&prom)));
    let example = stack.join(".env.example");
    write(
        &example,
        &read(&example).replace("GRAFANA_ADMIN_PASSWORD=", "GRAFANA_ADMIN_PASSWORD=oops"),
    );
    std::fs::remove_file(stack.join("locust/locustfile.py")).expect("rm");
    let r = run_in(d.path(), &["render", "locust", "-o", "stack", "--check"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("--- stack/prometheus/prometheus.yml\n+++ stack/prometheus/prometheus.yml\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("-# local tweak"), "{}", r.stdout);
    assert!(
        r.stdout.contains("--- stack/.env.example\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("--- /dev/null\n+++ stack/locust/locustfile.py\n"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains(".env\n"), "never .env: {}", r.stdout);
    assert!(r.stderr.contains("3 of "), "{}", r.stderr);
    assert!(
        r.stderr.contains("composegen render locust -o stack"),
        "{}",
        r.stderr
    );
    // The header alone knows it is a bundle, from any of its compose files.
    let r = run_in(d.path(), &["render", "--check", "stack/docker-compose.yml"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("stack/locust/locustfile.py"),
        "{}",
        r.stdout
    );
    // Re-rendering refuses to overwrite the hand edits (bundle_safety.rs); with --force it
    // fixes them, and leaves .env alone.
    let r = run_in(d.path(), &["render", "locust", "-o", "stack"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run_in(d.path(), &["render", "locust", "-o", "stack", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        read(&stack.join(".env")),
        "GRAFANA_ADMIN_PASSWORD=changed-by-the-user\n"
    );
    let r = run_in(d.path(), &["render", "--check", "stack/docker-compose.yml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn check_without_files_scans_for_rendered_compose_files_and_reports_the_worst() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path();
    render_to(
        root,
        &["render", "locust"],
        &root.join("a/docker-compose.yml"),
    );
    render_to(root, &["render", "paklog"], &root.join("b/compose.yaml"));
    let r = run_in(root, &["render", "redis-sentinel", "-o", "c"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A compose file that composegen did not render is not its business.
    write(
        &root.join("d/docker-compose.yml"),
        "services:\n  web:\n    image: nginx:1.27.3\n",
    );
    let r = run_in(root, &["render", "--check"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for name in ["a/docker-compose.yml", "b/compose.yaml", "c: up to date"] {
        assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
    }
    assert_eq!(
        r.stderr.matches("c: up to date").count(),
        1,
        "one bundle, checked once: {}",
        r.stderr
    );
    let r = run_in(root, &["--quiet", "render", "--check"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.is_empty() && r.stdout.is_empty(),
        "--quiet: {}{}",
        r.stdout,
        r.stderr
    );
    // Drift in one, an error in another: the worst wins (2), and every file is still reported.
    let b = root.join("b/compose.yaml");
    write(
        &b,
        &read(&b).replacen("services:", "services:\n  extra: {}", 1),
    );
    let r = run_in(root, &["render", "--check"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("+++ b/compose.yaml"), "{}", r.stdout);
    let a = root.join("a/docker-compose.yml");
    write(
        &a,
        &read(&a).replacen("render locust", "render no-such-profile", 1),
    );
    let r = run_in(root, &["render", "--check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("unknown profile"), "{}", r.stderr);
    assert!(
        r.stdout.contains("+++ b/compose.yaml"),
        "still checks the rest: {}",
        r.stdout
    );
    // Named files.
    let r = run_in(
        root,
        &[
            "render",
            "--check",
            "c/docker-compose.yml",
            "c/docker-compose.monitoring.yml",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // Nothing rendered here at all: an error, not a silent pass.
    let empty = tempfile::tempdir().expect("tempdir");
    write(&empty.path().join("compose.yaml"), "services: {}\n");
    let r = run_in(empty.path(), &["render", "--check"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no rendered compose file"),
        "{}",
        r.stderr
    );
}
