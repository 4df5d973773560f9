use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::fix;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a port mapping written without quotes that YAML 1.1 reads as a base-60 number:
    /// `22:22`, `21:21`, `5:30` — two numbers separated by a colon where the part after the
    /// colon is below 60.
    ///
    /// This is a portability **info**, not a warning: Docker Compose v2 parses YAML 1.2 (go-yaml
    /// v3), which has no base-60 numbers, and reads `2222:22` as the string `"2222:22"`
    /// (verified with `docker compose config --format json`: published `2222`, target `22`).
    /// The file works with `docker compose`.
    ///
    /// Fixable: the fix puts the entry in double quotes (`- 22:22` → `- "22:22"`) and changes no
    /// other byte of the file.
    ///
    /// ## Why is this bad?
    /// YAML 1.1 (PyYAML, the old Python docker-compose v1, Ansible, many editors and CI tools)
    /// reads `22:22` as the integer 1342. Other tools that read the file can therefore see a
    /// different port than Compose does. Quoting costs nothing and makes every reader agree.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   sftp:
    ///     image: atmoz/sftp:alpine-3.7
    ///     ports:
    ///       - 22:22
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   sftp:
    ///     image: atmoz/sftp:alpine-3.7
    ///     ports:
    ///       - "22:22"
    /// ```
    pub struct Base60Port {
        code: "CG105",
        name: "unquoted-base60-port",
        category: Ports,
        severity: Info,
        summary: "an unquoted port mapping that YAML 1.1 tools (not Compose v2) read as a base-60 number",
    }
}

/// Whether a plain scalar is a YAML 1.1 sexagesimal integer (`[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`).
pub fn is_base60(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut parts = s.split(':');
    let Some(first) = parts.next() else {
        return false;
    };
    if !first.starts_with(|c: char| ('1'..='9').contains(&c))
        || !first.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return false;
    }
    let rest: Vec<&str> = parts.collect();
    !rest.is_empty()
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 2
                && p.chars().all(|c| c.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| n < 60)
        })
}

impl Rule for Base60Port {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            for p in s.ports() {
                if p.plain_scalar && is_base60(&p.raw) {
                    let value: u64 = p.raw.split(':').fold(0, |acc, part| {
                        acc * 60 + part.replace('_', "").parse::<u64>().unwrap_or(0)
                    });
                    out.push(
                        self.finding(
                            cx,
                            p.path.clone(),
                            format!("unquoted `{}` is the number {value} in YAML 1.1 (Docker Compose v2 reads the string)", p.raw),
                        )
                        .label("YAML 1.1 tools read a number here; quote it for portability")
                        .service(s.name)
                        .help(format!("write it as a string: \"{}\"", p.raw))
                        .fix(cx.root.at(&p.path).and_then(|n| fix::quote(cx, n)))
                        .build(),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_base60;
    use crate::lint::testing::{codes, lint_rule};

    #[test]
    fn base60() {
        assert!(is_base60("22:22"));
        assert!(is_base60("1:02:03"));
        assert!(!is_base60("8080:80"));
        assert!(!is_base60("22"));
        assert!(!is_base60("0:22"));
        assert_eq!(
            codes(&lint_rule(
                "CG105",
                "services:\n  s:\n    image: x\n    ports:\n      - 22:22\n"
            )),
            ["CG105@5"]
        );
        // Compose v2 reads `2222:22` as a string: a portability info only, never a warning.
        let d = lint_rule(
            "CG105",
            "services:\n  s:\n    image: x\n    ports:\n      - 2222:22\n",
        );
        assert_eq!(codes(&d), ["CG105@5"]);
        assert_eq!(d[0].severity.as_str(), "info");
        assert!(
            d[0].message.contains("Compose v2 reads the string"),
            "{}",
            d[0].message
        );
        assert!(
            codes(&lint_rule(
                "CG105",
                "services:\n  s:\n    image: x\n    ports:\n      - \"22:22\"\n"
            ))
            .is_empty()
        );
        assert!(
            codes(&lint_rule(
                "CG105",
                "services:\n  s:\n    image: x\n    ports:\n      - 8080:80\n"
            ))
            .is_empty()
        );
    }
}
