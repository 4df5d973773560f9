//! Scaling out (issue 14, cluster knobs): `elasticsearch_nodes` (elk), `kafka_brokers` (paklog,
//! alpr), `pinot_servers` (paklog), `backend_replicas` (elk) and `consumer_replicas` (alpr).
//! These tests assert the topology a knob renders, not counts: node names, roles, broker ids,
//! listeners, replication settings, seed hosts, bootstrap lists, the config files that follow,
//! and that the real Docker Compose accepts each scaled render (`config -q`; the `up --dry-run`
//! layer runs the same knob sets in `tests/up_dryrun.rs`). Bad counts (2: no quorum; 0) are
//! refused at the `--set` argument.

mod support;

use std::path::Path;

use assert_cmd::Command;
use serde_yaml::Value;

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// `render PROFILE --set … -o DIR` (which lints the render and fails on error-level findings),
/// checked by the real `docker compose config -q`; returns the bundle and its compose file.
fn render(profile: &str, sets: &[&str]) -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = composegen();
    cmd.args(["render", profile, "-o"]).arg(dir.path());
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "render {profile} {sets:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = dir.path().join("docker-compose.yml");
    if let Some(result) = support::compose_config(&file, &[]) {
        result.unwrap_or_else(|e| panic!("compose refuses render {profile} {sets:?}:\n{e}"));
    }
    let doc = serde_yaml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    (dir, doc)
}

