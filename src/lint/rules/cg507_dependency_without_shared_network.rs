use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::finding::name_list;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg201_undeclared_volume::is_partial_file;
use crate::lint::view::{Compose, Service, ServiceRefKind};

declare_rule! {
    /// ## What it does
    /// Reports a service that depends on another (`depends_on` or `links`) when the two share
    /// no network, so that the dependent service cannot reach its dependency by name.
    ///
    /// A service joins the networks listed under its `networks:`, or the project's `default`
    /// network when it lists none. `network_mode: service:NAME` shares the networks of that
    /// service. Services with any other `network_mode` (`host`, `none`, `container:…`) or that
    /// `extends` another service are not checked, and neither are dependencies with
    /// `condition: service_completed_successfully` (a job that runs first, such as a
    /// migration, is not talked to). Two keys declared with the same `name:` are the same
    /// network. Files that are merged with another (with `include:`, named `*override*`, or
    /// with a service that has neither `image`, `build` nor `extends`) are not checked: the
    /// other file may add networks.
    ///
    /// ## Why is this bad?
    /// Services find each other through the DNS of the networks they share. Without a common
    /// network `db` does not resolve in `api`: the connection fails with `Name or service not
    /// known` even though Compose started `db` first. This usually happens when `networks:`
    /// is added to one service (which then leaves `default`) and not to the other.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     networks: [backend]
    ///     depends_on: [db]
    ///   db:
    ///     image: postgres:16.4
    /// networks:
    ///   backend:
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     networks: [backend]
    ///     depends_on: [db]
    ///   db:
    ///     image: postgres:16.4
    ///     networks: [backend]
    /// networks:
    ///   backend:
    /// ```
    pub struct DependencyWithoutSharedNetwork {
        code: "CG507",
        name: "dependency-without-shared-network",
        category: Network,
        severity: Warning,
        summary: "a service depends on another with which it shares no network",
    }
}

