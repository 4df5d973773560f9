use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

/// The rule's code, for the engine.
pub const CODE: &str = "CG005";

declare_rule! {
    /// ## What it does
    /// Reports the consistency errors Docker Compose raises beyond the schema when it loads a
    /// project: a service with neither `image` nor `build`; `container_name` on a service with
    /// more than one replica; `mem_limit`, `cpus` … that disagree with their
    /// `deploy.resources` counterparts; `build.platforms` that does not include `platform`;
    /// a short-syntax volume with an empty section (`:/media`, often an unset variable);
    /// references to secrets, configs, volumes or networks that are not declared; and more
    /// (see docs/conformance.md). Where a more specific rule reports the same place (an
    /// undeclared volume is CG201, an unknown dependency CG501), that rule's finding is shown
    /// instead.
    ///
    /// ## Why is this bad?
    /// `docker compose up` (and `config`) refuse the project: `service "app" has neither an
    /// image nor a build context specified: invalid compose project`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     container_name: app
    ///     deploy:
    ///       replicas: 2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4.2
    ///     deploy:
    ///       replicas: 2
    /// ```
    pub struct ComposeRejects {
        code: "CG005",
        name: "compose-rejects",
        category: Schema,
        severity: Error,
        summary: "Docker Compose refuses the project for a consistency error",
    }
}

impl Rule for ComposeRejects {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Services are all linted, whatever their compose profile: check with every profile on.
        let problems = crate::compose::validate::consistency_with_profiles(cx.root, &["*"]);
        super::cg004_schema_violation::push_problems(self, cx, problems, out);
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    #[test]
    fn consistency_errors() {
        assert_eq!(
            codes(&lint_rule(
                "CG005",
                "services:\n  app:\n    environment: {A: '1'}\n"
            )),
            ["CG005@2"]
        );
        let replicas =
            "services:\n  app:\n    image: x\n    container_name: app\n    deploy: {replicas: 2}\n";
        assert_eq!(codes(&lint_rule("CG005", replicas)).len(), 1);
        assert!(codes(&lint_rule("CG005", "services:\n  app:\n    image: x\n")).is_empty());
    }
}
