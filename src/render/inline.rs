//! Config files in a single-file render (stdout).
//!
//! A bundle (`-o DIR`) writes config files beside the compose file and mounts them with compose
//! `configs: {file: …}`. A single file cannot do that, and inline `configs: {content: …}` is no
//! way out: Docker Compose ≥ 2.33.1 refuses it on a `read_only: true` service ("`file` is the
//! sole supported option"), and every built-in profile hardens its services that way.
//!
//! So a single-file render carries its config files in a one-shot service, [`INIT_SERVICE`],
//! that writes them into a named volume, [`INIT_VOLUME`], and exits; every service that mounts
//! a config file waits for it (`service_completed_successfully`) and mounts its file from the
//! volume read-only (`volume.subpath`, Docker Engine ≥ 26). The one-shot service is as hardened
//! as the rest (read-only root filesystem, no capabilities, no network, `no-new-privileges`);
//! the file contents reach it as environment variables, which Compose does not restrict. Each
//! consumer carries a label with a hash of the files it mounts, so that Compose recreates it
//! when a re-render changes them. docs/decisions.md (7) records the alternatives.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use super::context::{Output, RFileMount, RMount, RService, Stack, escape_dollars};
use super::templates::shell_string;
use crate::error::{Error, Result};
use crate::profile::model::Logging;

/// The one-shot service that writes the config files.
pub const INIT_SERVICE: &str = "composegen-configs";
/// The named volume it writes them into.
pub const INIT_VOLUME: &str = "composegen-configs";
/// Its image: a shell, `mkdir` and `printf`, nothing else needed.
pub const INIT_IMAGE: &str = "busybox:1.36.1";
/// Where the one-shot service mounts the volume.
const INIT_TARGET: &str = "/out";
/// The label on each consumer: a hash of the files it mounts.
pub const HASH_LABEL: &str = "io.composegen.config-hash";
/// Linux limits one environment string to 128 KiB (MAX_ARG_STRLEN); stay well below.
const MAX_FILE_BYTES: usize = 96 * 1024;

/// Replace compose `configs` by the one-shot writer and read-only volume mounts, in every
/// output that mounts config files. `files` maps a config name to its rendered text.
pub fn apply(stack: &mut Stack, files: &IndexMap<String, String>) -> Result<()> {
    let paths: IndexMap<String, String> = stack
        .files
        .iter()
        .map(|(k, f)| (k.clone(), f.path.clone()))
        .collect();
    for out in &mut stack.outputs {
        apply_output(out, files, &paths)?;
    }
    Ok(())
}

fn apply_output(
    out: &mut Output,
    files: &IndexMap<String, String>,
    paths: &IndexMap<String, String>,
) -> Result<()> {
    if out.configs.is_empty() {
        return Ok(());
    }
    if out.services.iter().any(|s| s.name == INIT_SERVICE)
        || out.volumes.iter().any(|v| v == INIT_VOLUME)
    {
        return Err(Error::msg(
            format!("`{INIT_SERVICE}` is reserved in a single-file render"),
            Some(format!(
                "rename the service or volume `{INIT_SERVICE}`, or render a bundle with -o DIR"
            )),
        ));
    }
    let mut env = Vec::new();
    let mut script = vec!["set -eu".to_string(), "umask 022".to_string()];
    let mut dirs = BTreeSet::new();
    for (i, c) in out.configs.iter().enumerate() {
        let text = files.get(&c.name).ok_or_else(|| {
            Error::msg(format!("config file `{}` was not rendered", c.name), None)
        })?;
        if text.len() > MAX_FILE_BYTES {
            return Err(Error::msg(
                format!(
                    "config file `{}` is {} bytes, too large to carry in a single-file render",
                    c.name,
                    text.len()
                ),
                Some("render a bundle instead: composegen render … -o DIR".to_string()),
            ));
        }
        let path = paths
            .get(&c.name)
            .cloned()
            .unwrap_or_else(|| c.path.clone());
        if let Some((dir, _)) = path.rsplit_once('/') {
            dirs.insert(dir.to_string());
        }
        let var = format!("COMPOSEGEN_FILE_{}", i + 1);
        // The script is `$`-escaped for Compose as a whole below; the shell expands only the
        // quoted variable.
        script.push(format!(
            "printf '%s' \"${var}\" > {}",
            shell_string(&format!("{INIT_TARGET}/{path}"))
        ));
        env.push((var, escape_dollars(text)));
    }
    if !dirs.is_empty() {
        let mk: Vec<String> = dirs
            .iter()
            .map(|d| shell_string(&format!("{INIT_TARGET}/{d}")))
            .collect();
        script.insert(2, format!("mkdir -p {}", mk.join(" ")));
    }

    for s in &mut out.services {
        if s.configs.is_empty() {
            continue;
        }
        let mut hash = Fnv::new();
        for (name, target) in std::mem::take(&mut s.configs) {
            let path = paths.get(&name).cloned().unwrap_or_default();
            hash.write(path.as_bytes());
            hash.write(&[0]);
            hash.write(files.get(&name).map_or(&b""[..], |t| t.as_bytes()));
            hash.write(&[0]);
            s.file_mounts.push(RFileMount {
                volume: INIT_VOLUME.to_string(),
                subpath: escape_dollars(&path),
                target: escape_dollars(&target),
            });
        }
        s.depends_on.insert(
            0,
            (
                INIT_SERVICE.to_string(),
                "service_completed_successfully".to_string(),
            ),
        );
        s.labels
            .push((HASH_LABEL.to_string(), format!("{:016x}", hash.finish())));
    }

    let init = RService {
        name: INIT_SERVICE.to_string(),
        comment: vec![
            "One-shot: writes the stack's config files into a volume that the services mount read-only, then exits.".to_string(),
            "(Compose refuses inline `configs: content:` on read-only services; `-o DIR` writes the files instead.)".to_string(),
        ],
        image: Some(INIT_IMAGE.to_string()),
        command: vec!["sh".into(), "-c".into(), escape_dollars(&(script.join("\n") + "\n"))],
        environment: env,
        volumes: vec![RMount {
            spec: format!("{INIT_VOLUME}:{INIT_TARGET}"),
            comment: None,
        }],
        network_mode: Some("none".to_string()),
        memory: Some("32m".to_string()),
        cpus: Some("0.1".to_string()),
        read_only: true,
        cap_drop: vec!["ALL".to_string()],
        security_opt: vec!["no-new-privileges:true".to_string()],
        restart: "no".to_string(),
        logging: Some(Logging {
            driver: "json-file".into(),
            options: [
                ("max-size".to_string(), "1m".to_string()),
                ("max-file".to_string(), "1".to_string()),
            ]
            .into_iter()
            .collect(),
        }),
        ..Default::default()
    };
    out.services.insert(0, init);
    out.volumes.push(INIT_VOLUME.to_string());
    out.configs.clear();
    Ok(())
}

/// FNV-1a, 64 bits: a stable content hash for the recreate label (not a security boundary).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable() {
        let mut a = Fnv::new();
        a.write(b"abc");
        assert_eq!(a.finish(), 0xe71f_a219_0541_574b);
    }
}
