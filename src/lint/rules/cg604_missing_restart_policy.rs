use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg301_missing_memory_limit::{MissingText, long_running, report_missing};
use crate::lint::view::{Service, scalar};
use crate::yaml::Path;

declare_rule! {
    /// ## What it does
    /// Reports a long-running service that Docker never restarts: it has no `restart:` and no
    /// `deploy.restart_policy`, or only a `deploy.restart_policy` without `condition` (Docker
    /// Compose then passes an empty policy, which means no restart; the `any` default of the
    /// specification applies to Swarm only).
    ///
    /// `restart: "no"` written on purpose is not reported. One-shot jobs (see CG301), services that
    /// `extends` another one and files merged with another one are skipped, and a file where no
    /// service has a policy gets one finding on `services:`.
    ///
    /// ## Why is this bad?
    /// When the process crashes, or the host or the Docker daemon restarts, the container stays
    /// stopped until someone runs `docker compose up` again. For a development stack that is
    /// often what you want, hence info.
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
    ///     restart: unless-stopped
    /// ```
    pub struct MissingRestartPolicy {
        code: "CG604",
        name: "missing-restart-policy",
        category: Health,
        severity: Info,
        summary: "a long-running service is never restarted (no restart policy)",
    }
}

/// A restart policy as Docker Compose passes it to the Docker Engine.
#[derive(Debug, Clone, PartialEq)]
pub struct RestartSetting {
    /// Where it is written (`restart`, or `deploy.restart_policy`).
    pub path: Path,
    /// As written, for messages (`on-failure:3`, `condition: any, max_attempts: 3`).
    pub written: String,
    /// The engine's policy name after Compose's mapping (`none` → `no`, `any` → `always`):
    /// `no`, `always`, `on-failure`, `unless-stopped`, `` (none given), or an unknown name.
    pub name: String,
    /// The maximum retry count (0: unlimited, or not a number).
    pub count: i64,
    /// The count as written (`3`, `x`), if any.
    pub count_written: Option<String>,
    /// Where the count is written, if apart (`max_attempts`).
    pub count_path: Option<Path>,
    /// From `deploy.restart_policy`.
    pub from_deploy: bool,
    /// A variable in it is unset.
    pub unknown: bool,
}

/// Compose's mapping of restart conditions to engine policies.
pub fn map_condition(condition: &str) -> String {
    match condition {
        "none" | "no" => "no".into(),
        "any" | "always" => "always".into(),
        other => other.into(),
    }
}

/// The `restart:` key, as Compose reads it (`on-failure:3` is a name and a count).
pub fn service_restart(s: &Service<'_>) -> Option<RestartSetting> {
    let v = s.str("restart")?;
    if v.value.is_empty() && v.known() {
        return None;
    }
    let (name, count) = match v.value.split_once(':') {
        Some((n, c)) => (n, Some(c.to_string())),
        None => (v.value.as_str(), None),
    };
    Some(RestartSetting {
        path: s.at("restart"),
        written: v.value.clone(),
        name: map_condition(name),
        count: count.as_deref().and_then(|c| c.parse().ok()).unwrap_or(0),
        count_written: count,
        count_path: None,
        from_deploy: false,
        unknown: !v.known(),
    })
}

/// `deploy.restart_policy`, as Compose passes it on (only `condition` and `max_attempts`
/// matter outside Swarm).
pub fn deploy_restart(s: &Service<'_>) -> Option<RestartSetting> {
    let (policy, path) = s.node_at("deploy.restart_policy")?;
    let condition = policy
        .get("condition")
        .and_then(|n| scalar(n, s.variables()));
    let attempts = policy
        .get("max_attempts")
        .and_then(|n| scalar(n, s.variables()));
    let unknown = condition.as_ref().is_some_and(|c| !c.known())
        || attempts.as_ref().is_some_and(|a| !a.known());
    let mut written = Vec::new();
    if let Some(c) = &condition {
        written.push(format!("condition: {}", c.value));
    }
    if let Some(a) = &attempts {
        written.push(format!("max_attempts: {}", a.value));
    }
    let condition_path = policy.get("condition").map(|_| path.key("condition"));
    let count_path = policy.get("max_attempts").map(|_| path.key("max_attempts"));
    Some(RestartSetting {
        path: condition_path
            .or_else(|| count_path.clone())
            .unwrap_or(path),
        written: if written.is_empty() {
            "no condition".into()
        } else {
            written.join(", ")
        },
        name: condition
            .map(|c| map_condition(&c.value))
            .unwrap_or_default(),
        count: attempts
            .as_ref()
            .and_then(|a| a.value.trim().parse().ok())
            .unwrap_or(0),
        count_written: attempts.map(|a| a.value),
        count_path,
        from_deploy: true,
        unknown,
    })
}

