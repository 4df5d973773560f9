//! Run-time defects of the built-in profiles (issue 9, parts 5 and 6): things that render, lint
//! and pass `docker compose config` but fail or mislead once the stack runs.
//!
//! - alpr: the MinIO image tag must be one that was published.
//! - locust: the Grafana dashboard may only chart metrics the exporter exports and Locust fills.
//! - paklog: Tempo sends exemplars, so Prometheus must store them.
//! - paklog, alpr: Kafka's advertised host listener follows the published host port.
//! - elk, alpr, locust: what the user must provide (build contexts, starter files) is part of the
//!   render context, with a notice and a README text, and a prebuilt image can replace a build.

use std::collections::BTreeSet;

use assert_cmd::Command;
use composegen::profile::load::{Layer, Loaded, load};
use composegen::render::context::{RequirementKind, Stack};
use composegen::render::{Mode, Rendered, render, requirements};
use serde_yaml::Value;

fn loaded(name: &str, sets: &[&str]) -> composegen::error::Result<Loaded> {
    let text = composegen::assets::profile(name).expect("built-in profile");
    let mut layers = vec![Layer::yaml(format!("builtin:{name}"), text.to_string())?];
    // `sets` reads like the command line: `--set` words are skipped.
    for s in sets.iter().filter(|s| **s != "--set") {
        layers.push(Layer::set(s)?);
    }
    load(layers, None)
}

fn rendered(name: &str, sets: &[&str]) -> Rendered {
    let loaded = loaded(name, sets).unwrap_or_else(|e| panic!("load {name} {sets:?}: {e:?}"));
    render(&loaded, Mode::Inline, &[]).unwrap_or_else(|e| panic!("render {name} {sets:?}: {e:?}"))
}

fn stack(name: &str, sets: &[&str]) -> Stack {
    rendered(name, sets).stack
}

/// The main compose file of a render, parsed.
fn compose(r: &Rendered) -> Value {
    serde_yaml::from_str(&r.compose[0].2).expect("rendered compose file parses")
}

/// `composegen render NAME ARGS…` on stdout (the CLI lints the result and fails on errors).
fn render_cli(name: &str, args: &[&str]) -> Value {
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .env_remove("NO_COLOR")
        .args(["render", name])
        .args(args)
        .output()
        .expect("run composegen");
    assert!(
        out.status.success(),
        "render {name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_yaml::from_slice(&out.stdout).expect("stdout is YAML")
}

fn service<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc.get("services")
        .and_then(|s| s.get(name))
        .unwrap_or_else(|| panic!("no service {name}"))
}

fn env_of(svc: &Value, key: &str) -> String {
    let env = svc.get("environment").expect("environment");
    let v = match env {
        Value::Mapping(m) => m.get(key).cloned(),
        Value::Sequence(items) => items.iter().find_map(|i| {
            i.as_str()
                .and_then(|s| s.strip_prefix(&format!("{key}=")))
                .map(|v| Value::String(v.to_string()))
        }),
        _ => None,
    };
    match v {
        Some(Value::String(s)) => s,
        Some(other) => serde_yaml::to_string(&other).unwrap().trim().to_string(),
        None => panic!("no {key} in {env:?}"),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_sequence)
        .map(|s| {
            s.iter()
                .map(|x| x.as_str().expect("string").to_string())
                .collect()
        })
        .unwrap_or_default()
}

// ------------------------------------------------------------------ alpr: MinIO tag

/// MinIO's release of 2024-10-13 is `RELEASE.2024-10-13T13-34-11Z` (hub.docker.com/r/minio/minio
/// tags, github.com/minio/minio/releases); `RELEASE.2024-10-13T17-02-12Z` was never published, so
/// `docker compose pull` failed on it.
#[test]
fn alpr_minio_runs_a_published_release() {
    let doc = compose(&rendered("alpr", &[]));
    let image = service(&doc, "minio").get("image").and_then(Value::as_str);
    assert_eq!(image, Some("minio/minio:RELEASE.2024-10-13T13-34-11Z"));
}

// ------------------------------------------------------------------ locust: dashboard metrics

