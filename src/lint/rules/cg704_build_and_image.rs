use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that has both `build` and `image` but no `pull_policy`.
    ///
    /// With both, `image` is the name Compose gives the image it builds, and the image Compose
    /// first tries to pull: `up` pulls `image` from its registry when it is not present
    /// locally, and builds only when the pull fails. A `pull_policy` (`build` to always
    /// build, `missing`, `never` …) states which one is meant, so such services are not
    /// reported, nor is an `image` with an unset variable (it may be empty). Parity with
    /// dclint's `no-build-and-image` (with its default `checkPullPolicy`).
    ///
    /// ## Why is this bad?
    /// It is ambiguous which image runs: on a machine where the name resolves in a registry
    /// (the image was pushed once, or a public image has the same name) Compose runs the
    /// pulled image instead of building your local changes, and nothing says so.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build: ./api
    ///     image: registry.example.com/team/api:2.1.0
    /// ```
    ///
    /// ## Use instead
    /// Say which one wins, or drop `image` when the name is not needed:
    /// ```yaml
    /// services:
    ///   api:
    ///     build: ./api
    ///     image: registry.example.com/team/api:2.1.0
    ///     pull_policy: build
    /// ```
    pub struct BuildAndImage {
        code: "CG704",
        name: "build-and-image",
        category: Image,
        severity: Info,
        summary: "a service has both `build` and `image` without a `pull_policy`",
    }
}

impl Rule for BuildAndImage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if s.get("build").is_none() || s.get("pull_policy").is_some() {
                continue;
            }
            let Some((image, path)) = s.image() else {
                continue;
            };
            if image.value.trim().is_empty() || !image.known() {
                continue;
            }
            out.push(
                self.finding(
                    cx,
                    path,
                    format!(
                        "service `{}` has both `build` and `image` (`{}`) and no `pull_policy`",
                        s.name, image.value
                    ),
                )
                .label("pulled first, built only if the pull fails")
                .service(s.name)
                .related(cx.file, s.at("build"), "also built")
                .help("add `pull_policy: build` to always build (the name is then just the tag of the built image), or remove `build` or `image`")
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG704", yaml))
    }

    #[test]
    fn both() {
        assert_eq!(
            run("services:\n  a:\n    build: .\n    image: app:1.0.0\n"),
            ["CG704@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: app:1.0.0\n    build:\n      context: .\n"),
            ["CG704@3"]
        );
    }

    #[test]
    fn one_or_policy() {
        assert!(run("services:\n  a:\n    build: .\n").is_empty());
        assert!(run("services:\n  a:\n    image: app:1.0.0\n").is_empty());
        assert!(
            run("services:\n  a:\n    build: .\n    image: app:1.0.0\n    pull_policy: build\n")
                .is_empty()
        );
    }
}
