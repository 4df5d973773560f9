//! Rule selection on the real binary: `--select ALL`, a family prefix turning on its
//! off-by-default rules (as in ruff), and the `security` preset from the command line and from
//! `.composegen.yaml`.

use assert_cmd::Command;

const FILE: &str = "services:
  web:
    image: nginx:1.27.3
    ports:
      - \"8080:8080\"
    volumes:
      - /srv/site:/usr/share/nginx/html:ro
  db:
    image: postgres:16.4
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/db
    volumes:
      - db:/var/lib/postgresql/data
volumes:
  db:
";

/// The codes composegen reports on FILE, with `args`, in a directory holding `config` as
/// `.composegen.yaml` (when given); and the exit code.
fn codes(args: &[&str], config: Option<&str>) -> (Vec<String>, i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("compose.yaml"), FILE).expect("write");
    if let Some(c) = config {
        std::fs::write(dir.path().join(".composegen.yaml"), c).expect("write config");
    }
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .args(["lint", "--format", "json", "--fail-on", "never"])
        .args(args)
        .arg("compose.yaml")
        .output()
        .expect("run");
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut codes: Vec<String> = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| {
            v["findings"].as_array().map(|a| {
                a.iter()
                    .filter_map(|f| f["code"].as_str().map(String::from))
                    .collect()
            })
        })
        .unwrap_or_default();
    codes.sort();
    codes.dedup();
    (codes, code, stderr)
}

fn has(codes: &[String], code: &str) -> bool {
    codes.iter().any(|c| c == code)
}

#[test]
fn select_all_runs_every_rule_off_by_default_ones_included() {
    let (defaults, _, _) = codes(&["--no-config"], None);
    assert!(
        !has(&defaults, "CG106") && !has(&defaults, "CG415"),
        "{defaults:?}"
    );
    let (all, code, stderr) = codes(&["--no-config", "--select", "ALL"], None);
    assert_eq!(code, 0, "{stderr}");
    for c in ["CG106", "CG213", "CG302", "CG415", "CG705", "CG805"] {
        assert!(has(&all, c), "{c} with --select ALL: {all:?}");
    }
    for c in &defaults {
        assert!(
            has(&all, c),
            "{c} is on by default and must stay on: {all:?}"
        );
    }
    // Lower case, and a configured level still wins.
    let (all, _, _) = codes(&["--select", "all"], Some("rules:\n  CG415: off\n"));
    assert!(has(&all, "CG106") && !has(&all, "CG415"), "{all:?}");
}

#[test]
fn a_family_prefix_turns_on_that_familys_off_by_default_rules() {
    let (security, _, _) = codes(&["--no-config", "--select", "CG4"], None);
    assert!(
        has(&security, "CG415") && has(&security, "CG405"),
        "{security:?}"
    );
    assert!(
        security.iter().all(|c| c.starts_with("CG4")),
        "{security:?}"
    );
    let (ports, _, _) = codes(&["--no-config", "--select", "CG1,CG705"], None);
    assert!(has(&ports, "CG106") && has(&ports, "CG705"), "{ports:?}");
    assert!(!has(&ports, "CG415"), "{ports:?}");
}

#[test]
fn the_security_preset_adds_hardening_rules_to_the_defaults() {
    let (defaults, _, _) = codes(&["--no-config"], None);
    let (preset, code, stderr) = codes(&["--no-config", "--preset", "security"], None);
    assert_eq!(code, 0, "{stderr}");
    for c in [
        "CG106", "CG213", "CG302", "CG303", "CG403", "CG405", "CG415", "CG705",
    ] {
        assert!(has(&preset, c), "{c} with --preset security: {preset:?}");
    }
    // Style rules are not in it, and the defaults stay.
    assert!(!has(&preset, "CG805"), "{preset:?}");
    for c in &defaults {
        assert!(has(&preset, c), "{c}: {preset:?}");
    }
    // The same from the configuration file.
    let (from_file, code, stderr) = codes(&[], Some("preset: [security]\n"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(from_file, preset);
}

#[test]
fn show_config_names_the_preset_and_unknown_names_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(dir.path())
        .args([
            "lint",
            "--no-config",
            "--preset",
            "security",
            "--show-config",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("CG415"))
        .expect("CG415 line");
    assert!(
        line.contains("info") && line.contains("preset security"),
        "{line}"
    );
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(dir.path())
        .args(["lint", "--no-config", "--select", "ALL", "--show-config"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("CG415"))
        .expect("CG415 line");
    assert!(
        line.contains("info") && line.contains("--select ALL"),
        "{line}"
    );
    let (_, code, stderr) = codes(&["--no-config", "--preset", "strict"], None);
    assert_eq!(code, 2, "{stderr}");
    let (_, code, stderr) = codes(&[], Some("preset: [strict]\n"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("preset"), "{stderr}");
    let (_, code, _) = codes(&["--no-config", "--select", "ALLX"], None);
    assert_eq!(code, 2);
}

/// A database port on every interface is CG103's; CG106 (any port on every interface) does not
/// say it again at the same port, and still reports the others.
#[test]
fn cg106_gives_way_to_cg103_at_the_same_port() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27.3\n    ports: [\"8080:80\"]\n  db:\n    image: postgres:16.4\n    ports: [\"5432:5432\"]\n",
    )
    .expect("write");
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(dir.path())
        .args(["lint", "--format", "concise", "--fail-on", "never"])
        .args(["--select", "CG103,CG106", "compose.yaml"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let found: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("[CG1"))
        .map(|l| l.split(": ").next().unwrap_or_default())
        .collect();
    assert_eq!(
        found,
        ["compose.yaml:4:13", "compose.yaml:7:13"],
        "one finding per port:\n{text}"
    );
    assert!(
        text.contains("info[CG106]") && text.contains("warning[CG103]"),
        "{text}"
    );
}