/// What containersol/locust_exporter v0.5.x exports (metric name → its labels besides the `job`
/// and `instance` that Prometheus adds). Source: github.com/ContainerSolutions/locust_exporter,
/// `main.go` at v0.5.0, `NewExporter` (namespace `locust`, the default of `--locust.namespace`):
/// gauges `up`, `users`, `running`, `workers_count`, `workers_running_count`,
/// `workers_hatching_count`, `workers_missing_count`, `requests_fail_ratio`,
/// `requests_current_response_time_percentile_95` and `_50`; gauge vectors labelled
/// (method, name) `requests_{num_requests, num_failures, avg_response_time, current_fail_per_sec,
/// min_response_time, max_response_time, current_rps, median_response_time, avg_content_length}`;
/// `errors` (method, name, error); `worker_detail` (id, state); counter `total_scrapes`.
const EXPORTED: &[(&str, &[&str])] = &[
    ("locust_up", &[]),
    ("locust_users", &[]),
    ("locust_running", &[]),
    ("locust_workers_count", &[]),
    ("locust_workers_running_count", &[]),
    ("locust_workers_hatching_count", &[]),
    ("locust_workers_missing_count", &[]),
    ("locust_requests_fail_ratio", &[]),
    ("locust_requests_current_response_time_percentile_95", &[]),
    ("locust_requests_current_response_time_percentile_50", &[]),
    ("locust_requests_num_requests", &["method", "name"]),
    ("locust_requests_num_failures", &["method", "name"]),
    ("locust_requests_avg_response_time", &["method", "name"]),
    ("locust_requests_current_fail_per_sec", &["method", "name"]),
    ("locust_requests_min_response_time", &["method", "name"]),
    ("locust_requests_max_response_time", &["method", "name"]),
    ("locust_requests_current_rps", &["method", "name"]),
    ("locust_requests_median_response_time", &["method", "name"]),
    ("locust_requests_avg_content_length", &["method", "name"]),
    ("locust_errors", &["method", "name", "error"]),
    ("locust_worker_detail", &["id", "state"]),
    ("locust_total_scrapes", &[]),
];

/// Exported, but never (or wrongly) filled by Locust 2.32's `/stats/requests`
/// (locust/webui `request_stats`, locust/stats.py `StatsEntry.to_dict`):
/// - the two percentile gauges read top-level `current_response_time_percentile_95`/`_50`, which
///   Locust replaced by the object `current_response_time_percentiles`
///   (`{"response_time_percentile_0.5": …, "response_time_percentile_0.95": …}`): always 0;
/// - `running` and `workers_hatching_count` look for the state `hatching`, which Locust 2 calls
///   `spawning`.
///
/// Everything else above is filled: each `stats` row carries num_requests, num_failures,
/// avg/min/max/median_response_time, current_rps, current_fail_per_sec and avg_content_length
/// (the last row is named `Aggregated`), and the report carries user_count, fail_ratio, errors.
const NOT_FILLED_BY_LOCUST_2_32: &[&str] = &[
    "locust_requests_current_response_time_percentile_95",
    "locust_requests_current_response_time_percentile_50",
    "locust_running",
    "locust_workers_hatching_count",
];

/// Labels every series has once Prometheus scraped it.
const TARGET_LABELS: &[&str] = &["job", "instance"];

/// PromQL words that are neither metric names nor labels.
const PROMQL_WORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
];

/// Every `expr` in a Grafana dashboard.
fn exprs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("expr", serde_json::Value::String(s)) => out.push(s.clone()),
                    _ => exprs(x, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| exprs(x, out)),
        _ => {}
    }
}

