use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg201_undeclared_volume::is_partial_file;
use crate::lint::view::effective_networks;
use crate::lint::view::scalar;
use crate::yaml::Kind;

declare_rule! {
    /// ## What it does
    /// Reports a service that publishes ports (`ports:`) while every network it joins is
    /// declared `internal: true`.
    ///
    /// Only networks declared in this file with the `bridge` driver (the default) count; an
    /// external network, or one whose `internal` or `driver` has an unset variable, makes the
    /// service unknown. Services with `network_mode` or `extends` are not checked, nor are
    /// files merged with another (with `include:`, named `*override*`, or with a service that
    /// has neither `image`, `build` nor `extends`).
    ///
    /// ## Why is this bad?
    /// Docker does not publish ports of a container whose networks are all internal
    /// (moby/moby#36174): Compose accepts the file and starts the container, `docker compose
    /// ps` shows no published port, and connections to the host port are refused. Either the
    /// port is unreachable by mistake, or the network is not as isolated as intended.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   admin:
    ///     image: example/admin:1.8.0
    ///     ports: ["127.0.0.1:8080:8080"]
    ///     networks: [private]
    /// networks:
    ///   private:
    ///     internal: true
    /// ```
    ///
    /// ## Use instead
    /// Also attach the service to a network that is not internal (it then reaches the outside
    /// through that network), or drop the published port:
    /// ```yaml
    /// services:
    ///   admin:
    ///     image: example/admin:1.8.0
    ///     ports: ["127.0.0.1:8080:8080"]
    ///     networks: [private, edge]
    /// networks:
    ///   private:
    ///     internal: true
    ///   edge:
    /// ```
    pub struct PortsOnInternalNetwork {
        code: "CG508",
        name: "ports-on-internal-network",
        category: Network,
        severity: Warning,
        summary: "a service publishes ports but joins only `internal: true` networks",
    }
}

/// Some(true) when a declared network is internal, Some(false) when not, None when unknown.
fn internal(cx: &Context<'_>, name: &str) -> Option<bool> {
    let compose = cx.compose();
    let declared = compose.section("networks");
    let Some((_, node, _)) = declared.iter().find(|(k, _, _)| *k == name) else {
        // `default` without a declaration is a plain bridge network.
        return (name == "default").then_some(false);
    };
    let get = |key: &str| node.get(key).and_then(|n| scalar(n, cx.env));
    if node
        .get("external")
        .is_some_and(|e| !matches!(e.kind, Kind::Bool(false)))
    {
        return None;
    }
    match get("driver") {
        Some(d) if !d.known() => return None,
        Some(d) if d.value != "bridge" && !d.value.is_empty() => return None,
        _ => {}
    }
    match get("internal") {
        None => Some(false),
        Some(v) if !v.known() => None,
        Some(v) => Some(matches!(
            v.value.to_ascii_lowercase().as_str(),
            "true" | "yes" | "1"
        )),
    }
}

impl Rule for PortsOnInternalNetwork {
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
            if s.get("network_mode").is_some() {
                continue;
            }
            let ports = s.ports();
            if !ports.iter().any(|p| p.error.is_none() && !p.unknown) {
                continue;
            }
            let Some(networks) = effective_networks(&services, s) else {
                continue;
            };
            if networks.is_empty() || !networks.iter().all(|n| internal(cx, n) == Some(true)) {
                continue;
            }
            let names = crate::lint::finding::name_list(&networks);
            let mut f = self
                .finding(
                    cx,
                    s.at("ports"),
                    format!(
                        "service `{}` publishes ports but joins only internal networks ({names}): Docker does not publish them",
                        s.name
                    ),
                )
                .on_key()
                .label("unreachable from the host")
                .service(s.name)
                .help("attach the service to a network that is not `internal` as well (a reverse proxy's network, or `default`), or remove `ports:` if the service must stay isolated");
            for n in &networks {
                f = f.related(
                    cx.file,
                    crate::yaml::Path::root()
                        .key("networks")
                        .key(n)
                        .key("internal"),
                    format!("`{n}` is internal"),
                );
            }
            out.push(f.build());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG508", yaml))
    }

    #[test]
    fn only_internal_networks() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    ports: ['8080:80']\n    networks: [private]\nnetworks:\n  private:\n    internal: true\n"
            ),
            ["CG508@4"]
        );
        // An internal default network.
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    ports: ['80']\nnetworks:\n  default:\n    internal: true\n"
            ),
            ["CG508@4"]
        );
    }

    #[test]
    fn reachable_or_unknown() {
        assert!(run("services:\n  a:\n    image: x\n    ports: ['8080:80']\n    networks: [private, edge]\nnetworks:\n  private:\n    internal: true\n  edge:\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    ports: ['8080:80']\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    ports: ['8080:80']\n    networks: [ext]\nnetworks:\n  ext:\n    external: true\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    ports: ['8080:80']\n    networks: [o]\nnetworks:\n  o:\n    driver: overlay\n    internal: true\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    networks: [private]\nnetworks:\n  private:\n    internal: true\n").is_empty());
    }
}
