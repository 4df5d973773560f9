//! Published ports in short syntax, as compose-go reads them (`types.ParsePortConfig`, which calls
//! docker/go-connections `nat.ParsePortSpec`).
//!
//! The grammar:
//!
//! ```text
//! port      = [[ip ":"] [host] ":"] container ["/" protocol]
//! ip        = IPv4 | IPv6 | "[" IPv6 "]"
//! host      = range
//! container = range
//! range     = number ["-" number]          (ASCII digits, 0 to 65535, end >= start)
//! protocol  = "tcp" | "udp" | "sctp"       (any case; an empty one is tcp)
//! ```
//!
//! The text is split at every `:` (`splitParts`): one part is the container port, two are host
//! and container, three are IP, host and container, and with more the IP is all but the last two
//! parts joined (`::1:80:80` has IP `::1`). The protocol is what follows the first `/` of the
//! container part, up to a second `/` (`80/udp/x` is udp, as `SplitProtoPort` reads it). An empty
//! host (`127.0.0.1::80`) lets Docker pick one; a host range with a single container port
//! (`8000-8010:80`) is the range Docker picks from; otherwise host and container ranges have the
//! same length.
//!
//! Compose turns one short port into one long-syntax port per container port
//! ([`PortMapping::expand`]), and its unicity pass keys them by [`Port::key`].
//!
//! `nat.ParsePortSpec` accepts a container port 0; Docker cannot expose it, and composegen's
//! readers refuse it with [`check_target`].

use std::fmt;
use std::ops::Range;

/// A short-syntax port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMapping {
    /// Host address, brackets of IPv6 removed; empty for all interfaces.
    pub host_ip: String,
    /// Host port range; `None` when Docker picks one. `Some((0, 0))` when written `0`.
    pub published: Option<(u32, u32)>,
    /// Container port range.
    pub target: (u32, u32),
    /// `tcp`, `udp` or `sctp`, lowercase.
    pub protocol: String,
    /// Where each part is written in the text.
    pub spans: PortSpans,
}

/// Byte ranges of the parts of a short-syntax port within the text parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortSpans {
    /// The IP as written (brackets included).
    pub host_ip: Option<Range<usize>>,
    /// The host port or range.
    pub published: Option<Range<usize>>,
    /// The container port or range.
    pub target: Range<usize>,
    /// The protocol.
    pub protocol: Option<Range<usize>>,
}

/// One container port of a [`PortMapping`], as Compose's long syntax has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// Host address; empty for all interfaces.
    pub host_ip: String,
    /// Host port, or the range Docker picks from.
    pub published: Option<(u32, u32)>,
    /// Container port.
    pub target: u32,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

/// Why a port is not one Compose accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortError {
    /// Not an IP address.
    Ip(String),
    /// Nothing where the container port goes.
    NoContainerPort,
    /// Not a number (the part as written).
    NotANumber(String),
    /// A number above 65535 (the range as written).
    OutOfRange(String),
    /// A range whose end is before its start.
    Reversed(String),
    /// Host and container ranges of different lengths (host, container).
    Lengths(String, String),
    /// Not tcp, udp or sctp.
    Protocol(String),
    /// A container port 0.
    ZeroTarget,
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortError::Ip(ip) => write!(f, "invalid host address {ip:?}"),
            PortError::NoContainerPort => write!(f, "no container port"),
            PortError::NotANumber(s) => write!(f, "invalid port {s:?}"),
            PortError::OutOfRange(s) => write!(f, "port {s} is out of range (1-65535)"),
            PortError::Reversed(s) => {
                write!(f, "invalid port range {s}: the end is before the start")
            }
            PortError::Lengths(host, container) => write!(
                f,
                "host range {host} and container range {container} differ in length"
            ),
            PortError::Protocol(p) => write!(f, "unknown protocol {p:?} (tcp, udp or sctp)"),
            PortError::ZeroTarget => write!(f, "container port 0 is invalid"),
        }
    }
}

impl std::error::Error for PortError {}

/// A port or range (`80`, `8000-8010`), as `nat.ParsePortRange` reads it: ASCII digits, each
/// number at most 65535, the end not before the start.
pub fn parse_range(s: &str) -> Result<(u32, u32), PortError> {
    let number = |p: &str| -> Result<u32, PortError> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PortError::NotANumber(s.to_string()));
        }
        match p.parse::<u32>() {
            Ok(n) if n <= 65535 => Ok(n),
            _ => Err(PortError::OutOfRange(s.to_string())),
        }
    };
    let (a, b) = match s.split_once('-') {
        None => (number(s)?, number(s)?),
        Some((a, b)) => (number(a)?, number(b)?),
    };
    if b < a {
        return Err(PortError::Reversed(s.to_string()));
    }
    Ok((a, b))
}

