use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::images::ImageEntry;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg410_literal_secret::is_secret_name;
use crate::lint::view::repository;

declare_rule! {
    /// ## What it does
    /// Reports an environment variable that the service's image does not read, when its name
    /// is close to one the image does read — a misspelling that the image silently ignores.
    /// The image must be in the image table with its variables (`env`, and `env_prefixes` for
    /// images that turn every variable with a prefix into a setting, like Grafana's `GF_`).
    /// Close means:
    ///
    /// - the same name in another case (`postgres_password`);
    /// - the same words with a usual variant of one (`PASS`, `PASSWD`, `PWD` for `PASSWORD`;
    ///   `USERNAME`, `LOGIN` for `USER`; `DATABASE`, `DBNAME` for `DB`; `_FILE` for `__FILE`):
    ///   `POSTGRES_DATABASE` for `POSTGRES_DB`, `RABBITMQ_DEFAULT_PASSWORD` for
    ///   `RABBITMQ_DEFAULT_PASS`, `GF_SECURITY_ADMIN_PASSWORD_FILE` for
    ///   `GF_SECURITY_ADMIN_PASSWORD__FILE`;
    /// - a typo: one edit for names under 10 characters, two for longer ones
    ///   (`POSTGRES_PASWORD`, `KAFKA_ADVERTISED_LISTENER`);
    /// - one word missing or one word too many (`GF_SECURITY_ADMIN` for
    ///   `GF_SECURITY_ADMIN_USER`, `POSTGRES_ROOT_PASSWORD` for `POSTGRES_PASSWORD`). For a
    ///   variable under one of the image's prefixes, where any name may be a setting
    ///   composegen does not know, only names of credentials are compared this way
    ///   (`GF_SECURITY_PASSWORD` for `GF_SECURITY_ADMIN_PASSWORD`).
    ///
    /// A service that runs scripts of its own (a mount under `/docker-entrypoint-initdb.d` or
    /// another `/docker-entrypoint…` directory, or an `entrypoint:`) may read variables the
    /// image does not: for it, only other spellings and typos are reported.
    ///
    /// Teach composegen your own images' variables with `images:` in `.composegen.yaml`
    /// (`env:`, `env_prefixes:`; see `composegen explain CG206`).
    ///
    /// ## Why is this bad?
    /// The container starts, and the setting is not applied. For credentials that is a
    /// security problem: with `GF_SECURITY_ADMIN_PASWORD` Grafana keeps `admin`/`admin`, with
    /// `MONGO_INITDB_ROOT_PASS` MongoDB starts without authentication. Nothing in the logs
    /// says why.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   grafana:
    ///     image: grafana/grafana-oss:11.3.0
    ///     environment:
    ///       GF_SECURITY_ADMIN: admin
    ///       GF_SECURITY_PASSWORD: ${GRAFANA_PASSWORD:?}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   grafana:
    ///     image: grafana/grafana-oss:11.3.0
    ///     environment:
    ///       GF_SECURITY_ADMIN_USER: admin
    ///       GF_SECURITY_ADMIN_PASSWORD: ${GRAFANA_PASSWORD:?}
    /// ```
    pub struct MisspelledImageVariable {
        code: "CG412",
        name: "misspelled-image-variable",
        category: Security,
        severity: Warning,
        summary: "an environment variable the image ignores, close to one it reads (`POSTGRES_PASSWROD`)",
    }
}

/// The words of a variable name, split at `_` and `.`, upper-cased.
fn words(name: &str) -> Vec<String> {
    name.split(['_', '.'])
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

/// A word with its usual variants folded.
fn fold(word: &str) -> &str {
    match word {
        "PASS" | "PASSWD" | "PWD" | "PASSWORD" => "PASSWORD",
        "USER" | "USERNAME" | "LOGIN" => "USER",
        "DB" | "DATABASE" | "DBNAME" => "DB",
        w => w,
    }
}

fn folded(words: &[String]) -> Vec<&str> {
    words.iter().map(|w| fold(w)).collect()
}

/// Optimal string alignment distance (edits, with adjacent transpositions).
pub fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Whether `short` is `long` with one word left out.
fn one_word_missing(short: &[&str], long: &[&str]) -> bool {
    short.len() >= 2
        && long.len() == short.len() + 1
        && (0..long.len()).any(|skip| {
            long.iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, w)| *w)
                .eq(short.iter().copied())
        })
}

/// Names of credentials: a secret, or a user name.
fn credential(name: &str) -> bool {
    is_secret_name(name) || words(name).last().is_some_and(|w| fold(w) == "USER")
}

