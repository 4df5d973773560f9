use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg509_static_ip_outside_subnet::static_addresses;

declare_rule! {
    /// ## What it does
    /// Reports a static address (`ipv4_address`, `ipv6_address`) on a service that runs more
    /// than one container: `deploy.replicas` or `scale` greater than 1. A replica count with an
    /// unset variable is unknown and not reported.
    ///
    /// ## Why is this bad?
    /// Every replica asks for the same address. The first container gets it; the others fail
    /// to start with `Address already in use`, so the service never reaches its replica count.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:2.1.0
    ///     deploy:
    ///       replicas: 3
    ///     networks:
    ///       jobs: {ipv4_address: 172.28.0.10}
    /// networks:
    ///   jobs:
    ///     ipam:
    ///       config: [{subnet: 172.28.0.0/16}]
    /// ```
    ///
    /// ## Use instead
    /// Let Docker assign the addresses; other services reach the replicas by service name:
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:2.1.0
    ///     deploy:
    ///       replicas: 3
    ///     networks: [jobs]
    /// networks:
    ///   jobs:
    /// ```
    pub struct StaticIpOnScaledService {
        code: "CG511",
        name: "static-ip-on-scaled-service",
        category: Network,
        severity: Error,
        summary: "a service with several replicas sets a static address",
    }
}

impl Rule for StaticIpOnScaledService {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some(replicas) = s.replicas().filter(|r| *r > 1) else {
                continue;
            };
            let source = if s.node_at("deploy.replicas").is_some() {
                s.at("deploy").key("replicas")
            } else {
                s.at("scale")
            };
            for a in static_addresses(&s) {
                out.push(
                    self.finding(
                        cx,
                        a.path.clone(),
                        format!(
                            "service `{}` runs {replicas} replicas but sets one `{}` ({}) for all of them",
                            s.name, a.key, a.text
                        ),
                    )
                    .label("only one container can have it")
                    .service(s.name)
                    .related(cx.file, source.clone(), format!("{replicas} replicas"))
                    .help("remove the static address (other services reach the replicas by the service name), or run a single replica")
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
        codes(&lint_rule("CG511", yaml))
    }

    #[test]
    fn scaled() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    deploy:\n      replicas: 3\n    networks:\n      n: {ipv4_address: 172.28.0.5}\nnetworks:\n  n:\n"
            ),
            ["CG511@7"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    scale: 2\n    networks:\n      n:\n        ipv4_address: 172.28.0.5\n        ipv6_address: 'fd00::5'\nnetworks:\n  n:\n"
            ),
            ["CG511@7", "CG511@8"]
        );
    }

    #[test]
    fn single() {
        assert!(run("services:\n  a:\n    image: x\n    deploy:\n      replicas: 1\n    networks:\n      n: {ipv4_address: 172.28.0.5}\nnetworks:\n  n:\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    scale: ${N}\n    networks:\n      n: {ipv4_address: 172.28.0.5}\nnetworks:\n  n:\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    deploy:\n      replicas: 3\n    networks: [n]\nnetworks:\n  n:\n").is_empty());
    }
}
