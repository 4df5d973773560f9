use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::fix::{self, Fix, Value};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{HostScope, PortSpec, repository};
use crate::yaml::{Kind, Node};

declare_rule! {
    /// ## What it does
    /// Reports a database, cache, search engine, message broker, admin interface or
    /// unauthenticated API port published on every host interface (no host address, `0.0.0.0`
    /// or `::`).
    ///
    /// The service is recognised by its image **and** the container port: 5432 (PostgreSQL),
    /// 3306/33060 (MySQL, MariaDB), 1433 (SQL Server), 1521 (Oracle), 27017-27019 (MongoDB),
    /// 6379 (Redis), 11211 (memcached), 9200/9300 (Elasticsearch, OpenSearch), 5984
    /// (CouchDB), 9042 (Cassandra), 8086 (InfluxDB), 2375/2376 (Docker API), 2379/2380 (etcd),
    /// 8500 (Consul), 8200 (Vault), 15672 (RabbitMQ management), 9092 (Kafka), 9644
    /// (Redpanda Admin API), 2181 (ZooKeeper), 7687 (Neo4j), each when the image is named like that service (`postgres`,
    /// `postgis/postgis`, `bitnami/postgresql` for 5432; `hashicorp/vault`, not
    /// `vaultwarden/server`, for 8200); and the `sensitive_ports` of the image in the image
    /// table (`composegen explain CG206`): among them the operations ports that answer without
    /// authentication, such as the Pinot controller, Loki, Tempo's query API, Alertmanager,
    /// cAdvisor, the Prometheus exporters, MLflow and Locust's web UI. These are warnings.
    ///
    /// A JVM's remote JMX port is found from the service's own settings: the port set by
    /// `KAFKA_JMX_PORT` or `JMX_PORT`, or by `-Dcom.sun.management.jmxremote.port=` in
    /// `KAFKA_JMX_OPTS`/`JAVA_OPTS`, unless the same options turn on
    /// `com.sun.management.jmxremote.authenticate=true`. Remote JMX without authentication
    /// lets anyone who reaches it run code in the JVM.
    ///
    /// A port number alone proves nothing: a backup tool's web interface on 8200 is not Vault.
    /// So when only the port matches:
    /// - the image is in the image table with its ports, and does not list this one as
    ///   sensitive: nothing is reported (the image is known to be something else);
    /// - the image is not known (not in the table and not named like the service, a variable
    ///   without a value, or only `build:`): an **info** that names the service the port is
    ///   usually for, never a warning.
    ///
    /// Option `ports`: a list of further container ports to treat as sensitive on any image
    /// (warnings).
    ///
    /// Fixable (warnings only: where the image is known to be that service): the fix binds the
    /// port to loopback, `"5432:5432"` → `"127.0.0.1:5432:5432"` (`0.0.0.0:` becomes
    /// `127.0.0.1:`), or adds `host_ip: 127.0.0.1` to a long-syntax entry; an IPv6 `::` is left
    /// for you. Every other byte stays as it was.
    ///
    /// ## Why is this bad?
    /// Docker publishes ports through its own firewall rules, ahead of the host firewall (ufw,
    /// firewalld): a port published on all interfaces is reachable from every network the host
    /// is on. Databases with default or weak credentials are found and taken over within hours.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     ports: ["5432:5432"]
    /// ```
    ///
    /// ## Use instead
    /// Bind to the loopback interface (or do not publish the port at all; other services reach
    /// it over the compose network):
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     ports: ["127.0.0.1:5432:5432"]
    /// ```
    pub struct SensitivePortOnAllInterfaces {
        code: "CG103",
        name: "sensitive-port-on-all-interfaces",
        category: Ports,
        severity: Warning,
        summary: "a database or admin port is published on every host interface",
    }
}

