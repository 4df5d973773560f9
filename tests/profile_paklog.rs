//! The `paklog` profile (seed 001, PakLog infrastructure): the inventory as Docker Compose itself
//! resolves it, the generated config files checked by their real tools where one exists here
//! (promtool, redis-server) and parsed for the keys the stack relies on where none does (Loki,
//! Tempo, Grafana provisioning), and the knobs (`retention`, `log_retention`, `trace_retention`)
//! plus a path override (`services.kafka.resources.memory`).

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const SERVICES: [&str; 11] = [
    "grafana",
    "kafka",
    "loki",
    "mongodb",
    "pinot-broker",
    "pinot-controller",
    "pinot-server",
    "prometheus",
    "redis",
    "tempo",
    "zookeeper",
];

/// The seed's twelve volumes, with its names.
const VOLUMES: [&str; 12] = [
    "grafana_data",
    "kafka_data",
    "loki_data",
    "mongodb_data",
    "pinot_broker_data",
    "pinot_controller_data",
    "pinot_server_data",
    "prometheus_data",
    "redis_data",
    "tempo_data",
    "zookeeper_data",
    "zookeeper_log",
];

/// The variables `.env` must define (every secret of the profile).
const SECRETS: [&str; 7] = [
    "GRAFANA_ADMIN_PASSWORD",
    "GRAFANA_ADMIN_USER",
    "MONGODB_CARTONIZATION_PASSWORD",
    "MONGODB_PRODUCT_CATALOG_PASSWORD",
    "MONGODB_ROOT_PASSWORD",
    "MONGODB_ROOT_USERNAME",
    "REDIS_PASSWORD",
];

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// `composegen render paklog -o DIR [extra...]`; returns the compose file and the generated `.env`.
fn render_bundle(dir: &Path, extra: &[&str]) -> (PathBuf, Vec<(String, String)>) {
    let out = composegen()
        .args(["render", "paklog", "-o"])
        .arg(dir)
        .args(extra)
        .output()
        .expect("run composegen");
    assert!(
        out.status.success(),
        "render paklog {extra:?} failed: {}",
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

fn env_value<'a>(env: &'a [(String, String)], var: &str) -> &'a str {
    env.iter()
        .find(|(k, _)| k == var)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!(".env has no {var}"))
}

/// `docker-compose config --format json`, or `None` when docker-compose is missing (skip).
fn model(file: &Path, env: &[(String, String)]) -> Option<Value> {
    let result = support::compose_config_json(file, env)?;
    Some(result.unwrap_or_else(|e| panic!("docker-compose rejected {file:?}:\n{e}")))
}

fn sorted_keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Per service: what Compose resolved for `field` of every service, mapped by `f`.
fn per_service<T>(m: &Value, f: impl Fn(&Value) -> T) -> BTreeMap<String, T> {
    m["services"]
        .as_object()
        .expect("services")
        .iter()
        .map(|(name, s)| (name.clone(), f(s)))
        .collect()
}

