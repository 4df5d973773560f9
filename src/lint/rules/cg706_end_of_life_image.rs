use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg701_image_without_tag::pulled_image;
use crate::lint::view::{repository, tag};

declare_rule! {
    /// ## What it does
    /// Reports an image whose tag names a release line that its project no longer supports,
    /// from a dated table (December 2026) of the projects' published support policies:
    ///
    /// | Image | End of life |
    /// |---|---|
    /// | `postgres`, `postgis/postgis`, `bitnami/postgresql` | 14 and older (14: 2026-11-12) |
    /// | `mysql`, `mysql/mysql-server`, `bitnami/mysql` | 8.0 and older (8.0: 2026-04-30) |
    /// | `mongo`, `mongodb/mongodb-community-server`, `bitnami/mongodb` | 6.0 and older (6.0: July 2025) |
    /// | `redis`, `bitnami/redis` | 6.0 and older (6.0: 2022-05-31) |
    /// | `elasticsearch`, `docker.elastic.co/elasticsearch/elasticsearch`, `bitnami/elasticsearch` | 7.x and older (7.17: 2026-01-15) |
    /// | `node`, `bitnami/node` | 20 and older, 21, 23, 25 (20: 2026-04-30) |
    /// | `python`, `bitnami/python` | 3.10 and older (3.10: October 2026) |
    /// | `nginx`, `nginxinc/nginx-unprivileged`, `bitnami/nginx` | 1.27 and older (1.26 and 1.27: April 2025) |
    ///
    /// The version is read from the start of the tag (`12.19-alpine` is PostgreSQL 12,
    /// `3.8-slim` is Python 3.8); a line that needs a minor number is not judged from a tag
    /// without one (`python:3`, `mysql:8`). Tags that are not versions (`latest`, `alpine`,
    /// `lts`), images referenced by digest only, services with `build:` and unknown images
    /// are not reported (CG701-CG703 are about tags that move).
    ///
    /// ## Why is this bad?
    /// After its end of life a release line gets no fixes, security fixes included: known
    /// vulnerabilities stay open, and the image is usually no longer rebuilt on a patched
    /// base. Upgrading a database by several major versions at once is also harder than
    /// keeping up.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:12.19
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.2
    /// ```
    pub struct EndOfLifeImage {
        code: "CG706",
        name: "end-of-life-image",
        category: Image,
        severity: Warning,
        summary: "an image tag names a release line that is past its end of life (`postgres:12`, `node:16`, `python:3.8`)",
    }
}

/// A release line that reached its end of life.
struct Line {
    major: u64,
    /// None: the line is the major version (`postgres` 10 and later, `node`).
    minor: Option<u64>,
    /// When: `YYYY-MM-DD`, or `YYYY-MM` when the project announces only the month.
    date: &'static str,
}

/// A project, its images, and its end-of-life release lines in ascending order. Every
/// version older than the first line is past its end of life too, by that line's date.
struct Product {
    name: &'static str,
    /// Its release lines are major versions (`node` 18, `postgres` 12); otherwise a line
    /// without a minor number stands for every release of that major (Elasticsearch 7.x).
    major_lines: bool,
    images: &'static [&'static str],
    lines: &'static [Line],
    /// The support policy the dates come from.
    source: &'static str,
}

const fn line(major: u64, minor: Option<u64>, date: &'static str) -> Line {
    Line { major, minor, date }
}

