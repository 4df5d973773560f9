use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::finding::name_list;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg201_undeclared_volume::is_partial_file;
use crate::lint::view::{ServiceRefKind, effective_networks};

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
            let my_ids: Vec<String> = mine
                .iter()
                .map(|n| compose.resource_identity("networks", n))
                .collect();
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
                    .any(|n| my_ids.contains(&compose.resource_identity("networks", n)))
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
        // An external network is not prefixed: its key is its name, and so is a legacy
        // `external.name`.
        assert!(run("services:\n  api:\n    image: x\n    networks: [proxy]\n    depends_on: [db]\n  db:\n    image: y\n    networks: [edge]\nnetworks:\n  proxy:\n    external: true\n  edge:\n    name: proxy\n    external: true\n").is_empty());
        assert!(run("services:\n  api:\n    image: x\n    networks: [a]\n    depends_on: [db]\n  db:\n    image: y\n    networks: [b]\nnetworks:\n  a:\n    external:\n      name: traefik\n  b:\n    name: traefik\n").is_empty());
        // A project network whose key equals another's name is still another network.
        assert_eq!(run("services:\n  api:\n    image: x\n    networks: [proxy]\n    depends_on: [db]\n  db:\n    image: y\n    networks: [edge]\nnetworks:\n  proxy:\n  edge:\n    name: proxy\n").len(), 1);
        // Host networking, jobs, extends, merged files.
        assert!(run("services:\n  api:\n    image: x\n    network_mode: host\n    depends_on: [db]\n  db:\n    image: y\n    networks: [back]\nnetworks:\n  back:\n").is_empty());
        assert!(run("services:\n  api:\n    image: x\n    networks: [front]\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n  migrate:\n    image: y\nnetworks:\n  front:\n").is_empty());
        assert!(run("services:\n  api:\n    image: x\n    networks: [front]\n    depends_on: [db]\n  db:\n    extends: {file: base.yaml, service: db}\nnetworks:\n  front:\n").is_empty());
    }
}
