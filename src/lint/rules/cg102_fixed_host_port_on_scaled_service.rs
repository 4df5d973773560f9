use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that runs more than one replica (`deploy.replicas` or `scale` above 1)
    /// and publishes a fixed host port, or a host port range smaller than the replica count.
    ///
    /// ## Why is this bad?
    /// Every replica tries to bind the same host port; only the first starts, the others fail
    /// with `port is already allocated`. The same happens on `docker compose up --scale`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:1.4.2
    ///     deploy:
    ///       replicas: 3
    ///     ports: ["8080:8080"]
    /// ```
    ///
    /// ## Use instead
    /// Publish only the container port (Docker picks free host ports), a range at least as large
    /// as the replica count, or put a proxy in front:
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:1.4.2
    ///     deploy:
    ///       replicas: 3
    ///     ports: ["8080-8082:8080"]
    /// ```
    pub struct FixedHostPortOnScaledService {
        code: "CG102",
        name: "fixed-host-port-on-scaled-service",
        category: Ports,
        severity: Error,
        summary: "a service with several replicas publishes a fixed host port",
    }
}

impl Rule for FixedHostPortOnScaledService {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some(replicas) = s.replicas().filter(|r| *r > 1) else {
                continue;
            };
            for p in s.ports() {
                let Some((lo, hi)) = p.published.filter(|_| p.error.is_none() && !p.unknown) else {
                    continue;
                };
                if u64::from(hi - lo + 1) >= replicas {
                    continue;
                }
                out.push(
                    self.finding(cx, p.path.clone(), format!("`{}` runs {replicas} replicas but publishes fixed host port {lo}", s.name))
                        .label("only one replica can bind this")
                        .service(s.name)
                        .help(format!("publish only the container port (`\"{}\"`) or a host range of at least {replicas} ports", p.target.0))
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
        let hit =
            "services:\n  w:\n    image: x\n    deploy: {replicas: 3}\n    ports: ['8080:8080']\n";
        assert_eq!(codes(&lint_rule("CG102", hit)), ["CG102@5"]);
        let scale = "services:\n  w:\n    image: x\n    scale: 2\n    ports: ['8080:8080']\n";
        assert_eq!(codes(&lint_rule("CG102", scale)), ["CG102@5"]);
        let range = "services:\n  w:\n    image: x\n    deploy: {replicas: 3}\n    ports: ['8080-8082:8080']\n";
        assert!(codes(&lint_rule("CG102", range)).is_empty());
        let container_only =
            "services:\n  w:\n    image: x\n    deploy: {replicas: 3}\n    ports: ['8080']\n";
        assert!(codes(&lint_rule("CG102", container_only)).is_empty());
        let single = "services:\n  w:\n    image: x\n    ports: ['8080:8080']\n";
        assert!(codes(&lint_rule("CG102", single)).is_empty());
    }
}