/// (metric names, label names) used by a PromQL expression.
fn promql_names(expr: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let strings = regex::Regex::new(r#""(?:[^"\\]|\\.)*""#).unwrap();
    let expr = strings.replace_all(expr, "\"\"");
    let mut labels = BTreeSet::new();
    let matcher = regex::Regex::new(r"\{([^}]*)\}").unwrap();
    let label = regex::Regex::new(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)").unwrap();
    for c in matcher.captures_iter(&expr) {
        for l in label.captures_iter(&c[1]) {
            labels.insert(l[1].to_string());
        }
    }
    let grouping = regex::Regex::new(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)").unwrap();
    for c in grouping.captures_iter(&expr) {
        for l in c[1].split(',').map(str::trim).filter(|l| !l.is_empty()) {
            labels.insert(l.to_string());
        }
    }
    let rest = matcher.replace_all(&expr, " ");
    let rest = grouping.replace_all(&rest, " ");
    let ident = regex::Regex::new(r"[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?").unwrap();
    let mut metrics = BTreeSet::new();
    for m in ident.find_iter(&rest) {
        let text = m.as_str();
        // A function call (`sum(`, `max_over_time(`), a keyword, or a duration unit.
        if text.ends_with('(') || PROMQL_WORDS.contains(&text) {
            continue;
        }
        let before = rest[..m.start()].chars().last();
        if before.is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        metrics.insert(text.to_string());
    }
    (metrics, labels)
}

#[test]
fn promql_names_reads_metrics_and_labels() {
    let (m, l) = promql_names(
        r#"sum(rate(locust_a{name!="Aggr{x}", method=~"G.*"}[5m])) by (name) / on(job) locust_b"#,
    );
    assert_eq!(m, ["locust_a", "locust_b"].map(String::from).into());
    assert_eq!(l, ["job", "method", "name"].map(String::from).into());
}

#[test]
fn locust_dashboard_charts_only_what_the_exporter_exports_and_locust_fills() {
    let r = rendered("locust", &[]);
    let json = r
        .files
        .get("grafana/dashboards/locust.json")
        .expect("dashboard file");
    let dashboard: serde_json::Value = serde_json::from_str(json).expect("dashboard is JSON");
    let mut all = Vec::new();
    exprs(&dashboard, &mut all);
    assert!(!all.is_empty(), "the dashboard has no queries");
    let usable: Vec<&(&str, &[&str])> = EXPORTED
        .iter()
        .filter(|(m, _)| !NOT_FILLED_BY_LOCUST_2_32.contains(m))
        .collect();
    let mut used = BTreeSet::new();
    for expr in &all {
        let (metrics, labels) = promql_names(expr);
        assert!(!metrics.is_empty(), "{expr:?} queries no metric");
        for m in &metrics {
            let Some((_, own)) = usable.iter().find(|(name, _)| name == m) else {
                panic!(
                    "{expr:?} queries {m}, which locust_exporter v0.5 does not export or Locust \
                     2.32 does not fill"
                );
            };
            for l in &labels {
                assert!(
                    own.contains(&l.as_str()) || TARGET_LABELS.contains(&l.as_str()),
                    "{expr:?}: {m} has no label {l} (it has {own:?} and {TARGET_LABELS:?})"
                );
            }
            used.insert(m.clone());
        }
    }
    // The panel the p95 query left empty still charts response times.
    assert!(
        used.iter().any(|m| m.ends_with("_response_time")),
        "no response-time panel left: {used:?}"
    );
}

// ------------------------------------------------------------------ paklog: exemplars

/// Tempo's metrics generator remote-writes span metrics with `send_exemplars: true`; Prometheus
/// v2.55 drops them unless exemplar storage is on (`--enable-feature=exemplar-storage`, the
/// feature's name in Prometheus 2.26 to 3.x).
#[test]
fn paklog_prometheus_stores_the_exemplars_tempo_sends() {
    let r = rendered("paklog", &[]);
    let tempo = r.files.get("tempo/tempo-config.yml").expect("tempo config");
    assert!(
        tempo.contains("send_exemplars: true"),
        "tempo sends exemplars"
    );
    let doc = compose(&r);
    let command = strings(service(&doc, "prometheus").get("command"));
    assert!(
        command
            .iter()
            .any(|a| a == "--enable-feature=exemplar-storage"),
        "prometheus command: {command:?}"
    );
    // The remote-write receiver Tempo writes to stays on.
    assert!(
        command
            .iter()
            .any(|a| a == "--web.enable-remote-write-receiver")
    );
}

// ------------------------------------------------------------------ Kafka host listener

fn kafka_listener_follows_host_port(profile: &str) {
    let doc = render_cli(profile, &[]);
    let kafka = service(&doc, "kafka");
    assert!(
        env_of(kafka, "KAFKA_ADVERTISED_LISTENERS").contains("PLAINTEXT_HOST://localhost:9092"),
        "{profile}: default listener"
    );
    let doc = render_cli(profile, &["--set", "services.kafka.ports[0].host=19092"]);
    let kafka = service(&doc, "kafka");
    let ports = serde_yaml::to_string(kafka.get("ports").expect("ports")).unwrap();
    assert!(ports.contains("127.0.0.1:19092:9092"), "{profile}: {ports}");
    let advertised = env_of(kafka, "KAFKA_ADVERTISED_LISTENERS");
    assert_eq!(
        advertised, "PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:19092",
        "{profile}: the host listener must advertise the published port"
    );
    // Inside the container the broker still listens on 9092.
    assert!(env_of(kafka, "KAFKA_LISTENERS").contains("PLAINTEXT_HOST://0.0.0.0:9092"));
}

#[test]
fn paklog_kafka_advertises_the_published_host_port() {
    kafka_listener_follows_host_port("paklog");
}

#[test]
fn alpr_kafka_advertises_the_published_host_port() {
    kafka_listener_follows_host_port("alpr");
}

#[test]
fn a_port_reference_must_name_a_published_port() {
    let profile = r#"
name: t
description: t
services:
  app:
    image: {name: nginx, tag: "1.27"}
    environment:
      URL: {port: 8080, format: "http://localhost:{}"}
    ports: [{container: 80}]
    resources: {memory: 64m, cpus: 0.1}
"#;
    let loaded = load(
        vec![Layer::yaml("t.yaml", profile.to_string()).unwrap()],
        None,
    )
    .expect("profile loads");
    let err = render(&loaded, Mode::Inline, &[]).expect_err("port 8080 is not published");
    let text = format!("{err:?}");
    assert!(text.contains("8080"), "{text}");
    let ok = profile.replace("port: 8080", "port: 80");
    let loaded = load(vec![Layer::yaml("t.yaml", ok).unwrap()], None).expect("profile loads");
    let r = render(&loaded, Mode::Inline, &[]).expect("renders");
    let doc = compose(&r);
    assert_eq!(env_of(service(&doc, "app"), "URL"), "http://localhost:80");
}

// ------------------------------------------------------------------ requirements

#[test]
fn elk_requires_its_build_contexts_until_images_are_given() {
    let s = stack("elk", &[]);
    let builds: Vec<(&str, Vec<&str>)> = s
        .requirements
        .iter()
        .filter(|r| r.kind == RequirementKind::Build)
        .map(|r| {
            (
                r.path.as_str(),
                r.services.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        builds,
        [
            ("./backend", vec!["backend", "celery-worker"]),
            ("./frontend", vec!["frontend"]),
        ]
    );
    let notice = requirements::notice(&s).expect("elk needs source");
    assert!(notice.contains("./backend"), "{notice}");
    assert!(notice.contains("celery-worker"), "{notice}");
    assert!(notice.contains("./frontend"), "{notice}");
    assert!(notice.contains("backend_image="), "{notice}");
    let readme = requirements::readme(&s).expect("elk has a README");
    assert!(readme.starts_with("# "), "{readme}");
    assert!(readme.contains("`./backend`"), "{readme}");

    // A prebuilt backend image: backend and celery-worker run it, nothing builds ./backend.
    let r = rendered(
        "elk",
        &["--set", "backend_image=registry.example.com/backend:1.4.0"],
    );
    let doc = compose(&r);
    for name in ["backend", "celery-worker"] {
        let svc = service(&doc, name);
        assert_eq!(
            svc.get("image").and_then(Value::as_str),
            Some("registry.example.com/backend:1.4.0"),
            "{name}"
        );
        assert!(svc.get("build").is_none(), "{name} still builds");
    }
    assert!(service(&doc, "frontend").get("build").is_some());
    let notice = requirements::notice(&r.stack).expect("frontend still builds");
    assert!(!notice.contains("./backend"), "{notice}");
    assert!(!notice.contains("celery-worker"), "{notice}");
    assert!(notice.contains("./frontend"), "{notice}");

    // Both images: nothing left to provide.
    let s = stack(
        "elk",
        &[
            "--set",
            "backend_image=registry.example.com/backend:1.4.0",
            "--set",
            "frontend_image=registry.example.com/frontend@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ],
    );
    assert!(s.requirements.is_empty(), "{:?}", s.requirements);
    assert_eq!(requirements::notice(&s), None);
    assert_eq!(requirements::readme(&s), None);
}

#[test]
fn the_prebuilt_image_is_checked_as_an_image_reference() {
    for bad in [
        "not an image",
        "registry.example.com/Backend:1.4",
        "backend:",
        "backend:latest",
        "-backend:1",
        "backend:1.4\nfoo: bar",
    ] {
        let set = format!("backend_image={bad}");
        let result =
            loaded("elk", &["--set", &set]).and_then(|l| render(&l, Mode::Inline, &[]).map(|_| ()));
        assert!(result.is_err(), "{bad:?} accepted");
    }
    for good in [
        "backend:1.4.0",
        "registry.example.com:5000/team/backend:1.4.2-rc1",
        "ghcr.io/acme/backend@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        let set = format!("backend_image={good}");
        rendered("elk", &["--set", &set]);
    }
}

#[test]
fn the_cli_render_with_prebuilt_images_lints_clean() {
    let doc = render_cli(
        "elk",
        &[
            "--set",
            "backend_image=registry.example.com/backend:1.4.0",
            "--set",
            "frontend_image=registry.example.com/frontend:1.4.0",
        ],
    );
    assert!(service(&doc, "frontend").get("build").is_none());
    let doc = render_cli(
        "alpr",
        &[
            "--set",
            "kafka_consumer_image=registry.example.com/alpr/storage:2.0",
        ],
    );
    let svc = service(&doc, "kafka-consumer");
    assert!(svc.get("build").is_none());
    assert_eq!(
        svc.get("image").and_then(Value::as_str),
        Some("registry.example.com/alpr/storage:2.0")
    );
}

#[test]
fn alpr_requires_the_core_services_sources() {
    let s = stack("alpr", &[]);
    let builds: Vec<(&str, Vec<&str>, Option<&str>)> = s
        .requirements
        .iter()
        .filter(|r| r.kind == RequirementKind::Build)
        .map(|r| {
            (
                r.path.as_str(),
                r.services.iter().map(String::as_str).collect(),
                r.group.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        builds,
        [
            ("core-services/storage", vec!["kafka-consumer"], None),
            ("core-services/api", vec!["query-api"], Some("core")),
            ("core-services/alerting", vec!["alert-engine"], Some("core")),
            (
                "core-services/search",
                vec!["elasticsearch-consumer"],
                Some("core")
            ),
            ("core-services/dlq", vec!["dlq-consumer"], Some("core")),
            (
                "core-services/metrics",
                vec!["metrics-consumer"],
                Some("core")
            ),
        ]
    );
    let notice = requirements::notice(&s).expect("alpr needs source");
    for (path, services, _) in &builds {
        assert!(notice.contains(path), "{notice}");
        assert!(notice.contains(services[0]), "{notice}");
    }
    assert!(notice.contains("kafka_consumer_image="), "{notice}");

    let s = stack(
        "alpr",
        &["--set", "query_api_image=registry.example.com/alpr/api:2.0"],
    );
    let notice = requirements::notice(&s).expect("the others still build");
    assert!(!notice.contains("core-services/api"), "{notice}");
    assert!(!notice.contains("query-api"), "{notice}");
}

#[test]
fn locust_marks_its_locustfile_as_a_starter() {
    let s = stack("locust", &[]);
    let starters: Vec<(&str, Vec<&str>)> = s
        .requirements
        .iter()
        .filter(|r| r.kind == RequirementKind::Starter)
        .map(|r| {
            (
                r.path.as_str(),
                r.services.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(starters, [("locust/locustfile.py", vec!["locust"])]);
    assert!(
        s.requirements
            .iter()
            .all(|r| r.kind == RequirementKind::Starter)
    );
    let notice = requirements::notice(&s).expect("the locustfile is a starter");
    assert!(notice.contains("locust/locustfile.py"), "{notice}");
    assert!(notice.contains("/mnt/locust/locustfile.py"), "{notice}");
    let readme = requirements::readme(&s).expect("README");
    assert!(readme.contains("locust/locustfile.py"), "{readme}");
}

#[test]
fn stacks_that_need_nothing_have_no_notice() {
    for name in ["paklog", "redis-sentinel"] {
        let s = stack(name, &[]);
        assert!(s.requirements.is_empty(), "{name}: {:?}", s.requirements);
        assert_eq!(requirements::notice(&s), None, "{name}");
        assert_eq!(requirements::readme(&s), None, "{name}");
    }
}
