//! Typed views of a compose document for rules: services, ports, mounts, environment, each with
//! the symbolic path it came from. Views interpolate values (`${VAR:-default}` takes its
//! default) and say when a value is unknown because a variable is unset.

use super::interpolate::{Env, Interpolated, interpolate};
use crate::yaml::{Kind, Node, Path};

/// A compose document.
#[derive(Clone, Copy)]
pub struct Compose<'a> {
    /// Its root node.
    pub root: &'a Node,
    /// Variables for interpolation.
    pub env: &'a Env,
}

/// A scalar as a string, interpolated. Numbers and booleans are written as YAML would.
pub fn scalar(node: &Node, env: &Env) -> Option<Interpolated> {
    let text = match &node.kind {
        Kind::Str(s) => return Some(interpolate(s, env)),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => f.to_string(),
        Kind::Bool(b) => b.to_string(),
        Kind::Null | Kind::Seq(_) | Kind::Map(_) => return None,
    };
    Some(Interpolated {
        value: text,
        unset: Vec::new(),
        required: Vec::new(),
        interpolated: false,
    })
}

/// Entries of a mapping node with their paths.
pub fn entries<'a>(node: &'a Node, at: &Path) -> Vec<(&'a str, &'a Node, Path)> {
    match &node.kind {
        Kind::Map(m) => m
            .iter()
            .filter_map(|(k, v)| k.as_str().map(|name| (name, v, at.key(name))))
            .collect(),
        _ => Vec::new(),
    }
}

/// Items of a sequence node with their paths.
pub fn items<'a>(node: &'a Node, at: &Path) -> Vec<(&'a Node, Path)> {
    match &node.kind {
        Kind::Seq(s) => s
            .iter()
            .enumerate()
            .map(|(i, n)| (n, at.index(i)))
            .collect(),
        _ => Vec::new(),
    }
}

impl<'a> Compose<'a> {
    /// The services, in document order.
    pub fn services(&self) -> Vec<Service<'a>> {
        let Some(services) = self.root.get("services") else {
            return Vec::new();
        };
        entries(services, &Path::root().key("services"))
            .into_iter()
            .filter(|(_, node, _)| matches!(node.kind, Kind::Map(_)))
            .map(|(name, node, path)| Service {
                name,
                node,
                path,
                env: self.env,
            })
            .collect()
    }

    /// One service by name.
    pub fn service(&self, name: &str) -> Option<Service<'a>> {
        self.services().into_iter().find(|s| s.name == name)
    }

    /// Entries of a top-level section (`volumes`, `networks`, `secrets`, `configs`).
    pub fn section(&self, key: &str) -> Vec<(&'a str, &'a Node, Path)> {
        match self.root.get(key) {
            Some(n) => entries(n, &Path::root().key(key)),
            None => Vec::new(),
        }
    }
}

/// One service.
#[derive(Clone)]
pub struct Service<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its mapping.
    pub node: &'a Node,
    /// `services.NAME`.
    pub path: Path,
    env: &'a Env,
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    /// Where it is written.
    pub path: Path,
    /// The text as written (interpolated), for messages.
    pub raw: String,
    /// Host address; None means all interfaces.
    pub host_ip: Option<String>,
    /// Host port range; None means an ephemeral port chosen by Docker.
    pub published: Option<(u32, u32)>,
    /// Container port range.
    pub target: (u32, u32),
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    /// A variable in it is unset: the port is unknown.
    pub unknown: bool,
    /// Why it is invalid, if it is.
    pub error: Option<String>,
    /// The node is a plain scalar (for the YAML 1.1 base-60 check).
    pub plain_scalar: bool,
}

/// What a mount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    /// A named volume.
    Volume,
    /// A host path.
    Bind,
    /// tmpfs.
    Tmpfs,
    /// An anonymous volume (target only).
    Anonymous,
    /// npipe, cluster, image …
    Other,
}

/// A mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Where it is written.
    pub path: Path,
    /// Kind.
    pub kind: MountKind,
    /// Volume name or host path.
    pub source: Option<String>,
    /// Path in the container.
    pub target: String,
    /// Read-only.
    pub read_only: bool,
    /// A variable in it is unset.
    pub unknown: bool,
    /// Why it is invalid, if it is.
    pub error: Option<String>,
}

