use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg301_missing_memory_limit::{MissingText, long_running, report_missing};
use crate::lint::view::Service;

declare_rule! {
    /// ## What it does
    /// Reports a long-running service without a process limit: neither `pids_limit` nor
    /// `deploy.resources.limits.pids` is set, or one is set to `-1` or `0`, which mean
    /// unlimited (reported at the key; an unlimited value is not a limit, and Docker reads
    /// `0` as unlimited since API 1.41).
    ///
    /// Off by default. The same services as CG301 are looked at (one-shot jobs, `extends` and
    /// merged files are skipped), and a file where no service has a limit gets one finding.
    ///
    /// ## Why is this bad?
    /// Docker sets no process limit by default. A fork bomb, or a service that leaks threads,
    /// exhausts the PID table of the whole host: nothing else can start a process, including
    /// `docker exec` to investigate. A limit well above the service's needs (a few hundred for
    /// most services, more for databases and JVMs with many threads) contains it. It is off by
    /// default because almost no compose file sets it and the failure is rare.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/example/app:3.0.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/example/app:3.0.2
    ///     pids_limit: 512
    /// ```
    pub struct MissingPidsLimit {
        code: "CG303",
        name: "missing-pids-limit",
        category: Resources,
        severity: Info,
        enabled: false,
        summary: "a long-running service has no process (PID) limit",
    }
}

impl Rule for MissingPidsLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = long_running(cx);
        for s in &services {
            for key in ["pids_limit", "deploy.resources.limits.pids"] {
                let Some((node, path)) = s.node_at(key) else {
                    continue;
                };
                let unlimited = crate::lint::view::scalar(node, cx.env)
                    .filter(|v| v.known())
                    .and_then(|v| crate::compose::grammar::number::parse_int(v.value.trim()))
                    .is_some_and(|n| n <= 0);
                if unlimited {
                    out.push(
                        self.finding(
                            cx,
                            path,
                            format!("service `{}` sets an unlimited process limit", s.name),
                        )
                        .label("-1 and 0 mean no limit")
                        .service(s.name)
                        .help("set a limit well above what the service needs, e.g. 512")
                        .build(),
                    );
                }
            }
        }
        let missing: Vec<&Service<'_>> = services
            .iter()
            .filter(|s| {
                s.get("pids_limit").is_none() && s.node_at("deploy.resources.limits.pids").is_none()
            })
            .collect();
        report_missing(
            self,
            cx,
            out,
            services.len(),
            &missing,
            &MissingText {
                message: &|name| format!("service `{name}` has no process limit"),
                all_message: &|names| format!("no service sets a process limit ({names})"),
                label: "no pids_limit",
                help: "set `pids_limit` (or `deploy.resources.limits.pids`) well above what the service needs, e.g. 512",
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG303", yaml))
    }

    #[test]
    fn unlimited_values_are_reported() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    pids_limit: -1\n  b:\n    image: y:1\n    deploy: {resources: {limits: {pids: 0}}}\n  c:\n    image: z:1\n    pids_limit: 200\n"
            ),
            ["CG303@4", "CG303@7"]
        );
    }

    #[test]
    fn pids_limits() {
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n  b:\n    image: y:1\n    pids_limit: 100\n"),
            ["CG303@2"]
        );
        assert!(
            run("services:\n  a:\n    image: x:1\n    deploy: {resources: {limits: {pids: 64}}}\n")
                .is_empty()
        );
    }
}
