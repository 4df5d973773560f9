//! `composegen lint`, `rules`, `explain`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use crate::compose::interpolate::Env;
use crate::error::{Error, Result};
use crate::lint::config::{self, Settings};
use crate::lint::finding::Severity;
use crate::lint::images::ImageTable;
use crate::lint::output::{self, Format};
use crate::lint::registry::RULES;
use crate::lint::{Report, effective_level};

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
    /// the current directory, found like Docker Compose does (with -r: every compose file below
    /// the current directory).
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
    /// Turn on a preset's off-by-default rules (`security`: compose-lint/KICS-level checks).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub preset: Vec<config::Preset>,
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
    /// Compose files merged into one project, in order, like `docker compose -f a -f b`.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Enable a compose profile (repeatable; `*` for all), like `docker compose --profile`; without
    /// it every service is linted (COMPOSE_PROFILES is honoured).
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Read variables from this file instead of `.env` (repeatable; later files win; the
    /// process environment wins over all).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Treat variables that are unset and have no default as errors (CG006).
    #[arg(long)]
    pub strict_env: bool,
    /// What deploys the files: `compose` (Docker Compose) or `swarm` (`docker stack deploy`:
    /// the CG9xx rules report keys swarm ignores or refuses).
    #[arg(long, value_enum, default_value_t = crate::compose::Target::Compose)]
    pub target: crate::compose::Target,
    /// The host's memory (`8g`, `16GiB`): CG309 reports services that run together whose
    /// memory limits add up to more (its `host-memory` option).
    #[arg(long, value_name = "SIZE")]
    pub host_memory: Option<String>,
    /// Name to show for stdin input.
    #[arg(long, default_value = "<stdin>")]
    pub stdin_filename: String,
    /// Project name, as `docker compose -p` (default: COMPOSE_PROJECT_NAME): checked like
    /// Docker Compose checks it; no rule depends on it.
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Project directory for the default project (no paths named): where the compose file is
    /// looked for and `.env` read, as `docker compose --project-directory`.
    #[arg(long = "project-directory", value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Print the effective configuration (the file used, fail-on, select/ignore, every rule's
    /// level and options) and where each setting came from, then exit; nothing is linted.
    #[arg(long)]
    pub show_config: bool,
    /// Human format: show every info finding (by default, infos are one line per rule).
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Write the report to FILE (atomically, without colour) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Apply the mechanical fixes of the findings reported (in place, atomically; with `-`,
    /// print the fixed file on stdout and the report on stderr), then report what is left.
    #[arg(long, conflicts_with_all = ["diff", "add_ignores", "show_config"])]
    pub fix: bool,
    /// Print the fixes as a unified diff instead of writing them; exit 1 when there is
    /// something to fix.
    #[arg(long, conflicts_with_all = ["add_ignores", "show_config"])]
    pub diff: bool,
    /// Write a `# composegen: ignore[CODE] TODO: …` comment for each finding, so that lint
    /// passes today and new findings fail (adopting the linter on an existing repository).
    #[arg(long, conflicts_with = "show_config")]
    pub add_ignores: bool,
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

/// Compose files in a directory (recursively with `recursive`), sorted. Symbolic links are
/// never followed into directories (no loops, no walking out of the tree or back into it); a
/// linked compose file counts only when it resolves to a regular file inside `dir`.
pub(crate) fn files_in(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let root = dir
        .canonicalize()
        .map_err(|e| Error::io("cannot read directory", dir, e))?;
    walk(dir, &root, recursive, out)
}

fn walk(dir: &Path, root: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<(PathBuf, std::fs::FileType)> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("cannot read directory", dir, e))?
        .filter_map(|e| e.ok().and_then(|e| Some((e.path(), e.file_type().ok()?))))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, kind) in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if kind.is_dir() {
            if recursive && !name.starts_with('.') && name != "node_modules" && name != "target" {
                walk(&p, root, true, out)?;
            }
        } else if is_compose_name(name)
            && (kind.is_file()
                || (kind.is_symlink()
                    && p.is_file()
                    && p.canonicalize().is_ok_and(|c| c.starts_with(root))))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// The files named by `COMPOSE_FILE` (split on `COMPOSE_PATH_SEPARATOR`, default `:`), if set.
pub fn compose_file_env() -> Vec<PathBuf> {
    let Ok(list) = std::env::var("COMPOSE_FILE") else {
        return Vec::new();
    };
    let sep = std::env::var("COMPOSE_PATH_SEPARATOR").unwrap_or_else(|_| ":".into());
    list.split(sep.as_str())
        .filter(|x| !x.is_empty())
        .map(PathBuf::from)
        .collect()
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

/// Variables for a file, as Docker Compose reads them: the process environment wins; then the
/// `--env-file` files in order (later wins), or else `.env` beside the file.
pub(crate) fn env_for(dir: &Path, env_files: &[String]) -> Env {
    let mut env = Env::empty();
    for (k, v) in std::env::vars() {
        env.set(k, v);
    }
    if env_files.is_empty() {
        if let Ok(text) = crate::fsio::read_input_string(&dir.join(".env")) {
            env.add_dotenv(&text);
        }
    } else {
        // add_dotenv never overrides, so apply the last file first.
        for text in env_files.iter().rev() {
            env.add_dotenv(text);
        }
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
        let known = RULES.iter().any(|r| config::selects(code, r.meta().code));
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
    for preset in &args.preset {
        s.add_preset(*preset);
    }
    match args.fail_on {
        Some(FailOn::Info) => s.fail_on = Some(Severity::Info),
        Some(FailOn::Warning) => s.fail_on = Some(Severity::Warning),
        Some(FailOn::Error) => s.fail_on = Some(Severity::Error),
        Some(FailOn::Never) => s.fail_never = true,
        None => {}
    }
    s.no_ignores = args.no_ignores;
    s.verbose = args.verbose;
    s.target = args.target;
    if args.strict_env {
        s.levels.insert("CG006".into(), config::Level::Error);
        s.levels.insert("CG011".into(), config::Level::Error);
    }
    if let Some(m) = &args.host_memory {
        use crate::lint::rules::cg309_memory_limits_exceed_host_memory as cg309;
        let value = serde_json::Value::String(m.clone());
        if cg309::parse_host_memory(&value).is_none() {
            return Err(Error::msg(
                format!("invalid --host-memory {m:?}"),
                Some("give a size as Compose writes it: 8g, 16GiB, 512m".into()),
            ));
        }
        s.options
            .entry(cg309::CODE.into())
            .or_default()
            .insert(cg309::OPTION.into(), value);
    }
    Ok(s)
}

fn read_input(p: &Path) -> Result<crate::project::load::Input> {
    let bytes = crate::fsio::read_input(p).map_err(|e| Error::io("cannot read", p, e))?;
    Ok(crate::project::load::Input {
        name: display(p),
        path: Some(p.to_path_buf()),
        bytes,
    })
}

fn project_dir(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Active profiles: `--profile`, else `COMPOSE_PROFILES` (comma-separated), like Docker Compose.
fn profiles(args: &LintArgs) -> Vec<String> {
    if !args.profiles.is_empty() {
        return args.profiles.clone();
    }
    std::env::var("COMPOSE_PROFILES")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Collect the projects named on the command line: `-f` files (or `COMPOSE_FILE`, or the
/// discovered compose file and its override) form one merged project, like Docker Compose; each
/// positional file (and each compose file found in a positional directory) is a project of its own.
/// A positional path that is missing, unreadable or (a directory) holds no compose file goes to
/// `path_errors`: the others are still linted, and the run exits 2.
pub fn inputs(
    args: &LintArgs,
    settings: &Settings,
    path_errors: &mut Vec<Error>,
) -> Result<Vec<crate::lint::ProjectSpec>> {
    let mut env_files = Vec::new();
    for f in &args.env_files {
        env_files
            .push(crate::fsio::read_input_string(f).map_err(|e| Error::io("cannot read", f, e))?);
    }
    let profiles = profiles(args);
    let spec = |files: Vec<crate::project::load::Input>, dir: &Path| crate::lint::ProjectSpec {
        files,
        env: env_for(dir, &env_files),
        profiles: profiles.clone(),
    };
    let mut projects = Vec::new();

    // One merged project from -f, COMPOSE_FILE, or discovery.
    let mut merged: Vec<PathBuf> = args.files.clone();
    // `lint -r` alone searches the current directory, like `lint -r .`.
    let positional: Vec<PathBuf> =
        if args.paths.is_empty() && args.files.is_empty() && args.recursive {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
    if merged.is_empty() && positional.is_empty() {
        merged = compose_file_env();
        if merged.is_empty() {
            merged = discover(args.project_directory.as_deref().unwrap_or(Path::new(".")));
        }
        if merged.is_empty() {
            return Err(Error::msg(
                match &args.project_directory {
                    Some(d) => format!("no compose file in {}", d.display()),
                    None => "no compose file here".into(),
                },
                Some(format!(
                    "looked for {}; name files or directories to lint",
                    DEFAULT_FILES.join(", ")
                )),
            ));
        }
    }
    if !merged.is_empty() {
        let files = merged
            .iter()
            .map(|p| read_input(p))
            .collect::<Result<Vec<_>>>()?;
        let dir = args
            .project_directory
            .clone()
            .unwrap_or_else(|| project_dir(&merged[0]));
        let env = env_for(&dir, &env_files);
        super::config::explicit_project_name(args.project_name.as_deref(), &env)?;
        projects.push(spec(files, &dir));
    }

    if merged.is_empty() {
        // No default project: -p / COMPOSE_PROJECT_NAME are still checked, as Compose does.
        let env = env_for(Path::new("."), &env_files);
        super::config::explicit_project_name(args.project_name.as_deref(), &env)?;
    }
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut stdin = false;
    for p in &positional {
        if p.as_os_str() == "-" {
            stdin = true;
        } else if p.is_dir() {
            let mut found = Vec::new();
            if let Err(e) = files_in(p, args.recursive, &mut found) {
                path_errors.push(e);
                continue;
            }
            if found.is_empty() {
                path_errors.push(no_compose_file_in(p, args.recursive));
            }
            paths.extend(found);
        } else if let Err(e) = std::fs::metadata(p) {
            path_errors.push(Error::io("cannot read", p, e));
        } else {
            paths.push(p.clone());
        }
    }
    for p in paths {
        if settings.excluded(&p) {
            continue;
        }
        match read_input(&p) {
            Ok(input) => projects.push(spec(vec![input], &project_dir(&p))),
            Err(e) => path_errors.push(e),
        }
    }
    if stdin {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| Error::io("cannot read", "stdin", e))?;
        projects.push(spec(
            vec![crate::project::load::Input {
                name: args.stdin_filename.clone(),
                path: None,
                bytes,
            }],
            Path::new("."),
        ));
    }
    Ok(projects)
}

/// A directory named on the command line in which no compose file was found.
fn no_compose_file_in(dir: &Path, recursive: bool) -> Error {
    let mut nested = Vec::new();
    let has_nested = !recursive && files_in(dir, true, &mut nested).is_ok() && !nested.is_empty();
    let help = if has_nested {
        format!(
            "its subdirectories hold {} compose file{}: use -r to lint them",
            nested.len(),
            if nested.len() == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "lint looks for {}, compose.*.yaml and docker-compose.*.yml{}; name a file to lint it \
             whatever its name",
            DEFAULT_FILES.join(", "),
            if recursive {
                ", in subdirectories too"
            } else {
                " (-r: in subdirectories too)"
            }
        )
    };
    Error::msg(format!("no compose file in {}", dir.display()), Some(help))
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

/// The configuration file `lint` reads, and how it was found.
fn config_file(args: &LintArgs) -> Result<(Option<PathBuf>, &'static str)> {
    if args.no_config {
        return Ok((None, "none (--no-config)"));
    }
    if let Some(p) = &args.config {
        return Ok((Some(p.clone()), "--config"));
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io("cannot read", ".", e))?;
    Ok(match config::discover(&cwd) {
        Some(p) => (Some(p), "found from the current directory"),
        None => (
            None,
            "none (no .composegen.yaml in this directory or its parents up to the repository root)",
        ),
    })
}

/// `lint --show-config`: the effective settings and where each came from (like ruff's
/// `--show-settings`).
pub fn show_config(args: &LintArgs) -> Result<String> {
    let s = settings(args)?;
    let (file, how) = config_file(args)?;
    let cfg = match &file {
        Some(p) => config::load(p)?,
        None => config::Config::default(),
    };
    let file_name = file
        .as_ref()
        .map_or_else(String::new, |p| p.display().to_string());
    let from_file = |what: &str| format!("{file_name} `{what}`");
    let mut out = String::new();
    match &file {
        Some(p) => out.push_str(&format!("configuration file: {} ({how})\n", p.display())),
        None => out.push_str(&format!("configuration file: {how}\n")),
    }
    let fail_on = if s.fail_never {
        "never (--fail-on)".to_string()
    } else {
        match (args.fail_on, s.fail_on) {
            (Some(_), Some(l)) => format!("{} (--fail-on)", l.as_str()),
            (None, Some(l)) => format!("{} ({})", l.as_str(), from_file("fail-on")),
            _ => "error (default)".to_string(),
        }
    };
    out.push_str(&format!("fail-on: {fail_on}\n"));
    let select = if !args.select.is_empty() {
        format!("{} (--select)", args.select.join(", "))
    } else if !cfg.select.is_empty() {
        format!("{} ({})", cfg.select.join(", "), from_file("select"))
    } else {
        "every rule enabled by default (default)".to_string()
    };
    out.push_str(&format!("select: {select}\n"));
    let mut ignore: Vec<String> = cfg
        .ignore
        .iter()
        .map(|p| format!("{p} ({})", from_file("ignore")))
        .collect();
    ignore.extend(args.ignore.iter().map(|p| format!("{p} (--ignore)")));
    out.push_str(&format!(
        "ignore: {}\n",
        if ignore.is_empty() {
            "nothing (default)".to_string()
        } else {
            ignore.join(", ")
        }
    ));
    if !cfg.exclude.is_empty() {
        out.push_str(&format!(
            "exclude: {} ({})\n",
            cfg.exclude.join(", "),
            from_file("exclude")
        ));
    }
    out.push_str(&format!(
        "inline suppressions (# composegen: ignore[…]): {}\n",
        if s.no_ignores {
            "disregarded (--no-ignores)"
        } else {
            "honoured (default)"
        }
    ));
    if !cfg.images.is_empty() {
        out.push_str(&format!(
            "images: {} entries ({})\n",
            cfg.images.len(),
            from_file("images")
        ));
    }
    out.push_str(&format!(
        "\n{:<6} {:<40} {:<8} SOURCE\n",
        "CODE", "NAME", "LEVEL"
    ));
    let upper =
        |v: &[String]| -> Vec<String> { v.iter().map(|p| p.to_ascii_uppercase()).collect() };
    let (cli_ignore, cfg_ignore) = (upper(&args.ignore), upper(&cfg.ignore));
    for r in RULES {
        let m = r.meta();
        let level = effective_level(m, &s).map_or("off", Severity::as_str);
        let prefix_of = |list: &[String]| list.iter().find(|p| config::selects(p, m.code)).cloned();
        let source = if let Some(p) = prefix_of(&cli_ignore) {
            format!("--ignore {p}")
        } else if let Some(p) = prefix_of(&cfg_ignore) {
            format!("{} {p}", from_file("ignore"))
        } else if !s.select.is_empty() && prefix_of(&upper(&s.select)).is_none() {
            if args.select.is_empty() {
                format!("not selected by {}", from_file("select"))
            } else {
                "not selected by --select".to_string()
            }
        } else if matches!(m.code, "CG006" | "CG011") && args.strict_env {
            "--strict-env".to_string()
        } else if s.levels.contains_key(m.code) {
            from_file(&format!("rules.{}", m.code))
        } else if !m.enabled && s.enabled.contains(m.code) && level != "off" {
            let presets: Vec<&str> = s
                .presets
                .iter()
                .filter(|p| p.rules().contains(&m.code))
                .map(|p| p.as_str())
                .collect();
            format!("preset {}", presets.join(", "))
        } else if !m.enabled && level != "off" {
            let by = prefix_of(&upper(&s.select)).unwrap_or_default();
            if args.select.is_empty() {
                format!("selected by {by} in {}", from_file("select"))
            } else {
                format!("selected by --select {by}")
            }
        } else {
            "default".to_string()
        };
        out.push_str(&format!(
            "{:<6} {:<40} {:<8} {source}\n",
            m.code, m.name, level
        ));
        if let Some(options) = s.options.get(m.code) {
            for (k, v) in options {
                let from = if m.code
                    == crate::lint::rules::cg309_memory_limits_exceed_host_memory::CODE
                    && args.host_memory.is_some()
                {
                    "--host-memory".to_string()
                } else {
                    from_file(&format!("rules.{}.options", m.code))
                };
                out.push_str(&format!("{:<6}   option {k}: {v} ({from})\n", ""));
            }
        }
    }
    Ok(out)
}

/// Run `lint`; returns the report text and the exit code.
pub fn run(args: &LintArgs, color: bool) -> Result<(String, i32)> {
    if args.show_config {
        return Ok((show_config(args)?, 0));
    }
    let settings = settings(args)?;
    let images = ImageTable::new(&settings.images)?;
    let mut path_errors = Vec::new();
    let projects = inputs(args, &settings, &mut path_errors)?;
    if projects.is_empty() && !path_errors.is_empty() {
        let n = path_errors.len();
        return Err(Error::many(
            format!("{n} paths could not be linted"),
            path_errors,
        ));
    }
    if args.fix || args.diff {
        return run_fix(args, projects, &settings, &images, color, path_errors);
    }
    if args.add_ignores {
        return run_add_ignores(projects, &settings, &images, path_errors);
    }
    let mut progress = super::report::Progress::stderr("linting", projects.len());
    let report = crate::lint::lint_projects(projects, &settings, &images, &mut |done, _| {
        progress.tick(done)
    });
    progress.finish();
    let to_file = args.output.is_some();
    let format = args
        .format
        .unwrap_or(if !to_file && std::io::stdout().is_terminal() {
            Format::Human
        } else {
            Format::Concise
        });
    let text = output::render(&report, format, &settings, color && !to_file);
    let text = super::report::finish_lint(text, &report, format, args.output.as_deref())?;
    if !path_errors.is_empty() {
        // Like ruff: the paths that could not be linted are errors, the others are reported.
        for e in path_errors {
            let _ = writeln!(std::io::stderr(), "{:?}", miette::Report::new(e));
        }
        return Ok((text, 2));
    }
    Ok((text, exit_code(&report, &settings)))
}

/// Exit 2 with the paths that could not be linted, after the rest was done.
fn report_path_errors(path_errors: Vec<Error>) -> bool {
    let failed = !path_errors.is_empty();
    for e in path_errors {
        let _ = writeln!(std::io::stderr(), "{:?}", miette::Report::new(e));
    }
    failed
}

/// Append the files of `more` to `report`, renumbering the files its locations name.
fn extend_report(report: &mut Report, more: Report) {
    let offset = report.files.len();
    for mut f in more.files {
        for d in &mut f.diagnostics {
            d.primary.file += offset;
            for r in &mut d.related {
                r.file += offset;
            }
        }
        report.files.push(f);
    }
}

/// `lint --fix` and `lint --diff`.
fn run_fix(
    args: &LintArgs,
    projects: Vec<crate::lint::ProjectSpec>,
    settings: &Settings,
    images: &ImageTable,
    color: bool,
    path_errors: Vec<Error>,
) -> Result<(String, i32)> {
    use crate::lint::fix::fix_project;
    let mut report = Report::default();
    let mut diffs = String::new();
    let mut stdin_text = None;
    for spec in projects {
        let main = spec.files[0].clone();
        let Some(fixed) = fix_project(spec.clone(), settings, images) else {
            // Not UTF-8: nothing to fix; its findings are reported as usual.
            let r = crate::lint::lint_projects(vec![spec], settings, images, &mut |_, _| {});
            extend_report(&mut report, r);
            continue;
        };
        for r in &fixed.refused {
            super::report::status(format_args!(
                "{}:{}: {} not fixed: {}",
                main.name,
                r.line,
                r.code,
                r.why.reason()
            ));
        }
        if args.diff {
            if fixed.changed() {
                diffs.push_str(&super::check::unified_diff(
                    &main.name,
                    &main.name,
                    &fixed.original,
                    &fixed.text,
                ));
            }
        } else {
            match &main.path {
                Some(path) if fixed.changed() => {
                    crate::render::bundle::rewrite(path, &fixed.text)?;
                    let n: usize = fixed.applied.values().sum();
                    let per_rule: Vec<String> = fixed
                        .applied
                        .iter()
                        .map(|(code, n)| format!("{code} ×{n}"))
                        .collect();
                    super::report::status(format_args!(
                        "fixed {n} finding{} in {} ({})",
                        if n == 1 { "" } else { "s" },
                        main.name,
                        per_rule.join(", ")
                    ));
                }
                Some(_) => {}
                None => stdin_text = Some(fixed.text.clone()),
            }
        }
        extend_report(&mut report, fixed.report);
    }
    let failed = report_path_errors(path_errors);
    if args.diff {
        let code = if failed {
            2
        } else {
            i32::from(!diffs.is_empty())
        };
        if let Some(path) = &args.output {
            // Like the report: atomically, without colour; the status line says where it went.
            crate::render::bundle::write_atomic(path, &diffs, false)?;
            super::report::status(format_args!(
                "wrote {}: {}",
                path.display(),
                if diffs.is_empty() {
                    "nothing to fix"
                } else {
                    "the fixes as a unified diff"
                }
            ));
            return Ok((String::new(), code));
        }
        let diffs = if color {
            super::check::colorize(&diffs)
        } else {
            diffs
        };
        return Ok((diffs, code));
    }
    let format = args.format.unwrap_or(
        if stdin_text.is_none() && args.output.is_none() && std::io::stdout().is_terminal() {
            Format::Human
        } else {
            Format::Concise
        },
    );
    let code = if failed {
        2
    } else {
        exit_code(&report, settings)
    };
    match stdin_text {
        // `--fix -`: the fixed file on stdout, the report on stderr.
        Some(text) => {
            let shown = output::render(&report, format, settings, false);
            let _ = write!(std::io::stderr(), "{shown}");
            Ok((text, code))
        }
        None => {
            let text = output::render(&report, format, settings, color && args.output.is_none());
            let text = super::report::finish_lint(text, &report, format, args.output.as_deref())?;
            Ok((text, code))
        }
    }
}

/// `lint --add-ignores`: a suppression for each finding, in the file where it is reported.
fn run_add_ignores(
    projects: Vec<crate::lint::ProjectSpec>,
    settings: &Settings,
    images: &ImageTable,
    path_errors: Vec<Error>,
) -> Result<(String, i32)> {
    let mut total = 0;
    for spec in projects {
        let inputs = spec.files.clone();
        let report = crate::lint::lint_projects(vec![spec], settings, images, &mut |_, _| {});
        for (i, file) in report.files.iter().enumerate() {
            let found: Vec<(usize, &str)> = report
                .diagnostics()
                .filter(|(_, d)| d.primary.file == i)
                .map(|(_, d)| (d.primary.pos.line, d.code))
                .collect();
            if found.is_empty() {
                continue;
            }
            // The project's own files only (not a file an `include` or `extends` names).
            let Some(input) = inputs.iter().find(|f| f.name == file.name) else {
                continue;
            };
            let Some(path) = &input.path else {
                return Err(Error::msg(
                    "--add-ignores cannot write to stdin",
                    Some("name the compose file instead of `-`".into()),
                ));
            };
            let Ok(text) = std::str::from_utf8(&input.bytes) else {
                continue;
            };
            let (new, added) = crate::lint::suppress::add_ignores(text, &found);
            if added > 0 {
                crate::render::bundle::rewrite(path, &new)?;
                total += added;
                super::report::status(format_args!(
                    "{}: added {added} suppression{}",
                    file.name,
                    if added == 1 { "" } else { "s" }
                ));
            }
        }
    }
    let failed = report_path_errors(path_errors);
    super::report::status(format_args!(
        "added {total} suppression{} with a TODO reason: replace each TODO with why the finding is accepted, or fix it",
        if total == 1 { "" } else { "s" }
    ));
    Ok((String::new(), if failed { 2 } else { 0 }))
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
         (`--select CODE`, a family such as `--select CG4`, `--select ALL`, a preset such as \
         `--preset security`, or `.composegen.yaml`).\n\n\
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

/// `composegen explain CODE`: CODE is a rule's code (`CG101`) or its name
/// (`host-port-collision`).
pub fn explain(code: &str) -> Result<String> {
    let by_name = || {
        RULES
            .iter()
            .map(|r| r.meta())
            .find(|m| m.name.eq_ignore_ascii_case(code.trim()))
    };
    let m = crate::lint::rule(code.trim())
        .or_else(by_name)
        .ok_or_else(|| {
            let names: Vec<String> = RULES.iter().map(|r| r.meta().name.to_string()).collect();
            let close = crate::schema::closest(code, &names);
            Error::msg(
                format!("no rule {code:?}"),
                Some(match close {
                    Some(n) => format!(
                        "did you mean `{n}`? `composegen rules` lists every rule's code and name"
                    ),
                    None => {
                        "give a rule code (CG101) or name; `composegen rules` lists them".into()
                    }
                }),
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
