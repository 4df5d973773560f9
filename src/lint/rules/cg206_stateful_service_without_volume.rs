use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::images::ImageEntry;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{Mount, MountKind, Service, normalize_container_path, path_covers};

declare_rule! {
    /// ## What it does
    /// Reports a service whose image keeps state on disk (a database, broker, search engine,
    /// monitoring store …) when nothing is mounted on (or above) its data directory.
    ///
    /// The image and its data directories come from composegen's image table (below). A named
    /// volume or a bind mount at the directory or one of its parents counts. A `tmpfs` or an
    /// anonymous volume (`- /var/lib/postgresql/data`) there is taken as a deliberate choice
    /// and not reported. When the command relocates the data (`server /mnt/data`,
    /// `--storage.tsdb.path=/prom`), a volume or bind mount on the path it names counts too.
    ///
    /// When the service sets a variable that moves the data directory (`PGDATA`,
    /// `GF_PATHS_DATA`, `KAFKA_LOG_DIRS`, `KAFKA_CFG_LOG_DIRS`, `ZOO_DATA_DIR`, `JENKINS_HOME`,
    /// `path.data`, `MINIO_VOLUMES`, `REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY`) to an absolute
    /// path, and the table says the image reads that variable, its value replaces the table's
    /// directories: with `PGDATA: /pgdata`, a volume on `/var/lib/postgresql/data` does not
    /// keep the data. A value with an unset variable makes the service unknown (not reported).
    ///
    /// Caches (`kind: cache`: Redis, Valkey) are reported only when the command turns
    /// persistence on (`--appendonly yes`, or `--save` with a schedule): a cache without a
    /// volume is normal. Services that `extends` another or use `volumes_from` are skipped, and
    /// so are jobs that run another program than the image's server: a shell script
    /// (`command: [bash, setup.sh]`, `sh -c …`) or a replaced entrypoint (`entrypoint:
    /// [pg_dump, …]`; an entrypoint script or `tini` is not a replacement).
    ///
    /// ### The image table
    /// composegen ships a table of well-known images (`data/images.yaml` in its source; `composegen
    /// explain` of the port, volume and health rules refers to it). Each entry has:
    /// `images` (repositories without tag, `org/name`; a trailing `*` matches a prefix),
    /// `kind` (`database`, `cache`, `queue`, `search`, `storage`, `monitoring`, `proxy`,
    /// `admin`, `app`), `data` (directories that hold its state; a mount on any one of them
    /// counts), `writes` (other paths it must be able to write, used by CG207 with
    /// `read_only: true`), `volumes` (the directories its Dockerfile declares as `VOLUME`:
    /// writable anonymous volumes, used by CG207), `ports`, `sensitive_ports`, `healthcheck`,
    /// `jvm`, `env` and `env_prefixes` (the variables it reads). Images are matched by repository:
    /// `docker.io/library/postgres:16` is `postgres`; a bare name also matches `org/name`.
    ///
    /// Describe your own images, or correct an entry, in `.composegen.yaml`; your entries are
    /// looked up first:
    /// ```yaml
    /// images:
    ///   - images: [registry.example.com/team/ledger]
    ///     kind: database
    ///     data: [/srv/ledger]
    ///     writes: [/tmp]
    ///     ports: [7000]
    ///     sensitive_ports: [7000]
    ///     env: [LEDGER_DATA_DIR]
    /// ```
    ///
    /// ## Why is this bad?
    /// Without a volume the data lives in the container's writable layer, or in an anonymous
    /// volume the image declares. `docker compose down` (or `rm`, or `up
    /// --renew-anon-volumes`) then loses it: the next container starts with an empty database,
    /// and the old anonymous volume is left behind unnamed.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     environment:
    ///       POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     environment:
    ///       POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    ///     volumes:
    ///       - pgdata:/var/lib/postgresql/data
    /// volumes:
    ///   pgdata:
    /// ```
    pub struct StatefulServiceWithoutVolume {
        code: "CG206",
        name: "stateful-service-without-volume",
        category: Volumes,
        severity: Warning,
        summary: "a database or other stateful image runs without a volume on its data directory",
    }
}

/// Variables that move an image's data directory (when the image table lists them for it).
const DATA_DIR_VARIABLES: &[&str] = &[
    "PGDATA",
    "GF_PATHS_DATA",
    "KAFKA_LOG_DIRS",
    "KAFKA_CFG_LOG_DIRS",
    "ZOO_DATA_DIR",
    "JENKINS_HOME",
    "path.data",
    "MINIO_VOLUMES",
    "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY",
];

