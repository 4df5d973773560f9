//! Compose's own `up` planning as the oracle: every built-in profile, rendered to stdout (the
//! README's main job, with the `.env` it generates) and as a bundle (`-o DIR`), with every
//! feature group (`--profile '*'`) and several knob sets, must get through the real Docker
//! Compose v2.40.3 `--dry-run up -d` against the stub engine of `support::engine`: configuration,
//! interpolation, planning, container creation and the dependency waits.
//!
//! `accepts_is_not_starts` checks the layer itself: a file that `config -q` accepts but `up`
//! refuses (inline config content on a read-only service) must fail here.

mod support;

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use support::engine::{Engine, compose_up_dry_run};

fn composegen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_composegen"))
}

/// Services that others wait for with `service_completed_successfully`: one-shots whose
/// containers the stub engine reports as exited 0.
fn one_shots(text: &str) -> Vec<String> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).expect("compose file is YAML");
    let mut out = Vec::new();
    if let Some(services) = doc.get("services").and_then(|s| s.as_mapping()) {
        for svc in services.values() {
            if let Some(deps) = svc.get("depends_on").and_then(|d| d.as_mapping()) {
                for (name, dep) in deps {
                    let completed = dep.get("condition").and_then(|c| c.as_str())
                        == Some("service_completed_successfully");
                    if let Some(name) = name.as_str().filter(|_| completed) {
                        out.push(name.to_string());
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn build_contexts(text: &str) -> Vec<String> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).expect("compose file is YAML");
    doc.get("services")
        .and_then(|s| s.as_mapping())
        .map(|m| {
            m.values()
                .filter_map(|svc| svc.get("build")?.get("context")?.as_str())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn services(text: &str) -> Vec<String> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).expect("compose file is YAML");
    doc.get("services")
        .and_then(|s| s.as_mapping())
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The networks a file creates (`name:` or `<project>_<key>`) and the ones it joins as
/// `external` (by name).
fn networks(text: &str) -> (Vec<String>, Vec<String>) {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).expect("compose file is YAML");
    let project = doc.get("name").and_then(|n| n.as_str()).unwrap_or("");
    let (mut own, mut external) = (Vec::new(), Vec::new());
    if let Some(nets) = doc.get("networks").and_then(|n| n.as_mapping()) {
        for (key, n) in nets {
            let key = key.as_str().unwrap_or("");
            let name = n.get("name").and_then(|x| x.as_str()).map(str::to_string);
            if n.get("external").and_then(serde_yaml::Value::as_bool) == Some(true) {
                external.push(name.unwrap_or_else(|| key.to_string()));
            } else {
                own.push(name.unwrap_or_else(|| format!("{project}_{key}")));
            }
        }
    }
    (own, external)
}

/// `docker compose --dry-run up -d --profile '*'` on `file` in `dir`, after the files in
/// `started` (whose networks therefore exist): panics with Compose's output unless every service
/// was created and started. `false`: Compose is missing (skip).
fn up(dir: &Path, file: &str, started: &[String], what: &str) -> bool {
    let text = std::fs::read_to_string(dir.join(file)).expect("rendered file");
    let mut existing = Vec::new();
    for earlier in started {
        let t = std::fs::read_to_string(dir.join(earlier)).expect("rendered file");
        existing.extend(networks(&t).0);
    }
    for ext in networks(&text).1 {
        assert!(
            existing.contains(&ext),
            "{what}: {file} joins network {ext}, which no file started before it creates"
        );
    }
    let engine = Engine::start(one_shots(&text)).with_networks(existing);
    let Some(result) = compose_up_dry_run(&engine, dir, &[file], &["*"]) else {
        return false;
    };
    assert!(
        result.ok,
        "{what}: docker compose --dry-run up failed on {file}:\n{}",
        result.output
    );
    // Compose creates every container before it starts any, and exits non-zero when a start
    // or a dependency wait fails; its progress output may end before the last `Started` lines
    // are printed (seen under load), so each service is checked by its `Created` line.
    for svc in services(&text) {
        assert!(
            result
                .output
                .lines()
                .any(|l| l.contains(&format!("-{svc}-")) && l.trim_end().ends_with("Created")),
            "{what}: {file}: no container of service {svc} was created:\n{}",
            result.output
        );
    }
    assert!(
        engine.unknown().is_empty(),
        "{what}: Compose made calls the stub engine does not know: {:?}",
        engine.unknown()
    );
    true
}

/// The compose files a profile renders (main first), from a bundle's listing.
fn compose_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("bundle dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("docker-compose") && n.ends_with(".yml"))
        .collect();
    files.sort_by_key(|f| (f != "docker-compose.yml", f.clone()));
    files
}

/// `composegen render PROFILE -o DIR --set …`, which must succeed.
fn render_bundle(dir: &Path, profile: &str, sets: &[&str]) {
    let mut cmd = composegen();
    cmd.args(["render", profile, "-o"]).arg(dir);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "render {profile} {sets:?} -o DIR: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The parts of a profile besides `main` (from a bundle render), as (part key, file name).
fn parts(profile: &str, sets: &[&str]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), profile, sets);
    compose_files(dir.path())
        .into_iter()
        .filter(|f| f != "docker-compose.yml")
        .map(|f| {
            let key = f
                .trim_start_matches("docker-compose.")
                .trim_end_matches(".yml")
                .to_string();
            (key, f)
        })
        .collect()
}

/// The README's main job, exactly: `composegen render NAME > docker-compose.yml` (stdout is a
/// file, so the `.env` beside it is generated), then `docker compose up`.
fn check_stdout(profile: &str, sets: &[&str]) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let what = format!("render {profile} {sets:?} > file");
    let mut files = vec![("main".to_string(), "docker-compose.yml".to_string())];
    files.extend(parts(profile, sets));
    for (key, file) in &files {
        let mut cmd = composegen();
        cmd.args(["render", profile]);
        for s in sets {
            cmd.args(["--set", s]);
        }
        if key != "main" {
            cmd.args(["--part", key]);
        }
        let out = cmd
            .current_dir(dir.path())
            .stdout(Stdio::from(File::create(dir.path().join(file)).unwrap()))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The dry run does not build; a real `up` stops at a missing build context, so the
        // render must have said which ones the user provides.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        for context in build_contexts(&text) {
            if !dir.path().join(&context).is_dir() {
                assert!(
                    stderr.contains(&context),
                    "{what}: {file} builds from {context}, which the render never mentioned:\n{stderr}"
                );
            }
        }
    }
    let mut started = Vec::new();
    for (_, file) in &files {
        if !up(dir.path(), file, &started, &what) {
            return false;
        }
        started.push(file.clone());
    }
    true
}

fn check_bundle(profile: &str, sets: &[&str]) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let what = format!("render {profile} {sets:?} -o DIR");
    render_bundle(dir.path(), profile, sets);
    let mut started = Vec::new();
    for file in compose_files(dir.path()) {
        if !up(dir.path(), &file, &started, &what) {
            return false;
        }
        started.push(file);
    }
    true
}

