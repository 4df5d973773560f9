use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that throws its output away: `logging.driver: none`. Parity with
    /// compose-lint's CL-0014.
    ///
    /// ## Why is this bad?
    /// `docker compose logs` shows nothing for the service, and nothing reaches a log
    /// collector: when it fails, or is attacked, there is no record of what it did. A noisy
    /// service is better served by rotation (`max-size`, `max-file`; CG608) than by silence.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:2.1.0
    ///     logging:
    ///       driver: none
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:2.1.0
    ///     logging:
    ///       driver: local
    ///       options:
    ///         max-size: 10m
    ///         max-file: "3"
    /// ```
    pub struct LoggingDisabled {
        code: "CG610",
        name: "logging-disabled",
        category: Health,
        severity: Info,
        summary: "a service discards its logs (`logging.driver: none`)",
    }
}

impl Rule for LoggingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some((node, path)) = s.node_at("logging.driver") else {
                continue;
            };
            let Some(driver) = crate::lint::view::scalar(node, cx.env) else {
                continue;
            };
            if !driver.known() || !driver.value.trim().eq_ignore_ascii_case("none") {
                continue;
            }
            out.push(
                self.finding(cx, path, format!("`{}` discards its logs", s.name))
                    .label("no log is kept")
                    .service(s.name)
                    .help("use the `local` or `json-file` driver with rotation (`max-size`, `max-file`), or ship logs to a collector")
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG610", yaml))
    }

    #[test]
    fn disabled() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    logging:\n      driver: none\n  b:\n    image: y\n    logging: {driver: \"none\"}\n"
            ),
            ["CG610@5", "CG610@8"]
        );
    }

    #[test]
    fn kept() {
        assert!(run("services:\n  a:\n    image: x\n    logging:\n      driver: local\n  b:\n    image: y\n  c:\n    image: z\n    logging: {driver: '${LOG_DRIVER}'}\n").is_empty());
    }
}
