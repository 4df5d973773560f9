use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg301_missing_memory_limit::{MissingText, long_running, report_missing};
use crate::lint::view::{Service, scalar};

declare_rule! {
    /// ## What it does
    /// Reports a long-running service whose logs go to the `json-file` driver without a size
    /// limit: it has no `logging:` (the Docker daemon's default driver, `json-file` unless the
    /// daemon is configured otherwise), or `logging.driver: json-file`, and no
    /// `logging.options.max-size`. Other drivers are not reported (`local` rotates by itself).
    ///
    /// One-shot jobs (see CG301), services that `extends` another one and files merged with another one
    /// are skipped, and a file where no service limits its logs gets one finding on `services:`.
    ///
    /// ## Why is this bad?
    /// `json-file` keeps every line a container prints, in one file under
    /// `/var/lib/docker/containers/`, forever: a chatty service fills the host's disk in weeks,
    /// and then every container on the host fails. `max-size` (with `max-file`) rotates it.
    ///
    /// The severity is info because the compose file cannot tell: the host's
    /// `/etc/docker/daemon.json` may set another default driver, or `log-opts` with a
    /// `max-size` that applies to every container using the default driver. This also makes the
    /// rule fire on most compose files; a file that sets rotation itself works the same on
    /// every host.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/example/api:2.3.1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/example/api:2.3.1
    ///     logging:
    ///       driver: json-file
    ///       options:
    ///         max-size: 10m
    ///         max-file: "3"
    /// ```
    pub struct LogRotationNotConfigured {
        code: "CG608",
        name: "log-rotation-not-configured",
        category: Health,
        severity: Info,
        summary: "a service logs to json-file (the default) without `max-size`, so its log grows without bound",
    }
}

/// Whether the service's logs are unbounded: Some(true) when they go to json-file (or the
/// default driver) without `max-size`; None when unknown (a variable is unset).
fn unbounded(s: &Service<'_>) -> Option<bool> {
    let Some((logging, _)) = s.node_at("logging") else {
        return Some(true);
    };
    let driver = match logging.get("driver").and_then(|d| scalar(d, s.variables())) {
        Some(d) if !d.known() => return None,
        Some(d) => d.value,
        None => String::new(),
    };
    if !driver.is_empty() && driver != "json-file" {
        return Some(false);
    }
    let max_size = logging
        .get("options")
        .and_then(|o| o.get("max-size"))
        .and_then(|m| scalar(m, s.variables()));
    match max_size {
        Some(m) if !m.known() => None,
        Some(m) => Some(m.value.trim() == "-1" || m.value.trim().is_empty()),
        None => Some(true),
    }
}

impl Rule for LogRotationNotConfigured {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = long_running(cx);
        let missing: Vec<&Service<'_>> = services
            .iter()
            .filter(|s| unbounded(s) == Some(true))
            .collect();
        report_missing(
            self,
            cx,
            out,
            services.len(),
            &missing,
            &MissingText {
                message: &|name| {
                    format!(
                        "the logs of service `{name}` are not rotated (json-file without `max-size`)"
                    )
                },
                all_message: &|names| {
                    format!(
                        "no service limits the size of its logs ({names}): json-file keeps them forever"
                    )
                },
                label: "json-file logs without max-size",
                help: "set `logging: {driver: json-file, options: {max-size: 10m, max-file: \"3\"}}` (an `x-logging` anchor saves repeating it), or `driver: local`; skip this if the hosts' daemon.json sets `log-opts`",
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG608", yaml))
    }

    #[test]
    fn unrotated() {
        let ok = "  b:\n    image: y:1\n    logging:\n      options:\n        max-size: 10m\n";
        assert_eq!(
            run(&format!("services:\n  a:\n    image: x:1\n{ok}")),
            ["CG608@2"]
        );
        assert_eq!(
            run(&format!(
                "services:\n  a:\n    image: x:1\n    logging:\n      driver: json-file\n{ok}"
            )),
            ["CG608@2"]
        );
        assert_eq!(
            run(&format!(
                "services:\n  a:\n    image: x:1\n    logging:\n      options:\n        max-file: '3'\n{ok}"
            )),
            ["CG608@2"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n  b:\n    image: y:1\n"),
            ["CG608@1"]
        );
    }

    #[test]
    fn rotated_or_other_driver() {
        assert!(run("services:\n  a:\n    image: x:1\n    logging: {driver: json-file, options: {max-size: 10m}}\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    logging: {driver: local}\n").is_empty());
        assert!(
            run("services:\n  a:\n    image: x:1\n    logging: {driver: journald}\n").is_empty()
        );
        assert!(
            run("services:\n  a:\n    image: x:1\n    logging: {driver: '${LOG_DRIVER}'}\n")
                .is_empty()
        );
        // Anchors and merge keys.
        assert!(run("x-logging: &log\n  options: {max-size: 10m}\nservices:\n  a:\n    image: x:1\n    logging: *log\n").is_empty());
    }
}
