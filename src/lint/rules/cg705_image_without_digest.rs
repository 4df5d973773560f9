use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg701_image_without_tag::{has_digest, pulled_image};

declare_rule! {
    /// ## What it does
    /// Reports an image that is not pinned by digest (`image: nginx:1.27.1` rather than
    /// `nginx:1.27.1@sha256:…`). Off by default: enable it for supply-chain hardening.
    ///
    /// Services with `build:` and references with an unset variable are not reported.
    ///
    /// ## Why is this bad?
    /// A tag is a mutable pointer: the publisher (or anyone who takes over the repository)
    /// can push different content under `1.27.1`, and official images are rebuilt under the
    /// same tag for base-image updates. Only a digest names exactly the bytes that were
    /// reviewed and tested.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:1.27.1
    /// ```
    ///
    /// ## Use instead
    /// Keep the tag for readers and add the digest (`docker buildx imagetools inspect
    /// nginx:1.27.1` prints it); a bot such as Renovate keeps both up to date:
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:1.27.1@sha256:<digest>
    /// ```
    pub struct ImageWithoutDigest {
        code: "CG705",
        name: "image-without-digest",
        category: Image,
        severity: Info,
        enabled: false,
        summary: "an image is not pinned by digest (off by default)",
    }
}

impl Rule for ImageWithoutDigest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some((image, path)) = pulled_image(&s) else {
                continue;
            };
            if has_digest(&image) {
                continue;
            }
            out.push(
                self.finding(cx, path, format!("image `{image}` of service `{}` is not pinned by digest", s.name))
                    .label("a tag can be re-pointed")
                    .service(s.name)
                    .help("append the digest of the image you tested: `@sha256:…` (`docker buildx imagetools inspect IMAGE` prints it)")
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG705", yaml))
    }

    #[test]
    fn digests() {
        assert_eq!(
            run("services:\n  a:\n    image: nginx:1.27.1\n"),
            ["CG705@3"]
        );
        assert!(run("services:\n  a:\n    image: nginx:1.27.1@sha256:0123\n").is_empty());
        assert!(run("services:\n  a:\n    build: .\n    image: app:1\n").is_empty());
        assert!(run("services:\n  a:\n    image: ${IMAGE}\n").is_empty());
    }
}
