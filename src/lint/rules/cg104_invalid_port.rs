use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a port mapping Docker cannot use: a number outside 1-65535, a container port 0,
    /// a range whose end is before its start, host and container ranges of different lengths,
    /// an unknown protocol, an invalid host address, or text that is not a port at all.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file (or the engine refuses the container) with an error that
    /// does not always name the service.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports: ["8000-8001:80-82", "70000:80"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports: ["8000-8002:80-82", "7000:80"]
    /// ```
    pub struct InvalidPort {
        code: "CG104",
        name: "invalid-port",
        category: Ports,
        severity: Error,
        summary: "a port mapping is not a valid port, range, protocol or address",
    }
}

impl Rule for InvalidPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            for p in s.ports() {
                let Some(error) = &p.error else { continue };
                if p.unknown {
                    continue; // an unset variable, reported by the interpolation rule
                }
                out.push(
                    self.finding(cx, p.path.clone(), format!("invalid port mapping {:?}: {error}", p.raw))
                        .label("not a valid port mapping")
                        .service(s.name)
                        .help("write [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], ports 1-65535, ranges of equal length")
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
        for bad in [
            "'70000:80'",
            "'80:0'",
            "'90-80:80'",
            "'8000-8001:80-82'",
            "'80/icmp'",
            "'x:80'",
            "'999.1.1.1:80:80'",
        ] {
            let yaml = format!("services:\n  web:\n    image: x\n    ports: [{bad}]\n");
            assert_eq!(codes(&lint_rule("CG104", &yaml)), ["CG104@4"], "{bad}");
        }
        for good in [
            "'80:80'",
            "'127.0.0.1:80:80/udp'",
            "'[::1]:80:80'",
            "'8000-8002:80-82'",
            "8080",
            "{target: 80, published: '8080'}",
        ] {
            let yaml = format!("services:\n  web:\n    image: x\n    ports: [{good}]\n");
            assert!(codes(&lint_rule("CG104", &yaml)).is_empty(), "{good}");
        }
    }
}
