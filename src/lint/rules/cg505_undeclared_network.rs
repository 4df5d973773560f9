use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg201_undeclared_volume::is_partial_file;
use crate::lint::rules::cg501_undefined_service_dependency::similar;

declare_rule! {
    /// ## What it does
    /// Reports a service that joins a network (`networks:` in list or mapping form) that is not
    /// declared under the top-level `networks:`. The network `default` is implicit: Compose
    /// creates it for the project, so it needs no declaration. Names are case-sensitive, and
    /// the `name:` property of a declaration does not count (services refer to the key).
    ///
    /// Files that are merged with another (with `include:`, named `*override*`, or with a
    /// service that has neither `image`, `build` nor `extends`) are not checked: the network
    /// may be declared in the other file.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses to load the file: `service "web" refers to undefined network
    /// front: invalid compose project`. Nothing starts.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.1
    ///     networks: [front]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.1
    ///     networks: [front]
    /// networks:
    ///   front:
    /// ```
    pub struct UndeclaredNetwork {
        code: "CG505",
        name: "undeclared-network",
        category: Network,
        severity: Error,
        summary: "a service joins a network that is not declared under top-level `networks:`",
    }
}

impl Rule for UndeclaredNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        if is_partial_file(cx, &compose) {
            return;
        }
        let declared: Vec<&str> = compose
            .section("networks")
            .into_iter()
            .map(|(name, _, _)| name)
            .collect();
        for s in compose.services() {
            for a in s.network_attachments() {
                if a.name == "default" || declared.contains(&a.name.as_str()) {
                    continue;
                }
                let help = match similar(&a.name, declared.iter().copied()) {
                    Some(d) => format!("did you mean `{d}`? Network names are case-sensitive"),
                    None => format!(
                        "declare it at the top level: `networks:` with a key `{}:` (an empty value is enough); use `external: true` for a network created outside Compose",
                        a.name
                    ),
                };
                let mapping = matches!(
                    s.get("networks").map(|n| &n.kind),
                    Some(crate::yaml::Kind::Map(_))
                );
                let mut f = self
                    .finding(
                        cx,
                        a.path.clone(),
                        format!(
                            "service `{}` joins network `{}`, which is not declared under top-level `networks:`",
                            s.name, a.name
                        ),
                    )
                    .label("undeclared network")
                    .service(s.name)
                    .help(help);
                if mapping {
                    f = f.on_key();
                }
                out.push(f.build());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG505", yaml))
    }

    #[test]
    fn undeclared() {
        assert_eq!(
            run("services:\n  web:\n    image: x\n    networks: [front]\n"),
            ["CG505@4"]
        );
        assert_eq!(
            run(
                "services:\n  web:\n    image: x\n    networks:\n      back:\n        aliases: [api]\nnetworks:\n  front:\n"
            ),
            ["CG505@5"]
        );
        // Case matters; `name:` does not count.
        let d = lint_rule(
            "CG505",
            "services:\n  web:\n    image: x\n    networks: [Front]\nnetworks:\n  front:\n    name: Front\n",
        );
        assert_eq!(codes(&d), ["CG505@4"]);
        assert!(d[0].help.as_deref().unwrap_or_default().contains("`front`"));
    }

    #[test]
    fn declared_or_default() {
        assert!(run("services:\n  web:\n    image: x\n    networks: [default, front]\nnetworks:\n  front:\n    external: true\n").is_empty());
        assert!(run("services:\n  web:\n    image: x\n").is_empty());
        assert!(
            run("include: [net.yaml]\nservices:\n  web:\n    image: x\n    networks: [front]\n")
                .is_empty()
        );
    }
}
