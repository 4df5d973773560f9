//! Issue 15, "first hour of a new user": what a newcomer meets first, on the real binary.
//! Errors read `error: …` with a help line and point at the right line; `lint`, `explain`,
//! `new`, `--set`, `show` and completions behave as habits from other tools suggest.

mod support;

use std::path::Path;

use assert_cmd::Command;

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .arg("--color=never");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = composegen()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    run_in(dir.path(), args)
}

/// Exit 2, an `error:` header on the first line, a `help:` line, nothing on stdout.
fn assert_error(r: &Run) {
    assert_eq!(r.code, 2, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.starts_with("error: "),
        "no `error:` header:\n{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("composegen::"),
        "diagnostic code in the header:\n{}",
        r.stderr
    );
    assert!(r.stderr.contains("help: "), "no help line:\n{}", r.stderr);
    assert!(r.stdout.is_empty(), "stdout on error:\n{}", r.stdout);
}

// ---------------------------------------------------------------- 1. errors

#[test]
fn errors_start_with_error_and_carry_help() {
    let r = run(&["explain", "CG999"]);
    assert_error(&r);
    let r = run(&["render", "no-such-profile"]);
    assert_error(&r);
}

#[test]
fn file_errors_state_the_os_cause_once_with_help() {
    let r = run(&["render", "./missing.yaml"]);
    assert_error(&r);
    assert_eq!(
        r.stderr.matches("No such file or directory").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("os error"), "{}", r.stderr);
    assert!(r.stderr.contains("missing.yaml"), "{}", r.stderr);
}