/// The policy the container gets: `deploy.restart_policy` wins over `restart`.
pub fn effective_restart(s: &Service<'_>) -> Option<RestartSetting> {
    deploy_restart(s).or_else(|| service_restart(s))
}

impl Rule for MissingRestartPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = long_running(cx);
        let mut missing: Vec<&Service<'_>> = Vec::new();
        for s in &services {
            match (deploy_restart(s), service_restart(s)) {
                (None, None) => missing.push(s),
                // A condition-less deploy policy alone: no restart. With `restart:` too, CG605
                // reports the conflict.
                (Some(d), None) if d.name.is_empty() && !d.unknown => {
                    out.push(
                        self.finding(
                            cx,
                            s.at("deploy").key("restart_policy"),
                            format!(
                                "`deploy.restart_policy` of service `{}` has no `condition`: Docker Compose does not restart the container",
                                s.name
                            ),
                        )
                        .on_key()
                        .label("no condition: no restart outside Swarm")
                        .service(s.name)
                        .help("add `condition: any` (or `on-failure`): the specification's default applies to Swarm only")
                        .build(),
                    );
                }
                _ => {}
            }
        }
        report_missing(
            self,
            cx,
            out,
            services.len(),
            &missing,
            &MissingText {
                message: &|name| format!("service `{name}` has no restart policy"),
                all_message: &|names| format!("no service has a restart policy ({names})"),
                label: "never restarted",
                help: "set `restart: unless-stopped` (or `always`, or `on-failure:5`) so that it comes back after a crash or a reboot; write `restart: \"no\"` if it must not",
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG604", yaml))
    }

    #[test]
    fn missing() {
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n  b:\n    image: y:1\n    restart: always\n"),
            ["CG604@2"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n  b:\n    image: y:1\n"),
            ["CG604@1"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    deploy:\n      restart_policy:\n        max_attempts: 3\n"
            ),
            ["CG604@5"]
        );
    }

    #[test]
    fn present() {
        assert!(run("services:\n  a:\n    image: x:1\n    restart: \"no\"\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    deploy: {restart_policy: {condition: on-failure}}\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    restart: ${RESTART}\n").is_empty());
        assert!(
            run(
                "services:\n  job:\n    image: x:1\n    command: [run-once]\n    restart: \"no\"\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn parsing() {
        let yaml = "services:\n  a:\n    image: x:1\n    restart: on-failure:3\n  b:\n    image: x:1\n    restart: always\n    deploy: {restart_policy: {condition: any, max_attempts: 2}}\n";
        let root = crate::yaml::Node::parse(yaml).unwrap();
        let env = crate::compose::interpolate::Env::empty();
        let index = crate::lint::view::Index::new(&root, &env);
        let compose = crate::lint::view::Compose {
            root: &root,
            env: &env,
            index: &index,
        };
        let a = super::effective_restart(&compose.service("a").unwrap()).unwrap();
        assert_eq!(
            (a.name.as_str(), a.count, a.from_deploy),
            ("on-failure", 3, false)
        );
        let b = super::effective_restart(&compose.service("b").unwrap()).unwrap();
        assert_eq!(
            (b.name.as_str(), b.count, b.from_deploy),
            ("always", 2, true)
        );
    }
}
