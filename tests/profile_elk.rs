//! The `elk` profile (seed 000, ELK Vision SaaS): inventory as Docker Compose itself resolves it,
//! the generated config files checked by their real tools, and the `workers` / `server_name` knobs.
//!
//! Note on build contexts: `backend` and `celery-worker` build from `./backend`, `frontend` from
//! `./frontend`. `docker-compose config` (v2.40.3) resolves a context to an absolute path but does
//! not require the directory to exist, so the bundles here are checked without creating them
//! (`compose_accepts_missing_build_contexts` pins that down).

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// Services of the default inventory (no compose profile enabled).
const CORE_SERVICES: [&str; 10] = [
    "backend",
    "celery-worker",
    "elasticsearch",
    "elasticsearch-setup",
    "frontend",
    "kibana",
    "logstash",
    "mongodb",
    "nginx",
    "redis",
];

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// `composegen render elk -o DIR [extra...]`; returns the compose file and the generated `.env`.
fn render_bundle(dir: &Path, extra: &[&str]) -> (PathBuf, Vec<(String, String)>) {
    let out = composegen()
        .args(["render", "elk", "-o"])
        .arg(dir)
        .args(extra)
        .output()
        .expect("run composegen");
    assert!(
        out.status.success(),
        "render elk {extra:?} failed: {}",
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

fn with(env: &[(String, String)], extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all = env.to_vec();
    all.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    all
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

fn expected_ports(extra: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    let core: [(&str, &[&str]); 10] = [
        // Scalable (`backend_replicas`): Docker picks the host port, on 127.0.0.1 only.
        ("backend", &["127.0.0.1:->8000/tcp"]),
        ("celery-worker", &[]),
        (
            "elasticsearch",
            &["127.0.0.1:9200->9200/tcp", "127.0.0.1:9300->9300/tcp"],
        ),
        ("elasticsearch-setup", &[]),
        ("frontend", &["127.0.0.1:3000->3000/tcp"]),
        ("kibana", &["127.0.0.1:5601->5601/tcp"]),
        (
            "logstash",
            &[
                "127.0.0.1:5000->5000/tcp",
                "127.0.0.1:5044->5044/tcp",
                "127.0.0.1:9600->9600/tcp",
            ],
        ),
        ("mongodb", &["127.0.0.1:27017->27017/tcp"]),
        ("nginx", &["0.0.0.0:80->80/tcp"]),
        ("redis", &["127.0.0.1:6379->6379/tcp"]),
    ];
    core.iter()
        .chain(extra.iter())
        .map(|(name, ports)| {
            (
                name.to_string(),
                ports.iter().map(|p| p.to_string()).collect(),
            )
        })
        .collect()
}

fn env_of<'a>(m: &'a Value, service: &str, var: &str) -> &'a str {
    m["services"][service]["environment"][var]
        .as_str()
        .unwrap_or_else(|| panic!("{service} has no environment variable {var}"))
}

#[test]
fn inventory_without_the_monitoring_profile() {
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(dir.path(), &[]);
    let Some(m) = model(&file, &env) else { return };

    assert_eq!(sorted_keys(&m["services"]), CORE_SERVICES);
    assert_eq!(published(&m), expected_ports(&[]));
    // Compose leaves out volumes no enabled service uses (prometheus-data, grafana-data).
    assert_eq!(
        sorted_keys(&m["volumes"]),
        ["elasticsearch-data", "mongodb-data", "redis-data"]
    );
    assert_eq!(sorted_keys(&m["networks"]), ["elk-network"]);
    for (name, s) in m["services"].as_object().unwrap() {
        assert_eq!(
            sorted_keys(&s["networks"]),
            ["elk-network"],
            "{name} must be on elk-network only"
        );
    }
}

#[test]
fn inventory_with_the_monitoring_profile() {
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(dir.path(), &[]);
    let Some(m) = model(&file, &with(&env, &[("COMPOSE_PROFILES", "monitoring")])) else {
        return;
    };

    let mut services: Vec<&str> = CORE_SERVICES.to_vec();
    services.extend(["grafana", "prometheus"]);
    services.sort_unstable();
    assert_eq!(sorted_keys(&m["services"]), services);
    assert_eq!(
        published(&m),
        expected_ports(&[
            ("grafana", &["127.0.0.1:3001->3000/tcp"]),
            ("prometheus", &["127.0.0.1:9090->9090/tcp"]),
        ])
    );
    assert_eq!(
        sorted_keys(&m["volumes"]),
        [
            "elasticsearch-data",
            "grafana-data",
            "mongodb-data",
            "prometheus-data",
            "redis-data"
        ]
    );
    assert_eq!(sorted_keys(&m["networks"]), ["elk-network"]);
    assert_eq!(
        m["services"]["grafana"]["profiles"],
        serde_json::json!(["monitoring"])
    );
    assert_eq!(
        m["services"]["prometheus"]["profiles"],
        serde_json::json!(["monitoring"])
    );
}

#[test]
fn services_are_wired_as_the_seed_describes() {
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(dir.path(), &[]);
    let Some(m) = model(&file, &env) else { return };
    let secret = |name: &str| {
        env.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{name} missing from .env"))
    };

    // Elasticsearch: single node, heap half of the 2g limit, security on with the secret password.
    assert_eq!(env_of(&m, "elasticsearch", "discovery.type"), "single-node");
    assert_eq!(
        env_of(&m, "elasticsearch", "ES_JAVA_OPTS"),
        "-Xms1024m -Xmx1024m"
    );
    assert_eq!(
        env_of(&m, "elasticsearch", "xpack.security.enabled"),
        "true"
    );
    assert_eq!(
        env_of(&m, "elasticsearch", "ELASTIC_PASSWORD"),
        secret("ELASTIC_PASSWORD")
    );
    assert_eq!(env_of(&m, "logstash", "LS_JAVA_OPTS"), "-Xms512m -Xmx512m");

    // Django: secrets reach the URIs through the .env, DEBUG is off.
    assert_eq!(env_of(&m, "backend", "DEBUG"), "False");
    assert_eq!(
        env_of(&m, "backend", "SECRET_KEY"),
        secret("DJANGO_SECRET_KEY")
    );
    assert_eq!(
        env_of(&m, "backend", "MONGODB_URI"),
        format!(
            "mongodb://elk_vision:{}@mongodb:27017/elk_vision?authSource=admin",
            secret("MONGO_APP_PASSWORD")
        )
    );
    assert_eq!(
        env_of(&m, "backend", "CELERY_BROKER_URL"),
        format!("redis://:{}@redis:6379/0", secret("REDIS_PASSWORD"))
    );
    assert_eq!(
        env_of(&m, "backend", "ELASTICSEARCH_URL"),
        format!(
            "http://elastic:{}@elasticsearch:9200",
            secret("ELASTIC_PASSWORD")
        )
    );
    for service in ["backend", "celery-worker"] {
        assert_eq!(
            m["services"][service]["build"]["context"],
            Value::String(dir.path().join("backend").display().to_string()),
            "{service} builds from ./backend"
        );
    }
    assert_eq!(
        m["services"]["frontend"]["build"]["context"],
        Value::String(dir.path().join("frontend").display().to_string())
    );

    // MongoDB root credentials are secrets.
    assert_eq!(
        env_of(&m, "mongodb", "MONGO_INITDB_ROOT_USERNAME"),
        secret("MONGO_ROOT_USER")
    );
    assert_eq!(
        env_of(&m, "mongodb", "MONGO_INITDB_ROOT_PASSWORD"),
        secret("MONGO_ROOT_PASSWORD")
    );

    // Kibana and Logstash start only after the one-shot security setup succeeded.
    for service in ["kibana", "logstash"] {
        assert_eq!(
            m["services"][service]["depends_on"]["elasticsearch-setup"]["condition"],
            "service_completed_successfully",
            "{service}"
        );
    }
    assert_eq!(m["services"]["elasticsearch-setup"]["restart"], "no");

    // The scalable worker: one replica by default, no fixed name, no host port.
    let worker = &m["services"]["celery-worker"];
    assert_eq!(worker["deploy"]["replicas"], 1);
    assert!(worker.get("container_name").is_none());
    assert!(worker.get("ports").is_none());
}

#[test]
fn no_secret_value_is_written_outside_the_env_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_file, env) = render_bundle(dir.path(), &[]);
    let mut files = Vec::new();
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if !path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".env")
            {
                files.push(path);
            }
        }
    }
    assert!(
        files.len() >= 9,
        "expected the compose file and 8 config files, got {files:?}"
    );
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        for (key, value) in &env {
            // Generated random values only; fixed ones (user names such as `admin`) may appear.
            if value.len() >= 16 {
                assert!(
                    !text.contains(value.as_str()),
                    "{key}'s value is written in {path:?}"
                );
            }
        }
    }
}

