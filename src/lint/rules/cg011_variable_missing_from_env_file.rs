use crate::compose::interpolate::unknown_scalars;
use crate::compose::validate::{
    consistency_with_profiles, key_problems, unset_cause, validate_tree,
};
use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::yaml::{Path, Seg};

declare_rule! {
    /// ## What it does
    /// Reports, when the project has an env file (`.env` beside the compose file, `--env-file`,
    /// or an `include` entry's `env_file`), a variable that is in neither that file nor the
    /// environment although Docker Compose needs it:
    ///
    /// - a `${VAR:?message}` reference: Compose stops with its own message, quoted here
    ///   (`required variable DB_PASSWORD is missing a value: set it`);
    /// - a variable without a default in a value that is invalid once Compose substitutes an
    ///   empty string for it: a port (`"8080:${PORT}"`; an empty host port is valid, Compose picks one), a size (`mem_limit: ${MEM}`), a duration,
    ///   a number. The finding quotes the error Compose gives.
    ///
    /// Without an env file the same variables are CG006 infos: CI checks a file without its
    /// secrets by design, and `${VAR:?}` is the right way to demand one. A project that ships an
    /// env file has chosen where its variables live, so one missing from it is an omission that
    /// stops `docker compose up`. `--strict-env` makes this rule (and CG006) an error.
    ///
    /// ## Why is this bad?
    /// `docker compose up` refuses the project: "required variable ... is missing a value", or a
    /// decoding error such as `invalid size: ''` on a field whose value came out empty. The
    /// schema checks (CG004, CG005) do not report these values, which are unknown until the
    /// variable is set.
    ///
    /// ## Example
    /// With a `.env` holding only `TAG=1.4.2`:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     mem_limit: ${DB_MEMORY}
    ///     environment:
    ///       POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD in .env}
    /// ```
    ///
    /// ## Use instead
    /// Add the variables to `.env` (`composegen render -o DIR` writes one with generated
    /// secrets), or give a default where one is safe:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     mem_limit: ${DB_MEMORY:-1g}
    ///     environment:
    ///       POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD in .env}
    /// ```
    pub struct VariableMissingFromEnvFile {
        code: "CG011",
        name: "variable-missing-from-env-file",
        category: Schema,
        severity: Warning,
        summary: "the project has an env file, but a variable Compose needs is not in it",
    }
}

/// A variable Compose needs that the project's env file and environment lack.
pub(crate) struct Missing {
    /// The scalar that references it.
    pub path: Path,
    /// The variable.
    pub var: String,
    /// What Compose says.
    pub compose_says: String,
}

/// The variables this rule reports, in document order. Empty without an env file; CG006 leaves
/// them to this rule (computed once per project for both).
pub(crate) fn missing(cx: &Context<'_>) -> std::rc::Rc<Vec<Missing>> {
    cx.index.memo("cg011.missing", || compute(cx))
}

fn compute(cx: &Context<'_>) -> Vec<Missing> {
    if !cx.env.has_env_file() {
        return Vec::new();
    }
    let unknown = unknown_scalars(cx.root);
    if unknown.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Missing> = Vec::new();
    for (path, interp) in &unknown {
        for (var, message) in &interp.required {
            out.push(Missing {
                path: path.clone(),
                var: var.clone(),
                compose_says: format!("required variable {var} is missing a value: {message}"),
            });
        }
    }
    // The values an empty substitution makes invalid: the checks CG004 and CG005 run, kept
    // to the problems they leave to the variables.
    let mut problems = key_problems(cx.root);
    problems.extend(validate_tree(cx.root));
    problems.extend(consistency_with_profiles(cx.root, &["*"]));
    for p in &problems {
        let Some(interp) = unset_cause(cx.root, p) else {
            continue;
        };
        for var in &interp.unset {
            if !out.iter().any(|m| m.path == p.path && &m.var == var) {
                out.push(Missing {
                    path: p.path.clone(),
                    var: var.clone(),
                    compose_says: p.message.clone(),
                });
            }
        }
    }
    let order = |path: &Path| unknown.iter().position(|(p, _)| p == path);
    out.sort_by_key(|m| order(&m.path));
    out
}

impl Rule for VariableMissingFromEnvFile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for m in missing(cx).iter() {
            let mut f = self
                .finding(
                    cx,
                    m.path.clone(),
                    format!("Docker Compose will refuse to run: {}", m.compose_says),
                )
                .label(format!("`{}` is in neither the env file nor the environment", m.var))
                .help(format!(
                    "add {} to the project's env file (.env or --env-file), or give a default where one is safe: ${{{}:-value}}",
                    m.var, m.var
                ));
            if let [Seg::Key(s), Seg::Key(name), ..] = m.path.0.as_slice()
                && s == "services"
            {
                f = f.service(name.clone());
            }
            out.push(f.build());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compose::interpolate::Env;
    use crate::lint::testing::{codes, lint_rule, lint_rule_with};

    const FILE: &str = "services:\n  app:\n    image: example/app:1.0\n    ports:\n      - \"8080:${PORT}\"\n      - \"${HOST_PORT}:80\"\n    mem_limit: ${MEM}\n    environment:\n      PW: ${PW:?set the password}\n      NOTE: ${NOTE}\n    healthcheck:\n      test: [\"CMD\", \"/app/check\"]\n      interval: ${INTERVAL}\n";

    fn with_env_file(text: &str) -> Env {
        let mut env = Env::empty();
        env.add_dotenv(text);
        env
    }

    #[test]
    fn variables_an_env_file_lacks() {
        let diags = lint_rule_with("CG011", FILE, with_env_file("OTHER=1\n"));
        // NOTE and HOST_PORT are unset too, but their empty values are valid: CG006's infos.
        assert_eq!(codes(&diags), ["CG011@5", "CG011@7", "CG011@9", "CG011@13"]);
        assert!(
            diags[2]
                .message
                .contains("required variable PW is missing a value: set the password"),
            "{}",
            diags[2].message
        );
        assert!(
            diags[1].message.contains("invalid size"),
            "{}",
            diags[1].message
        );
    }

    #[test]
    fn silent_without_an_env_file_or_when_set() {
        assert!(lint_rule("CG011", FILE).is_empty());
        let env = with_env_file("PORT=8080\nMEM=1g\nPW=x\nINTERVAL=10s\n");
        assert!(lint_rule_with("CG011", FILE, env).is_empty());
    }

    #[test]
    fn schema_checks_leave_unset_values_to_the_variable_rules() {
        assert!(codes(&lint_rule("CG005", FILE)).is_empty());
        assert!(codes(&lint_rule("CG004", FILE)).is_empty());
        assert_eq!(
            codes(&lint_rule(
                "CG005",
                "services:\n  app:\n    image: x\n    mem_limit: lots\n"
            )),
            ["CG005@4"]
        );
    }
}
