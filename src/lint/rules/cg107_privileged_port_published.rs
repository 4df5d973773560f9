use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a published port whose host port or container port is a privileged port
    /// (below 1024), either end of a range included: `"80:8080"`, `"8080:80"`, `"443"`,
    /// `"127.0.0.1::50"`, a long entry with `target: 80`. Off by default. Parity with KICS's
    /// "Privileged Ports Mapped In Container". The ports of a service with
    /// `network_mode: host` are ignored by Compose and not reported.
    ///
    /// Neither is a privilege problem for Docker itself: the daemon binds the host port, and
    /// since Docker 20.10 a container may bind ports below 1024 without `NET_BIND_SERVICE`
    /// (`net.ipv4.ip_unprivileged_port_start=0`). That is why the rule is off and at info.
    ///
    /// ## Why is this bad?
    /// A host port below 1024 is a well-known service port of the host (22, 53, 67, 80, 443):
    /// publishing it competes with the host's own daemons and is what scanners probe first.
    /// A container port below 1024 ties the image to a port that needs privileges under
    /// host networking, rootless engines or older engines, which keeps it running as root or
    /// with `NET_BIND_SERVICE`; unprivileged images listen on 8080, 8443 and the like.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.3
    ///     ports:
    ///       - "80:80"
    /// ```
    ///
    /// ## Use instead
    /// An unprivileged image on an unprivileged port; a reverse proxy (or the host's firewall)
    /// owns 80 and 443:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginxinc/nginx-unprivileged:1.27.3
    ///     ports:
    ///       - "127.0.0.1:8080:8080"
    /// ```
    pub struct PrivilegedPortPublished {
        code: "CG107",
        name: "privileged-port-published",
        category: Ports,
        severity: Info,
        enabled: false,
        summary: "a published host or container port is below 1024 (off by default)",
    }
}

impl Rule for PrivilegedPortPublished {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if s.shares_host("network_mode") {
                continue;
            }
            for p in s.ports() {
                if p.unknown || p.error.is_some() {
                    continue;
                }
                let host = p.published.filter(|r| r.0 < 1024);
                let container = (p.target.0 < 1024).then_some(p.target);
                let (which, label) = match (host, container) {
                    (Some(r), _) => (
                        format!("host port {}", r.0),
                        "a well-known port of the host",
                    ),
                    (None, Some(r)) => (
                        format!("container port {}", r.0),
                        "the container listens on a privileged port",
                    ),
                    (None, None) => continue,
                };
                out.push(
                    self.finding(
                        cx,
                        p.path.clone(),
                        format!("`{}` publishes `{}`: {which} is below 1024", s.name, p.raw),
                    )
                    .label(label)
                    .service(s.name)
                    .help("publish an unprivileged host port (1024 and above) and run an image that listens on one; leave 80 and 443 to a reverse proxy")
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
        codes(&lint_rule("CG107", yaml))
    }

    #[test]
    fn privileged() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    ports:\n      - \"80:8080\"\n      - \"8080:80\"\n      - \"443\"\n      - \"127.0.0.1::50\"\n      - \"1000-1100:8000-8100\"\n      - target: 22\n        published: 2222\n"
            ),
            [
                "CG107@5", "CG107@6", "CG107@7", "CG107@8", "CG107@9", "CG107@10"
            ]
        );
        let d = lint_rule(
            "CG107",
            "services:\n  a:\n    image: x\n    ports: ['7000:80']\n",
        );
        assert!(
            d[0].message.contains("container port 80"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn unprivileged() {
        assert!(run("services:\n  a:\n    image: x\n    ports: ['8080:8080', '1024', '127.0.0.1:8443:8443']\n    expose: ['80']\n").is_empty());
        assert!(
            run("services:\n  a:\n    image: x\n    network_mode: host\n    ports: ['80:80']\n")
                .is_empty()
        );
        const { assert!(!super::PrivilegedPortPublished::META.enabled) };
    }
}
