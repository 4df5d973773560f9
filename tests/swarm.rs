//! The Docker Swarm target (issue 14): `composegen render NAME --target swarm -o DIR` for every
//! built-in profile, defaults and the cluster knob sets, each stack file handed to the real
//! `docker stack config -c FILE` (the docker CLI loads it as `docker stack deploy` does; no
//! daemon needed). The assertions read what the docker CLI loaded, not the rendered text: the
//! topology (node names, roles, broker ids, replication, seed hosts, replicas, placement), the
//! swarm secrets, and none of the keys swarm ignores or refuses.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;
use serde_yaml::Value;
use support::engine::{Engine, compose_up_dry_run_with_env};

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// A rendered swarm bundle, each stack file as `docker stack config` loaded it.
struct Stack {
    dir: tempfile::TempDir,
    /// (file name, loaded stack) for every stack file of the bundle, the main one first.
    files: Vec<(String, Value)>,
}

impl Stack {
    fn main(&self) -> &Value {
        &self.files[0].1
    }
}

/// Every secret file of the bundle as the variable a deploy-time `${VAR:?}` names.
fn secret_env(dir: &Path) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for entry in std::fs::read_dir(dir.join("secrets")).expect("secrets/") {
        let path = entry.unwrap().path();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
        let value = std::fs::read_to_string(&path).unwrap();
        assert!(
            !value.is_empty() && !value.contains('\n'),
            "{}",
            path.display()
        );
        let name = path.file_name().unwrap().to_str().unwrap();
        env.push((name.to_ascii_uppercase(), value));
    }
    env.sort();
    env
}

/// `render PROFILE --set … --target swarm -o DIR`, then `docker stack config -c` on every stack
/// file; `None` when the docker CLI is missing (a failure under COMPOSEGEN_TOOLS_REQUIRED).
fn deploy_config(profile: &str, sets: &[&str]) -> Option<Stack> {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = composegen();
    cmd.args(["render", profile, "--target", "swarm", "-o"])
        .arg(dir.path());
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "render {profile} {sets:?} --target swarm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.path().join(".env").exists(),
        "a swarm bundle has no .env"
    );
    let secret_files = secret_env(dir.path());
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("docker-compose") && n.ends_with(".yml"))
        .collect();
    names.sort_by_key(|n| (n != "docker-compose.yml", n.clone()));
    let mut files = Vec::new();
    // One stub engine for the bundle: the networks of each file exist for the files after it.
    let engine = Engine::start(Vec::new());
    let mut networks = Vec::new();
    for name in names {
        let file = dir.path().join(&name);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains(&format!(
                "# Docker Swarm stack: docker stack deploy -c {name} {profile}"
            )),
            "{name}"
        );
        // Only what the header says to export: every other secret must come from its file.
        let env = header_exports(&text, &secret_files);
        let (stdout, stderr) = support::docker_stack_config(&file, &env)?.unwrap_or_else(|e| {
            panic!("docker stack config refuses {profile} {sets:?} {name}:\n{e}")
        });
        // The routing mesh has no host address: a 127.0.0.1 port would open on every node.
        assert!(
            !stderr.contains("ignoring IP-address"),
            "{profile} {name}: {stderr}"
        );
        let doc: Value = serde_yaml::from_str(&stdout).unwrap();
        swarm_only(profile, &name, &doc, dir.path());
        if let Err(e) = compose_verdict(profile, &file, &env, &engine, &mut networks)? {
            panic!("Docker Compose on {profile} {sets:?} --target swarm {name}: {e}");
        }
        files.push((name, doc));
    }
    Some(Stack { dir, files })
}