/// A container port range that Docker can expose: not 0.
pub fn check_target(target: (u32, u32)) -> Result<(u32, u32), PortError> {
    if target.0 == 0 {
        return Err(PortError::ZeroTarget);
    }
    Ok(target)
}

/// Parse a short-syntax port (`nat.ParsePortSpec`).
pub fn parse_port(spec: &str) -> Result<PortMapping, PortError> {
    // splitParts: byte ranges of the IP, host and container parts.
    let colons: Vec<usize> = spec.match_indices(':').map(|(i, _)| i).collect();
    let n = colons.len() + 1;
    let part = |i: usize| -> Range<usize> {
        let start = if i == 0 { 0 } else { colons[i - 1] + 1 };
        let end = colons.get(i).copied().unwrap_or(spec.len());
        start..end
    };
    let container = part(n - 1);
    let (ip, host) = match n {
        1 => (None, None),
        2 => (None, Some(part(0))),
        _ => (Some(0..colons[n - 3]), Some(part(n - 2))),
    };
    // SplitProtoPort on the container part.
    let text = &spec[container.clone()];
    let mut pieces = text.split('/');
    let port = pieces.next().unwrap_or_default();
    let proto = pieces.next();
    let (target_span, protocol_span, protocol) = if text.is_empty() || port.is_empty() {
        (container.start..container.start, None, String::new())
    } else {
        let target_span = container.start..container.start + port.len();
        match proto {
            None | Some("") => (target_span, None, "tcp".to_string()),
            Some(p) => {
                let start = target_span.end + 1;
                (target_span, Some(start..start + p.len()), p.to_string())
            }
        }
    };
    let mut host_ip = ip.clone().map(|r| spec[r].to_string()).unwrap_or_default();
    if let Some(inner) = host_ip.strip_prefix('[') {
        host_ip = inner.strip_suffix(']').unwrap_or(&host_ip).to_string();
    }
    if !host_ip.is_empty() && host_ip.parse::<std::net::IpAddr>().is_err() {
        return Err(PortError::Ip(host_ip));
    }
    if target_span.is_empty() {
        return Err(PortError::NoContainerPort);
    }
    let container_text = &spec[target_span.clone()];
    let target = parse_range(container_text)?;
    let host = host.filter(|h| !h.is_empty());
    let published = match &host {
        Some(h) => Some(parse_range(&spec[h.clone()])?),
        None => None,
    };
    if let Some((hstart, hend)) = published
        && hend - hstart != target.1 - target.0
        && target.0 != target.1
    {
        let h = host
            .clone()
            .map(|h| spec[h].to_string())
            .unwrap_or_default();
        return Err(PortError::Lengths(h, container_text.to_string()));
    }
    let protocol = protocol.to_ascii_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(PortError::Protocol(protocol));
    }
    Ok(PortMapping {
        host_ip,
        published,
        target,
        protocol,
        spans: PortSpans {
            host_ip: ip,
            published: host,
            target: target_span,
            protocol: protocol_span,
        },
    })
}

impl PortMapping {
    /// One port per container port, in compose-go's order (sorted as `PORT/PROTOCOL` strings:
    /// `1000/tcp` before `998/tcp`). A host range with a single container port stays a range.
    pub fn expand(&self) -> Vec<Port> {
        let (start, end) = self.target;
        let mut out: Vec<Port> = (0..=end - start)
            .map(|i| Port {
                host_ip: self.host_ip.clone(),
                published: self.published.map(|(hstart, hend)| {
                    if start == end {
                        (hstart, hend)
                    } else {
                        (hstart + i, hstart + i)
                    }
                }),
                target: start + i,
                protocol: self.protocol.clone(),
            })
            .collect();
        out.sort_by_key(|p| format!("{}/{}", p.target, p.protocol));
        out
    }
}

/// A port or range as Compose prints it: `8080`, `8000-8010`.
pub fn format_range((start, end): (u32, u32)) -> String {
    if start == end {
        start.to_string()
    } else {
        format!("{start}-{end}")
    }
}

impl Port {
    /// The published port as Compose's long syntax has it (`"8080"`, `"8000-8010"`).
    pub fn published_text(&self) -> Option<String> {
        self.published.map(format_range)
    }

