use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::fix::{self, Fix, Value};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg204_sensitive_host_path_mounted::sensitive;
use crate::lint::view::{MountKind, Service, normalize_container_path, normalize_host_path};
use crate::yaml::{Kind, Node};

declare_rule! {
    /// ## What it does
    /// Reports a bind mount of a single configuration file that the container can write: the
    /// host file's name ends in `.conf`, `.cnf`, `.cfg`, `.cf`, `.ini`, `.yml`, `.yaml`,
    /// `.json`, `.toml`, `.properties`, `.xml` or `.env` (or is `.env`), and the mount has
    /// neither `:ro` nor `read_only: true`. Source code (`.js`, `.py` …) is not considered
    /// configuration.
    ///
    /// Not reported: files that the service must write by design — Traefik's certificate store
    /// `acme.json` — and project manifests mounted into development containers
    /// (`package.json`, `package-lock.json`, `composer.json`, `tsconfig.json`, `deno.json`,
    /// `pyproject.toml`, `Cargo.toml`). Sensitive host paths (`/etc/…`) are CG204's. Option
    /// `allow`: more file names (or host paths as written) not to report.
    ///
    /// Not reported either: configuration files the service rewrites, where `:ro` would break
    /// it.
    /// - **Redis/Valkey Sentinel** rewrites its configuration file (it records the current
    ///   master, replicas and other sentinels there, and refuses to start on a read-only one).
    ///   A service whose command or entrypoint runs Sentinel (a word `--sentinel`, or the
    ///   program `redis-sentinel` / `valkey-sentinel`, also inside `sh -c "…"`) may mount
    ///   writable the file that the command names (`redis-server /etc/redis/sentinel.conf
    ///   --sentinel`): the mount's container path must appear as a word of the command.
    /// - **Images that save their settings to their configuration file**, at that file's
    ///   container path: AdGuard Home (`adguard/adguardhome`,
    ///   `/opt/adguardhome/conf/AdGuardHome.yaml`), Zigbee2MQTT (`koenkk/zigbee2mqtt`,
    ///   `/app/data/configuration.yaml`), Pi-hole (`pihole/pihole`, `/etc/pihole/pihole.toml`
    ///   and `/etc/pihole/setupVars.conf`) and Bitnami's Sentinel (`bitnami/redis-sentinel`,
    ///   `/opt/bitnami/redis-sentinel/etc/sentinel.conf`).
    ///
    /// Fixable: the fix appends `:ro` to a short-syntax mount (`./nginx.conf:/etc/nginx/nginx.conf`
    /// → `…:ro`; an explicit `:rw` becomes `:ro`) and sets `read_only: true` on a long-syntax one;
    /// other mount options (`:z`, `:cached`) are left for you. Every other byte stays as it was.
    ///
    /// ## Why is this bad?
    /// A configuration file is an input. Mounted read-write, the container can change it on
    /// the host: a compromised service rewrites its own configuration (or the configuration of
    /// every service sharing the file) so that the change survives a re-create, and entrypoints
    /// that edit their config in place (`sed -i`, `chown`) silently modify, or fail on, your
    /// checked-in file.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:1.27
    ///     volumes:
    ///       - ./nginx.conf:/etc/nginx/nginx.conf
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:1.27
    ///     volumes:
    ///       - ./nginx.conf:/etc/nginx/nginx.conf:ro
    /// ```
    pub struct WritableConfigBindMount {
        code: "CG205",
        name: "writable-config-bind-mount",
        category: Volumes,
        severity: Warning,
        summary: "a configuration file is bind-mounted without `:ro`",
    }
}

/// Extensions of configuration files.
const EXTENSIONS: &[&str] = &[
    "conf",
    "cnf",
    "cfg",
    "cf",
    "ini",
    "yml",
    "yaml",
    "json",
    "toml",
    "properties",
    "xml",
    "env",
];

/// Files that are written by design or are project manifests of development setups.
const EXEMPT: &[&str] = &[
    "acme.json",
    "package.json",
    "package-lock.json",
    "composer.json",
    "tsconfig.json",
    "deno.json",
    "pyproject.toml",
    "cargo.toml",
];

/// Images whose program saves settings to its configuration file: (repositories, container
/// paths of the files it rewrites). Kept here, not in the image table, because an entry there
/// makes other rules treat the image as fully described (its healthcheck, its variables).
const REWRITTEN: &[(&[&str], &[&str])] = &[
    (
        &["adguard/adguardhome"],
        &["/opt/adguardhome/conf/AdGuardHome.yaml"],
    ),
    (
        &["koenkk/zigbee2mqtt", "ghcr.io/koenkk/zigbee2mqtt"],
        &["/app/data/configuration.yaml"],
    ),
    (
        &["pihole/pihole"],
        &["/etc/pihole/pihole.toml", "/etc/pihole/setupVars.conf"],
    ),
    (
        &["bitnami/redis-sentinel"],
        &["/opt/bitnami/redis-sentinel/etc/sentinel.conf"],
    ),
];

