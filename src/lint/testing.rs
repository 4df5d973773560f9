//! Helpers for rule unit tests: lint a snippet with one rule enabled.

use super::config::{Level, Settings};
use super::finding::Diagnostic;
use super::images::ImageTable;
use super::{Input, lint};
use crate::compose::Target;
use crate::compose::interpolate::Env;

/// Lint `yaml` with only rule `code` enabled (at its default severity, even if off by default).
pub fn lint_rule(code: &str, yaml: &str) -> Vec<Diagnostic> {
    lint_rule_with(code, yaml, Env::empty())
}

/// The settings that enable only rule `code`, at its default severity, for `target`.
fn only(code: &str, target: Target) -> Settings {
    let meta = super::rule(code).unwrap_or_else(|| panic!("no rule {code}"));
    let mut settings = Settings {
        select: vec![code.to_string()],
        target,
        ..Settings::default()
    };
    let level = match meta.severity {
        super::finding::Severity::Info => Level::Info,
        super::finding::Severity::Warning => Level::Warning,
        super::finding::Severity::Error => Level::Error,
    };
    settings.levels.insert(code.to_string(), level);
    settings
}

/// `yaml` after `lint --fix` with only rule `code` enabled; None when nothing changed.
pub fn fix_rule(code: &str, yaml: &str) -> Option<String> {
    let images = ImageTable::new(&[]).expect("image table");
    let spec = super::ProjectSpec {
        files: vec![crate::project::load::Input {
            name: "test.yaml".into(),
            path: None,
            bytes: yaml.as_bytes().to_vec(),
        }],
        env: Env::empty(),
        profiles: Vec::new(),
    };
    let fixed = super::fix::fix_project(spec, &only(code, Target::Compose), &images)?;
    fixed.changed().then_some(fixed.text)
}

/// The same, with variables.
pub fn lint_rule_with(code: &str, yaml: &str, env: Env) -> Vec<Diagnostic> {
    lint_rule_target(code, yaml, env, Target::Compose)
}

/// The same, for a deployment target (`lint --target`).
pub fn lint_rule_target(code: &str, yaml: &str, env: Env, target: Target) -> Vec<Diagnostic> {
    let settings = only(code, target);
    let images = ImageTable::new(&[]).expect("image table");
    let report = lint(
        vec![Input {
            name: "test.yaml".into(),
            bytes: yaml.as_bytes().to_vec(),
            env,
        }],
        &settings,
        &images,
    );
    report
        .files
        .into_iter()
        .flat_map(|f| f.diagnostics)
        .collect()
}

/// `CODE@LINE` for each diagnostic.
pub fn codes(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .map(|d| format!("{}@{}", d.code, d.primary.pos.line))
        .collect()
}