fn check(profile: &str, knob_sets: &[&[&str]]) {
    for sets in knob_sets {
        if !check_stdout(profile, sets) || !check_bundle(profile, sets) {
            return;
        }
    }
}

#[test]
fn elk_starts() {
    check(
        "elk",
        &[
            &[],
            &[
                "workers=4",
                "backend_image=registry.example.com/backend:1.4.0",
                "frontend_image=registry.example.com/frontend:1.4.0",
            ],
            &["elasticsearch_nodes=3"],
            &["elasticsearch_nodes=4", "backend_replicas=3"],
        ],
    );
}

#[test]
fn paklog_starts() {
    check(
        "paklog",
        &[
            &[],
            &["retention=7", "services.kafka.ports[0].host=19092"],
            &["kafka_brokers=3", "pinot_servers=2"],
        ],
    );
}

#[test]
fn redis_sentinel_starts() {
    check(
        "redis-sentinel",
        &[
            &[],
            &["replicas=1", "sentinels=3"],
            &["replicas=3", "sentinels=5"],
        ],
    );
}

#[test]
fn alpr_starts() {
    check(
        "alpr",
        &[
            &[],
            &[
                "consumer_replicas=3",
                "kafka_consumer_image=registry.example.com/kafka-consumer:2.0.1",
            ],
            &["kafka_brokers=3", "consumer_replicas=3"],
        ],
    );
}