/// Container ports that must not be open to every network, the service that uses each, and
/// the words of image names that are that service (a word matches a part of the repository
/// split at `/`, `-`, `_` and `.`, or its start: `postgres` matches `postgresql`).
pub const SENSITIVE: &[(u32, &str, &[&str])] = &[
    (5432, "PostgreSQL", POSTGRES),
    (3306, "MySQL/MariaDB", MYSQL),
    (33060, "MySQL X protocol", MYSQL),
    (
        1433,
        "SQL Server",
        &["mssql", "sqlserver", "azure-sql-edge"],
    ),
    (
        1521,
        "Oracle",
        &[
            "oracle",
            "database/free",
            "database/enterprise",
            "database/express",
        ],
    ),
    (27017, "MongoDB", MONGO),
    (27018, "MongoDB", MONGO),
    (27019, "MongoDB", MONGO),
    (
        6379,
        "Redis",
        &[
            "redis",
            "redislabs/",
            "valkey",
            "keydb",
            "dragonfly",
            "garnet",
        ],
    ),
    (11211, "memcached", &["memcached"]),
    (9200, "Elasticsearch/OpenSearch", SEARCH),
    (9300, "Elasticsearch transport", SEARCH),
    (5984, "CouchDB", &["couchdb"]),
    (9042, "Cassandra", &["cassandra", "scylla"]),
    (8086, "InfluxDB", &["influxdb"]),
    (2375, "Docker API (no TLS)", DOCKER),
    (2376, "Docker API", DOCKER),
    (2379, "etcd", &["etcd"]),
    (2380, "etcd peer", &["etcd"]),
    (8500, "Consul", &["consul"]),
    (8200, "Vault", &["vault", "openbao"]),
    (15672, "RabbitMQ management", &["rabbitmq"]),
    (9092, "Kafka", &["kafka", "redpanda", "cp-server"]),
    (9644, "Redpanda Admin API", &["redpanda"]),
    (2181, "ZooKeeper", &["zookeeper"]),
    (7687, "Neo4j Bolt", &["neo4j", "memgraph"]),
];

const POSTGRES: &[&str] = &[
    "postgres",
    "postgis",
    "timescaledb",
    "pgvector",
    "paradedb",
    "citus",
];
const MYSQL: &[&str] = &["mysql", "mariadb", "percona"];
const MONGO: &[&str] = &["mongo", "percona-server-mongodb"];
const SEARCH: &[&str] = &["elasticsearch", "opensearch"];
const DOCKER: &[&str] = &["docker", "dind", "docker-socket-proxy", "dockerproxy"];

/// Whether an image repository is named like one of `words` (see [`SENSITIVE`]). `vault`
/// matches `hashicorp/vault` and `bitnami/vault`, not `vaultwarden/server`.
pub fn image_is(repository: &str, words: &[&str]) -> bool {
    let repo = repository.to_ascii_lowercase();
    words.iter().any(|w| {
        if w.contains('/') || w.contains('-') {
            return repo.contains(w);
        }
        repo.split(['/', '-', '_', '.']).any(|part| {
            part == *w
                || part
                    .strip_prefix(w)
                    .is_some_and(|rest| matches!(rest, "ql" | "db" | "sql" | "search"))
        })
    })
}

