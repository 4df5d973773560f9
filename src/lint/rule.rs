//! What a rule is: metadata declared once with [`declare_rule!`] (its doc comment becomes its
//! documentation) and a check over the typed view of a compose file.

use super::context::Context;
use super::finding::{Category, Finding, FindingBuilder, Severity};
use crate::yaml::Path;

/// A rule's metadata.
#[derive(Debug)]
pub struct RuleMeta {
    /// Code, e.g. `CG101`.
    pub code: &'static str,
    /// Kebab-case name describing what is flagged.
    pub name: &'static str,
    /// Family.
    pub category: Category,
    /// Default severity.
    pub severity: Severity,
    /// On unless configured otherwise.
    pub enabled: bool,
    /// One-line summary.
    pub summary: &'static str,
    /// The full documentation: the rule's doc comment.
    pub docs: &'static str,
}

impl RuleMeta {
    /// The documentation as written (doc-comment lines lose their leading space).
    pub fn documentation(&self) -> String {
        let mut out = String::new();
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim_end().to_string() + "\n"
    }
}

/// A lint rule.
pub trait Rule: Sync + Send {
    /// Metadata.
    fn meta(&self) -> &'static RuleMeta;

    /// Check one file; push findings into `out`. Rules that are emitted by the engine itself
    /// (syntax errors) keep the default, which does nothing.
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Finding>) {}

    /// Start a finding of this rule at `path` of the context's file.
    fn finding(&self, cx: &Context<'_>, path: Path, message: impl Into<String>) -> FindingBuilder
    where
        Self: Sized,
    {
        let meta = self.meta();
        Finding::at(meta.code, meta.severity, cx.file, path, message)
    }
}

/// Declare a rule: a unit struct whose doc comment is its documentation, and its metadata.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// …
///     pub struct HostPortCollision {
///         code: "CG101",
///         name: "host-port-collision",
///         category: Ports,
///         severity: Error,
///         summary: "two services publish the same host port",
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            code: $code:literal,
            name: $kebab:literal,
            category: $cat:ident,
            severity: $sev:ident,
            $(enabled: $enabled:literal,)?
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis struct $name;

        impl $name {
            /// This rule's metadata.
            pub const META: $crate::lint::rule::RuleMeta = $crate::lint::rule::RuleMeta {
                code: $code,
                name: $kebab,
                category: $crate::lint::finding::Category::$cat,
                severity: $crate::lint::finding::Severity::$sev,
                enabled: true $(&& $enabled)?,
                summary: $summary,
                docs: concat!($($doc, "\n"),*),
            };
        }
    };
}
