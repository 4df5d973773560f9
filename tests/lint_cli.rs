//! `composegen lint` on the real binary: discovery, formats, exit codes, configuration,
//! suppressions, SARIF validity.

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

fn lint_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(["--color=never", "lint", "--no-config"])
        .args(args)
        .output()
        .expect("run");
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
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }
    dir
}

#[test]
fn exit_codes_follow_the_fail_on_threshold() {
    let d = dir_with(&[
        ("compose.yaml", COLLIDING),
        ("warn.yaml", WARNING_ONLY),
        ("ok.yaml", CLEAN),
    ]);
    assert_eq!(
        lint_in(d.path(), &[]).code,
        1,
        "an error finding fails the run"
    );
    assert_eq!(lint_in(d.path(), &["ok.yaml"]).code, 0);
    assert_eq!(
        lint_in(d.path(), &["warn.yaml"]).code,
        0,
        "warnings do not fail by default"
    );
    assert_eq!(
        lint_in(d.path(), &["warn.yaml", "--fail-on", "warning"]).code,
        1
    );
    assert_eq!(
        lint_in(d.path(), &["compose.yaml", "--fail-on", "never"]).code,
        0
    );
    let r = lint_in(d.path(), &["missing.yaml"]);
    assert_eq!(r.code, 2, "an unreadable file is a tool error");
    assert!(
        r.stderr.contains("cannot read missing.yaml"),
        "{}",
        r.stderr
    );
    let r = lint_in(d.path(), &["ok.yaml", "--select", "CG99"]);
    assert_eq!(r.code, 2, "an unknown rule selection is a usage error");
    let r = lint_in(d.path(), &["--format", "nope"]);
    assert_eq!(r.code, 2);
}

