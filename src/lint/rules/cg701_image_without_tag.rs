use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{Service, tag};
use crate::yaml::Path;

declare_rule! {
    /// ## What it does
    /// Reports a service whose `image` has neither a tag nor a digest (`image: postgres`),
    /// which means `:latest`.
    ///
    /// Services with `build:` are not reported (there `image` names the image Compose builds
    /// and tags), nor images with a digest (`postgres@sha256:…`), nor image references with an
    /// unset variable (`${IMAGE}`). A `${TAG:-16.4}` default counts as the tag.
    ///
    /// ## Why is this bad?
    /// `latest` is whatever the publisher pushed last. Two machines (or the same machine
    /// before and after `docker compose pull`) run different versions from the same file, and
    /// a new major version (a database that refuses its old data directory, an API that
    /// changed) arrives unannounced.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: redis
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: redis:7.4.1
    /// ```
    pub struct ImageWithoutTag {
        code: "CG701",
        name: "image-without-tag",
        category: Image,
        severity: Warning,
        summary: "an image without a tag or digest (implicitly `:latest`)",
    }
}

/// The image a service pulls: its `image` when it has no `build`, the value is known and not
/// empty. Returns the reference and its path.
pub fn pulled_image(s: &Service<'_>) -> Option<(String, Path)> {
    if s.get("build").is_some() {
        return None;
    }
    let (image, path) = s.image()?;
    let value = image.value.trim();
    (image.known() && !value.is_empty()).then(|| (value.to_string(), path))
}

/// Whether an image reference pins a digest (`@sha256:…`).
pub fn has_digest(image: &str) -> bool {
    image.contains('@')
}

impl Rule for ImageWithoutTag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some((image, path)) = pulled_image(&s) else {
                continue;
            };
            if has_digest(&image) || tag(&image).is_some() {
                continue;
            }
            out.push(
                self.finding(cx, path, format!("image `{image}` of service `{}` has no tag: it means `{image}:latest`", s.name))
                    .label("implicitly `:latest`")
                    .service(s.name)
                    .help(format!("pin a version tag (`{image}:<version>`, see the image's registry page), so that every machine runs the same version"))
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compose::interpolate::Env;
    use crate::lint::testing::{codes, lint_rule, lint_rule_with};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG701", yaml))
    }

    #[test]
    fn untagged() {
        assert_eq!(run("services:\n  a:\n    image: redis\n"), ["CG701@3"]);
        assert_eq!(
            run("services:\n  a:\n    image: localhost:5000/team/app\n"),
            ["CG701@3"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: ${IMG:-redis}\n"),
            ["CG701@3"]
        );
    }

    #[test]
    fn tagged_built_or_unknown() {
        assert!(run("services:\n  a:\n    image: redis:7.4.1\n").is_empty());
        assert!(run("services:\n  a:\n    image: redis@sha256:0123456789abcdef\n").is_empty());
        assert!(run("services:\n  a:\n    image: localhost:5000/app:1.0.0\n").is_empty());
        assert!(run("services:\n  a:\n    build: .\n    image: myapp\n").is_empty());
        let mut env = Env::empty();
        env.set("TAG", "1.2.3");
        assert!(
            codes(&lint_rule_with(
                "CG701",
                "services:\n  a:\n    image: app:${TAG}\n",
                env
            ))
            .is_empty()
        );
        assert!(run("services:\n  a:\n    image: ${IMAGE}\n").is_empty());
        assert!(run("services:\n  a:\n    image: app:${TAG}\n").is_empty());
    }
}
