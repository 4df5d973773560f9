use std::collections::{HashMap, HashSet};

use crate::compose::grammar::ports::parse_range;
use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity, name_list};
use crate::lint::images::ImageEntry;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg110_published_port_not_listened::image_ports;
use crate::lint::rules::cg201_undeclared_volume::is_partial_file;
use crate::lint::rules::cg412_misspelled_image_variable::typo_distance;
use crate::lint::view::effective_networks;
use crate::lint::view::{Compose, Service, entries, items, repository, scalar};
use crate::yaml::{Kind, Path};

declare_rule! {
    /// ## What it does
    /// Reads the host names a service connects to — in environment values and in the words of
    /// `command` and `entrypoint` — and checks them against the project:
    ///
    /// - a host that is a service of the project (or a network alias or `container_name`) but
    ///   shares no network with the service that names it: an error, the name does not
    ///   resolve there. Networks are counted as CG507 counts them (`networks:`, else
    ///   `default`; `network_mode: service:NAME` uses NAME's). A service with another
    ///   `network_mode` (`host`, `none`, `container:…`, `bridge`) on either side is not
    ///   checked, and a network alias counts only on its network;
    /// - a host that is no name of the project but one edit away from one (`postgress`,
    ///   `kafak`): a warning, with the name it probably means;
    /// - a port the named service does not listen on (`db:5433`, or the port it is published
    ///   on, `db:15432`): a warning. Only when its ports are known: an image of the image
    ///   table (`ports`, see `composegen explain CG206`), not built here, started as the image
    ///   starts it (no `command`, `entrypoint`, `env_file`, configuration mount, or variable
    ///   that names a port, listener or address), with its `expose` and published container
    ///   ports added. Services of the same image (peers of a cluster, which talk on ports of
    ///   their own) are not checked against each other.
    ///
    /// Host names are read from URLs (`redis://cache:6379/0`, `jdbc:postgresql://db:5432/app`,
    /// `mongodb://a:27017,b:27017/x`) anywhere in these values; from `host:port` forms
    /// (`kafka-1:9092,kafka-2:9092`) and bare names (`DB_HOST: postgres`) in variables whose
    /// name ends in `HOST`, `HOSTS`, `SERVER(S)`, `ADDR`, `ADDRESS`, `URL`, `URI`, `ENDPOINT`,
    /// `BROKERS`, `BOOTSTRAP`, `CONNECT`, `SEEDS`, `NODES` …; and from `host:port` words of
    /// commands (`wait-for-it db:5432`). Variables that name the service itself or what a
    /// browser opens (`ALLOWED_HOSTS`, `VIRTUAL_HOST`, `*_ADVERTISED_*`, `*_LISTEN*`,
    /// `*_PUBLIC_*`, `*_HOSTNAME`, `CORS_*` …) are not read. Names with a dot, IP addresses,
    /// `localhost`, and names close to no name of the project are taken as external; so is
    /// every name a service may reach outside the project (one on an external network, or in
    /// `extra_hosts`, `external_links`, a `hostname`). Values with an unset variable are not
    /// checked, and neither are files merged with another (`include:`, `*override*`, a
    /// service without `image`, `build` or `extends`).
    ///
    /// ## Why is this bad?
    /// Services find each other through the DNS of the networks they share. A name of a
    /// service on another network, or a misspelt one, fails with `Name or service not known`
    /// (or `getaddrinfo ENOTFOUND`) when the service first connects, often after it has
    /// started and reported healthy; a wrong port is `Connection refused`. Inside the
    /// project's networks a service is reached on its container port, never on the host port
    /// it is published on.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     networks: [frontend]
    ///     environment:
    ///       DATABASE_URL: postgres://app@postgres:5432/app
    ///       REDIS_URL: redis://cahce:6379/0
    ///   postgres:
    ///     image: postgres:16.4
    ///     networks: [backend]
    ///   cache:
    ///     image: redis:7.4.1
    ///     networks: [frontend]
    /// networks:
    ///   frontend:
    ///   backend:
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     networks: [frontend, backend]
    ///     environment:
    ///       DATABASE_URL: postgres://app@postgres:5432/app
    ///       REDIS_URL: redis://cache:6379/0
    ///   postgres:
    ///     image: postgres:16.4
    ///     networks: [backend]
    ///   cache:
    ///     image: redis:7.4.1
    ///     networks: [frontend]
    /// networks:
    ///   frontend:
    ///   backend:
    /// ```
    pub struct UnreachableServiceReference {
        code: "CG514",
        name: "unreachable-service-reference",
        category: Network,
        severity: Error,
        summary: "a service connects to a host it cannot reach: a service on no shared network, a misspelt service name, a port it does not listen on",
    }
}

/// Endings of variable names whose values are hosts (`DB_HOST`, `KAFKA_BOOTSTRAP_SERVERS`).
const HOST_SUFFIXES: &[&str] = &[
    "HOST",
    "HOSTS",
    "SERVER",
    "SERVERS",
    "ADDR",
    "ADDRS",
    "ADDRESS",
    "ADDRESSES",
    "URL",
    "URLS",
    "URI",
    "URIS",
    "ENDPOINT",
    "ENDPOINTS",
    "BROKER",
    "BROKERS",
    "BOOTSTRAP",
    "CONNECT",
    "SEEDS",
    "NODES",
];

