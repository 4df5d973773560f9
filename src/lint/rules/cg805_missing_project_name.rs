use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg201_undeclared_volume::is_partial_file;
use crate::yaml::Path;

declare_rule! {
    /// ## What it does
    /// Reports a compose file without a top-level `name:`. Off by default. Parity with
    /// dclint's `require-project-name-field`. Files that are merged with another (with
    /// `include:`, named `*override*`, or with a service that has neither `image`, `build` nor
    /// `extends`) are not reported: the name belongs in the main file.
    ///
    /// ## Why is this bad?
    /// Without it the project name is the name of the directory holding the file (or `-p`,
    /// or `COMPOSE_PROJECT_NAME`). Containers, networks and volumes are prefixed with it, so a
    /// clone in another directory, or a renamed directory, starts a second project with fresh,
    /// empty volumes instead of reusing the existing ones.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// name: shop
    /// services:
    ///   db:
    ///     image: postgres:16.4
    /// ```
    pub struct MissingProjectName {
        code: "CG805",
        name: "missing-project-name",
        category: Style,
        severity: Info,
        enabled: false,
        summary: "the file sets no top-level project `name` (off by default)",
    }
}

impl Rule for MissingProjectName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        if cx.root.get("name").is_some() || is_partial_file(cx, &compose) {
            return;
        }
        let crate::yaml::Kind::Map(entries) = &cx.root.kind else {
            return;
        };
        let Some(first) = entries.first().and_then(|(k, _)| k.as_str()) else {
            return;
        };
        out.push(
            self.finding(cx, Path::root().key(first), "the file sets no project `name`")
                .on_key()
                .label("add `name:` above")
                .help("add a top-level `name: <project>`: otherwise the project, and the prefix of its containers, networks and volumes, is named after the directory")
                .build(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    #[test]
    fn name() {
        assert_eq!(
            codes(&lint_rule(
                "CG805",
                "# app\nservices:\n  a:\n    image: x\n"
            )),
            ["CG805@2"]
        );
        assert!(lint_rule("CG805", "name: shop\nservices:\n  a:\n    image: x\n").is_empty());
        assert!(lint_rule("CG805", "services:\n  a:\n    ports: ['80:80']\n").is_empty());
    }
}
