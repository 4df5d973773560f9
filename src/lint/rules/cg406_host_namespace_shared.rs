use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that shares one of the host's namespaces instead of getting its own:
    ///
    /// - **error**: `pid: host` (the host's processes);
    /// - **warning**: `network_mode: host` (the host's network stack), `ipc: host` (the host's
    ///   shared memory and semaphores), `userns_mode: host` (no user-namespace remapping when
    ///   the daemon uses `userns-remap`);
    /// - **info**: `uts: host` (the host's name), `cgroup: host` (the host's cgroup tree).
    ///
    /// Sharing another service's namespace (`network_mode: service:db`, `pid: container:x`)
    /// is not reported.
    ///
    /// ## Why is this bad?
    /// Namespaces are what makes a container a container. With `pid: host` the container sees
    /// every process of the host with its command line and environment, can signal them, and
    /// as root can reach the host's file system through `/proc/1/root` wherever AppArmor or
    /// SELinux does not stop it. With the host's network, the service's ports are open on
    /// every interface of the host without Docker's port mapping (so `ports:` is ignored), and
    /// it reaches services that listen only on the host's `127.0.0.1`. With the host's IPC
    /// namespace it reads and writes other programs' shared memory.
    ///
    /// Monitoring agents (node-exporter, cAdvisor) and a few network tools need this: keep it
    /// deliberate, with an inline suppression that says why.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.8.0
    ///     network_mode: host
    ///     pid: host
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.8.0
    ///     ports: ["127.0.0.1:8080:8080"]
    /// ```
    pub struct HostNamespaceShared {
        code: "CG406",
        name: "host-namespace-shared",
        category: Security,
        severity: Error,
        summary: "a service shares a namespace with the host (`pid`, `network_mode`, `ipc`, `userns_mode`, `uts`, `cgroup` set to `host`)",
    }
}

const NAMESPACES: &[(&str, Severity, &str, &str)] = &[
    (
        "pid",
        Severity::Error,
        "sees and signals every process of the host",
        "remove `pid: host`; if a monitoring agent needs it, suppress this finding inline with the reason",
    ),
    (
        "network_mode",
        Severity::Warning,
        "listens on every host interface and reaches the host's loopback services",
        "remove `network_mode: host` and publish only the ports needed (`ports: [\"127.0.0.1:PORT:PORT\"]`)",
    ),
    (
        "ipc",
        Severity::Warning,
        "shares the host's shared memory and semaphores",
        "remove `ipc: host`; share IPC with one service (`ipc: service:NAME`) if that is what is needed",
    ),
    (
        "userns_mode",
        Severity::Warning,
        "container root is root on the host, even with userns-remap",
        "remove `userns_mode: host`",
    ),
    (
        "uts",
        Severity::Info,
        "shares the host's name",
        "remove `uts: host`; set `hostname:` if the service needs a name",
    ),
    (
        "cgroup",
        Severity::Info,
        "sees the host's cgroup tree",
        "remove `cgroup: host` (the default is a private cgroup namespace)",
    ),
];

impl Rule for HostNamespaceShared {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            for (key, severity, label, help) in NAMESPACES {
                if !s.shares_host(key) {
                    continue;
                }
                let what = match *key {
                    "network_mode" => "network stack",
                    "pid" => "process namespace",
                    "ipc" => "IPC namespace",
                    "userns_mode" => "user namespace",
                    "uts" => "UTS namespace",
                    _ => "cgroup namespace",
                };
                let mut f = self
                    .finding(
                        cx,
                        s.at(key),
                        format!("`{}` shares the host's {what} (`{key}: host`)", s.name),
                    )
                    .label(*label)
                    .service(s.name)
                    .help(*help)
                    .build();
                f.severity = *severity;
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::cg401_privileged_container::tests_support::severities;
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG406", yaml))
    }

    #[test]
    fn host_namespaces() {
        let yaml = "services:\n  a:\n    image: x\n    pid: host\n    network_mode: host\n    ipc: host\n    userns_mode: host\n    uts: host\n    cgroup: host\n";
        assert_eq!(
            run(yaml),
            [
                "CG406@4", "CG406@5", "CG406@6", "CG406@7", "CG406@8", "CG406@9"
            ]
        );
        assert_eq!(
            severities("CG406", yaml),
            ["error", "warning", "warning", "warning", "info", "info"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x\n    network_mode: \"host\"\n"),
            ["CG406@4"]
        );
    }

    #[test]
    fn private_namespaces() {
        assert!(run("services:\n  a:\n    image: x\n    network_mode: service:b\n    pid: container:x\n    ipc: shareable\n    cgroup: private\n  b:\n    image: y\n    network_mode: bridge\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    network_mode: ${MODE}\n").is_empty());
    }
}
