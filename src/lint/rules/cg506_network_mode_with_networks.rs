use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that sets both `network_mode` (any value: `host`, `none`, `bridge`,
    /// `service:NAME`, `container:NAME`) and a non-empty `networks:`.
    ///
    /// ## Why is this bad?
    /// The two are mutually exclusive: `network_mode` replaces the project networks. Docker
    /// Compose refuses to load the file: `service web declares mutually exclusive
    /// `network_mode` and `networks`: invalid compose project`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:3.0.1
    ///     network_mode: host
    ///     networks: [monitoring]
    /// networks:
    ///   monitoring:
    /// ```
    ///
    /// ## Use instead
    /// Keep one of them:
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:3.0.1
    ///     network_mode: host
    /// ```
    pub struct NetworkModeWithNetworks {
        code: "CG506",
        name: "network-mode-with-networks",
        category: Network,
        severity: Error,
        summary: "a service sets both `network_mode` and `networks`",
    }
}

impl Rule for NetworkModeWithNetworks {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some(mode) = s.str("network_mode") else {
                continue;
            };
            if !mode.known() || mode.value.is_empty() || s.network_attachments().is_empty() {
                continue;
            }
            out.push(
                self.finding(
                    cx,
                    s.at("networks"),
                    format!(
                        "service `{}` sets both `network_mode: {}` and `networks`",
                        s.name, mode.value
                    ),
                )
                .on_key()
                .label("conflicts with `network_mode`")
                .service(s.name)
                .related(cx.file, s.at("network_mode"), "set here")
                .help("Compose rejects the file: remove `networks` (the service uses the network stack that `network_mode` names), or remove `network_mode`")
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG506", yaml))
    }

    #[test]
    fn both() {
        assert_eq!(
            run("services:\n  a:\n    image: x\n    network_mode: host\n    networks: [default]\n"),
            ["CG506@5"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    networks:\n      n: {}\n    network_mode: service:b\n  b:\n    image: x\nnetworks:\n  n:\n"
            ),
            ["CG506@4"]
        );
    }

    #[test]
    fn one_of_them() {
        assert!(run("services:\n  a:\n    image: x\n    network_mode: host\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    networks: [default]\n").is_empty());
        assert!(
            run("services:\n  a:\n    image: x\n    network_mode: host\n    networks: []\n")
                .is_empty()
        );
    }
}
