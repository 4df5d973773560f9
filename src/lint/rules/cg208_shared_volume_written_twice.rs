use std::collections::HashMap;

use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg101_host_port_collision::can_run_together;
use crate::lint::rules::cg206_stateful_service_without_volume::{canonical, image_state};
use crate::lint::view::{MountKind, Service, path_covers, scalar};
use crate::yaml::{Kind, Path};

declare_rule! {
    /// ## What it does
    /// Reports one named volume mounted read-write on the data directory of two stateful
    /// services (images with `data` directories in the image table, `composegen explain
    /// CG206`), or of a stateful service that runs several replicas (`deploy.replicas`,
    /// `scale`).
    ///
    /// The mount must be on a data directory, above it, or inside it; a volume both services
    /// use for something else (backups, exports) is not reported. Volumes are the same when
    /// their key is the same, or when their declarations set the same `name:`; different
    /// `volume.subpath`s of one volume are different directories. A read-only mount, services
    /// in compose profiles that never run together, services that `extends` another, and jobs
    /// that run another program than the image's server (a backup script, `entrypoint:
    /// [pg_basebackup]`: see CG206) are not reported.
    ///
    /// ## Why is this bad?
    /// Database engines assume they own their data directory. Two servers on one directory
    /// either refuse to start (PostgreSQL's `postmaster.pid`, InnoDB's lock) — so the second
    /// service, or every replica after the first, never comes up — or, where nothing locks,
    /// overwrite each other's files and corrupt the data.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     volumes: ["pgdata:/var/lib/postgresql/data"]
    ///   db-replica:
    ///     image: postgres:16.4
    ///     volumes: ["pgdata:/var/lib/postgresql/data"]
    /// volumes:
    ///   pgdata:
    /// ```
    ///
    /// ## Use instead
    /// Give each server its own volume, and replicate with the database's own mechanism:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     volumes: ["pgdata:/var/lib/postgresql/data"]
    ///   db-replica:
    ///     image: postgres:16.4
    ///     volumes: ["pgdata-replica:/var/lib/postgresql/data"]
    /// volumes:
    ///   pgdata:
    ///   pgdata-replica:
    /// ```
    pub struct SharedVolumeWrittenTwice {
        code: "CG208",
        name: "shared-volume-written-twice",
        category: Volumes,
        severity: Warning,
        summary: "one named volume holds the data directory of two stateful services",
    }
}

/// A read-write mount of a named volume on a data directory.
struct DataMount {
    service: usize,
    /// What identifies the directory: the volume (by key or `name:`) and the subpath.
    key: (String, String),
    volume: String,
    path: Path,
}

