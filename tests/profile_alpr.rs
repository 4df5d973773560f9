//! The `alpr` profile (seed 003, OVR-ALPR): the 25-service inventory as Docker Compose itself
//! resolves it (all compose profiles, each feature group alone, and none), the secrets, the
//! generated config files checked by their tools, and the knobs.
//!
//! Build contexts: the six application services build from `core-services/<dir>` next to the
//! compose file. `docker-compose config` (v2.40.3) resolves a context to an absolute path but does
//! not require the directory to exist, so the bundles are checked without creating them;
//! `build_contexts_need_not_exist` pins that down, so a Compose release that starts requiring them
//! fails there first (and the fix is to create the directories in `render_bundle`).

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// Always-on services: exactly what the seed's plain `docker compose up -d` starts.
const ALWAYS_ON: [&str; 5] = [
    "kafka",
    "kafka-consumer",
    "kafka-ui",
    "timescaledb",
    "zookeeper",
];

/// Feature group (compose profile) of every grouped service.
const GROUPS: [(&str, &[&str]); 4] = [
    (
        "core",
        &[
            "alert-engine",
            "dlq-consumer",
            "elasticsearch-consumer",
            "metrics-consumer",
            "minio",
            "opensearch",
            "opensearch-dashboards",
            "query-api",
            "schema-registry",
        ],
    ),
    (
        "monitoring",
        &[
            "cadvisor",
            "grafana",
            "kafka-exporter",
            "loki",
            "node-exporter",
            "postgres-exporter",
            "prometheus",
            "promtail",
            "tempo",
        ],
    ),
    ("bi", &["metabase"]),
    ("mlops", &["mlflow"]),
];

/// The seed's port table, host -> container, every one on 127.0.0.1. kafka-consumer and promtail
/// publish nothing.
const PORTS: [(&str, &[&str]); 25] = [
    ("alert-engine", &["127.0.0.1:8003->8003/tcp"]),
    ("cadvisor", &["127.0.0.1:8082->8080/tcp"]),
    ("dlq-consumer", &["127.0.0.1:8005->8005/tcp"]),
    ("elasticsearch-consumer", &["127.0.0.1:8004->8004/tcp"]),
    ("grafana", &["127.0.0.1:3000->3000/tcp"]),
    (
        "kafka",
        &["127.0.0.1:9092->9092/tcp", "127.0.0.1:9101->9101/tcp"],
    ),
    ("kafka-consumer", &[]),
    ("kafka-exporter", &["127.0.0.1:9308->9308/tcp"]),
    ("kafka-ui", &["127.0.0.1:8080->8080/tcp"]),
    ("loki", &["127.0.0.1:3100->3100/tcp"]),
    ("metabase", &["127.0.0.1:3001->3000/tcp"]),
    ("metrics-consumer", &["127.0.0.1:8006->8006/tcp"]),
    (
        "minio",
        &["127.0.0.1:9000->9000/tcp", "127.0.0.1:9001->9001/tcp"],
    ),
    ("mlflow", &["127.0.0.1:5000->5000/tcp"]),
    ("node-exporter", &["127.0.0.1:9100->9100/tcp"]),
    ("opensearch", &["127.0.0.1:9200->9200/tcp"]),
    ("opensearch-dashboards", &["127.0.0.1:5601->5601/tcp"]),
    ("postgres-exporter", &["127.0.0.1:9187->9187/tcp"]),
    ("prometheus", &["127.0.0.1:9090->9090/tcp"]),
    ("promtail", &[]),
    ("query-api", &["127.0.0.1:8000->8000/tcp"]),
    ("schema-registry", &["127.0.0.1:8081->8081/tcp"]),
    (
        "tempo",
        &[
            "127.0.0.1:3200->3200/tcp",
            "127.0.0.1:4317->4317/tcp",
            "127.0.0.1:4318->4318/tcp",
        ],
    ),
    ("timescaledb", &["127.0.0.1:5432->5432/tcp"]),
    ("zookeeper", &["127.0.0.1:2181->2181/tcp"]),
];

