use crate::declare_rule;
use crate::lint::rule::{Rule, RuleMeta};

/// The rule's code, for the engine that emits it.
pub const CODE: &str = "CG007";

declare_rule! {
    /// ## What it does
    /// Reports a reference Docker Compose cannot resolve while it assembles the project: an
    /// `include` target or its `env_file` that does not exist, an `extends` whose `file` is
    /// missing or whose `service` does not exist, an `extends` chain that loops, or an included
    /// service that conflicts with one of the including file.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses to load the project (`open common.yaml: no such file or
    /// directory`, `service "web" extends "base" which does not exist`).
    ///
    /// ## Example
    /// ```yaml
    /// include:
    ///   - ./monitoring/compose.yaml   # not in the repository
    /// services:
    ///   web:
    ///     extends: {file: common.yaml, service: webapp}
    /// ```
    ///
    /// ## Use instead
    /// Commit the referenced files, fix the paths (they are relative to the file that names
    /// them), or name an existing service.
    pub struct UnresolvableReference {
        code: "CG007",
        name: "unresolvable-reference",
        category: Schema,
        severity: Error,
        summary: "an include, extends or env file reference cannot be resolved",
    }
}

impl Rule for UnresolvableReference {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
