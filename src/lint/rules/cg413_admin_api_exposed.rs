use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{Service, Word, repository, tag};
use crate::yaml::Path;

declare_rule! {
    /// ## What it does
    /// Reports an unauthenticated administration API that the service turns on and that is
    /// reachable from other machines: its port is published on an address other than
    /// loopback (all interfaces, or a specific one), or the service uses the host's network.
    ///
    /// - Prometheus and the Pushgateway with `--web.enable-admin-api` (delete series, take
    ///   snapshots) or `--web.enable-lifecycle` (shut down, reload the configuration), on
    ///   their port (9090, 9091, or the one of `--web.listen-address`);
    /// - the Docker daemon API without TLS client verification: the `docker:dind` image with
    ///   `DOCKER_TLS_CERTDIR` set to an empty value (it then listens on 2375 without TLS), or
    ///   `dockerd -H tcp://…` without `--tlsverify`.
    ///
    /// The finding is on the setting that turns the API on; the published port is shown with
    /// it. A database or admin port published on every interface is also CG103's, which is
    /// about the port; this rule is about the API behind it, and also covers a port published
    /// on one non-loopback address, and the host's network.
    ///
    /// ## Why is this bad?
    /// These APIs have no authentication. Anyone who reaches Prometheus's port deletes its
    /// data or stops it; anyone who reaches a Docker API starts a privileged container with
    /// the host's `/` mounted: root on the host. Bots scan the internet for open 2375 ports
    /// around the clock.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   prometheus:
    ///     image: prom/prometheus:v2.55.0
    ///     command: ["--config.file=/etc/prometheus/prometheus.yml", "--web.enable-lifecycle"]
    ///     ports: ["9090:9090"]
    /// ```
    ///
    /// ## Use instead
    /// Publish on loopback only (reload with `docker compose kill -s HUP prometheus`), or put
    /// an authenticating proxy in front:
    /// ```yaml
    /// services:
    ///   prometheus:
    ///     image: prom/prometheus:v2.55.0
    ///     command: ["--config.file=/etc/prometheus/prometheus.yml", "--web.enable-lifecycle"]
    ///     ports: ["127.0.0.1:9090:9090"]
    /// ```
    pub struct AdminApiExposed {
        code: "CG413",
        name: "admin-api-exposed",
        category: Security,
        severity: Error,
        summary: "an unauthenticated admin API (Prometheus admin/lifecycle, Docker without TLS) is enabled and reachable from the network",
    }
}

/// A loopback address (or name).
fn loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Split `HOST:PORT` (`:9090`, `0.0.0.0:9090`, `[::1]:9090`).
fn host_port(addr: &str) -> Option<(String, u32)> {
    let (host, port) = addr.rsplit_once(':')?;
    Some((host.to_string(), port.parse().ok()?))
}

/// A flag's value: `--flag=value` or `--flag value`.
fn flag_value<'w>(words: &'w [Word], names: &[&str]) -> Option<(&'w str, &'w Path)> {
    words.iter().enumerate().find_map(|(i, w)| {
        let v = w.value.value.as_str();
        if let Some((f, value)) = v.split_once('=')
            && names.contains(&f)
        {
            return Some((value, &w.path));
        }
        if names.contains(&v) {
            return words.get(i + 1).map(|n| (n.value.value.as_str(), &n.path));
        }
        None
    })
}

/// An admin API that is on and reachable.
struct Api<'a> {
    /// The setting that turns it on.
    at: Path,
    /// What it is.
    what: &'a str,
    /// How it is reachable, and where.
    how: (String, Path),
    /// How to fix it.
    help: &'a str,
}

impl AdminApiExposed {
    /// Report an admin API that is on and reachable.
    fn report(&self, cx: &Context<'_>, s: &Service<'_>, api: Api<'_>, out: &mut Vec<Finding>) {
        let Api {
            at,
            what,
            how,
            help,
        } = api;
        out.push(
            self.finding(
                cx,
                at,
                format!("`{}` enables {what}, reachable through {}", s.name, how.0),
            )
            .label("unauthenticated admin API")
            .related(cx.file, how.1, "reachable from the network")
            .service(s.name)
            .help(help)
            .build(),
        );
    }

