//! Report formats: human (miette, with source snippets), concise (one line per finding), json
//! (a documented, versioned shape), SARIF 2.1.0, and GitHub Actions annotations.

use std::fmt::Write as _;

use serde::Serialize;

use super::finding::{Diagnostic, Location, Severity};
use super::registry::RULES;
use super::{FileReport, Report, effective_level};
use crate::lint::config::Settings;

mod gitlab;

/// Where rule documentation lives on the web (used for SARIF `helpUri`).
pub const DOCS_URL: &str = "https://composegen.dev/rules/";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// miette diagnostics with source snippets.
    Human,
    /// `file:line:col: severity[CODE] message`, one line each.
    Concise,
    /// The versioned JSON report (docs/json-format.md).
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…`).
    Github,
    /// GitLab code quality report (`artifacts:reports:codequality`).
    Gitlab,
}

/// Render a report.
pub fn render(report: &Report, format: Format, settings: &Settings, color: bool) -> String {
    match format {
        Format::Human => human(report, color, settings.verbose),
        Format::Concise => concise(report),
        Format::Json => json(report),
        Format::Sarif => sarif(report, settings),
        Format::Github => github(report),
        Format::Gitlab => gitlab::gitlab(report),
    }
}

/// One-line summary: `3 errors, 1 warning, 0 infos in 2 files`, and how many of the findings
/// `lint --fix` fixes, when some are (`(2 fixable with --fix)`).
pub fn summary(report: &Report) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let fixable = report.diagnostics().filter(|(_, d)| d.fixable()).count();
    format!(
        "{}, {}, {} in {}{}",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.count(Severity::Info), "info"),
        plural(report.files.len(), "file"),
        if fixable > 0 {
            format!(" ({fixable} fixable with --fix)")
        } else {
            String::new()
        }
    )
}

// ---------------------------------------------------------------------------------------------
// human

#[derive(Debug)]
struct Human<'a> {
    d: &'a Diagnostic,
    src: miette::NamedSource<String>,
}

impl std::fmt::Display for Human<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Human<'_> {}

impl miette::Diagnostic for Human<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(format!("{}({})", self.d.code, self.d.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let label = |l: &Location, primary: bool| {
            let text = if l.label.is_empty() {
                None
            } else {
                Some(l.label.clone())
            };
            if primary {
                miette::LabeledSpan::new_primary_with_span(text, (l.span.start, l.span.len()))
            } else {
                miette::LabeledSpan::new_with_span(text, (l.span.start, l.span.len()))
            }
        };
        let same_file = self
            .d
            .related
            .iter()
            .filter(|r| r.file == self.d.primary.file);
        Some(Box::new(
            std::iter::once(label(&self.d.primary, true))
                .chain(same_file.map(move |r| label(r, false))),
        ))
    }
}

/// Info findings of one rule, summarised in one line of the human report.
struct InfoGroup {
    name: &'static str,
    count: usize,
    first: String,
    message: String,
}

/// Errors and warnings in full, then (unless `verbose`) one line per rule for the infos, so that
/// what fails leads and is not buried under hundreds of infos.
fn human(report: &Report, color: bool, verbose: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_links(false);
    let mut out = String::new();
    let mut infos: std::collections::BTreeMap<&str, InfoGroup> = Default::default();
    // What fails first: errors, then warnings (each in report order), then infos.
    let mut diagnostics: Vec<_> = report.diagnostics().collect();
    diagnostics.sort_by_key(|(_, d)| std::cmp::Reverse(d.severity));
    for (file, d) in diagnostics {
        if !verbose && d.severity == Severity::Info {
            let p = &d.primary.pos;
            infos
                .entry(d.code)
                .or_insert_with(|| InfoGroup {
                    name: d.name,
                    count: 0,
                    first: format!("{}:{}:{}", file.name, p.line, p.column),
                    message: d.message.clone(),
                })
                .count += 1;
            continue;
        }
        let h = Human {
            d,
            src: miette::NamedSource::new(&file.name, file.text.clone()),
        };
        let _ = handler.render_report(&mut out, &h);
        out.push('\n');
    }
    if !infos.is_empty() {
        out.push_str("infos, one line per rule (--verbose shows each):\n");
        for (code, g) in &infos {
            let _ = writeln!(
                out,
                "  info[{code}] {} ×{}, first at {}: {}",
                g.name, g.count, g.first, g.message
            );
        }
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------------------------
// concise

fn concise(report: &Report) -> String {
    let mut out = String::new();
    for (file, d) in report.diagnostics() {
        let p = &d.primary.pos;
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            file.name, p.line, p.column, d.severity, d.code, d.message
        );
    }
    let _ = writeln!(out, "{}", summary(report));
    out
}

// ---------------------------------------------------------------------------------------------
// json: a frozen, versioned shape (see docs/json-format.md), not the internal structs.

/// Version of the JSON report shape.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: JsonTool,
    summary: JsonSummary,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonTool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    name: &'a str,
    category: &'a str,
    severity: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    /// `lint --fix` fixes it (present only when true).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    fixable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
    location: JsonLocation<'a>,
    related: Vec<JsonLocation<'a>>,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "str::is_empty")]
    path: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    label: &'a str,
}

fn json_location<'a>(
    report: &'a Report,
    file: &'a FileReport,
    l: &'a Location,
) -> JsonLocation<'a> {
    let name = report
        .files
        .get(l.file)
        .map_or(file.name.as_str(), |f| f.name.as_str());
    JsonLocation {
        file: name,
        line: l.pos.line,
        column: l.pos.column,
        end_line: l.pos.end_line,
        end_column: l.pos.end_column,
        path: &l.route,
        label: &l.label,
    }
}

fn json(report: &Report) -> String {
    let findings = report
        .diagnostics()
        .map(|(file, d)| JsonFinding {
            code: d.code,
            name: d.name,
            category: d.category.as_str(),
            severity: d.severity.as_str(),
            message: &d.message,
            help: d.help.as_deref(),
            fixable: d.fixable(),
            service: d.service.as_deref(),
            location: json_location(report, file, &d.primary),
            related: d
                .related
                .iter()
                .map(|r| json_location(report, file, r))
                .collect(),
        })
        .collect();
    let doc = JsonReport {
        version: JSON_VERSION,
        tool: JsonTool {
            name: "composegen",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: JsonSummary {
            files: report.files.len(),
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            infos: report.count(Severity::Info),
        },
        findings,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn sarif_region(l: &Location) -> serde_json::Value {
    serde_json::json!({
        "startLine": l.pos.line,
        "startColumn": l.pos.column,
        "endLine": l.pos.end_line,
        "endColumn": l.pos.end_column.max(1),
    })
}

/// Rules outside CG4xx whose findings are security findings (code scanning's Security tab).
const SECURITY_OUTSIDE_CG4: &[&str] = &["CG103", "CG203", "CG204", "CG205", "CG508"];

/// GitHub's `security-severity` (0-10) for a security rule at `level`: critical/high for
/// errors, medium for warnings, low for infos. None for other rules.
fn security_severity(m: &super::rule::RuleMeta, level: Severity) -> Option<&'static str> {
    let security =
        m.category == super::finding::Category::Security || SECURITY_OUTSIDE_CG4.contains(&m.code);
    security.then_some(match level {
        Severity::Error => "8.0",
        Severity::Warning => "5.5",
        Severity::Info => "2.0",
    })
}

/// A path as a URI path: reserved characters (spaces, `<stdin>`'s brackets, `#`, `%`, non-ASCII)
/// percent-encoded.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A file name as a SARIF artifact location: a URI reference relative to `%SRCROOT%` (the
/// directory linted from, where code scanning expects the repository root) for a relative path
/// or an absolute one below that directory; a `file://` URI for any other absolute path.
fn sarif_artifact(name: &str, root: Option<&std::path::Path>) -> serde_json::Value {
    let path = std::path::Path::new(name);
    if path.is_absolute() {
        match root.and_then(|r| path.strip_prefix(r).ok()) {
            Some(rel) => serde_json::json!({
                "uri": uri_path(&rel.to_string_lossy()),
                "uriBaseId": "%SRCROOT%",
            }),
            None => serde_json::json!({"uri": format!("file://{}", uri_path(name))}),
        }
    } else {
        serde_json::json!({"uri": uri_path(name), "uriBaseId": "%SRCROOT%"})
    }
}