#[test]
fn set_on_an_unknown_service_names_it_with_did_you_mean() {
    let r = run(&[
        "render",
        "paklog",
        "--set",
        "services.kafak.resources.memory=2g",
    ]);
    assert_error(&r);
    assert!(r.stderr.contains("unknown service `kafak`"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `kafka`?"), "{}", r.stderr);
    assert!(!r.stderr.contains("cpus"), "{}", r.stderr);

    let r = run(&["render", "paklog", "--set", "services.kafak.image.tag=3.7"]);
    assert_error(&r);
    assert!(r.stderr.contains("unknown service `kafak`"), "{}", r.stderr);
}

#[test]
fn values_file_with_an_unknown_service_points_at_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("values.yaml"),
        "services:\n  kafak:\n    resources: {memory: 2g}\n",
    )
    .expect("write");
    let r = run_in(dir.path(), &["render", "paklog", "-f", "values.yaml"]);
    assert_error(&r);
    assert!(r.stderr.contains("unknown service `kafak`"), "{}", r.stderr);
    assert!(r.stderr.contains("values.yaml:2:3"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `kafka`?"), "{}", r.stderr);
}

/// A scaffolded profile (`new`) whose `files:` names `template` instead of the built-in one.
fn scaffold(dir: &Path, from: &str, to: &str) {
    let r = run_in(dir, &["new", "stack", "--from", "locust"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let path = dir.join("stack.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{text}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn missing_template_points_at_the_profile_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    scaffold(
        dir.path(),
        "template: configs/locust/prometheus.yml.j2",
        "template: configs/locust/prometheus.ym.j2",
    );
    let r = run_in(dir.path(), &["render", "./stack.yaml"]);
    assert_error(&r);
    assert!(
        r.stderr
            .contains("template `configs/locust/prometheus.ym.j2` not found"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("stack.yaml:"), "{}", r.stderr);
    assert!(!r.stderr.contains("please report it"), "{}", r.stderr);
}

#[test]
fn absurd_sizes_are_refused_in_the_profile() {
    let r = run(&[
        "render",
        "locust",
        "--set",
        "services.grafana.resources.memory=2",
    ]);
    assert_error(&r);
    assert!(
        r.stderr
            .contains("services.grafana.resources.memory: 2 bytes is below the minimum of 6m"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("<rendered"), "{}", r.stderr);

    let dir = tempfile::tempdir().expect("tempdir");
    scaffold(dir.path(), "memory: 64m,", "memory: 2,");
    let r = run_in(dir.path(), &["render", "./stack.yaml"]);
    assert_error(&r);
    assert!(
        r.stderr.contains("2 bytes is below the minimum of 6m"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("stack.yaml:"), "{}", r.stderr);
}

// ---------------------------------------------------------------- 2. lint finding nothing

const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.27.3\n";

#[test]
fn lint_of_a_directory_without_compose_files_exits_2_with_help() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("empty")).expect("mkdir");
    for args in [
        &["lint", "empty"][..],
        &["lint", "-r", "empty"],
        &["lint", "-r"],
    ] {
        let cwd = if args.len() == 2 && args[1] == "-r" {
            dir.path().join("empty")
        } else {
            dir.path().to_path_buf()
        };
        let r = run_in(&cwd, args);
        assert_error(&r);
        assert!(!r.stderr.contains("0 files"), "{args:?}: {}", r.stderr);
    }
    // Compose files only in subdirectories: say so, and how to reach them.
    std::fs::create_dir(dir.path().join("nested")).expect("mkdir");
    std::fs::create_dir(dir.path().join("nested/app")).expect("mkdir");
    std::fs::write(dir.path().join("nested/app/compose.yaml"), COMPOSE).expect("write");
    let r = run_in(dir.path(), &["lint", "nested"]);
    assert_error(&r);
    assert!(r.stderr.contains("use -r"), "{}", r.stderr);
    let r = run_in(dir.path(), &["lint", "-r", "nested", "--format", "concise"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("in 1 file"), "{}", r.stdout);
}

#[test]
fn lint_reports_a_missing_path_lints_the_others_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).expect("write");
    let r = run_in(
        dir.path(),
        &[
            "lint",
            "--format",
            "concise",
            "compose.yaml",
            "missing.yaml",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("compose.yaml:"), "{}", r.stdout);
    assert!(r.stdout.contains("in 1 file"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("error: cannot read missing.yaml: No such file or directory"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("help: "), "{}", r.stderr);
}

// ---------------------------------------------------------------- 3. explain, new

#[test]
fn explain_accepts_a_rule_name_as_well_as_its_code() {
    let by_code = run(&["explain", "CG101"]);
    assert_eq!(by_code.code, 0, "{}", by_code.stderr);
    let by_name = run(&["explain", "host-port-collision"]);
    assert_eq!(by_name.code, 0, "{}", by_name.stderr);
    assert_eq!(by_code.stdout, by_name.stdout);
    let typo = run(&["explain", "host-port-colision"]);
    assert_error(&typo);
    assert!(
        typo.stderr.contains("did you mean `host-port-collision`?"),
        "{}",
        typo.stderr
    );
}

#[test]
fn new_from_a_path_does_not_suggest_a_doubled_path() {
    let r = run(&["new", "mine", "--from", "./profiles/x.yaml"]);
    assert_error(&r);
    assert!(!r.stderr.contains("././"), "{}", r.stderr);
    assert!(!r.stderr.contains(".yaml.yaml"), "{}", r.stderr);
    assert!(r.stderr.contains("locust"), "{}", r.stderr);
}

// ---------------------------------------------------------------- 4. Helm habits

fn replicas(stdout: &str) -> usize {
    stdout
        .lines()
        .filter(|l| l.starts_with("  redis-replica-") && l.ends_with(':'))
        .count()
}

#[test]
fn set_takes_comma_separated_settings_with_escaped_commas() {
    let r = run(&[
        "render",
        "redis-sentinel",
        "--set",
        "replicas=5,sentinels=5",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(replicas(&r.stdout), 5, "{}", r.stdout);
    let r = run(&[
        "render",
        "locust",
        "--set",
        r"services.grafana.labels.team=ops\,dev,retention=2d",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(r#"team: "ops,dev""#), "{}", r.stdout);
    assert!(
        r.stdout.contains("--storage.tsdb.retention.time=2d"),
        "{}",
        r.stdout
    );
}

#[test]
fn set_string_is_never_typed() {
    let r = run(&[
        "render",
        "locust",
        "--set",
        "services.grafana.resources.cpus=1",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "render",
        "locust",
        "--set-string",
        "services.grafana.resources.cpus=1",
    ]);
    assert_error(&r);
    assert!(r.stderr.contains("--set-string"), "{}", r.stderr);
    assert!(r.stderr.contains("expected a number"), "{}", r.stderr);
}

#[test]
fn set_file_reads_the_value_and_check_replays_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("retention.txt"), "45d").expect("write");
    let r = run_in(
        dir.path(),
        &["render", "locust", "--set-file", "retention=retention.txt"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("--storage.tsdb.retention.time=45d"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("--set-file retention=./retention.txt"),
        "the header records it: {}",
        r.stdout
    );
    std::fs::write(dir.path().join("docker-compose.yml"), &r.stdout).expect("write");
    let check = run_in(dir.path(), &["render", "--check", "docker-compose.yml"]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    let missing = run_in(
        dir.path(),
        &["render", "locust", "--set-file", "retention=nope.txt"],
    );
    assert_error(&missing);
    assert!(missing.stderr.contains("nope.txt"), "{}", missing.stderr);
}

#[test]
fn knobs_are_spelled_the_same_in_values_files_and_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = replicas(&run(&["render", "redis-sentinel"]).stdout);
    assert_ne!(base, 4);
    for (file, text) in [
        ("nested.yaml", "knobs: {replicas: 4}\n"),
        ("top.yaml", "replicas: 4\n"),
    ] {
        std::fs::write(dir.path().join(file), text).expect("write");
        let r = run_in(dir.path(), &["render", "redis-sentinel", "-f", file]);
        assert_eq!(r.code, 0, "{file}: {}", r.stderr);
        assert_eq!(replicas(&r.stdout), 4, "{file}");
    }
    for set in ["replicas=4", "knobs.replicas=4", "knobs.replicas.value=4"] {
        let r = run(&["render", "redis-sentinel", "--set", set]);
        assert_eq!(r.code, 0, "{set}: {}", r.stderr);
        assert_eq!(replicas(&r.stdout), 4, "{set}");
    }
}

#[test]
fn set_of_an_unknown_knob_lists_the_profiles_knobs() {
    let r = run(&["render", "redis-sentinel", "--set", "replica=3"]);
    assert_error(&r);
    assert!(
        r.stderr.contains("not a knob of this profile"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean `replicas`?"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("replicas: Number of Redis replicas"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("sentinels: "), "{}", r.stderr);
    assert!(!r.stderr.contains("known keys: defaults"), "{}", r.stderr);
    // The same in a values file, at its line.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("values.yaml"),
        "replica: 3
",
    )
    .expect("write");
    let r = run_in(
        dir.path(),
        &["render", "redis-sentinel", "-f", "values.yaml"],
    );
    assert_error(&r);
    assert!(
        r.stderr.contains("not a knob of this profile"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("values.yaml:1:1"), "{}", r.stderr);
    assert!(
        r.stderr.contains("did you mean `replicas`?"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------- 5. human output leads with failures

/// Two infos of one rule (CG301: `a` and `b` have no memory limit), one error (CG101).
const NOISY: &str = "services:
  a:
    image: nginx:1.27.3
    ports: [\"3000:80\"]
  b:
    image: nginx:1.27.3
    ports: [\"3000:80\"]
  c:
    image: nginx:1.27.3
    mem_limit: 64m
";

#[test]
fn human_output_leads_with_errors_and_summarises_infos_per_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("compose.yaml"), NOISY).expect("write");
    let r = run_in(dir.path(), &["lint", "--no-config", "--format", "human"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let first_error = r.stdout.find("CG101(host-port-collision)").expect("CG101");
    let infos = r
        .stdout
        .find("infos, one line per rule (--verbose shows each):")
        .expect("info summary");
    assert!(first_error < infos, "{}", r.stdout);
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("info[CG301]"))
        .expect("one CG301 line");
    assert!(
        line.contains("missing-memory-limit ×2, first at compose.yaml:2:3"),
        "{line}"
    );
    assert_eq!(r.stdout.matches("CG301").count(), 1, "{}", r.stdout);

    let v = run_in(
        dir.path(),
        &["lint", "--no-config", "--format", "human", "--verbose"],
    );
    assert_eq!(v.code, 1);
    assert_eq!(
        v.stdout.matches("CG301(missing-memory-limit)").count(),
        2,
        "{}",
        v.stdout
    );
    assert!(!v.stdout.contains("one line per rule"), "{}", v.stdout);
}

#[test]
fn warnings_exit_0_unless_fail_on_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    // CG206: a database without a volume is a warning.
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  db:\n    image: postgres:16.4\n",
    )
    .expect("write");
    let args = [
        "lint",
        "--no-config",
        "--format",
        "concise",
        "--select",
        "CG206",
    ];
    let r = run_in(dir.path(), &args);
    assert!(r.stdout.contains("warning[CG206]"), "{}", r.stdout);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run_in(dir.path(), &[&args[..], &["--fail-on", "warning"]].concat());
    assert_eq!(r.code, 1, "{}", r.stdout);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    assert!(
        readme.contains("warnings and infos exit 0 unless `--fail-on warning`"),
        "README says how warnings exit"
    );
}

// ---------------------------------------------------------------- 6. completions

/// What bash completes for `words` (the last one being completed) with composegen's script.
fn bash_complete(script: &Path, words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let probe = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _composegen composegen '{}' '{}'; \
         echo \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &probe])
        .output()
        .expect("bash");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn completions_offer_profile_names_and_rule_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("composegen.bash");
    let r = run(&["completions", "bash"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::write(&script, &r.stdout).expect("write");
    assert_eq!(
        bash_complete(&script, &["composegen", "render", "pak"]),
        "paklog"
    );
    assert_eq!(
        bash_complete(&script, &["composegen", "show", "redis-"]),
        "redis-sentinel"
    );
    assert_eq!(
        bash_complete(&script, &["composegen", "new", "x", "--from", "lo"]),
        "locust"
    );
    assert_eq!(
        bash_complete(&script, &["composegen", "explain", "host-port-c"]),
        "host-port-collision"
    );
    let codes = bash_complete(&script, &["composegen", "explain", "CG10"]);
    assert!(codes.split(' ').any(|c| c == "CG101"), "{codes}");
    let codes = bash_complete(&script, &["composegen", "lint", "--select", "CG30"]);
    assert!(codes.split(' ').any(|c| c == "CG301"), "{codes}");
    let all = bash_complete(&script, &["composegen", "lint", "--select", "AL"]);
    assert_eq!(all, "ALL");
    // zsh and fish scripts carry them too, with descriptions.
    for shell in ["zsh", "fish"] {
        let r = run(&["completions", shell]);
        for word in ["paklog", "redis-sentinel", "CG101", "host-port-collision"] {
            assert!(r.stdout.contains(word), "{shell}: {word}");
        }
    }
}

// ---------------------------------------------------------------- 7. show

/// The document a YAML 1.1 reader (PyYAML) sees, as JSON; `None` (a recorded skip) when python3
/// with PyYAML is missing.
fn yaml_1_1(text: &str) -> Option<serde_json::Value> {
    let child = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let out = child.and_then(|mut c| {
        use std::io::Write;
        c.stdin.take().expect("stdin").write_all(text.as_bytes())?;
        c.wait_with_output()
    });
    match out {
        Ok(o) if o.status.success() => Some(serde_json::from_slice(&o.stdout).expect("json")),
        other => {
            // Optional, like node for init-mongo.js: not one of the tools scripts/test installs.
            support::skip(format_args!(
                "the YAML 1.1 read-back of `show`: python3 with PyYAML is not usable ({other:?})"
            ));
            None
        }
    }
}

#[test]
fn show_prints_yaml_that_reads_the_same_in_1_1_and_1_2_and_renders_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, sets) in [
        ("elk", &[][..]),
        ("redis-sentinel", &["--set", "replicas=4"][..]),
        ("alpr", &[][..]),
    ] {
        let shown = run(&[&["show", name][..], sets].concat());
        assert_eq!(shown.code, 0, "{}", shown.stderr);
        if name == "elk" {
            assert!(
                shown.stdout.contains("restart: \"no\"\n"),
                "{}",
                shown.stdout
            );
        }
        let v12: serde_json::Value = serde_yaml::from_str(&shown.stdout).expect("YAML 1.2");
        if let Some(v11) = yaml_1_1(&shown.stdout) {
            assert_eq!(v11, v12, "{name}: YAML 1.1 and 1.2 readers disagree");
        }
        let file = format!("{name}-shown.yaml");
        std::fs::write(dir.path().join(&file), &shown.stdout).expect("write");
        let from_file = run_in(dir.path(), &["render", &format!("./{file}")]);
        assert_eq!(from_file.code, 0, "{name}: {}", from_file.stderr);
        let direct = run_in(dir.path(), &[&["render", name][..], sets].concat());
        assert_eq!(direct.code, 0, "{}", direct.stderr);
        // The header records the command; everything after it is the same.
        let body = |s: &str| s.lines().skip(2).collect::<Vec<_>>().join("\n");
        assert_eq!(body(&from_file.stdout), body(&direct.stdout), "{name}");
    }
}

// ---------------------------------------------------------------- 10. skipped checks are visible

/// Run only as a child of `a_missing_corpus_is_a_recorded_skip_and_a_failure_under_ci`.
#[test]
fn corpus_probe() {
    if std::env::var_os("FIRST_HOUR_CORPUS_PROBE").is_none() {
        return;
    }
    assert!(
        support::corpus_dir().is_none(),
        "the probe's corpus is missing"
    );
}

#[test]
fn a_missing_corpus_is_a_recorded_skip_and_a_failure_under_ci() {
    let target = tempfile::tempdir().expect("tempdir");
    let probe = |ci: bool| {
        let mut cmd = std::process::Command::new(std::env::current_exe().expect("test binary"));
        cmd.args(["--exact", "corpus_probe", "--nocapture", "--test-threads=1"])
            .env("FIRST_HOUR_CORPUS_PROBE", "1")
            .env("COMPOSEGEN_CORPUS", target.path().join("no-corpus"))
            .env("CARGO_TARGET_DIR", target.path())
            .env_remove("CI")
            .env_remove("COMPOSEGEN_TOOLS_REQUIRED");
        if ci {
            cmd.env("CI", "true");
        }
        cmd.output().expect("probe")
    };
    let local = probe(false);
    let stderr = String::from_utf8_lossy(&local.stderr);
    assert!(local.status.success(), "{stderr}");
    assert!(
        stderr.contains("skipping: the compose corpus is missing at"),
        "{stderr}"
    );
    let log = std::fs::read_to_string(target.path().join("skipped-checks.txt")).expect("skip log");
    assert!(
        log.contains("corpus_probe: the compose corpus is missing"),
        "{log}"
    );
    assert!(log.contains("COMPOSEGEN_CORPUS"), "{log}");
    let ci = probe(true);
    assert!(!ci.status.success(), "CI may not skip");
    // scripts/test prints the log when it ends, passed or failed.
    let script = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test"))
        .expect("scripts/test");
    assert!(script.contains("skipped-checks.txt") && script.contains("trap print_skips EXIT"));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    assert!(readme.contains("`COMPOSEGEN_CORPUS=DIR`") && readme.contains("`../shared/corpus`"));
}

// ---------------------------------------------------------------- 8. docker compose habits

const PROJECT: &str = "name: fromfile
services:
  web:
    image: nginx:1.27.3
    volumes: [./data:/data]
  debug:
    image: busybox:1.36.1
    profiles: [debug]
";

/// `composegen config --format json` and, when Docker Compose is there, its own `config`, with the
/// same flags and environment, run in `cwd`.
fn both_configs(
    cwd: &Path,
    flags: &[&str],
    env: &[(&str, &str)],
) -> (serde_json::Value, Option<serde_json::Value>) {
    let mut ours = composegen();
    ours.current_dir(cwd)
        .args(["config", "--format", "json"])
        .args(flags);
    for (k, v) in env {
        ours.env(k, v);
    }
    let out = ours.output().expect("run");
    assert!(
        out.status.success(),
        "{flags:?} {env:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let theirs = support::docker_compose_bin().map(|bin| {
        let mut cmd = std::process::Command::new(bin);
        cmd.current_dir(cwd)
            .args(flags)
            .args(["config", "--format", "json"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", cwd);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("docker compose");
        assert!(
            out.status.success(),
            "docker compose {flags:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("compose json")
    });
    (ours, theirs)
}

/// Flags, environment, the project name and whether the `debug` service (profile `debug`) is in.
type ConfigCase<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str, bool);

#[test]
fn config_honours_project_name_directory_and_compose_variables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path().canonicalize().expect("canonical");
    std::fs::create_dir(cwd.join("proj")).expect("mkdir");
    std::fs::write(cwd.join("proj/compose.yaml"), PROJECT).expect("write");
    let cases: [ConfigCase; 5] = [
        (&[], &[], "fromfile", false),
        (&["-p", "cli"], &[], "cli", false),
        (
            &[],
            &[("COMPOSE_PROJECT_NAME", "envname")],
            "envname",
            false,
        ),
        (&[], &[("COMPOSE_PROFILES", "debug")], "fromfile", true),
        (&["--profile", "debug", "-p", "both"], &[], "both", true),
    ];
    for (flags, env, name, debug) in cases {
        let flags = [&["--project-directory", "proj"][..], flags].concat();
        let (ours, theirs) = both_configs(&cwd, &flags, env);
        assert_eq!(ours["name"], name, "{flags:?} {env:?}");
        assert_eq!(
            ours["networks"]["default"]["name"],
            format!("{name}_default"),
            "{flags:?} {env:?}"
        );
        assert_eq!(
            ours["services"]["web"]["volumes"][0]["source"],
            cwd.join("proj/data").display().to_string(),
            "relative paths start from the project directory"
        );
        assert_eq!(
            ours["services"].get("debug").is_some(),
            debug,
            "{flags:?} {env:?}"
        );
        if let Some(theirs) = theirs {
            assert_eq!(
                ours, theirs,
                "{flags:?} {env:?}: differs from docker compose config"
            );
        }
    }
    // COMPOSE_PROJECT_NAME in the project's .env counts too.
    std::fs::write(cwd.join("proj/.env"), "COMPOSE_PROJECT_NAME=dotenv\n").expect("write");
    let (ours, theirs) = both_configs(&cwd, &["--project-directory", "proj"], &[]);
    assert_eq!(ours["name"], "dotenv");
    if let Some(theirs) = theirs {
        assert_eq!(ours, theirs);
    }
    // `config -q` validates silently; an invalid project name is refused, as Compose does.
    let r = run_in(&cwd.join("proj"), &["config", "-q"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let r = run_in(&cwd.join("proj"), &["config", "-p", "Bad Name"]);
    assert_error(&r);
}

#[test]
fn lint_honours_project_directory_and_checks_the_project_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("proj")).expect("mkdir");
    std::fs::write(dir.path().join("proj/compose.yaml"), NOISY).expect("write");
    let r = run_in(
        dir.path(),
        &[
            "lint",
            "--no-config",
            "--format",
            "concise",
            "--project-directory",
            "proj",
            "-p",
            "x",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("proj/compose.yaml:"), "{}", r.stdout);
    assert!(r.stdout.contains("CG101"), "{}", r.stdout);
    let r = run_in(
        dir.path(),
        &[
            "lint",
            "--no-config",
            "--project-directory",
            "proj",
            "-p",
            "Bad Name",
        ],
    );
    assert_error(&r);
    let r = run_in(
        dir.path(),
        &["lint", "--no-config", "-p", "Bad Name", "proj/compose.yaml"],
    );
    assert_error(&r);
    // COMPOSE_PROFILES selects services like --profile.
    std::fs::write(dir.path().join("proj/compose.yaml"), PROJECT).expect("write");
    let lint = |profiles: Option<&str>| {
        let mut cmd = composegen();
        cmd.current_dir(dir.path()).args([
            "lint",
            "--no-config",
            "--format",
            "concise",
            "--verbose",
            "--project-directory",
            "proj",
        ]);
        if let Some(p) = profiles {
            cmd.env("COMPOSE_PROFILES", p);
        }
        String::from_utf8_lossy(&cmd.output().expect("run").stdout).into_owned()
    };
    assert!(
        lint(None).contains("`debug`"),
        "every service without profiles"
    );
    assert!(!lint(Some("nothing")).contains("`debug`"));
    assert!(lint(Some("debug")).contains("`debug`"));
}

// ---------------------------------------------------------------- 9. lint --show-config

#[test]
fn show_config_prints_the_effective_rules_and_where_each_setting_came_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".composegen.yaml"),
        "fail-on: warning\nignore: [CG104]\nrules:\n  CG301: warning\n  CG309: {options: {host-memory: 8g}}\n",
    )
    .expect("write");
    let r = run_in(
        dir.path(),
        &["lint", "--show-config", "--ignore", "CG2", "--strict-env"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = |code: &str| {
        r.stdout
            .lines()
            .find(|l| l.starts_with(code))
            .unwrap_or_else(|| panic!("no {code} line: {}", r.stdout))
            .to_string()
    };
    assert!(
        r.stdout.contains("configuration file: ")
            && r.stdout
                .contains(".composegen.yaml (found from the current directory)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("fail-on: warning ("), "{}", r.stdout);
    assert!(line("CG104").contains("off") && line("CG104").contains("`ignore` CG104"));
    assert!(line("CG206").contains("off") && line("CG206").contains("--ignore CG2"));
    assert!(line("CG301").contains("warning") && line("CG301").contains("`rules.CG301`"));
    assert!(line("CG006").contains("error") && line("CG006").contains("--strict-env"));
    assert!(line("CG101").contains("error") && line("CG101").ends_with("default"));
    assert!(
        r.stdout.contains("option host-memory: \"8g\""),
        "{}",
        r.stdout
    );
    // Command-line options win, and say so.
    let r = run_in(
        dir.path(),
        &[
            "lint",
            "--show-config",
            "--no-config",
            "--fail-on",
            "never",
            "--select",
            "CG1",
        ],
    );
    assert!(
        r.stdout.contains("configuration file: none (--no-config)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("fail-on: never (--fail-on)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("select: CG1 (--select)"), "{}", r.stdout);
    assert!(line_of(&r.stdout, "CG301").contains("not selected by --select"));
}

fn line_of(text: &str, code: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(code))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn several_errors_are_a_summary_then_each_error_with_its_help() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("values.yaml"),
        "services:\n  grafana:\n    resources: {memory: 1g, cpus: 0}\n    imagee: x\n",
    )
    .expect("write");
    let r = run_in(dir.path(), &["render", "locust", "-f", "values.yaml"]);
    assert_error(&r);
    assert!(
        r.stderr.starts_with("error: 2 errors in profile\n"),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.matches("\nerror: services.grafana.").count(),
        2,
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.matches("help: ").count(), 2, "{}", r.stderr);
    assert!(!r.stderr.contains("Error:"), "{}", r.stderr);
}

#[test]
fn error_findings_on_the_rendered_file_point_at_the_profile() {
    let r = run(&[
        "render",
        "locust",
        "--set",
        "services.grafana.ports[0].host=8089",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let ours = &r.stderr[r
        .stderr
        .find("error: the rendered compose file has 1 error-level lint finding")
        .unwrap_or_else(|| panic!("{}", r.stderr))..];
    assert!(
        ours.contains("services.grafana: host port 8089/tcp is published by both `locust` and `grafana` (CG101 in the rendered file)"),
        "{ours}"
    );
    assert!(ours.contains("[--set:1:1]"), "{ours}");
    assert!(ours.contains("help: "), "{ours}");

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("values.yaml"),
        "services:\n  grafana:\n    ports: [{container: 3000, host: 8089}]\n",
    )
    .expect("write");
    let r = run_in(dir.path(), &["render", "locust", "-f", "values.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("[values.yaml:2:3]"), "{}", r.stderr);
}
