use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg410_literal_secret::is_secret_name;
use crate::lint::view::{EnvVar, Service};
use crate::yaml::Kind;

declare_rule! {
    /// ## What it does
    /// Reports two mistakes of the list form (`- NAME=value`) of `environment`, `build.args`
    /// and `labels`:
    ///
    /// - the same name twice with different values (`- TZ=UTC` … `- TZ=Europe/Berlin`);
    /// - a value in quotes (`- TZ="Europe/Berlin"`).
    ///
    /// The mapping form (`TZ: "Europe/Berlin"`) has neither problem: YAML removes the quotes,
    /// and a repeated key is a YAML error (CG002). The same item written twice is a schema
    /// error (items must be unique), not this rule's.
    ///
    /// ## Why is this bad?
    /// Compose splits each item at the first `=` and keeps the rest as it is: the quotes
    /// become part of the value (`"Europe/Berlin"`, quotes included, is not a time zone, and
    /// `"true"` is not `true`). YAML quotes around the whole item (`- "TZ=Europe/Berlin"`)
    /// are fine. When a name is listed twice Compose keeps the last value without a word,
    /// so editing the first one changes nothing.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/example/app:1.4.2
    ///     environment:
    ///       - TZ="Europe/Berlin"
    ///       - LOG_LEVEL=info
    ///       - LOG_LEVEL=debug
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/example/app:1.4.2
    ///     environment:
    ///       - TZ=Europe/Berlin
    ///       - LOG_LEVEL=debug
    /// ```
    pub struct EnvironmentListPitfall {
        code: "CG010",
        name: "environment-list-pitfall",
        category: Schema,
        severity: Warning,
        summary: "a `- NAME=value` list sets a name twice, or keeps quotes in a value (`- TZ=\"Europe/Berlin\"`)",
    }
}

/// The settings read here, with how the messages name them.
const LISTS: &[(&str, &str)] = &[
    ("environment", "environment variable"),
    ("build.args", "build argument"),
    ("labels", "label"),
];

/// The quote around a whole value, if it has one and no other of that kind inside.
fn quoted(raw: &str) -> Option<char> {
    let q = raw.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let inner = raw.strip_prefix(q)?.strip_suffix(q)?;
    (!inner.contains(q)).then_some(q)
}

impl EnvironmentListPitfall {
    fn list(
        &self,
        cx: &Context<'_>,
        s: &Service<'_>,
        key: &str,
        what: &str,
        vars: &[EnvVar],
        out: &mut Vec<Finding>,
    ) {
        let mut seen: std::collections::HashMap<&str, &EnvVar> =
            std::collections::HashMap::with_capacity(vars.len());
        for v in vars {
            if let Some(before) = seen.insert(v.name.as_str(), v)
                && before.raw != v.raw
            {
                out.push(
                    self.finding(
                        cx,
                        v.path.clone(),
                        format!(
                            "{what} `{}` is set twice in the `{key}` list of `{}`, with different values: Compose keeps this one",
                            v.name, s.name
                        ),
                    )
                    .label("this value wins")
                    .related(cx.file, before.path.clone(), "ignored")
                    .service(s.name)
                    .help("keep one item for the name (the one you want), or use the mapping form, where a repeated key is an error")
                    .build(),
                );
            }
            let Some(raw) = v.raw.as_deref() else {
                continue;
            };
            let Some(q) = quoted(raw) else { continue };
            let inner = &raw[1..raw.len() - 1];
            let fix = if is_secret_name(&v.name) || inner.chars().count() > 60 {
                format!("remove the {q} around the value")
            } else {
                format!("write `- {}={inner}`", v.name)
            };
            out.push(
                self.finding(
                    cx,
                    v.path.clone(),
                    format!(
                        "the value of {what} `{}` of `{}` keeps its quotes: in the list form of `{key}`, `{}={q}…{q}` sets it to a value that starts and ends with `{q}`",
                        v.name, s.name, v.name
                    ),
                )
                .label("the quotes are part of the value")
                .service(s.name)
                .help(format!("{fix} (YAML quotes around the whole item, `- \"NAME=value\"`, are fine), or use the mapping form `{}: value`", v.name))
                .build(),
            );
        }
    }
}

impl Rule for EnvironmentListPitfall {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            for (key, what) in LISTS {
                let is_list = s
                    .node_at(key)
                    .is_some_and(|(n, _)| matches!(n.kind, Kind::Seq(_)));
                if !is_list {
                    continue;
                }
                let vars = if *key == "environment" {
                    s.environment()
                } else {
                    s.key_values(key)
                };
                self.list(cx, &s, key, what, &vars, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG010", yaml))
    }

    #[test]
    fn quotes_kept() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    environment:\n      - TZ=\"Europe/Berlin\"\n      - 'MODE=''fast'''\n      - \"OK=1\"\n      - EMPTY=\"\"\n"
            ),
            ["CG010@5", "CG010@6", "CG010@8"]
        );
        let d = lint_rule(
            "CG010",
            "services:\n  a:\n    image: x:1\n    environment:\n      - TZ=\"Europe/Berlin\"\n      - DB_PASSWORD=\"hunter2-x\"\n",
        );
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or_default()
                .contains("`- TZ=Europe/Berlin`")
        );
        assert!(
            !d[1].help.as_deref().unwrap_or_default().contains("hunter2"),
            "a secret is not repeated"
        );
        assert_eq!(
            run(
                "services:\n  a:\n    build:\n      context: .\n      args:\n        - VERSION=\"1.2\"\n    labels:\n      - com.example.team='core'\n"
            ),
            ["CG010@6", "CG010@8"]
        );
        assert_eq!(quoted("\"a\""), Some('"'));
        assert_eq!(quoted("\"a\" \"b\""), None);
        assert_eq!(quoted("'{\"a\":1}'"), Some('\''));
        assert_eq!(quoted("\""), None);
    }

    #[test]
    fn names_twice() {
        let yaml = "services:\n  a:\n    image: x:1\n    environment:\n      - LOG_LEVEL=info\n      - TZ=UTC\n      - LOG_LEVEL=debug\n";
        assert_eq!(run(yaml), ["CG010@7"]);
        let d = lint_rule("CG010", yaml);
        assert_eq!(d[0].related[0].pos.line, 5);
        // Inherited and set: different.
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    environment:\n      - HOME\n      - HOME=/srv\n"
            ),
            ["CG010@6"]
        );
    }

    #[test]
    fn fine() {
        // The mapping form, values with inner quotes, a name once, YAML-quoted items.
        assert!(
            run("services:\n  a:\n    image: x:1\n    environment:\n      TZ: \"Europe/Berlin\"\n")
                .is_empty()
        );
        assert!(run("services:\n  a:\n    image: x:1\n    environment:\n      - JAVA_OPTS=-Dname=\"x\" -Xmx1g\n      - \"TZ=Europe/Berlin\"\n      - 'A=1'\n      - B=it's\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    labels:\n      traefik.http.routers.a.rule: \"Host(`a`)\"\n").is_empty());
    }
}