/// Docker Compose on a stack file: `config -q`, then `--dry-run up -d` against `engine`, with
/// `env` (what the header exports) and the stack's name as the project; `networks` are those
/// the stack files before it created (the file's own are added when it passes). `None`: Compose
/// is missing (a failure under COMPOSEGEN_TOOLS_REQUIRED); `Some(Err(why))`: Compose refused it.
fn compose_verdict(
    project: &str,
    file: &Path,
    env: &[(String, String)],
    engine: &Engine,
    networks: &mut Vec<String>,
) -> Option<Result<(), String>> {
    let name = file.file_name().unwrap().to_string_lossy();
    let mut env = env.to_vec();
    env.push(("COMPOSE_PROJECT_NAME".to_string(), project.to_string()));
    if let Err(e) = support::compose_config(file, &env)? {
        return Some(Err(format!("docker compose config -q refuses it:\n{e}")));
    }
    let doc: Value = serde_yaml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let (own, external) = file_networks(project, &doc);
    if let Some(ext) = external.iter().find(|x| !networks.contains(x)) {
        return Some(Err(format!(
            "joins network {ext}, which no stack file before it creates"
        )));
    }
    let dir = file.parent().unwrap();
    let result = compose_up_dry_run_with_env(engine, dir, &[name.as_ref()], &[], &env)?;
    if !result.ok {
        return Some(Err(format!(
            "docker compose --dry-run up failed:\n{}",
            result.output
        )));
    }
    // Each replica is a container `PROJECT-SERVICE-N`; a service with 0 replicas has none.
    let created = |container: &str| {
        result.output.lines().any(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words.contains(&container) && words.last() == Some(&"Created")
        })
    };
    for (svc, s) in doc["services"].as_mapping().unwrap() {
        let svc = svc.as_str().unwrap();
        let n = s["deploy"]["replicas"].as_u64().unwrap_or(1);
        for i in 1..=n + 1 {
            let container = format!("{project}-{svc}-{i}");
            if created(&container) != (i <= n) {
                return Some(Err(format!(
                    "container {container} of {svc} (replicas: {n}) created: {}\n{}",
                    i > n,
                    result.output
                )));
            }
        }
    }
    if !engine.unknown().is_empty() {
        return Some(Err(format!(
            "Compose made calls the stub engine does not know: {:?}",
            engine.unknown()
        )));
    }
    networks.extend(own.iter().cloned());
    engine.add_networks(own);
    Some(Ok(()))
}

/// The networks a stack file creates (`name:` or `PROJECT_KEY`) and those it joins as external.
fn file_networks(project: &str, doc: &Value) -> (Vec<String>, Vec<String>) {
    let (mut own, mut external) = (Vec::new(), Vec::new());
    for (key, n) in doc["networks"].as_mapping().into_iter().flatten() {
        let key = key.as_str().unwrap();
        let name = n["name"].as_str().map(str::to_string);
        if n["external"].as_bool() == Some(true) {
            external.push(name.unwrap_or_else(|| key.to_string()));
        } else {
            own.push(name.unwrap_or_else(|| format!("{project}_{key}")));
        }
    }
    (own, external)
}