/// A fingerprint of a finding that survives edits elsewhere in the file: its rule, file,
/// symbolic route (`services.web.ports[0]`, not a line number) and message, and how many
/// identical ones came before it.
fn fingerprint(d: &Diagnostic, file: &str, occurrence: usize) -> String {
    let key = format!(
        "{}\0{file}\0{}\0{}\0{occurrence}",
        d.code, d.primary.route, d.message
    );
    let mut hex = crate::digest::sha256_hex(key.as_bytes());
    hex.truncate(32);
    hex
}

fn sarif(report: &Report, settings: &Settings) -> String {
    use serde_json::json;
    let root = std::env::current_dir().ok();
    let root = root.as_deref();
    // One descriptor per rule that ran (or reported), in registry order.
    let descriptors: Vec<&'static super::rule::RuleMeta> = RULES
        .iter()
        .map(|r| r.meta())
        .filter(|m| {
            effective_level(m, settings).is_some()
                || report.diagnostics().any(|(_, d)| d.code == m.code)
        })
        .collect();
    let rules: Vec<serde_json::Value> = descriptors
        .iter()
        .map(|m| {
            let level = effective_level(m, settings).unwrap_or(m.severity);
            let mut properties =
                json!({"category": m.category.as_str(), "tags": [m.category.as_str()]});
            if let Some(score) = security_severity(m, level) {
                properties["security-severity"] = json!(score);
                if m.category != super::finding::Category::Security {
                    properties["tags"] = json!([m.category.as_str(), "security"]);
                }
            }
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": m.summary},
                "help": {"text": m.documentation(), "markdown": m.documentation()},
                "helpUri": format!("{DOCS_URL}{}", m.code),
                "defaultConfiguration": {"level": sarif_level(level)},
                "properties": properties,
            })
        })
        .collect();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let results: Vec<serde_json::Value> = report
        .files
        .iter()
        .flat_map(|f| {
            f.diagnostics
                .iter()
                .map(move |d| (f, d, None))
                .chain(f.suppressed.iter().map(move |(d, why)| (f, d, Some(why))))
        })
        .map(|(file, d, suppressed)| {
            let index = descriptors.iter().position(|m| m.code == d.code).unwrap_or(0);
            let mut message = d.message.clone();
            if let Some(h) = &d.help {
                message.push_str(&format!("\nHelp: {h}"));
            }
            let related: Vec<serde_json::Value> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let uri = report.files.get(r.file).map_or(file.name.as_str(), |f| f.name.as_str());
                    json!({
                        "id": i,
                        "physicalLocation": {"artifactLocation": sarif_artifact(uri, root), "region": sarif_region(r)},
                        "message": {"text": if r.label.is_empty() { "related location".to_string() } else { r.label.clone() }},
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": d.code,
                "ruleIndex": index,
                "level": sarif_level(d.severity),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": sarif_artifact(&file.name, root),
                        "region": sarif_region(&d.primary),
                    }
                }],
            });
            let key = fingerprint(d, &file.name, 0);
            let occurrence = seen.entry(key).or_default();
            result["partialFingerprints"] =
                json!({"composegen/v1": fingerprint(d, &file.name, *occurrence)});
            *occurrence += 1;
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            if let Some(why) = suppressed {
                let mut s = json!({"kind": "inSource", "status": "accepted"});
                if let Some(why) = why {
                    s["justification"] = json!(why);
                }
                result["suppressions"] = json!([s]);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "composegen",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": DOCS_URL,
                "rules": rules,
            }},
            "results": results,
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.map_or_else(
                || "./".to_string(),
                |r| format!("file://{}/", uri_path(r.to_string_lossy().trim_end_matches('/'))),
            )}},
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(report: &Report) -> String {
    let mut out = String::new();
    for (file, d) in report.diagnostics() {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let p = &d.primary.pos;
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        let _ = writeln!(
            out,
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&file.name),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            escape_property(&format!("{} {}", d.code, d.name)),
            escape_data(&message)
        );
    }
    out
}
