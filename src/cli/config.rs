//! `composegen config`: the merged, interpolated project in the normalized form Docker Compose
//! prints with `docker compose config`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::lint::{DEFAULT_FILES, compose_file_env, discover};
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
}

/// Run `config`; returns the text to print.
pub fn run(args: &ConfigArgs) -> Result<String> {
    let mut files = args.files.clone();
    if files.is_empty() {
        files = compose_file_env();
    }
    if files.is_empty() {
        files = discover(Path::new("."));
    }
    if files.is_empty() {
        return Err(Error::msg(
            "no compose file here",
            Some(format!(
                "looked for {}; name files with -f",
                DEFAULT_FILES.join(", ")
            )),
        ));
    }
    let dir = match files[0].parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut env_texts = Vec::new();
    for f in &args.env_files {
        env_texts.push(crate::fsio::read_input_string(f).map_err(|e| Error::io("cannot read", f, e))?);
    }
    let env = super::lint::env_for(&dir, &env_texts);
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
        std::env::var("COMPOSE_PROFILES")
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
    let Some(root) = &project.root else {
        return Err(Error::msg("nothing to print", None));
    };
    let abs = std::fs::canonicalize(&dir).unwrap_or(dir);
    let options = normalize::Options {
        project_name: abs.file_name().and_then(|n| n.to_str()).map(str::to_string),
        project_dir: Some(abs),
        home: std::env::var("HOME").ok(),
        environment: std::env::vars().collect(),
        profiles: Some(profiles),
    };
    let mut model = normalize::normalize_with(root, &options);
    normalize::escape_dollars(&mut model);
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