/// The fix: bind the entry to loopback, in its address family: `127.0.0.1` for no address or
/// `0.0.0.0`, `::1` for `::` (`[::1]` in the short syntax).
fn loopback(cx: &Context<'_>, node: &Node, p: &PortSpec) -> Option<Fix> {
    match &node.kind {
        Kind::Map(_) => match node.get("host_ip") {
            Some(ip) => fix::edit_scalar(cx, ip, |v| match v {
                "0.0.0.0" => Some((0..v.len(), "127.0.0.1".into())),
                "::" | "[::]" => Some((0..v.len(), "::1".into())),
                _ => None,
            }),
            None => fix::insert_key(cx, node, "host_ip", Value::Scalar("127.0.0.1")),
        },
        _ => fix::edit_scalar(cx, node, |v| match p.host_ip.as_deref() {
            None if v.starts_with(|c: char| c.is_ascii_digit()) => {
                Some((0..0, "127.0.0.1:".into()))
            }
            Some("0.0.0.0") if v.starts_with("0.0.0.0:") => Some((0..7, "127.0.0.1".into())),
            Some("::" | "[::]") if v.starts_with("[::]:") => Some((0..4, "[::1]".into())),
            _ => None,
        }),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    /// The image is that service (by name or by the image table), or the user listed the port.
    Image,
    /// Only the port number says so, and the image is not one the rule knows.
    PortOnly,
}

impl Rule for SensitivePortOnAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let extra: Vec<u32> = cx
            .option(Self::META.code, "ports")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_u64())
                    .filter_map(|x| u32::try_from(x).ok())
                    .collect()
            })
            .unwrap_or_default();
        for s in cx.compose().services() {
            // The image, when its name is known (not a variable without a value).
            let repo = s
                .image()
                .filter(|(img, _)| img.known() && !img.value.trim().is_empty())
                .map(|(img, _)| repository(&img.value));
            let entry = repo.as_deref().and_then(|r| cx.images.lookup(r));
            let image_ports: Vec<u32> = entry
                .map(|e| e.sensitive_ports.iter().map(|p| u32::from(*p)).collect())
                .unwrap_or_default();
            // The image table describes the image: a port it does not list as sensitive is
            // not the service that port number is usually for.
            let described =
                entry.is_some_and(|e| !e.ports.is_empty() || !e.sensitive_ports.is_empty());
            let jmx = jmx_port(&s.environment());
            for p in s.ports() {
                if p.published.is_none() || p.host_scope() != Some(HostScope::Everywhere) {
                    continue;
                }
                let (lo, hi) = p.target;
                let found = (lo..=hi).find_map(|port| {
                    if jmx == Some(port) {
                        return Some((
                            Match::Image,
                            format!("the unauthenticated JMX port {port}"),
                        ));
                    }
                    let known = SENSITIVE.iter().find(|(sp, _, _)| *sp == port);
                    if image_ports.contains(&port) || extra.contains(&port) {
                        let what = known.map_or(format!("port {port}"), |(_, name, _)| {
                            format!("{name} port {port}")
                        });
                        return Some((Match::Image, what));
                    }
                    let (_, name, words) = known?;
                    if repo.as_deref().is_some_and(|r| image_is(r, words)) {
                        Some((Match::Image, format!("{name} port {port}")))
                    } else if described {
                        None
                    } else {
                        Some((Match::PortOnly, format!("port {port}, {name}'s default,")))
                    }
                });
                let Some((how, what)) = found else { continue };
                let image = repo.as_deref().unwrap_or("(no image)");
                let mut f = self
                    .finding(cx, p.path.clone(), format!("`{}` publishes {what} on every host interface", s.name))
                    .label(match how {
                        Match::Image => "reachable from every network the host is on".to_string(),
                        Match::PortOnly => format!("only the port number matches; image `{image}` is not known to be that service"),
                    })
                    .service(s.name)
                    .help(format!("bind it to loopback (`\"127.0.0.1:{}:{}\"`) or drop the mapping and use the compose network", p.published.map_or(lo, |x| x.0), lo))
                    .fix(match how {
                        Match::Image => cx.root.at(&p.path).and_then(|n| loopback(cx, n, &p)),
                        Match::PortOnly => None,
                    })
                    .build();
                if how == Match::PortOnly {
                    f.severity = Severity::Info;
                }
                out.push(f);
            }
        }
    }
}

