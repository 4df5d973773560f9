//! Multi-file projects (overrides, anchors, extends, include, interpolation, `!reset` and
//! `!override`): `composegen config` must print exactly what the real Docker Compose prints, and
//! lint findings on merged values must point at the file and line a human wrote.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

fn projects() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// Only PATH and HOME: the fixtures' variables come from their own `.env` files.
fn clean(cmd: &mut Process) {
    cmd.env_clear();
    for var in ["PATH", "HOME"] {
        if let Some(v) = std::env::var_os(var) {
            cmd.env(var, v);
        }
    }
}

#[test]
fn config_matches_docker_compose_for_every_project_fixture() {
    let Some(compose) = support::tool("docker-compose") else {
        return;
    };
    let projects = projects();
    assert!(projects.len() >= 4);
    for dir in projects {
        let mut theirs = Process::new(&compose);
        theirs
            .current_dir(&dir)
            .args(["config", "--format", "json"]);
        clean(&mut theirs);
        let theirs = theirs.output().expect("docker-compose");
        assert!(
            theirs.status.success(),
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&theirs.stderr)
        );
        let theirs: serde_json::Value = serde_json::from_slice(&theirs.stdout).expect("json");

        let mut ours = Process::new(env!("CARGO_BIN_EXE_composegen"));
        ours.current_dir(&dir).args(["config", "--format", "json"]);
        clean(&mut ours);
        let ours = ours.output().expect("composegen");
        assert!(
            ours.status.success(),
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&ours.stderr)
        );
        let ours: serde_json::Value = serde_json::from_slice(&ours.stdout).expect("json");
        assert_eq!(
            ours,
            theirs,
            "{}: composegen config differs from docker compose config",
            dir.display()
        );
    }
}

#[test]
fn a_collision_that_exists_only_after_the_merge_points_at_the_override() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/projects/anchors-extends-override");
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(&dir)
        .args([
            "lint",
            "--no-config",
            "--format",
            "json",
            "--select",
            "CG101",
        ])
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = report["findings"].as_array().expect("findings");
    let locations: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{}:{} <-> {}:{}",
                f["location"]["file"].as_str().unwrap_or_default(),
                f["location"]["line"],
                f["related"][0]["file"].as_str().unwrap_or_default(),
                f["related"][0]["line"]
            )
        })
        .collect();
    // dev-tools (compose.yaml:13) collides with api's port, inherited from common.yaml:4 via
    // extends; api's override port (compose.override.yaml:3) collides with web's, which web
    // inherits from the file itself (compose.yaml:7).
    assert_eq!(
        locations,
        [
            "compose.yaml:13 <-> common.yaml:4",
            "compose.override.yaml:3 <-> compose.yaml:7"
        ],
        "{report}"
    );
    // With a profile that disables dev-tools, only the override collision remains.
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(&dir)
        .args([
            "lint",
            "--no-config",
            "--format",
            "concise",
            "--select",
            "CG101",
            "--profile",
            "prod",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("compose.override.yaml:3:13: error[CG101]"),
        "{text}"
    );
    assert!(!text.contains("compose.yaml:13"), "{text}");
}

#[test]
fn findings_on_values_from_an_anchor_point_at_the_anchor() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "x-db: &db\n  image: postgres:16.4\n  ports: [\"5432:5432\"]\nservices:\n  db:\n    <<: *db\n",
    )
    .expect("write");
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(dir.path())
        .args([
            "lint",
            "--no-config",
            "--format",
            "json",
            "--select",
            "CG103",
        ])
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let f = &report["findings"][0];
    assert_eq!(
        f["location"]["line"], 3,
        "points at the anchor definition: {report}"
    );
    assert_eq!(f["service"], "db");
}

#[test]
fn missing_include_and_extends_targets_are_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "include:\n  - missing.yaml\nservices:\n  web:\n    extends: {file: nope.yaml, service: web}\n",
    )
    .expect("write");
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(dir.path())
        .args([
            "lint",
            "--no-config",
            "--format",
            "concise",
            "--select",
            "CG007",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("compose.yaml:2:5: error[CG007] cannot read included file missing.yaml"),
        "{text}"
    );
    assert!(
        text.contains("compose.yaml:5:21: error[CG007] cannot read nope.yaml"),
        "{text}"
    );
}
