//! Typed views of a compose document for rules: services, ports, mounts, environment, each with
//! the symbolic path it came from. Values are already interpolated (`${VAR:-default}` takes its
//! default) and say when a value is unknown because a variable is unset.

use crate::compose::grammar::number::parse_float;
use crate::compose::grammar::ports::{check_target, parse_port, parse_range};
use crate::compose::grammar::size::ram_in_bytes;
use crate::compose::grammar::volumes::{VolumeType, parse_volume};
use crate::compose::grammar::words::{script_words, shell_words};
use crate::compose::interpolate::{Env, Interpolated};
use crate::yaml::{Kind, Node, Path, Seg};

/// A compose document.
#[derive(Clone, Copy)]
pub struct Compose<'a> {
    /// Its root node.
    pub root: &'a Node,
    /// Variables for interpolation.
    pub env: &'a Env,
    /// What rules look up across services, built once per project.
    pub index: &'a Index<'a>,
}

/// The per-project index rules share: services in document order and by name, and the
/// services another service waits for to complete. Built once (`Index::new`) before any rule
/// runs, so looking a service up or asking whether it is a one-shot job costs O(1) whatever
/// the size of the file.
pub struct Index<'a> {
    services: Vec<Service<'a>>,
    by_name: std::collections::HashMap<&'a str, usize>,
    awaited: std::collections::HashSet<String>,
    memo:
        std::cell::RefCell<std::collections::HashMap<&'static str, std::rc::Rc<dyn std::any::Any>>>,
}

impl<'a> Index<'a> {
    /// Index the services of `root`.
    pub fn new(root: &'a Node, env: &'a Env) -> Index<'a> {
        let services: Vec<Service<'a>> = match root.get("services") {
            Some(services) => entries(services, &Path::root().key("services"))
                .into_iter()
                .filter(|(_, node, _)| matches!(node.kind, Kind::Map(_)))
                .map(|(name, node, path)| Service {
                    name,
                    node,
                    path,
                    env,
                })
                .collect(),
            None => Vec::new(),
        };
        let mut by_name = std::collections::HashMap::with_capacity(services.len());
        for (i, s) in services.iter().enumerate() {
            // A duplicate key is reported elsewhere; the first one is the service.
            by_name.entry(s.name).or_insert(i);
        }
        let awaited = services
            .iter()
            .flat_map(|s| s.service_refs())
            .filter(|r| {
                r.kind == ServiceRefKind::DependsOn
                    && r.condition.as_deref() == Some("service_completed_successfully")
            })
            .map(|r| r.service)
            .collect();
        Index {
            services,
            by_name,
            awaited,
            memo: Default::default(),
        }
    }

    /// A fact derived from the whole project, computed by the first rule that asks for it and
    /// shared with the others (e.g. the credentials CG410 and CG411 both read). `key` names
    /// the fact; every caller of one key must ask for the same type.
    pub fn memo<T: 'static>(
        &self,
        key: &'static str,
        compute: impl FnOnce() -> T,
    ) -> std::rc::Rc<T> {
        if let Some(v) = self.memo.borrow().get(key) {
            return v.clone().downcast::<T>().expect("one type per memo key");
        }
        let v = std::rc::Rc::new(compute());
        self.memo.borrow_mut().insert(key, v.clone());
        v
    }
}

