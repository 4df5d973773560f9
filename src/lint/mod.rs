//! `composegen lint`: the engine. Parse each file once (with positions), guard on parse
//! failures, run the enabled rules of the registry in order, resolve their symbolic routes to
//! file:line:col once, apply inline suppressions, sort.

pub mod config;
pub mod context;
pub mod finding;
pub mod fix;
pub mod images;
pub mod output;
pub mod registry;
pub mod rule;
pub mod rules;
pub mod suppress;
#[cfg(test)]
pub mod testing;
pub mod view;

use crate::compose::interpolate::Env;
use config::{Level, Settings};
use context::Context;
use finding::{Diagnostic, Finding, Location, Position, Route, Severity};
use images::ImageTable;
use rule::{Rule, RuleMeta};
use suppress::Suppressions;

use crate::yaml::{KeyIndex, LineIndex, Span};

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
    /// Findings an inline `# composegen: ignore[…]` suppresses, with the reason written there
    /// (SARIF lists them as suppressed; the other formats leave them out).
    pub suppressed: Vec<(Diagnostic, Option<String>)>,
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
    let matches = |prefixes: &[String]| prefixes.iter().any(|p| config::selects(p, code));
    if matches(&settings.ignore) {
        return None;
    }
    // As in ruff, selecting a rule by its code, a prefix of it (`CG4`) or `ALL` turns it on
    // even when it is off by default.
    let selected = matches(&settings.select);
    if !settings.select.is_empty() && !selected {
        return None;
    }
    match settings.levels.get(code) {
        Some(Level::Off) => None,
        Some(Level::Info) => Some(Severity::Info),
        Some(Level::Warning) => Some(Severity::Warning),
        Some(Level::Error) => Some(Severity::Error),
        None if meta.enabled || selected || settings.enabled.contains(code) => Some(meta.severity),
        None => None,
    }
}

/// A project to lint: one or more files merged like `docker compose -f a -f b`.
#[derive(Debug, Clone)]
pub struct ProjectSpec {
    /// The files, in merge order.
    pub files: Vec<crate::project::load::Input>,
    /// Variables for interpolation.
    pub env: Env,
    /// Active compose profiles (`--profile`); empty keeps every service.
    pub profiles: Vec<String>,
}

/// Lint inputs, each file on its own.
pub fn lint(inputs: Vec<Input>, settings: &Settings, images: &ImageTable) -> Report {
    lint_with_progress(inputs, settings, images, &mut |_, _| {})
}

/// [`lint`], calling `progress(done, total)` after each file.
pub fn lint_with_progress(
    inputs: Vec<Input>,
    settings: &Settings,
    images: &ImageTable,
    progress: &mut dyn FnMut(usize, usize),
) -> Report {
    let projects = inputs
        .into_iter()
        .map(|i| ProjectSpec {
            files: vec![crate::project::load::Input {
                name: i.name,
                path: None,
                bytes: i.bytes,
            }],
            env: i.env,
            profiles: Vec::new(),
        })
        .collect();
    lint_projects(projects, settings, images, progress)
}

