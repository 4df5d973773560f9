use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg701_image_without_tag::{has_digest, pulled_image};
use crate::lint::view::tag;

declare_rule! {
    /// ## What it does
    /// Reports a service whose `image` uses the tag `latest` (`image: nginx:latest`).
    ///
    /// Services with `build:` (where `image` names what Compose builds), images that also
    /// pin a digest (`nginx:latest@sha256:…`), and references with an unset variable are not
    /// reported.
    ///
    /// ## Why is this bad?
    /// `latest` is whatever the publisher pushed last: different machines, or the same machine
    /// after `docker compose pull`, run different versions from the same file, and a new major
    /// version arrives unannounced. Writing `:latest` does not make it a version.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:latest
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:1.27.1
    /// ```
    pub struct ImageLatestTag {
        code: "CG702",
        name: "image-latest-tag",
        category: Image,
        severity: Warning,
        summary: "an image uses the `latest` tag",
    }
}

impl Rule for ImageLatestTag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some((image, path)) = pulled_image(&s) else {
                continue;
            };
            if has_digest(&image) || tag(&image) != Some("latest") {
                continue;
            }
            out.push(
                self.finding(cx, path, format!("image `{image}` of service `{}` uses the `latest` tag", s.name))
                    .label("not a version")
                    .service(s.name)
                    .help(format!(
                        "pin a version tag (`{}:<version>`), so that every machine runs the same version",
                        image.strip_suffix(":latest").unwrap_or(&image)
                    ))
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG702", yaml))
    }

    #[test]
    fn latest() {
        assert_eq!(
            run("services:\n  a:\n    image: nginx:latest\n"),
            ["CG702@3"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: ghcr.io/org/app:latest\n"),
            ["CG702@3"]
        );
    }

    #[test]
    fn not_latest() {
        assert!(run("services:\n  a:\n    image: nginx:1.27.1\n").is_empty());
        assert!(run("services:\n  a:\n    image: nginx\n").is_empty());
        assert!(run("services:\n  a:\n    image: nginx:latest@sha256:abc\n").is_empty());
        assert!(run("services:\n  a:\n    build: .\n    image: app:latest\n").is_empty());
        assert!(run("services:\n  a:\n    image: nginx:Latest-x\n").is_empty());
    }
}