/// Named volumes of the stack.
const VOLUMES: [&str; 13] = [
    "grafana-data",
    "kafka-data",
    "loki-data",
    "metabase-data",
    "minio-data",
    "mlflow-data",
    "opensearch-data",
    "prometheus-data",
    "promtail-positions",
    "tempo-data",
    "timescaledb-data",
    "zookeeper-data",
    "zookeeper-logs",
];

/// Application services and their build contexts (relative to the compose file).
const BUILDS: [(&str, &str); 6] = [
    ("alert-engine", "core-services/alerting"),
    ("dlq-consumer", "core-services/dlq"),
    ("elasticsearch-consumer", "core-services/search"),
    ("kafka-consumer", "core-services/storage"),
    ("metrics-consumer", "core-services/metrics"),
    ("query-api", "core-services/api"),
];

/// Every variable the generated `.env` must define.
const SECRET_VARS: [&str; 8] = [
    "GRAFANA_ADMIN_PASSWORD",
    "GRAFANA_ADMIN_USER",
    "KAFKA_UI_PASSWORD",
    "KAFKA_UI_USER",
    "MB_ENCRYPTION_SECRET_KEY",
    "MINIO_ROOT_PASSWORD",
    "MINIO_ROOT_USER",
    "POSTGRES_PASSWORD",
];

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// `composegen render alpr -o DIR [extra...]`; returns the compose file and the generated `.env`.
fn render_bundle(dir: &Path, extra: &[&str]) -> (PathBuf, Vec<(String, String)>) {
    let out = composegen()
        .args(["render", "alpr", "-o"])
        .arg(dir)
        .args(extra)
        .output()
        .expect("run composegen");
    assert!(
        out.status.success(),
        "render alpr {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = dir.join("docker-compose.yml");
    assert!(file.is_file(), "no docker-compose.yml in {dir:?}");
    (file, read_env(dir))
}

/// Variables of a generated `.env`.
fn read_env(dir: &Path) -> Vec<(String, String)> {
    let text = fs::read_to_string(dir.join(".env")).expect("read .env");
    text.lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn env_value<'a>(env: &'a [(String, String)], key: &str) -> &'a str {
    env.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{key} missing from .env"))
}

/// `env` plus `COMPOSE_PROFILES` (when given).
fn with_profiles(env: &[(String, String)], profiles: Option<&str>) -> Vec<(String, String)> {
    let mut all = env.to_vec();
    if let Some(p) = profiles {
        all.push(("COMPOSE_PROFILES".to_string(), p.to_string()));
    }
    all
}

/// `docker-compose config --format json` with the given compose profiles, or `None` when
/// docker-compose is missing (skip).
fn model(file: &Path, env: &[(String, String)], profiles: Option<&str>) -> Option<Value> {
    let result = support::compose_config_json(file, &with_profiles(env, profiles))?;
    Some(result.unwrap_or_else(|e| panic!("docker-compose rejected {file:?} ({profiles:?}):\n{e}")))
}

fn sorted_keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn all_services() -> Vec<String> {
    let mut all = strings(&ALWAYS_ON);
    for (_, members) in GROUPS {
        all.extend(strings(members));
    }
    all.sort();
    all
}

