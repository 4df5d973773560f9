use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::repository;

declare_rule! {
    /// ## What it does
    /// Reports a database, cache, search engine, message broker, admin interface or
    /// unauthenticated API port published on every host interface (no host address, `0.0.0.0`
    /// or `::`).
    ///
    /// The port is recognised by the container port: 5432 (PostgreSQL), 3306/33060 (MySQL,
    /// MariaDB), 1433 (SQL Server), 1521 (Oracle), 27017-27019 (MongoDB), 6379 (Redis),
    /// 11211 (memcached), 9200/9300 (Elasticsearch, OpenSearch), 5984 (CouchDB), 9042
    /// (Cassandra), 8086 (InfluxDB), 2375/2376 (Docker API), 2379/2380 (etcd), 8500 (Consul),
    /// 8200 (Vault), 15672 (RabbitMQ management), 9092 (Kafka), 2181 (ZooKeeper), 7687 (Neo4j),
    /// and the `sensitive_ports` of the image in the image table (`composegen explain CG206`).
    ///
    /// Option `ports`: a list of further container ports to treat as sensitive.
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

/// Container ports that must not be open to every network.
pub const SENSITIVE: &[(u32, &str)] = &[
    (5432, "PostgreSQL"),
    (3306, "MySQL/MariaDB"),
    (33060, "MySQL X protocol"),
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (27017, "MongoDB"),
    (27018, "MongoDB"),
    (27019, "MongoDB"),
    (6379, "Redis"),
    (11211, "memcached"),
    (9200, "Elasticsearch/OpenSearch"),
    (9300, "Elasticsearch transport"),
    (5984, "CouchDB"),
    (9042, "Cassandra"),
    (8086, "InfluxDB"),
    (2375, "Docker API (no TLS)"),
    (2376, "Docker API"),
    (2379, "etcd"),
    (2380, "etcd peer"),
    (8500, "Consul"),
    (8200, "Vault"),
    (15672, "RabbitMQ management"),
    (9092, "Kafka"),
    (2181, "ZooKeeper"),
    (7687, "Neo4j Bolt"),
];

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
            let image_ports: Vec<u32> = s
                .image_repository()
                .and_then(|r| cx.images.lookup(&repository(&r)))
                .map(|e| e.sensitive_ports.iter().map(|p| u32::from(*p)).collect())
                .unwrap_or_default();
            for p in s.ports() {
                if p.error.is_some() || p.unknown || p.published.is_none() {
                    continue;
                }
                let all = p.host_ip.as_deref().is_none_or(|ip| {
                    ip.parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_unspecified())
                });
                if !all {
                    continue;
                }
                let (lo, hi) = p.target;
                let what = (lo..=hi).find_map(|port| {
                    SENSITIVE
                        .iter()
                        .find(|(sp, _)| *sp == port)
                        .map(|(_, name)| format!("{name} port {port}"))
                        .or_else(|| {
                            (image_ports.contains(&port) || extra.contains(&port))
                                .then(|| format!("port {port}"))
                        })
                });
                let Some(what) = what else { continue };
                out.push(
                    self.finding(cx, p.path.clone(), format!("`{}` publishes {what} on every host interface", s.name))
                        .label("reachable from every network the host is on")
                        .service(s.name)
                        .help(format!("bind it to loopback (`\"127.0.0.1:{}:{}\"`) or drop the mapping and use the compose network", p.published.map_or(lo, |x| x.0), lo))
                        .build(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

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
}
