use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{Mount, MountKind, normalize_host_path};

declare_rule! {
    /// ## What it does
    /// Reports a container that gets the Docker daemon's socket: a bind mount of
    /// `/var/run/docker.sock` or `/run/docker.sock` (also written `//var/run/docker.sock`, the
    /// form used on Windows hosts), of any other host file named `docker.sock` (rootless Docker,
    /// Docker Desktop's `~/.docker/run/docker.sock`), `podman.sock` or `containerd.sock`, or the
    /// Windows named pipe `\\.\pipe\docker_engine`. Short and long syntax, read-only or not.
    ///
    /// This is a security rule filed under volumes. A bind of a whole directory that contains
    /// the socket (`/`, `/var/run`, `/run`) is reported by CG204, as an error even when it is
    /// read-only, for the same reason.
    ///
    /// A named volume that the `local` driver binds to the socket (`driver_opts: {type: none,
    /// o: bind, device: /var/run/docker.sock}`) is reported at its `device`, once for each
    /// service that mounts it.
    ///
    /// ## Why is this bad?
    /// Whoever can talk to the socket controls the Docker daemon, which runs as root: one API
    /// call starts a privileged container with the host's `/` mounted. A compromise of the
    /// container (or of the image's supply chain) is a compromise of the host. `:ro` does not
    /// help: it makes the socket file read-only, not the API behind it.
    ///
    /// Some tools need the socket (Traefik's and Portainer's Docker providers, Watchtower,
    /// cAdvisor, CI runners, socket proxies). Keep those few deliberate: give the tool a socket
    /// proxy (such as `tecnativa/docker-socket-proxy`) that allows only the API calls it needs,
    /// and mark the one remaining mount with an inline suppression that says why:
    /// `- /var/run/docker.sock:/var/run/docker.sock:ro  # composegen: ignore[CG203] socket proxy`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   traefik:
    ///     image: traefik:v3.1
    ///     volumes:
    ///       - /var/run/docker.sock:/var/run/docker.sock:ro
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   socket-proxy:
    ///     image: tecnativa/docker-socket-proxy:0.2.0
    ///     environment:
    ///       CONTAINERS: 1
    ///     volumes:
    ///       - /var/run/docker.sock:/var/run/docker.sock:ro  # composegen: ignore[CG203] read-only API proxy
    ///   traefik:
    ///     image: traefik:v3.1
    ///     command: --providers.docker.endpoint=tcp://socket-proxy:2375
    /// ```
    pub struct DockerSocketMounted {
        code: "CG203",
        name: "docker-socket-mounted",
        category: Volumes,
        severity: Error,
        summary: "the Docker daemon socket is mounted into a container",
    }
}

/// File names of container-engine sockets that give control of the engine.
const SOCKETS: &[&str] = &["docker.sock", "podman.sock", "containerd.sock"];

/// The engine socket a mount exposes, if it does: the normalised host path, or the pipe.
pub fn engine_socket(m: &Mount) -> Option<String> {
    if m.unknown || m.error.is_some() {
        return None;
    }
    let source = m.source.as_deref()?;
    let slashed = source.replace('\\', "/").to_ascii_lowercase();
    if slashed.ends_with("/pipe/docker_engine")
        && matches!(m.kind, MountKind::Bind | MountKind::Other)
    {
        return Some(source.to_string());
    }
    if m.kind != MountKind::Bind {
        return None;
    }
    let path = normalize_host_path(source)?;
    let file = path.rsplit('/').next().unwrap_or_default();
    SOCKETS.contains(&file).then_some(path)
}

impl Rule for DockerSocketMounted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        for s in compose.services() {
            for (m, mounted_at) in s.host_mounts(&compose) {
                let Some(socket) = engine_socket(&m) else {
                    continue;
                };
                let ro = if m.read_only {
                    " (read-only does not restrict the API)"
                } else {
                    ""
                };
                let mut f = self
                    .finding(cx, m.path.clone(), format!("`{}` mounts the container engine socket `{socket}`{ro}", s.name))
                    .label("full control of the Docker daemon: root on the host")
                    .service(s.name)
                    .help("remove the mount; if the service must use the Docker API, give it a socket proxy that allows only the calls it needs, and suppress this finding on the proxy's mount with a reason");
                if let Some(at) = mounted_at {
                    f = f.related(cx.file, at, "a volume bound to the socket, mounted here");
                }
                out.push(f.build());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG203", yaml))
    }

    #[test]
    fn socket_mounts() {
        assert_eq!(
            run(
                "services:\n  t:\n    image: traefik:v3.1\n    volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro']\n"
            ),
            ["CG203@4"]
        );
        assert_eq!(
            run(
                "services:\n  t:\n    image: x\n    volumes: ['/run/docker.sock:/var/run/docker.sock']\n"
            ),
            ["CG203@4"]
        );
        assert_eq!(
            run(
                "services:\n  t:\n    image: x\n    volumes: ['//var/run/docker.sock:/var/run/docker.sock']\n"
            ),
            ["CG203@4"]
        );
        assert_eq!(
            run(
                "services:\n  t:\n    image: x\n    volumes:\n      - type: bind\n        source: /var/run/docker.sock\n        target: /sock\n        read_only: true\n"
            ),
            ["CG203@5"]
        );
        assert_eq!(
            run(
                "services:\n  t:\n    image: x\n    volumes: ['${SOCK:-/var/run/docker.sock}:/var/run/docker.sock']\n"
            ),
            ["CG203@4"]
        );
        assert_eq!(
            run(
                "services:\n  t:\n    image: x\n    volumes: ['/run/user/1000/docker.sock:/var/run/docker.sock', '/run/podman/podman.sock:/p.sock']\n"
            ),
            ["CG203@4", "CG203@4"]
        );
        assert_eq!(
            run(
                "services:\n  t:\n    image: x\n    volumes: [{type: npipe, source: '\\\\.\\pipe\\docker_engine', target: '\\\\.\\pipe\\docker_engine'}]\n"
            ),
            ["CG203@4"]
        );
        let d = lint_rule(
            "CG203",
            "services:\n  t:\n    image: x\n    volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro']\n",
        );
        assert!(
            d[0].message.contains("read-only does not restrict"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn not_the_socket() {
        assert!(run("services:\n  t:\n    image: x\n    volumes: ['/var/run:/host/run:ro', './docker.sock:/x', 'docker.sock:/x', '/srv/docker.socket:/x']\nvolumes:\n  docker.sock:\n").is_empty());
        assert!(
            run("services:\n  t:\n    image: x\n    volumes: ['${SOCK}:/var/run/docker.sock']\n")
                .is_empty()
        );
        // Suppressed with a reason.
        assert!(run("services:\n  t:\n    image: x\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro # composegen: ignore[CG203] socket proxy\n").is_empty());
    }
}
