use crate::compose::interpolate::unknown_scalars;
use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::yaml::{Path, Seg};

declare_rule! {
    /// ## What it does
    /// Reports a variable reference whose variable is not set (in the process environment, the
    /// `.env` file beside the compose file, or an `--env-file`) and has no default:
    /// `${TAG}`, `$TAG`, and `${DB_PASSWORD:?set it}` (which Docker Compose refuses to run
    /// without).
    ///
    /// Linting never fails because a variable is unset: this is an info finding, and every other
    /// rule treats the value as unknown (no collision, secret or pinning finding is based on a
    /// guess). Teams that want every variable defined where the linter runs pass
    /// `--strict-env`, which makes this rule an error.
    ///
    /// ## Why is this bad?
    /// Docker Compose substitutes an empty string (with a warning) and runs something else than
    /// what the file says: `image: app:${TAG}` becomes `app:` (latest), `ports: ["${PORT}:80"]`
    /// publishes a random port. A `${VAR:?message}` reference stops `docker compose up`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:${TAG}
    /// ```
    ///
    /// ## Use instead
    /// Give a default, or define the variable in `.env`:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:${TAG:-1.4.2}
    /// ```
    pub struct UnsetVariable {
        code: "CG006",
        name: "unset-variable",
        category: Schema,
        severity: Info,
        summary: "a variable is used without a value or a default",
    }
}

impl Rule for UnsetVariable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let unknown = unknown_scalars(cx.root);
        if unknown.is_empty() {
            return;
        }
        // With an env file, the variables Compose cannot do without are CG011's warnings.
        let theirs = super::cg011_variable_missing_from_env_file::missing(cx);
        let left_to_cg011 =
            |path: &Path, var: &str| theirs.iter().any(|m| &m.path == path && m.var == var);
        for (path, interp) in unknown {
            let service = match path.0.as_slice() {
                [Seg::Key(s), Seg::Key(name), ..] if s == "services" => Some(name.clone()),
                _ => None,
            };
            for var in interp.unset.iter().filter(|v| !left_to_cg011(&path, v)) {
                let mut f = self
                    .finding(cx, path.clone(), format!("variable `{var}` is not set and has no default"))
                    .label("unknown value")
                    .help(format!("set {var} in the environment or in .env, or write a default: ${{{var}:-value}}"));
                if let Some(s) = &service {
                    f = f.service(s.clone());
                }
                out.push(f.build());
            }
            for (var, message) in interp
                .required
                .iter()
                .filter(|(v, _)| !left_to_cg011(&path, v))
            {
                let mut f = self
                    .finding(
                        cx,
                        path.clone(),
                        format!("Docker Compose refuses to run while `{var}` is unset: {message}"),
                    )
                    .label("required variable")
                    .help(format!(
                        "set {var} in the environment or in .env (composegen render -o writes one)"
                    ));
                if let Some(s) = &service {
                    f = f.service(s.clone());
                }
                out.push(f.build());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compose::interpolate::Env;
    use crate::lint::testing::{codes, lint_rule, lint_rule_with};

    #[test]
    fn unset_variables() {
        let yaml = "services:\n  app:\n    image: example/app:${TAG}\n    environment:\n      PW: ${PW:?set the password}\n      OK: ${OK:-fine}\n";
        assert_eq!(codes(&lint_rule("CG006", yaml)), ["CG006@3", "CG006@5"]);
        let mut env = Env::empty();
        env.set("TAG", "1.0.0");
        env.set("PW", "x");
        assert!(codes(&lint_rule_with("CG006", yaml, env)).is_empty());
        let mut env_file = Env::empty();
        env_file.add_dotenv("OTHER=1\n");
        assert_eq!(
            codes(&lint_rule_with("CG006", yaml, env_file)),
            ["CG006@3"],
            "with an env file, the required PW is CG011's"
        );
        assert!(
            codes(&lint_rule(
                "CG006",
                "services:\n  app:\n    image: app:$$TAG\n"
            ))
            .is_empty(),
            "escaped"
        );
    }
}
