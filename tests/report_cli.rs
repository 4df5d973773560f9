//! How reports reach the user: many files in one run, `--output FILE`, `--quiet`, colour
//! (`--no-color`, NO_COLOR, terminals), progress on long runs, the GitLab code quality format,
//! shell completions and the man page.

mod support;

use std::path::Path;

use assert_cmd::Command;

const COLLIDING: &str = "services:\n  a:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n  b:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n";
const CLEAN: &str =
    "services:\n  a:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n";
const WARNING_ONLY: &str = "services:\n  db:\n    image: postgres:16.4\n    ports: [\"5432:5432\"]\n    volumes: [\"pg:/var/lib/postgresql/data\"]\nvolumes:\n  pg: {}\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn composegen(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = composegen(dir).args(args).output().expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

/// `n` stacks `sNNN/compose.yaml`; every tenth has a port collision, every seventh a warning.
fn many(n: usize) -> tempfile::TempDir {
    let files: Vec<(String, &str)> = (0..n)
        .map(|i| {
            let text = if i % 10 == 0 {
                COLLIDING
            } else if i % 7 == 0 {
                WARNING_ONLY
            } else {
                CLEAN
            };
            (format!("s{i:03}/compose.yaml"), text)
        })
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    dir_with(&refs)
}

/// Runs `composegen ARGS` with a terminal on stdin, stdout and stderr (util-linux `script`);
/// returns what the terminal showed.
fn on_a_terminal(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Option<String> {
    let script = support::tool("script")?;
    let bin = assert_cmd::cargo::cargo_bin("composegen");
    let mut line = shell_quote(&bin.display().to_string());
    for a in args {
        line.push(' ');
        line.push_str(&shell_quote(a));
    }
    let mut cmd = std::process::Command::new(script);
    cmd.current_dir(dir)
        .args(["-qefc", &line, "/dev/null"])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("script");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn many_files_one_process_one_report_one_sarif_run_worst_exit_code() {
    let d = many(150);
    // The port and volume rules only: the count of findings stays what this test made.
    let r = run_in(
        d.path(),
        &[
            "lint",
            "--no-config",
            "--select",
            "CG1",
            "--ignore",
            "CG106,CG107",
            "-r",
            ".",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(r.code, 1, "errors in some files fail the run: {}", r.stderr);
    let sarif: serde_json::Value = serde_json::from_str(&r.stdout).expect("sarif");
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "one run for all files");
    let results = runs[0]["results"].as_array().expect("results");
    let files: std::collections::BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    let expected = (0..150).filter(|i| i % 10 == 0 || i % 7 == 0).count();
    assert_eq!(files.len(), expected, "every file with findings: {files:?}");
    assert!(files.contains("s000/compose.yaml") && files.contains("s140/compose.yaml"));
    assert!(files.contains("s007/compose.yaml"), "warnings too");
    assert!(
        files.iter().all(|f| !f.starts_with("./")),
        "relative to the repository root"
    );
    let r = run_in(
        d.path(),
        &[
            "lint",
            "--no-config",
            "--select",
            "CG1",
            "--ignore",
            "CG106,CG107",
            "-r",
            ".",
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(json["summary"]["files"], 150);
    assert_eq!(json["summary"]["errors"], 15);
    // The exit code is the worst finding's against --fail-on.
    let warnings: Vec<String> = (0..150)
        .filter(|i| i % 7 == 0 && i % 10 != 0)
        .map(|i| format!("s{i:03}/compose.yaml"))
        .collect();
    let mut args = vec![
        "lint",
        "--no-config",
        "--select",
        "CG1",
        "--ignore",
        "CG106,CG107",
        "--format",
        "concise",
    ];
    args.extend(warnings.iter().map(String::as_str));
    assert_eq!(run_in(d.path(), &args).code, 0);
    args.extend(["--fail-on", "warning"]);
    assert_eq!(run_in(d.path(), &args).code, 1);
}

#[test]
fn output_writes_the_report_atomically_to_a_file() {
    let d = dir_with(&[
        ("compose.yaml", COLLIDING),
        ("reports/old.sarif", "stale\n"),
    ]);
    let r = run_in(
        d.path(),
        &[
            "lint",
            "--no-config",
            "--select",
            "CG1",
            "--ignore",
            "CG106,CG107",
            "--format",
            "sarif",
            "--output",
            "reports/composegen.sarif",
        ],
    );
    assert_eq!(r.code, 1, "the exit code does not change: {}", r.stderr);
    assert!(r.stdout.is_empty(), "nothing on stdout: {}", r.stdout);
    assert!(
        r.stderr
            .contains("wrote reports/composegen.sarif: 1 error, 0 warnings, 0 infos in 1 file"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(d.path().join("reports/composegen.sarif")).expect("written");
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("sarif");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "CG101");
    let leftovers: Vec<_> = std::fs::read_dir(d.path().join("reports"))
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left");
    // Human format to a file: no colour even when asked, default format concise.
    let r = run_in(
        d.path(),
        &[
            "--color",
            "always",
            "lint",
            "--no-config",
            "--select",
            "CG1",
            "--ignore",
            "CG106,CG107",
            "-o",
            "out.txt",
        ],
    );
    assert_eq!(r.code, 1);
    let text = std::fs::read_to_string(d.path().join("out.txt")).expect("written");
    assert!(
        text.starts_with("compose.yaml:7:13: error[CG101]"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'));
    // --quiet: not even the "wrote" line.
    let r = run_in(
        d.path(),
        &["--quiet", "lint", "--no-config", "-o", "out.txt"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // A tool error writes nothing.
    let r = run_in(
        d.path(),
        &["lint", "--no-config", "missing.yaml", "-o", "never.txt"],
    );
    assert_eq!(r.code, 2);
    assert!(!d.path().join("never.txt").exists());
    // An unwritable destination is a tool error.
    let r = run_in(d.path(), &["lint", "--no-config", "-o", "compose.yaml/x"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn quiet_prints_findings_only() {
    let d = dir_with(&[
        ("compose.yaml", COLLIDING),
        ("ok.yaml", CLEAN),
        ("a/nested/compose.yaml", CLEAN),
    ]);
    let r = run_in(
        d.path(),
        &[
            "-q",
            "lint",
            "--no-config",
            "--select",
            "CG1",
            "--ignore",
            "CG106,CG107",
            "--format",
            "concise",
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(
        r.stdout.starts_with("compose.yaml:7:13: error[CG101]"),
        "{}",
        r.stdout
    );
    let r = run_in(
        d.path(),
        &[
            "lint",
            "--no-config",
            "--select",
            "CG1",
            "--ignore",
            "CG106,CG107",
            "--format",
            "concise",
            "ok.yaml",
            "--quiet",
        ],
    );
    assert_eq!(r.code, 0);
    assert!(r.stdout.is_empty(), "clean and quiet: {}", r.stdout);
    let r = run_in(
        d.path(),
        &["lint", "--no-config", "--format", "human", "--quiet"],
    );
    assert!(r.stdout.contains("CG101"), "{}", r.stdout);
    assert!(!r.stdout.contains("1 error, 0 warnings"), "{}", r.stdout);
    // A directory with compose files only below it is an error (exit 2, issue 15), which
    // --quiet does not hide.
    let r = run_in(d.path(), &["lint", "--no-config", "a"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no compose file in a"), "{}", r.stderr);
    assert!(r.stderr.contains("use -r"), "{}", r.stderr);
    let r = run_in(d.path(), &["lint", "--no-config", "a", "-q"]);
    assert!(r.stderr.contains("no compose file in a"), "{}", r.stderr);
    // Machine formats are whole documents, quiet or not.
    let r = run_in(
        d.path(),
        &["lint", "--no-config", "--format", "json", "-q", "ok.yaml"],
    );
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(json["summary"]["files"], 1);
    // render: no "wrote" lines.
    let r = run_in(d.path(), &["render", "locust", "-o", "bundle", "-q"]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert!(d.path().join("bundle/docker-compose.yml").is_file());
}

#[test]
fn colour_follows_the_terminal_no_color_and_the_flags() {
    let d = dir_with(&[("compose.yaml", COLLIDING)]);
    let args = ["lint", "--no-config", "--format", "human"];
    let Some(plain_tty) = on_a_terminal(d.path(), &[], &args) else {
        return;
    };
    assert!(plain_tty.contains("CG101"), "{plain_tty}");
    assert!(
        plain_tty.contains('\u{1b}'),
        "colour on a terminal: {plain_tty}"
    );
    for (env, extra) in [
        (&[("NO_COLOR", "1")][..], None),
        (&[][..], Some("--no-color")),
        (&[][..], Some("--color=never")),
    ] {
        let mut a = args.to_vec();
        if let Some(flag) = extra {
            a.insert(0, flag);
        }
        let shown = on_a_terminal(d.path(), env, &a).expect("script");
        assert!(shown.contains("CG101"), "{shown}");
        assert!(!shown.contains('\u{1b}'), "{env:?} {extra:?}: {shown:?}");
    }
    // NO_COLOR set but empty does not count (no-color.org).
    let shown = on_a_terminal(d.path(), &[("NO_COLOR", "")], &args).expect("script");
    assert!(shown.contains('\u{1b}'), "{shown:?}");
    // Not a terminal: no colour, without asking.
    let r = run_in(d.path(), &args);
    assert!(!r.stdout.contains('\u{1b}'));
    // The diff of render --check is coloured on a terminal too.
    let r = run_in(d.path(), &["render", "locust", "-o", "b"]);
    assert_eq!(r.code, 0);
    std::fs::write(d.path().join("b/prometheus/prometheus.yml"), "drifted\n").expect("write");
    let shown = on_a_terminal(
        d.path(),
        &[],
        &["render", "--check", "b/docker-compose.yml"],
    )
    .expect("script");
    assert!(shown.contains("\u{1b}[31m-drifted"), "{shown:?}");
}

#[test]
fn progress_on_a_terminal_for_long_runs_only() {
    let d = many(120);
    let args = ["lint", "--no-config", "-r", ".", "--format", "concise"];
    // Not a terminal: nothing but the report.
    let r = run_in(d.path(), &args);
    assert!(!r.stderr.contains("linting"), "{}", r.stderr);
    assert!(!r.stdout.contains("linting"), "{}", r.stdout);
    let Some(shown) = on_a_terminal(d.path(), &[], &args) else {
        return;
    };
    assert!(shown.contains("linting 1/120 files"), "{shown:?}");
    assert!(shown.contains("linting 120/120 files"), "{shown:?}");
    assert!(
        shown.contains("\r\u{1b}[2K"),
        "drawn in place and erased: {shown:?}"
    );
    let quiet = on_a_terminal(
        d.path(),
        &[],
        &[
            "-q",
            "lint",
            "--no-config",
            "-r",
            ".",
            "--format",
            "concise",
        ],
    )
    .expect("script");
    assert!(!quiet.contains("linting"), "{quiet:?}");
    // A short run on a terminal: no progress.
    let small = many(5);
    let shown = on_a_terminal(small.path(), &[], &args).expect("script");
    assert!(!shown.contains("linting"), "{shown:?}");
}

#[test]
fn gitlab_code_quality_report() {
    let d = dir_with(&[
        ("compose.yaml", COLLIDING),
        ("b/compose.yaml", WARNING_ONLY),
    ]);
    let r = run_in(
        d.path(),
        &[
            "lint",
            "--no-config",
            "--select",
            "CG1",
            "--ignore",
            "CG106,CG107",
            "--format",
            "gitlab",
            "compose.yaml",
            "b/compose.yaml",
        ],
    );
    assert_eq!(r.code, 1);
    let issues: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let issues = issues.as_array().expect("an array of issues");
    assert_eq!(issues.len(), 2, "{issues:?}");
    let first = &issues[0];
    assert_eq!(first["check_name"], "CG101");
    assert_eq!(first["severity"], "critical");
    assert_eq!(first["location"]["path"], "compose.yaml");
    assert_eq!(first["location"]["lines"]["begin"], 7);
    assert!(
        first["description"]
            .as_str()
            .is_some_and(|s| s.starts_with("CG101 host-port-collision: "))
    );
    assert_eq!(issues[1]["severity"], "major");
    assert_eq!(issues[1]["location"]["path"], "b/compose.yaml");
    let fingerprints: std::collections::BTreeSet<&str> = issues
        .iter()
        .filter_map(|i| i["fingerprint"].as_str())
        .collect();
    assert_eq!(fingerprints.len(), 2, "unique");
    // Stable when lines move: the fingerprint follows the service, not the line.
    std::fs::write(
        d.path().join("compose.yaml"),
        format!("# a comment\n\n{COLLIDING}"),
    )
    .expect("write");
    let r = run_in(
        d.path(),
        &[
            "lint",
            "--no-config",
            "--select",
            "CG1",
            "--ignore",
            "CG106,CG107",
            "--format",
            "gitlab",
            "compose.yaml",
        ],
    );
    let moved: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(moved[0]["location"]["lines"]["begin"], 9);
    assert_eq!(moved[0]["fingerprint"], first["fingerprint"]);
    // No findings: an empty array, which GitLab reads as "no issues".
    let d = dir_with(&[("compose.yaml", CLEAN)]);
    let r = run_in(
        d.path(),
        &[
            "lint",
            "--no-config",
            "--select",
            "CG1",
            "--ignore",
            "CG106,CG107",
            "--format",
            "gitlab",
        ],
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.trim(), "[]");
}

#[test]
fn completions_for_every_shell_come_from_the_cli_definition() {
    let d = tempfile::tempdir().expect("tempdir");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = run_in(d.path(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for word in ["render", "lint", "completions", "check", "fail-on"] {
            assert!(r.stdout.contains(word), "{shell} completion lacks {word}");
        }
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(
                r.stdout.contains("sarif"),
                "{shell} completes --format values"
            );
        }
    }
    let r = run_in(d.path(), &["completions", "tcsh"]);
    assert_eq!(r.code, 2);
    // The scripts are valid for their shells (the shells that are here).
    for (shell, args) in [
        ("bash", &["-n"][..]),
        ("zsh", &["-n"][..]),
        ("fish", &["--no-execute"][..]),
    ] {
        let Some(bin) = support::tool(shell) else {
            continue;
        };
        let script = d.path().join(format!("composegen.{shell}"));
        std::fs::write(&script, run_in(d.path(), &["completions", shell]).stdout).expect("write");
        let out = std::process::Command::new(bin)
            .args(args)
            .arg(&script)
            .output()
            .expect("shell");
        assert!(
            out.status.success(),
            "{shell} rejects the script: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // bash: the completion function really completes subcommands and values.
    if let Some(bash) = support::tool("bash") {
        let script = d.path().join("composegen.bash");
        let probe = format!(
            "source {}; COMP_WORDS=(composegen re); COMP_CWORD=1; COMP_LINE='composegen re'; COMP_POINT=13; \
             _composegen composegen re composegen; echo \"${{COMPREPLY[@]}}\"; \
             COMP_WORDS=(composegen lint --format s); COMP_CWORD=3; _composegen composegen s --format; echo \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = std::process::Command::new(bash)
            .args(["-c", &probe])
            .output()
            .expect("bash");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("render"),
            "{text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(lines.next(), Some("sarif"), "{text}");
    }
}

#[test]
fn man_pages_come_from_the_cli_definition() {
    let d = tempfile::tempdir().expect("tempdir");
    let r = run_in(d.path(), &["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(".ie"),
        "roff: {}",
        &r.stdout[..r.stdout.len().min(200)]
    );
    assert!(r.stdout.contains(".TH composegen 1"), "{}", r.stdout);
    for word in [
        "render",
        "lint",
        "completions",
        "EXIT STATUS",
        "NO_COLOR",
        "\\-\\-quiet",
    ] {
        assert!(r.stdout.contains(word), "the man page lacks {word}");
    }
    let r = run_in(d.path(), &["man", "--dir", "man1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for page in [
        "composegen.1",
        "composegen-render.1",
        "composegen-lint.1",
        "composegen-completions.1",
    ] {
        let text = std::fs::read_to_string(d.path().join("man1").join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH "), "{page}");
    }
    let render = std::fs::read_to_string(d.path().join("man1/composegen-render.1")).expect("page");
    assert!(render.contains("\\-\\-check"), "{render}");
    // groff formats it without warnings.
    let Some(groff) = support::tool("groff") else {
        return;
    };
    for page in ["composegen.1", "composegen-render.1"] {
        let out = std::process::Command::new(&groff)
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(d.path().join("man1").join(page))
            .output()
            .expect("groff");
        assert!(out.status.success());
        assert!(
            out.stderr.is_empty(),
            "groff warns about {page}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
