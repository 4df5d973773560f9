use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that uses `links:` (one finding per service, at the key).
    /// `external_links` is not reported.
    ///
    /// ## Why is this bad?
    /// Links are a legacy feature of the default bridge network. On the networks Compose
    /// creates, every service already reaches every other one on a shared network by its
    /// service name, so a link only adds an alias and an implicit start-up dependency that are
    /// better written explicitly (`networks.NET.aliases`, `depends_on`). Docker documents links
    /// as legacy and may remove them.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.1.0
    ///     links:
    ///       - db:database
    ///   db:
    ///     image: postgres:16.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.1.0
    ///     depends_on: [db]
    ///   db:
    ///     image: postgres:16.4
    ///     networks:
    ///       default:
    ///         aliases: [database]
    /// ```
    pub struct DeprecatedLinks {
        code: "CG513",
        name: "deprecated-links",
        category: Network,
        severity: Info,
        summary: "`links` is a legacy feature: services reach each other by name",
    }
}

impl Rule for DeprecatedLinks {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if s.get("links").is_none() {
                continue;
            }
            out.push(
                self.finding(cx, s.at("links"), format!("service `{}` uses `links`, a legacy feature", s.name))
                    .on_key()
                    .label("legacy")
                    .service(s.name)
                    .help("remove `links`: services on a shared network reach each other by service name; write `depends_on` for start-up order and `networks: {NET: {aliases: [...]}}` on the target for another name")
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    #[test]
    fn links() {
        assert_eq!(
            codes(&lint_rule(
                "CG513",
                "services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: y\n    external_links: [c]\n"
            )),
            ["CG513@4"]
        );
        assert!(lint_rule("CG513", "services:\n  a:\n    image: x\n").is_empty());
    }
}
