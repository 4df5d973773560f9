use crate::declare_rule;
use crate::lint::rule::{Rule, RuleMeta};

/// The rule's code, for the engine that emits it.
pub const CODE: &str = "CG806";

/// The help line of its findings.
pub const HELP: &str =
    "name a rule code such as CG101 (`composegen rules` lists them), or remove the suppression";

declare_rule! {
    /// ## What it does
    /// Reports a code in a `# composegen: ignore[…]` or `ignore-file[…]` comment that names no
    /// rule (`ignore[CG1O1]`, `ignore[host-port-collision]`, a code of another tool).
    ///
    /// ## Why is this bad?
    /// The comment suppresses nothing: the finding it was written for is still reported (or
    /// will be when it comes back), and a reader believes it is handled. A typo in a code is
    /// otherwise silent.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.1
    ///     ports: ["8080:80"]  # composegen: ignore[CG1O1] shared with the proxy
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.1
    ///     ports: ["8080:80"]  # composegen: ignore[CG101] shared with the proxy
    /// ```
    pub struct UnknownCodeInIgnore {
        code: "CG806",
        name: "unknown-code-in-ignore",
        category: Style,
        severity: Warning,
        summary: "an inline suppression names a code that is no rule",
    }
}

impl Rule for UnknownCodeInIgnore {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    #[test]
    fn reported() {
        assert_eq!(
            codes(&lint_rule(
                "CG806",
                "services:\n  a:\n    image: x  # composegen: ignore[CG701, cg1o1] typo\n# composegen: ignore-file[DL3008]\n"
            )),
            ["CG806@3", "CG806@4"]
        );
        assert!(
            lint_rule(
                "CG806",
                "services:\n  a:\n    image: x  # composegen: ignore[CG701,cg702] known\n"
            )
            .is_empty()
        );
    }
}
