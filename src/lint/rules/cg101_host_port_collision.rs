use std::collections::HashMap;

use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{PortSpec, Service};

declare_rule! {
    /// ## What it does
    /// Reports two services (or two entries of one service) that publish the same host port on
    /// addresses that overlap, for the same protocol, when they can run together.
    ///
    /// A published port is the triple (host address, host port, protocol). `0.0.0.0`, `::` and an
    /// omitted address mean every interface, so they collide with any specific address on the
    /// same port; `127.0.0.1:8080` and `192.168.1.5:8080` do not collide. `tcp` and `udp` never
    /// collide. Port ranges collide when they overlap. Short and long syntax are the same.
    /// `${VAR:-8080}` counts as its default; a port whose variable is unset without a default is
    /// unknown and never reported. A container-only port (`- "9092"`) gets an ephemeral host port
    /// and collides with nothing. Services in different compose profiles do not run together
    /// unless one of them has no profile.
    ///
    /// ## Why is this bad?
    /// The second container fails to start: `Bind for 0.0.0.0:8080 failed: port is already
    /// allocated`. Compose accepts the file, so the error appears only at `up`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   grafana:
    ///     image: grafana/grafana:11.3.1
    ///     ports: ["3000:3000"]
    ///   metabase:
    ///     image: metabase/metabase:v0.50.0
    ///     ports: ["3000:3000"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   grafana:
    ///     image: grafana/grafana:11.3.1
    ///     ports: ["3000:3000"]
    ///   metabase:
    ///     image: metabase/metabase:v0.50.0
    ///     ports: ["3001:3000"]
    /// ```
    pub struct HostPortCollision {
        code: "CG101",
        name: "host-port-collision",
        category: Ports,
        severity: Error,
        summary: "two services publish the same host port on overlapping addresses",
    }
}

/// Whether two host addresses overlap (None and unspecified addresses mean all interfaces).
pub fn addresses_overlap(a: Option<&str>, b: Option<&str>) -> bool {
    let any = |x: Option<&str>| match x {
        None => true,
        Some(ip) => ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_unspecified()),
    };
    if any(a) || any(b) {
        return true;
    }
    match (
        a.and_then(|x| x.parse::<std::net::IpAddr>().ok()),
        b.and_then(|x| x.parse::<std::net::IpAddr>().ok()),
    ) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Whether two services can run at the same time: a service without compose profiles always
/// runs; two profiled services run together when they share a profile.
pub fn can_run_together(a: &Service<'_>, b: &Service<'_>) -> bool {
    let (pa, pb) = (a.profiles(), b.profiles());
    pa.is_empty() || pb.is_empty() || pa.iter().any(|p| pb.contains(p))
}

fn overlap(a: &PortSpec, b: &PortSpec) -> Option<u32> {
    let (Some(x), Some(y)) = (a.published, b.published) else {
        return None;
    };
    if a.protocol != b.protocol || !addresses_overlap(a.host_ip.as_deref(), b.host_ip.as_deref()) {
        return None;
    }
    let lo = x.0.max(y.0);
    (lo <= x.1.min(y.1)).then_some(lo)
}

