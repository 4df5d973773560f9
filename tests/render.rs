//! Render tests over every built-in profile: snapshots, determinism, the generated schema, and
//! acceptance by the real Docker Compose.

mod support;

use std::path::Path;

use assert_cmd::Command;

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

fn render_stdout(args: &[&str]) -> String {
    let out = composegen().arg("render").args(args).output().expect("run");
    assert!(
        out.status.success(),
        "render {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn profiles() -> Vec<&'static str> {
    composegen::assets::profile_names()
}

/// Variables of a generated `.env`.
fn read_env(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join(".env")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

#[test]
fn there_are_five_builtin_profiles() {
    let mut names = profiles();
    names.sort_unstable();
    assert_eq!(names, ["alpr", "elk", "locust", "paklog", "redis-sentinel"]);
}

#[test]
fn every_profile_renders_byte_identically_twice() {
    for name in profiles() {
        let a = render_stdout(&[name]);
        let b = render_stdout(&[name]);
        assert_eq!(a, b, "{name} is not deterministic");
    }
}

#[test]
fn snapshots_of_every_profile() {
    for name in profiles() {
        let text = render_stdout(&[name]);
        insta::assert_snapshot!(format!("render_{name}"), text);
    }
}

#[test]
fn bundles_are_accepted_by_docker_compose() {
    for name in profiles() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = composegen()
            .args(["render", name, "-o"])
            .arg(dir.path())
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = read_env(dir.path());
        let mut compose_files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("docker-compose"))
            })
            .collect();
        compose_files.sort();
        assert!(!compose_files.is_empty());
        for file in compose_files {
            // Build contexts must exist for Compose to accept the file; create them empty.
            let text = std::fs::read_to_string(&file).expect("read");
            for line in text.lines() {
                if let Some(ctx) = line.trim().strip_prefix("context: ") {
                    std::fs::create_dir_all(dir.path().join(ctx.trim_matches('"'))).expect("mkdir");
                }
            }
            if let Some(result) = support::compose_config(&file, &env) {
                result.unwrap_or_else(|e| {
                    panic!("{}: docker-compose rejected it:\n{e}", file.display())
                });
            }
        }
    }
}

#[test]
fn inline_renders_are_accepted_by_docker_compose() {
    for name in profiles() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = render_stdout(&[name]);
        let file = dir.path().join("docker-compose.yml");
        std::fs::write(&file, &text).expect("write");
        for line in text.lines() {
            if let Some(ctx) = line.trim().strip_prefix("context: ") {
                std::fs::create_dir_all(dir.path().join(ctx.trim_matches('"'))).expect("mkdir");
            }
        }
        // Secrets are `${VAR:?…}`: give each a value, as a .env would.
        let env: Vec<(String, String)> = text
            .match_indices("${")
            .filter_map(|(i, _)| {
                let rest = &text[i + 2..];
                let end = rest.find([':', '}', '?', '-'])?;
                Some((rest[..end].to_string(), "x0123456789abcdef".to_string()))
            })
            .collect();
        if let Some(result) = support::compose_config(&file, &env) {
            result.unwrap_or_else(|e| {
                panic!("{name}: docker-compose rejected the inline render:\n{e}")
            });
        }
        // Without the secrets, Compose refuses to run: no credential has a default.
        if !env.is_empty()
            && let Some(result) = support::compose_config(&file, &[])
        {
            let err = result.expect_err("secrets must be required");
            assert!(
                err.contains("required variable") || err.contains("is missing a value"),
                "{err}"
            );
        }
    }
}