/// What the image table says about a service's image, with the service's overrides applied.
pub struct ImageState<'e> {
    /// The repository (`postgres`).
    pub repository: String,
    /// The table entry.
    pub entry: &'e ImageEntry,
    /// Data directories, canonical (see [`canonical`]).
    pub data: Vec<String>,
    /// The variable that moved the data directories, if one did.
    pub moved_by: Option<String>,
    /// Other paths written, canonical.
    pub writes: Vec<String>,
    /// For caches: Some(true) when the command turns persistence on, Some(false) when it turns
    /// it off, None otherwise.
    pub persistence: Option<bool>,
}

/// A container path, normalised, with `/var/run` written `/run` (the same directory in the
/// images of the table).
pub fn canonical(path: &str) -> String {
    let p = normalize_container_path(path);
    match p.strip_prefix("/var/run") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("/run{rest}"),
        _ => p,
    }
}

/// The image state of a service; None when the image is not in the table, the service
/// inherits mounts (`extends`, `volumes_from`) or a relevant value is unknown.
pub fn image_state<'e>(cx: &Context<'e>, s: &Service<'_>) -> Option<ImageState<'e>> {
    if s.extends() || s.get("volumes_from").is_some() || runs_another_program(s) {
        return None;
    }
    let (image, _) = s.image()?;
    if !image.known() {
        return None;
    }
    let repository = s.image_repository()?;
    let entry = cx.images.lookup(&repository)?;
    let reads = |name: &str| {
        entry.env.iter().any(|e| e == name)
            || entry
                .env_prefixes
                .iter()
                .any(|p| name.starts_with(p.as_str()))
    };
    let mut data: Vec<String> = entry.data.iter().map(|d| canonical(d)).collect();
    let mut moved_by = None;
    for var in s.environment() {
        if !DATA_DIR_VARIABLES.contains(&var.name.as_str()) || !reads(&var.name) {
            continue;
        }
        let value = var.value.filter(|v| v.known())?;
        let dirs: Vec<&str> = value
            .value
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .collect();
        if dirs.is_empty()
            || dirs
                .iter()
                .any(|d| !d.starts_with('/') || d.contains("..."))
        {
            continue; // not a plain list of absolute paths (MINIO_VOLUMES with URLs …)
        }
        data = dirs.iter().map(|d| canonical(d)).collect();
        moved_by = Some(var.name.clone());
    }
    let persistence = if entry.kind.as_deref() == Some("cache") {
        persistence(&s.command_words())
    } else {
        None
    };
    Some(ImageState {
        repository,
        entry,
        data,
        moved_by,
        writes: entry.writes.iter().map(|w| canonical(w)).collect(),
        persistence,
    })
}

/// Shells: a service whose command or entrypoint starts with one runs a script.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh"];

/// Whether the service runs something else than the image's server: a shell script
/// (`command: [bash, setup.sh]`, `sh -c …`), or an entrypoint replaced by another program
/// (`entrypoint: [pg_basebackup]`; an entrypoint script or init such as `tini` is not).
pub fn runs_another_program(s: &Service<'_>) -> bool {
    let program = |words: &[String]| -> Option<String> {
        let first = words.first()?;
        Some(
            first
                .rsplit('/')
                .next()
                .unwrap_or(first)
                .to_ascii_lowercase(),
        )
    };
    if let Some(p) = program(&s.entrypoint_words()) {
        let wrapper = p.contains("entrypoint") || p.contains("init") || p == "tini";
        return SHELLS.contains(&p.as_str()) || !wrapper;
    }
    program(&s.command_words()).is_some_and(|p| SHELLS.contains(&p.as_str()))
}

/// Redis-style persistence flags in a command: `--appendonly yes` or `--save 60 1` turn it on,
/// `--save ""` (without `--appendonly yes`) turns it off.
pub fn persistence(words: &[String]) -> Option<bool> {
    let mut on = false;
    let mut off = false;
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).map(String::as_str);
        match w.as_str() {
            "--appendonly" if next == Some("yes") => on = true,
            "--save" if next.is_some_and(|n| !n.is_empty() && !n.starts_with("--")) => on = true,
            "--save" => off = true,
            _ => {}
        }
    }
    if on {
        Some(true)
    } else if off {
        Some(false)
    } else {
        None
    }
}

/// Absolute paths named in the command or entrypoint (`/data`, `--path=/data`), canonical.
pub fn command_paths(s: &Service<'_>) -> Vec<String> {
    s.command_words()
        .into_iter()
        .chain(s.entrypoint_words())
        .filter_map(|w| {
            let value = w.rsplit_once('=').map_or(w.as_str(), |(_, v)| v);
            value.starts_with('/').then(|| canonical(value))
        })
        .collect()
}

/// Whether a mount can hold data at `path`: a volume, bind, tmpfs or anonymous volume at `path`
/// or above it.
pub fn mount_covers(m: &Mount, path: &str) -> bool {
    matches!(
        m.kind,
        MountKind::Volume | MountKind::Bind | MountKind::Tmpfs | MountKind::Anonymous
    ) && m.error.is_none()
        && !m.target.is_empty()
        && path_covers(&canonical(&m.target), path)
}

