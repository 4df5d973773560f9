use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::scalar;

declare_rule! {
    /// ## What it does
    /// Reports a healthcheck `test` written as a string that starts with `CMD`, `CMD-SHELL`
    /// or `NONE` (`test: NONE`, `test: "CMD curl -f http://localhost"`).
    ///
    /// ## Why is this bad?
    /// Only the list form takes a keyword. Compose turns a string into `[CMD-SHELL, <string>]`,
    /// so the shell looks for a program named `CMD` or `NONE`, fails with `not found`, and the
    /// container is reported `unhealthy` forever: services that wait for it with `condition:
    /// service_healthy` never start. `test: NONE` does not disable the healthcheck either.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.3
    ///     healthcheck:
    ///       test: "CMD curl -f http://localhost"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.3
    ///     healthcheck:
    ///       test: [CMD, curl, -f, http://localhost]
    /// ```
    pub struct HealthcheckStringWithKeyword {
        code: "CG603",
        name: "healthcheck-string-with-keyword",
        category: Health,
        severity: Error,
        summary: "a healthcheck `test` string starts with CMD, CMD-SHELL or NONE, so it always fails",
    }
}

impl Rule for HealthcheckStringWithKeyword {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some((test, path)) = s.node_at("healthcheck.test") else {
                continue;
            };
            if !matches!(test.kind, crate::yaml::Kind::Str(_)) {
                continue;
            }
            let Some(v) = scalar(test, cx.env).filter(|v| v.known()) else {
                continue;
            };
            let mut words = v.value.split_whitespace();
            let Some(first) = words.next() else { continue };
            let rest: Vec<&str> = words.collect();
            let fix = match first {
                "NONE" if rest.is_empty() => {
                    "to disable the healthcheck write `disable: true` (or `test: [NONE]`)"
                        .to_string()
                }
                "CMD" | "CMD-SHELL" if !rest.is_empty() => {
                    let list = if first == "CMD" {
                        format!("[CMD, {}]", rest.join(", "))
                    } else {
                        format!("[CMD-SHELL, \"{}\"]", rest.join(" "))
                    };
                    format!(
                        "write it as a list: `test: {list}`, or drop `{first}` and keep the string (it runs in a shell)"
                    )
                }
                "NONE" | "CMD" | "CMD-SHELL" => "write it as a list (`test: [CMD, …]`)".to_string(),
                _ => continue,
            };
            out.push(
                self.finding(
                    cx,
                    path,
                    format!(
                        "the healthcheck of service `{}` runs `{first}` as a shell command, which does not exist: the container is always unhealthy",
                        s.name
                    ),
                )
                .label(format!("runs `/bin/sh -c \"{}\"`", v.value))
                .service(s.name)
                .help(fix)
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG603", yaml))
    }

    #[test]
    fn keyword_in_a_string() {
        assert_eq!(
            run("services:\n  a:\n    image: x:1\n    healthcheck:\n      test: NONE\n"),
            ["CG603@5"]
        );
        let d = lint_rule(
            "CG603",
            "services:\n  a:\n    image: x:1\n    healthcheck:\n      test: CMD curl -f http://localhost\n",
        );
        assert_eq!(codes(&d), ["CG603@5"]);
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or_default()
                .contains("[CMD, curl, -f, http://localhost]")
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x:1\n    healthcheck:\n      test: 'CMD-SHELL pg_isready'\n"
            ),
            ["CG603@5"]
        );
    }

    #[test]
    fn fine_tests() {
        assert!(run("services:\n  a:\n    image: x:1\n    healthcheck:\n      test: curl -f http://localhost\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    healthcheck:\n      test: [CMD, curl, -f, http://localhost]\n").is_empty());
        assert!(
            run("services:\n  a:\n    image: x:1\n    healthcheck:\n      test: [NONE]\n")
                .is_empty()
        );
        assert!(run("services:\n  a:\n    image: x:1\n    healthcheck:\n      test: CMDLINE_TOOL check\n").is_empty());
    }
}