#[test]
fn discovers_compose_files_like_docker_compose() {
    let d = dir_with(&[
        ("docker-compose.yml", COLLIDING),
        ("docker-compose.override.yml", CLEAN),
        ("other.yaml", COLLIDING),
    ]);
    let r = lint_in(d.path(), &["--format", "concise"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("docker-compose.yml:7:"), "{}", r.stdout);
    assert!(
        r.stdout.contains("in 2 files"),
        "main file and override: {}",
        r.stdout
    );
    assert!(!r.stdout.contains("other.yaml"));
    let empty = tempfile::tempdir().expect("tempdir");
    let r = lint_in(empty.path(), &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no compose file here"), "{}", r.stderr);
}

#[test]
fn directories_recursion_and_stdin() {
    let d = dir_with(&[
        ("a/compose.yaml", CLEAN),
        ("a/nested/docker-compose.yml", COLLIDING),
        ("a/notes.yaml", COLLIDING),
    ]);
    let r = lint_in(d.path(), &["a", "--format", "concise"]);
    assert_eq!(r.code, 0, "only a/compose.yaml without -r: {}", r.stdout);
    let r = lint_in(d.path(), &["-r", "a", "--format", "concise"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("a/nested/docker-compose.yml:7:"),
        "{}",
        r.stdout
    );
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(d.path())
        .args(["lint", "--no-config", "--format", "concise", "-"])
        .write_stdin(COLLIDING)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("<stdin>:7:13: error[CG101]"));
}

#[test]
fn broken_inputs_are_findings_not_crashes() {
    let d = dir_with(&[
        ("syntax.yaml", "services:\n  a: [1, 2\n"),
        ("dup.yaml", "services:\n  a:\n    image: x\n    image: y\n"),
        ("empty.yaml", ""),
        ("list.yaml", "- a\n- b\n"),
    ]);
    std::fs::write(d.path().join("binary.yaml"), [0xff, 0xfe, 0x00, 0x41, 0x0a]).expect("write");
    let r = lint_in(
        d.path(),
        &[
            "--format",
            "concise",
            "syntax.yaml",
            "dup.yaml",
            "empty.yaml",
            "list.yaml",
            "binary.yaml",
        ],
    );
    assert_eq!(r.code, 1);
    for expected in [
        "syntax.yaml:3:1: error[CG001]",
        "dup.yaml:4:5: error[CG002]",
        "empty.yaml:1:1: error[CG003] the file is empty",
        "list.yaml:1:1: error[CG003] the document is not a mapping",
        "binary.yaml:1:1: error[CG003] the file is not valid UTF-8 text",
    ] {
        assert!(
            r.stdout.contains(expected),
            "missing {expected:?} in\n{}",
            r.stdout
        );
    }
    // One finding per broken file: the other rules do not run on what did not parse.
    assert_eq!(
        r.stdout.lines().filter(|l| l.contains("error[")).count(),
        5,
        "{}",
        r.stdout
    );
}

#[test]
fn inline_suppressions_and_no_ignores() {
    let text = COLLIDING.replacen(
        "  b:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n",
        "  b:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]  # composegen: ignore[CG101] b replaces a\n",
        1,
    );
    let d = dir_with(&[
        ("compose.yaml", &text),
        (
            "file.yaml",
            &format!("# composegen: ignore-file[CG101]\n{COLLIDING}"),
        ),
    ]);
    assert_eq!(lint_in(d.path(), &["compose.yaml"]).code, 0);
    assert_eq!(lint_in(d.path(), &["file.yaml"]).code, 0);
    assert_eq!(lint_in(d.path(), &["--no-ignores", "compose.yaml"]).code, 1);
    assert_eq!(lint_in(d.path(), &["--no-ignores", "file.yaml"]).code, 1);
}

#[test]
fn an_ignore_on_a_related_line_counts_and_unknown_codes_warn() {
    // CG101 reports `b` and points at `a` ("also published here"): an ignore on `a`'s line
    // suppresses it too.
    let text = COLLIDING.replacen(
        "  a:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n",
        "  a:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]  # composegen: ignore[CG101] a is the old one\n",
        1,
    );
    let d = dir_with(&[
        ("compose.yaml", &text),
        (
            "typo.yaml",
            &COLLIDING.replacen("  b:\n", "  b:  # composegen: ignore[CG1O1]\n", 1),
        ),
    ]);
    let r = lint_in(d.path(), &["--select", "CG101", "compose.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(!r.stdout.contains("CG101"), "{}", r.stdout);
    // An unknown code suppresses nothing, and says so.
    let r = lint_in(d.path(), &["--select", "CG101,CG806", "typo.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("error[CG101]"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "typo.yaml:5:28: warning[CG806] the suppression names `CG1O1`, which is no rule"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn sarif_for_code_scanning() {
    let suppressed = "services:\n  db:  # composegen: ignore[CG405] the image sets it\n    image: postgres:16.4\n    ports: [\"5432:5432\"]\n    volumes: [\"pg:/var/lib/postgresql/data\"]\nvolumes:\n  pg: {}\n";
    let d = dir_with(&[
        ("my stack/compose.yaml", suppressed),
        ("shifted.yaml", &format!("# a comment\n\n{suppressed}")),
    ]);
    let abs = d.path().join("my stack/compose.yaml");
    let run = |args: &[&str], stdin: Option<&str>| -> serde_json::Value {
        let mut cmd = Command::cargo_bin("composegen").expect("binary");
        cmd.current_dir(d.path())
            .args([
                "--color=never",
                "lint",
                "--no-config",
                "--format",
                "sarif",
                "--select",
                "CG103,CG405",
            ])
            .args(args);
        if let Some(input) = stdin {
            cmd.write_stdin(input);
        }
        serde_json::from_slice(&cmd.output().expect("run").stdout).expect("sarif")
    };
    let sarif = run(
        &["my stack/compose.yaml", abs.to_str().unwrap(), "-"],
        Some(suppressed),
    );
    let run0 = &sarif["runs"][0];
    let uris: Vec<(String, Option<String>)> = run0["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let a = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                a["uri"].as_str().unwrap().to_string(),
                a["uriBaseId"].as_str().map(str::to_string),
            )
        })
        .collect();
    assert!(
        uris.contains(&("my%20stack/compose.yaml".into(), Some("%SRCROOT%".into()))),
        "{uris:?}"
    );
    assert!(
        uris.contains(&("%3Cstdin%3E".into(), Some("%SRCROOT%".into()))),
        "{uris:?}"
    );
    // An absolute path below the directory linted from is relative to %SRCROOT%, which
    // originalUriBaseIds resolves; any other is a file:// URI.
    assert_eq!(
        uris.iter()
            .filter(|u| u.0 == "my%20stack/compose.yaml")
            .count(),
        4,
        "{uris:?}"
    );
    let root = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let outside = elsewhere.path().join("a b.yaml");
    std::fs::write(&outside, suppressed).expect("write");
    let sarif = run(&[outside.to_str().unwrap()], None);
    let uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    let file_uri = format!(
        "file://{}",
        outside.display().to_string().replace(' ', "%20")
    );
    assert_eq!(uri, file_uri);
    // Security rules carry a security-severity.
    for rule in run0["tool"]["driver"]["rules"].as_array().unwrap() {
        let score = rule["properties"]["security-severity"].as_str();
        match rule["id"].as_str().unwrap() {
            "CG103" => assert_eq!(score, Some("5.5")),
            "CG405" => assert_eq!(score, Some("2.0")),
            other => panic!("unexpected rule {other}"),
        }
    }
    // The suppressed finding is listed as suppressed, with its reason.
    let results = run0["results"].as_array().unwrap();
    let cg405: Vec<&serde_json::Value> =
        results.iter().filter(|r| r["ruleId"] == "CG405").collect();
    assert_eq!(cg405.len(), 3, "one per input");
    for r in &cg405 {
        assert_eq!(r["suppressions"][0]["kind"], "inSource");
        assert_eq!(r["suppressions"][0]["justification"], "the image sets it");
    }
    assert!(
        results
            .iter()
            .filter(|r| r["ruleId"] == "CG103")
            .all(|r| r.get("suppressions").is_none())
    );
    // Fingerprints: the same finding moved two lines down keeps its fingerprint.
    let fp = |v: &serde_json::Value, code: &str| {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == code)
            .unwrap()["partialFingerprints"]["composegen/v1"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let a = run(&["--stdin-filename", "x.yaml", "-"], Some(suppressed));
    let b = run(
        &["--stdin-filename", "x.yaml", "-"],
        Some(&format!("# a comment\n\n{suppressed}")),
    );
    assert_eq!(fp(&a, "CG103"), fp(&b, "CG103"));
    assert_ne!(fp(&a, "CG103"), fp(&a, "CG405"));
}

#[test]
fn configuration_file_changes_severities_and_rejects_unknown_keys() {
    let d = dir_with(&[
        ("compose.yaml", COLLIDING),
        (".composegen.yaml", "rules:\n  CG101: warning\n"),
        (
            "bad/.composegen.yaml",
            "rules:\n  CG101: warning\nunknown-key: 1\n",
        ),
        ("excl/.composegen.yaml", "exclude: [\"vendor/**\"]\n"),
        ("excl/vendor/compose.yaml", COLLIDING),
    ]);
    let run = |dir: &Path, args: &[&str]| {
        let out = Command::cargo_bin("composegen")
            .expect("binary")
            .current_dir(dir)
            .args(["--color=never", "lint", "--format", "concise"])
            .args(args)
            .output()
            .expect("run");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, _) = run(d.path(), &[]);
    assert_eq!(code, 0, "CG101 downgraded to a warning: {out}");
    assert!(out.contains("warning[CG101]"));
    let (code, _, err) = run(&d.path().join("bad"), &["../compose.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown key `unknown-key`"), "{err}");
    assert!(err.contains(".composegen.yaml:3:1"), "{err}");
    let (code, out, _) = run(&d.path().join("excl"), &["vendor/compose.yaml"]);
    assert_eq!(code, 0, "excluded path: {out}");
}

#[test]
fn json_format_is_the_documented_versioned_shape() {
    let d = dir_with(&[("compose.yaml", COLLIDING)]);
    let r = lint_in(d.path(), &["--format", "json", "--select", "CG101"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    let f = &v["findings"][0];
    assert_eq!(f["code"], "CG101");
    assert_eq!(f["name"], "host-port-collision");
    assert_eq!(f["category"], "ports");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["service"], "b");
    assert_eq!(f["location"]["file"], "compose.yaml");
    assert_eq!(f["location"]["line"], 7);
    assert_eq!(f["location"]["column"], 13);
    assert_eq!(f["location"]["path"], "services.b.ports[0]");
    assert_eq!(f["related"][0]["line"], 4);
}

#[test]
fn github_annotations() {
    let d = dir_with(&[("compose.yaml", COLLIDING)]);
    let r = lint_in(d.path(), &["--format", "github", "--select", "CG101"]);
    let line = r.stdout.lines().next().expect("one annotation");
    assert!(
        line.starts_with("::error file=compose.yaml,line=7,col=13,endLine=7,endColumn=32,title=CG101 host-port-collision::"),
        "{line}"
    );
    assert!(line.contains("%0Ahelp: "), "newlines are escaped: {line}");
}

#[test]
fn human_format_shows_the_source_with_both_places() {
    let d = dir_with(&[("compose.yaml", COLLIDING)]);
    let r = lint_in(d.path(), &["--format", "human", "--select", "CG101"]);
    assert!(
        r.stdout.contains("CG101(host-port-collision)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("[compose.yaml:7:13]"), "{}", r.stdout);
    assert!(
        r.stdout.contains("also published here by `a`"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("help: "), "{}", r.stdout);
    assert!(
        !r.stdout.contains('\u{1b}'),
        "no colour when not a terminal"
    );
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let d = dir_with(&[("compose.yaml", COLLIDING), ("b.yaml", WARNING_ONLY)]);
    let r = lint_in(
        d.path(),
        &[
            "--format",
            "sarif",
            "--select",
            "CG1",
            // `--select CG1` also turns on the family's off-by-default rules.
            "--ignore",
            "CG106,CG107",
            "compose.yaml",
            "b.yaml",
        ],
    );
    let sarif: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(
        sarif["runs"].as_array().map(Vec::len),
        Some(1),
        "one run for all files"
    );
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "one descriptor per code");
    for res in results {
        let idx = res["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        assert!(
            rules[idx]["helpUri"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://"))
        );
    }
    let schema_path = match std::env::var("COMPOSEGEN_SARIF_SCHEMA") {
        Ok(p) => p,
        Err(_)
            if std::env::var_os("CI").is_some()
                || std::env::var_os("COMPOSEGEN_TOOLS_REQUIRED").is_some() =>
        {
            panic!(
                "COMPOSEGEN_SARIF_SCHEMA is not set: run scripts/test, which installs the SARIF schema"
            )
        }
        Err(_) => {
            support::skip(format_args!(
                "the SARIF 2.1.0 schema is not installed (run scripts/test)"
            ));
            return;
        }
    };
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema"))
            .expect("schema json");
    // The published 2.1.0 schema has one malformed regex (the `language` pattern, an unbalanced
    // `]`, in several places) that a strict validator refuses to compile; use the pattern it
    // means. Nothing else is changed.
    fn fix_language(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "pattern"
                        && x.as_str() == Some("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$")
                    {
                        *x = serde_json::json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                    } else {
                        fix_language(x);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(fix_language),
            _ => {}
        }
    }
    fix_language(&mut schema);
    let validator = jsonschema::validator_for(&schema).expect("compile SARIF schema");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF output violates the schema:\n{}",
        errors.join("\n")
    );
    // And the validator is not vacuous: a broken document fails.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("catastrophic");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn committed_config_schema_is_up_to_date() {
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .args(["schema", "config"])
        .output()
        .expect("run");
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/config.schema.json"),
    )
    .expect("schema/config.schema.json");
    assert!(
        generated == committed,
        "schema/config.schema.json is stale: run `cargo run -- schema config > schema/config.schema.json`"
    );
}

#[test]
fn unset_variables_are_info_unless_strict_and_env_files_supply_them() {
    let d = dir_with(&[
        (
            "compose.yaml",
            "services:\n  a:\n    image: app:${COMPOSEGEN_TEST_TAG}\n    ports: [\"${COMPOSEGEN_TEST_PORT}:80\"]\n  b:\n    image: app:1.0.0\n    ports: [\"${COMPOSEGEN_TEST_OTHER}:80\"]\n",
        ),
        (
            "ci.env",
            "COMPOSEGEN_TEST_TAG=1.2.3\nCOMPOSEGEN_TEST_PORT=8080\nCOMPOSEGEN_TEST_OTHER=8081\n",
        ),
        (
            "clash.env",
            "COMPOSEGEN_TEST_TAG=1.2.3\nCOMPOSEGEN_TEST_PORT=8080\nCOMPOSEGEN_TEST_OTHER=8080\n",
        ),
    ]);
    let r = lint_in(d.path(), &["--format", "concise"]);
    assert_eq!(r.code, 0, "unset variables never fail a run: {}", r.stdout);
    assert_eq!(r.stdout.matches("info[CG006]").count(), 3, "{}", r.stdout);
    assert!(
        !r.stdout.contains("CG101"),
        "unknown ports never collide: {}",
        r.stdout
    );
    let r = lint_in(d.path(), &["--format", "concise", "--strict-env"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("error[CG006]"));
    let r = lint_in(
        d.path(),
        &[
            "--format",
            "concise",
            "--strict-env",
            "--env-file",
            "ci.env",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = lint_in(
        d.path(),
        &[
            "--format",
            "concise",
            "--env-file",
            "ci.env",
            "--env-file",
            "clash.env",
        ],
    );
    assert_eq!(
        r.code, 1,
        "the later env file wins and makes the ports collide: {}",
        r.stdout
    );
    assert!(r.stdout.contains("error[CG101]"), "{}", r.stdout);
}

#[test]
fn a_variable_missing_from_the_env_file_is_a_warning_and_an_error_under_strict_env() {
    let d = dir_with(&[
        (
            "compose.yaml",
            "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: ${COMPOSEGEN_TEST_DB_PW:?set it in .env}\n    mem_limit: ${COMPOSEGEN_TEST_DB_MEM}\n",
        ),
        ("partial.env", "COMPOSEGEN_TEST_OTHER=1\n"),
    ]);
    // CI without the env file: the value is unknown, an info, and the run passes.
    let r = lint_in(d.path(), &["--format", "concise", "--select", "CG0"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        !r.stdout.contains("CG005") && !r.stdout.contains("CG011"),
        "{}",
        r.stdout
    );
    // An env file that lacks them: Compose's own message, a warning.
    let args = [
        "--format",
        "concise",
        "--select",
        "CG0",
        "--env-file",
        "partial.env",
    ];
    let r = lint_in(d.path(), &args);
    assert_eq!(
        r.code, 0,
        "warnings do not fail a run by default: {}",
        r.stdout
    );
    assert!(
        r.stdout.contains("warning[CG011]")
            && r.stdout.contains(
                "required variable COMPOSEGEN_TEST_DB_PW is missing a value: set it in .env"
            )
            && r.stdout.contains("invalid size"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("CG006"),
        "no second finding for the same variable: {}",
        r.stdout
    );
    let strict: Vec<&str> = args.iter().copied().chain(["--strict-env"]).collect();
    let r = lint_in(d.path(), &strict);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.stdout.matches("error[CG011]").count(), 2, "{}", r.stdout);
}