/// The variables of `entry` that `name` looks like a misspelling of, with why. With
/// `scripts` (the service runs scripts of its own that may read any variable), only other
/// spellings and typos count, not a word more or less.
pub fn near_misses<'e>(
    name: &str,
    entry: &'e ImageEntry,
    scripts: bool,
) -> Vec<(&'e str, &'static str)> {
    let known = &entry.env;
    if known.is_empty() || known.iter().any(|k| k == name) {
        return Vec::new();
    }
    if let Some(stem) = name.strip_suffix("__FILE")
        && known.iter().any(|k| k == stem)
        && entry
            .env_prefixes
            .iter()
            .any(|p| name.starts_with(p.as_str()))
    {
        return Vec::new(); // `__FILE` variants of any setting (Grafana)
    }
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
        return vec![(k.as_str(), "names are case-sensitive")];
    }
    let open = entry
        .env_prefixes
        .iter()
        .any(|p| name.starts_with(p.as_str()));
    let upper = name.to_ascii_uppercase();
    let nw = words(name);
    let nf = folded(&nw);
    // (tier, name, why): only the closest tier is reported.
    let mut out: Vec<(u8, &str, &'static str)> = Vec::new();
    for k in known {
        let kw = words(k);
        let kf = folded(&kw);
        let file_variant =
            kw.last().is_some_and(|w| w == "FILE") != nw.last().is_some_and(|w| w == "FILE");
        let max_edits = match k.chars().count() {
            0..=5 => 0,
            6..=9 => 1,
            _ => 2,
        };
        let typo =
            nw.first() == kw.first() && typo_distance(&upper, &k.to_ascii_uppercase()) <= max_edits;
        let why = if nf == kf {
            Some((0, "a variant spelling"))
        } else if typo {
            Some((1, "a typo"))
        } else if file_variant || scripts {
            None
        } else if one_word_missing(&nf, &kf) && (!open || credential(k)) {
            Some((2, "a word missing"))
        } else if one_word_missing(&kf, &nf) && !open {
            Some((2, "a word too many"))
        } else {
            None
        };
        if let Some((tier, why)) = why {
            out.push((tier, k.as_str(), why));
        }
    }
    let best = out.iter().map(|(t, _, _)| *t).min();
    out.into_iter()
        .filter(|(t, _, _)| Some(*t) == best)
        .map(|(_, k, why)| (k, why))
        .collect()
}

