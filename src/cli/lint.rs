//! `composegen lint`, `rules`, `explain`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::error::{Error, Result};
use crate::lint::config::{self, Settings};
use crate::lint::finding::Severity;
use crate::lint::images::ImageTable;
use crate::lint::interpolate::Env;
use crate::lint::output::{self, Format};
use crate::lint::registry::RULES;
use crate::lint::{Input, Report, effective_level};

/// File names Docker Compose looks for, in its order of preference.
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// `lint` options.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files, directories, or `-` for stdin. Default: the compose file (and its override) in
    /// the current directory, found like Docker Compose does.
    pub paths: Vec<PathBuf>,
    /// Search directories recursively.
    #[arg(short = 'r', long)]
    pub recursive: bool,
    /// Report format (default: human on a terminal, concise otherwise).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Run only rules whose code starts with one of these (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip rules whose code starts with one of these.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Lowest severity that fails the run (exit 1).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Configuration file (default: .composegen.yaml in this directory or a parent).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Do not read any configuration file.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Disregard `# composegen: ignore[…]` comments.
    #[arg(long)]
    pub no_ignores: bool,
    /// Name to show for stdin input.
    #[arg(long, default_value = "<stdin>")]
    pub stdin_filename: String,
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Fail on any finding.
    Info,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on errors only (default).
    Error,
    /// Never fail because of findings.
    Never,
}

/// `rules` output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    /// A table.
    Table,
    /// Markdown (docs/rules.md).
    Markdown,
    /// JSON.
    Json,
}

fn is_compose_name(name: &str) -> bool {
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"));
    stem.is_some_and(|s| {
        s == "compose"
            || s == "docker-compose"
            || s.starts_with("compose.")
            || s.starts_with("docker-compose.")
    })
}

/// Compose files in a directory (recursively with `recursive`), sorted.
fn files_in(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("cannot read directory", dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if p.is_dir() {
            if recursive && !name.starts_with('.') && name != "node_modules" && name != "target" {
                files_in(&p, true, out)?;
            }
        } else if is_compose_name(name) {
            out.push(p);
        }
    }
    Ok(())
}

/// The default files: the first of Docker Compose's names present, plus its override file.
pub fn discover(dir: &Path) -> Vec<PathBuf> {
    let Some(main) = DEFAULT_FILES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
    else {
        return Vec::new();
    };
    let mut files = vec![main.clone()];
    let stem = main
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("compose");
    for ext in ["yaml", "yml"] {
        let o = dir.join(format!("{stem}.override.{ext}"));
        if o.is_file() {
            files.push(o);
            break;
        }
    }
    files
}

fn display(path: &Path) -> String {
    let s = path.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Variables for a file: the process environment, then `.env` beside the file.
fn env_for(dir: &Path) -> Env {
    let mut env = Env::empty();
    for (k, v) in std::env::vars() {
        env.set(k, v);
    }
    if let Ok(text) = std::fs::read_to_string(dir.join(".env")) {
        env.add_dotenv(&text);
    }
    env
}

/// Resolve settings from the configuration file and command line.
pub fn settings(args: &LintArgs) -> Result<Settings> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("cannot read", ".", e))?;
    let config_path = if args.no_config {
        None
    } else {
        match &args.config {
            Some(p) => Some(p.clone()),
            None => config::discover(&cwd),
        }
    };
    let mut s = match &config_path {
        Some(p) => {
            let base = p.parent().map_or_else(|| cwd.clone(), Path::to_path_buf);
            Settings::from_config(config::load(p)?, base)?
        }
        None => Settings {
            base: cwd,
            ..Settings::default()
        },
    };
    for code in args
        .select
        .iter()
        .chain(&args.ignore)
        .chain(s.levels.keys())
    {
        let known = RULES.iter().any(|r| {
            r.meta()
                .code
                .starts_with(code.to_ascii_uppercase().as_str())
        });
        if !known {
            return Err(Error::msg(
                format!("no rule matches {code:?}"),
                Some("rule codes look like CG101; `composegen rules` lists them".into()),
            ));
        }
    }
    if !args.select.is_empty() {
        s.select = args.select.clone();
    }
    s.ignore.extend(args.ignore.iter().cloned());
    match args.fail_on {
        Some(FailOn::Info) => s.fail_on = Some(Severity::Info),
        Some(FailOn::Warning) => s.fail_on = Some(Severity::Warning),
        Some(FailOn::Error) => s.fail_on = Some(Severity::Error),
        Some(FailOn::Never) => s.fail_never = true,
        None => {}
    }
    s.no_ignores = args.no_ignores;
    Ok(s)
}