/// The networks a service is attached to (keys of the top-level `networks:`): those it lists,
/// `default` when it lists none, those of `NAME` with `network_mode: service:NAME`. None when
/// that cannot be known (`extends`, another `network_mode`, an unset variable).
pub fn effective_networks(services: &[Service<'_>], s: &Service<'_>) -> Option<Vec<String>> {
    let mut current = s.clone();
    for _ in 0..=services.len() {
        if current.extends() {
            return None;
        }
        match current.str("network_mode") {
            Some(mode) if !mode.known() => return None,
            Some(mode) if !mode.value.is_empty() => {
                let target = mode.value.strip_prefix("service:")?;
                current = services.iter().find(|t| t.name == target)?.clone();
                continue;
            }
            _ => {}
        }
        let names: Vec<String> = current
            .network_attachments()
            .into_iter()
            .map(|a| a.name)
            .collect();
        if let Some(n) = current.get("networks")
            && names.is_empty()
            && !matches!(&n.kind, crate::yaml::Kind::Null)
            && !is_empty_collection(n)
        {
            return None;
        }
        return Some(if names.is_empty() {
            vec!["default".to_string()]
        } else {
            names
        });
    }
    None
}

fn is_empty_collection(n: &crate::yaml::Node) -> bool {
    match &n.kind {
        crate::yaml::Kind::Seq(s) => s.is_empty(),
        crate::yaml::Kind::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// The name Docker gives a network key: its `name:` when set, else the key.
pub fn identity(compose: &Compose<'_>, key: &str) -> String {
    compose
        .section("networks")
        .into_iter()
        .find(|(k, _, _)| *k == key)
        .and_then(|(_, n, _)| n.get("name").and_then(|x| x.as_str()).map(str::to_string))
        .unwrap_or_else(|| format!("\u{0}{key}"))
}

impl Rule for DependencyWithoutSharedNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        if is_partial_file(cx, &compose) {
            return;
        }
        let services = compose.services();
        for s in &services {
            let Some(mine) = effective_networks(&services, s) else {
                continue;
            };
            let my_ids: Vec<String> = mine.iter().map(|n| identity(&compose, n)).collect();
            for r in s.service_refs() {
                if r.unknown
                    || !matches!(r.kind, ServiceRefKind::DependsOn | ServiceRefKind::Links)
                    || r.condition.as_deref() == Some("service_completed_successfully")
                {
                    continue;
                }
                let Some(target) = compose.service_index(&r.service).map(|i| &services[i]) else {
                    continue;
                };
                let Some(theirs) = effective_networks(&services, target) else {
                    continue;
                };
                if theirs
                    .iter()
                    .any(|n| my_ids.contains(&identity(&compose, n)))
                {
                    continue;
                }
                let related = if target.get("networks").is_some() {
                    target.at("networks")
                } else {
                    target.path.clone()
                };
                let mut f = self
                    .finding(
                        cx,
                        r.path.clone(),
                        format!(
                            "service `{}` depends on `{}` but they share no network (`{}` is on {}, `{}` on {})",
                            s.name,
                            target.name,
                            s.name,
                            name_list(&mine),
                            target.name,
                            name_list(&theirs)
                        ),
                    )
                    .label(format!("`{}` does not resolve here", target.name))
                    .service(s.name)
                    .related(cx.file, related, format!("`{}` joins {}", target.name, name_list(&theirs)))
                    .help(format!(
                        "put both services on a common network (add one of {} to `{}`, or one of {} to `{}`); if `{}` only needs `{}` to start first and never connects to it, suppress this finding",
                        name_list(&theirs),
                        s.name,
                        name_list(&mine),
                        target.name,
                        s.name,
                        target.name
                    ));
                if r.kind == ServiceRefKind::DependsOn && !r.short {
                    f = f.on_key();
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
        codes(&lint_rule("CG507", yaml))
    }

    #[test]
    fn no_shared_network() {
        // One service left `default` by listing networks.
        assert_eq!(
            run(
                "services:\n  api:\n    image: x\n    networks: [backend]\n    depends_on: [db]\n  db:\n    image: y\nnetworks:\n  backend:\n"
            ),
            ["CG507@5"]
        );
        // Both explicit, disjoint; links too.
        assert_eq!(
            run(
                "services:\n  api:\n    image: x\n    networks: [front]\n    links: [db]\n  db:\n    image: y\n    networks: [back]\nnetworks:\n  front:\n  back:\n"
            ),
            ["CG507@5"]
        );
        // Through network_mode: service:
        assert_eq!(
            run(
                "services:\n  api:\n    image: x\n    network_mode: service:vpn\n    depends_on: [db]\n  vpn:\n    image: v\n    networks: [front]\n  db:\n    image: y\n    networks: [back]\nnetworks:\n  front:\n  back:\n"
            ),
            ["CG507@5"]
        );
    }

    #[test]
    fn shared_or_unknown() {
        assert!(
            run("services:\n  api:\n    image: x\n    depends_on: [db]\n  db:\n    image: y\n")
                .is_empty()
        );
        assert!(run("services:\n  api:\n    image: x\n    networks: [default, backend]\n    depends_on: [db]\n  db:\n    image: y\nnetworks:\n  backend:\n").is_empty());
        // Same Docker network under two keys.
        assert!(run("services:\n  api:\n    image: x\n    networks: [a]\n    depends_on: [db]\n  db:\n    image: y\n    networks: [b]\nnetworks:\n  a:\n    name: shared\n  b:\n    name: shared\n    external: true\n").is_empty());
        // Host networking, jobs, extends, merged files.
        assert!(run("services:\n  api:\n    image: x\n    network_mode: host\n    depends_on: [db]\n  db:\n    image: y\n    networks: [back]\nnetworks:\n  back:\n").is_empty());
        assert!(run("services:\n  api:\n    image: x\n    networks: [front]\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n  migrate:\n    image: y\nnetworks:\n  front:\n").is_empty());
        assert!(run("services:\n  api:\n    image: x\n    networks: [front]\n    depends_on: [db]\n  db:\n    extends: {file: base.yaml, service: db}\nnetworks:\n  front:\n").is_empty());
    }
}
