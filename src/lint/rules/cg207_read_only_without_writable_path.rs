use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg206_stateful_service_without_volume::{
    canonical, command_target_mounted, image_state, mount_covers,
};
use crate::lint::view::{Mount, MountKind, path_covers};

declare_rule! {
    /// ## What it does
    /// Reports a service with `read_only: true` whose image must write a path that has no
    /// writable mount (named or anonymous volume, `tmpfs`, or bind mount without `:ro`) on it or
    /// on one of its parents. The message names the path.
    ///
    /// The paths come from the image table (`composegen explain CG206`): one of the image's
    /// `data` directories (moved by `PGDATA` and the like, or by a path in the command, as in
    /// CG206) and each of its `writes` paths. A cache (Redis) whose command turns persistence
    /// off (`--save ""`) needs no data directory. A mount that is read-only does not count.
    /// Services that `extends` another, use `volumes_from`, run another program than the
    /// image's server (a shell script, a replaced entrypoint: see CG206) or have a mount that
    /// cannot be parsed are skipped.
    ///
    /// A directory the image declares as `VOLUME` in its Dockerfile (the table's `volumes`:
    /// `/prometheus` in `prom/prometheus`, `/var/lib/postgresql/data` in `postgres` …) counts as
    /// a writable mount: Docker mounts an anonymous volume there even with `read_only: true`.
    /// It does not count when the service mounts something at that exact path, which replaces
    /// the anonymous volume (a `:ro` bind mount there leaves the directory read-only).
    ///
    /// ## Why is this bad?
    /// With `read_only: true` the container's file system is read-only except for its mounts.
    /// A server that cannot create its PID file, socket, lock or data files exits at start
    /// (`mkdir() "/var/cache/nginx/client_temp" failed (30: Read-only file system)`), or fails
    /// later, at its first write to disk.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:1.27
    ///     read_only: true
    /// ```
    ///
    /// ## Use instead
    /// Keep `read_only: true` and give the server writable places:
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:1.27
    ///     read_only: true
    ///     tmpfs:
    ///       - /var/cache/nginx
    ///       - /run
    /// ```
    pub struct ReadOnlyWithoutWritablePath {
        code: "CG207",
        name: "read-only-without-writable-path",
        category: Volumes,
        severity: Error,
        summary: "`read_only: true` while a path the image writes has no writable mount",
    }
}

fn writable(m: &Mount) -> bool {
    !m.read_only
        && matches!(
            m.kind,
            MountKind::Volume | MountKind::Anonymous | MountKind::Tmpfs | MountKind::Bind
        )
}

/// The image's declared `VOLUME`s that stay anonymous writable volumes: those on which the
/// service mounts nothing at exactly that path (a mount there replaces the anonymous volume).
fn image_volumes(volumes: &[String], mounts: &[Mount]) -> Vec<String> {
    volumes
        .iter()
        .map(|v| canonical(v))
        .filter(|v| {
            !mounts
                .iter()
                .any(|m| !m.target.is_empty() && canonical(&m.target) == *v)
        })
        .collect()
}