/// An environment variable.
#[derive(Debug, Clone)]
pub struct EnvVar {
    /// Where it is written.
    pub path: Path,
    /// Name.
    pub name: String,
    /// Value as written (before interpolation); None when inherited (`- NAME`) or null.
    pub raw: Option<String>,
    /// Interpolated value.
    pub value: Option<Interpolated>,
}

impl<'a> Service<'a> {
    /// A key of the service.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }

    /// Path of a key of the service.
    pub fn at(&self, key: &str) -> Path {
        self.path.key(key)
    }

    /// A scalar key, interpolated.
    pub fn str(&self, key: &str) -> Option<Interpolated> {
        self.get(key).and_then(|n| scalar(n, self.env))
    }

    /// A node at a dotted sub-path (`deploy.resources.limits.memory`).
    pub fn node_at(&self, dotted: &str) -> Option<(&'a Node, Path)> {
        let mut node = self.node;
        let mut path = self.path.clone();
        for key in dotted.split('.') {
            node = node.get(key)?;
            path = path.key(key);
        }
        Some((node, path))
    }

    /// A boolean key (`true`, or the strings Compose accepts).
    pub fn flag(&self, key: &str) -> bool {
        match self.get(key).map(|n| &n.kind) {
            Some(Kind::Bool(b)) => *b,
            Some(Kind::Str(s)) => matches!(
                interpolate(s, self.env).value.to_ascii_lowercase().as_str(),
                "true" | "yes" | "1"
            ),
            _ => false,
        }
    }

    /// The image reference, interpolated.
    pub fn image(&self) -> Option<(Interpolated, Path)> {
        self.str("image").map(|v| (v, self.at("image")))
    }

    /// Image repository without registry port, tag or digest, lowercased: `library/postgres`
    /// and `docker.io/postgres` become `postgres`.
    pub fn image_repository(&self) -> Option<String> {
        let (img, _) = self.image()?;
        Some(repository(&img.value))
    }

    /// Replica count: `deploy.replicas`, else `scale`.
    pub fn replicas(&self) -> Option<u64> {
        let n = self
            .node_at("deploy.replicas")
            .map(|(n, _)| n)
            .or_else(|| self.get("scale"))?;
        match &n.kind {
            Kind::Int(i) => u64::try_from(*i).ok(),
            Kind::Str(s) => interpolate(s, self.env).value.trim().parse().ok(),
            _ => None,
        }
    }

