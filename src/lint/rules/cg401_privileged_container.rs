use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::yaml::Kind;

declare_rule! {
    /// ## What it does
    /// Reports a service that runs privileged: `privileged: true`, or any spelling Docker
    /// Compose reads as true for this field: `true`, `yes`, `y` or `on` in any case, quoted or
    /// not (`privileged: yes`, `privileged: "on"`, `privileged: "True"`). Compose v2
    /// (2.40) turns these strings into `true` and runs the container privileged; it rejects
    /// `1`, `t` and values with surrounding spaces, so those are left to CG004/CG005.
    /// A privileged *build* (`build.privileged`) is not reported: it needs the builder to
    /// allow the `security.insecure` entitlement anyway.
    ///
    /// ## Why is this bad?
    /// A privileged container gets every capability, every host device (`/dev/sda`,
    /// `/dev/mem` …), no seccomp filter, no AppArmor or SELinux confinement and writable
    /// `/sys` and `/proc/sys`. Its root user is root on the host: mounting the host's disk or
    /// loading a kernel module is one command away. Whoever compromises the service (or its
    /// image) owns the machine.
    ///
    /// Tools that really need it (Docker-in-Docker, some hardware or VPN agents) should be
    /// rare and deliberate: mark them with an inline suppression that says why
    /// (`privileged: true  # composegen: ignore[CG401] dind for CI builds`).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:2.3.1
    ///     privileged: true
    /// ```
    ///
    /// ## Use instead
    /// Grant only the capabilities and devices the service needs:
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:2.3.1
    ///     cap_add: [NET_ADMIN]
    ///     devices: ["/dev/net/tun:/dev/net/tun"]
    /// ```
    pub struct PrivilegedContainer {
        code: "CG401",
        name: "privileged-container",
        category: Security,
        severity: Error,
        summary: "a service runs with `privileged: true`",
    }
}

impl Rule for PrivilegedContainer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let privileged = match s.get("privileged").map(|n| &n.kind) {
                Some(Kind::Bool(b)) => *b,
                Some(Kind::Str(_)) => s
                    .str("privileged")
                    .is_some_and(|v| v.known() && compose_true(&v.value)),
                _ => false,
            };
            if !privileged {
                continue;
            }
            out.push(
                self.finding(cx, s.at("privileged"), format!("`{}` runs privileged", s.name))
                    .label("all capabilities and devices, no seccomp or AppArmor: root on the host")
                    .service(s.name)
                    .help("remove `privileged: true` and grant only what the service needs (`cap_add`, `devices`); if it must stay, suppress this finding inline with the reason")
                    .build(),
            );
        }
    }
}

/// Whether Docker Compose casts the string to `true` for a boolean field (compose-go's
/// `toBoolean`: `true`, `yes`, `y`, `on` in any case, without trimming).
pub fn compose_true(v: &str) -> bool {
    ["true", "yes", "y", "on"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
}

#[cfg(test)]
mod tests {
    use super::compose_true;
    use crate::compose::interpolate::Env;
    use crate::lint::testing::{codes, lint_rule, lint_rule_with};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG401", yaml))
    }

    #[test]
    fn privileged() {
        assert_eq!(
            run("services:\n  a:\n    image: x\n    privileged: true\n"),
            ["CG401@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x\n    privileged: 'true'\n"),
            ["CG401@4"]
        );
        let mut env = Env::empty();
        env.set("PRIV", "true");
        assert_eq!(
            codes(&lint_rule_with(
                "CG401",
                "services:\n  a:\n    image: x\n    privileged: ${PRIV}\n",
                env
            )),
            ["CG401@4"]
        );
    }

    #[test]
    fn compose_true_spellings() {
        // Verified with docker-compose v2.40.3 `config --format json`: each runs privileged.
        for v in [
            "yes", "'yes'", "\"on\"", "on", "On", "y", "'Y'", "True", "TRUE", "'YeS'",
        ] {
            assert_eq!(
                run(&format!(
                    "services:\n  a:\n    image: x\n    privileged: {v}\n"
                )),
                ["CG401@4"],
                "{v}"
            );
        }
        for v in ["no", "'off'", "n", "'false'", "'t'", "'1'", "' true'"] {
            assert!(
                run(&format!(
                    "services:\n  a:\n    image: x\n    privileged: {v}\n"
                ))
                .is_empty(),
                "{v}"
            );
        }
        assert!(compose_true("oN"));
        assert!(!compose_true(" true"));
    }

    #[test]
    fn not_privileged() {
        assert!(run("services:\n  a:\n    image: x\n    privileged: false\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n").is_empty());
        // Unknown: a variable without a value.
        assert!(run("services:\n  a:\n    image: x\n    privileged: ${PRIV}\n").is_empty());
        // A privileged build is not a privileged container.
        assert!(
            run("services:\n  a:\n    build:\n      context: .\n      privileged: true\n")
                .is_empty()
        );
        assert!(run("services:\n  a:\n    image: x\n    privileged: true # composegen: ignore[CG401] dind\n").is_empty());
    }
}

/// Test helpers for the security rules: findings as a rule reports them, before the engine
/// applies a configured level.
#[cfg(test)]
pub mod tests_support {
    use crate::compose::interpolate::{Env, interpolate_tree};
    use crate::lint::config::Settings;
    use crate::lint::context::Context;
    use crate::lint::finding::Finding;
    use crate::lint::images::ImageTable;
    use crate::lint::registry::RULES;
    use crate::yaml::Node;

    /// Findings of rule `code` on `yaml`, with `settings`.
    pub fn findings_with(code: &str, yaml: &str, settings: &Settings) -> Vec<Finding> {
        let mut root = Node::parse(yaml).expect("yaml");
        let env = Env::empty();
        interpolate_tree(&mut root, &env);
        let images = ImageTable::new(&[]).expect("image table");
        let index = crate::lint::view::Index::new(&root, &env);
        let cx = Context {
            file: 0,
            name: "test.yaml",
            text: yaml,
            root: &root,
            env: &env,
            images: &images,
            settings,
            index: &index,
            dir: None,
        };
        let rule = RULES.iter().find(|r| r.meta().code == code).expect("rule");
        let mut out = Vec::new();
        rule.check(&cx, &mut out);
        out
    }

    /// Severities of the findings of rule `code` on `yaml`, in the order reported.
    pub fn severities(code: &str, yaml: &str) -> Vec<String> {
        findings_with(code, yaml, &Settings::default())
            .iter()
            .map(|f| f.severity.as_str().to_string())
            .collect()
    }
}