/// Programs that run Redis Sentinel, which rewrites its configuration file.
const SENTINELS: &[&str] = &["redis-sentinel", "valkey-sentinel"];

/// The words of the service's entrypoint and command, each split again on white space (so
/// that `sh -c "redis-server /x.conf --sentinel"` yields its words too).
fn program_words(s: &Service<'_>) -> Vec<String> {
    s.entrypoint_words()
        .iter()
        .chain(s.command_words().iter())
        .flat_map(|w| {
            w.split_whitespace()
                .map(|t| t.trim_matches(['"', '\'', ';']).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Container paths of configuration files the service rewrites at run time (see the doc
/// comment): the file named in a Sentinel command, the files of [`REWRITTEN`] for its image.
fn rewritten_files(s: &Service<'_>) -> Vec<String> {
    let mut files = Vec::new();
    let words = program_words(s);
    let sentinel = words
        .iter()
        .any(|w| w == "--sentinel" || SENTINELS.contains(&w.rsplit('/').next().unwrap_or(w)));
    if sentinel {
        files.extend(words.iter().filter(|w| w.starts_with('/')).cloned());
    }
    if let Some(repository) = s.image_repository() {
        for (images, paths) in REWRITTEN {
            if images.contains(&repository.as_str()) {
                files.extend(paths.iter().map(|p| p.to_string()));
            }
        }
    }
    files
}

/// The file name of a host path, if it has a configuration extension.
/// The fix: `:ro` on a short-syntax mount of `target`, `read_only: true` on a long one.
fn read_only(cx: &Context<'_>, node: &Node, target: &str) -> Option<Fix> {
    match &node.kind {
        Kind::Map(_) => match node.get("read_only") {
            Some(flag) => fix::edit_scalar(cx, flag, |v| Some((0..v.len(), "true".into()))),
            None => fix::insert_key(cx, node, "read_only", Value::Scalar("true")),
        },
        _ => fix::edit_scalar(cx, node, |v| {
            if v.ends_with(&format!(":{target}")) {
                Some((v.len()..v.len(), ":ro".into()))
            } else if v.ends_with(&format!(":{target}:rw")) {
                Some((v.len() - 2..v.len(), "ro".into()))
            } else {
                None
            }
        }),
    }
}

fn config_file(source: &str) -> Option<&str> {
    let name = source
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()?;
    if name == ".env" {
        return Some(name);
    }
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())).then_some(name)
}

impl Rule for WritableConfigBindMount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let allow: Vec<&str> = cx
            .option(Self::META.code, "allow")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        for s in cx.compose().services() {
            let long_syntax: Vec<bool> = match s.get("volumes").map(|v| &v.kind) {
                Some(Kind::Seq(items)) => items
                    .iter()
                    .map(|n| matches!(n.kind, Kind::Map(_)))
                    .collect(),
                _ => Vec::new(),
            };
            let rewritten = rewritten_files(&s);
            for (i, m) in s.mounts().into_iter().enumerate() {
                if m.kind != MountKind::Bind || m.read_only || m.unknown || m.error.is_some() {
                    continue;
                }
                let Some(source) = m.source.as_deref() else {
                    continue;
                };
                let Some(name) = config_file(source) else {
                    continue;
                };
                if EXEMPT.contains(&name.to_ascii_lowercase().as_str())
                    || allow.iter().any(|a| *a == name || *a == source)
                {
                    continue;
                }
                if normalize_host_path(source).is_some_and(|p| sensitive(&p).is_some()) {
                    continue; // CG204 reports it
                }
                let target = normalize_container_path(&m.target);
                if rewritten
                    .iter()
                    .any(|f| normalize_container_path(f) == target)
                {
                    continue; // the service rewrites it: `:ro` would break it
                }
                let help = if long_syntax.get(i).copied().unwrap_or(false) {
                    "add `read_only: true` to the mount (or use top-level `configs:`)".to_string()
                } else {
                    format!(
                        "append `:ro`: `{source}:{}:ro` (or use top-level `configs:`)",
                        m.target
                    )
                };
                out.push(
                    self.finding(
                        cx,
                        m.path.clone(),
                        format!(
                            "`{}` mounts configuration file `{source}` read-write",
                            s.name
                        ),
                    )
                    .label("the container can modify this file on the host")
                    .service(s.name)
                    .help(help)
                    .fix(
                        cx.root
                            .at(&m.path)
                            .and_then(|n| read_only(cx, n, &m.target)),
                    )
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
        codes(&lint_rule("CG205", yaml))
    }

    #[test]
    fn writable_config_files() {
        assert_eq!(
            run(
                "services:\n  p:\n    image: nginx:1.27\n    volumes: ['./nginx.conf:/etc/nginx/nginx.conf']\n"
            ),
            ["CG205@4"]
        );
        assert_eq!(
            run(
                "services:\n  p:\n    image: x\n    volumes: ['./config/app.YAML:/app/config.yaml:rw', './.env:/app/.env', '/srv/my.cnf:/etc/mysql/my.cnf:z']\n"
            ),
            ["CG205@4"; 3]
        );
        assert_eq!(
            run(
                "services:\n  p:\n    image: x\n    volumes:\n      - type: bind\n        source: ./prometheus.yml\n        target: /etc/prometheus/prometheus.yml\n"
            ),
            ["CG205@5"]
        );
        let d = lint_rule(
            "CG205",
            "services:\n  p:\n    image: x\n    volumes:\n      - {type: bind, source: ./a.toml, target: /a.toml}\n      - ./b.toml:/b.toml\n",
        );
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or_default()
                .contains("read_only: true"),
            "{:?}",
            d[0].help
        );
        assert!(
            d[1].help
                .as_deref()
                .unwrap_or_default()
                .contains("./b.toml:/b.toml:ro"),
            "{:?}",
            d[1].help
        );
    }

    #[test]
    fn read_only_or_not_config() {
        assert!(run("services:\n  p:\n    image: nginx:1.27\n    volumes: ['./nginx.conf:/etc/nginx/nginx.conf:ro', './conf.d:/etc/nginx/conf.d', './html:/usr/share/nginx/html', './app.js:/app/app.js']\n").is_empty());
        assert!(run("services:\n  p:\n    image: x\n    volumes: [{type: bind, source: ./a.yml, target: /a.yml, read_only: true}]\n").is_empty());
        // Written by design, manifests, named volumes, sensitive host paths (CG204).
        assert!(run("services:\n  t:\n    image: traefik:v3.1\n    volumes: ['./acme.json:/acme.json', './package.json:/app/package.json', 'cfg.json:/x']\nvolumes:\n  cfg.json:\n").is_empty());
        assert!(run("services:\n  t:\n    image: x\n    volumes: ['/etc/resolv.conf:/etc/resolv.conf']\n").is_empty());
    }

    #[test]
    fn rewritten_by_the_service() {
        // Sentinel rewrites the file its command names (issue 10).
        assert!(run("services:\n  s:\n    image: redis:7.4\n    command: redis-server /usr/local/etc/redis/sentinel.conf --sentinel\n    volumes: ['./sentinel.conf:/usr/local/etc/redis/sentinel.conf']\n").is_empty());
        assert!(run("services:\n  s:\n    image: redis:7.4\n    command: [redis-sentinel, /etc/redis/sentinel.conf]\n    volumes: ['./sentinel/sentinel.conf:/etc/redis/sentinel.conf']\n").is_empty());
        assert!(run("services:\n  s:\n    image: valkey/valkey:8\n    entrypoint: [sh, -c, 'exec valkey-sentinel /data/sentinel.conf']\n    volumes: ['./sentinel.conf:/data/sentinel.conf']\n").is_empty());
        // Apps that save their settings to their configuration file.
        assert!(run("services:\n  dns:\n    image: adguard/adguardhome:v0.107.52\n    volumes: ['./AdGuardHome.yaml:/opt/adguardhome/conf/AdGuardHome.yaml']\n").is_empty());
        assert!(run("services:\n  z:\n    image: ghcr.io/koenkk/zigbee2mqtt:1.40.1\n    volumes: ['./z2m.yaml:/app/data/configuration.yaml']\n").is_empty());
        // Still reported: another file of a Sentinel service, a file a plain Redis only reads,
        // and the same path on another image.
        assert_eq!(
            run(
                "services:\n  s:\n    image: redis:7.4\n    command: redis-server /etc/redis/sentinel.conf --sentinel\n    volumes: ['./users.acl.conf:/etc/redis/users.acl.conf']\n"
            ),
            ["CG205@5"]
        );
        assert_eq!(
            run(
                "services:\n  r:\n    image: redis:7.4\n    command: redis-server /usr/local/etc/redis/redis.conf\n    volumes: ['./redis.conf:/usr/local/etc/redis/redis.conf']\n"
            ),
            ["CG205@5"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: example/app:1\n    volumes: ['./AdGuardHome.yaml:/opt/adguardhome/conf/AdGuardHome.yaml']\n"
            ),
            ["CG205@4"]
        );
    }
}