/// Lint projects; `progress(done, total)` is called after each project.
pub fn lint_projects(
    projects: Vec<ProjectSpec>,
    settings: &Settings,
    images: &ImageTable,
    progress: &mut dyn FnMut(usize, usize),
) -> Report {
    let total = projects.len();
    let rules: Vec<(&'static dyn Rule, Severity)> = registry::RULES
        .iter()
        .filter_map(|r| effective_level(r.meta(), settings).map(|s| (*r, s)))
        .collect();
    let mut report = Report::default();
    for (done, spec) in projects.into_iter().enumerate() {
        let offset = report.files.len();
        report
            .files
            .extend(lint_project(offset, spec, settings, images, &rules));
        progress(done + 1, total);
    }
    report
}

fn lint_project(
    offset: usize,
    spec: ProjectSpec,
    settings: &Settings,
    images: &ImageTable,
    rules: &[(&'static dyn Rule, Severity)],
) -> Vec<FileReport> {
    use crate::project::load::{self, FileError};
    let level_of = |code: &str| {
        rules
            .iter()
            .find(|(r, _)| r.meta().code == code)
            .map(|(_, s)| *s)
    };
    let options = load::Options {
        env: spec.env.clone(),
        profiles: spec.profiles.clone(),
    };
    let project = load::load(spec.files, &options);
    let mut findings: Vec<Finding> = Vec::new();
    let mut engine = |file: usize, code: &'static str, message: String, help: &str, span: Span| {
        if let Some(sev) = level_of(code) {
            findings.push(
                Finding::at(code, sev, file, crate::yaml::Path::root(), message)
                    .help(help)
                    .raw_span(span)
                    .build(),
            );
        }
    };
    for (file, error) in &project.errors {
        match error {
            FileError::NotUtf8 => engine(
                *file,
                rules::cg003_not_a_compose_file::CODE,
                "the file is not valid UTF-8 text".into(),
                "save the file as UTF-8",
                Span::default(),
            ),
            FileError::DuplicateKey(span) => engine(
                *file,
                rules::cg002_duplicate_key::CODE,
                "a key appears twice in the same mapping".into(),
                "remove or rename one of them: Docker Compose rejects duplicate keys",
                *span,
            ),
            FileError::Syntax(message, span) => engine(
                *file,
                rules::cg001_yaml_syntax_error::CODE,
                format!("invalid YAML: {message}"),
                "fix the YAML syntax (indentation, quotes, brackets, tabs)",
                *span,
            ),
            FileError::Empty => engine(
                *file,
                rules::cg003_not_a_compose_file::CODE,
                "the file is empty".into(),
                "a compose file is a mapping with at least `services:`",
                Span::default(),
            ),
            FileError::NotMapping(span) => engine(
                *file,
                rules::cg003_not_a_compose_file::CODE,
                "the document is not a mapping".into(),
                "a compose file is a mapping with at least `services:`",
                *span,
            ),
        }
    }
    for (file, f) in project.files.iter().enumerate() {
        for (span, message) in rules::cg008_unicode_line_break::findings(&f.text) {
            let help = rules::cg008_unicode_line_break::HELP;
            engine(
                file,
                rules::cg008_unicode_line_break::CODE,
                message,
                help,
                span,
            );
        }
    }
    for problem in &project.problems {
        if let Some(sev) = level_of(rules::cg007_unresolvable_reference::CODE) {
            let span = project.files[problem.file]
                .root()
                .as_ref()
                .map(|r| r.locate(&problem.path).0)
                .unwrap_or_default();
            findings.push(
                Finding::at(
                    rules::cg007_unresolvable_reference::CODE,
                    sev,
                    problem.file,
                    problem.path.clone(),
                    problem.message.clone(),
                )
                .help(problem.help.clone())
                .raw_span(span)
                .build(),
            );
        }
    }

    // Guard: rules run only on a project whose every file parsed into a mapping.
    if let Some(root) = &project.root {
        let main = &project.files[0];
        let index = crate::lint::view::Index::new(root, &spec.env);
        let cx = Context {
            file: 0,
            name: &main.name,
            text: &main.text,
            root,
            env: &spec.env,
            images,
            settings,
            index: &index,
            dir: main.path.as_deref().and_then(std::path::Path::parent),
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

    let suppressions: Vec<Suppressions> = project
        .files
        .iter()
        .map(|f| {
            if settings.no_ignores {
                return Suppressions::default();
            }
            let mut s = Suppressions::scan(&f.text);
            if f.text.contains("composegen:")
                && let Some(root) = f.root()
            {
                s.extend_to_blocks(root, &f.text);
            }
            s
        })
        .collect();
    if let Some(sev) = level_of(rules::cg806_unknown_code_in_ignore::CODE) {
        for (file, s) in suppressions.iter().enumerate() {
            for (span, code) in &s.mentions {
                if rule(code).is_none() {
                    findings.push(
                        Finding::at(
                            rules::cg806_unknown_code_in_ignore::CODE,
                            sev,
                            file,
                            crate::yaml::Path::root(),
                            format!("the suppression names `{code}`, which is no rule"),
                        )
                        .help(rules::cg806_unknown_code_in_ignore::HELP)
                        .raw_span(*span)
                        .build(),
                    );
                }
            }
        }
    }
    let mut per_file: Vec<Vec<Diagnostic>> = vec![Vec::new(); project.files.len()];
    // The generic "Compose rejects this" rules give way to a specific rule that reports the
    // same problem at the same place (see `COVERS_GENERIC`); any other finding there does not
    // hide them.
    let lines: Vec<LineIndex> = project
        .files
        .iter()
        .map(|f| LineIndex::new(&f.text))
        .collect();
    let keys = project.root.as_ref().map(KeyIndex::new);
    let mut resolved: Vec<Diagnostic> = findings
        .into_iter()
        .filter_map(|f| resolve(f, &project, &lines, keys.as_ref()))
        .collect();
    drop(keys);
    // The most severe specific finding at each (file, span, generic code).
    let mut covering: std::collections::HashMap<(usize, usize, usize, &str), Severity> =
        std::collections::HashMap::new();
    for d in &resolved {
        for (_, generic) in COVERS_GENERIC
            .iter()
            .filter(|(specific, _)| *specific == d.code)
        {
            let at = (
                d.primary.file,
                d.primary.span.start,
                d.primary.span.end,
                *generic,
            );
            let level = covering.entry(at).or_insert(d.severity);
            *level = (*level).max(d.severity);
        }
    }
    resolved.retain(|d| {
        let at = (
            d.primary.file,
            d.primary.span.start,
            d.primary.span.end,
            d.code,
        );
        covering
            .get(&at)
            .is_none_or(|&severity| severity < d.severity)
    });
    // An ignore counts on every line a finding covers: its primary location and the related
    // ones ("also published here"), each in its own file.
    let mut suppressed: Vec<Vec<(Diagnostic, Option<String>)>> =
        vec![Vec::new(); project.files.len()];
    for d in resolved {
        let file = d.primary.file;
        let by = std::iter::once(&d.primary)
            .chain(&d.related)
            .find(|l| {
                suppressions
                    .get(l.file)
                    .is_some_and(|s| s.suppresses(d.code, l.pos.line, l.pos.end_line))
            })
            .map(|l| {
                suppressions[l.file]
                    .reason(l.pos.line, l.pos.end_line)
                    .map(str::to_string)
            });
        match by {
            Some(reason) => suppressed[file].push((d, reason)),
            None => per_file[file].push(d),
        }
    }
    project
        .files
        .into_iter()
        .zip(per_file)
        .zip(suppressed)
        .map(|((file, mut diagnostics), mut suppressed)| {
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
            suppressed.sort_by(|(a, _), (b, _)| {
                (a.primary.pos.line, a.primary.pos.column, a.code, &a.message).cmp(&(
                    b.primary.pos.line,
                    b.primary.pos.column,
                    b.code,
                    &b.message,
                ))
            });
            for d in diagnostics
                .iter_mut()
                .chain(suppressed.iter_mut().map(|(d, _)| d))
            {
                d.primary.file += offset;
                for r in &mut d.related {
                    r.file += offset;
                }
            }
            FileReport {
                name: file.name,
                text: file.text,
                diagnostics,
                suppressed,
            }
        })
        .collect()
}

/// Which specific rule reports the same problem as a generic "Compose rejects this" rule
/// (CG004 schema violation, CG005 consistency error): `(specific, generic)`.
///
/// "The same problem" means precisely: the specific rule flags a value *because* Docker Compose
/// rejects it (an invalid port, an unknown restart policy, …), so wherever it reports at the
/// very node (same file and span) where the generic rule reports, both describe that one
/// rejection and the specific message, which says why and how to fix it, is enough. Only then
/// is the generic finding dropped. A finding of any rule not listed here (a missing
/// `cap_drop`, `no-new-privileges` …) is a different problem that happens to point at the same
/// service key: it never hides a CG004/CG005 error, which keeps the exit code honest.
/// A rule belongs here only if every finding it reports at a node is an error Compose also
/// rejects there. The generic finding is dropped only when the specific one is at least as
/// severe (a specific rule lowered to a warning in the configuration does not turn the error
/// into a warning). One pair outside the schema rules follows the same rule: CG106 (any port on
/// every interface) gives way to CG103 (a sensitive one) at the same port.
const COVERS_GENERIC: &[(&str, &str)] = &[
    // invalid port mapping ⇔ "invalid port …"
    ("CG104", rules::cg005_compose_rejects::CODE),
    // undeclared named volume ⇔ "refers to undefined volume"
    ("CG201", rules::cg005_compose_rejects::CODE),
    // undefined dependency (depends_on, links, network_mode: service:) ⇔ "depends on undefined service"
    ("CG501", rules::cg005_compose_rejects::CODE),
    // dependency cycle ⇔ "dependency cycle detected"
    ("CG502", rules::cg005_compose_rejects::CODE),
    // undeclared network ⇔ "refers to undefined network"
    ("CG505", rules::cg005_compose_rejects::CODE),
    // `network_mode` with `networks` ⇔ "mutually exclusive"
    ("CG506", rules::cg005_compose_rejects::CODE),
    // duplicate `container_name` ⇔ "container name … is already used"
    ("CG512", rules::cg005_compose_rejects::CODE),
    // Not a rejection, the same rule of thumb: a database port on every interface (CG103) is a
    // port on every interface (CG106, off by default), said with what is behind it.
    ("CG103", "CG106"),
];

fn position(lines: &LineIndex, text: &str, span: Span) -> Position {
    let (line, column) = lines.line_col(text, span.start);
    let (end_line, end_column) = lines.line_col(text, span.end.max(span.start));
    Position {
        line,
        column,
        end_line,
        end_column,
    }
}

/// Resolve a route against the effective document: the node it names (or the deepest that
/// exists) knows the file and span where it was written.
fn locate(
    route: &Route,
    project: &crate::project::load::Project,
    lines: &[LineIndex],
    keys: Option<&KeyIndex<'_>>,
) -> Location {
    let (file, span) = match (&project.root, keys) {
        (Some(root), Some(keys)) => {
            let (node, found) = keys.deepest(root, &route.path);
            // A block (a service, a mapping) is pointed at by the key that introduces it.
            let block = found
                && matches!(
                    node.kind,
                    crate::yaml::Kind::Map(_) | crate::yaml::Kind::Seq(_)
                );
            let key = if route.key || block {
                keys.key_node(root, &route.path)
            } else {
                None
            };
            let node = key.unwrap_or(node);
            (node.file as usize, node.span)
        }
        _ => (route.file, Span::default()),
    };
    let file = file.min(project.files.len().saturating_sub(1));
    let text = &project.files[file].text;
    // A value that is a block (mapping) reaches to its end; point at its first line only.
    let span = first_line(text, span);
    Location {
        file,
        span,
        pos: position(&lines[file], text, span),
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

fn resolve(
    f: Finding,
    project: &crate::project::load::Project,
    lines: &[LineIndex],
    keys: Option<&KeyIndex<'_>>,
) -> Option<Diagnostic> {
    let meta = registry::RULES
        .iter()
        .map(|r| r.meta())
        .find(|m| m.code == f.code)?;
    let primary = match f.raw_span {
        Some(span) => {
            let file = f.primary.file.min(project.files.len().saturating_sub(1));
            let text = &project.files[file].text;
            let span = first_line(text, span);
            Location {
                file,
                span,
                pos: position(&lines[file], text, span),
                label: f.primary.label.clone(),
                route: if f.primary.path.0.is_empty() {
                    String::new()
                } else {
                    f.primary.path.to_string()
                },
            }
        }
        None => locate(&f.primary, project, lines, keys),
    };
    let related = f
        .related
        .iter()
        .map(|r| locate(r, project, lines, keys))
        .collect();
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
        fix: f.fix,
    })
}

/// The rule with this code (case-insensitive).
pub fn rule(code: &str) -> Option<&'static RuleMeta> {
    registry::RULES
        .iter()
        .map(|r| r.meta())
        .find(|m| m.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod dedup_tests {
    use super::config::{Level, Settings};
    use super::finding::Severity;
    use super::images::ImageTable;
    use super::{Input, lint};
    use crate::compose::interpolate::Env;

    /// Codes and severities of `yaml` linted with exactly `codes` at their default levels
    /// (or the given level).
    fn run(yaml: &str, codes: &[(&str, Option<Level>)]) -> Vec<(String, Severity)> {
        let mut settings = Settings {
            select: codes.iter().map(|(c, _)| c.to_string()).collect(),
            ..Settings::default()
        };
        for (code, level) in codes {
            if let Some(level) = level {
                settings.levels.insert(code.to_string(), *level);
            }
        }
        let images = ImageTable::new(&[]).expect("image table");
        let report = lint(
            vec![Input {
                name: "test.yaml".into(),
                bytes: yaml.as_bytes().to_vec(),
                env: Env::empty(),
            }],
            &settings,
            &images,
        );
        report
            .diagnostics()
            .map(|(_, d)| (d.code.to_string(), d.severity))
            .collect()
    }

    fn has(found: &[(String, Severity)], code: &str) -> bool {
        found.iter().any(|(c, _)| c == code)
    }

    #[test]
    fn unrelated_finding_at_the_same_place_does_not_hide_a_generic_error() {
        // CG403/CG405 point at the service key, where CG005 reports "neither an image nor a
        // build context": a different problem, so the error stays (issue 10).
        let yaml = "services:\n  web:\n    image: nginx:1.27\n  app:\n    environment: {A: '1'}\n";
        for other in ["CG403", "CG405", "CG802"] {
            let found = run(yaml, &[("CG005", None), (other, None)]);
            assert!(has(&found, "CG005"), "{other}: {found:?}");
            assert!(has(&found, other), "{other}: {found:?}");
        }
    }

    #[test]
    fn specific_rule_for_the_same_problem_replaces_the_generic_one() {
        let yaml = "services:\n  web:\n    image: nginx:1.27\n    networks: [backend]\n";
        let found = run(yaml, &[("CG005", None), ("CG505", None)]);
        assert_eq!(found, [("CG505".to_string(), Severity::Error)]);
        // Only when it is at least as severe.
        let found = run(yaml, &[("CG005", None), ("CG505", Some(Level::Warning))]);
        assert!(has(&found, "CG005") && has(&found, "CG505"), "{found:?}");
        // Without the specific rule the generic one reports it.
        assert_eq!(
            run(yaml, &[("CG005", None)]),
            [("CG005".to_string(), Severity::Error)]
        );
    }
}
