use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg203_docker_socket_mounted::engine_socket;
use crate::lint::view::{normalize_host_path, path_covers};

declare_rule! {
    /// ## What it does
    /// Reports a bind mount of a sensitive host path: an **error** when the container can write
    /// it, a **warning** when it is mounted read-only (`:ro`, `read_only: true`) — except for
    /// a directory that contains a container engine's socket (`/`, `/run` or `/var/run`,
    /// `/run/user` and a user's `/run/user/UID` with rootless Docker's socket, `/run/podman`,
    /// `/run/containerd`): that is an **error** read-only too.
    ///
    /// `:ro` makes the mounted files read-only, not the sockets among them: connecting to a
    /// Unix socket is not a write to the file system, so `/var/run/docker.sock` under a
    /// read-only `/:/host:ro` or `/run:/run:ro` still answers every Docker API call, and the
    /// container controls the daemon exactly as with CG203's direct socket mount.
    ///
    /// Sensitive, with everything below them: `/proc`, `/sys`, `/boot`, `/root`,
    /// `/var/lib/docker`, `/var/lib/containerd`, the host's shared memory (`/dev/shm`,
    /// `/run/shm`, `/var/run/shm`), the credentials in a home directory (`~/.ssh`, `~/.aws`,
    /// `~/.kube`, `~/.docker`, `~/.gnupg`, `~/.azure`, `~/.config/gcloud`, and the same below
    /// `/home/NAME`), and the device nodes `/dev/kmsg`, `/dev/md/*`, `/dev/mem`, `/dev/kmem`,
    /// `/dev/port` (a **warning** unless the service is privileged: the device cgroup refuses
    /// them otherwise).
    ///
    /// A named volume that the `local` driver binds to a host path (`driver_opts: {type:
    /// none, o: bind, device: /etc}`, or the `local-persist` plugin's `mountpoint`) counts as
    /// a bind mount of that path in each service that mounts it; the finding is at the
    /// `device`.
    /// Sensitive as a whole: `/` (the host's whole file system), `/etc`, `/run` (and
    /// `/var/run`, the same directory), `/home`, a user's home directory (`/home/NAME`, `~`),
    /// `/usr`, `/lib`, `/lib64`, `/bin`, `/sbin`, `/var`, `/var/lib`, `/dev`.
    /// Below `/etc`, what gives root or holds host secrets: `passwd`, `shadow`, `gshadow`,
    /// `group`, `sudoers(.d)`, `crontab`, `cron.*`, `systemd`, `ssh`, `ssl/private`, `docker`,
    /// `containerd`, `kubernetes`, `profile(.d)`, `bash.bashrc`, `environment`, `ld.so.*`,
    /// `pam.d`, `security`, `init.d`, `rc.local`, `modprobe.d`, `modules-load.d`, `sysctl.*`,
    /// `udev`, `fstab`, `hosts`, `hostname`, `resolv.conf`, `machine-id`. Below `/run`: the
    /// sockets and state of `dbus`, `systemd`, `containerd`, `docker`, `crio`, `podman`,
    /// `libvirt`, `snapd`, `k3s` and the users' session directories (`/run/user`).
    /// Other directories under `/etc` and `/run` (an application's own `/etc/pihole`, the host
    /// database's socket directory `/run/postgresql`), a single device under `/dev` (no access
    /// without `devices:` or `privileged`), `/usr/share/zoneinfo`, `/lib/modules` and project
    /// directories under `/home/NAME` are not reported.
    ///
    /// Not reported either: `/etc/localtime` and `/etc/timezone` (time-zone data), and when
    /// read-only, the world-readable `/etc/hostname`, `/etc/hosts`, `/etc/resolv.conf`,
    /// `/etc/machine-id`, `/etc/passwd` and `/etc/group`. The Docker socket itself is CG203's.
    ///
    /// Option `allow`: host paths (with everything below them) not to report, e.g.
    /// `allow: [/sys/fs/cgroup, /var/lib/docker/containers]`.
    ///
    /// Monitoring and log agents legitimately read these paths (cAdvisor: `/`, `/sys`,
    /// `/var/lib/docker`; node-exporter: `/`, `/proc`, `/sys`; Promtail, Fluent Bit, Filebeat:
    /// `/var/lib/docker/containers`). Mount them read-only and mark each mount with an inline
    /// suppression that says why (`# composegen: ignore[CG204] node-exporter reads host
    /// metrics`), so that a new one in another service is still reported.
    ///
    /// ## Why is this bad?
    /// A container that can write the host's `/etc`, `/boot`, `/root` or `/` can add a user, a
    /// cron job, an SSH key or a kernel: it owns the host. Writable `/proc` and `/sys` change
    /// kernel settings. `/run` holds the sockets of the Docker daemon, systemd and D-Bus, which
    /// give root whatever the mount mode. Read-only mounts still expose secrets: password
    /// hashes in `/etc/shadow`, private keys, other containers' files and environment under
    /// `/var/lib/docker`, and a map of the host for an attacker.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/backup:2.1.0
    ///     volumes:
    ///       - /etc:/host/etc
    /// ```
    ///
    /// ## Use instead
    /// Mount only the files the service needs, read-only:
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/backup:2.1.0
    ///     volumes:
    ///       - /etc/backup/backup.conf:/etc/backup.conf:ro
    /// ```
    pub struct SensitiveHostPathMounted {
        code: "CG204",
        name: "sensitive-host-path-mounted",
        category: Volumes,
        severity: Error,
        summary: "a sensitive host path (`/`, `/etc`, `/proc`, `/var/run` …) is bind-mounted into a container",
    }
}