/// Words of variable names whose values are names of the service itself, or addresses a
/// browser or another client opens, not hosts the service connects to.
const NOT_CONNECTIONS: &[&str] = &[
    "ALLOWED",
    "TRUSTED",
    "VIRTUAL",
    "PUBLIC",
    "EXTERNAL",
    "ADVERTISED",
    "ADVERTISE",
    "LISTEN",
    "LISTENER",
    "LISTENERS",
    "BIND",
    "HOSTNAME",
    "CALLBACK",
    "REDIRECT",
    "ORIGIN",
    "ORIGINS",
    "CORS",
    "CSRF",
    "ROOT",
    "SITE",
    "DOMAIN",
    "NO",
];

/// Prefixes of variables a front-end bundles for the browser.
const BROWSER_PREFIXES: &[&str] = &["REACT_APP_", "VITE_", "VUE_APP_", "NG_APP_", "EXPO_PUBLIC_"];

/// What a variable's value is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Not read: the name says it is not a connection.
    Skip,
    /// URLs only.
    Urls,
    /// URLs, `host:port` and bare host names.
    Hosts,
    /// A word of a command: URLs and `host:port` forms.
    Command,
}

fn reading(var: &str) -> Reading {
    let upper = var.to_ascii_uppercase();
    if BROWSER_PREFIXES.iter().any(|p| upper.starts_with(p))
        || upper
            .split(['_', '.', '-'])
            .any(|w| NOT_CONNECTIONS.contains(&w))
    {
        return Reading::Skip;
    }
    if HOST_SUFFIXES.iter().any(|s| upper.ends_with(s)) {
        Reading::Hosts
    } else {
        Reading::Urls
    }
}

/// A host named in a value, with its port when one is written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostRef {
    host: String,
    port: Option<u32>,
}

/// Whether `s` can be a host name (letters, digits, `-`, `_`, `.`, with a letter).
fn host_like(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && s.bytes().any(|b| b.is_ascii_alphabetic())
        && !s.starts_with(['-', '.'])
        && !s.ends_with(['-', '.', '_'])
}

fn port_number(s: &str) -> Option<u32> {
    (!s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|p| (1..=65535).contains(p))
}

/// Words of a command whose next word is a user or group (`--user app:1000`), not a host.
const USER_FLAGS: &[&str] = &["-u", "--user", "--chown", "--group", "-g"];

/// Programs whose arguments name users and groups (`chown -R app:1000 /data`).
const USER_PROGRAMS: &[&str] = &["chown", "chgrp", "usermod", "useradd", "install"];

/// Values of host variables that are settings, not names.
const KEYWORDS: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "none", "null", "auto", "any", "all", "default",
    "disabled", "enabled",
];

/// The hosts named in `text`, read as `how` says.
fn host_refs(text: &str, how: Reading) -> Vec<HostRef> {
    let mut out = Vec::new();
    if how == Reading::Skip {
        return out;
    }
    let mut previous = "";
    let mut user_program = false;
    for token in text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\'' | '`' | ';' | '|' | '&' | '(' | ')' | '<' | '>' | '='
            )
    }) {
        if token.is_empty() {
            continue;
        }
        let after_user_flag = USER_FLAGS.contains(&previous) || user_program;
        user_program |= USER_PROGRAMS.contains(&token.rsplit('/').next().unwrap_or(token));
        previous = token;
        let token = token.trim_matches(|c| matches!(c, '[' | ']'));
        if let Some(at) = token.find("://") {
            url_hosts(&token[..at], &token[at + 3..], &mut out);
            continue;
        }
        // A pattern or template (`minio-{0...3}`, `%(host)s`) names no one host.
        if token.contains(['{', '}', '*', '%', '$']) {
            continue;
        }
        if after_user_flag && how == Reading::Command {
            continue;
        }
        for part in token.split(',') {
            let part = match how {
                Reading::Hosts => part.rsplit('@').next().unwrap_or(part),
                _ => part,
            };
            let (host, rest) = match part.split_once(':') {
                Some((h, r)) => (h, Some(r)),
                None => (part, None),
            };
            if !host_like(host) || KEYWORDS.iter().any(|k| host.eq_ignore_ascii_case(k)) {
                continue;
            }
            match (how, rest) {
                (Reading::Hosts, None) => out.push(HostRef {
                    host: host.to_string(),
                    port: None,
                }),
                (Reading::Hosts | Reading::Command, Some(rest)) => {
                    let rest = rest.split('/').next().unwrap_or(rest);
                    // `zoo1:2888:3888`: peer ports, not one to check.
                    let ports: Vec<Option<u32>> = rest.split(':').map(port_number).collect();
                    if ports.iter().any(Option::is_none) {
                        continue;
                    }
                    let port = if ports.len() == 1 { ports[0] } else { None };
                    // In a command `name:16` is more likely an image tag than a port.
                    if how == Reading::Command && (ports.len() > 1 || port.is_none_or(|p| p < 100))
                    {
                        continue;
                    }
                    out.push(HostRef {
                        host: host.to_string(),
                        port,
                    });
                }
                _ => {}
            }
        }
    }
    out
}