    fn prometheus(
        &self,
        cx: &Context<'_>,
        s: &Service<'_>,
        words: &[Word],
        out: &mut Vec<Finding>,
    ) {
        let flag = words.iter().find(|w| {
            let v = w.value.value.as_str();
            let (f, value) = v.split_once('=').unwrap_or((v, "true"));
            matches!(f, "--web.enable-admin-api" | "--web.enable-lifecycle")
                && value.eq_ignore_ascii_case("true")
        });
        let Some(flag) = flag else { return };
        if !flag.value.known() {
            return;
        }
        let pushgateway = s
            .image_repository()
            .is_some_and(|r| r.contains("pushgateway"));
        let mut port = if pushgateway { 9091 } else { 9090 };
        if let Some((addr, _)) = flag_value(words, &["--web.listen-address"]) {
            let Some((host, p)) = host_port(addr) else {
                return;
            };
            if loopback(&host) {
                return;
            }
            port = p;
        }
        let Some(how) = s.reachable_from_network(&[port]) else {
            return;
        };
        let name = flag
            .value
            .value
            .split('=')
            .next()
            .unwrap_or_default()
            .to_string();
        let what = if name == "--web.enable-admin-api" {
            "Prometheus's admin API (`--web.enable-admin-api`: delete data, snapshots)"
        } else {
            "Prometheus's lifecycle API (`--web.enable-lifecycle`: shut down, reload)"
        };
        let api = Api {
            at: flag.path.clone(),
            what,
            how,
            help: "publish the port on loopback only (`127.0.0.1:9090:9090`) or behind an authenticating proxy; or drop the flag",
        };
        self.report(cx, s, api, out);
    }

    fn docker(&self, cx: &Context<'_>, s: &Service<'_>, words: &[Word], out: &mut Vec<Finding>) {
        let image = s.image().map(|(i, _)| i).filter(|i| i.known());
        let dind = image.as_ref().is_some_and(|i| {
            repository(&i.value) == "docker" && tag(&i.value).is_some_and(|t| t.contains("dind"))
        });
        let tlsverify = words.iter().any(|w| {
            let v = w.value.value.as_str();
            v == "--tlsverify" || v == "--tlsverify=true"
        });
        let tls = tlsverify
            || words.iter().any(|w| {
                let v = w.value.value.as_str();
                v == "--tls" || v == "--tls=true"
            });
        // `dockerd -H tcp://ADDR:PORT` (or `--host=`).
        let tcp = words.iter().enumerate().find_map(|(i, w)| {
            let v = w.value.value.as_str();
            let (addr, path) = match v.split_once('=') {
                Some(("--host" | "-H", a)) => (a, &w.path),
                _ if v == "-H" || v == "--host" => {
                    let n = words.get(i + 1)?;
                    (n.value.value.as_str(), &n.path)
                }
                _ => return None,
            };
            let rest = addr.strip_prefix("tcp://")?;
            let (host, port) = match host_port(rest) {
                Some((h, p)) => (h, p),
                None => (rest.to_string(), if tls { 2376 } else { 2375 }),
            };
            Some((host, port, path.clone()))
        });
        let dockerd = dind
            || words.iter().any(|w| {
                w.value
                    .value
                    .rsplit('/')
                    .next()
                    .is_some_and(|b| b.starts_with("dockerd"))
            });
        if let Some((host, port, path)) = tcp.clone()
            && dockerd
            && !tlsverify
        {
            if loopback(&host) {
                return;
            }
            if let Some(how) = s.reachable_from_network(&[port]) {
                let api = Api {
                    at: path,
                    what: "the Docker API over TCP without `--tlsverify`",
                    how,
                    help: "serve the API with TLS client verification (`--tlsverify`, port 2376) or not over TCP at all",
                };
                self.report(cx, s, api, out);
            }
            return;
        }
        if !dind || tcp.is_some() {
            return;
        }
        let Some(var) = s
            .environment()
            .into_iter()
            .find(|v| v.name == "DOCKER_TLS_CERTDIR")
        else {
            return;
        };
        let Some(value) = var.value.filter(|v| v.known()) else {
            return;
        };
        if !value.value.trim().is_empty() {
            return;
        }
        if let Some(how) = s.reachable_from_network(&[2375]) {
            let api = Api {
                at: var.path,
                what: "the Docker API without TLS (`DOCKER_TLS_CERTDIR` is empty: port 2375)",
                how,
                help: "remove `DOCKER_TLS_CERTDIR: \"\"` so that dind serves TLS on 2376, and give clients the certificates; or do not publish the port",
            };
            self.report(cx, s, api, out);
        }
    }
}