fn expected<T: Clone>(rows: &[(&str, T)]) -> BTreeMap<String, T> {
    rows.iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Published ports as `host_ip:published->target/protocol`, in file order.
fn published(s: &Value) -> Vec<String> {
    s["ports"]
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
        .unwrap_or_default()
}

/// Named-volume mounts as `volume:target`.
fn volume_mounts(s: &Value) -> Vec<String> {
    s["volumes"]
        .as_array()
        .map(|mounts| {
            mounts
                .iter()
                .filter(|v| v["type"] == "volume")
                .map(|v| {
                    format!(
                        "{}:{}",
                        v["source"].as_str().unwrap(),
                        v["target"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// depends_on as `service:condition`, sorted.
fn dependencies(s: &Value) -> Vec<String> {
    let mut deps: Vec<String> = s["depends_on"]
        .as_object()
        .map(|d| {
            d.iter()
                .map(|(k, v)| format!("{k}:{}", v["condition"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    deps.sort();
    deps
}

fn env_of<'a>(m: &'a Value, service: &str, var: &str) -> &'a str {
    m["services"][service]["environment"][var]
        .as_str()
        .unwrap_or_else(|| panic!("{service} has no environment variable {var}"))
}

fn yaml(path: &Path) -> serde_yaml::Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path:?}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path:?} is not YAML: {e}\n{text}"))
}

/// The string at a path of keys in a YAML document.
fn at<'a>(doc: &'a serde_yaml::Value, path: &[&str]) -> &'a serde_yaml::Value {
    let mut node = doc;
    for key in path {
        node = node
            .get(*key)
            .unwrap_or_else(|| panic!("no key {key:?} on the path {path:?}"));
    }
    node
}

fn text_at(doc: &serde_yaml::Value, path: &[&str]) -> String {
    match at(doc, path) {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        other => panic!("{path:?} is not a scalar: {other:?}"),
    }
}

/// Every string value in a YAML document that is an absolute path.
fn absolute_paths(doc: &serde_yaml::Value, out: &mut Vec<String>) {
    match doc {
        serde_yaml::Value::String(s) if s.starts_with('/') => out.push(s.clone()),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| absolute_paths(i, out)),
        serde_yaml::Value::Mapping(map) => map.values().for_each(|v| absolute_paths(v, out)),
        _ => {}
    }
}

#[test]
fn inventory_as_compose_resolves_it() {
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(dir.path(), &[]);
    let Some(m) = model(&file, &env) else { return };

    assert_eq!(sorted_keys(&m["services"]), SERVICES);
    assert_eq!(sorted_keys(&m["volumes"]), VOLUMES);
    assert_eq!(sorted_keys(&m["networks"]), ["paklog-network"]);
    // A fixed name, so the PakLog services' own compose files can join it as external.
    assert_eq!(m["networks"]["paklog-network"]["name"], "paklog-network");
    assert_eq!(m["networks"]["paklog-network"]["driver"], "bridge");

    // Everything on 127.0.0.1; Kafka publishes only its host listener (29092 stays inside).
    let ports: &[(&str, Vec<&str>)] = &[
        ("grafana", vec!["127.0.0.1:3000->3000/tcp"]),
        ("kafka", vec!["127.0.0.1:9092->9092/tcp"]),
        ("loki", vec!["127.0.0.1:3100->3100/tcp"]),
        ("mongodb", vec!["127.0.0.1:27017->27017/tcp"]),
        ("pinot-broker", vec!["127.0.0.1:8099->8099/tcp"]),
        ("pinot-controller", vec!["127.0.0.1:9000->9000/tcp"]),
        ("pinot-server", vec!["127.0.0.1:8098->8098/tcp"]),
        ("prometheus", vec!["127.0.0.1:9090->9090/tcp"]),
        ("redis", vec!["127.0.0.1:6379->6379/tcp"]),
        (
            "tempo",
            vec![
                "127.0.0.1:3200->3200/tcp",
                "127.0.0.1:4317->4317/tcp",
                "127.0.0.1:4318->4318/tcp",
                "127.0.0.1:9095->9095/tcp",
                "127.0.0.1:14268->14268/tcp",
                "127.0.0.1:9411->9411/tcp",
            ],
        ),
        ("zookeeper", vec!["127.0.0.1:2181->2181/tcp"]),
    ];
    let ports: Vec<(&str, Vec<String>)> = ports
        .iter()
        .map(|(s, p)| (*s, p.iter().map(|x| x.to_string()).collect()))
        .collect();
    assert_eq!(per_service(&m, published), expected(&ports));
    assert_eq!(strings(&m["services"]["kafka"]["expose"]), ["29092"]);

    let mounts: Vec<(&str, Vec<String>)> = [
        ("grafana", vec!["grafana_data:/var/lib/grafana"]),
        ("kafka", vec!["kafka_data:/var/lib/kafka/data"]),
        ("loki", vec!["loki_data:/loki"]),
        ("mongodb", vec!["mongodb_data:/data/db"]),
        ("pinot-broker", vec!["pinot_broker_data:/opt/pinot/data"]),
        (
            "pinot-controller",
            vec!["pinot_controller_data:/opt/pinot/data"],
        ),
        ("pinot-server", vec!["pinot_server_data:/opt/pinot/data"]),
        ("prometheus", vec!["prometheus_data:/prometheus"]),
        ("redis", vec!["redis_data:/data"]),
        ("tempo", vec!["tempo_data:/var/tempo"]),
        (
            "zookeeper",
            vec![
                "zookeeper_data:/var/lib/zookeeper/data",
                "zookeeper_log:/var/lib/zookeeper/log",
            ],
        ),
    ]
    .into_iter()
    .map(|(s, v)| (s, v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(per_service(&m, volume_mounts), expected(&mounts));

    // Every dependency waits for a healthy service.
    let deps: Vec<(&str, Vec<String>)> = [
        (
            "grafana",
            vec![
                "loki:service_healthy",
                "prometheus:service_healthy",
                "tempo:service_healthy",
            ],
        ),
        ("kafka", vec!["zookeeper:service_healthy"]),
        ("loki", vec![]),
        ("mongodb", vec![]),
        ("pinot-broker", vec!["pinot-controller:service_healthy"]),
        ("pinot-controller", vec!["zookeeper:service_healthy"]),
        ("pinot-server", vec!["pinot-controller:service_healthy"]),
        ("prometheus", vec![]),
        ("redis", vec![]),
        ("tempo", vec!["prometheus:service_healthy"]),
        ("zookeeper", vec![]),
    ]
    .into_iter()
    .map(|(s, v)| (s, v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(per_service(&m, dependencies), expected(&deps));

    for (name, s) in m["services"].as_object().unwrap() {
        assert_eq!(
            sorted_keys(&s["networks"]),
            ["paklog-network"],
            "{name}: networks"
        );
        let image = s["image"].as_str().unwrap();
        let (_, tag) = image
            .rsplit_once(':')
            .unwrap_or_else(|| panic!("{name}: {image} has no tag"));
        assert!(
            tag != "latest" && tag.chars().any(|c| c.is_ascii_digit()),
            "{name}: {image}"
        );
        let test = strings(&s["healthcheck"]["test"]);
        assert!(
            test.len() > 1 && test[0] != "NONE",
            "{name}: healthcheck {test:?}"
        );
        assert_eq!(strings(&s["cap_drop"]), ["ALL"], "{name}: cap_drop");
        assert!(s["cap_add"].is_null(), "{name}: cap_add {}", s["cap_add"]);
        assert_eq!(
            strings(&s["security_opt"]),
            ["no-new-privileges:true"],
            "{name}"
        );
        assert!(
            s["deploy"]["resources"]["limits"]["memory"].is_string(),
            "{name}: memory limit"
        );
        assert!(
            s["deploy"]["resources"]["limits"]["cpus"].is_number(),
            "{name}: cpu limit"
        );
        assert!(
            s["privileged"].is_null() || s["privileged"] == false,
            "{name}: privileged"
        );
    }

    // Kafka: the two listeners of the seed, the heap from the memory limit (50% of 1g).
    assert_eq!(
        env_of(&m, "kafka", "KAFKA_ADVERTISED_LISTENERS"),
        "PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092"
    );
    assert_eq!(
        env_of(&m, "kafka", "KAFKA_ZOOKEEPER_CONNECT"),
        "zookeeper:2181"
    );
    assert_eq!(env_of(&m, "kafka", "KAFKA_HEAP_OPTS"), "-Xms512m -Xmx512m");
    assert_eq!(
        m["services"]["kafka"]["deploy"]["resources"]["limits"]["memory"],
        "1073741824"
    );

    // ZooKeeper: ruok is whitelisted, and the healthcheck wants imok back.
    let whitelist = env_of(&m, "zookeeper", "KAFKA_OPTS");
    let words = whitelist
        .strip_prefix("-Dzookeeper.4lw.commands.whitelist=")
        .unwrap_or_else(|| panic!("KAFKA_OPTS sets no 4lw whitelist: {whitelist}"));
    assert!(words.split(',').any(|w| w == "ruok"), "{words}");
    let zk_test = strings(&m["services"]["zookeeper"]["healthcheck"]["test"]).join(" ");
    assert!(
        zk_test.contains("ruok") && zk_test.contains("grep -q imok"),
        "{zk_test}"
    );

    // Pinot: JVM heaps through JAVA_OPTS, health endpoints.
    for (service, heap, health) in [
        (
            "pinot-controller",
            "-Xms512m -Xmx512m",
            "http://localhost:9000/health",
        ),
        (
            "pinot-broker",
            "-Xms512m -Xmx512m",
            "http://localhost:8099/health",
        ),
        (
            "pinot-server",
            "-Xms1024m -Xmx1024m",
            "http://localhost:8097/health",
        ),
    ] {
        assert!(
            env_of(&m, service, "JAVA_OPTS").starts_with(heap),
            "{service}"
        );
        let test = strings(&m["services"][service]["healthcheck"]["test"]);
        assert_eq!(test.last().map(String::as_str), Some(health), "{service}");
    }

    // Prometheus: retention 30 days, remote-write receiver, lifecycle API.
    let prom = strings(&m["services"]["prometheus"]["command"]);
    for flag in [
        "--storage.tsdb.retention.time=30d",
        "--web.enable-remote-write-receiver",
        "--web.enable-lifecycle",
    ] {
        assert!(
            prom.iter().any(|a| a == flag),
            "prometheus lacks {flag}: {prom:?}"
        );
    }

    // Credentials come from .env, never defaults.
    assert_eq!(
        env_of(&m, "mongodb", "MONGO_INITDB_ROOT_PASSWORD"),
        env_value(&env, "MONGODB_ROOT_PASSWORD")
    );
    assert_eq!(
        env_of(&m, "grafana", "GF_SECURITY_ADMIN_PASSWORD"),
        env_value(&env, "GRAFANA_ADMIN_PASSWORD")
    );
    assert_ne!(env_of(&m, "grafana", "GF_SECURITY_ADMIN_PASSWORD"), "admin");
    assert_eq!(
        env_of(&m, "redis", "REDISCLI_AUTH"),
        env_value(&env, "REDIS_PASSWORD")
    );

    // Config files land where the services read them.
    let configs: Vec<(&str, Vec<String>)> = [
        (
            "grafana",
            vec![
                "grafana-datasources:/etc/grafana/provisioning/datasources/grafana-datasources.yml",
            ],
        ),
        ("loki", vec!["loki-config:/etc/loki/loki-config.yml"]),
        (
            "mongodb",
            vec!["mongodb-init:/docker-entrypoint-initdb.d/init-mongo.js"],
        ),
        (
            "prometheus",
            vec!["prometheus-config:/etc/prometheus/prometheus.yml"],
        ),
        (
            "redis",
            vec!["redis-config:/usr/local/etc/redis/redis.conf"],
        ),
        ("tempo", vec!["tempo-config:/etc/tempo/tempo-config.yml"]),
    ]
    .into_iter()
    .map(|(s, v)| (s, v.into_iter().map(String::from).collect()))
    .collect();
    let mounted = per_service(&m, |s| {
        s["configs"]
            .as_array()
            .map(|c| {
                c.iter()
                    .map(|c| {
                        format!(
                            "{}:{}",
                            c["source"].as_str().unwrap(),
                            c["target"].as_str().unwrap()
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let mounted: BTreeMap<String, Vec<String>> =
        mounted.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    assert_eq!(mounted, expected(&configs));
}

#[test]
fn secrets_are_required_and_never_written_into_the_compose_file() {
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(dir.path(), &[]);
    let mut names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, SECRETS);
    let compose = fs::read_to_string(&file).unwrap();
    for (var, value) in &env {
        if var.ends_with("_PASSWORD") {
            assert!(value.len() >= 32, "{var} is too short");
            assert!(
                !compose.contains(value.as_str()),
                "the value of {var} is in the compose file"
            );
            assert!(
                compose.contains(&format!("${{{var}:?")),
                "{var} is not required by the compose file"
            );
        }
    }
    // Without the variables (and with no .env beside it) Compose refuses the file, naming a
    // missing secret.
    let out = composegen()
        .args(["render", "paklog"])
        .output()
        .expect("run composegen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bare = tempfile::tempdir().unwrap();
    let bare_file = bare.path().join("docker-compose.yml");
    fs::write(&bare_file, &out.stdout).unwrap();
    let Some(result) = support::compose_config(&bare_file, &[]) else {
        return;
    };
    let err = result.expect_err("compose must refuse the file without its secrets");
    assert!(SECRETS.iter().any(|s| err.contains(s)), "{err}");
}

#[test]
fn stdout_form_is_accepted_by_compose() {
    let out = composegen()
        .args(["render", "paklog"])
        .output()
        .expect("run composegen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("docker-compose.yml");
    fs::write(&file, &out.stdout).unwrap();
    let env: Vec<(String, String)> = SECRETS
        .iter()
        .map(|s| (s.to_string(), format!("test-{}", s.to_lowercase())))
        .collect();
    let Some(m) = model(&file, &env) else { return };
    let mut services = sorted_keys(&m["services"]);
    services.retain(|s| s != "composegen-configs");
    assert_eq!(services, SERVICES);
    // Carried config files: Grafana needs `$${__value.raw}` in its file (`$$` is its escaped
    // `$`); the support function returns the text the container gets.
    let files = support::single_file_configs(&m);
    let datasources = files
        .get("grafana/provisioning/datasources/grafana-datasources.yml")
        .unwrap_or_else(|| panic!("datasources not carried: {:?}", files.keys()));
    assert!(
        datasources.contains("url: '$${__value.raw}'"),
        "{datasources}"
    );
}

#[test]
fn prometheus_config_passes_promtool_and_scrapes_only_metric_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), &[]);
    let path = dir.path().join("prometheus/prometheus.yml");
    let doc = yaml(&path);
    let jobs: Vec<(String, Vec<String>)> = at(&doc, &["scrape_configs"])
        .as_sequence()
        .unwrap()
        .iter()
        .map(|job| {
            let targets = job["static_configs"]
                .as_sequence()
                .unwrap()
                .iter()
                .flat_map(|c| c["targets"].as_sequence().unwrap().iter())
                .map(|t| t.as_str().unwrap().to_string())
                .collect();
            (job["job_name"].as_str().unwrap().to_string(), targets)
        })
        .collect();
    let want: Vec<(String, Vec<String>)> = [
        ("prometheus", "localhost:9090"),
        ("loki", "loki:3100"),
        ("tempo", "tempo:3200"),
        ("grafana", "grafana:3000"),
    ]
    .iter()
    .map(|(j, t)| (j.to_string(), vec![t.to_string()]))
    .collect();
    assert_eq!(jobs, want);

    let Some(result) = support::promtool_check_config(&path) else {
        return;
    };
    result.expect("promtool rejected the rendered prometheus.yml");
}

#[test]
fn redis_config_starts_redis_with_aof() {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), &[]);
    let path = dir.path().join("redis/redis.conf");
    let text = fs::read_to_string(&path).unwrap();
    let directives: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for want in ["appendonly yes", "dir /data", "appendfsync everysec"] {
        assert!(directives.contains(&want), "redis.conf lacks `{want}`");
    }
    assert!(
        !directives.iter().any(|d| d.starts_with("requirepass")),
        "no password in the file"
    );

    let Some(result) = support::redis_check(&path, false) else {
        return;
    };
    result.expect("redis-server did not start with the rendered redis.conf");
}

#[test]
fn loki_config_has_what_the_stack_relies_on() {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), &[]);
    let doc = yaml(&dir.path().join("loki/loki-config.yml"));
    assert_eq!(text_at(&doc, &["auth_enabled"]), "false");
    assert_eq!(text_at(&doc, &["server", "http_listen_port"]), "3100");
    assert_eq!(text_at(&doc, &["common", "instance_addr"]), "0.0.0.0");
    assert_eq!(text_at(&doc, &["common", "path_prefix"]), "/loki");
    assert_eq!(
        text_at(&doc, &["common", "ring", "kvstore", "store"]),
        "inmemory"
    );
    assert_eq!(text_at(&doc, &["common", "replication_factor"]), "1");
    let schema = &at(&doc, &["schema_config", "configs"])
        .as_sequence()
        .unwrap()[0];
    assert_eq!(text_at(schema, &["store"]), "tsdb");
    assert_eq!(text_at(schema, &["object_store"]), "filesystem");
    assert_eq!(text_at(schema, &["schema"]), "v13");
    assert_eq!(text_at(&doc, &["compactor", "retention_enabled"]), "true");
    assert_eq!(
        text_at(&doc, &["compactor", "delete_request_store"]),
        "filesystem"
    );
    assert_eq!(
        text_at(&doc, &["limits_config", "retention_period"]),
        "720h"
    );
    // Loki runs with a read-only root filesystem: everything it writes is on loki_data (/loki).
    let mut paths = Vec::new();
    absolute_paths(&doc, &mut paths);
    assert!(paths.len() >= 4, "{paths:?}");
    for p in &paths {
        assert!(
            p == "/loki" || p.starts_with("/loki/"),
            "{p} is outside the loki_data volume"
        );
    }
}

#[test]
fn tempo_config_has_what_the_stack_relies_on() {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), &[]);
    let doc = yaml(&dir.path().join("tempo/tempo-config.yml"));
    assert_eq!(text_at(&doc, &["server", "http_listen_port"]), "3200");
    assert_eq!(text_at(&doc, &["server", "grpc_listen_port"]), "9095");
    let receivers = at(&doc, &["distributor", "receivers"]);
    let endpoints = [
        (
            vec!["otlp", "protocols", "grpc", "endpoint"],
            "0.0.0.0:4317",
        ),
        (
            vec!["otlp", "protocols", "http", "endpoint"],
            "0.0.0.0:4318",
        ),
        (
            vec!["jaeger", "protocols", "thrift_http", "endpoint"],
            "0.0.0.0:14268",
        ),
        (vec!["zipkin", "endpoint"], "0.0.0.0:9411"),
    ];
    for (path, want) in endpoints {
        assert_eq!(text_at(receivers, &path), want, "{path:?}");
    }
    let mut receiver_names: Vec<String> = receivers
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    receiver_names.sort();
    assert_eq!(receiver_names, ["jaeger", "otlp", "zipkin"]);
    assert_eq!(text_at(&doc, &["storage", "trace", "backend"]), "local");
    assert_eq!(
        text_at(&doc, &["compactor", "compaction", "block_retention"]),
        "336h"
    );
    let remote = &at(&doc, &["metrics_generator", "storage", "remote_write"])
        .as_sequence()
        .unwrap()[0];
    assert_eq!(
        text_at(remote, &["url"]),
        "http://prometheus:9090/api/v1/write"
    );
    // Tempo runs with a read-only root filesystem: everything it writes is on tempo_data.
    let mut paths = Vec::new();
    absolute_paths(&doc, &mut paths);
    assert!(paths.len() >= 4, "{paths:?}");
    for p in &paths {
        assert!(
            p.starts_with("/var/tempo/"),
            "{p} is outside the tempo_data volume"
        );
    }
}

#[test]
fn grafana_provisions_prometheus_loki_and_tempo() {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), &[]);
    let doc = yaml(
        &dir.path()
            .join("grafana/provisioning/datasources/grafana-datasources.yml"),
    );
    assert_eq!(text_at(&doc, &["apiVersion"]), "1");
    let sources = at(&doc, &["datasources"]).as_sequence().unwrap();
    let got: Vec<(String, String, String)> = sources
        .iter()
        .map(|d| {
            (
                text_at(d, &["uid"]),
                text_at(d, &["type"]),
                text_at(d, &["url"]),
            )
        })
        .collect();
    let want = [
        ("prometheus", "prometheus", "http://prometheus:9090"),
        ("loki", "loki", "http://loki:3100"),
        ("tempo", "tempo", "http://tempo:3200"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(got, want);
    // Cross-links point at provisioned datasources.
    let uids: Vec<String> = got.iter().map(|(u, _, _)| u.clone()).collect();
    let tempo = &sources[2];
    for link in [
        vec!["jsonData", "tracesToLogsV2", "datasourceUid"],
        vec!["jsonData", "serviceMap", "datasourceUid"],
        vec!["jsonData", "tracesToMetrics", "datasourceUid"],
    ] {
        assert!(uids.contains(&text_at(tempo, &link)), "{link:?}");
    }
}

#[test]
fn mongo_init_script_matches_the_mongodb_service() {
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(dir.path(), &[]);
    let script_path = dir.path().join("mongodb/init-mongo.js");
    let script = fs::read_to_string(&script_path).unwrap();
    for (db, collections) in [
        ("product_catalog", ["products", "categories"]),
        ("cartonization", ["cartons", "packing_solutions"]),
    ] {
        assert!(script.contains(&format!("getSiblingDB(\"{db}\")")), "{db}");
        for c in collections {
            assert!(
                script.contains(&format!(", \"{c}\")")),
                "collection {c} of {db}"
            );
        }
    }
    // The passwords the script reads are the ones the service is given (from .env).
    let Some(m) = model(&file, &env) else { return };
    for var in [
        "MONGO_INITDB_PRODUCT_CATALOG_PASSWORD",
        "MONGO_INITDB_CARTONIZATION_PASSWORD",
    ] {
        assert!(script.contains(&format!("requiredEnv(\"{var}\")")), "{var}");
        assert!(!env_of(&m, "mongodb", var).is_empty());
    }
    // JavaScript syntax, when node is installed (optional: not one of the project's test tools).
    match std::process::Command::new("node")
        .arg("--check")
        .arg(&script_path)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => support::skip(format_args!(
            "the syntax check of init-mongo.js: node is not installed (optional)"
        )),
    }
}

#[test]
fn knobs_and_overrides_reach_every_place_they_configure() {
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(
        dir.path(),
        &[
            "--set",
            "retention=7",
            "--set",
            "log_retention=3",
            "--set",
            "trace_retention=2",
            "--set",
            "services.kafka.resources.memory=2g",
        ],
    );
    let loki = yaml(&dir.path().join("loki/loki-config.yml"));
    assert_eq!(
        text_at(&loki, &["limits_config", "retention_period"]),
        "72h"
    );
    let tempo = yaml(&dir.path().join("tempo/tempo-config.yml"));
    assert_eq!(
        text_at(&tempo, &["compactor", "compaction", "block_retention"]),
        "48h"
    );

    let Some(m) = model(&file, &env) else { return };
    let prom = strings(&m["services"]["prometheus"]["command"]);
    let retention: Vec<&String> = prom.iter().filter(|a| a.contains("retention")).collect();
    assert_eq!(retention, ["--storage.tsdb.retention.time=7d"]);
    // Kafka's limit and heap follow the override; nothing else moves.
    assert_eq!(
        m["services"]["kafka"]["deploy"]["resources"]["limits"]["memory"],
        "2147483648"
    );
    assert_eq!(
        env_of(&m, "kafka", "KAFKA_HEAP_OPTS"),
        "-Xms1024m -Xmx1024m"
    );
    assert_eq!(
        env_of(&m, "zookeeper", "KAFKA_HEAP_OPTS"),
        "-Xms256m -Xmx256m"
    );
    assert_eq!(sorted_keys(&m["services"]), SERVICES);
    assert_eq!(sorted_keys(&m["volumes"]), VOLUMES);
}

#[test]
fn retention_knobs_reject_zero() {
    for knob in ["retention", "log_retention", "trace_retention"] {
        let out = composegen()
            .args(["render", "paklog", "--set", &format!("{knob}=0")])
            .output()
            .expect("run composegen");
        assert!(!out.status.success(), "{knob}=0 was accepted");
    }
}