#[test]
fn locust_starts() {
    check("locust", &[&[], &["retention=2h"]]);
}

/// The layer sees what `config -q` does not: Compose ≥ 2.33.1 refuses inline config content on
/// a read-only service at `up` (the defect every stdout render had).
#[test]
fn accepts_is_not_starts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27.2\n    read_only: true\n    configs:\n      \
         - source: site\n        target: /etc/nginx/conf.d/site.conf\nconfigs:\n  site:\n    \
         content: |\n      server {}\n",
    )
    .unwrap();
    let engine = Engine::start(Vec::new());
    let Some(result) = compose_up_dry_run(&engine, dir.path(), &["compose.yaml"], &[]) else {
        return;
    };
    assert!(!result.ok, "compose accepted it:\n{}", result.output);
    assert!(
        result.output.contains("read-only service web"),
        "{}",
        result.output
    );
}

/// A one-shot the others wait for must have run to completion: the stub reports it, so a
/// missing one-shot report would hang (bounded by the support timeout) rather than pass.
#[test]
fn one_shots_are_found() {
    let text = "services:\n  a:\n    image: x\n    depends_on:\n      init:\n        condition: \
                service_completed_successfully\n      b:\n        condition: service_healthy\n  \
                b:\n    image: y\n  init:\n    image: z\n";
    assert_eq!(one_shots(text), ["init"]);
}

/// The one-shot of a single-file render writes exactly the bundle's config files: its script
/// runs under a real `sh` with the environment Compose resolves (into a temporary directory
/// instead of the volume), and every file equals the one `-o DIR` writes, byte for byte.
#[test]
fn single_file_carries_the_bundle_files() {
    for profile in ["elk", "paklog", "redis-sentinel", "alpr", "locust"] {
        let bundle = tempfile::tempdir().unwrap();
        render_bundle(bundle.path(), profile, &[]);
        let single = tempfile::tempdir().unwrap();
        let file = single.path().join("docker-compose.yml");
        let out = composegen()
            .args(["render", profile])
            .current_dir(single.path())
            .stdout(Stdio::from(File::create(&file).unwrap()))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Compose runs in the file's directory and reads the generated `.env` itself.
        let Some(model) = support::compose_config_json(&file, &[]) else {
            return;
        };
        let model = model.expect("compose accepts the single file");
        let init = &model["services"]["composegen-configs"];
        // `config` prints `$` re-escaped as `$$`; the container gets one.
        let unescape = |v: &serde_json::Value| v.as_str().unwrap().replace("$$", "$");
        let target = tempfile::tempdir().unwrap();
        let script = unescape(&init["command"][2])
            .replace("'/out/", &format!("'{}/", target.path().display()));
        let mut sh = Command::new("sh");
        sh.args(["-c", &script]).env_clear();
        for (k, v) in init["environment"].as_object().unwrap() {
            sh.env(k, unescape(v));
        }
        let status = sh.status().expect("run sh");
        assert!(status.success(), "{profile}: the one-shot's script failed");
        let mut written = Vec::new();
        let mut stack = vec![target.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    written.push(path);
                }
            }
        }
        assert!(!written.is_empty(), "{profile}: nothing written");
        for path in written {
            let rel = path.strip_prefix(target.path()).unwrap();
            let want = std::fs::read(bundle.path().join(rel)).unwrap_or_else(|e| {
                panic!("{profile}: {} is not in the bundle: {e}", rel.display())
            });
            assert_eq!(
                std::fs::read(&path).unwrap(),
                want,
                "{profile}: {} differs from the bundle's",
                rel.display()
            );
            let mode = std::os::unix::fs::PermissionsExt::mode(
                &std::fs::metadata(&path).unwrap().permissions(),
            );
            assert_eq!(mode & 0o777, 0o644, "{profile}: {} mode", rel.display());
        }
    }
}
