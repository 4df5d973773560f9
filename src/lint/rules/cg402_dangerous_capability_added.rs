use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::Service;

declare_rule! {
    /// ## What it does
    /// Reports a capability in `cap_add` that breaks the container's isolation from the host.
    /// Names are compared as Docker does: case-insensitive, with or without `CAP_`.
    ///
    /// **Error**: `ALL`; `SYS_ADMIN` (mount, cgroup and namespace administration: the classic
    /// escapes); `SYS_MODULE` (load a kernel module); `SYS_RAWIO` (raw I/O ports and memory);
    /// `DAC_READ_SEARCH` (`open_by_handle_at`: read any file of the host, the "shocker"
    /// escape); `SYS_BOOT` (reboot the host, load a new kernel); `MAC_ADMIN`, `MAC_OVERRIDE`
    /// (change or bypass AppArmor and SELinux); `BPF` (load eBPF programs into the kernel);
    /// `SYS_PTRACE` with `pid: host` (trace and inject code into the host's processes);
    /// `NET_ADMIN` with `network_mode: host` (reconfigure the host's interfaces, routes and
    /// firewall).
    ///
    /// **Warning**: `SYS_PTRACE` and `NET_ADMIN` otherwise (they widen the kernel attack
    /// surface; VPN and network tools need `NET_ADMIN`, debuggers `SYS_PTRACE`), `SYS_TIME`
    /// (sets the host's clock: time is not namespaced), `SYSLOG`, `PERFMON`, `SYS_RESOURCE`,
    /// `LINUX_IMMUTABLE`, `AUDIT_CONTROL`.
    ///
    /// Capabilities Docker grants by default (`CHOWN`, `NET_BIND_SERVICE`, `SETUID` …),
    /// usually added back after `cap_drop: [ALL]`, and harmless ones (`IPC_LOCK`, `SYS_NICE`)
    /// are not reported. A privileged service is CG401's.
    ///
    /// ## Why is this bad?
    /// Capabilities are root's powers, split up. Docker keeps the dangerous ones away from
    /// containers; adding one back hands the container a way out. `SYS_ADMIN` alone lets root
    /// in the container mount the host's cgroup file system and run a program on the host
    /// (`release_agent`); `SYS_MODULE` loads arbitrary kernel code.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   fuse:
    ///     image: example/sshfs:1.4.0
    ///     cap_add: [SYS_ADMIN]
    /// ```
    ///
    /// ## Use instead
    /// Give the specific device or a narrower capability, and keep the rest dropped:
    /// ```yaml
    /// services:
    ///   fuse:
    ///     image: example/sshfs:1.4.0
    ///     devices: ["/dev/fuse:/dev/fuse"]
    ///     cap_drop: [ALL]
    /// ```
    pub struct DangerousCapabilityAdded {
        code: "CG402",
        name: "dangerous-capability-added",
        category: Security,
        severity: Error,
        summary: "`cap_add` grants a capability that breaks container isolation (`SYS_ADMIN`, `ALL` …)",
    }
}

/// A capability name as Docker reads it: uppercase, without `CAP_`.
pub fn normalize_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    if upper == "CAP_ALL" {
        return upper; // not a capability: Docker refuses it
    }
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}

/// Why a capability is dangerous, and how much.
fn danger(cap: &str, s: &Service<'_>) -> Option<(Severity, &'static str)> {
    use Severity::{Error, Warning};
    Some(match cap {
        "ALL" => (
            Error,
            "every capability, including SYS_ADMIN and SYS_MODULE",
        ),
        "SYS_ADMIN" => (
            Error,
            "mount, cgroup and namespace administration: the classic container escape",
        ),
        "SYS_MODULE" => (
            Error,
            "loads kernel modules: arbitrary code in the host's kernel",
        ),
        "SYS_RAWIO" => (Error, "raw access to I/O ports and device memory"),
        "DAC_READ_SEARCH" => (Error, "`open_by_handle_at` reads any file of the host"),
        "SYS_BOOT" => (Error, "reboots the host or loads a new kernel"),
        "MAC_ADMIN" | "MAC_OVERRIDE" => (Error, "changes or bypasses AppArmor and SELinux"),
        "BPF" => (Error, "loads eBPF programs into the host's kernel"),
        "SYS_PTRACE" if s.shares_host("pid") => (
            Error,
            "with `pid: host`: traces and injects code into the host's processes",
        ),
        "SYS_PTRACE" => (
            Warning,
            "traces other processes and loosens the seccomp filter",
        ),
        "NET_ADMIN" if s.shares_host("network_mode") => (
            Error,
            "with `network_mode: host`: reconfigures the host's interfaces, routes and firewall",
        ),
        "NET_ADMIN" => (
            Warning,
            "network administration: a large kernel attack surface (netfilter)",
        ),
        "SYS_TIME" => (Warning, "sets the host's clock (time is not namespaced)"),
        "SYSLOG" => (
            Warning,
            "reads and clears the kernel log (kernel addresses)",
        ),
        "PERFMON" => (
            Warning,
            "kernel performance monitoring: a kernel attack surface",
        ),
        "SYS_RESOURCE" => (Warning, "overrides resource limits and quotas"),
        "LINUX_IMMUTABLE" => (Warning, "changes immutable and append-only file flags"),
        "AUDIT_CONTROL" => (Warning, "changes the host's audit rules"),
        _ => return None,
    })
}

impl Rule for DangerousCapabilityAdded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            for (v, path) in s.string_items("cap_add") {
                if !v.known() {
                    continue;
                }
                let cap = normalize_capability(&v.value);
                let Some((severity, why)) = danger(&cap, &s) else {
                    continue;
                };
                let mut f = self
                    .finding(cx, path, format!("`{}` adds the capability `{cap}`", s.name))
                    .label(why)
                    .service(s.name)
                    .help(if cap == "ALL" {
                        "add only the capabilities the service needs, by name; better: `cap_drop: [ALL]` and add back the few it needs"
                    } else {
                        "remove it if the service can do without; otherwise keep it deliberate and suppress this finding inline with the reason"
                    })
                    .build();
                f.severity = severity;
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG402", yaml))
    }

    fn severities(yaml: &str) -> Vec<String> {
        crate::lint::rules::cg401_privileged_container::tests_support::severities("CG402", yaml)
    }

    #[test]
    fn dangerous_capabilities() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    cap_add: [SYS_ADMIN, cap_sys_module, CAP_ALL, ALL]\n"
            ),
            ["CG402@4", "CG402@4", "CG402@4"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    cap_add:\n      - NET_ADMIN\n      - SYS_PTRACE\n      - dac_read_search\n"
            ),
            ["CG402@5", "CG402@6", "CG402@7"]
        );
        assert_eq!(
            severities(
                "services:\n  a:\n    image: x\n    cap_add: [NET_ADMIN, SYS_PTRACE, SYS_MODULE]\n"
            ),
            ["warning", "warning", "error"]
        );
        assert_eq!(
            severities(
                "services:\n  a:\n    image: x\n    pid: host\n    network_mode: host\n    cap_add: [NET_ADMIN, SYS_PTRACE]\n"
            ),
            ["error", "error"]
        );
    }

    #[test]
    fn harmless_capabilities() {
        assert!(run("services:\n  a:\n    image: x\n    cap_drop: [ALL]\n    cap_add: [CHOWN, SETUID, SETGID, NET_BIND_SERVICE, IPC_LOCK, SYS_NICE]\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    cap_add: ['${CAP}']\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    cap_drop: [SYS_ADMIN]\n").is_empty());
    }
}
