use std::collections::{HashMap, HashSet};

use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `$VAR` or `${VAR}` in `command`, `entrypoint` or `healthcheck.test` when `VAR`
    /// is set in the service's own `environment` but not where Compose interpolates the file
    /// (the shell that runs `docker compose`, `.env`, `--env-file`), and has no default there.
    ///
    /// Not reported: `${VAR:-default}` (Compose gives the default, as written), a variable set
    /// where Compose interpolates, an environment entry that only passes the same variable on
    /// (`VAR: ${VAR}`) or is empty (either way the command gets the same empty string), and
    /// variables from `env_file` (composegen does not read them).
    ///
    /// ## Why is this bad?
    /// Compose replaces `$VAR` when it reads the file, before any container exists. `VAR` is
    /// not set there, so Compose substitutes an empty string (with a warning that is easy to
    /// miss): `pg_isready -U $POSTGRES_USER` runs as `pg_isready -U`, and the value the
    /// container has in its environment is never used. The author meant the container's
    /// shell to expand it, which `$$VAR` does (Compose turns `$$` into `$`). Without a shell
    /// (the list form of `command`, or `CMD` in a healthcheck) nothing expands variables:
    /// run the command through one (`sh -c '…'`, `CMD-SHELL`).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     environment:
    ///       POSTGRES_USER: app
    ///     healthcheck:
    ///       test: ["CMD-SHELL", "pg_isready -U $POSTGRES_USER"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     environment:
    ///       POSTGRES_USER: app
    ///     healthcheck:
    ///       test: ["CMD-SHELL", "pg_isready -U $$POSTGRES_USER"]
    /// ```
    pub struct ShellVariableInterpolatedEarly {
        code: "CG009",
        name: "shell-variable-interpolated-early",
        category: Schema,
        severity: Warning,
        summary: "`$VAR` in a command is replaced by Compose (empty) although the container sets VAR",
    }
}

/// Whether an environment value as written only passes `name` on (`${VAR}`, `$VAR`,
/// `${VAR:-}`, `${VAR-}`).
fn passes_on(raw: &str, name: &str) -> bool {
    let raw = raw.trim();
    raw.strip_prefix('$')
        .map(|r| {
            r.strip_prefix('{')
                .and_then(|r| r.strip_suffix('}'))
                .unwrap_or(r)
        })
        .is_some_and(|inner| {
            inner == name
                || inner
                    .strip_prefix(name)
                    .is_some_and(|op| op == ":-" || op == "-")
        })
}

/// Whether a shell runs a command-like setting (and could expand `$VAR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shell {
    /// `sh -c …`, `CMD-SHELL`, a healthcheck string.
    Yes,
    /// `CMD` in a healthcheck.
    No,
    /// The image's entrypoint decides.
    Unknown,
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

fn shell(s: &crate::lint::view::Service<'_>, key: &str) -> Shell {
    if key == "healthcheck" {
        return match s.node_at("healthcheck.test").map(|(n, _)| &n.kind) {
            Some(crate::yaml::Kind::Str(_)) => Shell::Yes,
            Some(crate::yaml::Kind::Seq(items)) => match items.first().and_then(|n| n.as_str()) {
                Some("CMD-SHELL") => Shell::Yes,
                Some("CMD") => Shell::No,
                _ => Shell::Unknown,
            },
            _ => Shell::Unknown,
        };
    }
    let entrypoint = s.entrypoint_words();
    let words = if entrypoint.is_empty() {
        s.command_words()
    } else {
        entrypoint
    };
    let program = words
        .first()
        .map(|w| w.rsplit('/').next().unwrap_or(w).to_string());
    let dash_c = words
        .get(1)
        .is_some_and(|w| w.starts_with('-') && w.contains('c'));
    if program.is_some_and(|p| SHELLS.contains(&p.as_str())) && dash_c {
        Shell::Yes
    } else {
        Shell::Unknown
    }
}

