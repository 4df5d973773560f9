use std::net::IpAddr;

use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{items, scalar};
use crate::yaml::{Kind, Node, Path};

declare_rule! {
    /// ## What it does
    /// Reports a static address (`networks: {NET: {ipv4_address: …}}` or `ipv6_address`) that
    /// Docker will refuse when it creates the container:
    ///
    /// - the address is not a valid IPv4 (for `ipv4_address`) or IPv6 (for `ipv6_address`)
    ///   address;
    /// - the network has no subnet of that address family under `ipam.config` (this includes
    ///   the implicit `default` network and any network declared without `ipam`);
    /// - the address lies outside every subnet of that family under `ipam.config`.
    ///
    /// An address may lie outside `ip_range` (which only restricts the addresses Docker picks
    /// itself). External networks, networks with a non-default `ipam.driver` or a `host`/`none`
    /// driver, undeclared networks (see CG505) and values with an unset variable are not
    /// checked.
    ///
    /// ## Why is this bad?
    /// Compose accepts the file, but `up` fails when it creates the container: `invalid IPv4
    /// address`, `no configured subnet or ip-range contain the IP address 10.0.0.5`, or `user
    /// specified IP address is supported only when connecting to networks with user configured
    /// subnets`. The service does not start.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   dns:
    ///     image: example/dns:2.0.4
    ///     networks:
    ///       lan:
    ///         ipv4_address: 10.0.0.53
    /// networks:
    ///   lan:
    ///     ipam:
    ///       config:
    ///         - subnet: 172.28.0.0/16
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   dns:
    ///     image: example/dns:2.0.4
    ///     networks:
    ///       lan:
    ///         ipv4_address: 172.28.0.53
    /// networks:
    ///   lan:
    ///     ipam:
    ///       config:
    ///         - subnet: 172.28.0.0/16
    /// ```
    pub struct StaticIpOutsideSubnet {
        code: "CG509",
        name: "static-ip-outside-subnet",
        category: Network,
        severity: Error,
        summary: "a static ipv4_address/ipv6_address that Docker will refuse for its network",
    }
}

/// A subnet in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subnet {
    /// The network address as written.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix: u8,
}

fn bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

impl Subnet {
    /// Parse `172.28.0.0/16` or `fd00::/64`.
    pub fn parse(s: &str) -> Option<Subnet> {
        let (addr, prefix) = s.trim().split_once('/')?;
        let addr: IpAddr = addr.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        let width = bits(addr).1;
        (prefix <= width).then_some(Subnet { addr, prefix })
    }

    /// Whether the subnet contains `ip` (same family, same leading bits).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ((a, wa), (b, wb)) = (bits(self.addr), bits(ip));
        if wa != wb {
            return false;
        }
        let shift = u32::from(wa - self.prefix);
        if shift >= 128 {
            return true;
        }
        (a >> shift) == (b >> shift)
    }
}

/// What an address is checked against: a declared network's IPAM configuration.
pub struct Ipam {
    /// Subnets with their paths.
    pub subnets: Vec<(Subnet, Path)>,
    /// Gateways with their paths.
    pub gateways: Vec<(IpAddr, Path)>,
}

/// The IPAM configuration of network `name`, or None when its addresses cannot be checked
/// (external, another IPAM driver or network driver, a value with an unset variable or that does
/// not parse, or a network that is not declared other than `default`).
pub fn ipam(cx: &Context<'_>, name: &str) -> Option<Ipam> {
    let compose = cx.compose();
    let declared = compose.section("networks");
    let Some((_, node, path)) = declared.into_iter().find(|(k, _, _)| *k == name) else {
        return (name == "default").then(|| Ipam {
            subnets: Vec::new(),
            gateways: Vec::new(),
        });
    };
    let get = |n: &Node, key: &str| n.get(key).and_then(|x| scalar(x, cx.env));
    if node
        .get("external")
        .is_some_and(|e| !matches!(e.kind, Kind::Bool(false) | Kind::Null))
    {
        return None;
    }
    if let Some(d) = get(node, "driver")
        && (!d.known() || matches!(d.value.as_str(), "host" | "none"))
    {
        return None;
    }
    let mut out = Ipam {
        subnets: Vec::new(),
        gateways: Vec::new(),
    };
    let Some(ipam) = node.get("ipam") else {
        return Some(out);
    };
    if let Some(d) = get(ipam, "driver")
        && (!d.known() || (d.value != "default" && !d.value.is_empty()))
    {
        return None;
    }
    let Some(config) = ipam.get("config") else {
        return Some(out);
    };
    for (entry, at) in items(config, &path.key("ipam").key("config")) {
        if let Some(subnet) = get(entry, "subnet") {
            if !subnet.known() {
                return None;
            }
            out.subnets
                .push((Subnet::parse(&subnet.value)?, at.key("subnet")));
        }
        if let Some(gateway) = get(entry, "gateway") {
            if !gateway.known() {
                return None;
            }
            out.gateways
                .push((gateway.value.trim().parse().ok()?, at.key("gateway")));
        }
    }
    Some(out)
}

/// A static address of a service: (network, family key, address, path).
pub struct StaticAddress {
    /// The network's key.
    pub network: String,
    /// `ipv4_address` or `ipv6_address`.
    pub key: &'static str,
    /// The address as written (interpolated).
    pub text: String,
    /// Where.
    pub path: Path,
}

/// The static addresses a service sets whose value is known.
pub fn static_addresses(s: &crate::lint::view::Service<'_>) -> Vec<StaticAddress> {
    let mut out = Vec::new();
    for a in s.network_attachments() {
        for (key, value) in [
            ("ipv4_address", &a.ipv4_address),
            ("ipv6_address", &a.ipv6_address),
        ] {
            if let Some((v, path)) = value
                && v.known()
            {
                out.push(StaticAddress {
                    network: a.name.clone(),
                    key,
                    text: v.value.trim().to_string(),
                    path: path.clone(),
                });
            }
        }
    }
    out
}