impl Rule for MisspelledImageVariable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some((image, _)) = s.image() else {
                continue;
            };
            if !image.known() {
                continue;
            }
            let Some(entry) = cx.images.lookup(&repository(&image.value)) else {
                continue;
            };
            // Init scripts and a custom entrypoint read variables of their own.
            let scripts = s.get("entrypoint").is_some()
                || s.mounts().iter().any(|m| {
                    m.target.starts_with("/docker-entrypoint")
                        || m.target.starts_with("/always-initdb.d")
                });
            for var in s.environment() {
                let misses = near_misses(&var.name, entry, scripts);
                let Some((_, why)) = misses.first() else {
                    continue;
                };
                let suggestions = misses
                    .iter()
                    .take(3)
                    .map(|(k, _)| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                out.push(
                    self.finding(
                        cx,
                        var.path.clone(),
                        format!(
                            "`{}` sets `{}`, which its image does not read: did you mean {suggestions}?",
                            s.name, var.name
                        ),
                    )
                    .on_key()
                    .label(format!("ignored by the image ({why})"))
                    .service(s.name)
                    .help(format!("rename it to {suggestions}; if the image (or a script of yours) does read it, teach composegen with `images:` in .composegen.yaml"))
                    .build(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::images::ImageTable;
    use crate::lint::testing::{codes, lint_rule};

    fn misses(image: &str, name: &str) -> Vec<String> {
        let t = ImageTable::new(&[]).unwrap();
        let e = t.lookup(image).unwrap();
        near_misses(name, e, false)
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect()
    }

    #[test]
    fn near() {
        assert_eq!(
            misses("postgres", "POSTGRES_PASWORD"),
            ["POSTGRES_PASSWORD"]
        );
        assert_eq!(
            misses("postgres", "POSTGRES_PASSWROD"),
            ["POSTGRES_PASSWORD"]
        );
        assert_eq!(
            misses("postgres", "postgres_password"),
            ["POSTGRES_PASSWORD"]
        );
        assert_eq!(misses("postgres", "POSTGRES_DATABASE"), ["POSTGRES_DB"]);
        assert_eq!(
            misses("postgres", "POSTGRES_ROOT_PASSWORD"),
            ["POSTGRES_PASSWORD"]
        );
        assert_eq!(misses("mysql", "MYSQL_ROOT_PASS"), ["MYSQL_ROOT_PASSWORD"]);
        assert_eq!(
            misses("grafana/grafana", "GF_SECURITY_ADMIN"),
            ["GF_SECURITY_ADMIN_USER", "GF_SECURITY_ADMIN_PASSWORD"]
        );
        assert_eq!(
            misses("grafana/grafana", "GF_SECURITY_PASSWORD"),
            ["GF_SECURITY_ADMIN_PASSWORD"]
        );
        assert_eq!(
            misses("grafana/grafana", "GF_SECURITY_ADMIN_PASSWORD_FILE"),
            ["GF_SECURITY_ADMIN_PASSWORD__FILE"]
        );
        assert_eq!(
            misses("rabbitmq", "RABBITMQ_DEFAULT_PASSWORD"),
            ["RABBITMQ_DEFAULT_PASS"]
        );
        assert_eq!(
            misses("confluentinc/cp-kafka", "KAFKA_ADVERTISED_LISTENER"),
            ["KAFKA_ADVERTISED_LISTENERS"]
        );
    }

    #[test]
    fn not_near() {
        for (image, name) in [
            ("postgres", "POSTGRES_PASSWORD"),
            ("postgres", "PGDATA"),
            ("postgres", "TZ"),
            ("postgres", "POSTGRES_MULTIPLE_DATABASES"),
            ("grafana/grafana", "GF_LOG_CONSOLE_LEVEL"),
            ("grafana/grafana", "GF_SERVER_HTTP_ADDR"),
            ("grafana/grafana", "GF_DATABASE_PASSWORD__FILE"),
            ("grafana/grafana", "GF_AUTH_ANONYMOUS_ORG_NAME"),
            ("confluentinc/cp-kafka", "KAFKA_LOG_DIR"),
            (
                "confluentinc/cp-kafka",
                "KAFKA_CONFLUENT_TOPIC_REPLICATION_FACTOR",
            ),
            ("confluentinc/cp-kafka", "KAFKA_JMX_OPTS"),
            ("bitnami/postgresql", "POSTGRESQL_USERNAME"),
            ("bitnami/mysql", "MYSQL_MASTER_ROOT_PASSWORD"),
            ("bitnami/wordpress", "WORDPRESS_DATABASE_USER"),
            ("mariadb", "MYSQL_ROOT_PASSWORD_FILE"),
            ("elasticsearch", "discovery.type"),
            (
                "elasticsearch",
                "cluster.routing.allocation.disk.threshold_enabled",
            ),
        ] {
            assert!(
                misses(image, name).is_empty(),
                "{image} {name}: {:?}",
                misses(image, name)
            );
        }
    }

    #[test]
    fn findings() {
        assert_eq!(
            codes(&lint_rule(
                "CG412",
                "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_USERNAME: app\n      POSTGRES_PASSWORD: ${PW:?}\n  app:\n    image: example/app:1.0\n    environment:\n      POSTGRES_USERNAME: app\n"
            )),
            ["CG412@5"]
        );
        assert_eq!(
            codes(&lint_rule(
                "CG412",
                "services:\n  db:\n    image: postgres:16.4\n    environment:\n      - POSTGRES_PASS=${PW:?}\n"
            )),
            ["CG412@5"]
        );
        // Init scripts may read variables of their own: only spellings and typos count.
        assert_eq!(
            codes(&lint_rule(
                "CG412",
                "services:\n  db:\n    image: postgres:16.4\n    volumes: ['./init:/docker-entrypoint-initdb.d:ro']\n    environment:\n      POSTGRES_APP_PASSWORD: x\n      POSTGRES_PASWORD: y\n"
            )),
            ["CG412@7"]
        );
    }

    /// Variables of the corpus images (data/images.yaml: each image's env file).
    #[test]
    fn variables_of_the_corpus_images() {
        // What the corpus files set is read.
        for (image, name) in [
            ("bitnami/odoo", "ODOO_DATABASE_PORT_NUMBER"),
            ("bitnami/redmine", "REDMINE_DATABASE_TYPE"),
            ("bitnami/ghost", "GHOST_DATABASE_NAME"),
            ("bitnami/spark", "SPARK_WORKER_MEMORY"),
            ("bitnami/spark", "SPARK_LOCAL_STORAGE_ENCRYPTION_ENABLED"),
            ("visibilityspots/cloudflared", "ADDRESS"),
            ("containersol/locust_exporter", "LOCUST_EXPORTER_URI"),
        ] {
            assert!(misses(image, name).is_empty(), "{image} {name}");
        }
        assert_eq!(
            misses("bitnami/ghost", "GHOST_DATABASE_PASWORD"),
            ["GHOST_DATABASE_PASSWORD"]
        );
        assert_eq!(
            misses("bitnami/odoo", "ODOO_DATABASE_USERNAME"),
            ["ODOO_DATABASE_USER"]
        );
        assert_eq!(
            codes(&lint_rule(
                "CG412",
                "services:\n  s:\n    image: docker.io/bitnami/spark:3\n    environment:\n      - SPARK_RPC_AUTHENTICATION_SECRT=x\n"
            )),
            ["CG412@5"]
        );
    }
}