/// The hosts of a URL: `scheme` is before `://`, `rest` after it.
fn url_hosts(scheme: &str, rest: &str, out: &mut Vec<HostRef>) {
    let scheme = scheme.to_ascii_lowercase();
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-' | b':' | b'_'));
    // DNS SRV records and sockets name no host to resolve.
    if !scheme_ok || scheme.ends_with("+srv") || matches!(scheme.as_str(), "file" | "unix") {
        return;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let hosts = authority.rsplit('@').next().unwrap_or(authority);
    for hostport in hosts.split(',') {
        let (host, port) = match hostport.split_once(':') {
            Some((h, p)) => match port_number(p) {
                Some(p) => (h, Some(p)),
                None => continue,
            },
            None => (hostport, None),
        };
        if host_like(host) {
            out.push(HostRef {
                host: host.to_string(),
                port,
            });
        }
    }
}

/// Whether a host is plainly outside the project: a domain name, an IP address, `localhost`.
fn external_host(host: &str) -> bool {
    host.contains('.') || host.eq_ignore_ascii_case("localhost")
}

/// Where a name of the project resolves: a service, on every network it joins or (a network
/// alias) on one of them.
#[derive(Debug, Clone, Copy)]
struct Resolves<'a> {
    service: usize,
    network: Option<&'a str>,
}

/// What the rule knows about the project, computed once.
struct Project<'a, 'c> {
    cx: &'c Context<'a>,
    compose: Compose<'a>,
    services: Vec<Service<'a>>,
    /// Names Docker's DNS resolves to a service (lowercase: DNS ignores case).
    names: HashMap<String, Vec<Resolves<'a>>>,
    /// Resolvable names in document order (for suggestions).
    ordered: Vec<String>,
    /// Names that may resolve in ways not checked here (`hostname`, link aliases,
    /// `extra_hosts`, `external_links`).
    other: HashSet<String>,
    /// Network keys declared `external`.
    external: HashSet<&'a str>,
    network_cache: Vec<Option<Option<Vec<String>>>>,
    identities: HashMap<String, String>,
    ports: Vec<Option<Option<KnownPorts>>>,
    /// Single-deletion variants of the resolvable names (a symmetric-delete index), built on
    /// the first unknown host.
    typo_index: Option<HashMap<String, Vec<usize>>>,
    typos: HashMap<String, Vec<usize>>,
}

/// The ports a service listens on, when known.
#[derive(Debug, Clone)]
struct KnownPorts {
    ranges: Vec<(u32, u32)>,
    /// Published host port → container port.
    published: Vec<((u32, u32), (u32, u32))>,
    image: String,
}

impl KnownPorts {
    fn listens(&self, port: u32) -> bool {
        self.ranges.iter().any(|(a, b)| (*a..=*b).contains(&port))
    }

