use crate::declare_rule;
use crate::lint::rule::{Rule, RuleMeta};

/// The rule's code, for the engine that emits it.
pub const CODE: &str = "CG001";

declare_rule! {
    /// ## What it does
    /// Reports a file that is not valid YAML: bad indentation, an unclosed bracket or quote, a
    /// tab used for indentation.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses to load the file. Nothing else can be checked either: when a file
    /// does not parse, this is the only finding composegen reports for it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports: ["80:80"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports: ["80:80"]
    /// ```
    pub struct YamlSyntaxError {
        code: "CG001",
        name: "yaml-syntax-error",
        category: Schema,
        severity: Error,
        summary: "the file is not valid YAML",
    }
}

impl Rule for YamlSyntaxError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