/// The variables the stack file's header says to export, with the values of their files.
fn header_exports(text: &str, files: &[(String, String)]) -> Vec<(String, String)> {
    let Some(line) = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find(|l| l.contains("export it for docker stack deploy: export "))
    else {
        return Vec::new();
    };
    let list = line.split(": export ").nth(1).unwrap_or_default();
    list.split("\" ")
        .filter_map(|w| {
            let (var, cat) = w.split_once('=')?;
            let name = var.to_ascii_lowercase();
            let cat = cat.strip_suffix('"').unwrap_or(cat);
            assert_eq!(cat, format!("\"$(cat secrets/{name})"), "{w}");
            let value = files.iter().find(|(k, _)| k == var).map(|(_, v)| v.clone());
            Some((
                var.to_string(),
                value.unwrap_or_else(|| panic!("no secrets/{name}")),
            ))
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| {
            s.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn svc<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = &doc["services"][name];
    assert!(!s.is_null(), "no service {name}");
    s
}

fn env(doc: &Value, service: &str, key: &str) -> Option<String> {
    svc(doc, service)["environment"][key]
        .as_str()
        .map(str::to_string)
}

fn placement(doc: &Value, service: &str) -> Vec<String> {
    strings(&svc(doc, service)["deploy"]["placement"]["constraints"])
}

fn replicas(doc: &Value, service: &str) -> Option<u64> {
    svc(doc, service)["deploy"]["replicas"].as_u64()
}

/// What holds for every service of every stack file.
fn swarm_only(profile: &str, file: &str, doc: &Value, dir: &Path) {
    for (name, s) in doc["services"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        for key in [
            "container_name",
            "depends_on",
            "build",
            "restart",
            "security_opt",
            "network_mode",
            "expose",
            "profiles",
            "pids_limit",
        ] {
            assert!(s[key].is_null(), "{profile} {file} {name}: {key}");
        }
        assert!(
            s["deploy"]["replicas"].as_u64().is_some(),
            "{profile} {name}"
        );
        let condition = s["deploy"]["restart_policy"]["condition"].as_str();
        assert!(
            matches!(condition, Some("any" | "on-failure")),
            "{profile} {name}: {condition:?}"
        );
        assert!(s["deploy"]["update_config"]["order"].as_str().is_some());
        // A named volume pins the service to the node that holds its data.
        let named = s["volumes"]
            .as_sequence()
            .into_iter()
            .flatten()
            .any(|v| v["type"].as_str() == Some("volume"));
        let want = format!("node.labels.{profile}.{name} == true");
        assert_eq!(
            strings(&s["deploy"]["placement"]["constraints"]).contains(&want),
            named,
            "{profile} {name}"
        );
        for p in s["ports"].as_sequence().into_iter().flatten() {
            assert!(p["host_ip"].is_null(), "{profile} {name}: {p:?}");
        }
    }
    for (name, n) in doc["networks"].as_mapping().into_iter().flatten() {
        if n["external"].as_bool() != Some(true) {
            assert_eq!(n["driver"].as_str(), Some("overlay"), "{name:?}");
            assert_eq!(n["attachable"].as_bool(), Some(true), "{name:?}");
            // Peers by name: no fixed subnet to overlap another network of the cluster.
            assert!(n["ipam"].is_null(), "{name:?}: {n:?}");
        }
    }
    // Secrets are swarm secrets from the bundle's files.
    let secrets = dir.join("secrets").canonicalize().unwrap();
    for (name, x) in doc["secrets"].as_mapping().into_iter().flatten() {
        let file = Path::new(x["file"].as_str().unwrap());
        assert_eq!(
            file.canonicalize().unwrap().parent(),
            Some(secrets.as_path()),
            "{name:?}"
        );
    }
}

#[test]
fn every_profile_with_defaults() {
    for profile in ["elk", "paklog", "redis-sentinel", "alpr", "locust"] {
        let Some(stack) = deploy_config(profile, &[]) else {
            return;
        };
        assert!(!stack.main()["services"].as_mapping().unwrap().is_empty());
    }
}

#[test]
fn elk_cluster_of_three() {
    let Some(stack) = deploy_config("elk", &["elasticsearch_nodes=3"]) else {
        return;
    };
    let doc = stack.main();
    let seeds = "elasticsearch-1:9300,elasticsearch-2:9300,elasticsearch-3:9300";
    let masters = "elasticsearch-1,elasticsearch-2,elasticsearch-3";
    let roles = ["master,data,ingest", "master,data,ingest", "master"];
    for i in 1..=3 {
        let node = format!("elasticsearch-{i}");
        assert_eq!(env(doc, &node, "node.name").as_deref(), Some(node.as_str()));
        assert_eq!(
            env(doc, &node, "discovery.seed_hosts").as_deref(),
            Some(seeds)
        );
        assert_eq!(
            env(doc, &node, "cluster.initial_master_nodes").as_deref(),
            Some(masters)
        );
        assert_eq!(
            strings(&svc(doc, &node)["command"]),
            [
                "eswrapper".to_string(),
                format!("-Enode.roles={}", roles[i - 1])
            ]
        );
        assert_eq!(
            placement(doc, &node),
            [format!("node.labels.elk.{node} == true")]
        );
        assert_eq!(replicas(doc, &node), Some(1));
        assert_eq!(
            svc(doc, &node)["deploy"]["update_config"]["order"].as_str(),
            Some("stop-first")
        );
    }
    assert!(doc["services"]["elasticsearch"].is_null());
    // The one-shots retry until what they need answers (no service_completed_successfully).
    for one_shot in ["elasticsearch-certs", "elasticsearch-setup"] {
        let policy = &svc(doc, one_shot)["deploy"]["restart_policy"];
        assert_eq!(
            policy["condition"].as_str(),
            Some("on-failure"),
            "{one_shot}"
        );
        assert!(policy["max_attempts"].as_u64().is_some(), "{one_shot}");
    }
    // Built application images: named, not built.
    assert_eq!(svc(doc, "backend")["image"].as_str(), Some("elk-backend"));
}

#[test]
fn paklog_three_brokers_two_pinot_servers() {
    let Some(stack) = deploy_config("paklog", &["kafka_brokers=3", "pinot_servers=2"]) else {
        return;
    };
    let doc = stack.main();
    for i in 1..=3 {
        let b = format!("kafka-{i}");
        assert_eq!(
            env(doc, &b, "KAFKA_BROKER_ID").as_deref(),
            Some(i.to_string().as_str())
        );
        for (key, want) in [
            ("KAFKA_DEFAULT_REPLICATION_FACTOR", "3"),
            ("KAFKA_MIN_INSYNC_REPLICAS", "2"),
            ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3"),
            ("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2"),
        ] {
            assert_eq!(env(doc, &b, key).as_deref(), Some(want), "{b} {key}");
        }
        assert_eq!(
            strings(&svc(doc, &b)["networks"]["paklog-network"]["aliases"]),
            ["kafka"]
        );
        assert_eq!(
            placement(doc, &b),
            [format!("node.labels.paklog.{b} == true")]
        );
        // Its host port was 127.0.0.1-only: not published on the swarm.
        assert!(svc(doc, &b)["ports"].is_null(), "{b}");
    }
    for i in 1..=2 {
        let s = format!("pinot-server-{i}");
        assert_eq!(
            placement(doc, &s),
            [format!("node.labels.paklog.{s} == true")]
        );
    }
    assert!(doc["services"]["kafka"].is_null());
    assert!(doc["services"]["pinot-server-3"].is_null());
    // Grafana reads its admin credentials from swarm secrets.
    assert_eq!(
        env(doc, "grafana", "GF_SECURITY_ADMIN_PASSWORD__FILE").as_deref(),
        Some("/run/secrets/grafana_admin_password")
    );
    assert!(env(doc, "grafana", "GF_SECURITY_ADMIN_PASSWORD").is_none());
    let mounted: Vec<&str> = svc(doc, "grafana")["secrets"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|x| x["source"].as_str())
        .collect();
    assert_eq!(mounted, ["grafana_admin_user", "grafana_admin_password"]);
}

#[test]
fn alpr_three_brokers_three_consumers() {
    let Some(stack) = deploy_config("alpr", &["kafka_brokers=3", "consumer_replicas=3"]) else {
        return;
    };
    let doc = stack.main();
    let brokers = "kafka-1:29092,kafka-2:29092,kafka-3:29092";
    for i in 1..=3 {
        let b = format!("kafka-{i}");
        assert_eq!(
            env(doc, &b, "KAFKA_BROKER_ID").as_deref(),
            Some(i.to_string().as_str())
        );
        assert_eq!(
            placement(doc, &b),
            [format!("node.labels.alpr.{b} == true")]
        );
    }
    assert_eq!(
        env(doc, "kafka-consumer", "KAFKA_BOOTSTRAP_SERVERS").as_deref(),
        Some(brokers)
    );
    // The consumer holds no data: any node, three replicas, started before the old stop.
    assert_eq!(replicas(doc, "kafka-consumer"), Some(3));
    assert!(placement(doc, "kafka-consumer").is_empty());
    assert_eq!(
        svc(doc, "kafka-consumer")["deploy"]["update_config"]["order"].as_str(),
        Some("start-first")
    );
    // Postgres reads POSTGRES_PASSWORD_FILE: the password never enters the service spec.
    assert_eq!(
        env(doc, "timescaledb", "POSTGRES_PASSWORD_FILE").as_deref(),
        Some("/run/secrets/postgres_password")
    );
    assert!(env(doc, "timescaledb", "POSTGRES_PASSWORD").is_none());
    let password =
        std::fs::read_to_string(stack.dir.path().join("secrets/postgres_password")).unwrap();
    // The application reads it from the deploy-time environment (exported from the same file).
    assert_eq!(
        env(doc, "query-api", "DB_PASSWORD").as_deref(),
        Some(password.as_str())
    );
    // Feature groups are deployed with 0 replicas.
    assert_eq!(replicas(doc, "metabase"), Some(0));
}

#[test]
fn redis_sentinel_three_replicas_five_sentinels() {
    let Some(stack) = deploy_config("redis-sentinel", &["replicas=3", "sentinels=5"]) else {
        return;
    };
    let doc = stack.main();
    assert_eq!(
        placement(doc, "redis-master"),
        ["node.labels.redis-sentinel.redis-master == true"]
    );
    for i in 1..=3 {
        let r = format!("redis-replica-{i}");
        assert_eq!(
            placement(doc, &r),
            [format!("node.labels.redis-sentinel.{r} == true")]
        );
    }
    for i in 1..=5 {
        assert_eq!(replicas(doc, &format!("redis-sentinel-{i}")), Some(1));
    }
    assert!(doc["services"]["redis-replica-4"].is_null());
    assert!(doc["services"]["redis-sentinel-6"].is_null());
    // Swarm assigns the addresses: Sentinel and the replicas name the master by its service
    // name, and every node announces its own (tests/real_services.rs runs the failover).
    let conf = |file: &str| -> Vec<String> {
        std::fs::read_to_string(stack.dir.path().join(file))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    };
    let sentinel = conf("redis/sentinel.conf");
    for line in [
        "sentinel resolve-hostnames yes",
        "sentinel announce-hostnames yes",
        "sentinel monitor mymaster redis-master 6379 3",
    ] {
        assert!(sentinel.iter().any(|l| l == line), "{line}: {sentinel:?}");
    }
    assert!(
        conf("redis/replica.conf")
            .iter()
            .any(|l| l == "replicaof redis-master 6379")
    );
    let script = |name: &str| strings(&svc(doc, name)["command"])[2].clone();
    for node in ["redis-master", "redis-replica-1", "redis-replica-3"] {
        assert!(
            script(node).ends_with(&format!(
                " --replica-announce-ip {node} --replica-announce-port 6379"
            )),
            "{node}: {}",
            script(node)
        );
    }
    for i in [1, 5] {
        let node = format!("redis-sentinel-{i}");
        assert!(
            script(&node).ends_with(&format!(
                " --sentinel announce-ip {node} --sentinel announce-port 26379"
            )),
            "{node}: {}",
            script(&node)
        );
    }
    // No configuration file of the bundle names an address of the compose target's subnet.
    for file in [
        "redis/redis.conf",
        "redis/replica.conf",
        "redis/sentinel.conf",
        "prometheus/prometheus.yml",
    ] {
        let text = std::fs::read_to_string(stack.dir.path().join(file)).unwrap();
        assert!(!text.contains("172.19."), "{file}:\n{text}");
    }
    // The monitoring part is its own stack file, on the main file's network by name.
    let (name, monitoring) = &stack.files[1];
    assert_eq!(name, "docker-compose.monitoring.yml");
    assert_eq!(
        monitoring["networks"]["redis-net"]["external"].as_bool(),
        Some(true)
    );
}

/// The oracle can fail: a compose-target bundle is not a stack `docker stack deploy` accepts.
#[test]
fn docker_stack_refuses_the_compose_target() {
    let dir = tempfile::tempdir().unwrap();
    let out = composegen()
        .args(["render", "paklog", "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    let env: Vec<(String, String)> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let Some(result) = support::docker_stack_config(&dir.path().join("docker-compose.yml"), &env)
    else {
        return;
    };
    let err = result.expect_err("docker stack config accepted a compose-target file");
    assert!(err.contains("depends_on must be a list"), "{err}");
}

/// The Compose layer can fail where `docker stack config` passes: a `container_name` on a
/// service with 3 replicas (swarm ignores the key; Compose refuses the file), and a stack file
/// whose external network no earlier file created.
#[test]
fn docker_compose_refuses_what_swarm_ignores() {
    let dir = tempfile::tempdir().unwrap();
    let out = composegen()
        .args(["render", "alpr", "--set", "consumer_replicas=3"])
        .args(["--target", "swarm", "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let file = dir.path().join("docker-compose.yml");
    let text = std::fs::read_to_string(&file).unwrap();
    let env = header_exports(&text, &secret_env(dir.path()));
    let mut doc: Value = serde_yaml::from_str(&text).unwrap();
    doc["services"]["kafka-consumer"]["container_name"] = Value::from("kafka-consumer");
    std::fs::write(&file, serde_yaml::to_string(&doc).unwrap()).unwrap();
    let Some(stack) = support::docker_stack_config(&file, &env) else {
        return;
    };
    stack.expect("docker stack config ignores container_name");
    let engine = Engine::start(Vec::new());
    let Some(verdict) = compose_verdict("alpr", &file, &env, &engine, &mut Vec::new()) else {
        return;
    };
    let err = verdict.expect_err("Compose accepted a container_name with 3 replicas");
    assert!(err.contains("container_name"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let out = composegen()
        .args(["render", "redis-sentinel", "--target", "swarm", "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let file = dir.path().join("docker-compose.monitoring.yml");
    let text = std::fs::read_to_string(&file).unwrap();
    let env = header_exports(&text, &secret_env(dir.path()));
    let Some(verdict) = compose_verdict("redis-sentinel", &file, &env, &engine, &mut Vec::new())
    else {
        return;
    };
    let err = verdict.expect_err("a file joined a network nobody created");
    assert!(err.contains("redis-sentinel_redis-net"), "{err}");
}

#[test]
fn swarm_target_needs_a_bundle() {
    let out = composegen()
        .args(["render", "paklog", "--target", "swarm"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs -o DIR"), "{stderr}");
    // Also when checking: a swarm bundle is checked with -o DIR.
    let out = composegen()
        .args(["render", "paklog", "--target", "swarm", "--check", "x.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs -o DIR"));
}

#[test]
fn secret_files_are_never_overwritten_and_check_sees_no_drift() {
    let dir = tempfile::tempdir().unwrap();
    let render = || {
        composegen()
            .args(["render", "alpr", "--target", "swarm", "-o"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    assert!(render().status.success());
    let path = dir.path().join("secrets/postgres_password");
    std::fs::write(&path, "mine").unwrap();
    std::fs::remove_file(dir.path().join("secrets/minio_root_password")).unwrap();
    let out = render();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    // A missing one is generated again.
    assert!(dir.path().join("secrets/minio_root_password").exists());
    let out = composegen()
        .current_dir(dir.path())
        .args(["render", "--check", "docker-compose.yml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// CG902 against the real `docker stack config` on every corpus file Docker Compose accepts:
/// a file refused by one is refused by the other (measured: 159 files, 85 refused, no
/// disagreement). The file as written (`--skip-interpolation`): variables are not the question.
#[test]
fn cg902_agrees_with_docker_stack_config_on_the_corpus() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let mut disagree = Vec::new();
    let (mut files, mut refused) = (0, 0);
    for row in support::corpus_rows(&corpus)
        .into_iter()
        .filter(|r| r.exit == 0)
    {
        let path = row.path.as_str();
        let file = corpus.join(path);
        let Some(verdict) = support::docker_stack_config_as_written(&file) else {
            return;
        };
        let out = composegen()
            .current_dir(file.parent().unwrap())
            .args([
                "lint",
                "--no-config",
                "--target",
                "swarm",
                "--select",
                "CG902",
            ])
            .args(["--format", "concise"])
            .arg(file.file_name().unwrap())
            .output()
            .unwrap();
        let cg902 = String::from_utf8_lossy(&out.stdout).contains("error[CG902]");
        files += 1;
        refused += usize::from(verdict.is_err());
        if cg902 != verdict.is_err() {
            disagree.push(format!(
                "{path}: CG902 {cg902}, docker stack config {verdict:?}"
            ));
        }
    }
    assert!(
        files > 100 && refused > 0,
        "{files} files, {refused} refused"
    );
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}
