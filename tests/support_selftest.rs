//! Proves the oracle helpers in `support` both accept what the real tools accept and reject what
//! they reject; a helper that passes everything would make every oracle test worthless.

mod support;

use std::fs;
use std::path::PathBuf;

/// Writes `text` to `name` in a fresh temporary directory.
fn write(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::write(&path, text).unwrap();
    (dir, path)
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn tool_finds_a_program_on_path() {
    assert!(support::tool("sh").is_some());
}

// --- docker-compose ---------------------------------------------------------------------------

const COMPOSE_OK: &str =
    "services:\n  web:\n    image: nginx:${TAG:-1.27}\n    ports: [\"8080:80\"]\n";

#[test]
fn compose_accepts_a_valid_file() {
    let (_dir, file) = write("compose.yaml", COMPOSE_OK);
    let Some(result) = support::compose_config(&file, &[]) else {
        return;
    };
    assert_eq!(result, Ok(String::new()));
}

#[test]
fn compose_rejects_an_invalid_file() {
    let (_dir, file) = write(
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n    ports: 12\n",
    );
    let Some(result) = support::compose_config(&file, &[]) else {
        return;
    };
    let err = result.expect_err("compose must reject ports: 12");
    assert!(err.contains("services.web.ports"), "{err}");
}

#[test]
fn compose_interpolates_the_given_environment() {
    let (_dir, file) = write(
        "compose.yaml",
        "services:\n  web:\n    image: \"nginx:${TAG:?TAG must be set}\"\n",
    );
    let Some(missing) = support::compose_config(&file, &[]) else {
        return;
    };
    let err = missing.expect_err("TAG is unset");
    assert!(err.contains("TAG must be set"), "{err}");
    let Some(given) = support::compose_config(&file, &vars(&[("TAG", "1.27")])) else {
        return;
    };
    assert_eq!(given, Ok(String::new()));
}

#[test]
fn compose_config_json_resolves_the_model() {
    let (_dir, file) = write("compose.yaml", COMPOSE_OK);
    let Some(result) = support::compose_config_json(&file, &vars(&[("TAG", "1.25")])) else {
        return;
    };
    let model = result.unwrap();
    let web = &model["services"]["web"];
    assert_eq!(web["image"], "nginx:1.25");
    assert_eq!(web["ports"][0]["target"], 80);
    assert_eq!(web["ports"][0]["published"], "8080");
}

#[test]
fn compose_config_json_reports_rejection() {
    let (_dir, file) = write(
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n    bogus: 1\n",
    );
    let Some(result) = support::compose_config_json(&file, &[]) else {
        return;
    };
    let err = result.expect_err("compose must reject an unknown key");
    assert!(err.contains("bogus"), "{err}");
}

// --- promtool ---------------------------------------------------------------------------------

#[test]
fn promtool_accepts_a_valid_config() {
    let (_dir, file) = write(
        "prometheus.yml",
        "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: redis\n    static_configs:\n      - targets: ['redis-exporter:9121']\n",
    );
    let Some(result) = support::promtool_check_config(&file) else {
        return;
    };
    result.unwrap();
}

#[test]
fn promtool_rejects_an_invalid_config() {
    let (_dir, file) = write("prometheus.yml", "global:\n  scrape_interval: banana\n");
    let Some(result) = support::promtool_check_config(&file) else {
        return;
    };
    let err = result.expect_err("promtool must reject scrape_interval: banana");
    assert!(err.contains("banana"), "{err}");
}

#[test]
fn promtool_rejects_a_missing_rule_file() {
    let (_dir, file) = write("prometheus.yml", "rule_files:\n  - alerts.yml\n");
    let Some(result) = support::promtool_check_config(&file) else {
        return;
    };
    let err = result.expect_err("alerts.yml does not exist");
    assert!(err.contains("alerts.yml"), "{err}");
}

// --- nginx ------------------------------------------------------------------------------------

/// Shaped like a config for the official nginx image: `user nginx`, pid in /var/run, logs in
/// /var/log/nginx, upstreams named after compose services.
const NGINX_OK: &str = "\
user nginx;
worker_processes auto;
error_log /var/log/nginx/error.log notice;
pid /var/run/nginx.pid;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log /var/log/nginx/access.log;
    upstream api { server backend:8000; }
    server {
        listen 80;
        location / { proxy_pass http://frontend:3000; }
        location /api/ { proxy_pass http://api; }
    }
}
";

#[test]
fn nginx_accepts_a_valid_config_with_mapped_hosts() {
    let (_dir, conf) = write("nginx.conf", NGINX_OK);
    let Some(result) = support::nginx_check(&conf, &["frontend", "backend"]) else {
        return;
    };
    result.unwrap();
}

#[test]
fn nginx_rejects_an_unresolvable_upstream() {
    let (_dir, conf) = write("nginx.conf", NGINX_OK);
    let Some(result) = support::nginx_check(&conf, &["frontend"]) else {
        return;
    };
    let err = result.expect_err("backend is not mapped");
    assert!(
        err.contains("host not found in upstream \"backend:8000\""),
        "{err}"
    );
}

#[test]
fn nginx_rejects_a_syntax_error() {
    let (_dir, conf) = write("nginx.conf", "events {}\nhttp { server { listen 80 } }\n");
    let Some(result) = support::nginx_check(&conf, &[]) else {
        return;
    };
    let err = result.expect_err("missing semicolon");
    assert!(err.contains("test failed"), "{err}");
}

// --- redis ------------------------------------------------------------------------------------

#[test]
fn redis_accepts_a_valid_config() {
    // Options that would stop a check on this machine are overridden by the helper.
    let (_dir, conf) = write(
        "redis.conf",
        "port 6379\nbind 172.19.0.2\ndaemonize yes\ndir /data\nlogfile /var/log/redis/redis.log\nappendonly yes\nmaxmemory 256mb\nmaxmemory-policy allkeys-lru\nrequirepass secret\n",
    );
    let Some(result) = support::redis_check(&conf, false) else {
        return;
    };
    result.unwrap();
}

#[test]
fn redis_rejects_an_invalid_config() {
    let (_dir, conf) = write("redis.conf", "port 6379\nmaxmemory banana\n");
    let Some(result) = support::redis_check(&conf, false) else {
        return;
    };
    let err = result.expect_err("maxmemory banana");
    assert!(err.contains("FATAL CONFIG FILE ERROR"), "{err}");
}

const SENTINEL: &str = "\
port 26379
sentinel resolve-hostnames yes
sentinel monitor mymaster redis-master 6379 2
sentinel down-after-milliseconds mymaster 5000
";

#[test]
fn sentinel_accepts_a_valid_config_with_mapped_hosts() {
    let (_dir, conf) = write("sentinel.conf", SENTINEL);
    let Some(result) = support::redis_check_with_hosts(&conf, true, &["redis-master"]) else {
        return;
    };
    result.unwrap();
    // The helper runs a copy: sentinel rewrites its config file, the original stays as written.
    assert_eq!(fs::read_to_string(&conf).unwrap(), SENTINEL);
}

#[test]
fn sentinel_rejects_an_unresolvable_master() {
    let (_dir, conf) = write("sentinel.conf", SENTINEL);
    let Some(result) = support::redis_check(&conf, true) else {
        return;
    };
    let err = result.expect_err("redis-master is not mapped");
    assert!(err.contains("redis-master"), "{err}");
}

#[test]
fn sentinel_rejects_an_invalid_config() {
    let (_dir, conf) = write(
        "sentinel.conf",
        "port 26379\nsentinel monitor mymaster 127.0.0.1 6379\n",
    );
    let Some(result) = support::redis_check(&conf, true) else {
        return;
    };
    let err = result.expect_err("quorum is missing");
    assert!(err.contains("FATAL CONFIG FILE ERROR"), "{err}");
}
