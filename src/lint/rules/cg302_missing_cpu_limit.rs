use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg301_missing_memory_limit::{MissingText, long_running, report_missing};
use crate::lint::view::Service;

declare_rule! {
    /// ## What it does
    /// Reports a long-running service without a CPU limit: none of `cpus`,
    /// `deploy.resources.limits.cpus`, `cpu_quota`, `cpuset` (nor the Windows-only `cpu_count`
    /// and `cpu_percent`) is set. `cpu_shares` is a relative weight, not a limit.
    ///
    /// Off by default. The same services as CG301 are looked at (one-shot jobs, `extends` and
    /// merged files are skipped), and a file where no service has a limit gets one finding.
    ///
    /// ## Why is this bad?
    /// A service in a busy loop, or a burst of work, takes every CPU of the host and slows
    /// the other services down (health checks time out, requests queue). Unlike memory, CPU
    /// is shared fairly by the kernel and nothing is killed, which is why this rule is off by
    /// default: turn it on for hosts shared by several stacks.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: ghcr.io/example/worker:1.4.0
    ///   api:
    ///     image: ghcr.io/example/api:2.3.1
    ///     cpus: 1.5
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: ghcr.io/example/worker:1.4.0
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           cpus: "2"
    ///   api:
    ///     image: ghcr.io/example/api:2.3.1
    ///     cpus: 1.5
    /// ```
    pub struct MissingCpuLimit {
        code: "CG302",
        name: "missing-cpu-limit",
        category: Resources,
        severity: Info,
        enabled: false,
        summary: "a long-running service has no CPU limit",
    }
}

/// Whether the service limits its CPU in any way Docker knows.
pub fn has_cpu_limit(s: &Service<'_>) -> bool {
    s.cpu_limit().is_some()
        || ["cpu_quota", "cpuset", "cpu_count", "cpu_percent"]
            .iter()
            .any(|k| s.get(k).is_some())
}

impl Rule for MissingCpuLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = long_running(cx);
        let missing: Vec<&Service<'_>> = services.iter().filter(|s| !has_cpu_limit(s)).collect();
        report_missing(
            self,
            cx,
            out,
            services.len(),
            &missing,
            &MissingText {
                message: &|name| format!("service `{name}` has no CPU limit"),
                all_message: &|names| format!("no service sets a CPU limit ({names})"),
                label: "no CPU limit",
                help: "set `deploy.resources.limits.cpus` (or `cpus`), e.g. `\"1.5\"`",
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG302", yaml))
    }

    #[test]
    fn cpu_limits() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    cpu_shares: 512\n  b:\n    image: y:1\n    cpus: 0.5\n"
            ),
            ["CG302@2"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n  b:\n    image: y:1\n"),
            ["CG302@1"]
        );
        assert!(
            run(
                "services:\n  a:\n    image: x:1\n    deploy: {resources: {limits: {cpus: '2'}}}\n"
            )
            .is_empty()
        );
        assert!(run("services:\n  a:\n    image: x:1\n    cpuset: '0,1'\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    cpu_quota: 50000\n").is_empty());
    }
}
