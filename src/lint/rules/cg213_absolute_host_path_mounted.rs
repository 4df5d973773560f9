use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg203_docker_socket_mounted::engine_socket;
use crate::lint::rules::cg204_sensitive_host_path_mounted::sensitive;

declare_rule! {
    /// ## What it does
    /// Reports a bind mount of an absolute host path outside the project (`/srv/data:/data`,
    /// `~/media:/media`), and a named volume that its driver binds to one
    /// (`driver_opts: {o: bind, device: /srv/data}`, `local-persist`'s `mountpoint`). Off by
    /// default. Relative paths (`./data`) are the project's own and are not reported; nor are
    /// the paths CG203 (engine sockets) and CG204 (sensitive host paths) report. Parity with
    /// KICS's "Volume Has Sensitive Host Directory", which reports any host directory.
    ///
    /// ## Why is this bad?
    /// The container reads and writes a directory of the host that the project does not
    /// own: what it writes there is owned by the container's user, survives `docker compose
    /// down -v`, and may be shared with other software on the host. The file also works only
    /// on machines with that layout. Named volumes (or paths inside the project) keep the
    /// data with the project.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/backup:2.1.0
    ///     volumes:
    ///       - /var/lib/backup:/backup
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/backup:2.1.0
    ///     volumes:
    ///       - backup:/backup
    /// volumes:
    ///   backup:
    /// ```
    pub struct AbsoluteHostPathMounted {
        code: "CG213",
        name: "absolute-host-path-mounted",
        category: Volumes,
        severity: Info,
        enabled: false,
        summary: "a host directory outside the project is mounted (an absolute bind path) (off by default)",
    }
}

impl Rule for AbsoluteHostPathMounted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        for s in compose.services() {
            for (m, mounted_at) in s.host_mounts(&compose) {
                if engine_socket(&m).is_some() {
                    continue;
                }
                let Some(path) = m.host_path() else {
                    continue;
                };
                if sensitive(&path).is_some() {
                    continue;
                }
                let mut f = self
                    .finding(
                        cx,
                        m.path.clone(),
                        format!("`{}` mounts the host directory `{path}`", s.name),
                    )
                    .label("a host path outside the project")
                    .service(s.name)
                    .help("use a named volume, or a path inside the project (`./data`); if the host path is deliberate, suppress it inline with a reason");
                if let Some(at) = mounted_at {
                    f = f.related(
                        cx.file,
                        at,
                        "a volume bound to this host path, mounted here",
                    );
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
        codes(&lint_rule("CG213", yaml))
    }

    #[test]
    fn absolute() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    volumes:\n      - /srv/data:/data\n      - ~/media:/media:ro\n      - type: bind\n        source: /etc/letsencrypt\n        target: /certs\n      - vol:/v\nvolumes:\n  vol:\n    driver_opts:\n      type: none\n      o: bind\n      device: /var/lib/backup\n"
            ),
            ["CG213@5", "CG213@6", "CG213@7", "CG213@16"]
        );
    }

    #[test]
    fn project_paths_and_other_rules() {
        assert!(run("services:\n  a:\n    image: x\n    volumes: ['./data:/data', 'data:/d', '/var/run/docker.sock:/s', '/etc:/e:ro', '/anon']\nvolumes:\n  data:\n    driver_opts: {type: nfs, o: 'addr=10.0.0.1', device: ':/export'}\n").is_empty());
        const { assert!(!super::AbsoluteHostPathMounted::META.enabled) };
    }
}
