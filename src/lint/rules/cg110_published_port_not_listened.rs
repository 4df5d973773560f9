use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, name_list};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{MountKind, Service, normalize_container_path, path_covers, repository};

declare_rule! {
    /// ## What it does
    /// Reports a `ports:` mapping whose container port the image does not listen on
    /// (`"26380:6379"` on a Redis Sentinel, which listens on 26379; `"8080:80"` on Grafana,
    /// which listens on 3000). The message names the ports the image listens on.
    ///
    /// Only when those ports are known for certain: the image is in the image table with its
    /// `ports` (`composegen explain CG206`), and the service starts it as the image starts it:
    /// no `build`, `extends`, `command`, `entrypoint`, `env_file`, `configs` or
    /// `network_mode`, no environment variable whose name or value speaks of a port, a
    /// listener, an address or a bind (`GF_SERVER_HTTP_PORT`, `KAFKA_LISTENERS`,
    /// `http.port`), and no mount other than the image's data directories and init scripts
    /// (a mounted file may be a configuration that moves the port). Container ports listed
    /// in `expose` do not make a port known: `expose` only documents a port. A range is
    /// reported only when the image listens on none of its ports. The protocol is not
    /// compared.
    ///
    /// ## Why is this bad?
    /// Docker forwards the published host port to the container port whether or not anything
    /// listens there. Connections are accepted by the proxy and then reset, or time out:
    /// the service looks down from outside while it is healthy inside, usually because the
    /// two sides of the mapping were swapped or the image's port was misremembered.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   grafana:
    ///     image: grafana/grafana:11.2.0
    ///     ports: ["8080:80"]
    /// ```
    ///
    /// ## Use instead
    /// Map the host port to the port the image listens on:
    /// ```yaml
    /// services:
    ///   grafana:
    ///     image: grafana/grafana:11.2.0
    ///     ports: ["8080:3000"]
    /// ```
    pub struct PublishedPortNotListened {
        code: "CG110",
        name: "published-port-not-listened",
        category: Ports,
        severity: Warning,
        summary: "a published container port is not one the image listens on",
    }
}

/// The ports an image listens on, as the service runs it.
#[derive(Debug, Clone)]
pub struct ImagePorts {
    /// From the image table, sorted.
    pub ports: Vec<u32>,
    /// The image repository (for messages).
    pub repository: String,
}

/// The ports service `s` listens on by its image alone, when they are certain: the image is
/// in the image table with `ports`, and nothing in the service may start it otherwise or move
/// its ports (see CG110's documentation). Published and `expose`d ports are not added.
pub fn image_ports(cx: &Context<'_>, s: &Service<'_>) -> Option<ImagePorts> {
    // Anything that may start the image otherwise, or configure where it listens.
    for key in [
        "build",
        "extends",
        "command",
        "entrypoint",
        "env_file",
        "network_mode",
        "configs",
    ] {
        if s.get(key).is_some() {
            return None;
        }
    }
    let (image, _) = s.image()?;
    if !image.known() {
        return None;
    }
    let repository = repository(&image.value);
    let entry = cx.images.lookup(&repository)?;
    if entry.ports.is_empty() {
        return None;
    }
    let configures = |text: &str| {
        let t = text.to_ascii_lowercase();
        ["port", "listen", "addr", "bind"]
            .iter()
            .any(|w| t.contains(w))
    };
    if s.environment()
        .iter()
        .any(|v| configures(&v.name) || v.raw.as_deref().is_some_and(configures))
    {
        return None;
    }
    // A mount other than the data directories (or a parent, `/bitnami`) and init scripts
    // may be a configuration.
    let data: Vec<String> = entry
        .data
        .iter()
        .chain(&entry.volumes)
        .map(|d| normalize_container_path(d))
        .collect();
    for m in s.mounts() {
        if matches!(m.kind, MountKind::Tmpfs | MountKind::Anonymous) {
            continue;
        }
        let target = normalize_container_path(&m.target);
        if m.unknown
            || !(target.starts_with("/docker-entrypoint-initdb.d")
                || data
                    .iter()
                    .any(|d| path_covers(d, &target) || (target != "/" && path_covers(&target, d))))
        {
            return None;
        }
    }
    let mut ports: Vec<u32> = entry.ports.iter().map(|p| u32::from(*p)).collect();
    ports.sort_unstable();
    ports.dedup();
    Some(ImagePorts { ports, repository })
}