    fn list(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .ranges
            .iter()
            .map(|(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect();
        v.dedup();
        v
    }
}

fn truthy(n: &crate::yaml::Node) -> bool {
    !matches!(n.kind, Kind::Bool(false) | Kind::Null)
}

/// Scalars of a list (or the one scalar), interpolated, known ones only.
fn strings(
    node: Option<&crate::yaml::Node>,
    env: &crate::compose::interpolate::Env,
) -> Vec<String> {
    let Some(node) = node else {
        return Vec::new();
    };
    let list: Vec<&crate::yaml::Node> = match &node.kind {
        Kind::Seq(_) => items(node, &Path::root())
            .into_iter()
            .map(|(n, _)| n)
            .collect(),
        _ => vec![node],
    };
    list.into_iter()
        .filter_map(|n| scalar(n, env))
        .filter(|v| v.known())
        .map(|v| v.value)
        .collect()
}

impl<'a, 'c> Project<'a, 'c> {
    fn new(cx: &'c Context<'a>) -> Project<'a, 'c> {
        let compose = cx.compose();
        let services = compose.services();
        let mut p = Project {
            cx,
            compose,
            names: HashMap::new(),
            ordered: Vec::new(),
            other: HashSet::new(),
            external: compose
                .section("networks")
                .into_iter()
                .filter(|(_, n, _)| n.get("external").is_some_and(truthy))
                .map(|(k, _, _)| k)
                .collect(),
            network_cache: vec![None; services.len()],
            identities: HashMap::new(),
            ports: vec![None; services.len()],
            typo_index: None,
            typos: HashMap::new(),
            services,
        };
        let env = cx.env;
        for (i, s) in p.services.iter().enumerate() {
            let mut add = |name: &str, network: Option<&'a str>| {
                let key = name.to_ascii_lowercase();
                let list = p.names.entry(key.clone()).or_default();
                if list.is_empty() {
                    p.ordered.push(key);
                }
                list.push(Resolves {
                    service: i,
                    network,
                });
            };
            add(s.name, None);
            if let Some(c) = s.str("container_name").filter(|c| c.known()) {
                add(&c.value, None);
            }
            if let Some(nets) = s.get("networks") {
                for (net, cfg, _) in entries(nets, &s.at("networks")) {
                    for alias in strings(cfg.get("aliases"), env) {
                        add(&alias, Some(net));
                    }
                }
            }
            for key in ["hostname", "domainname"] {
                p.other.extend(
                    strings(s.get(key), env)
                        .into_iter()
                        .map(|h| h.to_ascii_lowercase()),
                );
            }
            for key in ["links", "external_links"] {
                for link in strings(s.get(key), env) {
                    p.other.extend(link.split(':').map(str::to_ascii_lowercase));
                }
            }
            if let Some(hosts) = s.get("extra_hosts") {
                let names: Vec<String> = match &hosts.kind {
                    Kind::Map(_) => entries(hosts, &Path::root())
                        .into_iter()
                        .map(|(k, _, _)| k.to_string())
                        .collect(),
                    _ => strings(Some(hosts), env)
                        .into_iter()
                        .filter_map(|h| h.split(['=', ':']).next().map(str::to_string))
                        .collect(),
                };
                p.other
                    .extend(names.into_iter().map(|h| h.trim().to_ascii_lowercase()));
            }
        }
        p
    }

    /// The keys of the networks a service joins ([`effective_networks`]); None when unknown
    /// or when it has no network with service DNS (`network_mode: host` …).
    fn networks(&mut self, i: usize) -> Option<Vec<String>> {
        if self.network_cache[i].is_none() {
            let keys = effective_networks(&self.services, &self.services[i]);
            self.network_cache[i] = Some(keys);
        }
        self.network_cache[i].clone().flatten()
    }

    fn identity(&mut self, key: &str) -> String {
        if let Some(id) = self.identities.get(key) {
            return id.clone();
        }
        let id = self.compose.resource_identity("networks", key);
        self.identities.insert(key.to_string(), id.clone());
        id
    }

    /// Whether a service may reach names outside the project: it joins an external network,
    /// or its networks are unknown.
    fn reaches_outside(&mut self, i: usize) -> bool {
        match self.networks(i) {
            None => true,
            Some(keys) => keys.iter().any(|k| self.external.contains(k.as_str())),
        }
    }

    /// Resolvable names one edit from `host` (lowercase), in document order.
    fn near(&mut self, host: &str) -> Vec<usize> {
        if let Some(v) = self.typos.get(host) {
            return v.clone();
        }
        if self.typo_index.is_none() {
            let mut index: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, name) in self.ordered.iter().enumerate() {
                if name.chars().count() < 4 {
                    continue;
                }
                for v in deletions(name) {
                    index.entry(v).or_default().push(i);
                }
            }
            self.typo_index = Some(index);
        }
        let mut found: Vec<usize> = Vec::new();
        if host.chars().count() >= 4
            && let Some(index) = &self.typo_index
        {
            for v in deletions(host) {
                for &i in index.get(&v).into_iter().flatten() {
                    if !found.contains(&i) && typo_distance(host, &self.ordered[i]) == 1 {
                        found.push(i);
                    }
                }
            }
        }
        found.sort_unstable();
        self.typos.insert(host.to_string(), found.clone());
        found
    }

    /// The image table's entry for service `i`'s image.
    fn entry_of(&self, i: usize) -> Option<&'a ImageEntry> {
        let (image, _) = self.services[i].image()?;
        if !image.known() {
            return None;
        }
        self.cx.images.lookup(&repository(&image.value))
    }

    /// The ports service `i` listens on, when they are known.
    fn ports(&mut self, i: usize) -> Option<KnownPorts> {
        if self.ports[i].is_none() {
            let known = self.compute_ports(i);
            self.ports[i] = Some(known);
        }
        self.ports[i].clone().flatten()
    }

    fn compute_ports(&self, i: usize) -> Option<KnownPorts> {
        let s = &self.services[i];
        // The image's own ports, when nothing in the service may move them (shared with CG110).
        let image = image_ports(self.cx, s)?;
        let mut ranges: Vec<(u32, u32)> = image.ports.iter().map(|p| (*p, *p)).collect();
        let mut published = Vec::new();
        for p in s.ports() {
            if p.unknown || p.error.is_some() {
                return None;
            }
            ranges.push(p.target);
            if let Some(h) = p.published {
                published.push((h, p.target));
            }
        }
        for e in s.string_items("expose") {
            if !e.0.known() {
                return None;
            }
            let port = e.0.value.split('/').next().unwrap_or_default().to_string();
            ranges.push(parse_range(&port).ok()?);
        }
        ranges.sort_unstable();
        ranges.dedup();
        Some(KnownPorts {
            ranges,
            published,
            image: image.repository,
        })
    }
}

/// `s` and every string one character shorter.
fn deletions(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = vec![s.to_string()];
    for skip in 0..chars.len() {
        out.push(
            chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| *c)
                .collect(),
        );
    }
    out
}

/// Whether `host` looks like the container name Compose gives a replica
/// (`project-web-1`, `project_web_1`) of a service of the project.
fn replica_container_name(host: &str, names: &HashMap<String, Vec<Resolves<'_>>>) -> bool {
    let Some(stem) = host
        .strip_suffix(|c: char| c.is_ascii_digit())
        .map(|s| s.trim_end_matches(|c: char| c.is_ascii_digit()))
        .and_then(|s| s.strip_suffix(['-', '_']))
    else {
        return false;
    };
    stem.char_indices()
        .filter(|(_, c)| matches!(c, '-' | '_'))
        .any(|(i, _)| names.contains_key(&stem[i + 1..]))
}

