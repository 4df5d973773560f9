use crate::compose::Target;
use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{HostScope, entries};

declare_rule! {
    /// ## What it does
    /// With `composegen lint --target swarm`, reports what `docker stack deploy` loads and then
    /// ignores: the service keys it prints as "Ignoring unsupported options" (`build`,
    /// `cgroupns_mode`, `cgroup_parent`, `devices`, `domainname`, `external_links`, `ipc`,
    /// `links`, `mac_address`, `network_mode`, `pid`, `privileged`, `restart`, `security_opt`,
    /// `shm_size`, `userns_mode`) or as deprecated (`container_name`, `expose`), a host address
    /// on a published port, and a fixed `ipv4_address`/`ipv6_address`. Off for the compose
    /// target (the default), where Docker Compose honours all of them.
    ///
    /// ## Why is this bad?
    /// The file deploys, but not as written: `restart: unless-stopped` does not restart
    /// anything (swarm reads `deploy.restart_policy`), `security_opt:
    /// [no-new-privileges:true]` and `privileged` are dropped, `build` builds nothing (every
    /// node pulls `image`), and `127.0.0.1:5432:5432` is published on every interface of every
    /// node of the swarm, since the routing mesh has no host address. A database meant for the
    /// local machine only is open to the network.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     container_name: db
    ///     restart: unless-stopped
    ///     ports:
    ///       - "127.0.0.1:5432:5432"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     deploy:
    ///       restart_policy:
    ///         condition: any
    ///     # no published port: reach it from a container on an attachable network
    /// ```
    pub struct KeyIgnoredBySwarm {
        code: "CG901",
        name: "key-ignored-by-swarm",
        category: Swarm,
        severity: Warning,
        summary: "`docker stack deploy` ignores this key (with --target swarm)",
    }
}

/// Service keys docker/cli's stack loader ignores (`cli/compose/types`: `UnsupportedProperties`
/// and `DeprecatedProperties`), with what swarm honours instead.
pub const IGNORED: &[(&str, &str)] = &[
    (
        "build",
        "build and push the image, and name it in `image`: every node pulls it",
    ),
    (
        "cgroupns_mode",
        "swarm services have no cgroup namespace mode; remove it",
    ),
    (
        "cgroup_parent",
        "swarm services have no cgroup parent; remove it",
    ),
    (
        "container_name",
        "swarm names tasks STACK_SERVICE.N.ID; other services reach it by service name",
    ),
    (
        "devices",
        "swarm services cannot map devices; remove it or run the container outside the swarm",
    ),
    ("domainname", "remove it"),
    (
        "expose",
        "remove it: services on a shared network reach every port",
    ),
    (
        "external_links",
        "attach the service to the other stack's network (external: true)",
    ),
    ("ipc", "swarm services have no IPC mode; remove it"),
    (
        "links",
        "remove it: services on a shared network reach each other by name",
    ),
    ("mac_address", "remove it"),
    (
        "network_mode",
        "attach the service to an overlay network under `networks`",
    ),
    ("pid", "swarm services have no PID mode; remove it"),
    (
        "privileged",
        "swarm services cannot be privileged; grant only the capabilities it needs with `cap_add`",
    ),
    (
        "restart",
        "write `deploy.restart_policy` (condition: any, on-failure or none)",
    ),
    (
        "security_opt",
        "swarm services take no security options (no-new-privileges, seccomp, AppArmor profiles): harden the image instead",
    ),
    ("shm_size", "mount a tmpfs at /dev/shm instead"),
    ("userns_mode", "remove it"),
];

/// The lint target from the settings is swarm.
pub fn for_swarm(cx: &Context<'_>) -> bool {
    cx.settings.target == Target::Swarm
}

impl Rule for KeyIgnoredBySwarm {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !for_swarm(cx) {
            return;
        }
        for s in cx.compose().services() {
            for (key, help) in IGNORED {
                if s.get(key).is_none() {
                    continue;
                }
                out.push(
                    self.finding(
                        cx,
                        s.at(key),
                        format!(
                            "`docker stack deploy` ignores `{key}` of service `{}`",
                            s.name
                        ),
                    )
                    .on_key()
                    .label("ignored by swarm")
                    .service(s.name)
                    .help(*help)
                    .build(),
                );
            }
            for p in s.ports() {
                // 0.0.0.0 and :: already mean every interface.
                let Some(ip) = p.host_ip.as_ref() else {
                    continue;
                };
                if p.host_scope() == Some(HostScope::Everywhere) {
                    continue;
                }
                out.push(
                    self.finding(
                        cx,
                        p.path.clone(),
                        format!(
                            "swarm ignores the host address {ip} of port `{}` of service `{}`: it is published on every interface of every node",
                            p.raw, s.name
                        ),
                    )
                    .label("published on 0.0.0.0")
                    .service(s.name)
                    .help("remove the published port and reach the service from a container on an attachable network, or accept that every node publishes it")
                    .build(),
                );
            }
            if let Some(nets) = s.get("networks") {
                for (net, attach, at) in entries(nets, &s.at("networks")) {
                    for key in ["ipv4_address", "ipv6_address"] {
                        if attach.get(key).is_some() {
                            out.push(
                                self.finding(
                                    cx,
                                    at.key(key),
                                    format!(
                                        "swarm ignores the fixed `{key}` of service `{}` on network `{net}`",
                                        s.name
                                    ),
                                )
                                .on_key()
                                .label("ignored by swarm")
                                .service(s.name)
                                .help("swarm assigns task addresses: address the service by name")
                                .build(),
                            );
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compose::interpolate::Env;
    use crate::lint::testing::{codes, lint_rule, lint_rule_target};

    const FILE: &str = "services:\n  a:\n    image: x\n    restart: always\n    container_name: a\n    ports: [\"127.0.0.1:80:80\", \"81:81\", \"0.0.0.0:82:82\"]\n    networks:\n      n: {ipv4_address: 10.0.0.2}\nnetworks:\n  n: {}\n";

    #[test]
    fn swarm_target_reports_ignored_keys() {
        assert_eq!(
            codes(&lint_rule_target(
                "CG901",
                FILE,
                Env::empty(),
                crate::compose::Target::Swarm
            )),
            ["CG901@4", "CG901@5", "CG901@6", "CG901@8"]
        );
        assert!(
            lint_rule_target(
                "CG901",
                "services:\n  a:\n    image: x\n    deploy: {restart_policy: {condition: any}}\n",
                Env::empty(),
                crate::compose::Target::Swarm
            )
            .is_empty()
        );
    }

    #[test]
    fn compose_target_reports_nothing() {
        assert!(lint_rule("CG901", FILE).is_empty());
    }
}