/// Sensitive with everything below them.
const TREES: &[&str] = &[
    "/proc",
    "/sys",
    "/boot",
    "/root",
    "/var/lib/docker",
    "/var/lib/containerd",
];

/// The host's shared memory, in its spellings (`/var/run/shm` is taken as `/run/shm`).
const SHM: &[&str] = &["/dev/shm", "/run/shm"];

/// Device nodes that a container may use only when it is privileged or granted the device.
const DEVICE_NODES: &[&str] = &["/dev/kmsg", "/dev/md", "/dev/mem", "/dev/kmem", "/dev/port"];

/// Directories with credentials in a home directory (`~/.ssh`, `/home/NAME/.aws` …).
const HOME_CREDENTIALS: &[&str] = &[
    ".ssh",
    ".aws",
    ".kube",
    ".docker",
    ".gnupg",
    ".azure",
    ".config/gcloud",
];

/// Sensitive as a whole only.
const WHOLE: &[&str] = &[
    "/", "/etc", "/run", "/home", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/var", "/var/lib",
    "/dev", "~",
];

/// Below `/etc`: what gives root when written, or holds the host's secrets.
const ETC: &[&str] = &[
    "passwd",
    "shadow",
    "gshadow",
    "group",
    "sudoers",
    "sudoers.d",
    "crontab",
    "cron.d",
    "cron.hourly",
    "cron.daily",
    "cron.weekly",
    "cron.monthly",
    "systemd",
    "ssh",
    "ssl/private",
    "docker",
    "containerd",
    "kubernetes",
    "profile",
    "profile.d",
    "bash.bashrc",
    "environment",
    "ld.so.preload",
    "ld.so.conf",
    "ld.so.conf.d",
    "pam.d",
    "security",
    "init.d",
    "rc.local",
    "modprobe.d",
    "modules-load.d",
    "sysctl.conf",
    "sysctl.d",
    "udev",
    "fstab",
    "hosts",
    "hostname",
    "resolv.conf",
    "machine-id",
];

/// Below `/run`: sockets and state that give control of the host.
const RUN: &[&str] = &[
    "dbus",
    "systemd",
    "containerd",
    "docker",
    "crio",
    "podman",
    "libvirt",
    "snapd",
    "snapd.socket",
    "k3s",
    "user",
];

/// Never reported: data that is harmless even when written.
const HARMLESS: &[&str] = &["/etc/localtime", "/etc/timezone"];

/// Not reported when read-only: world-readable files.
const READABLE: &[&str] = &[
    "/etc/hostname",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/machine-id",
    "/etc/passwd",
    "/etc/group",
];