impl Rule for ShellVariableInterpolatedEarly {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let words: Vec<(&str, crate::lint::view::Word)> =
                ["entrypoint", "command", "healthcheck.test"]
                    .into_iter()
                    .flat_map(|key| s.raw_words(key).into_iter().map(move |w| (key, w)))
                    .filter(|(_, w)| !w.value.unset.is_empty())
                    .collect();
            if words.is_empty() {
                continue;
            }
            // The container's variables that Compose cannot see: name → value as written.
            let container: HashMap<String, String> = s
                .environment()
                .into_iter()
                .filter_map(|v| {
                    let raw = v.raw?;
                    let value = v.value?;
                    let same_empty = value.known() && value.value.is_empty();
                    (!same_empty && !passes_on(&raw, &v.name)).then_some((v.name, value.value))
                })
                .collect();
            let mut seen: HashSet<(crate::yaml::Path, String)> = HashSet::new();
            for (key, w) in words {
                let key = key.split('.').next().unwrap_or(key);
                for var in &w.value.unset {
                    let Some(value) = container.get(var) else {
                        continue;
                    };
                    if !seen.insert((w.path.clone(), var.clone())) {
                        continue;
                    }
                    let shown = if value.chars().count() > 40 || value.contains('\n') {
                        String::new()
                    } else {
                        format!(" (`{value}`)")
                    };
                    // As written: `${VAR}` or `$VAR`.
                    let written = if w.raw.contains(&format!("${{{var}")) {
                        format!("${{{var}}}")
                    } else {
                        format!("${var}")
                    };
                    let fix = match shell(&s, key) {
                        Shell::Yes => format!(
                            "write `${written}`: Compose turns `$$` into `$`, and the container's shell expands it"
                        ),
                        Shell::No if key == "healthcheck" => format!(
                            "write `${written}` and use `CMD-SHELL` instead of `CMD`: without a shell nothing expands it"
                        ),
                        _ => format!(
                            "write `${written}` and run the {key} through a shell (`sh -c '…'`) if it does not already: without one nothing expands it"
                        ),
                    };
                    out.push(
                        self.finding(
                            cx,
                            w.path.clone(),
                            format!(
                                "`{written}` in the {key} of `{}` is replaced by Compose when it reads the file, where `{var}` is not set: the {key} gets an empty string, not the container's `{var}`{shown}",
                                s.name
                            ),
                        )
                        .label(format!("`{var}` is empty here"))
                        .service(s.name)
                        .help(format!(
                            "{fix}; or, if the value is meant to come from where Compose runs, set {var} there (.env)"
                        ))
                        .build(),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::interpolate::Env;
    use crate::lint::testing::{codes, lint_rule, lint_rule_with};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG009", yaml))
    }

    #[test]
    fn container_variables_interpolated_by_compose() {
        let yaml = "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_USER: app\n      POSTGRES_DB: shop\n    command: sh -c 'echo $POSTGRES_DB'\n    healthcheck:\n      test: [CMD-SHELL, 'pg_isready -U ${POSTGRES_USER}']\n";
        assert_eq!(run(yaml), ["CG009@7", "CG009@9"]);
        let d = lint_rule("CG009", yaml);
        assert!(
            d[1].message
                .starts_with("`${POSTGRES_USER}` in the healthcheck"),
            "{}",
            d[1].message
        );
        assert!(
            d[1].help
                .as_deref()
                .unwrap_or_default()
                .starts_with("write `$${POSTGRES_USER}`: Compose"),
            "{:?}",
            d[1].help
        );
        // `CMD` runs no shell.
        let yaml = "services:\n  db:\n    image: x\n    environment:\n      U: app\n    healthcheck:\n      test: [CMD, pg_isready, -U, $U]\n";
        let d = lint_rule("CG009", yaml);
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or_default()
                .contains("`CMD-SHELL`"),
            "{:?}",
            d[0].help
        );
        // List form of the environment, and entrypoint.
        let yaml = "services:\n  app:\n    image: x\n    environment:\n      - TOKEN=abc\n    entrypoint: [sh, -c, 'run --token $TOKEN']\n";
        assert_eq!(run(yaml), ["CG009@6"]);
        // A default in the environment only: the command still gets nothing.
        let yaml = "services:\n  app:\n    image: x\n    environment:\n      PORT: ${PORT:-8080}\n    command: serve --port $PORT\n";
        assert_eq!(run(yaml), ["CG009@6"]);
        let d = lint_rule("CG009", yaml);
        assert!(d[0].message.contains("(`8080`)"), "{}", d[0].message);
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or_default()
                .contains("through a shell"),
            "{:?}",
            d[0].help
        );
    }

    #[test]
    fn not_reported() {
        for yaml in [
            // Escaped: the container's shell expands it.
            "services:\n  db:\n    image: x\n    environment:\n      U: app\n    command: sh -c 'echo $$U'\n",
            // A default where Compose interpolates.
            "services:\n  db:\n    image: x\n    environment:\n      U: app\n    command: echo ${U:-app}\n",
            // Not a variable of the container.
            "services:\n  db:\n    image: x\n    command: echo $HOSTNAME_OF_NOTHING\n",
            // Passed on from where Compose runs, or inherited, or empty.
            "services:\n  db:\n    image: x\n    environment:\n      U: ${U}\n    command: echo $U\n",
            "services:\n  db:\n    image: x\n    environment:\n      - U\n    command: echo $U\n",
            "services:\n  db:\n    image: x\n    environment:\n      U: ''\n    command: echo $U\n",
        ] {
            assert!(run(yaml).is_empty(), "{yaml}: {:?}", run(yaml));
        }
        // Set where Compose interpolates.
        let mut env = Env::empty();
        env.set("U", "app");
        assert!(
            codes(&lint_rule_with(
                "CG009",
                "services:\n  db:\n    image: x\n    environment:\n      U: app\n    command: echo $U\n",
                env
            ))
            .is_empty()
        );
    }

    #[test]
    fn pass_through() {
        assert!(passes_on("${A}", "A"));
        assert!(passes_on("$A", "A"));
        assert!(passes_on("${A:-}", "A"));
        assert!(!passes_on("${A:-x}", "A"));
        assert!(!passes_on("${AB}", "A"));
        assert!(!passes_on("x$A", "A"));
    }
}
