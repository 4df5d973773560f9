use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::yaml::{Kind, Node, Seg, Step, Trail};

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

fn walk<'a>(
    rule: &UnsetVariable,
    cx: &Context<'_>,
    node: &'a Node,
    trail: &mut Trail<'a>,
    out: &mut Vec<Finding>,
) {
    match &node.kind {
        Kind::Map(entries) => {
            for (k, v) in entries {
                trail.push(Step::NodeKey(k));
                walk(rule, cx, v, trail, out);
                trail.pop();
            }
        }
        Kind::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                trail.push(Step::Index(i));
                walk(rule, cx, v, trail, out);
                trail.pop();
            }
        }
        _ => {
            let Some(interp) = &node.interp else { return };
            let path = trail.path();
            let service = match path.0.as_slice() {
                [Seg::Key(s), Seg::Key(name), ..] if s == "services" => Some(name.clone()),
                _ => None,
            };
            for var in &interp.unset {
                let mut f = rule
                    .finding(cx, path.clone(), format!("variable `{var}` is not set and has no default"))
                    .label("unknown value")
                    .help(format!("set {var} in the environment or in .env, or write a default: ${{{var}:-value}}"));
                if let Some(s) = &service {
                    f = f.service(s.clone());
                }
                out.push(f.build());
            }
            for (var, message) in &interp.required {
                let mut f = rule
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

impl Rule for UnsetVariable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        walk(self, cx, cx.root, &mut Trail::default(), out);
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
