//! `composegen config`: the merged, interpolated project in the normalized form Docker Compose
//! prints with `docker compose config`.

use std::path::PathBuf;

use clap::Args;

use super::lint::{DEFAULT_FILES, compose_file_env, discover};
use crate::compose::validate;
use crate::error::{Error, Result};
use crate::project::load::{self, FileError, Input};
use crate::project::normalize;

/// `config` options.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Compose files merged in order (default: COMPOSE_FILE, or the compose file and its override
    /// in the current directory).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Enable a compose profile (repeatable; `*` for all). Default: COMPOSE_PROFILES, else only
    /// services without profiles, as Docker Compose does.
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Read variables from this file instead of `.env` (repeatable).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_parser = ["yaml", "json"], default_value = "yaml")]
    pub format: String,
    /// Project name (default: COMPOSE_PROJECT_NAME, else the file's `name:`, else the project
    /// directory's name), as `docker compose -p`.
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Project directory: where the compose file is looked for, `.env` is read and relative paths
    /// start (default: the first file's directory), as `docker compose --project-directory`.
    #[arg(long = "project-directory", value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
}

/// An explicit project name: `-p`, else `COMPOSE_PROJECT_NAME` (non-empty) from the environment
/// or the project's `.env` (`env`, see `lint::env_for`). It wins over a `name:` in the compose
/// file, as in Docker Compose.
pub fn explicit_project_name(
    flag: Option<&str>,
    env: &crate::compose::interpolate::Env,
) -> Result<Option<String>> {
    let name = flag.map(str::to_string).or_else(|| {
        env.get("COMPOSE_PROJECT_NAME")
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    });
    if let Some(name) = &name {
        check_project_name(name)?;
    }
    Ok(name)
}

/// Docker Compose's rule for a project name given with -p or COMPOSE_PROJECT_NAME: lowercase
/// letters, digits, `-` and `_`, starting with a letter or digit.
fn check_project_name(name: &str) -> Result<()> {
    let ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::msg(
            format!("invalid project name {name:?}"),
            Some(
                "a project name (-p, COMPOSE_PROJECT_NAME) has lowercase letters, digits, `-` \
                 and `_`, and starts with a letter or digit"
                    .into(),
            ),
        ))
    }
}

