use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an entry of `sysctls` that the container runtime refuses, following runc's
    /// rules:
    ///
    /// - only kernel parameters that belong to a namespace the container has of its own can
    ///   be set: the IPC ones (`kernel.msgmax`, `kernel.msgmnb`, `kernel.msgmni`,
    ///   `kernel.sem`, `kernel.shmall`, `kernel.shmmax`, `kernel.shmmni`,
    ///   `kernel.shm_rmid_forced`, `fs.mqueue.*`), the network ones (`net.*`) and
    ///   `kernel.domainname`;
    /// - not the IPC ones with `ipc: host`, not `net.*` with `network_mode: host`, not
    ///   `kernel.domainname` with `uts: host`;
    /// - never `kernel.hostname` (use `hostname:`).
    ///
    /// Everything else (`vm.max_map_count`, `kernel.pid_max`, `fs.file-max`,
    /// `kernel.core_pattern` …) is a setting of the whole host. Names written with `/`
    /// (`net/ipv4/ip_forward`) are read as runc reads them.
    ///
    /// ## Why is this bad?
    /// The container does not start: `OCI runtime create failed: sysctl "vm.max_map_count"
    /// is not in a separate kernel namespace`. Docker Compose accepts the file, so the error
    /// shows up only at `docker compose up`. A host-wide kernel setting belongs to the host
    /// (`/etc/sysctl.d/`), where it affects every container, deliberately.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   search:
    ///     image: docker.elastic.co/elasticsearch/elasticsearch:8.15.3
    ///     sysctls:
    ///       vm.max_map_count: 262144
    /// ```
    ///
    /// ## Use instead
    /// Set it on the host (`echo vm.max_map_count=262144 > /etc/sysctl.d/99-elasticsearch.conf`)
    /// and keep only namespaced settings in the file:
    /// ```yaml
    /// services:
    ///   search:
    ///     image: docker.elastic.co/elasticsearch/elasticsearch:8.15.3
    ///     sysctls:
    ///       net.ipv4.tcp_keepalive_time: 600
    /// ```
    pub struct NonNamespacedSysctl {
        code: "CG408",
        name: "non-namespaced-sysctl",
        category: Security,
        severity: Error,
        summary: "a sysctl that the container runtime refuses (not namespaced, or its namespace is the host's)",
    }
}

const IPC: &[&str] = &[
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
];

/// A sysctl name with dots, as runc converts `net/ipv4/conf/eth0.100/rp_filter`.
fn dotted(name: &str) -> String {
    match name.find(['.', '/']) {
        Some(i) if name.as_bytes()[i] == b'/' => name
            .chars()
            .map(|c| match c {
                '.' => '/',
                '/' => '.',
                c => c,
            })
            .collect(),
        _ => name.to_string(),
    }
}

impl Rule for NonNamespacedSysctl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            for kv in s.key_values("sysctls") {
                let name = dotted(kv.name.trim());
                if name.is_empty() {
                    continue;
                }
                let (why, help) = if IPC.contains(&name.as_str()) || name.starts_with("fs.mqueue.")
                {
                    if !s.shares_host("ipc") {
                        continue;
                    }
                    (
                        "an IPC setting, and the service uses the host's IPC namespace (`ipc: host`)",
                        "remove `ipc: host`, or set it on the host",
                    )
                } else if name.starts_with("net.") {
                    if !s.shares_host("network_mode") {
                        continue;
                    }
                    (
                        "a network setting, and the service uses the host's network (`network_mode: host`)",
                        "remove it and set it on the host (`/etc/sysctl.d/`), or drop `network_mode: host`",
                    )
                } else if name == "kernel.domainname" {
                    if !s.shares_host("uts") {
                        continue;
                    }
                    (
                        "the domain name, and the service uses the host's UTS namespace (`uts: host`)",
                        "remove `uts: host`, or the sysctl",
                    )
                } else if name == "kernel.hostname" {
                    (
                        "the host name, which runc sets from `hostname:`",
                        "use `hostname:` instead",
                    )
                } else {
                    (
                        "not namespaced: a setting of the whole host",
                        "set it on the host (`/etc/sysctl.d/`) and remove it here",
                    )
                };
                out.push(
                    self.finding(
                        cx,
                        kv.path.clone(),
                        format!(
                            "`{}` sets the sysctl `{name}`: the container will not start",
                            s.name
                        ),
                    )
                    .label(why)
                    .service(s.name)
                    .help(help)
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
        codes(&lint_rule("CG408", yaml))
    }

    #[test]
    fn refused() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    sysctls:\n      vm.max_map_count: 262144\n      kernel.pid_max: 100000\n      kernel.hostname: x\n      net.core.somaxconn: 1024\n"
            ),
            ["CG408@5", "CG408@6", "CG408@7"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    network_mode: host\n    ipc: host\n    uts: host\n    sysctls:\n      - net.ipv4.ip_forward=1\n      - kernel.shmmax=100\n      - fs.mqueue.msg_max=20\n      - kernel.domainname=example.org\n"
            ),
            ["CG408@8", "CG408@9", "CG408@10", "CG408@11"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x\n    sysctls: ['fs/file-max=100']\n"),
            ["CG408@4"]
        );
    }

    #[test]
    fn namespaced() {
        assert!(run("services:\n  a:\n    image: x\n    sysctls:\n      net.ipv4.conf.all.src_valid_mark: 1\n      net/ipv4/conf/eth0.100/rp_filter: 1\n      kernel.shm_rmid_forced: 1\n      fs.mqueue.queues_max: 10\n      kernel.domainname: example.org\n      kernel.sem: 250 32000 100 128\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    network_mode: service:b\n    sysctls: ['net.ipv4.ip_forward=1']\n  b:\n    image: y\n").is_empty());
    }
}