/// Whether a directory-looking volume or bind mount (its last component has no `.`) is on a path
/// the command names: the command moved the data there.
pub fn command_target_mounted(s: &Service<'_>, mounts: &[&Mount]) -> bool {
    let paths = command_paths(s);
    mounts.iter().any(|m| {
        let target = canonical(&m.target);
        let dir_like = !target.rsplit('/').next().unwrap_or_default().contains('.');
        matches!(m.kind, MountKind::Volume | MountKind::Bind)
            && dir_like
            && target != "/"
            && paths.iter().any(|p| path_covers(&target, p))
    })
}

impl Rule for StatefulServiceWithoutVolume {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some(state) = image_state(cx, &s) else {
                continue;
            };
            if state.data.is_empty() {
                continue;
            }
            if state.entry.kind.as_deref() == Some("cache") && state.persistence != Some(true) {
                continue;
            }
            let mounts = s.mounts();
            if mounts.iter().any(|m| m.error.is_some()) {
                continue;
            }
            if mounts
                .iter()
                .any(|m| state.data.iter().any(|d| mount_covers(m, d)))
            {
                continue;
            }
            if command_target_mounted(&s, &mounts.iter().collect::<Vec<_>>()) {
                continue;
            }
            let dir = &state.data[0];
            let dirs: Vec<String> = state.data.iter().map(|d| format!("`{d}`")).collect();
            let (dirs, there) = if dirs.len() > 1 {
                (dirs.join(" or "), "on any of them")
            } else {
                (dirs.join(""), "there")
            };
            let moved = state
                .moved_by
                .as_ref()
                .map(|v| format!(" (set by `{v}`)"))
                .unwrap_or_default();
            let path = s.image().map_or_else(|| s.path.clone(), |(_, p)| p);
            out.push(
                self.finding(
                    cx,
                    path,
                    format!(
                        "`{}` ({}) keeps its data in {dirs}{moved}, but no volume is mounted {there}",
                        s.name, state.repository
                    ),
                )
                .label(format!("state in {dir} is lost on `docker compose down`"))
                .service(s.name)
                .help(format!("mount a named volume on it (`- {}-data:{dir}`) and declare it under top-level `volumes:`; if the data is disposable (tests), mount a `tmpfs` there to say so", s.name))
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG206", yaml))
    }