/// One place a service names hosts: an environment variable or a word of a command.
struct Source {
    path: Path,
    /// `` `DB_HOST` `` or `` `command` ``.
    what: String,
    refs: Vec<HostRef>,
}

fn sources(s: &Service<'_>) -> Vec<Source> {
    let mut out = Vec::new();
    for var in s.environment() {
        let Some(value) = &var.value else { continue };
        if !value.known() || value.value.is_empty() {
            continue;
        }
        let refs = host_refs(&value.value, reading(&var.name));
        if !refs.is_empty() {
            out.push(Source {
                path: var.path.clone(),
                what: format!("`{}`", var.name),
                refs,
            });
        }
    }
    for key in ["entrypoint", "command"] {
        for w in s.raw_words(key) {
            if !w.value.known() {
                continue;
            }
            let refs = host_refs(&w.value.value, Reading::Command);
            if !refs.is_empty() {
                out.push(Source {
                    path: w.path.clone(),
                    what: format!("`{key}`"),
                    refs,
                });
            }
        }
    }
    out
}

impl Rule for UnreachableServiceReference {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        if is_partial_file(cx, &compose) {
            return;
        }
        let mut project: Option<Project<'_, '_>> = None;
        for (caller, s) in compose.services().iter().enumerate() {
            let mut seen: HashSet<(Path, String)> = HashSet::new();
            for src in sources(s) {
                for r in &src.refs {
                    let host = r.host.to_ascii_lowercase();
                    if !seen.insert((src.path.clone(), format!("{host}:{:?}", r.port))) {
                        continue;
                    }
                    let p = project.get_or_insert_with(|| Project::new(cx));
                    let finding = match p.names.get(&host).cloned() {
                        Some(targets) => self.resolved(p, caller, &src, r, &targets),
                        None => self.unresolved(p, caller, &src, r, &host),
                    };
                    out.extend(finding);
                }
            }
        }
    }
}

