//! Knowledge about images: where they keep data, what they write, which ports they serve,
//! whether they ship a HEALTHCHECK, which environment variables they read. One table
//! (`data/images.yaml`, embedded), extendable with `images:` in `.composegen.yaml`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The built-in table: `data/images.yaml`, turned into JSON by `build.rs` (parsing the YAML at
/// run time cost every lint ~11 M instructions, more than everything else together).
const BUILTIN: &str = include_str!(concat!(env!("OUT_DIR"), "/images.json"));

/// What composegen knows about one image (or family of images).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageEntry {
    /// Repositories this entry describes, as written in `image:` without tag (`postgres`,
    /// `bitnami/postgresql`); a trailing `*` matches a prefix (`confluentinc/cp-*`).
    pub images: Vec<String>,
    /// What kind of service it is (`database`, `cache`, `queue`, `search`, `storage`,
    /// `monitoring`, `proxy`, `admin`, `app`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Directories that hold its state: lost on re-create without a volume.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<String>,
    /// Other paths it writes at run time (need a tmpfs or volume with `read_only: true`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<String>,
    /// Directories its Dockerfile declares as `VOLUME`: Docker mounts a fresh, writable
    /// anonymous volume on each (even with `read_only: true`) unless the service mounts
    /// something at that exact path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<String>,
    /// Ports it serves; those that must not be open to every interface are `sensitive_ports`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<u16>,
    /// Ports that expose a database, an admin interface or an unauthenticated API.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_ports: Vec<u16>,
    /// The image ships a Dockerfile HEALTHCHECK.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub healthcheck: bool,
    /// It runs with `cap_drop: [ALL]`: it starts as a non-root user and never changes user or
    /// file ownership, so it needs none of Docker's default capabilities (CG403's fix).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cap_drop_all: bool,
    /// It runs a JVM.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub jvm: bool,
    /// Environment variables the image reads (for near-miss detection).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// Prefixes of environment variables the image maps to its configuration (`GF_`, `KAFKA_`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_prefixes: Vec<String>,
}

/// The table: user entries first (they win), then the built-in ones.
#[derive(Debug, Clone, Default)]
pub struct ImageTable {
    entries: Vec<ImageEntry>,
}

impl ImageTable {
    /// The built-in table plus `extra` (which takes precedence).
    pub fn new(extra: &[ImageEntry]) -> Result<ImageTable> {
        let builtin: Vec<ImageEntry> = serde_json::from_str(BUILTIN)
            .map_err(|e| Error::msg(format!("internal: data/images.yaml is invalid: {e}"), None))?;
        let mut entries = extra.to_vec();
        entries.extend(builtin);
        Ok(ImageTable { entries })
    }

    /// Every entry.
    pub fn entries(&self) -> &[ImageEntry] {
        &self.entries
    }

    /// The entry for a repository (see [`crate::lint::view::repository`]).
    pub fn lookup(&self, repository: &str) -> Option<&ImageEntry> {
        let last = repository.rsplit('/').next().unwrap_or(repository);
        self.entries.iter().find(|e| {
            e.images.iter().any(|pat| match pat.strip_suffix('*') {
                Some(prefix) => repository.starts_with(prefix),
                None => {
                    pat == repository
                        || (!pat.contains('/') && pat == last && repository.split('/').count() <= 2)
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_loads_and_matches() {
        let t = ImageTable::new(&[]).unwrap();
        assert!(
            t.lookup("postgres")
                .is_some_and(|e| e.data.iter().any(|d| d == "/var/lib/postgresql/data"))
        );
        assert!(t.lookup("bitnami/postgresql").is_some());
        assert!(t.lookup("confluentinc/cp-kafka").is_some());
        assert!(t.lookup("nosuch/image").is_none());
        // Declared VOLUMEs (from the images' Dockerfiles).
        let volumes = |r: &str| t.lookup(r).map(|e| e.volumes.clone()).unwrap_or_default();
        assert_eq!(volumes("prom/prometheus"), ["/prometheus"]);
        assert_eq!(volumes("mongo"), ["/data/db", "/data/configdb"]);
        assert!(volumes("nginx").is_empty());
        assert!(volumes("grafana/grafana").is_empty());
        assert!(volumes("redis/redis-stack").is_empty());
    }

    #[test]
    fn user_entries_win() {
        let mine = ImageEntry {
            images: vec!["postgres".into()],
            data: vec!["/pgdata".into()],
            ..ImageEntry::default()
        };
        let t = ImageTable::new(&[mine]).unwrap();
        assert_eq!(t.lookup("postgres").unwrap().data, ["/pgdata"]);
    }
}
