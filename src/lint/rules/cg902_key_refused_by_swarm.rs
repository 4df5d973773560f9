use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::yaml::{Kind, Path};

use super::cg901_key_ignored_by_swarm::for_swarm;

declare_rule! {
    /// ## What it does
    /// With `composegen lint --target swarm`, reports what makes `docker stack deploy` (and
    /// `docker stack config`) refuse the file: a top-level key other than `version`,
    /// `services`, `networks`, `volumes`, `secrets`, `configs` and `x-…` (a project `name`,
    /// `include`), a `version` below 3, a secret or config from `environment` or `content`, a
    /// service key its compose schema (v3.13) does not have (`profiles`,
    /// `pids_limit`, `mem_limit`, `cpus`, `extends`, `volumes_from`, `develop`, …), and
    /// `depends_on` written as a mapping with conditions. Off for the compose target (the
    /// default).
    ///
    /// ## Why is this bad?
    /// The stack does not deploy: `docker stack deploy` stops at the first of them
    /// ("Additional property name is not allowed", "services.web.depends_on must be a list",
    /// "Compose file contains unsupported options"). A file Docker Compose runs is not
    /// necessarily a stack file.
    ///
    /// ## Example
    /// ```yaml
    /// name: shop
    /// services:
    ///   web:
    ///     image: example/web:2.1.0
    ///     mem_limit: 512m
    ///     pids_limit: 200
    ///     depends_on:
    ///       db: {condition: service_healthy}
    ///   db:
    ///     image: postgres:16.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.1.0
    ///     deploy:
    ///       resources:
    ///         limits: {memory: 512m, pids: 200}
    ///       restart_policy: {condition: any}   # start-up order: retry until db answers
    ///   db:
    ///     image: postgres:16.4
    /// ```
    pub struct KeyRefusedBySwarm {
        code: "CG902",
        name: "key-refused-by-swarm",
        category: Swarm,
        severity: Error,
        summary: "`docker stack deploy` refuses this key (with --target swarm)",
    }
}

/// Top-level keys of docker/cli's stack schema (`config_schema_v3.13.json`), besides `x-…`.
const TOP_LEVEL: &[&str] = &[
    "version", "services", "networks", "volumes", "secrets", "configs",
];

/// Keys of a top-level secret and config in that schema, besides `x-…`.
const SECRET_KEYS: &[&str] = &[
    "name",
    "file",
    "external",
    "labels",
    "driver",
    "driver_opts",
    "template_driver",
];
const CONFIG_KEYS: &[&str] = &["name", "file", "external", "labels", "template_driver"];

/// Service keys of that schema.
const SERVICE_KEYS: &[&str] = &[
    "build",
    "cap_add",
    "cap_drop",
    "cgroupns_mode",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "credential_spec",
    "depends_on",
    "deploy",
    "devices",
    "dns",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "external_links",
    "extra_hosts",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "labels",
    "links",
    "logging",
    "mac_address",
    "network_mode",
    "networks",
    "oom_score_adj",
    "pid",
    "ports",
    "privileged",
    "read_only",
    "restart",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "userns_mode",
    "volumes",
    "working_dir",
];

/// What swarm has instead of a refused service key.
fn instead(key: &str) -> &'static str {
    match key {
        "pids_limit" => "write `deploy.resources.limits.pids`",
        "mem_limit" | "memswap_limit" | "mem_reservation" | "cpus" | "cpu_quota" | "cpu_shares"
        | "cpuset" | "cpu_count" | "cpu_percent" | "cpu_period" => {
            "write `deploy.resources.limits` / `reservations` (cpus, memory)"
        }
        "profiles" => {
            "swarm has no profiles: deploy the service with `deploy.replicas: 0` and scale it up when needed"
        }
        "extends" => "write the service out in full (`docker compose config` prints it merged)",
        "volumes_from" => "declare a named volume and mount it in each service",
        "scale" => "write `deploy.replicas`",
        _ => "remove it: the stack schema has no such key",
    }
}