/// The same render on stdout (the README's main job): its post-render lint must pass too.
fn render_stdout_ok(profile: &str, sets: &[&str]) {
    let mut cmd = composegen();
    cmd.args(["render", profile]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "render {profile} {sets:?} (stdout): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn services(doc: &Value) -> Vec<String> {
    doc["services"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

fn svc<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = &doc["services"][name];
    assert!(!s.is_null(), "no service {name}: {:?}", services(doc));
    s
}

fn env(doc: &Value, service: &str, key: &str) -> Option<String> {
    svc(doc, service)["environment"][key]
        .as_str()
        .map(str::to_string)
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

fn depends_on(doc: &Value, service: &str) -> Vec<String> {
    svc(doc, service)["depends_on"]
        .as_mapping()
        .map(|m| m.keys().map(|k| k.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn aliases(doc: &Value, service: &str, network: &str) -> Vec<String> {
    strings(&svc(doc, service)["networks"][network]["aliases"])
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap()
}

/// Exit 2, nothing on stdout, and an error that points at the `--set` argument.
fn refused(profile: &str, set: &str, why: &str) {
    let out = composegen()
        .args(["render", profile, "--set", set])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{profile} --set {set}: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "{profile} --set {set} printed output"
    );
    assert!(stderr.contains("--set"), "{profile} --set {set}: {stderr}");
    assert!(stderr.contains(set), "{profile} --set {set}: {stderr}");
    assert!(stderr.contains(why), "{profile} --set {set}: {stderr}");
}

// ------------------------------------------------------------------------------------ elk

#[test]
fn elk_single_node_stays_single() {
    let (dir, doc) = render("elk", &[]);
    let names = services(&doc);
    assert!(names.contains(&"elasticsearch".to_string()));
    assert!(!names.iter().any(|n| n.starts_with("elasticsearch-certs")));
    assert!(!names.iter().any(|n| n.starts_with("elasticsearch-1")));
    assert_eq!(
        env(&doc, "elasticsearch", "discovery.type").as_deref(),
        Some("single-node")
    );
    assert_eq!(
        env(&doc, "elasticsearch", "node.name").as_deref(),
        Some("elasticsearch")
    );
    assert_eq!(env(&doc, "elasticsearch", "discovery.seed_hosts"), None);
    assert!(svc(&doc, "elasticsearch")["command"].is_null());
    assert_eq!(
        strings(&svc(&doc, "elasticsearch")["volumes"]),
        ["elasticsearch-data:/usr/share/elasticsearch/data"]
    );
    assert!(read(dir.path(), "kibana/kibana.yml").contains("- http://elasticsearch:9200\n"));
    assert!(
        read(dir.path(), "elasticsearch/setup.sh").contains("ES_URL=\"http://elasticsearch:9200\"")
    );
}

#[test]
fn elk_cluster_of_three() {
    let sets = ["elasticsearch_nodes=3"];
    let (dir, doc) = render("elk", &sets);
    render_stdout_ok("elk", &sets);
    let names = services(&doc);
    assert!(!names.contains(&"elasticsearch".to_string()), "{names:?}");
    let nodes = ["elasticsearch-1", "elasticsearch-2", "elasticsearch-3"];
    let seeds = "elasticsearch-1:9300,elasticsearch-2:9300,elasticsearch-3:9300";
    let masters = "elasticsearch-1,elasticsearch-2,elasticsearch-3";
    // 3 master-eligible nodes, 2 data nodes, 1 coordinating node (the third, which holds no data).
    let roles = ["master,data,ingest", "master,data,ingest", "master"];
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(env(&doc, node, "node.name").as_deref(), Some(*node));
        assert_eq!(env(&doc, node, "cluster.name").as_deref(), Some("elk"));
        assert_eq!(env(&doc, node, "discovery.type"), None, "{node}");
        assert_eq!(
            env(&doc, node, "discovery.seed_hosts").as_deref(),
            Some(seeds)
        );
        assert_eq!(
            env(&doc, node, "cluster.initial_master_nodes").as_deref(),
            Some(masters)
        );
        assert_eq!(
            env(&doc, node, "xpack.security.transport.ssl.enabled").as_deref(),
            Some("true")
        );
        assert_eq!(
            strings(&svc(&doc, node)["command"]),
            [
                "eswrapper".to_string(),
                format!("-Enode.roles={}", roles[i])
            ]
        );
        assert_eq!(
            strings(&svc(&doc, node)["volumes"]),
            [
                format!("elasticsearch-data-{}:/usr/share/elasticsearch/data", i + 1),
                "elasticsearch-certs:/usr/share/elasticsearch/config/certs:ro".to_string()
            ]
        );
        assert_eq!(
            strings(&svc(&doc, node)["ports"]),
            [
                format!("127.0.0.1:{}:9200", 9200 + i),
                format!("127.0.0.1:{}:9300", 9300 + i)
            ]
        );
        assert_eq!(depends_on(&doc, node), ["elasticsearch-certs"]);
    }
    // Heap from each node's own limit: data nodes 2g, the coordinating node 1g.
    assert_eq!(
        env(&doc, "elasticsearch-1", "ES_JAVA_OPTS").as_deref(),
        Some("-Xms1024m -Xmx1024m")
    );
    assert_eq!(
        svc(&doc, "elasticsearch-3")["deploy"]["resources"]["limits"]["memory"].as_str(),
        Some("1g")
    );
    assert_eq!(
        env(&doc, "elasticsearch-3", "ES_JAVA_OPTS").as_deref(),
        Some("-Xms512m -Xmx512m")
    );
    // The coordinating node answers to `elasticsearch` (backend, celery); the others do not.
    assert_eq!(
        aliases(&doc, "elasticsearch-3", "elk-network"),
        ["elasticsearch"]
    );
    assert!(aliases(&doc, "elasticsearch-1", "elk-network").is_empty());
    // The keystore one-shot, and everyone who waited for `elasticsearch` waits for every node.
    assert_eq!(
        strings(&svc(&doc, "elasticsearch-certs")["volumes"]),
        ["elasticsearch-certs:/certs"]
    );
    assert_eq!(depends_on(&doc, "elasticsearch-setup"), nodes);
    for s in ["backend", "celery-worker"] {
        let deps = depends_on(&doc, s);
        for n in nodes {
            assert!(deps.contains(&n.to_string()), "{s}: {deps:?}");
        }
    }
    // Kibana, Logstash and the setup reach the coordinating node.
    let kibana = read(dir.path(), "kibana/kibana.yml");
    let kibana: Value = serde_yaml::from_str(&kibana).unwrap();
    assert_eq!(
        strings(&kibana["elasticsearch.hosts"]),
        ["http://elasticsearch-3:9200"]
    );
    assert!(
        read(dir.path(), "logstash/pipeline/logstash.conf")
            .contains("hosts => [\"http://elasticsearch-3:9200\"]")
    );
    assert!(
        read(dir.path(), "elasticsearch/setup.sh")
            .contains("ES_URL=\"http://elasticsearch-3:9200\"")
    );
}

#[test]
fn elk_cluster_of_five_has_a_coordinating_only_node() {
    let (dir, doc) = render(
        "elk",
        &["elasticsearch_nodes=5", "backend_replicas=3", "workers=4"],
    );
    let roles: Vec<String> = (1..=5)
        .map(|i| strings(&svc(&doc, &format!("elasticsearch-{i}"))["command"])[1].clone())
        .collect();
    assert_eq!(
        roles,
        [
            "-Enode.roles=master,data,ingest",
            "-Enode.roles=master,data,ingest",
            "-Enode.roles=master,data,ingest",
            "-Enode.roles=data,ingest",
            "-Enode.roles=[]",
        ]
    );
    // Only the three master-eligible nodes seed discovery and bootstrap the cluster.
    assert_eq!(
        env(&doc, "elasticsearch-5", "cluster.initial_master_nodes").as_deref(),
        Some("elasticsearch-1,elasticsearch-2,elasticsearch-3")
    );
    let kibana: Value = serde_yaml::from_str(&read(dir.path(), "kibana/kibana.yml")).unwrap();
    assert_eq!(
        strings(&kibana["elasticsearch.hosts"]),
        ["http://elasticsearch-5:9200"]
    );
    // Replicas: no container name, no fixed host port (Docker picks one on 127.0.0.1).
    let backend = svc(&doc, "backend");
    assert_eq!(backend["deploy"]["replicas"].as_u64(), Some(3));
    assert!(backend["container_name"].is_null());
    assert_eq!(strings(&backend["ports"]), ["127.0.0.1::8000"]);
    assert_eq!(
        svc(&doc, "celery-worker")["deploy"]["replicas"].as_u64(),
        Some(4)
    );
}

// ------------------------------------------------------------------------------------ kafka

/// The brokers `kafka-1 … kafka-3` of a profile: ids, listeners, distinct host ports, their
/// own logs, and replication sized to three brokers.
fn assert_three_brokers(doc: &Value, volume: &str, network: &str, host_ports: [u16; 3]) {
    for i in 1..=3u16 {
        let b = format!("kafka-{i}");
        let host = host_ports[usize::from(i) - 1];
        assert_eq!(
            env(doc, &b, "KAFKA_BROKER_ID").as_deref(),
            Some(i.to_string().as_str())
        );
        assert_eq!(
            env(doc, &b, "KAFKA_ADVERTISED_LISTENERS"),
            Some(format!(
                "PLAINTEXT://kafka-{i}:29092,PLAINTEXT_HOST://localhost:{host}"
            ))
        );
        assert_eq!(
            strings(&svc(doc, &b)["ports"])[0],
            format!("127.0.0.1:{host}:9092")
        );
        assert_eq!(
            strings(&svc(doc, &b)["volumes"]),
            [format!("{volume}-{i}:/var/lib/kafka/data")]
        );
        for (key, want) in [
            ("KAFKA_DEFAULT_REPLICATION_FACTOR", "3"),
            ("KAFKA_MIN_INSYNC_REPLICAS", "2"),
            ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3"),
            ("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3"),
            ("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2"),
        ] {
            assert_eq!(env(doc, &b, key).as_deref(), Some(want), "{b} {key}");
        }
        // Clients configured with kafka:29092 still bootstrap: every broker answers to it.
        assert_eq!(aliases(doc, &b, network), ["kafka"]);
        assert_eq!(depends_on(doc, &b), ["zookeeper"]);
    }
    assert!(!services(doc).contains(&"kafka".to_string()));
}

#[test]
fn paklog_single_broker_stays_single() {
    let (_dir, doc) = render("paklog", &[]);
    assert_eq!(env(&doc, "kafka", "KAFKA_BROKER_ID").as_deref(), Some("1"));
    assert_eq!(
        env(&doc, "kafka", "KAFKA_ADVERTISED_LISTENERS").as_deref(),
        Some("PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092")
    );
    assert_eq!(
        env(&doc, "kafka", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR").as_deref(),
        Some("1")
    );
    assert_eq!(
        env(&doc, "kafka", "KAFKA_MIN_INSYNC_REPLICAS").as_deref(),
        Some("1")
    );
    assert_eq!(
        strings(&svc(&doc, "kafka")["volumes"]),
        ["kafka_data:/var/lib/kafka/data"]
    );
    assert!(services(&doc).contains(&"pinot-server".to_string()));
}

#[test]
fn paklog_three_brokers_two_pinot_servers() {
    let sets = ["kafka_brokers=3", "pinot_servers=2"];
    let (_dir, doc) = render("paklog", &sets);
    render_stdout_ok("paklog", &sets);
    // 9092, 9102, 9112: paklog's Tempo holds 9095.
    assert_three_brokers(&doc, "kafka_data", "paklog-network", [9092, 9102, 9112]);
    for (i, port) in [(1, 8098), (2, 8108)] {
        let s = format!("pinot-server-{i}");
        let cmd = strings(&svc(&doc, &s)["command"]);
        let host = cmd.iter().position(|a| a == "-serverHost").unwrap();
        assert_eq!(cmd[host + 1], s);
        assert_eq!(
            strings(&svc(&doc, &s)["ports"]),
            [format!("127.0.0.1:{port}:8098")]
        );
        assert_eq!(
            strings(&svc(&doc, &s)["volumes"]),
            [format!("pinot_server_data-{i}:/opt/pinot/data")]
        );
        assert_eq!(depends_on(&doc, &s), ["pinot-controller"]);
    }
    assert!(!services(&doc).contains(&"pinot-server".to_string()));
}

#[test]
fn alpr_three_brokers_three_consumers() {
    let sets = ["kafka_brokers=3", "consumer_replicas=3"];
    let (dir, doc) = render("alpr", &sets);
    render_stdout_ok("alpr", &sets);
    assert_three_brokers(&doc, "kafka-data", "alpr-network", [9092, 9093, 9094]);
    // JMX: distinct host ports too.
    for i in 1..=3u16 {
        assert_eq!(
            strings(&svc(&doc, &format!("kafka-{i}"))["ports"])[1],
            format!("127.0.0.1:{}:9101", 9100 + i)
        );
    }
    let brokers = "kafka-1:29092,kafka-2:29092,kafka-3:29092";
    for s in [
        "kafka-consumer",
        "alert-engine",
        "elasticsearch-consumer",
        "dlq-consumer",
        "metrics-consumer",
    ] {
        assert_eq!(
            env(&doc, s, "KAFKA_BOOTSTRAP_SERVERS").as_deref(),
            Some(brokers),
            "{s}"
        );
        let deps = depends_on(&doc, s);
        for b in ["kafka-1", "kafka-2", "kafka-3"] {
            assert!(deps.contains(&b.to_string()), "{s}: {deps:?}");
        }
    }
    assert_eq!(
        env(&doc, "kafka-ui", "KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS").as_deref(),
        Some(brokers)
    );
    assert_eq!(
        env(
            &doc,
            "schema-registry",
            "SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"
        )
        .as_deref(),
        Some("PLAINTEXT://kafka-1:29092,PLAINTEXT://kafka-2:29092,PLAINTEXT://kafka-3:29092")
    );
    // kafka-exporter scrapes every broker; Prometheus scrapes kafka-exporter.
    assert_eq!(
        strings(&svc(&doc, "kafka-exporter")["command"]),
        [
            "--kafka.server=kafka-1:29092",
            "--kafka.server=kafka-2:29092",
            "--kafka.server=kafka-3:29092"
        ]
    );
    let prom: Value = serde_yaml::from_str(&read(dir.path(), "prometheus/prometheus.yml")).unwrap();
    let exporter = prom["scrape_configs"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|j| j["job_name"].as_str() == Some("kafka-exporter"))
        .expect("kafka-exporter job");
    assert_eq!(
        strings(&exporter["static_configs"][0]["targets"]),
        ["kafka-exporter:9308"]
    );
    // The scaled consumer: three replicas, no container name, no host port.
    let consumer = svc(&doc, "kafka-consumer");
    assert_eq!(consumer["deploy"]["replicas"].as_u64(), Some(3));
    assert!(consumer["container_name"].is_null());
    assert!(consumer["ports"].is_null());
}

// ------------------------------------------------------------------------------------ refused

#[test]
fn two_members_have_no_quorum() {
    refused("elk", "elasticsearch_nodes=2", "no quorum");
    refused("paklog", "kafka_brokers=2", "no quorum");
    refused("alpr", "kafka_brokers=2", "no quorum");
}

#[test]
fn zero_is_refused() {
    refused("elk", "elasticsearch_nodes=0", "at least 1");
    refused("paklog", "kafka_brokers=0", "at least 1");
    refused("paklog", "pinot_servers=0", "at least 1");
    refused("alpr", "kafka_brokers=0", "at least 1");
    refused("elk", "backend_replicas=0", "at least 1");
}
