//! `composegen lint`: the engine. Parse each file once (with positions), guard on parse
//! failures, run the enabled rules of the registry in order, resolve their symbolic routes to
//! file:line:col once, apply inline suppressions, sort.

pub mod config;
pub mod context;
pub mod finding;
pub mod images;
pub mod interpolate;
pub mod output;
pub mod registry;
pub mod rule;
pub mod rules;
pub mod suppress;
#[cfg(test)]
pub mod testing;
pub mod view;

use config::{Level, Settings};
use context::Context;
use finding::{Diagnostic, Finding, Location, Position, Route, Severity};
use images::ImageTable;
use interpolate::Env;
use rule::{Rule, RuleMeta};
use suppress::Suppressions;

use crate::yaml::{Kind, Node, Span, line_col};

/// One input to lint.
#[derive(Debug, Clone)]
pub struct Input {
    /// Name shown in diagnostics (a relative path, or `<stdin>`).
    pub name: String,
    /// The bytes read.
    pub bytes: Vec<u8>,
    /// Variables for interpolation.
    pub env: Env,
}

/// The result for one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// Name shown in diagnostics.
    pub name: String,
    /// The text (lossy when the input was not UTF-8).
    pub text: String,
    /// Diagnostics, sorted by position then code.
    pub diagnostics: Vec<Diagnostic>,
}

/// The result of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per file, in input order.
    pub files: Vec<FileReport>,
}

impl Report {
    /// Every diagnostic with its file.
    pub fn diagnostics(&self) -> impl Iterator<Item = (&FileReport, &Diagnostic)> {
        self.files
            .iter()
            .flat_map(|f| f.diagnostics.iter().map(move |d| (f, d)))
    }

    /// Number of diagnostics at a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics()
            .filter(|(_, d)| d.severity == severity)
            .count()
    }

    /// Highest severity present.
    pub fn worst(&self) -> Option<Severity> {
        self.diagnostics().map(|(_, d)| d.severity).max()
    }
}

/// The severity a rule runs at under `settings`, or None when it is off.
pub fn effective_level(meta: &RuleMeta, settings: &Settings) -> Option<Severity> {
    let code = meta.code;
    let matches = |prefixes: &[String]| {
        prefixes
            .iter()
            .any(|p| code.starts_with(p.to_ascii_uppercase().as_str()))
    };
    if matches(&settings.ignore) {
        return None;
    }
    let selected_exactly = settings.select.iter().any(|p| p.eq_ignore_ascii_case(code));
    if !settings.select.is_empty() && !matches(&settings.select) {
        return None;
    }
    match settings.levels.get(code) {
        Some(Level::Off) => None,
        Some(Level::Info) => Some(Severity::Info),
        Some(Level::Warning) => Some(Severity::Warning),
        Some(Level::Error) => Some(Severity::Error),
        None if meta.enabled || selected_exactly => Some(meta.severity),
        None => None,
    }
}