#[test]
fn stdout_form_with_inlined_configs_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (_file, env) = render_bundle(dir.path(), &[]);
    let out = composegen()
        .args(["render", "elk"])
        .output()
        .expect("run composegen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let inline = tempfile::tempdir().unwrap();
    let file = inline.path().join("docker-compose.yml");
    fs::write(&file, &text).unwrap();
    let Some(m) = model(&file, &with(&env, &[("COMPOSE_PROFILES", "monitoring")])) else {
        return;
    };
    // `$` inside the carried config files is escaped for Compose (`$$`), so Compose does not
    // interpolate it; the support function returns the text the container sees.
    let files = support::single_file_configs(&m);
    let content = |path: &str| {
        files
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not carried: {:?}", files.keys()))
            .clone()
    };
    let kibana = content("kibana/kibana.yml");
    assert!(
        kibana.contains("elasticsearch.password: ${KIBANA_SYSTEM_PASSWORD}"),
        "{kibana}"
    );
    assert!(kibana.contains("server.basePath: /kibana"), "{kibana}");
    assert!(kibana.contains("server.rewriteBasePath: true"), "{kibana}");
    let pipeline = content("logstash/pipeline/logstash.conf");
    assert!(
        pipeline.contains(r#"password => "${LOGSTASH_INTERNAL_PASSWORD}""#),
        "{pipeline}"
    );
    assert_eq!(files.len(), 8);
    // No compose `configs` remain: Compose refuses inline content on read-only services.
    assert!(
        m.get("configs")
            .is_none_or(|c| c.as_object().is_none_or(|o| o.is_empty()))
    );
}

#[test]
fn compose_accepts_missing_build_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(dir.path(), &[]);
    assert!(!dir.path().join("backend").exists());
    assert!(!dir.path().join("frontend").exists());
    let Some(result) = support::compose_config(&file, &env) else {
        return;
    };
    assert_eq!(result, Ok(String::new()));
}