impl UnreachableServiceReference {
    /// A host that is a name of the project: on a shared network, and on a port it listens on?
    fn resolved(
        &self,
        p: &mut Project<'_, '_>,
        caller: usize,
        src: &Source,
        r: &HostRef,
        targets: &[Resolves<'_>],
    ) -> Option<Finding> {
        if targets.iter().any(|t| t.service == caller) {
            return None;
        }
        let me = p.services[caller].clone();
        let mine = p.networks(caller)?;
        let mut my_ids = Vec::with_capacity(mine.len());
        for n in &mine {
            my_ids.push(p.identity(n));
        }
        // The networks each target is reached on; any shared one resolves the name.
        let mut apart: Vec<(usize, Vec<String>)> = Vec::new();
        for t in targets {
            // `network_mode: service:X` leaves the name unregistered; `host` … have no DNS.
            if p.services[t.service].get("network_mode").is_some() {
                return None;
            }
            let theirs = p.networks(t.service)?;
            let on: Vec<String> = match t.network {
                Some(n) if theirs.iter().any(|x| x == n) => vec![n.to_string()],
                Some(_) => return None,
                None => theirs,
            };
            let mut shared = false;
            for n in &on {
                let id = p.identity(n);
                shared |= my_ids.contains(&id);
            }
            if shared {
                return match r.port {
                    Some(port) if targets.len() == 1 => {
                        self.wrong_port(p, caller, src, r, t.service, port)
                    }
                    _ => None,
                };
            }
            apart.push((t.service, on));
        }
        let (ti, theirs) = apart.into_iter().next()?;
        let target = p.services[ti].clone();
        let related = if target.get("networks").is_some() {
            target.at("networks")
        } else {
            target.path.clone()
        };
        let via = if target.name.eq_ignore_ascii_case(&r.host) {
            String::new()
        } else {
            format!(" (`{}` names `{}`)", r.host, target.name)
        };
        let mut f = self
            .finding(
                p.cx,
                src.path.clone(),
                format!(
                    "`{}` connects to `{}`{via} through {}, but they share no network: the name does not resolve in `{}` (`{}` is on {}, `{}` on {})",
                    me.name,
                    target.name,
                    src.what,
                    me.name,
                    me.name,
                    name_list(&mine),
                    target.name,
                    name_list(&theirs)
                ),
            )
            .label(format!("`{}` does not resolve here", r.host))
            .service(me.name)
            .related(p.cx.file, related, format!("`{}` joins {}", target.name, name_list(&theirs)))
            .help(format!(
                "put both services on a common network: add one of {} to `{}`, or one of {} to `{}`",
                name_list(&theirs),
                me.name,
                name_list(&mine),
                target.name
            ))
            .build();
        f.severity = Severity::Error;
        Some(f)
    }

    /// A port of a service: does it listen there?
    fn wrong_port(
        &self,
        p: &mut Project<'_, '_>,
        caller: usize,
        src: &Source,
        r: &HostRef,
        target: usize,
        port: u32,
    ) -> Option<Finding> {
        let known = p.ports(target)?;
        if known.listens(port) {
            return None;
        }
        // Peers of a cluster (ZooKeeper, OpenSearch, RabbitMQ nodes) talk on ports of their
        // own that the image table, which lists the ports clients use, leaves out.
        if p.entry_of(caller).is_some_and(|mine| {
            p.entry_of(target)
                .is_some_and(|theirs| std::ptr::eq(mine, theirs))
        }) {
            return None;
        }
        let me = p.services[caller].name;
        let t = p.services[target].clone();
        let listening = name_list(&known.list());
        let published = known
            .published
            .iter()
            .find(|(h, _)| (h.0..=h.1).contains(&port))
            .map(|(h, c)| c.0 + (port - h.0));
        let (label, help) = match published {
            Some(container) => (
                format!("{port} is the host port `{}` is published on", t.name),
                format!(
                    "containers reach `{}` on its container port: write `{}:{container}`; the published port {port} is for clients on the host",
                    t.name, r.host
                ),
            ),
            None => (
                format!("`{}` does not listen on {port}", t.name),
                format!(
                    "use one of the ports `{}` listens on ({listening}); if it does listen on {port}, add `expose: [\"{port}\"]` to `{}`",
                    t.name, t.name
                ),
            ),
        };
        let mut f = self
            .finding(
                p.cx,
                src.path.clone(),
                format!(
                    "`{me}` connects to `{}` on port {port} through {}, but `{}` listens only on {listening}",
                    t.name, src.what, t.name
                ),
            )
            .label(label)
            .service(me)
            .related(p.cx.file, t.path.clone(), format!(
                    "`{}` runs `{}`, which listens on {listening}",
                    t.name, known.image
                ))
            .help(help)
            .build();
        f.severity = Severity::Warning;
        Some(f)
    }

    /// A host that is no name of the project: a misspelt one?
    fn unresolved(
        &self,
        p: &mut Project<'_, '_>,
        caller: usize,
        src: &Source,
        r: &HostRef,
        host: &str,
    ) -> Option<Finding> {
        if external_host(host)
            || p.other.contains(host)
            || replica_container_name(host, &p.names)
            || p.reaches_outside(caller)
        {
            return None;
        }
        let near = p.near(host);
        if near.is_empty() {
            return None;
        }
        let suggestions: Vec<String> = near.iter().take(3).map(|&i| p.ordered[i].clone()).collect();
        let me = p.services[caller].name;
        let list = suggestions
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        let mut f = self
            .finding(
                p.cx,
                src.path.clone(),
                format!(
                    "`{me}` connects to `{}` through {}, which is no service, alias or container name of this project: did you mean {list}?",
                    r.host, src.what
                ),
            )
            .label(format!("`{}` does not resolve", r.host))
            .service(me)
            .help(format!(
                "correct the name to {list}; if `{}` is a host outside this project, add it to `extra_hosts` or suppress this finding",
                r.host
            ))
            .build();
        f.severity = Severity::Warning;
        Some(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::interpolate::Env;
    use crate::lint::testing::{codes, lint_rule, lint_rule_with};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG514", yaml))
    }

    fn refs(text: &str, how: Reading) -> Vec<(String, Option<u32>)> {
        host_refs(text, how)
            .into_iter()
            .map(|r| (r.host, r.port))
            .collect()
    }

    fn h(host: &str, port: Option<u32>) -> (String, Option<u32>) {
        (host.to_string(), port)
    }

    #[test]
    fn reads_hosts() {
        assert_eq!(refs("postgres", Reading::Hosts), [h("postgres", None)]);
        assert_eq!(refs("postgres", Reading::Urls), []);
        assert_eq!(
            refs("kafka-1:9092,kafka-2:9092", Reading::Hosts),
            [h("kafka-1", Some(9092)), h("kafka-2", Some(9092))]
        );
        assert_eq!(
            refs("redis://:secret@cache:6379/0", Reading::Urls),
            [h("cache", Some(6379))]
        );
        assert_eq!(
            refs("jdbc:postgresql://db:5432/app?user=a", Reading::Urls),
            [h("db", Some(5432))]
        );
        assert_eq!(
            refs(
                "mongodb://u:p@m1:27017,m2:27017/x?replicaSet=rs",
                Reading::Urls
            ),
            [h("m1", Some(27017)), h("m2", Some(27017))]
        );
        assert_eq!(
            refs("[\"http://opensearch:9200\"]", Reading::Urls),
            [h("opensearch", Some(9200))]
        );
        assert_eq!(refs("http://+:8000", Reading::Urls), []);
        assert_eq!(refs("PLAINTEXT://:9092", Reading::Urls), []);
        assert_eq!(refs("mongodb+srv://cluster0/x", Reading::Urls), []);
        // ZooKeeper peers: hosts without a port to check.
        assert_eq!(
            refs("server.1=zoo1:2888:3888;2181", Reading::Hosts),
            [h("server.1", None), h("zoo1", None)]
        );
        assert_eq!(
            refs("1@kafka-1:9093", Reading::Hosts),
            [h("kafka-1", Some(9093))]
        );
        // Commands: URLs and host:port, not image tags or user:group.
        assert_eq!(
            refs("wait-for-it db:5432 -- npm start", Reading::Command),
            [h("db", Some(5432))]
        );
        assert_eq!(
            refs(
                "sh -c 'curl -f http://kibana:5601/api/status'",
                Reading::Command
            ),
            [h("kibana", Some(5601))]
        );
        assert_eq!(refs("docker run postgres:16", Reading::Command), []);
        assert_eq!(refs("chown -R app:1000 /data", Reading::Command), []);
        assert_eq!(refs("chown app:1000 /data", Reading::Command), []);
        assert_eq!(refs("redis-server --port 6379", Reading::Command), []);
        // Patterns name no one host.
        assert_eq!(refs("minio-{0...1}/data-{0...1}", Reading::Hosts), []);
        assert_eq!(refs("http://minio-{1...4}/data", Reading::Hosts), []);
        assert_eq!(
            refs("postgres://app:p%40ss@db:5432/x", Reading::Urls),
            [h("db", Some(5432))]
        );
    }

    #[test]
    fn variable_names() {
        assert_eq!(reading("DB_HOST"), Reading::Hosts);
        assert_eq!(reading("KAFKA_BOOTSTRAP_SERVERS"), Reading::Hosts);
        assert_eq!(reading("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"), Reading::Hosts);
        assert_eq!(reading("discovery.seed_hosts"), Reading::Hosts);
        assert_eq!(reading("SPRING_DATASOURCE_URL"), Reading::Hosts);
        assert_eq!(reading("JAVA_OPTS"), Reading::Urls);
        for skip in [
            "ALLOWED_HOSTS",
            "VIRTUAL_HOST",
            "KAFKA_ADVERTISED_LISTENERS",
            "KAFKA_ADVERTISED_HOST_NAME",
            "GF_SERVER_ROOT_URL",
            "NEXT_PUBLIC_API_URL",
            "REACT_APP_API_URL",
            "CSRF_TRUSTED_ORIGINS",
            "NO_PROXY",
        ] {
            assert_eq!(reading(skip), Reading::Skip, "{skip}");
        }
        assert_eq!(reading("SCHEMA_REGISTRY_HOST_NAME"), Reading::Urls);
    }

    #[test]
    fn no_shared_network_is_an_error() {
        let yaml = "services:\n  api:\n    image: x\n    networks: [front]\n    environment:\n      DB_HOST: db\n      CACHE_URL: redis://cache:6379\n  db:\n    image: y\n    networks: [back]\n  cache:\n    image: redis:7.4.1\n    networks: [front]\nnetworks:\n  front:\n  back:\n";
        assert_eq!(run(yaml), ["CG514@6"]);
        // Through a command, and through the default network left by `networks:`.
        let yaml = "services:\n  api:\n    image: x\n    command: wait-for-it db:5432 -- run\n  db:\n    image: postgres:16.4\n    networks: [back]\nnetworks:\n  back:\n";
        assert_eq!(run(yaml), ["CG514@4"]);
        // A network alias resolves only on its network.
        let yaml = "services:\n  api:\n    image: x\n    networks: [front]\n    environment:\n      DB_HOST: database\n  db:\n    image: y\n    networks:\n      back:\n        aliases: [database]\n      front:\nnetworks:\n  front:\n  back:\n";
        assert_eq!(run(yaml), ["CG514@6"]);
    }

    #[test]
    fn shared_or_unknown_networks() {
        for yaml in [
            // The default network.
            "services:\n  api:\n    image: x\n    environment:\n      DB_HOST: db\n  db:\n    image: y\n",
            // Host networking, either side.
            "services:\n  api:\n    image: x\n    network_mode: host\n    environment:\n      DB_HOST: db\n  db:\n    image: y\n    networks: [back]\nnetworks:\n  back:\n",
            "services:\n  api:\n    image: x\n    environment:\n      DB_HOST: db\n  db:\n    image: y\n    network_mode: host\n",
            // The caller shares the network stack of a service on the right network.
            "services:\n  api:\n    image: x\n    network_mode: service:vpn\n    environment:\n      DB_HOST: db\n  vpn:\n    image: v\n    networks: [back]\n  db:\n    image: y\n    networks: [back]\nnetworks:\n  back:\n",
            // Two keys, one Docker network.
            "services:\n  api:\n    image: x\n    networks: [a]\n    environment:\n      DB_HOST: db\n  db:\n    image: y\n    networks: [b]\nnetworks:\n  a:\n    name: shared\n  b:\n    name: shared\n",
            // Itself, external hosts, unset variables, names of no similar service.
            "services:\n  api:\n    image: x\n    networks: [a]\n    environment:\n      SELF_URL: http://api:8080\n      DB_HOST: db.example.com\n      CACHE_HOST: ${CACHE}\n      MAIL_HOST: smtp\n      LOCAL: http://localhost:9000\n  db:\n    image: y\n    networks: [b]\nnetworks:\n  a:\n  b:\n",
        ] {
            assert!(run(yaml).is_empty(), "{yaml}\n{:?}", run(yaml));
        }
        // A set variable is read.
        let mut env = Env::empty();
        env.set("CACHE", "db");
        assert_eq!(
            codes(&lint_rule_with(
                "CG514",
                "services:\n  api:\n    image: x\n    networks: [a]\n    environment:\n      CACHE_HOST: ${CACHE}\n  db:\n    image: y\n    networks: [b]\nnetworks:\n  a:\n  b:\n",
                env
            )),
            ["CG514@6"]
        );
    }

    #[test]
    fn typos() {
        let yaml = "services:\n  app:\n    image: x\n    environment:\n      DB_HOST: postgress\n      KAFKA_BOOTSTRAP_SERVERS: kafak:9092\n      REDIS_URL: redis://redis:6379\n      OTHER_HOST: elsewhere\n  postgres:\n    image: postgres:16.4\n  kafka:\n    image: apache/kafka:3.8.0\n  redis:\n    image: redis:7.4.1\n";
        assert_eq!(run(yaml), ["CG514@5", "CG514@6"]);
        let d = lint_rule("CG514", yaml);
        assert!(
            d[0].message.contains("did you mean `postgres`"),
            "{}",
            d[0].message
        );
        // Names outside the project: extra_hosts, an external network, a hostname.
        for yaml in [
            "services:\n  app:\n    image: x\n    extra_hosts: ['postgress:10.0.0.5']\n    environment:\n      DB_HOST: postgress\n  postgres:\n    image: y\n",
            "services:\n  app:\n    image: x\n    networks: [shared]\n    environment:\n      DB_HOST: postgress\n  postgres:\n    image: y\nnetworks:\n  shared:\n    external: true\n",
            "services:\n  app:\n    image: x\n    environment:\n      DB_HOST: postgress\n  postgres:\n    image: y\n    hostname: postgress\n",
            "services:\n  app:\n    image: x\n    environment:\n      DB_HOST: myproj-postgres-1\n  postgres:\n    image: y\n",
            // Short names are not guessed at.
            "services:\n  app:\n    image: x\n    environment:\n      DB_HOST: dbs\n  db:\n    image: y\n",
        ] {
            assert!(run(yaml).is_empty(), "{yaml}\n{:?}", run(yaml));
        }
    }

    #[test]
    fn ports() {
        let yaml = "services:\n  app:\n    image: x\n    environment:\n      DATABASE_URL: postgres://app@db:5433/app\n      PUBLISHED: postgres://app@db:15432/app\n      RIGHT: postgres://app@db:5432/app\n      CACHE: redis://cache:6380\n  db:\n    image: postgres:16.4\n    ports: ['15432:5432']\n  cache:\n    image: redis:7.4.1\n    command: redis-server --port 6380\n";
        assert_eq!(run(yaml), ["CG514@5", "CG514@6"]);
        let d = lint_rule("CG514", yaml);
        assert!(
            d[1].help
                .as_deref()
                .unwrap_or_default()
                .contains("`db:5432`"),
            "{:?}",
            d[1].help
        );
        assert_eq!(
            run(
                "services:\n  app:\n    image: x\n    environment:\n      ZK_CONNECT: zookeeper:2182\n  zookeeper:\n    image: bitnami/zookeeper:3.9\n    volumes: ['zk:/bitnami']\nvolumes:\n  zk:\n"
            ),
            ["CG514@5"]
        );
        for yaml in [
            // expose, a variable that sets the port, an unknown image, a build.
            "services:\n  app:\n    image: x\n    environment:\n      DB_URL: postgres://db:5433/x\n  db:\n    image: postgres:16.4\n    expose: ['5433']\n",
            "services:\n  app:\n    image: x\n    environment:\n      DB_URL: postgres://db:5433/x\n  db:\n    image: postgres:16.4\n    environment:\n      PGPORT: '5433'\n",
            "services:\n  app:\n    image: x\n    environment:\n      DB_URL: http://web:8081\n  web:\n    image: example/web:1.0\n",
            "services:\n  app:\n    image: x\n    environment:\n      DB_URL: postgres://db:5433/x\n  db:\n    image: postgres:16.4\n    build: ./db\n",
            "services:\n  app:\n    image: x\n    environment:\n      DB_URL: http://web:8080\n  web:\n    image: nginx:1.27.1\n    volumes: ['./nginx.conf:/etc/nginx/nginx.conf:ro']\n",
            // Cluster peers.
            "services:\n  zoo1:\n    image: zookeeper:3.9\n    environment:\n      ZOO_SERVERS: server.1=zoo1:2888:3888;2181 server.2=zoo2:2888:3888;2181\n      PEER: zoo2:3888\n  zoo2:\n    image: zookeeper:3.9\n",
            // A parent of the data directory is a data volume, and ports are then known.
            "services:\n  app:\n    image: x\n    environment:\n      ZK: zookeeper:2181\n  zookeeper:\n    image: bitnami/zookeeper:3.9\n    volumes: ['zk:/bitnami']\nvolumes:\n  zk:\n",
        ] {
            assert!(run(yaml).is_empty(), "{yaml}\n{:?}", run(yaml));
        }
    }

    #[test]
    fn merged_files_are_not_checked() {
        assert!(run("include: [other.yaml]\nservices:\n  app:\n    image: x\n    environment:\n      DB_HOST: postgress\n  postgres:\n    image: y\n").is_empty());
    }

    #[test]
    fn replica_names() {
        let mut names = HashMap::new();
        names.insert("web".to_string(), Vec::new());
        assert!(replica_container_name("proj-web-1", &names));
        assert!(replica_container_name("proj_web_12", &names));
        assert!(!replica_container_name("web-1", &names));
        assert!(!replica_container_name("proj-api-1", &names));
    }
}
