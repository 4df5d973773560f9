use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::HostScope;

declare_rule! {
    /// ## What it does
    /// Reports every published port that is bound to all of the host's interfaces: a short
    /// entry without a host address (`"8080:80"`, `"80"`), or with `0.0.0.0`, `::` or `[::]`,
    /// and a long entry without `host_ip`. Off by default. `expose:` is not published and not
    /// reported, nor are the ports of a service with `network_mode: host` (Compose ignores
    /// them). Parity with compose-lint's CL-0005 and KICS's "Container Traffic Not Bound To
    /// Host Interface"; CG103 is the warning for the ports where it matters most (databases,
    /// admin UIs), and where it reports a port this rule does not repeat it.
    ///
    /// ## Why is this bad?
    /// Docker publishes such a port on every interface of the host, the public ones included,
    /// and inserts its own firewall rules ahead of the host's (`ufw` and `firewalld` rules do
    /// not apply). A service meant for the machine itself, or for a reverse proxy on it, is
    /// then reachable from the network. Binding each port to the address it is meant for
    /// makes the exposure explicit in review.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     ports:
    ///       - "8080:8080"
    /// ```
    ///
    /// ## Use instead
    /// Bind to loopback (a reverse proxy on the host), or name the public address on purpose:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     ports:
    ///       - "127.0.0.1:8080:8080"
    /// ```
    pub struct PortPublishedOnAllInterfaces {
        code: "CG106",
        name: "port-published-on-all-interfaces",
        category: Ports,
        severity: Info,
        enabled: false,
        summary: "a port is published on every host interface (no host address) (off by default)",
    }
}

impl Rule for PortPublishedOnAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if s.shares_host("network_mode") {
                continue;
            }
            for p in s.ports() {
                if p.host_scope() != Some(HostScope::Everywhere) {
                    continue;
                }
                out.push(
                    self.finding(
                        cx,
                        p.path.clone(),
                        format!(
                            "`{}` publishes `{}` on every host interface",
                            s.name, p.raw
                        ),
                    )
                    .label("no host address: reachable from every network the host is on")
                    .service(s.name)
                    .help("bind the port to the address it is meant for: `127.0.0.1:HOST:CONTAINER` for the host itself or a reverse proxy on it, or the public address on purpose")
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
        codes(&lint_rule("CG106", yaml))
    }

    #[test]
    fn all_interfaces() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    ports:\n      - \"8080:80\"\n      - \"80\"\n      - \"0.0.0.0:53:53/udp\"\n      - \"[::]:443:443\"\n      - target: 80\n        published: 8081\n"
            ),
            ["CG106@5", "CG106@6", "CG106@7", "CG106@8", "CG106@9"]
        );
    }

    #[test]
    fn bound_or_not_published() {
        assert!(run("services:\n  a:\n    image: x\n    ports:\n      - \"127.0.0.1:8080:80\"\n      - \"[::1]:8443:443\"\n      - target: 80\n        published: 8081\n        host_ip: 10.0.0.5\n    expose: ['9000']\n").is_empty());
        assert!(
            run("services:\n  a:\n    image: x\n    network_mode: host\n    ports: ['8080:80']\n")
                .is_empty()
        );
        assert!(run("services:\n  a:\n    image: x\n    ports: ['${PORT}:80']\n").is_empty());
        const { assert!(!super::PortPublishedOnAllInterfaces::META.enabled) };
    }
}
