use crate::declare_rule;
use crate::lint::rule::{Rule, RuleMeta};

/// The rule's code, for the engine that emits it.
pub const CODE: &str = "CG002";

declare_rule! {
    /// ## What it does
    /// Reports a mapping that has the same key twice.
    ///
    /// ## Why is this bad?
    /// YAML forbids duplicate keys and Docker Compose rejects the file (`mapping key "image"
    /// already defined`). Tools that accept it silently keep one of the two values, so what runs
    /// depends on the tool.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     image: nginx:1.26
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    pub struct DuplicateKey {
        code: "CG002",
        name: "duplicate-key",
        category: Schema,
        severity: Error,
        summary: "a mapping has the same key twice",
    }
}

impl Rule for DuplicateKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