/// Where the container engines put their sockets (`/run/user/*` for rootless Docker).
const ENGINE_SOCKETS: &[&str] = &[
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/run/containerd/containerd.sock",
    "/run/user/*/docker.sock",
    "/run/user/*/podman/podman.sock",
];

/// Whether a normalised host directory contains a container engine's socket at its standard
/// place (so that a read-only mount of it still gives the engine's API). `/var/run` is `/run`.
pub fn contains_engine_socket(path: &str) -> bool {
    let path = match path.strip_prefix("/var/run") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("/run{rest}"),
        _ => path.to_string(),
    };
    ENGINE_SOCKETS.iter().any(|socket| {
        let (before, after) = socket.split_once("/*").unwrap_or((socket, ""));
        if path_covers(&path, before) {
            return true;
        }
        // `/run/user/NAME` and below, down to the socket's directory.
        path.strip_prefix(before)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|rest| {
                let (user, below) = rest.split_once('/').unwrap_or((rest, ""));
                !user.is_empty() && (below.is_empty() || path_covers(&format!("/{below}"), after))
            })
    })
}

/// Why a normalised host path is sensitive, if it is (ignoring the exemptions for read-only).
/// `/var/run` is taken as `/run`.
pub fn sensitive(path: &str) -> Option<&'static str> {
    let run_alias;
    let path = match path.strip_prefix("/var/run") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            run_alias = format!("/run{rest}");
            run_alias.as_str()
        }
        _ => path,
    };
    if HARMLESS.contains(&path) {
        return None;
    }
    let under = |dir: &str, names: &[&str]| {
        names
            .iter()
            .any(|n| path_covers(&format!("{dir}/{n}"), path))
    };
    let home_credentials = path
        .strip_prefix("~/")
        .or_else(|| {
            path.strip_prefix("/home/")
                .and_then(|rest| rest.split_once('/'))
                .map(|(_, below)| below)
        })
        .is_some_and(|below| {
            HOME_CREDENTIALS
                .iter()
                .any(|c| path_covers(&format!("/{c}"), &format!("/{below}")))
        });
    let is_home = path == "~"
        || path
            .strip_prefix("/home/")
            .is_some_and(|user| !user.is_empty() && !user.contains('/'));
    Some(match path {
        "/" => "the host's whole file system",
        "/etc" => "the host's configuration",
        "/run" => "the host's run-time directory, with the Docker, systemd and D-Bus sockets",
        _ if is_home => "a home directory, with SSH keys and credentials",
        _ if home_credentials => "a user's credentials: SSH keys, cloud and cluster tokens",
        _ if SHM.iter().any(|d| path_covers(d, path)) => {
            "the host's shared memory, where other processes' IPC segments live"
        }
        _ if DEVICE_NODES.iter().any(|d| path_covers(d, path)) => {
            "a host device node: kernel log, memory or disks"
        }
        _ if WHOLE.contains(&path) => "a system directory of the host",
        _ if under("/etc", ETC) => {
            "host configuration that controls logins, privileges or start-up"
        }
        _ if under("/run", RUN) => "sockets and state of the host's system services",
        _ => match *TREES.iter().find(|t| path_covers(t, path))? {
            "/proc" | "/sys" => "kernel and process information of the host",
            "/boot" => "the host's boot files and kernel",
            "/root" => "root's home directory on the host",
            "/var/lib/containerd" => "containerd's data: every container's files",
            _ => "the Docker daemon's data: every container's files",
        },
    })
}

