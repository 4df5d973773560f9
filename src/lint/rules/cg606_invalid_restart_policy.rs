use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg604_missing_restart_policy::effective_restart;

declare_rule! {
    /// ## What it does
    /// Reports a restart policy the Docker Engine refuses when Compose creates the container:
    ///
    /// - an unknown policy (`restart: allways`, `condition: sometimes`); Compose knows `no`,
    ///   `always`, `on-failure`, `unless-stopped`, and `none` and `any` in `deploy`;
    /// - a retry count with a policy other than `on-failure`: `restart: always:3`, or
    ///   `deploy.restart_policy` with `condition: any` (or `none`) and `max_attempts`;
    /// - a negative retry count.
    ///
    /// Only the policy Compose uses is checked: `deploy.restart_policy` when it is set, else
    /// `restart:` (see CG605).
    ///
    /// ## Why is this bad?
    /// `docker compose config` accepts the file, but `docker compose up` fails for the service:
    /// `invalid restart policy: unknown policy`, or `maximum retry count can only be used with
    /// 'on-failure'` (Docker Engine 25 and later). `max_attempts` with `condition: any` is a
    /// Swarm combination that plain Compose cannot express.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: ghcr.io/example/worker:1.4.0
    ///     deploy:
    ///       restart_policy:
    ///         condition: any
    ///         max_attempts: 3
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: ghcr.io/example/worker:1.4.0
    ///     deploy:
    ///       restart_policy:
    ///         condition: on-failure
    ///         max_attempts: 3
    /// ```
    pub struct InvalidRestartPolicy {
        code: "CG606",
        name: "invalid-restart-policy",
        category: Health,
        severity: Error,
        summary: "a restart policy that the Docker Engine refuses",
    }
}

impl Rule for InvalidRestartPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some(r) = effective_restart(&s) else {
                continue;
            };
            if r.unknown {
                continue;
            }
            let known = ["", "no", "always", "on-failure", "unless-stopped"];
            let mut path = r.path.clone();
            let (message, label, help) = if !known.contains(&r.name.as_str()) {
                let options = if r.from_deploy {
                    "`none`, `on-failure` or `any`"
                } else {
                    "`no`, `always`, `on-failure` or `unless-stopped`"
                };
                (
                    format!(
                        "service `{}` has an unknown restart policy `{}`",
                        s.name, r.name
                    ),
                    "unknown policy".to_string(),
                    format!("Docker refuses it when it creates the container; use {options}"),
                )
            } else if r.count < 0 {
                (
                    format!(
                        "service `{}` has a negative restart count ({})",
                        s.name, r.count
                    ),
                    "negative count".to_string(),
                    "Docker refuses it; give a positive count, or none for unlimited retries"
                        .to_string(),
                )
            } else if r.count != 0 && r.name != "on-failure" && !r.name.is_empty() {
                if let Some(p) = &r.count_path {
                    path = p.clone();
                }
                let fix = if r.from_deploy {
                    "use `condition: on-failure` with `max_attempts`, or remove `max_attempts`"
                } else {
                    "use `on-failure:N`, or remove the count"
                };
                (
                    format!(
                        "service `{}` combines a retry count with a policy other than `on-failure` ({})",
                        s.name,
                        if r.from_deploy {
                            r.written.clone()
                        } else {
                            format!("restart: {}", r.written)
                        }
                    ),
                    "a retry count needs on-failure".to_string(),
                    format!(
                        "Docker refuses it (`maximum retry count can only be used with 'on-failure'`); {fix}"
                    ),
                )
            } else {
                continue;
            };
            out.push(
                self.finding(cx, path, message)
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
        codes(&lint_rule("CG606", yaml))
    }

    #[test]
    fn refused() {
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    restart: allways\n"),
            ["CG606@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    restart: always:3\n"),
            ["CG606@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    restart: on-failure:-1\n"),
            ["CG606@4"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    deploy:\n      restart_policy:\n        condition: any\n        max_attempts: 3\n"
            ),
            ["CG606@7"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    deploy: {restart_policy: {condition: bogus}}\n"
            ),
            ["CG606@4"]
        );
    }

    #[test]
    fn accepted() {
        for r in [
            "no",
            "\"no\"",
            "always",
            "unless-stopped",
            "on-failure",
            "on-failure:3",
            "none",
            "any",
        ] {
            assert!(
                run(&format!(
                    "services:\n  a:\n    image: x:1\n    restart: {r}\n"
                ))
                .is_empty(),
                "{r}"
            );
        }
        assert!(run("services:\n  a:\n    image: x:1\n    deploy: {restart_policy: {condition: on-failure, max_attempts: 3}}\n").is_empty());
        assert!(
            run(
                "services:\n  a:\n    image: x:1\n    deploy: {restart_policy: {max_attempts: 3}}\n"
            )
            .is_empty()
        );
        // The ignored `restart:` is not checked.
        assert!(run("services:\n  a:\n    image: x:1\n    restart: always:3\n    deploy: {restart_policy: {condition: any}}\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    restart: ${POLICY}\n").is_empty());
    }
}