/// Collect the inputs named on the command line.
pub fn inputs(args: &LintArgs, settings: &Settings) -> Result<Vec<Input>> {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut stdin = false;
    if args.paths.is_empty() {
        paths = discover(Path::new("."));
        if paths.is_empty() {
            return Err(Error::msg(
                "no compose file here",
                Some(format!(
                    "looked for {}; name files or directories to lint",
                    DEFAULT_FILES.join(", ")
                )),
            ));
        }
    }
    for p in &args.paths {
        if p.as_os_str() == "-" {
            stdin = true;
        } else if p.is_dir() {
            let before = paths.len();
            files_in(p, args.recursive, &mut paths)?;
            if paths.len() == before && !args.recursive {
                let nested = {
                    let mut v = Vec::new();
                    files_in(p, true, &mut v)?;
                    !v.is_empty()
                };
                if nested {
                    eprintln!(
                        "note: no compose files directly in {}; use -r to search subdirectories",
                        p.display()
                    );
                }
            }
        } else {
            paths.push(p.clone());
        }
    }
    let mut inputs = Vec::new();
    for p in paths {
        if settings.excluded(&p) {
            continue;
        }
        let bytes = std::fs::read(&p).map_err(|e| Error::io("cannot read", &p, e))?;
        let dir = p
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        inputs.push(Input {
            name: display(&p),
            bytes,
            env: env_for(&dir),
        });
    }
    if stdin {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| Error::io("cannot read", "stdin", e))?;
        inputs.push(Input {
            name: args.stdin_filename.clone(),
            bytes,
            env: env_for(Path::new(".")),
        });
    }
    Ok(inputs)
}

/// Exit code for a report: 1 when a finding is at or above the threshold.
pub fn exit_code(report: &Report, settings: &Settings) -> i32 {
    let never = settings.fail_never;
    let threshold = settings.fail_on.unwrap_or(Severity::Error);
    match report.worst() {
        Some(worst) if !never && worst >= threshold => 1,
        _ => 0,
    }
}

/// Run `lint`; returns the report text and the exit code.
pub fn run(args: &LintArgs, color: bool) -> Result<(String, i32)> {
    let settings = settings(args)?;
    let images = ImageTable::new(&settings.images)?;
    let inputs = inputs(args, &settings)?;
    let report = crate::lint::lint(inputs, &settings, &images);
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Human
    } else {
        Format::Concise
    });
    let text = output::render(&report, format, &settings, color);
    Ok((text, exit_code(&report, &settings)))
}

/// `composegen rules`.
pub fn rules(format: RulesFormat) -> String {
    let settings = Settings::default();
    match format {
        RulesFormat::Table => {
            let mut out = format!(
                "{:<6} {:<40} {:<10} {:<8} SUMMARY\n",
                "CODE", "NAME", "CATEGORY", "DEFAULT"
            );
            for r in RULES {
                let m = r.meta();
                let default = effective_level(m, &settings).map_or("off", Severity::as_str);
                out.push_str(&format!(
                    "{:<6} {:<40} {:<10} {:<8} {}\n",
                    m.code,
                    m.name,
                    m.category.as_str(),
                    default,
                    m.summary
                ));
            }
            out
        }
        RulesFormat::Markdown => rules_markdown(),
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = RULES
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "code": m.code,
                        "name": m.name,
                        "category": m.category.as_str(),
                        "default_severity": m.severity.as_str(),
                        "enabled_by_default": m.enabled,
                        "summary": m.summary,
                        "documentation": m.documentation(),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

/// docs/rules.md, generated from the registry.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# Rules\n\n<!-- Generated by `composegen rules --format markdown` from the rules' doc comments; \
         a test fails when this file is stale. -->\n\n\
         Severity answers \"will it break, or is it dangerous?\": **error** will break or is dangerous, \
         **warning** is likely a problem, **info** is worth knowing; *off* rules run only when selected \
         (`--select CODE` or `.composegen.yaml`).\n\n\
         | Code | Name | Category | Default | Summary |\n| --- | --- | --- | --- | --- |\n",
    );
    let settings = Settings::default();
    for r in RULES {
        let m = r.meta();
        let default = effective_level(m, &settings).map_or("off", Severity::as_str);
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} | {} |\n",
            m.code,
            m.code.to_ascii_lowercase(),
            m.name,
            m.category.as_str(),
            default,
            m.summary
        ));
    }
    for r in RULES {
        let m = r.meta();
        let default = effective_level(m, &settings).map_or("off", Severity::as_str);
        out.push_str(&format!(
            "\n## {}\n\n`{}` · {} · default: {}\n\n",
            m.code,
            m.name,
            m.category.as_str(),
            default
        ));
        // Demote the rule's own headings one level.
        for line in m.documentation().lines() {
            if line.starts_with("## ") {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `composegen explain CODE`.
pub fn explain(code: &str) -> Result<String> {
    let m = crate::lint::rule(code).ok_or_else(|| {
        Error::msg(
            format!("no rule {code:?}"),
            Some("`composegen rules` lists every rule".into()),
        )
    })?;
    let default = effective_level(m, &Settings::default()).map_or("off", Severity::as_str);
    Ok(format!(
        "{} {}\ncategory: {} · default severity: {}\n\n{}",
        m.code,
        m.name,
        m.category.as_str(),
        default,
        m.documentation()
    ))
}
