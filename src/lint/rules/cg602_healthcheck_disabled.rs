use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg601_missing_healthcheck::image_has_healthcheck;
use crate::yaml::Kind;

declare_rule! {
    /// ## What it does
    /// Reports a service that turns its healthcheck off: `healthcheck: {disable: true}`, or
    /// `test: [NONE]` (a list; the string `test: NONE` is not a way to disable it, see CG603).
    ///
    /// ## Why is this bad?
    /// It removes the image's own `HEALTHCHECK`, if it has one, and any way for Docker to tell
    /// a hung service from a working one: `depends_on` with `condition: service_healthy` on it
    /// fails (`container … has no healthcheck configured`), and `docker compose up --wait`
    /// cannot wait for it. Disabling is sometimes right (an image's check that needs a tool or a
    /// port you removed), so the severity is info: write the reason next to it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   cadvisor:
    ///     image: gcr.io/cadvisor/cadvisor:v0.49.1
    ///     healthcheck:
    ///       disable: true
    /// ```
    ///
    /// ## Use instead
    /// Keep the image's healthcheck, or replace it with one that works for your setup:
    /// ```yaml
    /// services:
    ///   cadvisor:
    ///     image: gcr.io/cadvisor/cadvisor:v0.49.1
    ///     healthcheck:
    ///       test: [CMD, wget, -q, --spider, http://localhost:8080/healthz]
    /// ```
    pub struct HealthcheckDisabled {
        code: "CG602",
        name: "healthcheck-disabled",
        category: Health,
        severity: Info,
        summary: "a service disables its healthcheck (`disable: true` or `test: [NONE]`)",
    }
}

impl Rule for HealthcheckDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some((hc, at)) = s.node_at("healthcheck") else {
                continue;
            };
            let disable = match hc.get("disable").map(|n| &n.kind) {
                Some(Kind::Bool(b)) => *b,
                Some(Kind::Str(v)) => v.eq_ignore_ascii_case("true"),
                _ => false,
            };
            let none = matches!(hc.get("test").map(|n| &n.kind), Some(Kind::Seq(items)) if items.first().and_then(|n| n.as_str()) == Some("NONE"));
            let path = if disable {
                at.key("disable")
            } else if none {
                at.key("test")
            } else {
                continue;
            };
            let what = if image_has_healthcheck(cx, &s) {
                "the image's HEALTHCHECK is turned off"
            } else {
                "healthcheck turned off"
            };
            out.push(
                self.finding(
                    cx,
                    path,
                    format!("service `{}` disables its healthcheck", s.name),
                )
                .label(what)
                .service(s.name)
                .help("give it a `test` that works for this service, or say why there is none in a comment (`# composegen: ignore[CG602] reason`)")
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG602", yaml))
    }

    #[test]
    fn disabled() {
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    healthcheck:\n      disable: true\n"),
            ["CG602@5"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    healthcheck:\n      test: [NONE]\n"),
            ["CG602@5"]
        );
        assert!(
            run("services:\n  a:\n    image: x:1\n    healthcheck:\n      test: [CMD, 'true']\n")
                .is_empty()
        );
        assert!(run("services:\n  a:\n    image: x:1\n    healthcheck:\n      disable: false\n      test: [CMD, 'true']\n").is_empty());
        // A string NONE is CG603's business.
        assert!(
            run("services:\n  a:\n    image: x:1\n    healthcheck:\n      test: NONE\n").is_empty()
        );
    }
}