    #[test]
    fn stateful_without_volume() {
        assert_eq!(
            run("services:\n  db:\n    image: postgres:16.4\n"),
            ["CG206@3"]
        );
        assert_eq!(
            run(
                "services:\n  db:\n    image: postgres:16.4\n    entrypoint: [docker-entrypoint.sh]\n    command: [postgres, -c, max_connections=200]\n"
            ),
            ["CG206@3"]
        );
        assert_eq!(
            run(
                "services:\n  db:\n    image: docker.io/library/mysql:8.4\n    volumes: ['./my.cnf:/etc/mysql/conf.d/my.cnf:ro']\n"
            ),
            ["CG206@3"]
        );
        // A volume on the default directory does not hold data that PGDATA moved elsewhere.
        assert_eq!(
            run(
                "services:\n  db:\n    image: postgres:16.4\n    environment:\n      PGDATA: /pgdata\n    volumes: ['pg:/var/lib/postgresql/data']\nvolumes:\n  pg:\n"
            ),
            ["CG206@3"]
        );
        // A cache with persistence turned on.
        assert_eq!(
            run(
                "services:\n  r:\n    image: redis:7.4\n    command: redis-server --appendonly yes\n"
            ),
            ["CG206@3"]
        );
        // A bitnami image keeps its data elsewhere.
        assert_eq!(
            run(
                "services:\n  db:\n    image: bitnami/postgresql:16\n    volumes: ['pg:/var/lib/postgresql/data']\nvolumes:\n  pg:\n"
            ),
            ["CG206@3"]
        );
        let d = lint_rule("CG206", "services:\n  db:\n    image: postgres:16.4\n");
        assert!(
            d[0].message.contains("/var/lib/postgresql/data"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn persisted_or_not_stateful() {
        assert!(run("services:\n  db:\n    image: postgres:16.4\n    volumes: ['pgdata:/var/lib/postgresql/data']\nvolumes:\n  pgdata:\n").is_empty());
        // Above the data directory (PostgreSQL 18 layout), bind mounts, long syntax.
        assert!(run("services:\n  db:\n    image: postgres:18\n    volumes: ['./pg:/var/lib/postgresql']\n").is_empty());
        assert!(run("services:\n  m:\n    image: mongo:7\n    volumes: [{type: bind, source: ./db, target: /data/db/}]\n").is_empty());
        // PGDATA below the mount.
        assert!(run("services:\n  db:\n    image: postgres:16\n    environment: [PGDATA=/var/lib/postgresql/data/pgdata]\n    volumes: ['pg:/var/lib/postgresql/data']\nvolumes:\n  pg:\n").is_empty());
        // Deliberately ephemeral: tmpfs or an anonymous volume.
        assert!(
            run(
                "services:\n  db:\n    image: postgres:16\n    tmpfs: [/var/lib/postgresql/data]\n"
            )
            .is_empty()
        );
        assert!(run("services:\n  db:\n    image: postgres:16\n    volumes: [/var/lib/postgresql/data]\n").is_empty());
        // The command moves the data to a mounted directory.
        assert!(run("services:\n  s3:\n    image: minio/minio:RELEASE.2024-10-13T13-34-11Z\n    command: server /mnt/data --console-address :9001\n    volumes: ['./minio:/mnt/data']\n").is_empty());
        assert!(run("services:\n  p:\n    image: prom/prometheus:v2.54.1\n    command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/tsdb']\n    volumes: ['tsdb:/tsdb', './prometheus.yml:/etc/prometheus/prometheus.yml:ro']\nvolumes:\n  tsdb:\n").is_empty());
        // Caches, stateless and unknown images, inherited mounts, unknown PGDATA.
        assert!(run("services:\n  r:\n    image: redis:7.4\n").is_empty());
        assert!(run("services:\n  r:\n    image: redis:7.4\n    command: ['redis-server', '--save', '', '--appendonly', 'no']\n").is_empty());
        assert!(run("services:\n  w:\n    image: nginx:1.27\n  x:\n    image: example/app:1.0\n  y:\n    image: ${DB_IMAGE}\n").is_empty());
        assert!(run("services:\n  db:\n    image: postgres:16\n    volumes_from: [other]\n  other:\n    image: busybox\n").is_empty());
        assert!(
            run(
                "services:\n  db:\n    image: postgres:16\n    environment: {PGDATA: '${PGDATA}'}\n"
            )
            .is_empty()
        );
        // Jobs running another program.
        assert!(run("services:\n  setup:\n    image: elasticsearch:8.15.3\n    command: [bash, /setup.sh]\n").is_empty());
        assert!(
            run("services:\n  dump:\n    image: postgres:16\n    entrypoint: [pg_dump, -h, db]\n")
                .is_empty()
        );
        assert!(run("services:\n  r:\n    image: redis:7\n    command: sh -c 'redis-server --appendonly yes'\n").is_empty());
    }

    #[test]
    fn persistence_flags() {
        let w = |s: &str| crate::compose::grammar::words::script_words(s);
        assert_eq!(
            super::persistence(&w("redis-server --appendonly yes")),
            Some(true)
        );
        assert_eq!(
            super::persistence(&w("redis-server --save 60 1")),
            Some(true)
        );
        assert_eq!(
            super::persistence(&w("redis-server --save \"\"")),
            Some(false)
        );
        assert_eq!(super::persistence(&w("redis-server --save")), Some(false));
        assert_eq!(
            super::persistence(&w("redis-server /usr/local/etc/redis/redis.conf")),
            None
        );
    }

    /// Data directories of the corpus images (data/images.yaml).
    #[test]
    fn data_of_the_corpus_images() {
        // Redpanda keeps its topics in /var/lib/redpanda/data, also when started with a command.
        assert_eq!(
            run(
                "services:\n  r:\n    image: docker.redpanda.com/vectorized/redpanda:v22.2.2\n    command: [redpanda start, --smp 1]\n    volumes: ['./kafka:/app']\n"
            ),
            ["CG206@3"]
        );
        assert!(
            run("services:\n  r:\n    image: docker.redpanda.com/vectorized/redpanda:v22.2.2\n    volumes: ['rp:/var/lib/redpanda/data']\nvolumes:\n  rp: {}\n")
                .is_empty()
        );
        // Moodle: the application and the uploaded files are siblings; Bitnami's /bitnami/<app>.
        assert!(
            run("services:\n  m:\n    image: bitnami/moodle:3\n    volumes: ['md:/bitnami/moodledata']\n  o:\n    image: bitnami/odoo:14\n    volumes: ['od:/bitnami/odoo']\nvolumes:\n  md: {}\n  od: {}\n")
                .is_empty()
        );
        assert_eq!(
            run("services:\n  g:\n    image: bitnami/ghost:4\n  p:\n    image: linuxserver/plex\n"),
            ["CG206@3", "CG206@5"]
        );
        // Stateless images have no data directory: Keycloak (state in its database), Spark.
        assert!(
            run("services:\n  k:\n    image: bitnami/keycloak:14\n  s:\n    image: bitnami/spark:3\n")
                .is_empty()
        );
    }
}