impl Rule for SensitiveHostPathMounted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let allow: Vec<String> = cx
            .option(Self::META.code, "allow")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .filter_map(normalize_host_path)
                    .collect()
            })
            .unwrap_or_default();
        let compose = cx.compose();
        for s in compose.services() {
            for (m, mounted_at) in s.host_mounts(&compose) {
                if engine_socket(&m).is_some() {
                    continue;
                }
                let Some(path) = m.host_path() else {
                    continue;
                };
                let Some(why) = sensitive(&path) else {
                    continue;
                };
                if m.read_only && READABLE.iter().any(|r| path_covers(r, &path)) {
                    continue;
                }
                if allow.iter().any(|a| path_covers(a, &path)) {
                    continue;
                }
                let socket = m.read_only && contains_engine_socket(&path);
                let (severity, mode, label) = if socket {
                    (
                        Severity::Error,
                        "read-only, which does not protect the engine socket inside it",
                        "the Docker socket below stays reachable: `:ro` does not restrict its API",
                    )
                } else if m.read_only {
                    (
                        Severity::Warning,
                        "read-only",
                        "host path readable by the container",
                    )
                } else {
                    (
                        Severity::Error,
                        "read-write",
                        "host path writable by the container",
                    )
                };
                // A device node is refused by the device cgroup unless the service is privileged.
                let severity = if DEVICE_NODES.iter().any(|d| path_covers(d, &path))
                    && !s.flag("privileged")
                {
                    Severity::Warning
                } else {
                    severity
                };
                let mut f = self
                    .finding(cx, m.path.clone(), format!("`{}` bind-mounts `{path}` ({why}) {mode}", s.name))
                    .label(label)
                    .service(s.name)
                    .help(if socket {
                        "mount only the files the service needs; a read-only mount still lets the container connect to the Docker socket inside it (root on the host). If a monitoring agent really needs it, suppress it inline with a reason: `# composegen: ignore[CG204] why`"
                    } else if m.read_only {
                        "mount only the files the service needs; if it really needs this (a monitoring agent), suppress it inline with a reason: `# composegen: ignore[CG204] why`"
                    } else {
                        "mount only the files the service needs, and read-only (`:ro`); a writable host system path gives the container the host"
                    })
                    .build();
                if let Some(at) = mounted_at {
                    f.related.push(crate::lint::finding::Route {
                        file: cx.file,
                        path: at,
                        key: false,
                        label: "a volume bound to this host path, mounted here".into(),
                    });
                }
                f.severity = severity;
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compose::interpolate::Env;
    use crate::lint::config::Settings;
    use crate::lint::context::Context;
    use crate::lint::finding::Severity;
    use crate::lint::images::ImageTable;
    use crate::lint::rule::Rule;
    use crate::lint::testing::{codes, lint_rule};
    use crate::yaml::Node;

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG204", yaml))
    }

    /// Severities as the rule reports them (before the engine applies a configured level).
    fn severities(yaml: &str, settings: &Settings) -> Vec<Severity> {
        let root = Node::parse(yaml).unwrap();
        let env = Env::empty();
        let images = ImageTable::new(&[]).unwrap();
        let index = crate::lint::view::Index::new(&root, &env);
        let cx = Context {
            file: 0,
            name: "test.yaml",
            text: yaml,
            root: &root,
            env: &env,
            images: &images,
            settings,
            index: &index,
            dir: None,
        };
        let mut out = Vec::new();
        super::SensitiveHostPathMounted.check(&cx, &mut out);
        out.iter().map(|f| f.severity).collect()
    }

    #[test]
    fn sensitive_mounts() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    volumes: ['/etc/docker/daemon.json:/d.json', '/etc/cron.d:/cron', '/var/run/dbus:/run/dbus:ro', '/run/user/1000:/run/user/1000', '/etc/ssh:/ssh:ro']\n"
            ),
            ["CG204@4"; 5]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x\n    volumes: ['/etc:/host/etc']\n"),
            ["CG204@4"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    volumes: ['/:/rootfs:ro', '/proc:/host/proc:ro', '/sys:/host/sys:ro']\n"
            ),
            ["CG204@4", "CG204@4", "CG204@4"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    volumes: ['/etc/shadow:/etc/shadow:ro', '/root/.ssh:/keys', '/var/lib/docker/containers:/c:ro']\n"
            ),
            ["CG204@4", "CG204@4", "CG204@4"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    volumes: ['/var/run:/var/run', '/run/dbus/system_bus_socket:/run/dbus/system_bus_socket']\n"
            ),
            ["CG204@4", "CG204@4"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    volumes: ['/home:/home', '~:/home/me', '/home/alice:/data', '/usr:/usr:ro', '/dev:/dev']\n"
            ),
            ["CG204@4"; 5]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    volumes:\n      - type: bind\n        source: /etc/\n        target: /host/etc\n"
            ),
            ["CG204@5"]
        );
        // Read-write world-readable files are still reported.
        assert_eq!(
            run("services:\n  a:\n    image: x\n    volumes: ['/etc/passwd:/etc/passwd']\n"),
            ["CG204@4"]
        );
    }

    #[test]
    fn severity_follows_the_mount_mode() {
        let yaml = "services:\n  a:\n    image: x\n    volumes: ['/etc:/host/etc', '/proc:/host/proc:ro']\n";
        assert_eq!(
            severities(yaml, &Settings::default()),
            [Severity::Error, Severity::Warning]
        );
    }

    #[test]
    fn read_only_directory_with_the_engine_socket_is_an_error() {
        let yaml = "services:\n  a:\n    image: x\n    volumes: ['/:/host:ro', '/run:/run:ro', '/var/run:/var/run:ro', '/run/user/1000:/u:ro', '/run/dbus:/run/dbus:ro', '/etc:/e:ro']\n";
        assert_eq!(
            severities(yaml, &Settings::default()),
            [
                Severity::Error,
                Severity::Error,
                Severity::Error,
                Severity::Error,
                Severity::Warning,
                Severity::Warning
            ]
        );
        assert!(super::contains_engine_socket("/"));
        assert!(super::contains_engine_socket("/run/containerd"));
        assert!(super::contains_engine_socket("/run/user"));
        assert!(!super::contains_engine_socket("/run/dbus"));
        assert!(!super::contains_engine_socket("/run/user/1000/pulse"));
        assert!(!super::contains_engine_socket("/var"));
        assert!(!super::contains_engine_socket("/runner"));
        let d = lint_rule(
            "CG204",
            "services:\n  a:\n    image: x\n    volumes: ['/run:/run:ro']\n",
        );
        assert!(d[0].message.contains("engine socket"), "{}", d[0].message);
    }

    #[test]
    fn not_sensitive() {
        assert!(run("services:\n  a:\n    image: x\n    volumes: ['/etc/localtime:/etc/localtime', '/etc/timezone:/etc/timezone:ro', '/etc/ssl/certs:/etc/ssl/certs:ro', '/etc/passwd:/etc/passwd:ro']\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    volumes: ['/home/alice/project:/app', '/usr/share/zoneinfo:/usr/share/zoneinfo:ro', '/lib/modules:/lib/modules:ro', '/dev/ttyUSB0:/dev/ttyUSB0', '/srv/data:/data', '/var/log:/var/log:ro', './etc:/etc/app', '/etcetera:/x']\n").is_empty());
        // An application's own directory under /etc or /run.
        assert!(run("services:\n  a:\n    image: x\n    volumes: ['/etc/pihole:/etc/pihole', '/etc/letsencrypt:/etc/letsencrypt:ro', '/var/run/postgresql:/var/run/postgresql', '/run/udev:/run/udev:ro']\n").is_empty());
        // The Docker socket is CG203's.
        assert!(run("services:\n  a:\n    image: x\n    volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n").is_empty());
        // Named volumes are not host paths.
        assert!(
            run("services:\n  a:\n    image: x\n    volumes: ['etc:/etc']\nvolumes:\n  etc:\n")
                .is_empty()
        );
        // Inline suppression with a reason.
        assert!(run("services:\n  a:\n    image: prom/node-exporter:v1.8.2\n    volumes:\n      - /proc:/host/proc:ro # composegen: ignore[CG204] node-exporter reads host metrics\n").is_empty());
    }

    #[test]
    fn allow_option() {
        let mut settings = Settings::default();
        let mut options = serde_json::Map::new();
        options.insert(
            "allow".into(),
            serde_json::json!(["/sys/fs/cgroup", "/var/lib/docker/containers/"]),
        );
        settings.options.insert("CG204".into(), options);
        let yaml = "services:\n  a:\n    image: x\n    volumes: ['/sys/fs/cgroup:/sys/fs/cgroup:ro', '/var/lib/docker/containers:/c:ro', '/sys:/sys:ro']\n";
        assert_eq!(severities(yaml, &settings), [Severity::Warning]);
    }
}
