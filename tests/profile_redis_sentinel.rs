//! The `redis-sentinel` profile (seed 002: Redis master, replicas and Sentinels on fixed addresses,
//! with a separate monitoring stack): the inventory of BOTH compose files as Docker Compose itself
//! resolves them, with default knobs and with `replicas=3, sentinels=5`; the knob constraints; the
//! generated redis/replica/sentinel configurations started under a real redis-server, together with
//! the password options the containers' shell wrappers add; promtool on prometheus.yml; and that the
//! Redis password is written to no file but `.env`.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const PROFILE: &str = "redis-sentinel";
const MAIN: &str = "docker-compose.yml";
const MONITORING: &str = "docker-compose.monitoring.yml";
/// The explicit name of the network both files share.
const REDIS_NET: &str = "redis-sentinel_redis-net";

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// `composegen render redis-sentinel -o DIR [extra...]`; returns the generated `.env`.
fn render_bundle(dir: &Path, extra: &[&str]) -> Vec<(String, String)> {
    let out = composegen()
        .args(["render", PROFILE, "-o"])
        .arg(dir)
        .args(extra)
        .output()
        .expect("run composegen");
    assert!(
        out.status.success(),
        "render {PROFILE} {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [MAIN, MONITORING] {
        assert!(dir.join(file).is_file(), "no {file} in {dir:?}");
    }
    read_env(dir)
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

fn env_value(env: &[(String, String)], name: &str) -> String {
    env.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("{name} missing from .env: {env:?}"))
}

/// `docker-compose config --format json`, or `None` when docker-compose is missing (skip).
fn model(file: &Path, env: &[(String, String)]) -> Option<Value> {
    let result = support::compose_config_json(file, env)?;
    Some(result.unwrap_or_else(|e| panic!("docker-compose rejected {file:?}:\n{e}")))
}

/// Both files of a bundle as Docker Compose resolves them (main, monitoring).
fn models(dir: &Path, env: &[(String, String)]) -> Option<(Value, Value)> {
    Some((
        model(&dir.join(MAIN), env)?,
        model(&dir.join(MONITORING), env)?,
    ))
}