#[test]
fn committed_schema_is_up_to_date() {
    let out = composegen()
        .args(["schema", "profile"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/profile.schema.json"),
    )
    .expect("schema/profile.schema.json");
    assert!(
        generated == committed,
        "schema/profile.schema.json is stale: run `cargo run -- schema profile > schema/profile.schema.json`"
    );
}

#[test]
fn builtin_profiles_point_editors_at_the_schema() {
    for name in profiles() {
        let text = composegen::assets::profile(name).expect("profile");
        assert!(
            text.starts_with("# yaml-language-server: $schema=../schema/profile.schema.json\n"),
            "{name} lacks the schema line"
        );
    }
}

#[test]
fn rendered_output_has_no_literal_credentials_and_pins_every_image() {
    for name in profiles() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = composegen()
            .args(["render", name, "-o"])
            .arg(dir.path())
            .output()
            .expect("run");
        assert!(out.status.success());
        let env = read_env(dir.path());
        let text = render_stdout(&[name]);
        let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("yaml");
        let services = doc["services"].as_mapping().expect("services");
        for (svc_name, svc) in services {
            let svc_name = svc_name.as_str().unwrap_or_default();
            if let Some(image) = svc["image"].as_str() {
                let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
                assert!(
                    !tag.is_empty() && tag != "latest" && !tag.contains('/'),
                    "{name}/{svc_name}: unpinned {image}"
                );
            }
            let limits = &svc["deploy"]["resources"]["limits"];
            assert!(
                limits["memory"].is_string() && limits["cpus"].is_string(),
                "{name}/{svc_name}: no limits"
            );
        }
        // No generated secret value appears anywhere in the output or the config files.
        for (_, value) in env.iter().filter(|(_, v)| v.len() >= 16) {
            assert!(
                !text.contains(value.as_str()),
                "{name}: a secret value leaked into the output"
            );
        }
        for weak in [
            "password: admin",
            "PASSWORD=admin",
            "PASSWORD: admin",
            "changeme",
            "alpr_secure_pass",
        ] {
            assert!(!text.contains(weak), "{name}: contains {weak:?}");
        }
    }
}

#[test]
fn every_profile_lints_clean_with_the_default_rules() {
    for name in profiles() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = composegen()
            .args(["render", name, "-o"])
            .arg(dir.path())
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lint = composegen()
            .current_dir(dir.path())
            .args([
                "lint",
                "--no-config",
                "--format",
                "concise",
                "--fail-on",
                "info",
                ".",
            ])
            .output()
            .expect("run");
        let report = String::from_utf8_lossy(&lint.stdout);
        assert!(
            lint.status.success(),
            "{name} has unsuppressed findings:\n{report}"
        );
        assert!(
            report.contains("0 errors, 0 warnings, 0 infos"),
            "{name}: {report}"
        );
    }
}

/// The swarm target's stack file of every profile (`render NAME --target swarm -o DIR`):
/// reviewed as a diff against the compose target's snapshot; `tests/swarm.rs` holds it to the
/// real `docker stack config`.
#[test]
fn swarm_snapshots_of_every_profile() {
    for name in profiles() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = composegen()
            .args(["render", name, "--target", "swarm", "-o"])
            .arg(dir.path())
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(dir.path().join("docker-compose.yml")).expect("read");
        insta::assert_snapshot!(format!("render_swarm_{name}"), text);
    }
}

/// Every image a built-in profile renders (all its compose files) is in the image table, and a
/// service that publishes ports has an entry that says where its image listens (issue 10: the
/// port, volume, health and variable rules know the stacks we render).
#[test]
fn every_rendered_image_is_in_the_image_table() {
    let table = composegen::lint::images::ImageTable::new(&[]).expect("image table");
    for name in profiles() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = composegen()
            .args(["render", name, "-o"])
            .arg(dir.path())
            .output()
            .expect("run");
        assert!(out.status.success(), "render {name} -o failed");
        let mut files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("bundle")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{name}: no compose file in the bundle");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read");
            let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("yaml");
            let Some(services) = doc["services"].as_mapping() else {
                continue;
            };
            for (svc_name, svc) in services {
                let svc_name = svc_name.as_str().unwrap_or_default();
                let Some(image) = svc["image"].as_str() else {
                    continue;
                };
                let repository = composegen::lint::view::repository(image);
                let entry = table.lookup(&repository);
                assert!(
                    entry.is_some(),
                    "{name}/{svc_name}: {repository} is not in data/images.yaml"
                );
                if svc["ports"].as_sequence().is_some_and(|p| !p.is_empty()) {
                    assert!(
                        entry.is_some_and(|e| !e.ports.is_empty()),
                        "{name}/{svc_name}: {repository} publishes ports, its entry has none"
                    );
                }
            }
        }
    }
}