/// The `volume.subpath` of long-syntax mount number `i`, if any.
fn subpath(s: &Service<'_>, i: usize, cx: &Context<'_>) -> String {
    match s.get("volumes").map(|v| &v.kind) {
        Some(Kind::Seq(items)) => items
            .get(i)
            .and_then(|n| n.get("volume"))
            .and_then(|v| v.get("subpath"))
            .and_then(|p| scalar(p, cx.env))
            .map(|p| p.value.trim_matches('/').to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

impl Rule for SharedVolumeWrittenTwice {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        let identity = |key: &str| compose.resource_identity("volumes", key);
        let services = compose.services();
        let mut found: Vec<DataMount> = Vec::new();
        for (si, s) in services.iter().enumerate() {
            let Some(state) = image_state(cx, s) else {
                continue;
            };
            if state.data.is_empty() {
                continue;
            }
            for (i, m) in s.mounts().into_iter().enumerate() {
                if m.kind != MountKind::Volume || m.read_only || m.unknown || m.error.is_some() {
                    continue;
                }
                let Some(volume) = m.source.clone() else {
                    continue;
                };
                let target = canonical(&m.target);
                if !state
                    .data
                    .iter()
                    .any(|d| path_covers(&target, d) || path_covers(d, &target))
                {
                    continue;
                }
                let replicas = s.replicas().unwrap_or(1);
                if replicas > 1 {
                    out.push(
                        self.finding(cx, m.path.clone(), format!("`{}` runs {replicas} replicas that all write their data to volume `{volume}`", s.name))
                            .label("one data directory for every replica")
                            .service(s.name)
                            .help("run one replica, or give each server its own volume (one service per server)")
                            .build(),
                    );
                }
                found.push(DataMount {
                    service: si,
                    key: (identity(&volume), subpath(s, i, cx)),
                    volume,
                    path: m.path,
                });
            }
        }
        let mut by_mount: HashMap<&(String, String), Vec<usize>> = HashMap::new();
        for (j, m) in found.iter().enumerate() {
            by_mount.entry(&m.key).or_default().push(j);
        }
        for later in &found {
            let Some(earlier) = by_mount[&later.key]
                .iter()
                .map(|&i| &found[i])
                .take_while(|e| !std::ptr::eq(*e, later))
                .find(|e| {
                    e.service != later.service
                        && can_run_together(&services[e.service], &services[later.service])
                })
            else {
                continue;
            };
            let (first, second) = (services[earlier.service].name, services[later.service].name);
            out.push(
                self.finding(
                    cx,
                    later.path.clone(),
                    format!(
                        "`{second}` and `{first}` both write their data to volume `{}`",
                        later.volume
                    ),
                )
                .label("data directory shared with another server")
                .service(second)
                .related(
                    cx.file,
                    earlier.path.clone(),
                    format!("`{first}` writes here too"),
                )
                .help(format!(
                    "give `{second}` its own volume (and declare it under top-level `volumes:`)"
                ))
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG208", yaml))
    }

    #[test]
    fn shared_data_directories() {
        let two = "services:\n  db:\n    image: postgres:16\n    volumes: ['pg:/var/lib/postgresql/data']\n  db2:\n    image: postgres:16\n    volumes: ['pg:/var/lib/postgresql/data']\nvolumes:\n  pg:\n";
        assert_eq!(run(two), ["CG208@7"]);
        let d = lint_rule("CG208", two);
        assert_eq!(d[0].related.len(), 1);
        assert_eq!(d[0].service.as_deref(), Some("db2"));
        // Two keys, one `name:`; different engines.
        assert_eq!(
            run(
                "services:\n  a:\n    image: mysql:8\n    volumes: ['my:/var/lib/mysql']\n  b:\n    image: mariadb:11\n    volumes: ['maria:/var/lib/mysql']\nvolumes:\n  my: {name: shared}\n  maria: {name: shared}\n"
            ),
            ["CG208@7"]
        );
        // Replicas.
        assert_eq!(
            run(
                "services:\n  db:\n    image: postgres:16\n    deploy: {replicas: 2}\n    volumes: ['pg:/var/lib/postgresql/data']\nvolumes:\n  pg:\n"
            ),
            ["CG208@5"]
        );
    }

    #[test]
    fn not_shared_data() {
        // Read-only, not a data directory, different subpaths, different volumes, profiles, stateless image.
        assert!(run("services:\n  db:\n    image: postgres:16\n    volumes: ['pg:/var/lib/postgresql/data']\n  backup:\n    image: postgres:16\n    volumes: ['pg:/var/lib/postgresql/data:ro']\nvolumes:\n  pg:\n").is_empty());
        assert!(run("services:\n  db:\n    image: postgres:16\n    volumes: ['dumps:/dumps', 'a:/var/lib/postgresql/data']\n  m:\n    image: mongo:7\n    volumes: ['dumps:/dumps', 'b:/data/db']\nvolumes:\n  dumps:\n  a:\n  b:\n").is_empty());
        assert!(run("services:\n  a:\n    image: postgres:16\n    volumes: [{type: volume, source: v, target: /var/lib/postgresql/data, volume: {subpath: a}}]\n  b:\n    image: postgres:16\n    volumes: [{type: volume, source: v, target: /var/lib/postgresql/data, volume: {subpath: b}}]\nvolumes:\n  v:\n").is_empty());
        assert!(run("services:\n  a:\n    image: postgres:16\n    profiles: [x]\n    volumes: ['pg:/var/lib/postgresql/data']\n  b:\n    image: postgres:16\n    profiles: [y]\n    volumes: ['pg:/var/lib/postgresql/data']\nvolumes:\n  pg:\n").is_empty());
        assert!(run("services:\n  a:\n    image: nginx:1.27\n    volumes: ['html:/usr/share/nginx/html']\n  b:\n    image: nginx:1.27\n    volumes: ['html:/usr/share/nginx/html']\nvolumes:\n  html:\n").is_empty());
    }
}
