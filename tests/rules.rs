//! Rule fixtures and generated documentation.
//!
//! Every rule has `tests/fixtures/rules/CODE.yaml`: a compose file with `# OK` and `# ERROR`
//! sections. It is linted with only that rule enabled; findings must all fall in `# ERROR`
//! sections (at least one), none in `# OK` sections, and the rendered diagnostics are
//! snapshotted.

use std::path::Path;

use assert_cmd::Command;

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .arg("--color=never");
    cmd
}

fn fixture_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

/// Line ranges of `# OK` and `# ERROR` sections (1-based, inclusive start, exclusive end).
fn sections(text: &str) -> Vec<(bool, usize, usize)> {
    let mut out: Vec<(bool, usize, usize)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        let kind = if t == "# OK" || t.starts_with("# OK ") || t.starts_with("# OK:") {
            Some(false)
        } else if t == "# ERROR" || t.starts_with("# ERROR ") || t.starts_with("# ERROR:") {
            Some(true)
        } else {
            None
        };
        if let Some(error) = kind {
            if let Some(last) = out.last_mut() {
                last.2 = i + 1;
            }
            out.push((error, i + 1, usize::MAX));
        }
    }
    out
}

#[test]
fn every_rule_has_a_fixture_and_fixtures_behave() {
    let rules: Vec<serde_json::Value> = {
        let out = composegen()
            .args(["rules", "--format", "json"])
            .output()
            .expect("run");
        serde_json::from_slice(&out.stdout).expect("rules json")
    };
    let engine_only = ["CG001", "CG002", "CG003"];
    let mut missing = Vec::new();
    for rule in &rules {
        let code = rule["code"].as_str().expect("code");
        let path = fixture_dir().join(format!("{code}.yaml"));
        if !path.is_file() {
            if !engine_only.contains(&code) {
                missing.push(code.to_string());
            }
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read fixture");
        // A first line `# lint-args: …` gives the options the rule needs (e.g. CG309's host memory).
        let extra: Vec<&str> = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# lint-args:"))
            .map(|a| a.split_whitespace().collect())
            .unwrap_or_default();
        let secs = sections(&text);
        assert!(
            secs.iter().any(|s| s.0) && secs.iter().any(|s| !s.0),
            "{code}: needs # OK and # ERROR sections"
        );
        let out = composegen()
            .current_dir(fixture_dir())
            .args([
                "lint",
                "--no-config",
                "--format",
                "json",
                "--select",
                code,
                "--fail-on",
                "never",
            ])
            .args(&extra)
            .arg(format!("{code}.yaml"))
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{code}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let findings = report["findings"].as_array().expect("findings");
        assert!(
            !findings.is_empty(),
            "{code}: the fixture's # ERROR cases produce no finding"
        );
        for f in findings {
            let line = f["location"]["line"].as_u64().expect("line") as usize;
            let in_error = secs
                .iter()
                .any(|(err, a, b)| *err && (*a..*b).contains(&line));
            assert!(
                in_error,
                "{code}: finding at line {line} is outside every # ERROR section: {f}"
            );
        }
        let human = composegen()
            .current_dir(fixture_dir())
            .args([
                "lint",
                "--no-config",
                "--format",
                "concise",
                "--select",
                code,
                "--fail-on",
                "never",
            ])
            .args(&extra)
            .arg(format!("{code}.yaml"))
            .output()
            .expect("run");
        insta::assert_snapshot!(
            format!("fixture_{code}"),
            String::from_utf8_lossy(&human.stdout)
        );
    }
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}

#[test]
fn docs_rules_md_is_up_to_date() {
    let out = composegen()
        .args(["rules", "--format", "markdown"])
        .output()
        .expect("run");
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"))
            .unwrap_or_default();
    assert!(
        generated.trim_end()
            == committed
                .split("\n<!-- coverage -->")
                .next()
                .unwrap_or_default()
                .trim_end(),
        "docs/rules.md is stale: run `cargo run -- rules --format markdown` and keep the coverage section after the `<!-- coverage -->` marker"
    );
}

#[test]
fn explain_prints_the_rule_documentation() {
    let out = composegen()
        .args(["explain", "cg101"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("CG101 host-port-collision\n"), "{text}");
    assert!(text.contains("## Why is this bad?"));
    let out = composegen()
        .args(["explain", "CG999"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}