/// Published ports per service as `host_ip:published->target/protocol`, in file order.
fn published(m: &Value) -> BTreeMap<String, Vec<String>> {
    let services = m["services"].as_object().expect("services");
    services
        .iter()
        .map(|(name, s)| {
            let ports = s["ports"]
                .as_array()
                .map(|ports| {
                    ports
                        .iter()
                        .map(|p| {
                            format!(
                                "{}:{}->{}/{}",
                                p["host_ip"].as_str().unwrap_or(""),
                                p["published"].as_str().unwrap_or(""),
                                p["target"],
                                p["protocol"].as_str().unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (name.clone(), ports)
        })
        .collect()
}

/// Mounts of one service as `type:source->target[:ro]`; bind sources relative to `dir` when
/// inside it (`./logs`).
fn mounts(service: &Value, dir: &Path) -> Vec<String> {
    let dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    service["volumes"]
        .as_array()
        .map(|vols| {
            vols.iter()
                .map(|v| {
                    let source = v["source"].as_str().unwrap_or("");
                    let source = match Path::new(source).strip_prefix(&dir) {
                        Ok(rel) => format!("./{}", rel.display()),
                        Err(_) => source.to_string(),
                    };
                    format!(
                        "{}:{}->{}{}",
                        v["type"].as_str().unwrap_or(""),
                        source,
                        v["target"].as_str().unwrap_or(""),
                        if v["read_only"].as_bool() == Some(true) {
                            ":ro"
                        } else {
                            ""
                        }
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn inventory_with_every_profile_enabled() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(tmp.path(), &[]);
    let Some(m) = model(&file, &env, Some("*")) else {
        return;
    };

    assert_eq!(sorted_keys(&m["services"]), all_services());

    let want: BTreeMap<String, Vec<String>> = PORTS
        .iter()
        .map(|(name, ports)| (name.to_string(), strings(ports)))
        .collect();
    assert_eq!(published(&m), want);

    // One network, joined by every service.
    assert_eq!(sorted_keys(&m["networks"]), ["alpr-network"]);
    assert_eq!(m["networks"]["alpr-network"]["driver"], "bridge");
    for (name, s) in m["services"].as_object().unwrap() {
        assert_eq!(sorted_keys(&s["networks"]), ["alpr-network"], "{name}");
    }

    // Named volumes, and where each is mounted.
    assert_eq!(sorted_keys(&m["volumes"]), strings(&VOLUMES));
    for v in VOLUMES {
        assert_eq!(m["volumes"][v]["name"], format!("alpr_{v}"), "{v}");
    }
    let want_mounts: BTreeMap<&str, Vec<&str>> = [
        (
            "cadvisor",
            vec![
                "bind:/->/rootfs:ro",
                "bind:/var/run/docker.sock->/var/run/docker.sock:ro",
                "bind:/sys->/sys:ro",
                "bind:/var/lib/docker->/var/lib/docker:ro",
                "bind:/dev/disk->/dev/disk:ro",
            ],
        ),
        ("grafana", vec!["volume:grafana-data->/var/lib/grafana"]),
        ("kafka", vec!["volume:kafka-data->/var/lib/kafka/data"]),
        ("kafka-consumer", vec!["bind:./logs->/app/logs"]),
        ("loki", vec!["volume:loki-data->/loki"]),
        ("metabase", vec!["volume:metabase-data->/metabase-data"]),
        ("minio", vec!["volume:minio-data->/data"]),
        ("mlflow", vec!["volume:mlflow-data->/mlflow"]),
        (
            "node-exporter",
            vec![
                "bind:/proc->/host/proc:ro",
                "bind:/sys->/host/sys:ro",
                "bind:/->/rootfs:ro",
            ],
        ),
        (
            "opensearch",
            vec!["volume:opensearch-data->/usr/share/opensearch/data"],
        ),
        ("prometheus", vec!["volume:prometheus-data->/prometheus"]),
        (
            "promtail",
            vec![
                "bind:/var/lib/docker/containers->/var/lib/docker/containers:ro",
                "bind:/var/log->/var/log:ro",
                "volume:promtail-positions->/var/lib/promtail",
            ],
        ),
        ("tempo", vec!["volume:tempo-data->/var/tempo"]),
        (
            "timescaledb",
            vec!["volume:timescaledb-data->/var/lib/postgresql/data"],
        ),
        (
            "zookeeper",
            vec![
                "volume:zookeeper-data->/var/lib/zookeeper/data",
                "volume:zookeeper-logs->/var/lib/zookeeper/log",
            ],
        ),
    ]
    .into_iter()
    .collect();
    for (name, s) in m["services"].as_object().unwrap() {
        let want: Vec<String> = want_mounts
            .get(name.as_str())
            .map(|v| strings(v))
            .unwrap_or_default();
        assert_eq!(mounts(s, tmp.path()), want, "mounts of {name}");
    }

    // Compose profiles: always-on services have none, the others exactly their group.
    for name in ALWAYS_ON {
        assert!(
            m["services"][name].get("profiles").is_none(),
            "{name} must be always on"
        );
    }
    for (group, members) in GROUPS {
        for name in members {
            assert_eq!(
                m["services"][name]["profiles"],
                serde_json::json!([group]),
                "{name}"
            );
        }
    }

    // Application services are built from the seed's source tree, not pulled.
    let dir = fs::canonicalize(tmp.path()).unwrap();
    for (name, context) in BUILDS {
        let s = &m["services"][name];
        assert!(s.get("image").is_none(), "{name} must not name an image");
        assert_eq!(
            s["build"]["context"],
            dir.join(context).to_str().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn default_inventory_and_each_group_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(tmp.path(), &[]);
    let Some(m) = model(&file, &env, None) else {
        return;
    };
    assert_eq!(sorted_keys(&m["services"]), strings(&ALWAYS_ON));

    // Every group starts on its own: its services depend only on always-on ones or each other.
    for (group, members) in GROUPS {
        let m = model(&file, &env, Some(group)).unwrap();
        let mut want = strings(&ALWAYS_ON);
        want.extend(strings(members));
        want.sort();
        assert_eq!(sorted_keys(&m["services"]), want, "--profile {group}");
    }
}

#[test]
fn build_contexts_need_not_exist() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(tmp.path(), &[]);
    assert!(!tmp.path().join("core-services").exists());
    let Some(result) = support::compose_config(&file, &with_profiles(&env, Some("*"))) else {
        return;
    };
    assert_eq!(
        result,
        Ok(String::new()),
        "docker-compose config -q without core-services/"
    );
}

#[test]
fn kafka_consumer_environment_and_kafka_retention() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(tmp.path(), &[]);
    let password = env_value(&env, "POSTGRES_PASSWORD");
    assert!(password.len() >= 32, "generated password too short");

    // The compose file itself carries a reference, never the value (nor the seed's literal).
    let text = fs::read_to_string(&file).unwrap();
    assert!(!text.contains(password));
    assert!(!text.contains("alpr_secure_pass"));
    assert!(text.contains("DB_PASSWORD: \"${POSTGRES_PASSWORD:?"));

    let Some(m) = model(&file, &env, None) else {
        return;
    };
    let consumer = &m["services"]["kafka-consumer"];
    assert_eq!(
        consumer["environment"],
        serde_json::json!({
            "KAFKA_BOOTSTRAP_SERVERS": "kafka:29092",
            "KAFKA_TOPIC": "alpr.events.plates",
            "KAFKA_GROUP_ID": "alpr-storage-consumer",
            "DB_HOST": "timescaledb",
            "DB_PORT": "5432",
            "DB_NAME": "alpr_db",
            "DB_USER": "alpr",
            "DB_PASSWORD": password,
        })
    );
    assert_eq!(consumer["deploy"]["replicas"], 1);
    let deps: Vec<(String, String)> = consumer["depends_on"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["condition"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        deps,
        [
            ("kafka".to_string(), "service_healthy".to_string()),
            ("timescaledb".to_string(), "service_healthy".to_string())
        ]
    );

    let kafka = &m["services"]["kafka"]["environment"];
    assert_eq!(kafka["KAFKA_LOG_RETENTION_HOURS"], "168");
    assert_eq!(
        kafka["KAFKA_ADVERTISED_LISTENERS"],
        "PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092"
    );
    // 29092 is the in-network listener: exposed, not published.
    assert_eq!(
        m["services"]["kafka"]["expose"],
        serde_json::json!(["29092"])
    );

    let db = &m["services"]["timescaledb"]["environment"];
    assert_eq!(db["POSTGRES_DB"], "alpr_db");
    assert_eq!(db["POSTGRES_USER"], "alpr");
    assert_eq!(db["POSTGRES_PASSWORD"], password);
}

#[test]
fn knobs_change_retention_partitions_and_consumer_replicas() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(
        tmp.path(),
        &[
            "--set",
            "retention_hours=336",
            "--set",
            "partitions=6",
            "--set",
            "consumer_replicas=3",
            "--set",
            "logs_retention_hours=72",
            "--set",
            "metrics_retention=30d",
        ],
    );
    let loki = fs::read_to_string(tmp.path().join("loki/loki.yml")).unwrap();
    let loki: serde_yaml::Value = serde_yaml::from_str(&loki).unwrap();
    assert_eq!(loki["limits_config"]["retention_period"], "72h");
    let tempo = fs::read_to_string(tmp.path().join("tempo/tempo.yml")).unwrap();
    let tempo: serde_yaml::Value = serde_yaml::from_str(&tempo).unwrap();
    assert_eq!(tempo["compactor"]["compaction"]["block_retention"], "72h");

    let Some(m) = model(&file, &env, Some("*")) else {
        return;
    };
    let kafka = &m["services"]["kafka"]["environment"];
    assert_eq!(kafka["KAFKA_LOG_RETENTION_HOURS"], "336");
    assert_eq!(kafka["KAFKA_NUM_PARTITIONS"], "6");
    let consumer = &m["services"]["kafka-consumer"];
    assert_eq!(consumer["deploy"]["replicas"], 3);
    assert!(consumer.get("container_name").is_none());
    assert!(consumer.get("ports").is_none());
    let command: Vec<&str> = m["services"]["prometheus"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        command.contains(&"--storage.tsdb.retention.time=30d"),
        "{command:?}"
    );
    // The inventory does not change with the knobs.
    assert_eq!(sorted_keys(&m["services"]), all_services());
}

#[test]
fn knob_limits_are_enforced() {
    for bad in [
        "consumer_replicas=0",
        "consumer_replicas=17",
        "retention_hours=0",
        "partitions=0",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = composegen()
            .args(["render", "alpr", "--set", bad, "-o"])
            .arg(tmp.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "--set {bad} must be rejected");
    }
}

#[test]
fn secrets_come_from_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(tmp.path(), &[]);
    let mut vars: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    vars.sort_unstable();
    assert_eq!(vars, SECRET_VARS);
    let text = fs::read_to_string(&file).unwrap();
    for (key, value) in &env {
        assert!(
            text.contains(&format!("${{{key}:?")),
            "{key} is not referenced"
        );
        if value.len() >= 16 {
            assert!(
                !text.contains(value.as_str()),
                "value of {key} leaked into the compose file"
            );
        }
    }
    // Without .env values compose refuses the file, naming the missing secret.
    fs::remove_file(tmp.path().join(".env")).unwrap();
    let Some(result) = support::compose_config(&file, &[]) else {
        return;
    };
    let err = result.expect_err("compose must refuse the file without secrets");
    assert!(SECRET_VARS.iter().any(|v| err.contains(v)), "{err}");
}

#[test]
fn stdout_render_is_accepted_with_every_profile() {
    let out = composegen().args(["render", "alpr"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("compose.yml");
    fs::write(&file, &out.stdout).unwrap();
    let env: Vec<(String, String)> = SECRET_VARS
        .iter()
        .map(|v| (v.to_string(), format!("test-value-for-{v}")))
        .collect();
    let Some(m) = model(&file, &env, Some("*")) else {
        return;
    };
    let mut services = sorted_keys(&m["services"]);
    services.retain(|s| s != "composegen-configs");
    assert_eq!(services, all_services());
    // Carried config files: the init script reaches TimescaleDB's init directory, read-only
    // from the volume the one-shot writes.
    let mount = m["services"]["timescaledb"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["target"] == "/docker-entrypoint-initdb.d/010_init_db.sql")
        .expect("the init script is mounted")
        .clone();
    assert_eq!(mount["source"], "composegen-configs");
    assert_eq!(mount["read_only"], true);
    let subpath = mount["volume"]["subpath"].as_str().unwrap();
    let files = support::single_file_configs(&m);
    let sql = files.get(subpath).unwrap();
    assert!(
        sql.contains("CREATE TABLE IF NOT EXISTS plate_events"),
        "{sql}"
    );
    assert!(
        sql.contains("create_hypertable(\n    'plate_events',\n    'detected_at'"),
        "{sql}"
    );
}

#[test]
fn every_service_is_limited_checked_and_stripped() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(tmp.path(), &[]);
    let Some(m) = model(&file, &env, Some("*")) else {
        return;
    };
    for (name, s) in m["services"].as_object().unwrap() {
        let limits = &s["deploy"]["resources"]["limits"];
        assert!(
            limits["memory"].is_string() && limits["cpus"].is_number(),
            "{name}: {limits}"
        );
        assert_eq!(
            s["security_opt"],
            serde_json::json!(["no-new-privileges:true"]),
            "{name}"
        );
        assert_eq!(s["restart"], "unless-stopped", "{name}");
        // kafka-consumer serves no port to probe; every other service checks itself.
        if name == "kafka-consumer" {
            assert!(s.get("healthcheck").is_none());
        } else {
            let test = s["healthcheck"]["test"].as_array();
            assert!(
                test.is_some_and(|t| t.len() > 1),
                "{name} has no healthcheck"
            );
        }
        // cadvisor keeps Docker's default capabilities; everything else drops them all.
        if name == "cadvisor" {
            assert!(s.get("cap_drop").is_none());
        } else {
            assert_eq!(s["cap_drop"], serde_json::json!(["ALL"]), "{name}");
        }
        if let Some(deps) = s["depends_on"].as_object() {
            for (dep, d) in deps {
                assert_eq!(d["condition"], "service_healthy", "{name} -> {dep}");
            }
        }
        if let Some(image) = s["image"].as_str() {
            let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
            assert!(
                !tag.is_empty() && tag != "latest" && !tag.contains('/'),
                "{name}: {image}"
            );
        }
    }
    // JVM heaps follow the memory limits (50 %).
    let heap = |svc: &str, var: &str| m["services"][svc]["environment"][var].clone();
    assert_eq!(heap("kafka", "KAFKA_HEAP_OPTS"), "-Xms1024m -Xmx1024m");
    assert_eq!(heap("zookeeper", "KAFKA_HEAP_OPTS"), "-Xms256m -Xmx256m");
    assert_eq!(
        heap("schema-registry", "SCHEMA_REGISTRY_HEAP_OPTS"),
        "-Xms256m -Xmx256m"
    );
    assert_eq!(heap("kafka-ui", "JAVA_OPTS"), "-Xms256m -Xmx256m");
    assert_eq!(
        heap("opensearch", "OPENSEARCH_JAVA_OPTS"),
        "-Xms1024m -Xmx1024m"
    );
    assert_eq!(heap("metabase", "JAVA_OPTS"), "-Xms1024m -Xmx1024m");
    // OpenSearch: single node, security plugin off (documented in the profile), API on loopback.
    let os = &m["services"]["opensearch"]["environment"];
    assert_eq!(os["discovery.type"], "single-node");
    assert_eq!(os["DISABLE_SECURITY_PLUGIN"], "true");
}

#[test]
fn prometheus_config_passes_promtool_and_scrapes_every_exporter() {
    let tmp = tempfile::tempdir().unwrap();
    render_bundle(tmp.path(), &[]);
    let path = tmp.path().join("prometheus/prometheus.yml");
    let text = fs::read_to_string(&path).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let jobs: BTreeMap<String, Vec<String>> = doc["scrape_configs"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|job| {
            let targets = job["static_configs"][0]["targets"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
                .collect();
            (job["job_name"].as_str().unwrap().to_string(), targets)
        })
        .collect();
    let want: BTreeMap<String, Vec<String>> = [
        ("alert-engine", "alert-engine:8003"),
        ("cadvisor", "cadvisor:8080"),
        ("dlq-consumer", "dlq-consumer:8005"),
        ("elasticsearch-consumer", "elasticsearch-consumer:8004"),
        ("grafana", "grafana:3000"),
        ("kafka-exporter", "kafka-exporter:9308"),
        ("loki", "loki:3100"),
        ("metrics-consumer", "metrics-consumer:8006"),
        ("node-exporter", "node-exporter:9100"),
        ("postgres-exporter", "postgres-exporter:9187"),
        ("prometheus", "localhost:9090"),
        ("query-api", "query-api:8000"),
        ("tempo", "tempo:3200"),
    ]
    .into_iter()
    .map(|(job, target)| (job.to_string(), vec![target.to_string()]))
    .collect();
    assert_eq!(jobs, want);

    let Some(result) = support::promtool_check_config(&path) else {
        return;
    };
    result.expect("promtool rejected the rendered prometheus.yml");
}

#[test]
fn grafana_loki_tempo_and_promtail_configs() {
    let tmp = tempfile::tempdir().unwrap();
    render_bundle(tmp.path(), &[]);
    let read = |rel: &str| -> serde_yaml::Value {
        let text = fs::read_to_string(tmp.path().join(rel)).unwrap();
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not YAML: {e}"))
    };

    let ds = read("grafana/provisioning/datasources/datasources.yml");
    let got: Vec<(String, String, String)> = ds["datasources"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap().to_string();
            (s("name"), s("type"), s("url"))
        })
        .collect();
    let want = [
        ("Prometheus", "prometheus", "http://prometheus:9090"),
        ("Loki", "loki", "http://loki:3100"),
        ("Tempo", "tempo", "http://tempo:3200"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(got, want);

    let loki = read("loki/loki.yml");
    assert_eq!(loki["server"]["http_listen_port"], 3100);
    assert_eq!(loki["common"]["path_prefix"], "/loki");
    assert_eq!(loki["limits_config"]["retention_period"], "168h");
    assert_eq!(loki["compactor"]["delete_request_store"], "filesystem");

    let tempo = read("tempo/tempo.yml");
    assert_eq!(tempo["server"]["http_listen_port"], 3200);
    let otlp = &tempo["distributor"]["receivers"]["otlp"]["protocols"];
    assert_eq!(otlp["grpc"]["endpoint"], "0.0.0.0:4317");
    assert_eq!(otlp["http"]["endpoint"], "0.0.0.0:4318");
    assert_eq!(
        tempo["storage"]["trace"]["local"]["path"],
        "/var/tempo/blocks"
    );

    let promtail = read("promtail/promtail.yml");
    assert_eq!(
        promtail["clients"][0]["url"],
        "http://loki:3100/loki/api/v1/push"
    );
    assert_eq!(
        promtail["positions"]["filename"],
        "/var/lib/promtail/positions.yaml"
    );
    let paths: Vec<&str> = promtail["scrape_configs"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|j| {
            j["static_configs"][0]["labels"]["__path__"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        paths,
        ["/var/lib/docker/containers/*/*-json.log", "/var/log/*log"]
    );

    let sql = fs::read_to_string(tmp.path().join("timescaledb/init_db.sql")).unwrap();
    assert!(sql.contains("CREATE EXTENSION IF NOT EXISTS timescaledb;"));
    assert!(sql.contains("PRIMARY KEY (event_id, detected_at)"));
}
