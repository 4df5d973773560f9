use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg701_image_without_tag::{has_digest, pulled_image};
use crate::lint::view::{repository, tag};

declare_rule! {
    /// ## What it does
    /// Reports an image tag that moves: the publisher re-points it at new releases. A tag
    /// floats when
    ///
    /// - it contains no digit at all (`stable`, `lts`, `alpine`, `mainline-alpine`,
    ///   `bookworm`): it names a channel or a variant, not a version;
    /// - one of its `-`/`_`-separated words is a moving word: `latest`, `stable`, `lts`,
    ///   `current`, `mainline`, `edge`, `nightly`, `dev`, `develop`, `devel`, `main`,
    ///   `master`, `rolling`, `beta`, `alpha`, `canary`, `next`, `unstable`, `testing`,
    ///   `preview`, `insiders`, `experimental` (`2022-latest`, `lts-alpine`);
    /// - it starts with a version (an optional `v`, then numbers separated by dots) that has
    ///   fewer than three numbers: `16`, `7-alpine`, `3.12-slim`, `v2`, `8.0-debian-12`.
    ///
    /// A tag with a full `major.minor.patch` version is pinned (`1.27.1`, `16.4.0-alpine`,
    /// `v2.54.1`), and so are these exceptions: a single number of six digits or more (a date
    /// or build number: `20240915`); a partial version followed by a cumulative-update word
    /// (`2022-CU14-ubuntu-22.04`); and two numbers for images whose releases have two
    /// (`postgres` from 10 on, `debian`: `postgres:16.4`, `debian:12.7`). Tags that fit none
    /// of these (`RELEASE.2024-09-13T20-26-02Z`, `sha-1f2e3d4`) are not judged.
    ///
    /// `latest` and a missing tag are CG702 and CG701. Images with a digest, services with
    /// `build:`, and references with an unset variable are not reported.
    ///
    /// ## Why is this bad?
    /// A floating tag gives different machines, or the same machine before and after `docker
    /// compose pull`, different versions from the same file. Minor upgrades are usually safe;
    /// a rebuild can still change behaviour, and `lts` or `stable` jump major versions.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: redis:7-alpine
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: redis:7.4.1-alpine
    /// ```
    pub struct FloatingImageTag {
        code: "CG703",
        name: "floating-image-tag",
        category: Image,
        severity: Info,
        summary: "an image tag that moves to new releases (`16`, `7-alpine`, `stable`, `lts`)",
    }
}

/// Words that name a moving channel rather than a release.
const MOVING: &[&str] = &[
    "latest",
    "stable",
    "lts",
    "current",
    "mainline",
    "edge",
    "nightly",
    "dev",
    "develop",
    "devel",
    "main",
    "master",
    "rolling",
    "beta",
    "alpha",
    "canary",
    "next",
    "unstable",
    "testing",
    "preview",
    "insiders",
    "experimental",
];

/// Images whose releases are numbered `major.minor` (`postgres` from 10 on, `debian`).
const TWO_NUMBER_RELEASES: &[(&str, u64)] = &[("postgres", 10), ("debian", 0)];

/// Why a tag floats, or None when it is pinned or cannot be judged.
pub fn floating(repo: &str, tag: &str) -> Option<String> {
    if tag == "latest" {
        return None; // CG702
    }
    if !tag.chars().any(|c| c.is_ascii_digit()) {
        return Some("it names a channel or variant, not a version".to_string());
    }
    let words: Vec<&str> = tag.split(['-', '_']).collect();
    if let Some(w) = words
        .iter()
        .find(|w| MOVING.contains(&w.to_ascii_lowercase().as_str()))
    {
        return Some(format!("`{w}` moves to new releases"));
    }
    let first = words[0];
    let version = first
        .strip_prefix(['v', 'V'])
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(first);
    let numbers: Vec<&str> = version.split('.').collect();
    if numbers
        .iter()
        .any(|n| n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()))
    {
        return None; // not a version: not judged
    }
    if numbers.len() >= 3 {
        return None;
    }
    if numbers.len() == 1 && numbers[0].len() >= 6 {
        return None; // a date or build number
    }
    if words[1..].iter().any(|w| {
        let w = w.to_ascii_lowercase();
        w.strip_prefix("cu")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    }) {
        return None; // SQL Server cumulative updates: 2022-CU14-…
    }
    if numbers.len() == 2
        && let Some((_, from)) = TWO_NUMBER_RELEASES.iter().find(|(r, _)| *r == repo)
        && numbers[0].parse::<u64>().is_ok_and(|m| m >= *from)
    {
        return None;
    }
    Some(format!(
        "version `{version}` has no {} number",
        if numbers.len() == 1 {
            "minor or patch"
        } else {
            "patch"
        }
    ))
}

impl Rule for FloatingImageTag {
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
            let Some(t) = tag(&image) else {
                continue;
            };
            let Some(why) = floating(&repository(&image), t) else {
                continue;
            };
            out.push(
                self.finding(
                    cx,
                    path,
                    format!("image `{image}` of service `{}` uses the floating tag `{t}`", s.name),
                )
                .label(why)
                .service(s.name)
                .help("pin the full version the tag points to today (for example `7.4.1-alpine` rather than `7-alpine`), or a digest, and upgrade on purpose")
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::floating;
    use crate::lint::testing::{codes, lint_rule};

    #[test]
    fn floating_tags() {
        for (repo, tag) in [
            ("redis", "7-alpine"),
            ("postgres", "16"),
            ("postgres", "16-alpine"),
            ("node", "stable"),
            ("node", "lts"),
            ("node", "lts-alpine"),
            ("nginx", "alpine"),
            ("nginx", "mainline-alpine"),
            ("python", "3.12-slim"),
            ("traefik", "v2"),
            ("traefik", "v3.1"),
            ("alpine", "3.20"),
            ("ubuntu", "22.04"),
            ("postgres", "9.6"),
            ("mcr.microsoft.com/mssql/server", "2022-latest"),
            ("bitnami/mysql", "8.0-debian-10"),
            ("debian", "bookworm"),
        ] {
            assert!(floating(repo, tag).is_some(), "{repo}:{tag} floats");
        }
    }

    #[test]
    fn pinned_or_not_judged() {
        for (repo, tag) in [
            ("redis", "7.4.1-alpine"),
            ("nginx", "1.27.1"),
            ("prom/prometheus", "v2.54.1"),
            ("postgres", "16.4"),
            ("postgres", "16.4-bookworm"),
            ("debian", "12.7"),
            ("bitnami/elasticsearch", "7.13.3-debian-10-r0"),
            ("mcr.microsoft.com/mssql/server", "2022-CU14-ubuntu-22.04"),
            ("minio/minio", "RELEASE.2024-09-13T20-26-02Z"),
            ("example/app", "sha-1f2e3d4"),
            ("example/app", "20240915"),
            ("nginx", "latest"),
        ] {
            assert!(floating(repo, tag).is_none(), "{repo}:{tag} is pinned");
        }
    }

    #[test]
    fn findings() {
        assert_eq!(
            codes(&lint_rule(
                "CG703",
                "services:\n  a:\n    image: redis:7-alpine\n  b:\n    image: redis:7.4.1\n  c:\n    build: .\n    image: app:1\n  d:\n    image: redis:7@sha256:abc\n"
            )),
            ["CG703@3"]
        );
    }
}
