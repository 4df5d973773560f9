use crate::declare_rule;
use crate::lint::rule::{Rule, RuleMeta};

/// The rule's code, for the engine that emits it.
pub const CODE: &str = "CG003";

declare_rule! {
    /// ## What it does
    /// Reports a file that cannot be a compose file at all: it is not UTF-8 text, it is empty,
    /// or its document is not a mapping (a list or a bare string, say).
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses it. Often the wrong file was passed, or a file was truncated.
    ///
    /// ## Example
    /// ```yaml
    /// - web
    /// - db
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    pub struct NotAComposeFile {
        code: "CG003",
        name: "not-a-compose-file",
        category: Schema,
        severity: Error,
        summary: "the file is not UTF-8, is empty, or is not a mapping",
    }
}

impl Rule for NotAComposeFile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