/// The table, as of 2026-12-04: only lines whose end of life had passed.
const PRODUCTS: &[Product] = &[
    // PostgreSQL versioning policy: five years of fixes; dates of each line's final release
    // (https://www.postgresql.org/support/versioning/).
    Product {
        name: "PostgreSQL",
        major_lines: true,
        images: &["postgres", "postgis/postgis", "bitnami/postgresql"],
        lines: &[
            line(9, Some(6), "2021-11-11"),
            line(10, None, "2022-11-10"),
            line(11, None, "2023-11-09"),
            line(12, None, "2024-11-21"),
            line(13, None, "2025-11-13"),
            line(14, None, "2026-11-12"),
        ],
        source: "https://www.postgresql.org/support/versioning/",
    },
    // Oracle Lifetime Support Policy for MySQL: 5.6 February 2021, 5.7 October 2023, 8.0
    // 2026-04-30 (https://www.mysql.com/support/eol-notice.html).
    Product {
        name: "MySQL",
        major_lines: false,
        images: &["mysql", "mysql/mysql-server", "bitnami/mysql"],
        lines: &[
            line(5, Some(6), "2021-02"),
            line(5, Some(7), "2023-10"),
            line(8, Some(0), "2026-04-30"),
        ],
        source: "https://www.mysql.com/support/eol-notice.html",
    },
    // MongoDB Software Lifecycle Schedules: 4.4 February 2024, 5.0 October 2024, 6.0 July
    // 2025 (https://www.mongodb.com/legal/support-policy/lifecycles).
    Product {
        name: "MongoDB",
        major_lines: false,
        images: &[
            "mongo",
            "mongodb/mongodb-community-server",
            "bitnami/mongodb",
        ],
        lines: &[
            line(4, Some(4), "2024-02"),
            line(5, Some(0), "2024-10"),
            line(6, Some(0), "2025-07"),
        ],
        source: "https://www.mongodb.com/legal/support-policy/lifecycles",
    },
    // Redis release policy (the latest release and the previous one are maintained); 6.0's
    // end of life as recorded by https://endoflife.date/redis. 6.2 is still maintained.
    Product {
        name: "Redis",
        major_lines: false,
        images: &["redis", "bitnami/redis"],
        lines: &[line(6, Some(0), "2022-05-31")],
        source: "https://redis.io/docs/about/releases/ and https://endoflife.date/redis",
    },
    // Elastic product end-of-life dates: 6.8 (the last 6.x) 2022-02-10, 7.17 (the last
    // 7.x) 2026-01-15 (https://www.elastic.co/support/eol). 8.x lines are not listed.
    Product {
        name: "Elasticsearch",
        major_lines: false,
        images: &[
            "elasticsearch",
            "docker.elastic.co/elasticsearch/elasticsearch",
            "bitnami/elasticsearch",
        ],
        lines: &[line(6, None, "2022-02-10"), line(7, None, "2026-01-15")],
        source: "https://www.elastic.co/support/eol",
    },
    // Node.js release schedule: even lines get 30 months (LTS), odd lines end on June 1st of
    // the next year (https://github.com/nodejs/Release#end-of-life-releases).
    Product {
        name: "Node.js",
        major_lines: true,
        images: &["node", "bitnami/node"],
        lines: &[
            line(16, None, "2023-09-11"),
            line(17, None, "2022-06-01"),
            line(18, None, "2025-04-30"),
            line(19, None, "2023-06-01"),
            line(20, None, "2026-04-30"),
            line(21, None, "2024-06-01"),
            line(23, None, "2025-06-01"),
            line(25, None, "2026-06-01"),
        ],
        source: "https://github.com/nodejs/Release#end-of-life-releases",
    },
    // Python status of versions: five years per line; 3.9 and 3.10 end in October of their
    // fifth year (PEP 596, PEP 619) (https://devguide.python.org/versions/).
    Product {
        name: "Python",
        major_lines: false,
        images: &["python", "bitnami/python"],
        lines: &[
            line(3, Some(6), "2021-12-23"),
            line(3, Some(7), "2023-06-27"),
            line(3, Some(8), "2024-10-07"),
            line(3, Some(9), "2025-10"),
            line(3, Some(10), "2026-10"),
        ],
        source: "https://devguide.python.org/versions/",
    },
    // nginx maintains only the current stable (even) and mainline (odd) branches: a stable
    // release each April ends the previous stable and mainline branches (1.26.0: April 2024,
    // 1.28.0: April 2025; https://nginx.org/en/download.html, https://nginx.org/en/CHANGES).
    Product {
        name: "nginx",
        major_lines: false,
        images: &["nginx", "nginxinc/nginx-unprivileged", "bitnami/nginx"],
        lines: &[
            line(1, Some(24), "2024-04"),
            line(1, Some(25), "2024-04"),
            line(1, Some(26), "2025-04"),
            line(1, Some(27), "2025-04"),
        ],
        source: "https://nginx.org/en/download.html",
    },
];

/// The version a tag starts with: `major[.minor[.patch…]]` followed by the end of the tag or
/// a `-`/`_` suffix (`12.19-alpine`, `3.8-slim`, `16`). None when the tag does not start
/// with a number (`latest`, `lts-alpine`, `alpine3.20`).
pub fn tag_version(tag: &str) -> Option<(u64, Option<u64>)> {
    let head = tag.split(['-', '_']).next()?;
    let mut numbers = head.split('.');
    let major = numbers.next()?;
    if major.is_empty() || !major.chars().all(|c| c.is_ascii_digit()) || major.len() > 6 {
        return None;
    }
    let minor = match numbers.next() {
        None => None,
        Some(m) if !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()) => m.parse().ok(),
        Some(_) => return None,
    };
    Some((major.parse().ok()?, minor))
}

/// The end of life of a version: the line, the date, and whether the version is that line
/// (`on DATE`) or older than the table's first line (`by DATE`).
fn end_of_life(p: &Product, major: u64, minor: Option<u64>) -> Option<(&Line, bool)> {
    let first = p.lines.first()?;
    let older = major < first.major
        || (major == first.major && first.minor.zip(minor).is_some_and(|(f, m)| m < f));
    if older {
        return Some((first, false));
    }
    p.lines
        .iter()
        .find(|l| l.major == major && (l.minor.is_none() || l.minor == minor))
        .map(|l| (l, true))
}

fn show(p: &Product, l: &Line) -> String {
    match l.minor {
        Some(m) => format!("{}.{m}", l.major),
        None if p.major_lines => l.major.to_string(),
        None => format!("{}.x", l.major),
    }
}

