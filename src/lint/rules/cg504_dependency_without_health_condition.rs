use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg503_healthy_dependency_without_healthcheck::has_healthcheck;
use crate::lint::view::ServiceRefKind;

declare_rule! {
    /// ## What it does
    /// Reports a `depends_on` entry in the list form (`depends_on: [db]`) on a service that
    /// has a healthcheck: its own `healthcheck.test`, or a `HEALTHCHECK` its image ships
    /// (composegen's image table says `healthcheck: true`).
    ///
    /// The list form means `condition: service_started`. The mapping form is not reported,
    /// whatever its condition: writing `condition: service_started` there is a choice.
    ///
    /// ## Why is this bad?
    /// The dependent service starts as soon as the dependency's container has started, not
    /// when the dependency is ready: a database still initialising refuses connections, and an
    /// application that does not retry crashes or fails its first requests. The healthcheck
    /// is there; the dependency just does not wait for it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     depends_on: [db]
    ///   db:
    ///     image: postgres:16.4
    ///     healthcheck:
    ///       test: ["CMD-SHELL", "pg_isready -U postgres"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     depends_on:
    ///       db:
    ///         condition: service_healthy
    ///   db:
    ///     image: postgres:16.4
    ///     healthcheck:
    ///       test: ["CMD-SHELL", "pg_isready -U postgres"]
    /// ```
    pub struct DependencyWithoutHealthCondition {
        code: "CG504",
        name: "dependency-without-health-condition",
        category: Network,
        severity: Info,
        summary: "`depends_on: [x]` waits only for `x` to start although `x` has a healthcheck",
    }
}

impl Rule for DependencyWithoutHealthCondition {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = cx.compose().services();
        for s in &services {
            for r in s.service_refs() {
                if r.kind != ServiceRefKind::DependsOn || !r.short || r.unknown {
                    continue;
                }
                let Some(target) = services.iter().find(|t| t.name == r.service) else {
                    continue;
                };
                if has_healthcheck(cx, target) != Some(true) {
                    continue;
                }
                let related = if target.get("healthcheck").is_some() {
                    target.at("healthcheck")
                } else {
                    target.at("image")
                };
                out.push(
                    self.finding(
                        cx,
                        r.path.clone(),
                        format!(
                            "service `{}` waits only for `{}` to start, although `{}` has a healthcheck",
                            s.name, r.service, r.service
                        ),
                    )
                    .label("means `condition: service_started`")
                    .service(s.name)
                    .related(cx.file, related, "its healthcheck")
                    .help(format!(
                        "to start `{}` once `{}` is ready, write `depends_on:` as a mapping: `{}: {{condition: service_healthy}}`",
                        s.name, r.service, r.service
                    ))
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
        codes(&lint_rule("CG504", yaml))
    }

    #[test]
    fn short_form_on_healthchecked_targets() {
        assert_eq!(
            run(
                "services:\n  api:\n    image: x:1\n    depends_on: [db]\n  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [CMD, pg_isready]\n"
            ),
            ["CG504@4"]
        );
        // The image ships a HEALTHCHECK.
        assert_eq!(
            run(
                "services:\n  api:\n    image: x:1\n    depends_on:\n      - dns\n  dns:\n    image: pihole/pihole:2024.07.0\n"
            ),
            ["CG504@5"]
        );
    }

    #[test]
    fn not_reported() {
        // No healthcheck, a disabled one, a long form, an unknown image.
        assert!(run("services:\n  api:\n    image: x:1\n    depends_on: [db]\n  db:\n    image: postgres:16.4\n").is_empty());
        assert!(run("services:\n  api:\n    image: x:1\n    depends_on: [dns]\n  dns:\n    image: pihole/pihole:2024.07.0\n    healthcheck: {disable: true}\n").is_empty());
        assert!(run("services:\n  api:\n    image: x:1\n    depends_on:\n      db:\n        condition: service_started\n  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [CMD, pg_isready]\n").is_empty());
        assert!(run("services:\n  api:\n    image: x:1\n    depends_on: [db]\n  db:\n    image: example/db:1.0.0\n").is_empty());
    }
}
