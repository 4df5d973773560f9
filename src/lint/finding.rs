//! Findings: what a rule reports. Rules never compute positions: a finding carries symbolic
//! routes (`services.web.ports[0]`), resolved to file, line and column in one step by the engine.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::yaml::{Path, Span};

/// How bad a finding is: "will it break, or is it dangerous?", not "is it best practice?".
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Likely a problem.
    Warning,
    /// Will break, or is dangerous.
    Error,
}

impl Severity {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rule families; the hundreds digit of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// CG0xx: input, YAML and Compose validity.
    Schema,
    /// CG1xx: published ports.
    Ports,
    /// CG2xx: volumes and mounts.
    Volumes,
    /// CG3xx: memory, cpu, processes.
    Resources,
    /// CG4xx: privileges and secrets.
    Security,
    /// CG5xx: networks and dependencies.
    Network,
    /// CG6xx: health and operations.
    Health,
    /// CG7xx: images.
    Image,
    /// CG8xx: style.
    Style,
    /// CG9xx: deployment targets other than Docker Compose (`lint --target swarm`).
    Swarm,
}

impl Category {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Schema => "schema",
            Category::Ports => "ports",
            Category::Volumes => "volumes",
            Category::Resources => "resources",
            Category::Security => "security",
            Category::Network => "network",
            Category::Health => "health",
            Category::Image => "image",
            Category::Style => "style",
            Category::Swarm => "swarm",
        }
    }
}

/// A place a finding refers to, symbolically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Index of the source file (in the engine's list).
    pub file: usize,
    /// Path in that file's document.
    pub path: Path,
    /// Point at the mapping key rather than the value (unknown keys, whole entries).
    pub key: bool,
    /// Label shown at the span.
    pub label: String,
}

/// A finding as a rule reports it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Rule code, e.g. `CG101`.
    pub code: &'static str,
    /// Severity (after configuration).
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The service concerned, if any.
    pub service: Option<String>,
    /// Where: the primary location.
    pub primary: Route,
    /// Related locations ("also published here").
    pub related: Vec<Route>,
    /// A raw span, for findings that have no path (YAML syntax errors).
    pub raw_span: Option<Span>,
    /// How to repair it mechanically (`lint --fix`), or why that is refused.
    pub fix: Option<super::fix::Fix>,
}

/// A resolved position: 1-based line and column, with the byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    /// First line (1-based).
    pub line: usize,
    /// First column (1-based, in characters).
    pub column: usize,
    /// Last line.
    pub end_line: usize,
    /// Column after the last character.
    pub end_column: usize,
}

/// A resolved location.
#[derive(Debug, Clone)]
pub struct Location {
    /// File index.
    pub file: usize,
    /// Byte span.
    pub span: Span,
    /// Line and column.
    pub pos: Position,
    /// Label.
    pub label: String,
    /// The symbolic route it came from.
    pub route: String,
}

/// A finding with its locations resolved.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Rule code.
    pub code: &'static str,
    /// Rule name (kebab-case).
    pub name: &'static str,
    /// Category.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// Message.
    pub message: String,
    /// Help.
    pub help: Option<String>,
    /// Service.
    pub service: Option<String>,
    /// Primary location.
    pub primary: Location,
    /// Related locations.
    pub related: Vec<Location>,
    /// Its fix, if the rule has one (edits of the project's main file).
    pub fix: Option<super::fix::Fix>,
}

impl Diagnostic {
    /// Whether `lint --fix` can fix it (a fix with edits, not one refused).
    pub fn fixable(&self) -> bool {
        self.fix
            .as_ref()
            .is_some_and(|f| f.edits.as_ref().is_ok_and(|e| !e.is_empty()))
    }
}

/// Builds a finding; a finding cannot exist without its primary location.
#[derive(Debug)]
pub struct FindingBuilder {
    finding: Finding,
}

impl Finding {
    /// Start a finding of rule `code` at `path` in `file`.
    pub fn at(
        code: &'static str,
        severity: Severity,
        file: usize,
        path: Path,
        message: impl Into<String>,
    ) -> FindingBuilder {
        FindingBuilder {
            finding: Finding {
                code,
                severity,
                message: message.into(),
                help: None,
                service: None,
                primary: Route {
                    file,
                    path,
                    key: false,
                    label: String::new(),
                },
                related: Vec::new(),
                raw_span: None,
                fix: None,
            },
        }
    }
}

impl FindingBuilder {
    /// Label at the primary location.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.finding.primary.label = label.into();
        self
    }

    /// Point at the key of the primary path.
    pub fn on_key(mut self) -> Self {
        self.finding.primary.key = true;
        self
    }

    /// Help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.finding.help = Some(help.into());
        self
    }

    /// The service concerned.
    pub fn service(mut self, name: impl Into<String>) -> Self {
        self.finding.service = Some(name.into());
        self
    }

    /// A related location.
    pub fn related(mut self, file: usize, path: Path, label: impl Into<String>) -> Self {
        self.finding.related.push(Route {
            file,
            path,
            key: false,
            label: label.into(),
        });
        self
    }

    /// A raw span for the primary location (syntax errors only).
    pub fn raw_span(mut self, span: Span) -> Self {
        self.finding.raw_span = Some(span);
        self
    }

    /// Its fix (see [`super::fix`]); `None` leaves it without one.
    pub fn fix(mut self, fix: Option<super::fix::Fix>) -> Self {
        self.finding.fix = fix;
        self
    }

    /// Finish.
    pub fn build(self) -> Finding {
        self.finding
    }
}

/// How many names a message lists before it says "and N more".
pub const LISTED_NAMES: usize = 10;

/// Names for a message: `` `a`, `b`, `c` ``; past [`LISTED_NAMES`] the rest are counted
/// (`` `a`, …, `j` and 9,990 more ``), so a finding about every service of a big file stays one
/// readable line.
pub fn name_list<S: AsRef<str>>(names: &[S]) -> String {
    let mut out = names
        .iter()
        .take(LISTED_NAMES)
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED_NAMES {
        let rest = (names.len() - LISTED_NAMES).to_string();
        let mut grouped = String::new();
        for (i, c) in rest.chars().enumerate() {
            if i > 0 && (rest.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        out.push_str(&format!(" and {grouped} more"));
    }
    out
}

#[cfg(test)]
mod name_list_tests {
    use super::name_list;

    #[test]
    fn lists_ten_then_counts() {
        assert_eq!(name_list(&["a", "b"]), "`a`, `b`");
        let many: Vec<String> = (0..10_012).map(|i| format!("s{i}")).collect();
        let shown = name_list(&many);
        assert!(shown.starts_with("`s0`, `s1`,"), "{shown}");
        assert!(shown.ends_with("`s9` and 10,002 more"), "{shown}");
    }
}