impl Rule for HostPortCollision {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = cx.compose().services();
        let profiles: Vec<Vec<String>> = services.iter().map(Service::profiles).collect();
        let together = |a: usize, b: usize| {
            let (pa, pb) = (&profiles[a], &profiles[b]);
            pa.is_empty() || pb.is_empty() || pa.iter().any(|p| pb.contains(p))
        };
        let mut published: Vec<(usize, PortSpec)> = Vec::new();
        for (i, s) in services.iter().enumerate() {
            for p in s.ports() {
                if p.error.is_none() && !p.unknown && p.published.is_some() {
                    published.push((i, p));
                }
            }
        }
        // Earlier entries by (protocol, host port), so that each entry is compared only with
        // the entries that publish one of its ports: linear in the number of ports, not
        // quadratic. A range is looked up port by port, or compared with every earlier entry
        // when that is fewer comparisons.
        let mut at_port: HashMap<(&str, u32), Vec<usize>> = HashMap::new();
        let mut ranges: Vec<usize> = Vec::new();
        for (j, (sj, pj)) in published.iter().enumerate() {
            let (lo, hi) = pj.published.unwrap_or_default();
            let mut candidates: Vec<usize> = if (hi - lo) as usize >= j {
                (0..j).collect()
            } else {
                let mut c: Vec<usize> = (lo..=hi)
                    .filter_map(|port| at_port.get(&(pj.protocol.as_str(), port)))
                    .flatten()
                    .copied()
                    .chain(ranges.iter().copied())
                    .collect();
                c.sort_unstable();
                c.dedup();
                c
            };
            candidates.retain(|&i| {
                let (si, pi) = &published[i];
                !(si == sj && pi.raw == pj.raw) // the same entry written twice: Compose de-duplicates it
                    && together(*si, *sj)
            });
            let found = candidates
                .into_iter()
                .find_map(|i| overlap(&published[i].1, pj).map(|port| (i, port)));
            if lo == hi {
                at_port
                    .entry((pj.protocol.as_str(), lo))
                    .or_default()
                    .push(j);
            } else {
                ranges.push(j);
            }
            let Some((i, port)) = found else {
                continue;
            };
            let (si, pi) = &published[i];
            let (first, second) = (services[*si].name, services[*sj].name);
            let message = if si == sj {
                format!(
                    "service `{second}` publishes host port {port}/{} twice",
                    pj.protocol
                )
            } else {
                format!(
                    "host port {port}/{} is published by both `{first}` and `{second}`",
                    pj.protocol
                )
            };
            out.push(
                self.finding(cx, pj.path.clone(), message)
                    .label(format!("host port {port} again"))
                    .service(second)
                    .related(cx.file, pi.path.clone(), format!("also published here by `{first}`"))
                    .help("give one of them another host port, or bind them to different host addresses")
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG101", yaml))
    }

    #[test]
    fn collisions() {
        assert_eq!(
            run(
                "services:\n  a: {image: x, ports: ['8080:80']}\n  b: {image: y, ports: ['8080:81']}\n"
            ),
            ["CG101@3"]
        );
        // Wildcard vs specific address.
        assert_eq!(
            run(
                "services:\n  a: {image: x, ports: ['0.0.0.0:80:80']}\n  b: {image: y, ports: ['127.0.0.1:80:80']}\n"
            ),
            ["CG101@3"]
        );
        // Ranges overlap.
        assert_eq!(
            run(
                "services:\n  a: {image: x, ports: ['9000-9010:9000-9010']}\n  b: {image: y, ports: ['9005:9005']}\n"
            ),
            ["CG101@3"]
        );
        // Long syntax against short.
        assert_eq!(
            run(
                "services:\n  a: {image: x, ports: [{target: 80, published: 8080}]}\n  b: {image: y, ports: ['8080:80']}\n"
            ),
            ["CG101@3"]
        );
        // Defaults of variables count.
        assert_eq!(
            run(
                "services:\n  a: {image: x, ports: ['${P:-8080}:80']}\n  b: {image: y, ports: ['8080:80']}\n"
            ),
            ["CG101@3"]
        );
    }

    #[test]
    fn no_collisions() {
        // Different specific addresses, protocols, container-only ports, unknown variables.
        assert!(run("services:\n  a: {image: x, ports: ['127.0.0.1:80:80']}\n  b: {image: y, ports: ['127.0.0.2:80:80']}\n").is_empty());
        assert!(run("services:\n  a: {image: x, ports: ['53:53/udp']}\n  b: {image: y, ports: ['53:53']}\n").is_empty());
        assert!(
            run("services:\n  a: {image: x, ports: ['9092']}\n  b: {image: y, ports: ['9092']}\n")
                .is_empty()
        );
        assert!(run("services:\n  a: {image: x, ports: ['${P}:80']}\n  b: {image: y, ports: ['${Q}:80']}\n").is_empty());
        // Different compose profiles never run together.
        assert!(run("services:\n  a: {image: x, profiles: [dev], ports: ['80:80']}\n  b: {image: y, profiles: [prod], ports: ['80:80']}\n").is_empty());
        // The same entry twice is de-duplicated by Compose.
        assert!(run("services:\n  a: {image: x, ports: ['80:80', '80:80']}\n").is_empty());
    }

    #[test]
    fn profiles_that_share_run_together() {
        assert_eq!(
            run(
                "services:\n  a: {image: x, profiles: [dev], ports: ['80:80']}\n  b: {image: y, ports: ['80:80']}\n"
            ),
            ["CG101@3"]
        );
    }
}