/// The address parsed for its family (`ipv4_address` must be IPv4, `ipv6_address` IPv6).
pub fn parse_address(key: &str, text: &str) -> Option<IpAddr> {
    let ip: IpAddr = text.parse().ok()?;
    let family_ok = match ip {
        IpAddr::V4(_) => key == "ipv4_address",
        IpAddr::V6(_) => key == "ipv6_address",
    };
    (family_ok && !ip.is_unspecified()).then_some(ip)
}

impl Rule for StaticIpOutsideSubnet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            for a in static_addresses(&s) {
                let family = if a.key == "ipv4_address" {
                    "IPv4"
                } else {
                    "IPv6"
                };
                let Some(ip) = parse_address(a.key, &a.text) else {
                    out.push(
                        self.finding(
                            cx,
                            a.path.clone(),
                            format!(
                                "`{}: {}` of service `{}` is not a valid {family} address",
                                a.key, a.text, s.name
                            ),
                        )
                        .label(format!("not an {family} address"))
                        .service(s.name)
                        .help(format!(
                            "write an {family} address inside a subnet of network `{}`",
                            a.network
                        ))
                        .build(),
                    );
                    continue;
                };
                let Some(ipam) = ipam(cx, &a.network) else {
                    continue;
                };
                let same_family: Vec<&(Subnet, Path)> = ipam
                    .subnets
                    .iter()
                    .filter(|(sn, _)| sn.addr.is_ipv4() == ip.is_ipv4())
                    .collect();
                if same_family.is_empty() {
                    out.push(
                        self.finding(
                            cx,
                            a.path.clone(),
                            format!(
                                "service `{}` sets `{}: {}` on network `{}`, which has no {family} subnet configured",
                                s.name, a.key, a.text, a.network
                            ),
                        )
                        .label("no configured subnet")
                        .service(s.name)
                        .help(format!(
                            "Docker accepts a static address only on a network with a user-configured subnet: declare `{}` with `ipam: {{config: [{{subnet: …}}]}}` containing {}",
                            a.network, a.text
                        ))
                        .build(),
                    );
                    continue;
                }
                if same_family.iter().any(|(sn, _)| sn.contains(ip)) {
                    continue;
                }
                let shown = same_family
                    .iter()
                    .map(|(sn, _)| format!("{}/{}", sn.addr, sn.prefix))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut f = self
                    .finding(
                        cx,
                        a.path.clone(),
                        format!(
                            "`{}: {}` of service `{}` is outside the subnets of network `{}` ({shown})",
                            a.key, a.text, s.name, a.network
                        ),
                    )
                    .label("outside every subnet")
                    .service(s.name)
                    .help(format!(
                        "choose an address inside {shown}, or add a subnet containing {} to `ipam.config` of `{}`",
                        a.text, a.network
                    ));
                for (_, p) in &same_family {
                    f = f.related(cx.file, p.clone(), "subnet");
                }
                out.push(f.build());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Subnet;
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG509", yaml))
    }

    const NET: &str = "networks:\n  n:\n    ipam:\n      config:\n        - subnet: 172.28.0.0/16\n        - subnet: fd00:28::/64\n";

    fn svc(addr: &str) -> String {
        format!("services:\n  a:\n    image: x\n    networks:\n      n:\n        {addr}\n{NET}")
    }

    #[test]
    fn subnets() {
        let s = Subnet::parse("172.28.0.0/16").unwrap();
        assert!(s.contains("172.28.255.1".parse().unwrap()));
        assert!(!s.contains("172.29.0.1".parse().unwrap()));
        assert!(!s.contains("::1".parse().unwrap()));
        assert!(
            Subnet::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Subnet::parse("10.0.0.0/33").is_none());
    }

    #[test]
    fn refused_addresses() {
        assert_eq!(run(&svc("ipv4_address: 10.0.0.5")), ["CG509@6"]);
        assert_eq!(run(&svc("ipv6_address: fd00:29::5")), ["CG509@6"]);
        assert_eq!(run(&svc("ipv4_address: 300.1.1.1")), ["CG509@6"]);
        assert_eq!(run(&svc("ipv4_address: fd00:28::5")), ["CG509@6"]);
        // No subnet of that family, or no ipam at all, or the implicit default network.
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    networks:\n      n:\n        ipv6_address: fd00::5\nnetworks:\n  n:\n    ipam:\n      config:\n        - subnet: 172.28.0.0/16\n"
            ),
            ["CG509@6"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    networks:\n      n:\n        ipv4_address: 172.28.0.5\nnetworks:\n  n:\n"
            ),
            ["CG509@6"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    networks:\n      default:\n        ipv4_address: 172.28.0.5\n"
            ),
            ["CG509@6"]
        );
    }

    #[test]
    fn accepted_or_unknown() {
        assert!(run(&svc("ipv4_address: 172.28.5.5")).is_empty());
        assert!(run(&svc("ipv6_address: fd00:28::5")).is_empty());
        assert!(run(&svc("ipv4_address: ${IP}")).is_empty());
        assert!(run("services:\n  a:\n    image: x\n    networks:\n      n:\n        ipv4_address: 10.0.0.5\nnetworks:\n  n:\n    external: true\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    networks:\n      n:\n        ipv4_address: 10.0.0.5\nnetworks:\n  n:\n    ipam:\n      config:\n        - subnet: ${SUBNET}\n").is_empty());
    }
}