    /// compose-go's unicity key (`portIndexer`: `fmt.Sprintf("%s:%s:%d/%s")` of host IP,
    /// published port, target and protocol), host IP defaulting to `0.0.0.0`; a port without a
    /// published port prints Go's `%!s(<nil>)`.
    pub fn key(&self) -> String {
        let host = if self.host_ip.is_empty() {
            "0.0.0.0"
        } else {
            &self.host_ip
        };
        let published = self
            .published_text()
            .unwrap_or_else(|| "%!s(<nil>)".to_string());
        format!("{host}:{published}:{}/{}", self.target, self.protocol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PortMapping {
        parse_port(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn short_ports() {
        let x = p("8080:80");
        assert_eq!(
            (x.host_ip.as_str(), x.published, x.target),
            ("", Some((8080, 8080)), (80, 80))
        );
        let x = p("127.0.0.1:5000-5010:5000-5010/udp");
        assert_eq!(x.host_ip, "127.0.0.1");
        assert_eq!(x.published, Some((5000, 5010)));
        assert_eq!(x.protocol, "udp");
        assert_eq!(p("[::1]:6001:6001").host_ip, "::1");
        assert_eq!(p("::1:80:80").host_ip, "::1");
        let x = p("9092");
        assert_eq!((x.published, x.target), (None, (9092, 9092)));
        let x = p("127.0.0.1::5000");
        assert_eq!((x.published, x.target), (None, (5000, 5000)));
        assert_eq!(p("8000-8005:80").published, Some((8000, 8005)));
        assert_eq!(p("80:80/UDP").protocol, "udp");
        assert_eq!(p("9001/").protocol, "tcp");
        assert_eq!(p(":80").published, None);
        assert_eq!(p("0:80").published, Some((0, 0)));
        assert_eq!(
            p("80:0").target,
            (0, 0),
            "nat accepts it; check_target does not"
        );
        assert!(check_target((0, 0)).is_err());
    }

    #[test]
    fn where_the_copies_disagreed_nat_decides() {
        // The protocol is the second `/` field of the container part (SplitProtoPort).
        assert_eq!(p("80/udp/x").protocol, "udp");
        // Only ASCII digits: no sign, no spaces.
        assert!(parse_port("+80").is_err());
        assert!(parse_port(" 80").is_err());
        // `[::1]:80` splits at every colon: its IP is `[:`, not an address.
        assert!(parse_port("[::1]:80").is_err());
    }

    #[test]
    fn errors() {
        let e = |s: &str| parse_port(s).unwrap_err().to_string();
        assert_eq!(e("70000:80"), "port 70000 is out of range (1-65535)");
        assert_eq!(
            e("8000-8001:80-82"),
            "host range 8000-8001 and container range 80-82 differ in length"
        );
        assert_eq!(
            e("9010-9000:9010-9000"),
            "invalid port range 9010-9000: the end is before the start"
        );
        for bad in [
            "abc",
            "80:80:80:80",
            "80/foo",
            "80/icmp",
            "8000-8002:9000-9001",
            "",
            "/udp",
            "x:80",
            "999.1.1.1:80:80",
            "80-70:80",
            "90-80:80",
        ] {
            assert!(parse_port(bad).is_err(), "{bad}");
        }
        for good in [
            "80",
            "8080:80",
            "127.0.0.1:80:80/udp",
            "[::1]:81:81",
            "::1:80:80",
            "8000-8010:8000-8010",
            "8000-8001:9000",
            "127.0.0.1::82",
            ":80",
            "9001/tcp",
        ] {
            assert!(parse_port(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn spans_point_into_the_text() {
        let s = "127.0.0.1:8080:80/udp";
        let x = p(s);
        assert_eq!(&s[x.spans.host_ip.unwrap()], "127.0.0.1");
        assert_eq!(&s[x.spans.published.unwrap()], "8080");
        assert_eq!(&s[x.spans.target], "80");
        assert_eq!(&s[x.spans.protocol.unwrap()], "udp");
    }

    #[test]
    fn expanded_like_compose() {
        let ports = p("127.0.0.1:8080:80/UDP").expand();
        assert_eq!(
            ports,
            [Port {
                host_ip: "127.0.0.1".into(),
                published: Some((8080, 8080)),
                target: 80,
                protocol: "udp".into()
            }]
        );
        assert_eq!(ports[0].key(), "127.0.0.1:8080:80/udp");
        let targets: Vec<u32> = p("998-1001:998-1001")
            .expand()
            .iter()
            .map(|p| p.target)
            .collect();
        assert_eq!(targets, [1000, 1001, 998, 999]);
        let one = &p("8000-8001:80").expand()[0];
        assert_eq!(one.published_text().as_deref(), Some("8000-8001"));
        assert_eq!(p("80").expand()[0].key(), "0.0.0.0:%!s(<nil>):80/tcp");
    }
}
