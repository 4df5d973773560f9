use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg604_missing_restart_policy::{deploy_restart, service_restart};

declare_rule! {
    /// ## What it does
    /// Reports a service that sets both `restart:` and `deploy.restart_policy` to different
    /// policies.
    ///
    /// Docker Compose maps `deploy.restart_policy` onto the container's restart policy
    /// (`condition: none` is `no`, `any` is `always`, `max_attempts` the retry count) and lets
    /// it win: `restart:` is ignored. A `deploy.restart_policy` without `condition` gives an
    /// empty policy, so the container is not restarted at all, whatever `restart:` says.
    /// Policies with an unset variable are not compared.
    ///
    /// ## Why is this bad?
    /// The file says two things and only one happens, silently: `restart: always` next to
    /// `deploy: {restart_policy: {max_attempts: 3}}` looks like "always restart", yet the
    /// container is never restarted.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: ghcr.io/example/worker:1.4.0
    ///     restart: always
    ///     deploy:
    ///       restart_policy:
    ///         condition: on-failure
    /// ```
    ///
    /// ## Use instead
    /// Keep one of them:
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: ghcr.io/example/worker:1.4.0
    ///     restart: always
    /// ```
    pub struct ConflictingRestartPolicies {
        code: "CG605",
        name: "conflicting-restart-policies",
        category: Health,
        severity: Warning,
        summary: "`restart` and `deploy.restart_policy` disagree; Compose uses `deploy.restart_policy`",
    }
}

/// A policy in words (`always`, `on-failure (at most 3 retries)`, `no restart`).
pub fn describe(name: &str, count: i64) -> String {
    match name {
        "" | "no" => "no restart".into(),
        "on-failure" if count > 0 => format!("on-failure (at most {count} retries)"),
        other => other.into(),
    }
}

impl Rule for ConflictingRestartPolicies {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let (Some(service), Some(deploy)) = (service_restart(&s), deploy_restart(&s)) else {
                continue;
            };
            if service.unknown || deploy.unknown {
                continue;
            }
            let normal = |name: &str| {
                if name.is_empty() {
                    "no".to_string()
                } else {
                    name.to_string()
                }
            };
            if normal(&service.name) == normal(&deploy.name) && service.count == deploy.count {
                continue;
            }
            let outcome = if deploy.name.is_empty() {
                "which has no `condition`, so the container is never restarted".to_string()
            } else {
                format!(
                    "so the container gets `{}`",
                    describe(&deploy.name, deploy.count)
                )
            };
            out.push(
                self.finding(
                    cx,
                    service.path.clone(),
                    format!(
                        "service `{}` sets `restart: {}`, but Docker Compose uses `deploy.restart_policy` ({}) instead, {outcome}",
                        s.name, service.written, deploy.written
                    ),
                )
                .label("ignored")
                .related(cx.file, deploy.path.clone(), "this wins")
                .service(s.name)
                .help("keep only one of them: `restart:` for Docker Compose, `deploy.restart_policy` with a `condition` if the file is also deployed to Swarm")
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG605", yaml))
    }

    #[test]
    fn conflicts() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    restart: always\n    deploy:\n      restart_policy:\n        condition: on-failure\n"
            ),
            ["CG605@4"]
        );
        let d = lint_rule(
            "CG605",
            "services:\n  a:\n    image: x:1\n    restart: always\n    deploy: {restart_policy: {max_attempts: 3}}\n",
        );
        assert_eq!(codes(&d), ["CG605@4"]);
        assert!(d[0].message.contains("never restarted"), "{}", d[0].message);
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    restart: on-failure:5\n    deploy: {restart_policy: {condition: on-failure, max_attempts: 3}}\n"
            ),
            ["CG605@4"]
        );
    }

    #[test]
    fn agreeing() {
        assert!(run("services:\n  a:\n    image: x:1\n    restart: always\n    deploy: {restart_policy: {condition: any}}\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    restart: \"no\"\n    deploy: {restart_policy: {condition: none}}\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    restart: on-failure:3\n    deploy: {restart_policy: {condition: on-failure, max_attempts: 3}}\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    restart: always\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    restart: ${R}\n    deploy: {restart_policy: {condition: any}}\n").is_empty());
    }
}
