use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg604_missing_restart_policy::effective_restart;

declare_rule! {
    /// ## What it does
    /// Reports an `on-failure` restart policy without a maximum: `restart: on-failure` (or
    /// `on-failure:0`, or a count that is not a number, which Compose reads as 0), or
    /// `deploy.restart_policy` with `condition: on-failure` and no `max_attempts`.
    ///
    /// Only the policy Compose uses is checked (`deploy.restart_policy` wins over `restart:`).
    ///
    /// ## Why is this bad?
    /// `on-failure` says "restart when it fails", usually for a service that should not run
    /// forever in a crash loop. Without a maximum, a service that cannot start (a wrong
    /// password, a missing file) is restarted forever, with Docker's back-off, filling the logs;
    /// `docker ps` shows it `Restarting` rather than failed. With a maximum it stops and
    /// `docker compose ps` shows the exit code. If endless retries are what you want, `always`
    /// or `unless-stopped` says so.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   importer:
    ///     image: ghcr.io/example/importer:0.9.2
    ///     restart: on-failure
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   importer:
    ///     image: ghcr.io/example/importer:0.9.2
    ///     restart: on-failure:5
    /// ```
    pub struct UnlimitedRestartOnFailure {
        code: "CG607",
        name: "unlimited-restart-on-failure",
        category: Health,
        severity: Info,
        summary: "an `on-failure` restart policy has no maximum retry count",
    }
}

impl Rule for UnlimitedRestartOnFailure {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some(r) = effective_restart(&s) else {
                continue;
            };
            if r.unknown || r.name != "on-failure" || r.count != 0 {
                continue;
            }
            let (label, help) = match (&r.count_written, r.from_deploy) {
                (Some(c), false) if c.trim().parse::<i64>().is_err() => (
                    format!("`{c}` is not a number: Compose reads 0, unlimited"),
                    "write the maximum as a number: `on-failure:5`",
                ),
                (Some(_), false) => (
                    "0 means no maximum".to_string(),
                    "give a maximum: `on-failure:5`",
                ),
                (_, false) => ("no maximum".to_string(), "give a maximum: `on-failure:5`"),
                (_, true) => (
                    "no max_attempts".to_string(),
                    "add `max_attempts: 5` to `deploy.restart_policy`",
                ),
            };
            out.push(
                self.finding(
                    cx,
                    r.path.clone(),
                    format!(
                        "service `{}` is restarted on failure without a maximum: a service that cannot start restarts forever",
                        s.name
                    ),
                )
                .label(label)
                .service(s.name)
                .help(help)
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG607", yaml))
    }

    #[test]
    fn unlimited() {
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    restart: on-failure\n"),
            ["CG607@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    restart: on-failure:x\n"),
            ["CG607@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    restart: \"on-failure:0\"\n"),
            ["CG607@4"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    deploy:\n      restart_policy:\n        condition: on-failure\n"
            ),
            ["CG607@6"]
        );
    }

    #[test]
    fn limited_or_other() {
        assert!(run("services:\n  a:\n    image: x:1\n    restart: on-failure:3\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    restart: always\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    deploy: {restart_policy: {condition: on-failure, max_attempts: 2}}\n").is_empty());
        // The ignored `restart:` is not checked.
        assert!(run("services:\n  a:\n    image: x:1\n    restart: on-failure\n    deploy: {restart_policy: {condition: any}}\n").is_empty());
    }
}