fn sorted_keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Published ports per service: (host_ip, host port, container port, protocol); only services
/// that publish something.
fn published(m: &Value) -> BTreeMap<String, Vec<(String, String, u64, String)>> {
    let mut out = BTreeMap::new();
    for (name, svc) in m["services"].as_object().expect("services") {
        let ports: Vec<_> = svc["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    p["host_ip"].as_str().unwrap_or("").to_string(),
                    p["published"].as_str().unwrap_or("").to_string(),
                    p["target"].as_u64().expect("target port"),
                    p["protocol"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        if !ports.is_empty() {
            out.insert(name.clone(), ports);
        }
    }
    out
}

/// Static addresses on redis-net: service -> IPv4 (services without one are left out).
fn redis_net_addresses(m: &Value) -> BTreeMap<String, String> {
    m["services"]
        .as_object()
        .expect("services")
        .iter()
        .filter_map(|(name, svc)| {
            let ip = svc["networks"]["redis-net"]["ipv4_address"].as_str()?;
            Some((name.clone(), ip.to_string()))
        })
        .collect()
}

/// Networks each service joins, sorted.
fn service_networks(m: &Value) -> BTreeMap<String, Vec<String>> {
    m["services"]
        .as_object()
        .expect("services")
        .iter()
        .map(|(name, svc)| (name.clone(), sorted_keys(&svc["networks"])))
        .collect()
}

fn addresses(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The main file's network declaration and the monitoring file's external reference to it.
fn assert_networks(main: &Value, monitoring: &Value) {
    assert_eq!(sorted_keys(&main["networks"]), strings(&["redis-net"]));
    let net = &main["networks"]["redis-net"];
    assert_eq!(net["name"], REDIS_NET);
    assert_eq!(net["driver"], "bridge");
    assert_eq!(net["ipam"]["config"][0]["subnet"], "172.19.0.0/16");
    assert!(net.get("external").is_none_or(|e| e == false), "{net}");

    assert_eq!(
        sorted_keys(&monitoring["networks"]),
        strings(&["monitoring", "redis-net"])
    );
    assert_eq!(monitoring["networks"]["redis-net"]["external"], true);
    assert_eq!(monitoring["networks"]["redis-net"]["name"], REDIS_NET);
    assert_eq!(monitoring["networks"]["monitoring"]["driver"], "bridge");
    assert!(
        monitoring["networks"]["monitoring"]
            .get("external")
            .is_none_or(|e| e == false),
        "the monitoring network belongs to the monitoring file"
    );
}

fn assert_monitoring_inventory(monitoring: &Value, exporter_ip: &str) {
    assert_eq!(monitoring["name"], "redis-sentinel-monitoring");
    assert_eq!(
        sorted_keys(&monitoring["services"]),
        strings(&["grafana", "prometheus", "redis-exporter"])
    );
    let ports = published(monitoring);
    let expected: BTreeMap<String, Vec<(String, String, u64, String)>> =
        [("grafana", 3000u64), ("prometheus", 9090)]
            .into_iter()
            .map(|(name, port)| {
                (
                    name.to_string(),
                    vec![(
                        "127.0.0.1".to_string(),
                        port.to_string(),
                        port,
                        "tcp".to_string(),
                    )],
                )
            })
            .collect();
    assert_eq!(ports, expected);
    assert_eq!(
        sorted_keys(&monitoring["volumes"]),
        strings(&["grafana-data", "prometheus-data"])
    );
    assert_eq!(
        service_networks(monitoring),
        [
            ("grafana", vec!["monitoring"]),
            ("prometheus", vec!["monitoring"]),
            ("redis-exporter", vec!["monitoring", "redis-net"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), strings(&v)))
        .collect::<BTreeMap<_, _>>()
    );
    assert_eq!(
        redis_net_addresses(monitoring),
        addresses(&[("redis-exporter", exporter_ip)])
    );
}

// --- inventory --------------------------------------------------------------------------------

#[test]
fn default_inventory_matches_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let env = render_bundle(dir.path(), &[]);
    let Some((main, monitoring)) = models(dir.path(), &env) else {
        return;
    };

    assert_eq!(main["name"], "redis-sentinel");
    assert_eq!(
        sorted_keys(&main["services"]),
        strings(&[
            "redis-master",
            "redis-replica-1",
            "redis-replica-2",
            "redis-sentinel-1",
            "redis-sentinel-2",
            "redis-sentinel-3",
        ])
    );
    // The seed's fixed addresses: master .2, replicas .3-.4, sentinels .5-.7.
    assert_eq!(
        redis_net_addresses(&main),
        addresses(&[
            ("redis-master", "172.19.0.2"),
            ("redis-replica-1", "172.19.0.3"),
            ("redis-replica-2", "172.19.0.4"),
            ("redis-sentinel-1", "172.19.0.5"),
            ("redis-sentinel-2", "172.19.0.6"),
            ("redis-sentinel-3", "172.19.0.7"),
        ])
    );
    // Minimal port exposure: nothing of the Redis stack is published on the host.
    assert_eq!(published(&main), BTreeMap::new());
    assert_eq!(
        sorted_keys(&main["volumes"]),
        strings(&[
            "redis-master-data",
            "redis-replica-data-1",
            "redis-replica-data-2"
        ])
    );
    for (svc, volume) in [
        ("redis-master", "redis-master-data"),
        ("redis-replica-1", "redis-replica-data-1"),
        ("redis-replica-2", "redis-replica-data-2"),
    ] {
        let mounts = main["services"][svc]["volumes"]
            .as_array()
            .expect("volumes");
        assert_eq!(mounts.len(), 1, "{svc}: {mounts:?}");
        assert_eq!(mounts[0]["type"], "volume");
        assert_eq!(mounts[0]["source"], volume);
        assert_eq!(mounts[0]["target"], "/data");
    }

    assert_monitoring_inventory(&monitoring, "172.19.0.8");
    assert_networks(&main, &monitoring);
}

#[test]
fn replicas_and_sentinels_knobs_renumber_names_and_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let env = render_bundle(dir.path(), &["--set", "replicas=3", "--set", "sentinels=5"]);

    // The sentinel configuration follows the knob: a majority of 5 is 3.
    let sentinel = fs::read_to_string(dir.path().join("redis/sentinel.conf")).unwrap();
    assert!(
        sentinel
            .lines()
            .any(|l| l == "sentinel monitor mymaster 172.19.0.2 6379 3"),
        "{sentinel}"
    );
    // Prometheus scrapes every node at its new address.
    let prom = fs::read_to_string(dir.path().join("prometheus/prometheus.yml")).unwrap();
    for target in [
        "redis://172.19.0.2:6379",
        "redis://172.19.0.5:6379",
        "redis://172.19.0.6:26379",
        "redis://172.19.0.10:26379",
    ] {
        assert!(prom.contains(target), "{target} missing:\n{prom}");
    }

    let Some((main, monitoring)) = models(dir.path(), &env) else {
        return;
    };
    assert_eq!(
        sorted_keys(&main["services"]),
        strings(&[
            "redis-master",
            "redis-replica-1",
            "redis-replica-2",
            "redis-replica-3",
            "redis-sentinel-1",
            "redis-sentinel-2",
            "redis-sentinel-3",
            "redis-sentinel-4",
            "redis-sentinel-5",
        ])
    );
    assert_eq!(
        redis_net_addresses(&main),
        addresses(&[
            ("redis-master", "172.19.0.2"),
            ("redis-replica-1", "172.19.0.3"),
            ("redis-replica-2", "172.19.0.4"),
            ("redis-replica-3", "172.19.0.5"),
            ("redis-sentinel-1", "172.19.0.6"),
            ("redis-sentinel-2", "172.19.0.7"),
            ("redis-sentinel-3", "172.19.0.8"),
            ("redis-sentinel-4", "172.19.0.9"),
            ("redis-sentinel-5", "172.19.0.10"),
        ])
    );
    assert_eq!(published(&main), BTreeMap::new());
    assert_eq!(
        sorted_keys(&main["volumes"]),
        strings(&[
            "redis-master-data",
            "redis-replica-data-1",
            "redis-replica-data-2",
            "redis-replica-data-3",
        ])
    );
    assert_monitoring_inventory(&monitoring, "172.19.0.11");
    assert_networks(&main, &monitoring);
}

#[test]
fn an_even_sentinel_count_is_rejected() {
    let out = composegen()
        .args(["render", PROFILE, "--set", "sentinels=4"])
        .output()
        .expect("run composegen");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("odd"), "{stderr}");
    assert!(stderr.contains("sentinels"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing is rendered on error");
}

#[test]
fn too_few_replicas_or_sentinels_are_rejected() {
    for (set, minimum) in [("replicas=0", "at least 1"), ("sentinels=1", "at least 3")] {
        let out = composegen()
            .args(["render", PROFILE, "--set", set])
            .output()
            .expect("run composegen");
        assert_eq!(out.status.code(), Some(2), "{set}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(minimum), "{set}: {stderr}");
    }
}

// --- each file on its own ----------------------------------------------------------------------

/// The two files are started separately (`docker compose up -d`, then
/// `docker compose -f docker-compose.monitoring.yml up -d`): each must be valid on its own, in the
/// bundle form (configs as files) and in the stdout form (configs inlined, printed with `--part`).
#[test]
fn each_compose_file_is_accepted_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let env = render_bundle(dir.path(), &[]);
    for file in [MAIN, MONITORING] {
        let Some(result) = support::compose_config(&dir.path().join(file), &env) else {
            return;
        };
        assert_eq!(result, Ok(String::new()), "{file} (bundle)");
    }

    let stdout_dir = tempfile::tempdir().unwrap();
    for (part, file) in [(None, MAIN), (Some("monitoring"), MONITORING)] {
        let mut cmd = composegen();
        cmd.args(["render", PROFILE]);
        if let Some(part) = part {
            cmd.args(["--part", part]);
        }
        let out = cmd.output().expect("run composegen");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = stdout_dir.path().join(file);
        fs::write(&path, &out.stdout).unwrap();
        let Some(result) = support::compose_config(&path, &env) else {
            return;
        };
        assert_eq!(result, Ok(String::new()), "{file} (stdout)");
        // Without the secrets Compose refuses to start rather than run without a password.
        let Some(missing) = support::compose_config(&path, &[]) else {
            return;
        };
        let err = missing.expect_err("secrets are required");
        assert!(
            err.contains("REDIS_PASSWORD") || err.contains("GRAFANA_ADMIN"),
            "{err}"
        );
    }
}

// --- resources, security, health -------------------------------------------------------------

#[test]
fn limits_security_and_healthchecks() {
    let dir = tempfile::tempdir().unwrap();
    let env = render_bundle(dir.path(), &[]);
    let Some((main, monitoring)) = models(dir.path(), &env) else {
        return;
    };
    // (memory limit, memory reservation, cpus) as Compose reports them (bytes, cores).
    const G: u64 = 1 << 30;
    const M: u64 = 1 << 20;
    let expected: [(&str, u64, Option<u64>, f64); 9] = [
        ("redis-master", 2 * G, Some(G), 2.0),
        ("redis-replica-1", 2 * G, Some(G), 2.0),
        ("redis-replica-2", 2 * G, Some(G), 2.0),
        ("redis-sentinel-1", 128 * M, Some(64 * M), 0.25),
        ("redis-sentinel-2", 128 * M, Some(64 * M), 0.25),
        ("redis-sentinel-3", 128 * M, Some(64 * M), 0.25),
        ("redis-exporter", 128 * M, None, 0.25),
        ("prometheus", G, Some(512 * M), 1.0),
        ("grafana", 512 * M, Some(256 * M), 0.5),
    ];
    for (name, memory, reservation, cpus) in expected {
        let svc = if main["services"].get(name).is_some() {
            &main["services"][name]
        } else {
            &monitoring["services"][name]
        };
        let res = &svc["deploy"]["resources"];
        assert_eq!(
            bytes(&res["limits"]["memory"]),
            Some(memory),
            "{name}: {res}"
        );
        assert_eq!(res["limits"]["cpus"].as_f64(), Some(cpus), "{name}: {res}");
        assert_eq!(
            bytes(&res["reservations"]["memory"]),
            reservation,
            "{name}: {res}"
        );
        assert_eq!(svc["read_only"], true, "{name}");
        assert_eq!(svc["cap_drop"], serde_json::json!(["ALL"]), "{name}");
        assert!(svc.get("cap_add").is_none(), "{name} needs no capability");
        assert_eq!(
            svc["security_opt"],
            serde_json::json!(["no-new-privileges:true"]),
            "{name}"
        );
        let test = svc["healthcheck"]["test"].as_array().expect("healthcheck");
        let test: Vec<&str> = test.iter().filter_map(Value::as_str).collect();
        let expected_test: &[&str] = match name {
            "redis-exporter" => &[
                "CMD",
                "wget",
                "-q",
                "--spider",
                "http://127.0.0.1:9121/health",
            ],
            "prometheus" => &[
                "CMD",
                "wget",
                "-q",
                "--spider",
                "http://127.0.0.1:9090/-/healthy",
            ],
            "grafana" => &[
                "CMD",
                "wget",
                "-q",
                "--spider",
                "http://127.0.0.1:3000/api/health",
            ],
            n if n.starts_with("redis-sentinel") => {
                &["CMD-SHELL", "redis-cli -p 26379 ping | grep -q PONG"]
            }
            _ => &["CMD-SHELL", "redis-cli ping | grep -q PONG"],
        };
        assert_eq!(test, expected_test, "{name}");
        if name.starts_with("redis-") && name != "redis-exporter" {
            // The shell wrapper bypasses the image's gosu step, so the service runs as redis.
            assert_eq!(svc["user"], "999:999", "{name}");
            assert_eq!(svc["image"], "redis:7.4.2", "{name}");
        }
    }
    // Replicas and Sentinels wait for a healthy master.
    for name in ["redis-replica-1", "redis-sentinel-3"] {
        assert_eq!(
            main["services"][name]["depends_on"]["redis-master"]["condition"], "service_healthy",
            "{name}"
        );
    }
    assert_eq!(
        monitoring["services"]["prometheus"]["depends_on"]["redis-exporter"]["condition"],
        "service_healthy"
    );
}

/// A byte count, which Compose's JSON writes as a string ("2147483648").
fn bytes(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

// --- the password ------------------------------------------------------------------------------

/// Every file of the bundle but `.env` is free of the password; the containers get it from the
/// environment only, and their commands refer to the variable, not its value.
#[test]
fn the_redis_password_is_in_no_file_but_env() {
    let dir = tempfile::tempdir().unwrap();
    let env = render_bundle(dir.path(), &[]);
    let password = env_value(&env, "REDIS_PASSWORD");
    assert!(password.len() >= 32, "generated password too short");
    let mut files = Vec::new();
    collect_files(dir.path(), &mut files);
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        if file.file_name().is_some_and(|n| n == ".env") {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        assert!(!text.contains(&password), "{file:?} contains the password");
    }

    let Some((main, monitoring)) = models(dir.path(), &env) else {
        return;
    };
    for (name, svc) in main["services"].as_object().unwrap() {
        let command = svc["command"].to_string();
        assert!(!command.contains(&password), "{name}: {command}");
        // `$$` in Compose's output is a literal `$`: the shell in the container expands it.
        assert!(
            command.contains("\\\"$$REDIS_PASSWORD\\\""),
            "{name}: {command}"
        );
        assert_eq!(
            svc["environment"]["REDIS_PASSWORD"],
            password.as_str(),
            "{name}"
        );
        assert_eq!(
            svc["environment"]["REDISCLI_AUTH"],
            password.as_str(),
            "{name}"
        );
    }
    let exporter = &monitoring["services"]["redis-exporter"];
    assert_eq!(exporter["environment"]["REDIS_PASSWORD"], password.as_str());
    assert_eq!(exporter["environment"]["REDIS_ADDR"], "");
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

// --- config files under their real tools -------------------------------------------------------

/// The `redis-server CONF OPTIONS...` that a service's `sh -c` wrapper runs, with
/// `$REDIS_PASSWORD` expanded: (the config path, the options as redis.conf lines). Redis appends
/// command-line options to the configuration as lines (`--sentinel auth-pass m pw` is the line
/// `sentinel auth-pass m pw`; a bare `--sentinel` only selects Sentinel mode), so a copy of the
/// file with these lines appended is what the container really runs.
fn wrapper_invocation(svc: &Value, password: &str) -> (String, Vec<String>) {
    let command: Vec<&str> = svc["command"]
        .as_array()
        .expect("command")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(command[..2], ["sh", "-c"], "{command:?}");
    let script = command[2];
    let exec = script
        .split_once("exec redis-server ")
        .unwrap_or_else(|| panic!("no `exec redis-server` in {script:?}"))
        .1;
    let words: Vec<String> = exec
        .split_whitespace()
        .map(|w| {
            w.trim_matches('"')
                .replace("$$REDIS_PASSWORD", password)
                .to_string()
        })
        .collect();
    assert!(
        !words.iter().any(|w| w.contains('$')),
        "unexpanded variable in {exec:?}"
    );
    let conf = words[0].clone();
    let mut lines: Vec<String> = Vec::new();
    for word in &words[1..] {
        if let Some(option) = word.strip_prefix("--") {
            lines.push(option.to_string());
        } else {
            let last = lines.last_mut().expect("a value follows an option");
            last.push(' ');
            last.push_str(word);
        }
    }
    lines.retain(|l| l != "sentinel");
    (conf, lines)
}

/// The bundle file that a service mounts at `target`.
fn mounted_file(m: &Value, svc: &Value, target: &str) -> PathBuf {
    let source = svc["configs"]
        .as_array()
        .expect("configs")
        .iter()
        .find(|c| c["target"] == target)
        .unwrap_or_else(|| panic!("nothing mounted at {target}: {svc}"))["source"]
        .as_str()
        .unwrap()
        .to_string();
    PathBuf::from(m["configs"][&source]["file"].as_str().expect("config file"))
}

fn with_options(conf: &Path, lines: &[String], dir: &Path, name: &str) -> PathBuf {
    let mut text = fs::read_to_string(conf).unwrap();
    text.push_str("\n# options from the container's command line\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn redis_starts(conf: &Path, sentinel: bool) -> bool {
    let Some(result) = support::redis_check(conf, sentinel) else {
        return false;
    };
    if let Err(log) = result {
        panic!(
            "redis-server rejected {conf:?}:\n{log}\n--- file ---\n{}",
            fs::read_to_string(conf).unwrap_or_default()
        );
    }
    true
}

#[test]
fn redis_replica_and_sentinel_configs_start_under_redis_server() {
    for extra in [
        &[][..],
        &["--set", "replicas=3", "--set", "sentinels=5"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let env = render_bundle(dir.path(), extra);
        let password = env_value(&env, "REDIS_PASSWORD");

        // The files as rendered (no password in them).
        for (file, sentinel) in [
            ("redis/redis.conf", false),
            ("redis/replica.conf", false),
            ("redis/sentinel.conf", true),
        ] {
            let text = fs::read_to_string(dir.path().join(file)).unwrap();
            assert!(
                !text.lines().any(|l| {
                    let l = l.trim_start().to_ascii_lowercase();
                    l.starts_with("requirepass")
                        || l.starts_with("masterauth")
                        || (l.starts_with("sentinel") && l.contains("auth-pass"))
                }),
                "{file} must not set a password:\n{text}"
            );
            if !redis_starts(&dir.path().join(file), sentinel) {
                return;
            }
        }
        let replica = fs::read_to_string(dir.path().join("redis/replica.conf")).unwrap();
        assert!(
            replica.lines().any(|l| l == "replicaof 172.19.0.2 6379"),
            "{replica}"
        );

        // The files with the options each container's wrapper adds, taken from Compose's model.
        let Some((main, _)) = models(dir.path(), &env) else {
            return;
        };
        let work = tempfile::tempdir().unwrap();
        for (name, target) in [
            ("redis-master", "/usr/local/etc/redis/redis.conf"),
            ("redis-replica-1", "/usr/local/etc/redis/replica.conf"),
        ] {
            let svc = &main["services"][name];
            let (conf, lines) = wrapper_invocation(svc, &password);
            assert_eq!(conf, target, "{name} runs the file it mounts");
            // It announces its own fixed address (on a swarm: its name, tests/swarm.rs).
            let address = svc["networks"]["redis-net"]["ipv4_address"]
                .as_str()
                .unwrap();
            assert_eq!(
                lines,
                vec![
                    format!("requirepass {password}"),
                    format!("masterauth {password}"),
                    format!("replica-announce-ip {address}"),
                    "replica-announce-port 6379".to_string(),
                ],
                "{name}"
            );
            let file = with_options(&mounted_file(&main, svc, target), &lines, work.path(), name);
            if !redis_starts(&file, false) {
                return;
            }
        }

        // Sentinel runs a writable copy on its tmpfs.
        let svc = &main["services"]["redis-sentinel-1"];
        let target = "/usr/local/etc/redis/sentinel.conf";
        let script = svc["command"][2].as_str().unwrap();
        assert!(
            script.starts_with(&format!("cp {target} /data/sentinel.conf && ")),
            "{script}"
        );
        assert_eq!(svc["tmpfs"], serde_json::json!(["/data:size=16m"]));
        let (conf, lines) = wrapper_invocation(svc, &password);
        assert_eq!(conf, "/data/sentinel.conf");
        assert!(script.contains(" --sentinel --requirepass "), "{script}");
        let address = svc["networks"]["redis-net"]["ipv4_address"]
            .as_str()
            .unwrap();
        assert_eq!(
            lines,
            vec![
                format!("requirepass {password}"),
                format!("sentinel auth-pass mymaster {password}"),
                format!("sentinel announce-ip {address}"),
                "sentinel announce-port 26379".to_string(),
            ]
        );
        let file = with_options(
            &mounted_file(&main, svc, target),
            &lines,
            work.path(),
            "sentinel",
        );
        if !redis_starts(&file, true) {
            return;
        }
    }
}

#[test]
fn sentinel_quorum_is_a_majority() {
    for (sentinels, quorum) in [(3, 2), (5, 3), (7, 4)] {
        let out = composegen()
            .args(["render", PROFILE, "--set"])
            .arg(format!("sentinels={sentinels}"))
            .output()
            .expect("run composegen");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let line = format!("sentinel monitor mymaster 172.19.0.2 6379 {quorum}");
        assert!(
            text.lines().any(|l| l.trim() == line),
            "sentinels={sentinels}: expected `{line}`"
        );
    }
}

#[test]
fn prometheus_config_passes_promtool_and_scrapes_every_node() {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), &[]);
    let path = dir.path().join("prometheus/prometheus.yml");
    let config: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let jobs = config["scrape_configs"].as_sequence().unwrap();
    let job = |name: &str| {
        jobs.iter()
            .find(|j| j["job_name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no job {name}"))
    };
    let exporter = job("redis-exporter");
    assert_eq!(
        exporter["static_configs"][0]["targets"][0].as_str(),
        Some("redis-exporter:9121")
    );
    let redis = job("redis");
    assert_eq!(redis["metrics_path"].as_str(), Some("/scrape"));
    let nodes: Vec<(String, String)> = redis["static_configs"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|sc| {
            (
                sc["labels"]["node"].as_str().unwrap().to_string(),
                sc["targets"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("redis-master", "redis://172.19.0.2:6379"),
        ("redis-replica-1", "redis://172.19.0.3:6379"),
        ("redis-replica-2", "redis://172.19.0.4:6379"),
        ("redis-sentinel-1", "redis://172.19.0.5:26379"),
        ("redis-sentinel-2", "redis://172.19.0.6:26379"),
        ("redis-sentinel-3", "redis://172.19.0.7:26379"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(nodes, expected);
    let relabel = redis["relabel_configs"].as_sequence().unwrap();
    assert_eq!(
        relabel.last().unwrap()["replacement"].as_str(),
        Some("redis-exporter:9121")
    );

    let Some(result) = support::promtool_check_config(&path) else {
        return;
    };
    result.expect("promtool rejected the rendered prometheus.yml");
}

#[test]
fn grafana_provisioning_is_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    render_bundle(dir.path(), &[]);
    let ds: serde_yaml::Value = serde_yaml::from_str(
        &fs::read_to_string(
            dir.path()
                .join("grafana/provisioning/datasources/datasources.yml"),
        )
        .unwrap(),
    )
    .unwrap();
    let source = &ds["datasources"][0];
    assert_eq!(source["type"].as_str(), Some("prometheus"));
    assert_eq!(source["uid"].as_str(), Some("prometheus"));
    assert_eq!(source["url"].as_str(), Some("http://prometheus:9090"));
    let providers: serde_yaml::Value = serde_yaml::from_str(
        &fs::read_to_string(
            dir.path()
                .join("grafana/provisioning/dashboards/dashboards.yml"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        providers["providers"][0]["options"]["path"].as_str(),
        Some("/var/lib/grafana-dashboards")
    );
    let dashboard: Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("grafana/dashboards/redis.json")).unwrap(),
    )
    .expect("dashboard is JSON");
    assert_eq!(dashboard["uid"], "redis-sentinel");
    for panel in dashboard["panels"].as_array().unwrap() {
        assert_eq!(panel["datasource"]["uid"], "prometheus", "{panel}");
        for target in panel["targets"].as_array().unwrap() {
            assert!(
                target["expr"].as_str().unwrap().contains("job=\"redis\""),
                "{target}"
            );
        }
    }
}