impl Rule for ReadOnlyWithoutWritablePath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if !s.flag("read_only") {
                continue;
            }
            let Some(state) = image_state(cx, &s) else {
                continue;
            };
            let mounts = s.mounts();
            if mounts.iter().any(|m| m.error.is_some()) {
                continue;
            }
            let rw: Vec<&Mount> = mounts.iter().filter(|m| writable(m)).collect();
            let declared = image_volumes(&state.entry.volumes, &mounts);
            let covered = |path: &str| {
                rw.iter().any(|m| mount_covers(m, path))
                    || declared.iter().any(|v| path_covers(v, path))
            };
            let mut missing: Vec<(String, &str)> = Vec::new();
            let cache_without_persistence =
                state.entry.kind.as_deref() == Some("cache") && state.persistence == Some(false);
            let needs_data = !state.data.is_empty() && !cache_without_persistence;
            if needs_data
                && !state.data.iter().any(|d| covered(d))
                && !command_target_mounted(&s, &rw)
            {
                missing.push((state.data[0].clone(), "its data directory"));
            }
            for w in &state.writes {
                if !covered(w) && !missing.iter().any(|(p, _)| p == w) {
                    missing.push((w.clone(), "a path it writes"));
                }
            }
            for (path, what) in missing {
                let ro_mounted = mounts.iter().any(|m| m.read_only && mount_covers(m, &path));
                let suffix = if ro_mounted {
                    " (it is mounted read-only)"
                } else {
                    ""
                };
                let fix = if what == "its data directory" {
                    format!("mount a volume on it (`- {}-data:{path}`)", s.name)
                } else {
                    format!("add `tmpfs: [{path}]` (or a volume on it)")
                };
                out.push(
                    self.finding(
                        cx,
                        s.at("read_only"),
                        format!("`{}` has `read_only: true` but `{path}`, {what} ({}), has no writable mount{suffix}", s.name, state.repository),
                    )
                    .label(format!("`{path}` is read-only"))
                    .service(s.name)
                    .help(fix)
                    .build(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG207", yaml))
    }

    #[test]
    fn missing_writable_paths() {
        assert_eq!(
            run("services:\n  p:\n    image: nginx:1.27\n    read_only: true\n"),
            ["CG207@4", "CG207@4"]
        );
        assert_eq!(
            run(
                "services:\n  p:\n    image: nginx:1.27\n    read_only: true\n    tmpfs: [/var/cache/nginx]\n"
            ),
            ["CG207@4"]
        );
        let d = lint_rule(
            "CG207",
            "services:\n  p:\n    image: nginx:1.27\n    read_only: true\n    tmpfs: [/var/cache/nginx]\n",
        );
        assert!(d[0].message.contains("`/run`"), "{}", d[0].message);
        // Data directory mounted read-only; the socket directory missing.
        let d = lint_rule(
            "CG207",
            "services:\n  db:\n    image: postgres:16\n    read_only: true\n    volumes: ['./pg:/var/lib/postgresql/data:ro']\n",
        );
        assert_eq!(codes(&d), ["CG207@4", "CG207@4"]);
        assert!(
            d.iter()
                .any(|d| d.message.contains("/var/lib/postgresql/data")
                    && d.message.contains("mounted read-only")),
            "{d:?}"
        );
        assert!(
            d.iter().any(|d| d.message.contains("`/run/postgresql`")),
            "{d:?}"
        );
        // `read_only: "true"` as a string (valkey declares no VOLUME).
        assert_eq!(
            run("services:\n  r:\n    image: valkey/valkey:8\n    read_only: 'true'\n"),
            ["CG207@4"]
        );
        // A declared VOLUME replaced by a read-only mount at that exact path is read-only.
        assert_eq!(
            run(
                "services:\n  p:\n    image: prom/prometheus:v2.53.0\n    read_only: true\n    volumes: ['./data:/prometheus:ro']\n"
            ),
            ["CG207@4"]
        );
    }

    #[test]
    fn writable_paths_present() {
        assert!(run("services:\n  p:\n    image: nginx:1.27\n    read_only: true\n    tmpfs: [/var/cache/nginx, /var/run]\n").is_empty());
        assert!(run("services:\n  p:\n    image: nginx:1.27\n    read_only: true\n    volumes: [{type: tmpfs, target: /var/cache/nginx}, {type: tmpfs, target: /run}]\n").is_empty());
        assert!(run("services:\n  db:\n    image: postgres:16\n    read_only: true\n    volumes: ['pg:/var/lib/postgresql/data']\n    tmpfs: [/run/postgresql]\nvolumes:\n  pg:\n").is_empty());
        // A cache without persistence; an image with nothing to write; read_only false; unknown image.
        assert!(run("services:\n  r:\n    image: redis:7\n    read_only: true\n    command: redis-server --save '' --appendonly no\n").is_empty());
        assert!(run("services:\n  t:\n    image: traefik:v3.1\n    read_only: true\n").is_empty());
        // The image declares its data directory as a VOLUME: Docker mounts an anonymous
        // writable volume there (issue 10: `prom/prometheus` declares `VOLUME /prometheus`).
        assert!(
            run("services:\n  p:\n    image: prom/prometheus:v2.53.0\n    read_only: true\n")
                .is_empty()
        );
        assert!(run("services:\n  r:\n    image: redis:7\n    read_only: true\n").is_empty());
        assert!(
            run("services:\n  m:\n    image: mongo:7\n    read_only: true\n    tmpfs: [/tmp]\n")
                .is_empty()
        );
        // PGDATA moved to a directory inside the VOLUME.
        assert!(run("services:\n  db:\n    image: postgres:16\n    read_only: true\n    environment: {PGDATA: /var/lib/postgresql/data/pgdata}\n    tmpfs: [/run/postgresql]\n").is_empty());
        assert!(run("services:\n  p:\n    image: nginx:1.27\n    read_only: false\n").is_empty());
        assert!(
            run("services:\n  a:\n    image: example/app:1.0\n    read_only: true\n").is_empty()
        );
    }
}