impl Rule for KeyRefusedBySwarm {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !for_swarm(cx) {
            return;
        }
        if let Kind::Map(top) = &cx.root.kind {
            for (k, _) in top {
                let Some(key) = k.as_str() else { continue };
                if TOP_LEVEL.contains(&key) || key.starts_with("x-") {
                    continue;
                }
                out.push(
                    self.finding(
                        cx,
                        Path::root().key(key),
                        format!("`docker stack deploy` refuses the top-level `{key}`"),
                    )
                    .on_key()
                    .label("not in a stack file")
                    .help(if key == "name" {
                        "remove it: the stack is named on the command line, `docker stack deploy -c FILE NAME`".to_string()
                    } else {
                        format!("remove `{key}`: a stack file has only version, services, networks, volumes, secrets and configs")
                    })
                    .build(),
                );
            }
        }
        if let Some(v) = cx.root.get("version") {
            let text = match &v.kind {
                Kind::Str(t) => Some(t.clone()),
                Kind::Int(i) => Some(i.to_string()),
                Kind::Float(f) => Some(f.to_string()),
                _ => None,
            };
            let major = text
                .as_deref()
                .and_then(|t| t.split('.').next())
                .and_then(|m| m.trim().parse::<u32>().ok());
            if let (Some(t), Some(major)) = (text, major)
                && major < 3
            {
                out.push(
                    self.finding(
                        cx,
                        Path::root().key("version"),
                        format!("`docker stack deploy` refuses Compose file version {t}: it reads version 3 files"),
                    )
                    .label("unsupported Compose file version")
                    .help("remove `version` (or write \"3.8\") and check that the file uses only version 3 keys")
                    .build(),
                );
            }
        }
        for (section, allowed) in [("secrets", SECRET_KEYS), ("configs", CONFIG_KEYS)] {
            for (name, node, at) in cx.compose().section(section) {
                let Kind::Map(keys) = &node.kind else {
                    continue;
                };
                for (k, _) in keys {
                    let Some(key) = k.as_str() else { continue };
                    if allowed.contains(&key) || key.starts_with("x-") {
                        continue;
                    }
                    out.push(
                        self.finding(
                            cx,
                            at.key(key),
                            format!("`docker stack deploy` refuses `{key}` of {section}.{name}"),
                        )
                        .on_key()
                        .label("not in a stack file")
                        .help(if key == "environment" || key == "content" {
                            "write the value into a file and point `file:` at it".to_string()
                        } else {
                            format!("remove `{key}`")
                        })
                        .build(),
                    );
                }
            }
        }
        for s in cx.compose().services() {
            let Kind::Map(keys) = &s.node.kind else {
                continue;
            };
            for (k, v) in keys {
                let Some(key) = k.as_str() else { continue };
                if key.starts_with("x-") {
                    continue;
                }
                if !SERVICE_KEYS.contains(&key) {
                    out.push(
                        self.finding(
                            cx,
                            s.at(key),
                            format!(
                                "`docker stack deploy` refuses `{key}` of service `{}`",
                                s.name
                            ),
                        )
                        .on_key()
                        .label("not in a stack file")
                        .service(s.name)
                        .help(instead(key))
                        .build(),
                    );
                } else if key == "depends_on" && matches!(v.kind, Kind::Map(_)) {
                    out.push(
                        self.finding(
                            cx,
                            s.at(key),
                            format!(
                                "`docker stack deploy` refuses `depends_on` with conditions (service `{}`): it must be a list",
                                s.name
                            ),
                        )
                        .on_key()
                        .label("must be a list")
                        .service(s.name)
                        .help("swarm has no start-up order: remove `depends_on` and let `deploy.restart_policy` restart the service until what it needs answers (its healthcheck tells)")
                        .build(),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compose::Target;
    use crate::compose::interpolate::Env;
    use crate::lint::testing::{codes, lint_rule, lint_rule_target};

    const FILE: &str = "name: shop\nversion: '2.4'\nsecrets:\n  s: {environment: S}\nservices:\n  a:\n    image: x\n    pids_limit: 100\n    depends_on:\n      b: {condition: service_healthy}\n    x-note: 1\n  b:\n    image: y\n    depends_on: [a]\n    profiles: [extra]\nx-common: {}\n";

    #[test]
    fn swarm_target_reports_refused_keys() {
        assert_eq!(
            codes(&lint_rule_target(
                "CG902",
                FILE,
                Env::empty(),
                Target::Swarm
            )),
            [
                "CG902@1", "CG902@2", "CG902@4", "CG902@8", "CG902@9", "CG902@15"
            ]
        );
    }

    #[test]
    fn compose_target_reports_nothing() {
        assert!(lint_rule("CG902", FILE).is_empty());
    }
}