/// The remote JMX port a service's environment opens without authentication, if any.
fn jmx_port(env: &[crate::lint::view::EnvVar]) -> Option<u32> {
    let value = |v: &crate::lint::view::EnvVar| {
        v.value
            .as_ref()
            .map(|i| i.value.clone())
            .or_else(|| v.raw.clone())
    };
    let opts: Vec<String> = env
        .iter()
        .filter(|v| v.name.ends_with("JMX_OPTS") || v.name.ends_with("JAVA_OPTS"))
        .filter_map(value)
        .collect();
    if opts
        .iter()
        .any(|o| o.contains("com.sun.management.jmxremote.authenticate=true"))
    {
        return None;
    }
    let from_name = env
        .iter()
        .filter(|v| matches!(v.name.as_str(), "KAFKA_JMX_PORT" | "JMX_PORT"))
        .find_map(|v| value(v)?.trim().parse::<u32>().ok());
    from_name.or_else(|| {
        opts.iter().find_map(|o| {
            o.split_whitespace().find_map(|w| {
                w.strip_prefix("-Dcom.sun.management.jmxremote.port=")?
                    .parse::<u32>()
                    .ok()
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::image_is;
    use crate::lint::rules::cg401_privileged_container::tests_support::severities;
    use crate::lint::testing::{codes, lint_rule};

    #[test]
    fn image_and_port_must_match() {
        // Regression (issue 10): 8200 on a backup tool is not Vault.
        assert_eq!(
            severities(
                "CG103",
                "services:\n  b:\n    image: duplicati/duplicati:2.0.8\n    ports: ['8200:8200']\n"
            ),
            ["info"]
        );
        let d = lint_rule(
            "CG103",
            "services:\n  b:\n    image: duplicati/duplicati:2.0.8\n    ports: ['8200:8200']\n",
        );
        assert!(!d[0].message.contains("Vault port"), "{}", d[0].message);
        // The image is Vault: a warning.
        assert_eq!(
            severities(
                "CG103",
                "services:\n  v:\n    image: hashicorp/vault:1.17\n    ports: ['8200:8200']\n"
            ),
            ["warning"]
        );
        // Named like the service.
        assert_eq!(
            severities(
                "CG103",
                "services:\n  d:\n    image: bitnami/postgresql:16\n    ports: ['5432:5432']\n  e:\n    image: postgis/postgis:16-3.4\n    ports: ['5433:5432']\n"
            ),
            ["warning", "warning"]
        );
        // Only a build, or a variable image: the port alone gives an info at most.
        assert_eq!(
            severities(
                "CG103",
                "services:\n  a:\n    build: .\n    ports: ['6379:6379']\n  b:\n    image: ${IMG}\n    ports: ['6380:6379']\n"
            ),
            ["info", "info"]
        );
        // A known image that does not serve Redis on 6379 (the table says what it is).
        assert!(
            severities(
                "CG103",
                "services:\n  v:\n    image: hashicorp/vault:1.17\n    ports: ['6379:6379']\n"
            )
            .is_empty()
        );
        assert!(image_is("hashicorp/vault", &["vault"]));
        assert!(image_is("bitnami/mongodb", &["mongo"]));
        let redis = super::SENSITIVE
            .iter()
            .find(|e| e.0 == 6379)
            .expect("redis")
            .2;
        assert!(image_is("redislabs/redismod", redis));
        assert!(!image_is("redislabs/redisinsight", &["redis"]));
        assert!(image_is("mcr.microsoft.com/mssql/server", &["mssql"]));
        assert!(!image_is("vaultwarden/server", &["vault"]));
        assert!(!image_is("duplicati/duplicati", &["vault"]));
    }

    #[test]
    fn operations_ports_and_jmx() {
        // Issue 10: operations ports by image.
        for (image, port) in [
            ("apachepinot/pinot:1.2.0", 9000),
            ("grafana/loki:3.1.1", 3100),
            ("grafana/tempo:2.6.0", 3200),
            ("prom/alertmanager:v0.27.0", 9093),
            ("gcr.io/cadvisor/cadvisor:v0.49.1", 8080),
            ("prom/node-exporter:v1.8.2", 9100),
            ("ghcr.io/mlflow/mlflow:v2.16.2", 5000),
            ("locustio/locust:2.31.8", 8089),
        ] {
            let yaml =
                format!("services:\n  s:\n    image: {image}\n    ports: ['{port}:{port}']\n");
            assert_eq!(severities("CG103", &yaml), ["warning"], "{image}");
            let loopback = format!(
                "services:\n  s:\n    image: {image}\n    ports: ['127.0.0.1:{port}:{port}']\n"
            );
            assert!(severities("CG103", &loopback).is_empty(), "{image}");
        }
        // Tempo's OTLP receivers are meant to be reached.
        assert!(
            severities(
                "CG103",
                "services:\n  t:\n    image: grafana/tempo:2.6.0\n    ports: ['4317:4317']\n"
            )
            .is_empty()
        );
        // Kafka JMX, from the service's own settings, on any image.
        let jmx = "services:\n  k:\n    image: confluentinc/cp-kafka:7.7.1\n    environment:\n      KAFKA_JMX_PORT: 9101\n    ports: ['9101:9101']\n";
        assert_eq!(severities("CG103", jmx), ["warning"]);
        assert!(lint_rule("CG103", jmx)[0].message.contains("JMX port 9101"));
        let opts = "services:\n  j:\n    image: example/app:1\n    environment:\n      - JAVA_OPTS=-Dcom.sun.management.jmxremote.port=7199 -Dcom.sun.management.jmxremote.authenticate=false\n    ports: ['7199:7199']\n";
        assert_eq!(severities("CG103", opts), ["warning"]);
        let auth = "services:\n  j:\n    image: example/app:1\n    environment:\n      - JAVA_OPTS=-Dcom.sun.management.jmxremote.port=7199 -Dcom.sun.management.jmxremote.authenticate=true\n    ports: ['7199:7199']\n";
        assert!(severities("CG103", auth).is_empty());
    }

    #[test]
    fn positive_and_negative() {
        assert_eq!(
            codes(&lint_rule(
                "CG103",
                "services:\n  db: {image: 'postgres:16', ports: ['5432:5432']}\n"
            )),
            ["CG103@2"]
        );
        assert_eq!(
            codes(&lint_rule(
                "CG103",
                "services:\n  db: {image: 'x:1', ports: ['0.0.0.0:15432:6379']}\n"
            )),
            ["CG103@2"]
        );
        // Image table: portainer's 9443.
        assert_eq!(
            codes(&lint_rule(
                "CG103",
                "services:\n  p: {image: 'portainer/portainer-ce:2.21.0', ports: ['9443:9443']}\n"
            )),
            ["CG103@2"]
        );
        assert!(
            codes(&lint_rule(
                "CG103",
                "services:\n  db: {image: 'postgres:16', ports: ['127.0.0.1:5432:5432']}\n"
            ))
            .is_empty()
        );
        assert!(
            codes(&lint_rule(
                "CG103",
                "services:\n  db: {image: 'postgres:16', ports: ['5432']}\n"
            ))
            .is_empty()
        );
        assert!(
            codes(&lint_rule(
                "CG103",
                "services:\n  web: {image: 'nginx:1.27', ports: ['80:80']}\n"
            ))
            .is_empty()
        );
    }

    /// Redpanda (data/images.yaml): the Kafka API and the unauthenticated Admin API are
    /// sensitive, the HTTP Proxy and the Schema Registry ports are not listed.
    #[test]
    fn fix_binds_to_loopback_in_the_address_family() {
        let fixed = crate::lint::testing::fix_rule(
            "CG103",
            "services:\n  db:\n    image: postgres:16.4\n    ports:\n      - \"[::]:5432:5432\"\n      - 5433:5432\n      - target: 5432\n        published: \"5434\"\n        host_ip: \"::\"\n",
        );
        assert_eq!(
            fixed.as_deref(),
            Some(
                "services:\n  db:\n    image: postgres:16.4\n    ports:\n      - \"[::1]:5432:5432\"\n      - 127.0.0.1:5433:5432\n      - target: 5432\n        published: \"5434\"\n        host_ip: \"::1\"\n"
            )
        );
    }

    #[test]
    fn redpanda_admin_api() {
        let d = lint_rule(
            "CG103",
            "services:\n  r:\n    image: docker.redpanda.com/vectorized/redpanda:v22.2.2\n    ports:\n      - '8082:8082'\n      - '9092:9092'\n      - '9644:9644'\n      - '127.0.0.1:9645:9644'\n",
        );
        assert_eq!(codes(&d), ["CG103@6", "CG103@7"]);
        assert!(
            d[1].message.contains("Redpanda Admin API port 9644"),
            "{}",
            d[1].message
        );
    }
}