#[test]
fn nginx_config_passes_nginx_t_without_resolving_upstreams() {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), &[]);
    let conf = dir.path().join("nginx/nginx.conf");
    let text = fs::read_to_string(&conf).unwrap();
    for route in ["location /api/", "location /kibana/", "location / {"] {
        assert!(text.contains(route), "nginx.conf lacks `{route}`");
    }
    assert!(
        text.contains("resolver 127.0.0.11"),
        "upstreams resolve through Docker's DNS"
    );
    // No host names are mapped: the upstreams (frontend, backend, kibana) resolve per request
    // inside Docker, so nginx -t must pass where none of them resolves.
    let Some(result) = support::nginx_check(&conf, &[]) else {
        return;
    };
    result.expect("nginx -t rejected the rendered nginx.conf");
}

#[test]
fn prometheus_config_passes_promtool() {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), &[]);
    let Some(result) =
        support::promtool_check_config(&dir.path().join("prometheus/prometheus.yml"))
    else {
        return;
    };
    result.expect("promtool rejected the rendered prometheus.yml");
}

#[test]
fn redis_config_starts_redis_server() {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), &[]);
    let conf = dir.path().join("redis/redis.conf");
    let text = fs::read_to_string(&conf).unwrap();
    assert!(text.lines().any(|l| l.trim() == "appendonly yes"), "{text}");
    let Some(result) = support::redis_check(&conf, false) else {
        return;
    };
    result.expect("redis-server rejected the rendered redis.conf");
}

#[test]
fn workers_knob_scales_the_celery_worker() {
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(dir.path(), &["--set", "workers=3"]);
    let Some(m) = model(&file, &env) else { return };
    let worker = &m["services"]["celery-worker"];
    assert_eq!(worker["deploy"]["replicas"], 3);
    assert!(worker.get("container_name").is_none());
    assert!(worker.get("ports").is_none());
    // Scaling changes nothing else in the inventory.
    assert_eq!(sorted_keys(&m["services"]), CORE_SERVICES);
    assert_eq!(published(&m), expected_ports(&[]));
}

#[test]
fn server_name_knob_reaches_nginx_django_and_kibana() {
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = render_bundle(dir.path(), &["--set", "server_name=logs.example.com"]);
    let nginx = fs::read_to_string(dir.path().join("nginx/nginx.conf")).unwrap();
    assert!(
        nginx.contains("server_name \"logs.example.com\";"),
        "{nginx}"
    );
    let kibana = fs::read_to_string(dir.path().join("kibana/kibana.yml")).unwrap();
    assert!(
        kibana.contains("server.publicBaseUrl: http://logs.example.com/kibana"),
        "{kibana}"
    );
    if let Some(result) = support::nginx_check(&dir.path().join("nginx/nginx.conf"), &[]) {
        result.expect("nginx -t rejected nginx.conf with a custom server_name");
    }
    let Some(m) = model(&file, &env) else { return };
    assert_eq!(
        env_of(&m, "backend", "ALLOWED_HOSTS"),
        "logs.example.com,127.0.0.1,backend"
    );
    assert_eq!(
        env_of(&m, "backend", "CORS_ALLOWED_ORIGINS"),
        "http://logs.example.com"
    );
}
