//! Configuration: `.composegen.yaml` (or `--config FILE`) plus command-line options, resolved
//! into [`Settings`]. Unknown keys are errors, located like every other input error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::finding::Severity;
use super::images::ImageEntry;
use crate::error::{Error, Result};
use crate::schema::{Document, Problem};

/// The configuration file's name, looked up in the current directory and its parents up to the
/// repository root.
pub const CONFIG_FILE: &str = ".composegen.yaml";

/// `.composegen.yaml`: how `composegen lint` behaves in this repository.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Per-rule settings by code: `off`, a severity, or `{severity, options}`.
    #[serde(default)]
    pub rules: IndexMap<String, RuleSetting>,
    /// Presets: named sets of off-by-default rules to turn on (`security`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preset: Vec<Preset>,
    /// Run only rules whose code starts with one of these (e.g. `CG1`, `CG203`, or `ALL`);
    /// off-by-default rules that are selected (by their code, a prefix of it, or `ALL`) are
    /// turned on.
    #[serde(default)]
    pub select: Vec<String>,
    /// Never run rules whose code starts with one of these.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Lowest severity that makes the run fail (exit 1). Default: error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Severity>,
    /// Paths (globs, relative to the configuration file) never linted.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// More images for the knowledge table (data directories, written paths, ports …).
    #[serde(default)]
    pub images: Vec<ImageEntry>,
}

/// A named set of off-by-default rules (`--preset`, `preset:` in `.composegen.yaml`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// The off-by-default rules that compose-lint and KICS check by default: unbound and
    /// privileged ports, shared and host-path volumes, resource and process limits, dropped
    /// capabilities, `no-new-privileges`, read-only root file systems, image digests.
    Security,
}

impl Preset {
    /// The rules the preset turns on (at their default severity).
    pub fn rules(self) -> &'static [&'static str] {
        match self {
            Preset::Security => &[
                "CG106", "CG107", "CG210", "CG213", "CG302", "CG303", "CG403", "CG405", "CG415",
                "CG705",
            ],
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Security => "security",
        }
    }
}

/// Whether selection pattern `pattern` (a code prefix such as `CG4`, or `ALL`) selects `code`.
pub fn selects(pattern: &str, code: &str) -> bool {
    pattern.eq_ignore_ascii_case("ALL") || code.starts_with(pattern.to_ascii_uppercase().as_str())
}

/// A rule's setting.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RuleSetting {
    /// `off`, `info`, `warning` or `error`.
    Level(Level),
    /// Severity and options.
    Full {
        /// `off`, `info`, `warning` or `error`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        severity: Option<Level>,
        /// Rule-specific options (see `composegen explain CODE`).
        #[serde(default)]
        options: serde_json::Map<String, serde_json::Value>,
    },
}

/// A rule level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Disabled.
    Off,
    /// Info.
    Info,
    /// Warning.
    Warning,
    /// Error.
    Error,
}

/// Resolved settings for a run.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Rule levels by code (after config and command line).
    pub levels: BTreeMap<String, Level>,
    /// Rule options by code.
    pub options: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Prefix selection.
    pub select: Vec<String>,
    /// Off-by-default rules turned on by a preset.
    pub enabled: std::collections::BTreeSet<String>,
    /// The presets in effect.
    pub presets: Vec<Preset>,
    /// Prefix exclusion.
    pub ignore: Vec<String>,
    /// Failure threshold.
    pub fail_on: Option<Severity>,
    /// Never fail because of findings (`--fail-on never`).
    pub fail_never: bool,
    /// Disregard inline suppressions.
    pub no_ignores: bool,
    /// Excluded path globs.
    pub exclude: Option<globset::GlobSet>,
    /// Directory the excludes are relative to.
    pub base: PathBuf,
    /// User image entries.
    pub images: Vec<ImageEntry>,
    /// Human output shows every info finding (`--verbose`), not one line per rule.
    pub verbose: bool,
    /// What deploys the files (`--target`): the CG9xx rules check only for Docker Swarm.
    pub target: crate::compose::Target,
}

impl Settings {
    /// Build settings from a configuration.
    pub fn from_config(config: Config, base: PathBuf) -> Result<Settings> {
        let mut s = Settings {
            select: config.select,
            ignore: config.ignore,
            fail_on: config.fail_on,
            base,
            images: config.images,
            ..Settings::default()
        };
        for preset in config.preset {
            s.add_preset(preset);
        }
        for (code, setting) in config.rules {
            let code = code.to_ascii_uppercase();
            match setting {
                RuleSetting::Level(l) => {
                    s.levels.insert(code, l);
                }
                RuleSetting::Full { severity, options } => {
                    if let Some(l) = severity {
                        s.levels.insert(code.clone(), l);
                    }
                    s.options.insert(code, options);
                }
            }
        }
        if !config.exclude.is_empty() {
            let mut b = globset::GlobSetBuilder::new();
            for pattern in &config.exclude {
                let glob = globset::Glob::new(pattern).map_err(|e| {
                    Error::msg(format!("invalid exclude pattern {pattern:?}: {e}"), None)
                })?;
                b.add(glob);
            }
            s.exclude = Some(
                b.build()
                    .map_err(|e| Error::msg(format!("invalid exclude patterns: {e}"), None))?,
            );
        }
        Ok(s)
    }

    /// Turn on the rules of a preset.
    pub fn add_preset(&mut self, preset: Preset) {
        if !self.presets.contains(&preset) {
            self.presets.push(preset);
        }
        self.enabled
            .extend(preset.rules().iter().map(|c| (*c).to_string()));
    }

    /// Whether `path` is excluded by the configuration.
    pub fn excluded(&self, path: &Path) -> bool {
        let Some(set) = &self.exclude else {
            return false;
        };
        let rel = path.strip_prefix(&self.base).unwrap_or(path);
        let rel = rel.strip_prefix("./").unwrap_or(rel);
        set.is_match(rel)
    }
}

/// JSON schema of the configuration file.
pub fn config_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default();
    crate::schema::strip_null(&mut schema);
    schema
}

/// Find `.composegen.yaml` in `start` or a parent (stopping at a `.git` directory).
pub fn discover(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(CONFIG_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

/// Load and validate a configuration file.
pub fn load(path: &Path) -> Result<Config> {
    let text =
        crate::fsio::read_input_string(path).map_err(|e| Error::io("cannot read", path, e))?;
    let file = Document::parse(path.display().to_string(), text)?;
    let doc = file.node.to_json();
    if doc.is_null() {
        return Ok(Config::default());
    }
    // The schema is generated and compiled only to describe errors (`schema_fast`).
    let problems = if crate::schema_fast::is_valid(&crate::schema_fast::CONFIG, &doc) == Some(true)
    {
        Vec::new()
    } else {
        crate::schema::validate(&config_schema(), &doc)
    };
    if !problems.is_empty() {
        return Err(file.locate(problems, "configuration"));
    }
    serde_path_to_error::deserialize(&doc).map_err(|e| {
        let problem = Problem::new(
            crate::yaml::Path::parse_dotted(&e.path().to_string()),
            e.inner().to_string(),
            None,
        );
        file.locate(vec![problem], "configuration")
    })
}