impl Rule for AdminApiExposed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let mut words = s.raw_words("entrypoint");
            words.extend(s.raw_words("command"));
            self.prometheus(cx, &s, &words, out);
            self.docker(cx, &s, &words, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG413", yaml))
    }

    #[test]
    fn prometheus() {
        assert_eq!(
            run(
                "services:\n  p:\n    image: prom/prometheus:v2.55.0\n    command:\n      - --config.file=/etc/prometheus/prometheus.yml\n      - --web.enable-lifecycle\n    ports: ['9090:9090']\n"
            ),
            ["CG413@6"]
        );
        assert_eq!(
            run(
                "services:\n  p:\n    image: prom/prometheus:v2.55.0\n    command: --web.enable-admin-api --web.listen-address=:9095\n    ports: ['192.168.1.10:9095:9095']\n"
            ),
            ["CG413@4"]
        );
        assert_eq!(
            run(
                "services:\n  p:\n    image: prom/prometheus:v2.55.0\n    command: [--web.enable-admin-api]\n    network_mode: host\n"
            ),
            ["CG413@4"]
        );
        // Loopback, not published, or not enabled.
        assert!(run("services:\n  p:\n    image: prom/prometheus:v2.55.0\n    command: [--web.enable-lifecycle]\n    ports: ['127.0.0.1:9090:9090']\n").is_empty());
        assert!(run("services:\n  p:\n    image: prom/prometheus:v2.55.0\n    command: [--web.enable-lifecycle]\n    expose: ['9090']\n").is_empty());
        assert!(run("services:\n  p:\n    image: prom/prometheus:v2.55.0\n    command: [--config.file=/etc/prometheus/prometheus.yml]\n    ports: ['9090:9090']\n").is_empty());
        assert!(run("services:\n  p:\n    image: prom/prometheus:v2.55.0\n    command: [--web.enable-lifecycle, '--web.listen-address=127.0.0.1:9090']\n    network_mode: host\n").is_empty());
    }

    #[test]
    fn docker_api() {
        assert_eq!(
            run(
                "services:\n  dind:\n    image: docker:27.3-dind\n    privileged: true\n    environment:\n      DOCKER_TLS_CERTDIR: ''\n    ports: ['2375:2375']\n"
            ),
            ["CG413@6"]
        );
        assert_eq!(
            run(
                "services:\n  d:\n    image: example/dockerd:1.0\n    command: dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375\n    ports: ['10.0.0.5:2375:2375']\n"
            ),
            ["CG413@4"]
        );
        // TLS, loopback, not published.
        assert!(run("services:\n  dind:\n    image: docker:27.3-dind\n    privileged: true\n    ports: ['2376:2376']\n").is_empty());
        assert!(run("services:\n  dind:\n    image: docker:27.3-dind\n    environment:\n      DOCKER_TLS_CERTDIR: ''\n    ports: ['127.0.0.1:2375:2375']\n").is_empty());
        assert!(run("services:\n  dind:\n    image: docker:27.3-dind\n    environment:\n      DOCKER_TLS_CERTDIR: ''\n").is_empty());
        assert!(run("services:\n  d:\n    image: example/dockerd:1.0\n    command: dockerd -H tcp://0.0.0.0:2376 --tlsverify --tlscacert=/certs/ca.pem\n    ports: ['2376:2376']\n").is_empty());
    }
}