/// Run `config`; returns the text to print.
pub fn run(args: &ConfigArgs) -> Result<String> {
    if let Some(d) = &args.project_directory
        && !d.is_dir()
    {
        return Err(Error::msg(
            format!("project directory {} is not a directory", d.display()),
            Some("--project-directory names an existing directory".into()),
        ));
    }
    let mut files = args.files.clone();
    if files.is_empty() {
        files = compose_file_env();
    }
    let search = args
        .project_directory
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    if files.is_empty() {
        files = discover(&search);
    }
    if files.is_empty() {
        return Err(Error::msg(
            format!("no compose file in {}", search.display()),
            Some(format!(
                "looked for {}; name files with -f",
                DEFAULT_FILES.join(", ")
            )),
        ));
    }
    let dir = match (&args.project_directory, files[0].parent()) {
        (Some(d), _) => d.clone(),
        (None, Some(d)) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut env_texts = Vec::new();
    for f in &args.env_files {
        env_texts
            .push(crate::fsio::read_input_string(f).map_err(|e| Error::io("cannot read", f, e))?);
    }
    let env = super::lint::env_for(&dir, &env_texts);
    let explicit_name = explicit_project_name(args.project_name.as_deref(), &env)?;
    let mut inputs = Vec::new();
    for f in &files {
        let bytes = crate::fsio::read_input(f).map_err(|e| Error::io("cannot read", f, e))?;
        inputs.push(Input {
            name: f.display().to_string(),
            path: Some(f.clone()),
            bytes,
        });
    }
    let profiles: Vec<String> = if args.profiles.is_empty() {
        // From the environment or the project's .env, as Docker Compose reads it.
        env.get("COMPOSE_PROFILES")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    } else {
        args.profiles.clone()
    };
    let project = load::load(
        inputs,
        &load::Options {
            env: env.clone(),
            profiles: Vec::new(),
        },
    );
    if let Some((file, error)) = project.errors.first() {
        let name = &project.files[*file].name;
        let what = match error {
            FileError::NotUtf8 => "is not UTF-8 text".to_string(),
            FileError::Syntax(m, _) => format!("is not valid YAML: {m}"),
            FileError::DuplicateKey(_) => "has a duplicate key".to_string(),
            FileError::Empty => "is empty".to_string(),
            FileError::NotMapping(_) => "is not a mapping".to_string(),
        };
        return Err(Error::msg(
            format!("{name} {what}"),
            Some(format!("`composegen lint {name}` shows where")),
        ));
    }
    if let Some(p) = project.problems.first() {
        return Err(Error::msg(
            format!("{}: {}", project.files[p.file].name, p.message),
            Some(p.help.clone()),
        ));
    }
    let Some(mut root) = project.root else {
        return Err(Error::msg("nothing to print", None));
    };
    // Refuse what Docker Compose refuses: the schema, then (on a file the schema accepts) its
    // consistency checks for the enabled profiles, each located where it is written.
    let mut problems = validate::key_problems(&root);
    problems.extend(validate::validate_tree(&root));
    if problems.is_empty() {
        let enabled: Vec<&str> = profiles.iter().map(String::as_str).collect();
        problems = validate::consistency_with_profiles(&root, &enabled);
    }
    if problems.is_empty() {
        problems = missing_env_files(&root, &profiles, &dir);
    }
    if !problems.is_empty() {
        return Err(crate::schema::located(problems, "the project", |p| {
            let (node, _) = root.deepest(&p.path);
            let file = &project.files[(node.file as usize).min(project.files.len() - 1)];
            let (span, _) = crate::schema::span_in(&root, &p.path, p.at_key);
            (file.name.clone(), file.text.clone(), span)
        }));
    }
    // The texts are not needed any more: only the tree and the model are in memory.
    drop(project.files);
    if explicit_name.is_some()
        && let crate::yaml::Kind::Map(entries) = &mut root.kind
    {
        // -p and COMPOSE_PROJECT_NAME win over the file's `name:`.
        entries.retain(|(k, _)| k.as_str() != Some("name"));
    }
    let abs = std::fs::canonicalize(&dir).unwrap_or(dir);
    let options = normalize::Options {
        project_name: explicit_name
            .or_else(|| abs.file_name().and_then(|n| n.to_str()).map(str::to_string)),
        project_dir: Some(abs),
        home: std::env::var("HOME").ok(),
        environment: std::env::vars().collect(),
        profiles: Some(profiles),
    };
    let mut model = normalize::normalize_owned(root, &options);
    normalize::escape_dollars(&mut model);
    if super::report::quiet() {
        // `config -q`, like `docker compose config -q`: validate, print nothing.
        return Ok(String::new());
    }
    Ok(match args.format.as_str() {
        "json" => {
            let mut s = serde_json::to_string_pretty(&model).unwrap_or_default();
            s.push('\n');
            s
        }
        _ => serde_yaml::to_string(&model)
            .map_err(|e| Error::msg(format!("cannot print YAML: {e}"), None))?,
    })
}

/// `env_file` entries of the enabled services that do not exist: Docker Compose refuses the
/// project ("env file … not found") unless the entry says `required: false`.
fn missing_env_files(
    root: &crate::yaml::Node,
    profiles: &[String],
    dir: &std::path::Path,
) -> Vec<crate::schema::Problem> {
    use crate::yaml::{Kind, Path};
    let mut out = Vec::new();
    let Some(Kind::Map(services)) = root.get("services").map(|s| &s.kind) else {
        return out;
    };
    for (name, service) in services {
        let name = name.key_string();
        let own: Vec<&str> = match service.get("profiles").map(|p| &p.kind) {
            Some(Kind::Seq(items)) => items.iter().filter_map(|i| i.as_str()).collect(),
            _ => Vec::new(),
        };
        let enabled = own.is_empty()
            || own
                .iter()
                .any(|p| profiles.iter().any(|e| e == p || e == "*"));
        let Some(list) = service.get("env_file").filter(|_| enabled) else {
            continue;
        };
        let entries: Vec<(&crate::yaml::Node, Option<usize>)> = match &list.kind {
            Kind::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, n)| (n, Some(i)))
                .collect(),
            _ => vec![(list, None)],
        };
        for (entry, index) in entries {
            let (file, required) = match &entry.kind {
                Kind::Map(_) => (
                    entry.get("path").and_then(|p| p.as_str()),
                    !matches!(
                        entry.get("required").map(|r| &r.kind),
                        Some(Kind::Bool(false))
                    ),
                ),
                _ => (entry.as_str(), true),
            };
            let Some(file) = file.filter(|_| required) else {
                continue;
            };
            if dir.join(file).exists() {
                continue;
            }
            let mut path = Path::root().key("services").key(&name).key("env_file");
            if let Some(i) = index {
                path = path.index(i);
            }
            out.push(crate::schema::Problem {
                label: "not found".into(),
                help: Some(
                    "create the file, fix the path (relative to the project directory), or mark \
                     the entry `required: false`"
                        .into(),
                ),
                ..crate::schema::Problem::new(path, format!("env file {file} not found"), None)
            });
        }
    }
    out
}
