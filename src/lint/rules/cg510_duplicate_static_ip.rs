use std::collections::HashMap;
use std::net::IpAddr;

use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg101_host_port_collision::can_run_together;
use crate::lint::rules::cg509_static_ip_outside_subnet::{ipam, parse_address, static_addresses};
use crate::yaml::Path;

declare_rule! {
    /// ## What it does
    /// Reports a static address (`ipv4_address`, `ipv6_address`) that is already taken on the
    /// same network: by another service (that can run at the same time: services in disjoint
    /// compose profiles never do), or by the network's gateway (`ipam.config[].gateway`).
    /// Addresses are compared as addresses (`fd00::5` and `fd00:0::5` are the same). Values
    /// with an unset variable are not checked; addresses that do not parse are CG509's.
    ///
    /// ## Why is this bad?
    /// Compose accepts the file, but the second container fails to start: `Address already in
    /// use`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   primary:
    ///     image: example/dns:2.0.4
    ///     networks:
    ///       lan: {ipv4_address: 172.28.0.53}
    ///   secondary:
    ///     image: example/dns:2.0.4
    ///     networks:
    ///       lan: {ipv4_address: 172.28.0.53}
    /// networks:
    ///   lan:
    ///     ipam:
    ///       config: [{subnet: 172.28.0.0/16}]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   primary:
    ///     image: example/dns:2.0.4
    ///     networks:
    ///       lan: {ipv4_address: 172.28.0.53}
    ///   secondary:
    ///     image: example/dns:2.0.4
    ///     networks:
    ///       lan: {ipv4_address: 172.28.0.54}
    /// networks:
    ///   lan:
    ///     ipam:
    ///       config: [{subnet: 172.28.0.0/16}]
    /// ```
    pub struct DuplicateStaticIp {
        code: "CG510",
        name: "duplicate-static-ip",
        category: Network,
        severity: Error,
        summary: "two services (or a service and the gateway) use the same static address on a network",
    }
}

impl Rule for DuplicateStaticIp {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = cx.compose().services();
        let mut seen: HashMap<(String, IpAddr), Vec<(usize, Path)>> = HashMap::new();
        for (i, s) in services.iter().enumerate() {
            for a in static_addresses(s) {
                let Some(ip) = parse_address(a.key, &a.text) else {
                    continue;
                };
                if let Some((j, first)) = seen.get(&(a.network.clone(), ip)).and_then(|earlier| {
                    earlier
                        .iter()
                        .find(|(j, _)| can_run_together(&services[*j], s))
                }) {
                    let other = services[*j].name;
                    out.push(
                        self.finding(
                            cx,
                            a.path.clone(),
                            format!(
                                "address {ip} on network `{}` is set for both `{other}` and `{}`",
                                a.network, s.name
                            ),
                        )
                        .label("address already taken")
                        .service(s.name)
                        .related(cx.file, first.clone(), format!("also set for `{other}`"))
                        .help("give each service its own address: the second container fails with `Address already in use`")
                        .build(),
                    );
                    continue;
                }
                if let Some(net) = ipam(cx, &a.network)
                    && let Some((_, gw)) = net.gateways.iter().find(|(g, _)| *g == ip)
                {
                    out.push(
                        self.finding(
                            cx,
                            a.path.clone(),
                            format!(
                                "address {ip} of service `{}` is the gateway of network `{}`",
                                s.name, a.network
                            ),
                        )
                        .label("the gateway's address")
                        .service(s.name)
                        .related(cx.file, gw.clone(), "gateway")
                        .help("choose another address: the gateway holds this one and the container fails with `Address already in use`")
                        .build(),
                    );
                }
                seen.entry((a.network.clone(), ip))
                    .or_default()
                    .push((i, a.path.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG510", yaml))
    }

    const NET: &str = "networks:\n  n:\n    ipam:\n      config:\n        - subnet: 172.28.0.0/16\n          gateway: 172.28.0.1\n  m:\n";

    #[test]
    fn duplicates() {
        let d = lint_rule(
            "CG510",
            &format!(
                "services:\n  a:\n    image: x\n    networks:\n      n: {{ipv4_address: 172.28.0.5}}\n  b:\n    image: x\n    networks:\n      n: {{ipv4_address: 172.28.0.5}}\n{NET}"
            ),
        );
        assert_eq!(codes(&d), ["CG510@9"]);
        assert_eq!(d[0].related[0].pos.line, 5);
        assert_eq!(
            run(&format!(
                "services:\n  a:\n    image: x\n    networks:\n      n: {{ipv4_address: 172.28.0.1}}\n{NET}"
            )),
            ["CG510@5"]
        );
        // IPv6 compared as addresses.
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    networks:\n      n: {ipv6_address: 'fd00::5'}\n  b:\n    image: x\n    networks:\n      n: {ipv6_address: 'fd00:0:0::5'}\nnetworks:\n  n:\n"
            ),
            ["CG510@9"]
        );
    }

    #[test]
    fn distinct() {
        assert!(run(&format!("services:\n  a:\n    image: x\n    networks:\n      n: {{ipv4_address: 172.28.0.5}}\n  b:\n    image: x\n    networks:\n      n: {{ipv4_address: 172.28.0.6}}\n{NET}")).is_empty());
        // Different networks, different profiles.
        assert!(run(&format!("services:\n  a:\n    image: x\n    networks:\n      n: {{ipv4_address: 172.28.0.5}}\n  b:\n    image: x\n    networks:\n      m: {{ipv4_address: 172.28.0.5}}\n{NET}")).is_empty());
        assert!(run(&format!("services:\n  a:\n    image: x\n    profiles: [x]\n    networks:\n      n: {{ipv4_address: 172.28.0.5}}\n  b:\n    image: x\n    profiles: [y]\n    networks:\n      n: {{ipv4_address: 172.28.0.5}}\n{NET}")).is_empty());
    }
}