/// `2024-11-21`, or `February 2024` for a month.
fn date(text: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match text.split_once('-') {
        Some((year, month)) if month.len() == 2 => month
            .parse::<usize>()
            .ok()
            .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
            .map_or_else(|| text.to_string(), |name| format!("{name} {year}")),
        _ => text.to_string(),
    }
}

impl Rule for EndOfLifeImage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some((image, path)) = pulled_image(&s) else {
                continue;
            };
            let Some(t) = tag(&image) else { continue };
            let repo = repository(&image);
            let Some(product) = PRODUCTS.iter().find(|p| p.images.contains(&repo.as_str())) else {
                continue;
            };
            let Some((major, minor)) = tag_version(t) else {
                continue;
            };
            let Some((l, exact)) = end_of_life(product, major, minor) else {
                continue;
            };
            let version = match minor {
                Some(m) => format!("{major}.{m}"),
                None => major.to_string(),
            };
            let on = if l.date.len() == 7 { "in" } else { "on" };
            let when = match (exact, l.minor) {
                (true, None) if !product.major_lines => format!(
                    "{} {version} is past its end of life: the last {} line's support ended {on} {}",
                    product.name,
                    show(product, l),
                    date(l.date)
                ),
                (true, _) => format!(
                    "{} {} reached its end of life {on} {}",
                    product.name,
                    show(product, l),
                    date(l.date)
                ),
                (false, _) => format!(
                    "{} {version} is older than {}, which reached its end of life {on} {}",
                    product.name,
                    show(product, l),
                    date(l.date)
                ),
            };
            out.push(
                self.finding(
                    cx,
                    path,
                    format!("image `{image}` of service `{}` runs an unsupported release: {when}", s.name),
                )
                .label("no more fixes, security fixes included")
                .service(s.name)
                .help(format!(
                    "upgrade to a supported release line (see {}); for a database, follow its upgrade procedure (dump and restore, or pg_upgrade, mongod's feature compatibility version)",
                    product.source
                ))
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tag_version;
    use crate::lint::testing::{codes, lint_rule};

    fn eol(image: &str) -> bool {
        !codes(&lint_rule(
            "CG706",
            &format!("services:\n  a:\n    image: {image}\n"),
        ))
        .is_empty()
    }

    #[test]
    fn versions_from_tags() {
        assert_eq!(tag_version("12.19-alpine"), Some((12, Some(19))));
        assert_eq!(tag_version("16"), Some((16, None)));
        assert_eq!(tag_version("3.8-slim-bookworm"), Some((3, Some(8))));
        assert_eq!(tag_version("8.0.36-debian-12-r0"), Some((8, Some(0))));
        assert_eq!(tag_version("latest"), None);
        assert_eq!(tag_version("alpine3.20"), None);
        assert_eq!(tag_version("lts-alpine"), None);
        assert_eq!(tag_version("3.x"), None);
    }

    #[test]
    fn end_of_life_lines() {
        for image in [
            "postgres:12",
            "postgres:9.5-alpine",
            "postgres:14.15",
            "postgis/postgis:13-3.1",
            "docker.io/bitnami/postgresql:11",
            "mysql:5.7",
            "mysql:8.0.36",
            "mongo:4.2.0",
            "mongo:6.0.19",
            "redis:5.0.14",
            "redis:6.0-alpine",
            "elasticsearch:7.17.25",
            "docker.elastic.co/elasticsearch/elasticsearch:6.8.23",
            "node:14-alpine",
            "node:18.20.4",
            "node:23",
            "python:2.7",
            "python:3.8-slim",
            "python:3.10.15",
            "nginx:1.21.6",
            "nginx:1.27.3-alpine",
            "redis:6.0@sha256:0123456789abcdef",
        ] {
            assert!(eol(image), "{image} is past its end of life");
        }
        let d = lint_rule("CG706", "services:\n  a:\n    image: postgres:12.19\n");
        assert!(
            d[0].message
                .contains("PostgreSQL 12 reached its end of life on 2024-11-21"),
            "{}",
            d[0].message
        );
        let d = lint_rule("CG706", "services:\n  a:\n    image: postgres:9.4\n");
        assert!(
            d[0].message.contains("PostgreSQL 9.4 is older than 9.6"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn supported_or_not_judged() {
        for image in [
            "postgres:15.10",
            "postgres:17",
            "mysql:8.4.3",
            "mysql:8",
            "mongo:7.0.14",
            "redis:6.2.16",
            "redis:7.4.1-alpine",
            "elasticsearch:8.15.3",
            "node:22-alpine",
            "node:24",
            "node:lts",
            "python:3",
            "python:3.12-slim",
            "nginx:1.28.0",
            "nginx:mainline-alpine",
            "redis",
            "redis:latest",
            "redis@sha256:0123456789abcdef",
            "timescale/timescaledb:2.17.2-pg12",
            "ghcr.io/example/node:14",
        ] {
            assert!(!eol(image), "{image} is not reported");
        }
        // A built image is named, not pulled.
        assert!(
            codes(&lint_rule(
                "CG706",
                "services:\n  a:\n    build: .\n    image: node:14\n"
            ))
            .is_empty()
        );
    }
}