    /// Compose profiles the service belongs to (empty: always enabled).
    pub fn profiles(&self) -> Vec<String> {
        self.get("profiles")
            .map(|n| {
                items(n, &self.at("profiles"))
                    .into_iter()
                    .filter_map(|(n, _)| scalar(n, self.env).map(|v| v.value))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Published ports.
    pub fn ports(&self) -> Vec<PortSpec> {
        let Some(ports) = self.get("ports") else {
            return Vec::new();
        };
        items(ports, &self.at("ports"))
            .into_iter()
            .map(|(n, path)| match &n.kind {
                Kind::Map(_) => long_port(n, path, self.env),
                _ => {
                    let v = scalar(n, self.env).unwrap_or_else(|| interpolate("", self.env));
                    let mut p = short_port(&v.value, path);
                    p.unknown = !v.known();
                    p.plain_scalar = n.plain;
                    p
                }
            })
            .collect()
    }

    /// Mounts from `volumes` (short and long syntax); tmpfs from `tmpfs` too.
    pub fn mounts(&self) -> Vec<Mount> {
        let mut out = Vec::new();
        if let Some(vols) = self.get("volumes") {
            for (n, path) in items(vols, &self.at("volumes")) {
                out.push(match &n.kind {
                    Kind::Map(_) => long_mount(n, path, self.env),
                    _ => {
                        let v = scalar(n, self.env).unwrap_or_else(|| interpolate("", self.env));
                        let mut m = short_mount(&v.value, path);
                        m.unknown = !v.known();
                        m
                    }
                });
            }
        }
        if let Some(t) = self.get("tmpfs") {
            let list = match &t.kind {
                Kind::Seq(_) => items(t, &self.at("tmpfs")),
                _ => vec![(t, self.at("tmpfs"))],
            };
            for (n, path) in list {
                if let Some(v) = scalar(n, self.env) {
                    let target = v.value.split(':').next().unwrap_or_default().to_string();
                    out.push(Mount {
                        path,
                        kind: MountKind::Tmpfs,
                        source: None,
                        target,
                        read_only: false,
                        unknown: !v.known(),
                        error: None,
                    });
                }
            }
        }
        out
    }

    /// Environment variables (list or mapping form).
    pub fn environment(&self) -> Vec<EnvVar> {
        let Some(env) = self.get("environment") else {
            return Vec::new();
        };
        let at = self.at("environment");
        match &env.kind {
            Kind::Map(_) => entries(env, &at)
                .into_iter()
                .map(|(name, n, path)| {
                    let value = scalar(n, self.env);
                    EnvVar {
                        path,
                        name: name.to_string(),
                        raw: match &n.kind {
                            Kind::Str(s) => Some(s.clone()),
                            Kind::Null => None,
                            _ => value.as_ref().map(|v| v.value.clone()),
                        },
                        value,
                    }
                })
                .collect(),
            Kind::Seq(_) => items(env, &at)
                .into_iter()
                .filter_map(|(n, path)| {
                    let text = n.as_str()?.to_string();
                    Some(match text.split_once('=') {
                        Some((k, v)) => EnvVar {
                            path,
                            name: k.to_string(),
                            raw: Some(v.to_string()),
                            value: Some(interpolate(v, self.env)),
                        },
                        None => EnvVar {
                            path,
                            name: text,
                            raw: None,
                            value: None,
                        },
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Networks the service joins (list or mapping form), with paths.
    pub fn networks(&self) -> Vec<(String, Path)> {
        let Some(n) = self.get("networks") else {
            return Vec::new();
        };
        let at = self.at("networks");
        match &n.kind {
            Kind::Map(_) => entries(n, &at)
                .into_iter()
                .map(|(k, _, p)| (k.to_string(), p))
                .collect(),
            Kind::Seq(_) => items(n, &at)
                .into_iter()
                .filter_map(|(x, p)| x.as_str().map(|s| (s.to_string(), p)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Repository part of an image reference, lowercased, without `docker.io/` or `library/`.
pub fn repository(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    // A tag is after the last ':' that comes after the last '/'.
    let slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    let repo = match no_digest[slash..].rfind(':') {
        Some(i) => &no_digest[..slash + i],
        None => no_digest,
    };
    let repo = repo.to_ascii_lowercase();
    let repo = repo.strip_prefix("docker.io/").unwrap_or(&repo);
    let repo = repo.strip_prefix("index.docker.io/").unwrap_or(repo);
    repo.strip_prefix("library/").unwrap_or(repo).to_string()
}

/// The tag of an image reference, if any.
pub fn tag(image: &str) -> Option<&str> {
    let no_digest = image.split('@').next().unwrap_or(image);
    let slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    no_digest[slash..]
        .rfind(':')
        .map(|i| &no_digest[slash + i + 1..])
}

fn parse_range(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a, b),
        None => (s, s),
    };
    let a: u32 = a
        .trim()
        .parse()
        .map_err(|_| format!("invalid port {s:?}"))?;
    let b: u32 = b
        .trim()
        .parse()
        .map_err(|_| format!("invalid port range {s:?}"))?;
    if a > 65535 || b > 65535 {
        return Err(format!("port {s} is out of range (1-65535)"));
    }
    if b < a {
        return Err(format!(
            "invalid port range {s}: the end is before the start"
        ));
    }
    Ok((a, b))
}

/// Parse short port syntax: `[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTO]`.
pub fn short_port(raw: &str, path: Path) -> PortSpec {
    let mut spec = PortSpec {
        path,
        raw: raw.to_string(),
        host_ip: None,
        published: None,
        target: (0, 0),
        protocol: "tcp".into(),
        unknown: false,
        error: None,
        plain_scalar: false,
    };
    let (body, proto) = match raw.rsplit_once('/') {
        Some((b, p)) => (b, p.to_ascii_lowercase()),
        None => (raw, "tcp".to_string()),
    };
    spec.protocol = proto;
    if !matches!(spec.protocol.as_str(), "tcp" | "udp" | "sctp") {
        spec.error = Some(format!(
            "unknown protocol {:?} (tcp, udp or sctp)",
            spec.protocol
        ));
        return spec;
    }
    // Bracketed IPv6 host address.
    let (ip, rest) = if let Some(stripped) = body.strip_prefix('[') {
        match stripped.split_once("]:") {
            Some((ip, rest)) => (Some(ip.to_string()), rest.to_string()),
            None => {
                spec.error = Some(format!("invalid IPv6 address in {raw:?}"));
                return spec;
            }
        }
    } else {
        (None, body.to_string())
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (host_ip, host, container) = match (ip, parts.as_slice()) {
        (Some(ip), [h, c]) => (Some(ip), Some(*h), *c),
        (Some(ip), [c]) => (Some(ip), None, *c),
        (None, [c]) => (None, None, *c),
        (None, [h, c]) => (None, Some(*h), *c),
        (None, [i, h, c]) => (Some(i.to_string()), Some(*h), *c),
        (None, many) if many.len() > 3 => (
            Some(many[..many.len() - 2].join(":")),
            Some(many[many.len() - 2]),
            many[many.len() - 1],
        ),
        _ => {
            spec.error = Some(format!("invalid port {raw:?}"));
            return spec;
        }
    };
    spec.host_ip = host_ip.filter(|i| !i.is_empty());
    match parse_range(container) {
        Ok(r) if r.0 == 0 => spec.error = Some("container port 0 is invalid".into()),
        Ok(r) => spec.target = r,
        Err(e) => {
            spec.error = Some(e);
            return spec;
        }
    }
    if let Some(h) = host.filter(|h| !h.is_empty()) {
        match parse_range(h) {
            Ok(r) => {
                let hl = r.1 - r.0;
                let cl = spec.target.1 - spec.target.0;
                if hl != cl && cl != 0 {
                    spec.error = Some(format!(
                        "host range {h} and container range {container} differ in length"
                    ));
                }
                spec.published = if r.0 == 0 { None } else { Some(r) };
            }
            Err(e) => spec.error = Some(e),
        }
    }
    if let Some(ip) = &spec.host_ip
        && ip.parse::<std::net::IpAddr>().is_err()
    {
        spec.error = Some(format!("invalid host address {ip:?}"));
    }
    spec
}

fn long_port(n: &Node, path: Path, env: &Env) -> PortSpec {
    let get = |k: &str| n.get(k).and_then(|x| scalar(x, env));
    let target = get("target");
    let published = get("published");
    let host_ip = get("host_ip");
    let unknown = [&target, &published, &host_ip]
        .iter()
        .any(|v| v.as_ref().is_some_and(|v| !v.known()));
    let mut spec = PortSpec {
        path,
        raw: format!(
            "{}{}{}",
            host_ip
                .as_ref()
                .map(|v| format!("{}:", v.value))
                .unwrap_or_default(),
            published
                .as_ref()
                .map(|v| format!("{}:", v.value))
                .unwrap_or_default(),
            target.as_ref().map(|v| v.value.clone()).unwrap_or_default()
        ),
        host_ip: host_ip.map(|v| v.value).filter(|v| !v.is_empty()),
        published: None,
        target: (0, 0),
        protocol: get("protocol")
            .map(|v| v.value.to_ascii_lowercase())
            .unwrap_or_else(|| "tcp".into()),
        unknown,
        error: None,
        plain_scalar: false,
    };
    match target.map(|t| parse_range(&t.value)) {
        Some(Ok(r)) if r.0 > 0 => spec.target = r,
        Some(Ok(_)) => spec.error = Some("container port 0 is invalid".into()),
        Some(Err(e)) => spec.error = Some(e),
        None => spec.error = Some("a long-syntax port needs `target`".into()),
    }
    if let Some(p) = published.filter(|p| !p.value.is_empty()) {
        match parse_range(&p.value) {
            Ok(r) if r.0 == 0 => {}
            Ok(r) => spec.published = Some(r),
            Err(e) => spec.error = Some(e),
        }
    }
    spec
}

fn is_path(source: &str) -> bool {
    source.starts_with(['.', '/', '~', '\\'])
        || (source.len() >= 2
            && source.as_bytes()[1] == b':'
            && source.as_bytes()[0].is_ascii_alphabetic())
}

/// Parse short volume syntax: `[SOURCE:]TARGET[:MODE]`.
pub fn short_mount(raw: &str, path: Path) -> Mount {
    let mut m = Mount {
        path,
        kind: MountKind::Anonymous,
        source: None,
        target: String::new(),
        read_only: false,
        unknown: false,
        error: None,
    };
    // Windows drive letters (`C:\x`) contain a colon; keep them with their part.
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = raw.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let drive = *c == ':'
            && current.len() == 1
            && current.chars().all(|x| x.is_ascii_alphabetic())
            && chars.get(i + 1).is_some_and(|n| *n == '\\' || *n == '/');
        if *c == ':' && !drive {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(*c);
        }
    }
    parts.push(current);
    if parts.iter().any(String::is_empty) {
        m.error = Some(format!(
            "invalid volume {raw:?}: empty section between colons"
        ));
        return m;
    }
    match parts.as_slice() {
        [t] => m.target = t.clone(),
        [s, t] => {
            m.source = Some(s.clone());
            m.target = t.clone();
        }
        [s, t, mode] => {
            m.source = Some(s.clone());
            m.target = t.clone();
            m.read_only = mode.split(',').any(|o| o == "ro");
        }
        _ => {
            m.error = Some(format!("invalid volume {raw:?}: too many colons"));
            return m;
        }
    }
    m.kind = match &m.source {
        None => MountKind::Anonymous,
        Some(s) if is_path(s) => MountKind::Bind,
        Some(_) => MountKind::Volume,
    };
    m
}

fn long_mount(n: &Node, path: Path, env: &Env) -> Mount {
    let get = |k: &str| n.get(k).and_then(|x| scalar(x, env));
    let source = get("source");
    let target = get("target");
    let unknown = [&source, &target]
        .iter()
        .any(|v| v.as_ref().is_some_and(|v| !v.known()));
    let kind = match get("type").map(|t| t.value).as_deref() {
        Some("bind") => MountKind::Bind,
        Some("tmpfs") => MountKind::Tmpfs,
        Some("volume") if source.as_ref().is_none_or(|s| s.value.is_empty()) => {
            MountKind::Anonymous
        }
        Some("volume") => MountKind::Volume,
        _ => MountKind::Other,
    };
    let read_only = matches!(n.get("read_only").map(|x| &x.kind), Some(Kind::Bool(true)))
        || get("read_only").is_some_and(|v| v.value == "true");
    Mount {
        path,
        kind,
        source: source.map(|s| s.value).filter(|s| !s.is_empty()),
        target: target.map(|t| t.value).unwrap_or_default(),
        read_only,
        unknown,
        error: None,
    }
}

/// A host path of a bind mount, normalised: repeated `/` collapsed (`//var/run/docker.sock`),
/// `.` and `..` resolved, trailing `/` removed. Absolute paths start with `/`; paths in the home
/// directory keep their `~` (`~`, `~/x`). Relative (`./x`) and Windows paths give None.
pub fn normalize_host_path(source: &str) -> Option<String> {
    if source == "~" || source.starts_with("~/") {
        let rest = normalize_abs(&source[1..]);
        return Some(if rest == "/" {
            "~".to_string()
        } else {
            format!("~{rest}")
        });
    }
    source.starts_with('/').then(|| normalize_abs(source))
}

/// An absolute path in a container, normalised like [`normalize_host_path`]; a relative path
/// is taken from `/`.
pub fn normalize_container_path(target: &str) -> String {
    normalize_abs(&format!("/{target}"))
}

fn normalize_abs(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether normalised absolute path `ancestor` is `path` or one of its parents.
pub fn path_covers(ancestor: &str, path: &str) -> bool {
    ancestor == "/"
        || path == ancestor
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}

impl<'a> Compose<'a> {
    /// Whether the file pulls in other compose files with top-level `include:` (their services,
    /// volumes and networks become part of the project).
    pub fn has_include(&self) -> bool {
        self.root.get("include").is_some()
    }
}

impl<'a> Service<'a> {
    /// The words of `command` (a string is split at white space, quotes removed; a list is taken
    /// as is), interpolated. Empty when there is no command.
    pub fn command_words(&self) -> Vec<String> {
        self.words("command")
    }

    /// The words of `entrypoint`, like [`Service::command_words`].
    pub fn entrypoint_words(&self) -> Vec<String> {
        self.words("entrypoint")
    }

    fn words(&self, key: &str) -> Vec<String> {
        let Some(node) = self.get(key) else {
            return Vec::new();
        };
        match &node.kind {
            Kind::Seq(_) => items(node, &self.at(key))
                .into_iter()
                .filter_map(|(n, _)| scalar(n, self.env).map(|v| v.value))
                .collect(),
            Kind::Str(s) => split_words(&interpolate(s, self.env).value),
            _ => Vec::new(),
        }
    }

    /// `extends` names another service (in this file or, with `file:`, in another one): some
    /// of its settings come from there.
    pub fn extends(&self) -> bool {
        self.get("extends").is_some()
    }
}

/// Split a command line at white space, honouring single and double quotes (`--save ""` gives
/// an empty word).
pub fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            None => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: &str) -> PortSpec {
        short_port(raw, Path::root())
    }

    #[test]
    fn short_ports() {
        let x = p("8080:80");
        assert_eq!(
            (x.host_ip, x.published, x.target),
            (None, Some((8080, 8080)), (80, 80))
        );
        let x = p("127.0.0.1:5000-5010:5000-5010/udp");
        assert_eq!(x.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(x.published, Some((5000, 5010)));
        assert_eq!(x.protocol, "udp");
        let x = p("[::1]:6001:6001");
        assert_eq!(x.host_ip.as_deref(), Some("::1"));
        let x = p("9092");
        assert_eq!((x.published, x.target), (None, (9092, 9092)));
        let x = p("127.0.0.1::5000");
        assert_eq!((x.published, x.target), (None, (5000, 5000)));
        assert!(p("70000:80").error.is_some());
        assert!(p("80-70:80").error.is_some());
        assert!(p("8000-8001:80-82").error.is_some());
        assert!(p("8000-8005:80").error.is_none());
        assert!(p("abc").error.is_some());
        assert!(p("80/xyz").error.is_some());
    }

    #[test]
    fn short_mounts() {
        let m = short_mount("data:/var/lib/data:ro", Path::root());
        assert_eq!(
            (m.kind, m.source.as_deref(), m.target.as_str(), m.read_only),
            (MountKind::Volume, Some("data"), "/var/lib/data", true)
        );
        let m = short_mount("./conf:/etc/conf", Path::root());
        assert_eq!(m.kind, MountKind::Bind);
        let m = short_mount("/data", Path::root());
        assert_eq!(m.kind, MountKind::Anonymous);
        let m = short_mount(":/media/", Path::root());
        assert!(m.error.is_some());
        let m = short_mount("C:\\data:/data", Path::root());
        assert_eq!(
            (m.kind, m.source.as_deref()),
            (MountKind::Bind, Some("C:\\data"))
        );
    }

    #[test]
    fn repositories_and_tags() {
        assert_eq!(repository("postgres:16"), "postgres");
        assert_eq!(
            repository("docker.io/library/postgres:16@sha256:ab"),
            "postgres"
        );
        assert_eq!(
            repository("localhost:5000/team/app:1.0"),
            "localhost:5000/team/app"
        );
        assert_eq!(repository("grafana/grafana"), "grafana/grafana");
        assert_eq!(tag("localhost:5000/app"), None);
        assert_eq!(tag("redis:7-alpine"), Some("7-alpine"));
    }

    #[test]
    fn path_helpers() {
        assert_eq!(
            normalize_host_path("//var/run/docker.sock").as_deref(),
            Some("/var/run/docker.sock")
        );
        assert_eq!(
            normalize_host_path("/etc/../etc/./nginx/").as_deref(),
            Some("/etc/nginx")
        );
        assert_eq!(normalize_host_path("/").as_deref(), Some("/"));
        assert_eq!(normalize_host_path("~/").as_deref(), Some("~"));
        assert_eq!(normalize_host_path("~/.ssh").as_deref(), Some("~/.ssh"));
        assert_eq!(normalize_host_path("./data"), None);
        assert_eq!(
            normalize_container_path("/var/lib/mysql/"),
            "/var/lib/mysql"
        );
        assert!(path_covers("/var/lib", "/var/lib/mysql"));
        assert!(path_covers("/var/lib/mysql", "/var/lib/mysql"));
        assert!(!path_covers("/var/lib/my", "/var/lib/mysql"));
        assert!(path_covers("/", "/data"));
        assert_eq!(
            split_words(r#"redis-server --save "" --appendonly 'yes'"#),
            ["redis-server", "--save", "", "--appendonly", "yes"]
        );
    }
}