/// A scalar as a string. The engine interpolates the document before rules run, so this reads
/// the final value and what interpolation recorded (unset variables, the text as written).
/// Numbers and booleans are written as YAML would.
pub fn scalar(node: &Node, _env: &Env) -> Option<Interpolated> {
    let value = match &node.kind {
        Kind::Str(s) => s.clone(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => f.to_string(),
        Kind::Bool(b) => b.to_string(),
        Kind::Null | Kind::Seq(_) | Kind::Map(_) => return None,
    };
    Some(match &node.interp {
        Some(i) => Interpolated {
            value,
            unset: i.unset.clone(),
            required: i.required.clone(),
            interpolated: true,
        },
        None => Interpolated {
            value,
            unset: Vec::new(),
            required: Vec::new(),
            interpolated: false,
        },
    })
}

/// The text a scalar had before interpolation.
pub fn raw_text(node: &Node) -> Option<String> {
    match (&node.interp, &node.kind) {
        (Some(i), _) => Some(i.raw.clone()),
        (None, Kind::Str(s)) => Some(s.clone()),
        (None, Kind::Int(i)) => Some(i.to_string()),
        (None, Kind::Float(f)) => Some(f.to_string()),
        (None, Kind::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

fn empty() -> Interpolated {
    Interpolated {
        value: String::new(),
        unset: Vec::new(),
        required: Vec::new(),
        interpolated: false,
    }
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
        self.index.services.clone()
    }

    /// The position of a service in [`Compose::services`], by name, in O(1).
    pub fn service_index(&self, name: &str) -> Option<usize> {
        self.index.by_name.get(name).copied()
    }

    /// One service by name.
    pub fn service(&self, name: &str) -> Option<Service<'a>> {
        self.index
            .by_name
            .get(name)
            .map(|&i| self.index.services[i].clone())
    }

    /// Entries of a top-level section (`volumes`, `networks`, `secrets`, `configs`).
    pub fn section(&self, key: &str) -> Vec<(&'a str, &'a Node, Path)> {
        match self.root.get(key) {
            Some(n) => entries(n, &Path::root().key(key)),
            None => Vec::new(),
        }
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
            && !matches!(&n.kind, Kind::Null)
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
        Kind::Seq(s) => s.is_empty(),
        Kind::Map(m) => m.is_empty(),
        _ => false,
    }
}

impl Compose<'_> {
    /// The name Docker gives the top-level resource `key` of `section` (`networks`, `volumes`,
    /// `secrets`, `configs`), so that two keys naming the same resource compare equal: its
    /// `name:` when known; an external resource's key (or its legacy `external.name`), which
    /// Compose does not prefix with the project name; otherwise the key itself, which Compose
    /// prefixes, and which is distinct from every `name:`.
    pub fn resource_identity(&self, section: &'static str, key: &str) -> String {
        let memo_key = match section {
            "networks" => "identity.networks",
            "volumes" => "identity.volumes",
            "secrets" => "identity.secrets",
            _ => "identity.configs",
        };
        // Every key of the section at once, so a lookup costs O(1) in files with thousands.
        let ids = self.index.memo(memo_key, || {
            let mut ids: std::collections::HashMap<&str, String> = Default::default();
            for (k, node, _) in self.section(section) {
                // The first declaration wins, as Compose's reader finds it.
                ids.entry(k).or_insert_with(|| self.identity_of(k, node));
            }
            ids.into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<std::collections::HashMap<String, String>>()
        });
        ids.get(key)
            .cloned()
            .unwrap_or_else(|| format!("key:{key}"))
    }

    fn identity_of(&self, key: &str, node: &Node) -> String {
        let known = |n: Option<&Node>| {
            n.and_then(|n| scalar(n, self.env))
                .filter(|v| v.known() && !v.value.is_empty())
                .map(|v| v.value)
        };
        if let Some(name) = known(node.get("name")) {
            return format!("name:{name}");
        }
        match node.get("external").map(|e| &e.kind) {
            Some(Kind::Map(_)) => {
                let legacy = node.get("external").and_then(|e| e.get("name"));
                format!("name:{}", known(legacy).unwrap_or_else(|| key.to_string()))
            }
            Some(Kind::Bool(true)) => format!("name:{key}"),
            Some(Kind::Str(v)) if v.eq_ignore_ascii_case("true") => format!("name:{key}"),
            _ => format!("key:{key}"),
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

/// Where on the host a published port listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostScope {
    /// Every interface: no host address, `0.0.0.0` or `::`.
    Everywhere,
    /// A loopback address: only the host itself.
    Loopback,
    /// One other address of the host.
    Address(std::net::IpAddr),
}

impl PortSpec {
    /// Where the port listens on the host; None when the port is unknown (an unset variable),
    /// invalid, or its host address is not an IP address.
    pub fn host_scope(&self) -> Option<HostScope> {
        if self.unknown || self.error.is_some() {
            return None;
        }
        let text = self.host_ip.as_deref().unwrap_or_default().trim();
        if text.is_empty() {
            return Some(HostScope::Everywhere);
        }
        let ip: std::net::IpAddr = text
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .ok()?;
        Some(if ip.is_unspecified() {
            HostScope::Everywhere
        } else if ip.is_loopback() {
            HostScope::Loopback
        } else {
            HostScope::Address(ip)
        })
    }
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
    /// Bind propagation as written (`rshared`, `slave` …), short or long syntax.
    pub propagation: Option<String>,
}

impl Mount {
    /// The host path of a known, valid bind mount, normalised ([`normalize_host_path`]); None
    /// for other mounts and for relative paths.
    pub fn host_path(&self) -> Option<String> {
        if self.kind != MountKind::Bind || self.unknown || self.error.is_some() {
            return None;
        }
        self.source.as_deref().and_then(normalize_host_path)
    }
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
        for key in dotted.split('.') {
            node = node.get(key)?;
        }
        let mut path = self.path.clone();
        path.0
            .extend(dotted.split('.').map(|k| Seg::Key(k.to_string())));
        Some((node, path))
    }

    /// Whether a namespace key (`pid`, `ipc`, `uts`, `userns_mode`, `network_mode`, `cgroup`)
    /// is `host`.
    pub fn shares_host(&self, key: &str) -> bool {
        self.str(key)
            .is_some_and(|v| v.known() && v.value.trim().eq_ignore_ascii_case("host"))
    }

    /// How the service is reachable from other machines on one of its container `ports`
    /// (empty: any port), as (what, where it is written): `network_mode: host`, or a port
    /// published beyond loopback (without a host address or with a random host port, on
    /// `0.0.0.0`, `::` or another address of the host).
    pub fn reachable_from_network(&self, ports: &[u32]) -> Option<(String, Path)> {
        if self.shares_host("network_mode") {
            return Some(("the host's network".to_string(), self.at("network_mode")));
        }
        self.ports().into_iter().find_map(|p| {
            let port = if ports.is_empty() {
                p.target.0
            } else {
                *ports
                    .iter()
                    .find(|port| (p.target.0..=p.target.1).contains(port))?
            };
            match p.host_scope()? {
                HostScope::Loopback => None,
                HostScope::Address(ip) => Some((format!("port {port} published on {ip}"), p.path)),
                HostScope::Everywhere => {
                    Some((format!("port {port} published on every interface"), p.path))
                }
            }
        })
    }

    /// A boolean key (`true`, or the strings Compose accepts).
    pub fn flag(&self, key: &str) -> bool {
        match self.get(key).map(|n| &n.kind) {
            Some(Kind::Bool(b)) => *b,
            Some(Kind::Str(s)) => matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "1"),
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
            Kind::Str(s) => s.trim().parse().ok(),
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
                    let v = scalar(n, self.env).unwrap_or_else(empty);
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
                        let v = scalar(n, self.env).unwrap_or_else(empty);
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
                        propagation: None,
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
                        raw: raw_text(n),
                        value,
                    }
                })
                .collect(),
            Kind::Seq(_) => items(env, &at)
                .into_iter()
                .filter_map(|(n, path)| {
                    let text = n.as_str()?.to_string();
                    let written = raw_text(n).unwrap_or_else(|| text.clone());
                    Some(match text.split_once('=') {
                        Some((k, v)) => EnvVar {
                            path,
                            name: k.to_string(),
                            raw: Some(written.split_once('=').map_or(v, |(_, r)| r).to_string()),
                            value: scalar(n, self.env).map(|mut i| {
                                i.value = v.to_string();
                                i
                            }),
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

/// A short-syntax port ([`parse_port`]); host port 0 means Docker picks one.
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
    match parse_port(raw).and_then(|p| check_target(p.target).map(|_| p)) {
        Ok(p) => {
            spec.host_ip = Some(p.host_ip).filter(|ip| !ip.is_empty());
            spec.published = p.published.filter(|r| r.0 != 0);
            spec.target = p.target;
            spec.protocol = p.protocol;
        }
        Err(e) => spec.error = Some(e.to_string()),
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
    match target.map(|t| parse_range(&t.value).and_then(check_target)) {
        Some(Ok(r)) => spec.target = r,
        Some(Err(e)) => spec.error = Some(e.to_string()),
        None => spec.error = Some("a long-syntax port needs `target`".into()),
    }
    if let Some(p) = published.filter(|p| !p.value.is_empty()) {
        match parse_range(&p.value) {
            Ok(r) if r.0 == 0 => {}
            Ok(r) => spec.published = Some(r),
            Err(e) => spec.error = Some(e.to_string()),
        }
    }
    spec
}

/// A short-syntax volume ([`parse_volume`]).
pub fn short_mount(raw: &str, path: Path) -> Mount {
    let mut m = Mount {
        path,
        kind: MountKind::Anonymous,
        source: None,
        target: String::new(),
        read_only: false,
        unknown: false,
        error: None,
        propagation: None,
    };
    match parse_volume(raw) {
        Ok(v) => {
            m.kind = match v.kind {
                _ if v.source.is_empty() => MountKind::Anonymous,
                VolumeType::Bind => MountKind::Bind,
                VolumeType::Volume => MountKind::Volume,
            };
            m.source = Some(v.source).filter(|s| !s.is_empty());
            m.target = v.target;
            m.read_only = v.read_only;
            m.propagation = v.propagation;
        }
        Err(e) => m.error = Some(format!("invalid volume {raw:?}: {e}")),
    }
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
        propagation: n
            .get("bind")
            .and_then(|b| b.get("propagation"))
            .and_then(|p| scalar(p, env))
            .map(|p| p.value),
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

/// A named volume that its driver binds to a host path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostBoundVolume {
    /// The host path as written (interpolated).
    pub host_path: String,
    /// Where it is written: `volumes.NAME.driver_opts.device` (or `.mountpoint`).
    pub path: Path,
    /// `o:` includes `ro`.
    pub read_only: bool,
}

impl<'a> Compose<'a> {
    /// The host path a top-level volume is bound to, if it is: the `local` driver with
    /// `driver_opts: {o: bind, device: PATH}` (`type: none` or no type), or the
    /// `local-persist` plugin's `mountpoint`. None when the path has an unset variable.
    pub fn host_bound_volume(&self, name: &str) -> Option<HostBoundVolume> {
        self.host_bound_volumes().get(name).cloned()
    }

    /// Every top-level volume bound to a host path ([`Compose::host_bound_volume`]), by name,
    /// computed once per project.
    pub fn host_bound_volumes(
        &self,
    ) -> std::rc::Rc<std::collections::HashMap<String, HostBoundVolume>> {
        self.index.memo("host-bound-volumes", || {
            self.section("volumes")
                .into_iter()
                .filter_map(|(name, node, at)| {
                    self.bound_volume(node, at).map(|b| (name.to_string(), b))
                })
                .collect()
        })
    }

    fn bound_volume(&self, node: &Node, at: Path) -> Option<HostBoundVolume> {
        let opts = node.get("driver_opts")?;
        let get = |k: &str| opts.get(k).and_then(|x| scalar(x, self.env));
        let driver = node
            .get("driver")
            .and_then(|d| scalar(d, self.env))
            .map_or_else(|| "local".to_string(), |d| d.value);
        let at = at.key("driver_opts");
        let (key, read_only) = match driver.as_str() {
            "local" => {
                let o = get("o")?;
                let flags: Vec<&str> = o.value.split(',').map(str::trim).collect();
                let fs_type = get("type").map(|t| t.value).unwrap_or_default();
                if !flags.iter().any(|f| *f == "bind" || *f == "rbind")
                    || !matches!(fs_type.as_str(), "" | "none" | "bind")
                {
                    return None;
                }
                ("device", flags.contains(&"ro"))
            }
            "local-persist" => ("mountpoint", false),
            _ => return None,
        };
        let path = get(key).filter(|p| p.known() && !p.value.is_empty())?;
        Some(HostBoundVolume {
            host_path: path.value,
            path: at.key(key),
            read_only,
        })
    }
}

impl<'a> Service<'a> {
    /// The service's mounts as the host sees them: every mount as written (with None), then
    /// each mount of a named volume bound to a host path ([`Compose::host_bound_volume`]) as a
    /// bind mount of that path, located at the volume's `device` (or `mountpoint`), with the
    /// path of the service's own mount.
    pub fn host_mounts(&self, compose: &Compose<'_>) -> Vec<(Mount, Option<Path>)> {
        let mounts = self.mounts();
        let bound: Vec<(Mount, Option<Path>)> = if compose.host_bound_volumes().is_empty() {
            Vec::new()
        } else {
            mounts
                .iter()
                .filter(|m| m.kind == MountKind::Volume && !m.unknown && m.error.is_none())
                .filter_map(|m| {
                    let hb = compose.host_bound_volume(m.source.as_deref()?)?;
                    Some((
                        Mount {
                            path: hb.path,
                            kind: MountKind::Bind,
                            source: Some(hb.host_path),
                            target: m.target.clone(),
                            read_only: m.read_only || hb.read_only,
                            unknown: false,
                            error: None,
                            propagation: None,
                        },
                        Some(m.path.clone()),
                    ))
                })
                .collect()
        };
        mounts.into_iter().map(|m| (m, None)).chain(bound).collect()
    }
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
            Kind::Str(s) => shell_words(s).unwrap_or_else(|e| e.words),
            _ => Vec::new(),
        }
    }

    /// `extends` names another service (in this file or, with `file:`, in another one): some
    /// of its settings come from there.
    pub fn extends(&self) -> bool {
        self.get("extends").is_some()
    }
}

/// How a service refers to another service of the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceRefKind {
    /// `depends_on`.
    DependsOn,
    /// `links` (`SERVICE[:ALIAS]`).
    Links,
    /// `volumes_from` (`SERVICE[:MODE]`; `container:NAME` is not a service).
    VolumesFrom,
    /// `network_mode: service:NAME`.
    NetworkMode,
    /// `ipc: service:NAME`.
    Ipc,
    /// `pid: service:NAME`.
    Pid,
}

impl ServiceRefKind {
    /// The key it is written under.
    pub fn key(self) -> &'static str {
        match self {
            ServiceRefKind::DependsOn => "depends_on",
            ServiceRefKind::Links => "links",
            ServiceRefKind::VolumesFrom => "volumes_from",
            ServiceRefKind::NetworkMode => "network_mode",
            ServiceRefKind::Ipc => "ipc",
            ServiceRefKind::Pid => "pid",
        }
    }
}

/// A reference from one service to another: an explicit `depends_on` entry, or a dependency
/// that `links`, `volumes_from` and `network_mode`/`ipc`/`pid: service:NAME` imply.
#[derive(Debug, Clone)]
pub struct ServiceRef {
    /// The service referred to.
    pub service: String,
    /// Where it is written (for a `depends_on` mapping: the entry, whose key is the name).
    pub path: Path,
    /// Through what.
    pub kind: ServiceRefKind,
    /// `depends_on` long syntax: its `condition` (None in the list form).
    pub condition: Option<String>,
    /// `depends_on` long syntax `required: false` makes the dependency optional.
    pub required: bool,
    /// Written in the `depends_on` list form (`depends_on: [db]`).
    pub short: bool,
    /// A variable in the name is unset: the target is unknown.
    pub unknown: bool,
}

/// Whether a service has a healthcheck of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthcheckSetting {
    /// `healthcheck.test` is set (and is not `NONE`).
    Test,
    /// `healthcheck.disable: true`, or `test: [NONE]`: no healthcheck, even the image's.
    Disabled,
    /// No `healthcheck.test`: the image's HEALTHCHECK, if it has one, applies.
    FromImage,
}

/// A network a service joins, with its static addresses.
#[derive(Debug, Clone)]
pub struct NetworkAttachment {
    /// The network's key in the top-level `networks:`.
    pub name: String,
    /// `services.NAME.networks.NET` (mapping form) or `services.NAME.networks[i]`.
    pub path: Path,
    /// `ipv4_address`, interpolated, with its path.
    pub ipv4_address: Option<(Interpolated, Path)>,
    /// `ipv6_address`, interpolated, with its path.
    pub ipv6_address: Option<(Interpolated, Path)>,
}

impl<'a> Service<'a> {
    /// Every reference to another service: `depends_on` (both forms), `links`, `volumes_from`
    /// (not `container:`), and `network_mode`, `ipc` and `pid` of the form `service:NAME`.
    pub fn service_refs(&self) -> Vec<ServiceRef> {
        let reference =
            |service: String, path: Path, kind: ServiceRefKind, unknown: bool| ServiceRef {
                service,
                path,
                kind,
                condition: None,
                required: true,
                short: false,
                unknown,
            };
        let mut out = Vec::new();
        if let Some(deps) = self.get("depends_on") {
            let at = self.at("depends_on");
            match &deps.kind {
                Kind::Seq(_) => {
                    for (n, path) in items(deps, &at) {
                        if let Some(v) = scalar(n, self.env) {
                            let mut r = reference(
                                v.value.clone(),
                                path,
                                ServiceRefKind::DependsOn,
                                !v.known(),
                            );
                            r.short = true;
                            out.push(r);
                        }
                    }
                }
                Kind::Map(_) => {
                    for (name, n, path) in entries(deps, &at) {
                        let mut r =
                            reference(name.to_string(), path, ServiceRefKind::DependsOn, false);
                        r.condition = n
                            .get("condition")
                            .and_then(|c| scalar(c, self.env))
                            .map(|c| c.value);
                        r.required = match n.get("required").map(|x| &x.kind) {
                            Some(Kind::Bool(b)) => *b,
                            Some(Kind::Str(s)) => !s.eq_ignore_ascii_case("false"),
                            _ => true,
                        };
                        out.push(r);
                    }
                }
                _ => {}
            }
        }
        for (key, kind) in [
            ("links", ServiceRefKind::Links),
            ("volumes_from", ServiceRefKind::VolumesFrom),
        ] {
            let Some(list) = self.get(key) else { continue };
            for (n, path) in items(list, &self.at(key)) {
                let Some(v) = scalar(n, self.env) else {
                    continue;
                };
                if kind == ServiceRefKind::VolumesFrom && v.value.starts_with("container:") {
                    continue;
                }
                let target = v.value.split(':').next().unwrap_or_default().to_string();
                out.push(reference(target, path, kind, !v.known()));
            }
        }
        for (key, kind) in [
            ("network_mode", ServiceRefKind::NetworkMode),
            ("ipc", ServiceRefKind::Ipc),
            ("pid", ServiceRefKind::Pid),
        ] {
            if let Some(v) = self.str(key)
                && let Some(target) = v.value.strip_prefix("service:")
            {
                out.push(reference(
                    target.to_string(),
                    self.at(key),
                    kind,
                    !v.known(),
                ));
            }
        }
        out
    }

    /// Whether the service sets, disables, or inherits (from its image) a healthcheck.
    pub fn healthcheck_setting(&self) -> HealthcheckSetting {
        let Some(hc) = self.get("healthcheck") else {
            return HealthcheckSetting::FromImage;
        };
        let disabled = match hc.get("disable").map(|n| &n.kind) {
            Some(Kind::Bool(b)) => *b,
            Some(Kind::Str(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        };
        if disabled {
            return HealthcheckSetting::Disabled;
        }
        match hc.get("test").map(|n| &n.kind) {
            None | Some(Kind::Null) => HealthcheckSetting::FromImage,
            Some(Kind::Seq(s)) if s.first().and_then(Node::as_str) == Some("NONE") => {
                HealthcheckSetting::Disabled
            }
            Some(Kind::Seq(s)) if s.is_empty() => HealthcheckSetting::FromImage,
            Some(Kind::Str(s)) if s.trim() == "NONE" => HealthcheckSetting::Disabled,
            Some(Kind::Str(s)) if s.trim().is_empty() => HealthcheckSetting::FromImage,
            _ => HealthcheckSetting::Test,
        }
    }

    /// The networks the service joins as written (list or mapping form), with static addresses.
    /// Empty when it has no `networks:` (it then joins `default`, unless `network_mode` is set).
    pub fn network_attachments(&self) -> Vec<NetworkAttachment> {
        let Some(n) = self.get("networks") else {
            return Vec::new();
        };
        let at = self.at("networks");
        match &n.kind {
            Kind::Map(_) => entries(n, &at)
                .into_iter()
                .map(|(name, cfg, path)| {
                    let address = |key: &str| {
                        cfg.get(key)
                            .and_then(|a| scalar(a, self.env))
                            .filter(|a| !a.value.is_empty())
                            .map(|a| (a, path.key(key)))
                    };
                    NetworkAttachment {
                        name: name.to_string(),
                        ipv4_address: address("ipv4_address"),
                        ipv6_address: address("ipv6_address"),
                        path,
                    }
                })
                .collect(),
            Kind::Seq(_) => items(n, &at)
                .into_iter()
                .filter_map(|(x, path)| {
                    x.as_str().map(|s| NetworkAttachment {
                        name: s.to_string(),
                        path,
                        ipv4_address: None,
                        ipv6_address: None,
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A byte size (`mem_limit`, `deploy.resources.limits.memory` …) as Docker Compose decodes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ByteSize {
    /// Where it is written.
    pub path: Path,
    /// The value as written (interpolated), for messages.
    pub raw: String,
    /// Bytes; None when unknown (an unset variable) or invalid (Compose rejects the file).
    pub bytes: Option<i64>,
    /// A variable in it is unset.
    pub unknown: bool,
    /// Written as a YAML float (`1.5`): Compose ignores it, as if it were 0 (no limit).
    pub float: bool,
}

/// A CPU count (`cpus`, `deploy.resources.limits.cpus`) as Docker Compose decodes it.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuCount {
    /// Where it is written.
    pub path: Path,
    /// The value as written (interpolated), for messages.
    pub raw: String,
    /// CPUs; None when unknown or invalid.
    pub cpus: Option<f64>,
    /// A variable in it is unset.
    pub unknown: bool,
}

impl<'a> Service<'a> {
    /// A byte size at a dotted path (`mem_limit`, `deploy.resources.limits.memory`): an integer
    /// is bytes, a string is read by [`ram_in_bytes`], a float is ignored by Compose.
    pub fn byte_size(&self, dotted: &str) -> Option<ByteSize> {
        let (node, path) = self.node_at(dotted)?;
        let v = scalar(node, self.env)?;
        let unknown = !v.known();
        let float = matches!(node.kind, Kind::Float(_));
        let bytes = match &node.kind {
            _ if unknown => None,
            Kind::Int(i) => Some(*i),
            Kind::Float(_) => Some(0),
            Kind::Str(s) => ram_in_bytes(s),
            _ => None,
        };
        Some(ByteSize {
            path,
            raw: v.value,
            bytes,
            unknown,
            float,
        })
    }

    /// A CPU count at a dotted path (`cpus`, `deploy.resources.limits.cpus`).
    pub fn cpu_count(&self, dotted: &str) -> Option<CpuCount> {
        let (node, path) = self.node_at(dotted)?;
        let v = scalar(node, self.env)?;
        let unknown = !v.known();
        let cpus = match &node.kind {
            _ if unknown => None,
            Kind::Int(i) => Some(*i as f64),
            Kind::Float(f) => Some(*f),
            Kind::Str(s) => parse_float(s.trim()),
            _ => None,
        };
        Some(CpuCount {
            path,
            raw: v.value,
            cpus,
            unknown,
        })
    }

    /// The memory limit Compose applies: `deploy.resources.limits.memory` when it is set and not
    /// 0, else `mem_limit` (Compose rejects a file where both are set and differ).
    pub fn memory_limit(&self) -> Option<ByteSize> {
        prefer_nonzero(
            self.byte_size("deploy.resources.limits.memory"),
            self.byte_size("mem_limit"),
        )
    }

    /// The memory reservation Compose applies: `deploy.resources.reservations.memory` when it is
    /// set and not 0, else `mem_reservation`.
    pub fn memory_reservation(&self) -> Option<ByteSize> {
        prefer_nonzero(
            self.byte_size("deploy.resources.reservations.memory"),
            self.byte_size("mem_reservation"),
        )
    }

    /// The CPU limit Compose applies: `deploy.resources.limits.cpus` when it is set and not 0,
    /// else `cpus`.
    pub fn cpu_limit(&self) -> Option<CpuCount> {
        let deploy = self.cpu_count("deploy.resources.limits.cpus");
        match deploy {
            Some(d) if d.cpus != Some(0.0) => Some(d),
            other => self.cpu_count("cpus").or(other),
        }
    }

    /// The variables the service's values were interpolated with.
    pub fn variables(&self) -> &'a Env {
        self.env
    }

    /// Neither `image` nor `build`: a fragment completed by another file (an override file), or
    /// by `extends`.
    pub fn is_fragment(&self) -> bool {
        self.get("image").is_none() && self.get("build").is_none()
    }

    /// A one-shot job rather than a long-running service: another service waits for it to
    /// complete (`depends_on` with `condition: service_completed_successfully`), or it turns
    /// restarts off explicitly (`restart: "no"`, `deploy.restart_policy.condition: none`) and
    /// runs a command or entrypoint of its own, or it runs a program that exits by itself
    /// (`chown -R 1000 /data`, `sh -c 'echo ok > /done'`, `sleep 5`) and is not restarted
    /// always.
    pub fn is_one_shot(&self, compose: &Compose<'_>) -> bool {
        if compose.index.awaited.contains(self.name) {
            return true;
        }
        let restart_off = self
            .str("restart")
            .is_some_and(|v| matches!(v.value.as_str(), "no" | "false"))
            || self
                .node_at("deploy.restart_policy.condition")
                .and_then(|(n, _)| scalar(n, self.env))
                .is_some_and(|v| matches!(v.value.as_str(), "none" | "no"));
        if restart_off && (self.get("command").is_some() || self.get("entrypoint").is_some()) {
            return true;
        }
        let restarts_always = self
            .str("restart")
            .is_some_and(|v| matches!(v.value.as_str(), "always" | "unless-stopped"));
        !restarts_always
            && runs_a_command_that_exits(&self.entrypoint_words(), &self.command_words())
    }
}

/// Programs that do their job and exit (`chown -R 1000 /data`, `echo done`).
const EXITING_PROGRAMS: &[&str] = &[
    "echo", "printf", "true", "false", "exit", "return", "env", "printenv", "cat", "ls", "pwd",
    "date", "whoami", "id", "uname", "hostname", "test", "[", "chown", "chmod", "mkdir", "cp",
    "mv", "rm", "ln", "touch", "tar", "wget", "curl",
];

/// Whether the entrypoint (or, without one, the command) runs a program that exits by itself:
/// one of [`EXITING_PROGRAMS`], `sleep N`, or a shell script (`sh -c '…'`) without a loop whose
/// last command is one of those.
fn runs_a_command_that_exits(entrypoint: &[String], command: &[String]) -> bool {
    let words: Vec<String> = if entrypoint.is_empty() {
        command.to_vec()
    } else {
        entrypoint.iter().chain(command).cloned().collect()
    };
    let Some(first) = words.first() else {
        return false;
    };
    let program = first.rsplit('/').next().unwrap_or(first);
    let exits = |words: &[String]| -> bool {
        let Some(p) = words.first() else { return false };
        let p = p.rsplit('/').next().unwrap_or(p);
        match p {
            "sleep" => words.get(1).is_some_and(|n| {
                let n = n.trim_end_matches(['s', 'm', 'h', 'd']);
                !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.')
            }),
            _ => EXITING_PROGRAMS.contains(&p),
        }
    };
    if matches!(program, "sh" | "bash" | "ash" | "dash" | "zsh") {
        let Some(script) = words.iter().skip(1).find(|w| !w.starts_with('-')) else {
            return false;
        };
        if words
            .get(1)
            .is_none_or(|w| !w.starts_with('-') || !w.contains('c'))
        {
            return false; // a script file: unknown
        }
        let looping = script_words(script)
            .iter()
            .any(|w| matches!(w.as_str(), "while" | "until" | "for" | "do" | "exec"));
        if looping {
            return false;
        }
        let last = script
            .rsplit(['&', ';', '|'])
            .map(str::trim)
            .find(|part| !part.is_empty())
            .unwrap_or_default();
        return exits(&script_words(last));
    }
    exits(&words)
}

fn prefer_nonzero(deploy: Option<ByteSize>, service: Option<ByteSize>) -> Option<ByteSize> {
    match deploy {
        Some(d) if d.bytes != Some(0) => Some(d),
        other => service.or(other),
    }
}

/// One word of a command-like setting (`command`, `entrypoint`, `healthcheck.test`): the text
/// as written and its interpolated value.
#[derive(Debug, Clone)]
pub struct Word {
    /// The word as written, before interpolation.
    pub raw: String,
    /// The word interpolated.
    pub value: Interpolated,
    /// The list item it is, or the whole setting when it is a string.
    pub path: Path,
}

impl<'a> Service<'a> {
    /// Items of a string-or-list setting at a dotted path (`cap_add`, `security_opt`,
    /// `devices`, `dns` …), interpolated, with their paths. A single string is a one-item list;
    /// items that are not scalars are left out.
    pub fn string_items(&self, dotted: &str) -> Vec<(Interpolated, Path)> {
        let Some((node, at)) = self.node_at(dotted) else {
            return Vec::new();
        };
        match &node.kind {
            Kind::Seq(_) => items(node, &at)
                .into_iter()
                .filter_map(|(n, p)| scalar(n, self.env).map(|v| (v, p)))
                .collect(),
            _ => scalar(node, self.env)
                .map(|v| vec![(v, at)])
                .unwrap_or_default(),
        }
    }

    /// Entries of a list-or-mapping setting at a dotted path (`sysctls`, `build.args`,
    /// `labels`), like [`Service::environment`]: `NAME=value` items or `NAME: value` entries.
    pub fn key_values(&self, dotted: &str) -> Vec<EnvVar> {
        let Some((node, at)) = self.node_at(dotted) else {
            return Vec::new();
        };
        match &node.kind {
            Kind::Map(_) => entries(node, &at)
                .into_iter()
                .map(|(name, n, path)| EnvVar {
                    path,
                    name: name.to_string(),
                    raw: raw_text(n),
                    value: scalar(n, self.env),
                })
                .collect(),
            Kind::Seq(_) => items(node, &at)
                .into_iter()
                .filter_map(|(n, path)| {
                    let value = scalar(n, self.env)?;
                    let raw = raw_text(n).unwrap_or_else(|| value.value.clone());
                    Some(match raw.split_once('=') {
                        Some((k, v)) => EnvVar {
                            path,
                            name: k.trim().to_string(),
                            raw: Some(v.to_string()),
                            value: Some(crate::compose::interpolate::interpolate(v, self.env)),
                        },
                        None => EnvVar {
                            path,
                            name: raw.trim().to_string(),
                            raw: None,
                            value: None,
                        },
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The words of a command-like setting at a dotted path, each as written and interpolated:
    /// a list gives its items, a string is split at white space (quotes removed) before
    /// interpolation.
    pub fn raw_words(&self, dotted: &str) -> Vec<Word> {
        let Some((node, at)) = self.node_at(dotted) else {
            return Vec::new();
        };
        match &node.kind {
            Kind::Seq(_) => items(node, &at)
                .into_iter()
                .filter_map(|(n, path)| {
                    let value = scalar(n, self.env)?;
                    let raw = raw_text(n).unwrap_or_else(|| value.value.clone());
                    Some(Word { raw, value, path })
                })
                .collect(),
            Kind::Str(_) => {
                let raw = raw_text(node).unwrap_or_default();
                script_words(&raw)
                    .into_iter()
                    .map(|w| Word {
                        value: crate::compose::interpolate::interpolate(&w, self.env),
                        raw: w,
                        path: at.clone(),
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: &str) -> PortSpec {
        short_port(raw, Path::root())
    }

    #[test]
    fn ports_and_mounts_from_the_grammar() {
        // The grammar is tested in `compose::grammar`; here, what the view makes of it.
        let x = p("127.0.0.1:0:80/udp");
        assert_eq!(
            (
                x.host_ip.as_deref(),
                x.published,
                x.target,
                x.protocol.as_str()
            ),
            (Some("127.0.0.1"), None, (80, 80), "udp"),
            "host port 0: Docker picks one"
        );
        assert_eq!(
            p("70000:80").error.as_deref(),
            Some("port 70000 is out of range (1-65535)")
        );
        assert!(p("80:0").error.is_some());
        let m = short_mount("data:/var/lib/data:ro", Path::root());
        assert_eq!(
            (m.kind, m.source.as_deref(), m.target.as_str(), m.read_only),
            (MountKind::Volume, Some("data"), "/var/lib/data", true)
        );
        assert_eq!(short_mount("./conf:/c", Path::root()).kind, MountKind::Bind);
        assert_eq!(
            short_mount("/data", Path::root()).kind,
            MountKind::Anonymous
        );
        assert_eq!(
            short_mount(":/media/", Path::root()).error.as_deref(),
            Some("invalid volume \":/media/\": empty section between colons")
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
    }
}