impl Rule for PublishedPortNotListened {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let specs = s.ports();
            if specs.is_empty() {
                continue;
            }
            let Some(known) = image_ports(cx, &s) else {
                continue;
            };
            let listening: Vec<String> = known.ports.iter().map(u32::to_string).collect();
            let listening = name_list(&listening);
            for p in specs {
                if p.unknown || p.error.is_some() {
                    continue;
                }
                let (lo, hi) = p.target;
                if known.ports.iter().any(|k| (lo..=hi).contains(k)) {
                    continue;
                }
                let what = if lo == hi {
                    format!("container port {lo}")
                } else {
                    format!("container ports {lo}-{hi}")
                };
                let fix = match (p.published, known.ports.as_slice()) {
                    (Some((h, h2)), [only]) if h == h2 => {
                        format!("map it to the port the image listens on (`\"{h}:{only}\"`)")
                    }
                    _ => "map it to a port the image listens on".to_string(),
                };
                out.push(
                    self.finding(
                        cx,
                        p.path.clone(),
                        format!(
                            "`{}` publishes {what}, but `{}` listens only on {listening}",
                            s.name, known.repository
                        ),
                    )
                    .label(format!("nothing listens on {what}"))
                    .service(s.name)
                    .help(format!(
                        "{fix}; if a setting this rule cannot see moves the port, suppress this finding"
                    ))
                    .build(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG110", yaml))
    }

    #[test]
    fn port_the_image_does_not_listen_on() {
        let yaml = "services:\n  g:\n    image: grafana/grafana:11.2.0\n    ports: ['8080:80', '3000:3000']\n";
        assert_eq!(run(yaml), ["CG110@4"]);
        let d = lint_rule("CG110", yaml);
        assert!(
            d[0].message.contains("container port 80")
                && d[0].message.contains("listens only on `3000`"),
            "{}",
            d[0].message
        );
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or_default()
                .contains("`\"8080:3000\"`"),
            "{:?}",
            d[0].help
        );
        // A Sentinel listens on 26379, not on Redis's port.
        assert_eq!(
            run(
                "services:\n  s:\n    image: bitnami/redis-sentinel:7.4.1\n    ports: ['26380:6379', '26379:26379']\n"
            ),
            ["CG110@4"]
        );
        // No host port, the long syntax, a range entirely outside.
        assert_eq!(
            run(
                "services:\n  r:\n    image: redis:7.4.1\n    ports:\n      - '6380'\n      - target: 6380\n        published: '6381'\n      - '7000-7002:7000-7002'\n"
            ),
            ["CG110@5", "CG110@6", "CG110@8"]
        );
        // `expose` documents a port; it does not make the image listen on it.
        assert_eq!(
            run(
                "services:\n  r:\n    image: redis:7.4.1\n    expose: ['6380']\n    ports: ['6380:6380']\n"
            ),
            ["CG110@5"]
        );
        // Data volumes and init scripts do not move the port.
        assert_eq!(
            run(
                "services:\n  db:\n    image: postgres:16.4\n    volumes: ['pg:/var/lib/postgresql/data', './init:/docker-entrypoint-initdb.d:ro']\n    ports: ['5433:5433']\nvolumes:\n  pg:\n"
            ),
            ["CG110@5"]
        );
    }

    #[test]
    fn listened_or_not_known() {
        for yaml in [
            // Listened: by port, by a range containing it, on udp.
            "services:\n  r:\n    image: redis:7.4.1\n    ports: ['6380:6379']\n",
            "services:\n  c:\n    image: hashicorp/consul:1.19.2\n    ports: ['8600:8600/udp', '8300-8302:8300-8302']\n",
            "services:\n  z:\n    image: zookeeper:3.9.2\n    ports: ['8080-8090:8080-8090']\n",
            // Something may move the port.
            "services:\n  r:\n    image: redis:7.4.1\n    command: redis-server --port 6380\n    ports: ['6380:6380']\n",
            "services:\n  r:\n    image: redis:7.4.1\n    entrypoint: [redis-server, --port, '6380']\n    ports: ['6380:6380']\n",
            "services:\n  g:\n    image: grafana/grafana:11.2.0\n    environment: {GF_SERVER_HTTP_PORT: '80'}\n    ports: ['80:80']\n",
            "services:\n  k:\n    image: apache/kafka:3.8.0\n    environment: ['KAFKA_LISTENERS=PLAINTEXT://:9094']\n    ports: ['9094:9094']\n",
            "services:\n  n:\n    image: nginx:1.27.3\n    volumes: ['./site.conf:/etc/nginx/conf.d/default.conf:ro']\n    ports: ['8080:8080']\n",
            "services:\n  n:\n    image: nginx:1.27.3\n    configs: [{source: site, target: /etc/nginx/conf.d/default.conf}]\n    ports: ['8080:8080']\nconfigs:\n  site:\n    file: ./site.conf\n",
            "services:\n  n:\n    image: nginx:1.27.3\n    env_file: .env\n    ports: ['8080:8080']\n",
            "services:\n  n:\n    image: nginx:1.27.3\n    build: .\n    ports: ['8080:8080']\n",
            // The image's ports are not known.
            "services:\n  a:\n    image: example/app:1.0\n    ports: ['8080:8080']\n",
            "services:\n  a:\n    image: ${IMG}\n    ports: ['8080:8080']\n",
            "services:\n  a:\n    image: sonatype/nexus3:3.72.0\n    ports: ['8081:8081']\n",
            // An unset variable in the mapping.
            "services:\n  r:\n    image: redis:7.4.1\n    ports: ['${P}:${P}']\n",
        ] {
            assert!(run(yaml).is_empty(), "{yaml}\n{:?}", run(yaml));
        }
    }

    /// Ports of the images the corpus and the built-in profiles use (data/images.yaml).
    #[test]
    fn ports_of_the_corpus_images() {
        // Keycloak listens on 8080 (8443 with TLS), not on 80.
        assert_eq!(
            run(
                "services:\n  k:\n    image: docker.io/bitnami/keycloak:14\n    ports: ['80:80', '81:8080']\n"
            ),
            ["CG110@4"]
        );
        // One Spark image for the master (8080, 7077) and the workers (8081).
        assert!(
            run("services:\n  w:\n    image: docker.io/bitnami/spark:3\n    environment: [SPARK_MODE=worker]\n    ports: ['8081:8081', '7077:7077', '4040:4040']\n")
                .is_empty()
        );
        assert_eq!(
            run("services:\n  m:\n    image: docker.io/bitnami/spark:3\n    ports: ['8080:80']\n"),
            ["CG110@4"]
        );
        // WireGuard's UDP port; Plex's discovery ports.
        assert!(
            run(
                "services:\n  w:\n    image: linuxserver/wireguard\n    ports: [51820:51820/udp]\n"
            )
            .is_empty()
        );
        assert_eq!(
            run(
                "services:\n  w:\n    image: linuxserver/wireguard\n    ports: [51821:51821/udp]\n"
            ),
            ["CG110@4"]
        );
        assert!(
            run("services:\n  p:\n    image: plexinc/pms-docker:1.41.0\n    ports: [32400:32400, 1900:1900/udp, 32410:32410/udp]\n")
                .is_empty()
        );
        // Bitnami's web applications, before and after their move to 8080/8443.
        assert!(
            run("services:\n  d:\n    image: bitnami/drupal:8\n    ports: ['80:80', '8080:8080', '8443:8443']\n  g:\n    image: bitnami/ghost:4\n    ports: ['80:2368']\n  r:\n    image: bitnami/redmine:4\n    ports: ['80:3000']\n")
                .is_empty()
        );
        assert_eq!(
            run("services:\n  r:\n    image: bitnami/redmine:4\n    ports: ['80:80']\n"),
            ["CG110@4"]
        );
    }
}