/// Lint inputs.
pub fn lint(inputs: Vec<Input>, settings: &Settings, images: &ImageTable) -> Report {
    let rules: Vec<(&'static dyn Rule, Severity)> = registry::RULES
        .iter()
        .filter_map(|r| effective_level(r.meta(), settings).map(|s| (*r, s)))
        .collect();
    let mut report = Report::default();
    for (index, input) in inputs.into_iter().enumerate() {
        report
            .files
            .push(lint_one(index, input, settings, images, &rules));
    }
    report
}

fn lint_one(
    index: usize,
    input: Input,
    settings: &Settings,
    images: &ImageTable,
    rules: &[(&'static dyn Rule, Severity)],
) -> FileReport {
    let level_of = |code: &str| {
        rules
            .iter()
            .find(|(r, _)| r.meta().code == code)
            .map(|(_, s)| *s)
    };
    let mut findings: Vec<Finding> = Vec::new();
    let (text, utf8) = match String::from_utf8(input.bytes) {
        Ok(t) => (t, true),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
    };
    let mut root: Option<Node> = None;
    let mut engine_finding = |code: &'static str, message: String, help: &str, span: Span| {
        if let Some(sev) = level_of(code) {
            findings.push(
                Finding::at(code, sev, index, crate::yaml::Path::root(), message)
                    .help(help)
                    .raw_span(span)
                    .build(),
            );
        }
    };
    if !utf8 {
        engine_finding(
            rules::cg003_not_a_compose_file::CODE,
            "the file is not valid UTF-8 text".into(),
            "save the file as UTF-8",
            Span::default(),
        );
    } else {
        match Node::parse(&text) {
            Err(e) if e.message.contains("duplicated key") => engine_finding(
                rules::cg002_duplicate_key::CODE,
                "a key appears twice in the same mapping".into(),
                "remove or rename one of them: Docker Compose rejects duplicate keys",
                e.span,
            ),
            Err(e) => engine_finding(
                rules::cg001_yaml_syntax_error::CODE,
                format!("invalid YAML: {}", e.message),
                "fix the YAML syntax (indentation, quotes, brackets, tabs)",
                e.span,
            ),
            Ok(node) => match node.kind {
                Kind::Map(ref m) if !m.is_empty() => root = Some(node),
                Kind::Null | Kind::Map(_) => engine_finding(
                    rules::cg003_not_a_compose_file::CODE,
                    "the file is empty".into(),
                    "a compose file is a mapping with at least `services:`",
                    Span::default(),
                ),
                _ => engine_finding(
                    rules::cg003_not_a_compose_file::CODE,
                    "the document is not a mapping".into(),
                    "a compose file is a mapping with at least `services:`",
                    node.span,
                ),
            },
        }
    }

    // Guard: rules run only on a document that parsed into a mapping.
    if let Some(root) = &root {
        let cx = Context {
            file: index,
            name: &input.name,
            text: &text,
            root,
            env: &input.env,
            images,
            settings,
        };
        for (rule, severity) in rules {
            let start = findings.len();
            rule.check(&cx, &mut findings);
            // A configured level applies to every finding of the rule; at its default level a
            // rule may report some findings lower (a read-only mount is less bad than a writable one).
            if settings.levels.contains_key(rule.meta().code) {
                for f in &mut findings[start..] {
                    f.severity = *severity;
                }
            }
        }
    }

    let suppressions = if settings.no_ignores {
        Suppressions::default()
    } else {
        let mut s = Suppressions::scan(&text);
        if let Some(root) = &root {
            s.extend_to_blocks(root, &text);
        }
        s
    };
    let mut diagnostics: Vec<Diagnostic> = findings
        .into_iter()
        .filter_map(|f| resolve(f, root.as_ref(), &text))
        .filter(|d| !suppressions.suppresses(d.code, d.primary.pos.line, d.primary.pos.end_line))
        .collect();
    diagnostics.sort_by(|a, b| {
        (a.primary.pos.line, a.primary.pos.column, a.code, &a.message).cmp(&(
            b.primary.pos.line,
            b.primary.pos.column,
            b.code,
            &b.message,
        ))
    });
    diagnostics.dedup_by(|a, b| {
        a.code == b.code && a.primary.span == b.primary.span && a.message == b.message
    });
    FileReport {
        name: input.name,
        text,
        diagnostics,
    }
}

fn position(text: &str, span: Span) -> Position {
    let (line, column) = line_col(text, span.start);
    let (end_line, end_column) = line_col(text, span.end.max(span.start));
    Position {
        line,
        column,
        end_line,
        end_column,
    }
}

fn locate(route: &Route, root: Option<&Node>, text: &str) -> Location {
    let span = match root {
        Some(root) => {
            let key_span = if route.key {
                root.locate_key(&route.path)
            } else {
                None
            };
            key_span.unwrap_or_else(|| root.locate(&route.path).0)
        }
        None => Span::default(),
    };
    // A value that is a block (mapping) reaches to its end; point at its first line only.
    let span = first_line(text, span);
    Location {
        file: route.file,
        span,
        pos: position(text, span),
        label: route.label.clone(),
        route: route.path.to_string(),
    }
}

fn first_line(text: &str, span: Span) -> Span {
    let start = span.start.min(text.len());
    let end = span.end.min(text.len()).max(start);
    let end = text[start..end].find('\n').map_or(end, |nl| start + nl);
    let end = start + text[start..end].trim_end().len();
    Span { start, end }
}

fn resolve(f: Finding, root: Option<&Node>, text: &str) -> Option<Diagnostic> {
    let meta = registry::RULES
        .iter()
        .map(|r| r.meta())
        .find(|m| m.code == f.code)?;
    let primary = match f.raw_span {
        Some(span) => {
            let span = first_line(text, span);
            Location {
                file: f.primary.file,
                span,
                pos: position(text, span),
                label: f.primary.label.clone(),
                route: String::new(),
            }
        }
        None => locate(&f.primary, root, text),
    };
    let related = f.related.iter().map(|r| locate(r, root, text)).collect();
    Some(Diagnostic {
        code: meta.code,
        name: meta.name,
        category: meta.category,
        severity: f.severity,
        message: f.message,
        help: f.help,
        service: f.service,
        primary,
        related,
    })
}

/// The rule with this code (case-insensitive).
pub fn rule(code: &str) -> Option<&'static RuleMeta> {
    registry::RULES
        .iter()
        .map(|r| r.meta())
        .find(|m| m.code.eq_ignore_ascii_case(code))
}
