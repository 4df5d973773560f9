//! The `.env` beside a compose file printed on stdout.
//!
//! A rendered file references its secrets as `${VAR:?…}`, and Docker Compose reads `.env` from
//! the project directory (the compose file's directory). When stdout is redirected to a file,
//! composegen makes sure that `.env` beside it defines every secret the file needs, so that
//! `composegen render NAME > docker-compose.yml && docker compose up` needs nothing else:
//! - no `.env`: it is created with fresh random values, mode 0600, published so that it never
//!   replaces a file and never follows a link (`bundle::write_new`, as in a bundle);
//! - a `.env` that lacks some variables: the missing ones are appended (existing lines are
//!   never changed);
//! - a `.env` that has them all: left alone.
//!
//! When stdout is not a file (a terminal, a pipe), nothing is written and the caller says
//! what the stack needs.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::compose::interpolate::Env;
use crate::error::{Error, Result};
use crate::render::bundle;
use crate::render::context::SecretInfo;

/// What happened to `.env`.
#[derive(Debug, PartialEq, Eq)]
pub enum EnvOutcome {
    /// The stack has no secrets.
    NotNeeded,
    /// Created with these variables.
    Created(PathBuf, Vec<String>),
    /// These variables were appended.
    Appended(PathBuf, Vec<String>),
    /// Every variable was already there.
    Complete(PathBuf),
}

/// Make `dir/.env` define every secret of the stack `name`.
pub fn ensure(dir: &Path, name: &str, secrets: &[SecretInfo]) -> Result<EnvOutcome> {
    if secrets.is_empty() {
        return Ok(EnvOutcome::NotNeeded);
    }
    let path = dir.join(".env");
    let io = |what: &'static str, e: std::io::Error| Error::io(what, &path, e);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Never replaces a file, even one that appears meanwhile (then: look again).
            if !bundle::write_new(&path, &bundle::env_fresh(name, secrets)?, true)? {
                return ensure(dir, name, secrets);
            }
            Ok(EnvOutcome::Created(
                path,
                secrets.iter().map(|s| s.env.clone()).collect(),
            ))
        }
        Err(e) => Err(io("cannot inspect", e)),
        Ok(meta) if !meta.is_file() => Err(Error::msg(
            format!(
                "{} is not a regular file (a symlink or a directory)",
                path.display()
            ),
            Some("composegen writes secrets only into a regular .env file it can open without following links".to_string()),
        )),
        Ok(_) => {
            let existing =
                crate::fsio::read_input_string(&path).map_err(|e| io("cannot read", e))?;
            // Read as Compose reads it (the one dotenv reader of the lint's interpolation).
            let mut have = Env::empty();
            have.add_dotenv(&existing);
            let missing: Vec<&SecretInfo> = secrets
                .iter()
                .filter(|s| have.get(&s.env).is_none())
                .collect();
            if missing.is_empty() {
                return Ok(EnvOutcome::Complete(path));
            }
            let mut text = String::new();
            if !existing.is_empty() && !existing.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&format!("# Added by composegen for the {name} stack.\n"));
            let missing_owned: Vec<SecretInfo> = missing.iter().map(|s| (*s).clone()).collect();
            text.push_str(&bundle::env_assignments(&missing_owned)?);
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
                .open(&path)
                .map_err(|e| io("cannot open", e))?;
            f.write_all(text.as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| io("cannot append to", e))?;
            Ok(EnvOutcome::Appended(
                path,
                missing.iter().map(|s| s.env.clone()).collect(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(env: &str) -> SecretInfo {
        SecretInfo {
            env: env.to_string(),
            description: format!("{env} for tests"),
            value: None,
            length: 16,
        }
    }

    #[test]
    fn creates_then_appends_only_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let out = ensure(dir.path(), "t", &[secret("A")]).unwrap();
        assert!(matches!(out, EnvOutcome::Created(_, ref n) if n == &["A"]));
        // Spellings Compose reads: `export`, spaces, an empty value.
        std::fs::write(dir.path().join(".env"), "export A = 1\nC=\n").unwrap();
        let out = ensure(dir.path(), "t", &[secret("A"), secret("B"), secret("C")]).unwrap();
        assert!(
            matches!(out, EnvOutcome::Appended(_, ref n) if n == &["B"]),
            "{out:?}"
        );
        let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
        assert!(
            text.starts_with("export A = 1\nC=\n# Added by composegen"),
            "{text}"
        );
        let out = ensure(dir.path(), "t", &[secret("A"), secret("B")]).unwrap();
        assert!(matches!(out, EnvOutcome::Complete(_)));
    }
}
