//! The resolved compose model, in the shape `docker compose config --format json` prints it.
//!
//! [`normalize`] turns a (merged, interpolated) document into the JSON Docker Compose v2.40.3
//! prints for the same project: short syntax becomes long syntax, lists of `K=V` become mappings,
//! and the defaults Compose fills in are there. It backs `composegen config` and the differential
//! tests against the real binary (`tests/merge.rs`, `tests/config_differential.rs`).
//!
//! # What it covers
//!
//! Per service: `image`, `build` (context, dockerfile, args, labels), `command` and `entrypoint`
//! (a string is split the way compose-go's shellwords does, stopping at an unquoted `;`, `&`,
//! `|`, `<` or `>`), `environment`, `labels`, `annotations`, `sysctls`, `ports` (one long-syntax
//! entry per port of a range, ordered as compose-go orders them), `expose`, `volumes`, `networks`,
//! `depends_on` (with the dependencies `links`, `network_mode: service:x`, `volumes_from` imply),
//! `profiles`, `deploy` (`resources` in bytes and CPUs), `healthcheck` (durations as Go prints
//! them), `ulimits`, `logging`, `extra_hosts`, `tmpfs`, `dns*`, `cap_*`. Other keys are copied as
//! written. Top level: `name`, the networks and volumes (and secrets and configs) that services
//! use, with their resolved names, and `x-*` extensions.
//!
//! # Where it differs from `docker compose config`, on purpose
//!
//! - Strings are the values a container sees: `config` prints every `$` as `$$` so that its output
//!   can be loaded again. [`escape_dollars`] does that, for printing.
//! - The project name, the project directory and the home directory come from [`Options`]; with
//!   none (as [`normalize`] does), `name` and the generated resource names are absent and relative
//!   paths (bind mounts, build contexts) stay as written. A `name:` in the document wins over
//!   [`Options::project_name`], as it does over the directory name in Compose.
//! - All services are kept, as with `--profile '*'`, unless [`Options::profiles`] says otherwise.
//! - `env_file` and `label_file` are read (from [`Options::project_dir`]; without it they are
//!   only dropped) with a simple `.env` reader: no interpolation or multi-line values inside the
//!   files. Like Compose, their variables and labels go into `environment` and `labels`.
//! - Extensions (`x-*`) of services are dropped, as in Compose's JSON output (its YAML output
//!   keeps them).
//!
//! Like Compose, it also drops networks, volumes, secrets and configs that no service uses, adds
//! the implicit `default` network, and deduplicates list items the way compose-go's unicity pass
//! does (see [`super::merge`]).

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};

use indexmap::IndexSet;
use serde_json::{Map, Value, json};

use super::gofmt::{clean_path, go_sprint, long_port_key};
use crate::compose::grammar::dotenv::parse_dotenv;
use crate::compose::grammar::duration::{format_duration, parse_duration};
use crate::compose::grammar::ports::parse_port;
use crate::compose::grammar::size::ram_in_bytes;
use crate::compose::grammar::volumes::{VolumeSpec, VolumeType, parse_volume};
use crate::compose::grammar::words::shell_words;
use crate::yaml::{Kind, Node};

/// How to resolve what the document leaves to its environment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The project name when the document has no `name:` (Compose uses the directory's name):
    /// printed as `name`, and the prefix of resource names (`<project>_<network>`). It is
    /// normalized as Compose does (lowercase; only `a-z0-9_-`).
    pub project_name: Option<String>,
    /// The project directory: relative bind-mount sources, build contexts and secret or config
    /// files become absolute paths under it.
    pub project_dir: Option<PathBuf>,
    /// The home directory, for `~` in bind-mount sources.
    pub home: Option<String>,
    /// The variables Compose would find in its own environment, for entries written without a
    /// value (`environment: [DEBUG]`, build args).
    pub environment: BTreeMap<String, String>,
    /// The active profiles (`*` for all); `None` keeps every service.
    pub profiles: Option<Vec<String>>,
}

/// [`normalize_with`] with no project name, directory or environment.
pub fn normalize(root: &Node) -> Value {
    normalize_with(root, &Options::default())
}

/// The model Docker Compose prints for `root` (one document, or several already merged with
/// [`super::merge::merge`]), values interpolated beforehand.
pub fn normalize_with(root: &Node, options: &Options) -> Value {
    normalize_owned(root.clone(), options)
}

/// [`normalize_with`], consuming the tree (no copy of it is made).
pub fn normalize_owned(root: Node, options: &Options) -> Value {
    let mut root = super::merge::resolve_tags(root);
    super::merge::enforce_unicity(&mut root, &mut Vec::new());
    let project = root
        .get("name")
        .and_then(Node::as_str)
        .map(str::to_string)
        .or_else(|| options.project_name.clone())
        .map(|n| normalize_project_name(&n));
    let cx = Cx { options, project };

    let mut services = Map::new();
    // Each service's tree is dropped as soon as its model is made (nothing below reads the
    // services of the tree), so that the two are not both whole in memory.
    if let Kind::Map(top) = &mut root.kind
        && let Some((_, list)) = top.iter_mut().find(|(k, _)| k.as_str() == Some("services"))
        && let Kind::Map(entries) = &mut list.kind
    {
        for (k, v) in std::mem::take(entries) {
            if !cx.active(&v) {
                continue;
            }
            services.insert(k.key_string(), compact(cx.service(&v)));
        }
    }

    let mut out = Map::new();
    if let Some(name) = &cx.project {
        out.insert("name".into(), Value::String(name.clone()));
    }
    let used = Used::of(&services);
    let networks = cx.resources(&root, "networks", &used.networks, true);
    if !networks.is_empty() {
        out.insert("networks".into(), Value::Object(networks));
    }
    out.insert("services".into(), Value::Object(services));
    for (key, names) in [
        ("volumes", &used.volumes),
        ("secrets", &used.secrets),
        ("configs", &used.configs),
    ] {
        let resources = cx.resources(&root, key, names, false);
        if !resources.is_empty() {
            out.insert(key.into(), Value::Object(resources));
        }
    }
    if let Kind::Map(entries) = &root.kind {
        for (k, v) in entries {
            let key = k.key_string();
            if key.starts_with("x-") {
                out.insert(key, v.to_json());
            }
        }
    }
    Value::Object(out)
}

/// `value` with every object and array exactly as large as it is: a map built by inserts keeps
/// room for three entries or more (a service's model is mostly small maps), and the model of a
/// large project is most of what `config` holds in memory.
fn compact(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, compact(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(compact).collect()),
        other => other,
    }
}

/// Escape every `$` of every string as `$$`, as `docker compose config` prints its model.
pub fn escape_dollars(value: &mut Value) {
    match value {
        Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        Value::Array(items) => items.iter_mut().for_each(escape_dollars),
        Value::Object(map) => map.values_mut().for_each(escape_dollars),
        _ => {}
    }
}

/// Compose's `NormalizeProjectName`: lowercase, and only `a-z`, `0-9`, `_` and `-`, starting with
/// a letter or digit.
fn normalize_project_name(name: &str) -> String {
    let lower: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    lower
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

struct Cx<'a> {
    options: &'a Options,
    project: Option<String>,
}

/// What the services refer to, to keep only the resources in use.
#[derive(Default)]
struct Used {
    networks: IndexSet<String>,
    volumes: IndexSet<String>,
    secrets: IndexSet<String>,
    configs: IndexSet<String>,
}

impl Used {
    fn of(services: &Map<String, Value>) -> Used {
        let mut used = Used::default();
        let add = |list: &mut IndexSet<String>, name: &str| {
            if !list.contains(name) {
                list.insert(name.to_string());
            }
        };
        for service in services.values() {
            if let Some(networks) = service.get("networks").and_then(Value::as_object) {
                networks.keys().for_each(|n| add(&mut used.networks, n));
            }
            for volume in service
                .get("volumes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if volume.get("type").and_then(Value::as_str) == Some("volume")
                    && let Some(source) = volume.get("source").and_then(Value::as_str)
                {
                    add(&mut used.volumes, source);
                }
            }
            for (key, list) in [
                ("secrets", &mut used.secrets),
                ("configs", &mut used.configs),
            ] {
                let refs = service.get(key).and_then(Value::as_array).into_iter();
                let build = service
                    .get("build")
                    .and_then(|b| b.get(key))
                    .and_then(Value::as_array)
                    .into_iter();
                for item in refs.chain(build).flatten() {
                    let name = item
                        .as_str()
                        .or_else(|| item.get("source").and_then(Value::as_str));
                    if let Some(name) = name {
                        add(list, name);
                    }
                }
            }
        }
        used
    }
}

impl Cx<'_> {
    /// Whether a service is enabled by the active profiles.
    fn active(&self, service: &Node) -> bool {
        let Some(active) = &self.options.profiles else {
            return true;
        };
        let profiles = strings(service.get("profiles"));
        profiles.is_empty()
            || active.iter().any(|a| a == "*")
            || profiles.iter().any(|p| active.contains(p))
    }

    /// The top-level `networks`, `volumes`, `secrets` or `configs` that services use.
    fn resources(
        &self,
        root: &Node,
        key: &str,
        used: &IndexSet<String>,
        networks: bool,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        // Declared resources by name (the first of a name, as a lookup would find it).
        let mut declared: Vec<(String, Option<&Node>)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        if let Some(Kind::Map(entries)) = root.get(key).map(|n| &n.kind) {
            for (k, v) in entries {
                let name = k.key_string();
                if seen.insert(name.clone()) {
                    declared.push((name, Some(v)));
                }
            }
        }
        if networks && used.contains("default") && !seen.contains("default") {
            declared.push(("default".into(), None));
        }
        declared.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, node) in declared {
            if !used.contains(&name) {
                continue;
            }
            let value = self.resource(&name, node, key);
            out.insert(name, value);
        }
        out
    }

    fn resource(&self, name: &str, node: Option<&Node>, key: &str) -> Value {
        let mut out = Map::new();
        let mut external = false;
        let mut explicit_name = None;
        if let Some(Kind::Map(entries)) = node.map(|n| &n.kind) {
            for (k, v) in entries {
                let field = k.key_string();
                match field.as_str() {
                    "name" => explicit_name = Some(go_sprint(v)),
                    "external" => match &v.kind {
                        Kind::Bool(b) => external = *b,
                        Kind::Map(_) => {
                            // The legacy `external: {name: x}`.
                            external = true;
                            if let Some(n) = v.get("name") {
                                explicit_name = Some(go_sprint(n));
                            }
                        }
                        _ => {}
                    },
                    "labels" | "driver_opts" | "options" => {
                        let mut map = string_map(v, false);
                        // A local volume bound to a host directory: the device is a path.
                        if field == "driver_opts"
                            && map.get("o").and_then(Value::as_str) == Some("bind")
                            && let Some(device) = map.get("device").and_then(Value::as_str)
                        {
                            let device = self.path(device);
                            map["device"] = Value::String(device);
                        }
                        out.insert(field, map);
                    }
                    "file" => {
                        out.insert(field, Value::String(self.path(&go_sprint(v))));
                    }
                    f if f.starts_with("x-") => {}
                    _ => {
                        out.insert(field, plain(v));
                    }
                }
            }
        }
        let resolved = explicit_name.or_else(|| {
            if external {
                Some(name.to_string())
            } else {
                self.project.as_ref().map(|p| format!("{p}_{name}"))
            }
        });
        let mut ordered = Map::new();
        if let Some(n) = resolved {
            ordered.insert("name".into(), Value::String(n));
        }
        if key == "networks" && !out.contains_key("ipam") {
            ordered.insert("ipam".into(), json!({}));
        }
        if external {
            ordered.insert("external".into(), Value::Bool(true));
        }
        ordered.extend(out);
        Value::Object(ordered)
    }

    /// A path relative to the project directory, made absolute (and clean) when the directory is
    /// known; `~` is the home directory. An absolute path stays as written.
    fn path(&self, p: &str) -> String {
        let expanded = match (p.strip_prefix('~'), &self.options.home) {
            (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
                format!("{home}{rest}")
            }
            _ => p.to_string(),
        };
        match &self.options.project_dir {
            Some(dir) if !expanded.starts_with('/') => {
                clean_path(&dir.join(FsPath::new(&expanded)).to_string_lossy())
            }
            _ => expanded,
        }
    }

    /// The `KEY=VALUE` lines of the `env_file` or `label_file` files, read from the project
    /// directory (nothing without one; a missing file is skipped).
    fn read_files(&self, list: &Node) -> Map<String, Value> {
        let mut out = Map::new();
        let Some(dir) = &self.options.project_dir else {
            return out;
        };
        let paths: Vec<String> = match &list.kind {
            Kind::Seq(items) => items
                .iter()
                .filter_map(|i| match &i.kind {
                    Kind::Map(_) => i.get("path").map(go_sprint),
                    _ => Some(go_sprint(i)),
                })
                .collect(),
            Kind::Null => Vec::new(),
            _ => vec![go_sprint(list)],
        };
        for path in paths {
            let Ok(text) = crate::fsio::read_input_string(&dir.join(&path)) else {
                continue;
            };
            for entry in parse_dotenv(&text) {
                let (k, v) = (entry.key, entry.value);
                let value = v.or_else(|| self.lookup(&k));
                match value {
                    Some(v) => out.insert(k, Value::String(v)),
                    None => out.insert(k, Value::Null),
                };
            }
        }
        out
    }

    fn lookup(&self, name: &str) -> Option<String> {
        self.options.environment.get(name).cloned()
    }

    fn service(&self, service: &Node) -> Value {
        let Kind::Map(entries) = &service.kind else {
            return Value::Object(Map::new());
        };
        // Its keys, and `command` and `entrypoint`, at most a few more (no slack to grow into).
        let mut out = Map::with_capacity(entries.len() + 4);
        let mut has_networks = false;
        for (k, v) in entries {
            let key = k.key_string();
            let value = match key.as_str() {
                "build" => Some(self.build(v)),
                "command" | "entrypoint" => Some(shell_command(v)),
                "environment" => self.environment(v, true),
                "labels" | "annotations" | "sysctls" => non_empty(string_map(v, false)),
                "ports" => non_empty(Value::Array(ports(v))),
                "expose" => non_empty(Value::Array(
                    strings(Some(v)).into_iter().map(Value::String).collect(),
                )),
                "volumes" => non_empty(Value::Array(self.volumes(v))),
                "networks" => {
                    has_networks = true;
                    Some(service_networks(v))
                }
                "depends_on" => non_empty(depends_on(v)),
                "healthcheck" => Some(healthcheck(v)),
                "deploy" => Some(deploy(v)),
                "extra_hosts" => non_empty(extra_hosts(v)),
                "dns" | "dns_search" | "dns_opt" | "tmpfs" | "cap_add" | "cap_drop"
                | "profiles" | "links" | "security_opt" | "volumes_from" | "group_add" => {
                    non_empty(Value::Array(
                        string_list(v).into_iter().map(Value::String).collect(),
                    ))
                }
                "env_file" | "label_file" => None,
                "stop_grace_period" => Some(duration_value(v)),
                "mem_limit" | "mem_reservation" | "memswap_limit" | "shm_size" => {
                    Some(bytes_value(v))
                }
                "logging" => Some(logging(v)),
                "models" => Some(service_networks(v)),
                "provider" => Some(provider(v)),
                "develop" => Some(self.develop(v)),
                "ulimits" => Some(ulimits(v)),
                "secrets" => non_empty(Value::Array(file_mounts(v, Some("/run/secrets")))),
                "configs" => non_empty(Value::Array(file_mounts(v, None))),
                "devices" => non_empty(Value::Array(device_mappings(v))),
                k if k.starts_with("x-") => None,
                _ => Some(plain(v)),
            };
            match value {
                // Compose's model omits empty strings (`image: ${UNSET}`).
                Some(Value::String(s)) if s.is_empty() => {}
                Some(value) => {
                    out.insert(key, value);
                }
                None => {}
            }
        }
        for key in ["command", "entrypoint"] {
            out.entry(key).or_insert(Value::Null);
        }
        // Variables and labels from files, overridden by those written in the document.
        for (files, key) in [("env_file", "environment"), ("label_file", "labels")] {
            let Some(list) = service.get(files) else {
                continue;
            };
            let mut merged = self.read_files(list);
            if let Some(Value::Object(own)) = out.remove(key) {
                merged.extend(own);
            }
            if !merged.is_empty() {
                out.insert(key.into(), Value::Object(merged));
            }
        }
        // The implicit default network.
        let detached = service.get("network_mode").is_some() || service.get("provider").is_some();
        if !detached {
            let empty = out
                .get("networks")
                .and_then(Value::as_object)
                .is_none_or(Map::is_empty);
            if !has_networks || empty {
                out.insert("networks".into(), json!({"default": null}));
            }
        }
        // Dependencies implied by links, shared namespaces and volumes_from.
        let mut deps = out
            .remove("depends_on")
            .and_then(|d| match d {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .unwrap_or_default();
        for link in strings(service.get("links")) {
            let parts: Vec<&str> = link.split(':').collect();
            let name = if parts.len() == 2 { parts[0] } else { &link };
            deps.entry(name.to_string()).or_insert_with(
                || json!({"condition": "service_started", "restart": true, "required": true}),
            );
        }
        for ns in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
            if let Some(shared) = service
                .get(ns)
                .and_then(Node::as_str)
                .and_then(|s| s.strip_prefix("service:"))
            {
                deps.entry(shared.to_string()).or_insert_with(
                    || json!({"condition": "service_started", "restart": true, "required": true}),
                );
            }
        }
        for from in strings(service.get("volumes_from")) {
            if !from.starts_with("container:") {
                let name = from.split(':').next().unwrap_or_default();
                deps.entry(name.to_string())
                    .or_insert_with(|| json!({"condition": "service_started", "required": true}));
            }
        }
        if !deps.is_empty() {
            out.insert("depends_on".into(), Value::Object(deps));
        }
        Value::Object(out)
    }

    fn build(&self, build: &Node) -> Value {
        let mut out = Map::new();
        let mut dockerfile_written = false;
        match &build.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    let key = k.key_string();
                    let value = match key.as_str() {
                        "context" => Value::String(self.context(&go_sprint(v))),
                        "args" => {
                            let Some(args) = self.environment(v, false) else {
                                continue;
                            };
                            args
                        }
                        "labels" => string_map(v, false),
                        "extra_hosts" => extra_hosts(v),
                        "secrets" => Value::Array(file_mounts(v, None)),
                        "dockerfile" if go_sprint(v).is_empty() => {
                            // Written but empty: no default, and not printed.
                            dockerfile_written = true;
                            continue;
                        }
                        k if k.starts_with("x-") => continue,
                        _ => plain(v),
                    };
                    out.insert(key, value);
                }
            }
            Kind::Null => {}
            _ => {
                out.insert(
                    "context".into(),
                    Value::String(self.context(&go_sprint(build))),
                );
            }
        }
        if !out.contains_key("context") {
            out.insert("context".into(), Value::String(self.context(".")));
        }
        if !dockerfile_written
            && !out.contains_key("dockerfile")
            && !out.contains_key("dockerfile_inline")
        {
            out.insert("dockerfile".into(), Value::String("Dockerfile".into()));
        }
        Value::Object(out)
    }

    /// A build context: a path under the project directory, unless it is a URL.
    fn context(&self, context: &str) -> String {
        let remote = context.contains("://")
            || context.starts_with("git@")
            || context.starts_with("github.com/");
        if remote {
            context.to_string()
        } else {
            self.path(context)
        }
    }

    /// `environment` (`keep_unset`: a variable neither written nor in the environment stays as
    /// `null`) or build `args` (it is dropped).
    fn environment(&self, env: &Node, keep_unset: bool) -> Option<Value> {
        let mut out = Map::new();
        let mut put = |key: String, value: Option<String>| match value {
            Some(v) => {
                out.insert(key, Value::String(v));
            }
            None => match self.lookup(&key) {
                Some(v) => {
                    out.insert(key, Value::String(v));
                }
                None if keep_unset => {
                    out.insert(key, Value::Null);
                }
                None => {
                    out.remove(&key);
                }
            },
        };
        match &env.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    let value = (!matches!(v.kind, Kind::Null)).then(|| go_sprint(v));
                    put(k.key_string(), value);
                }
            }
            Kind::Seq(items) => {
                for item in items {
                    let s = go_sprint(item);
                    match s.split_once('=') {
                        Some((k, v)) => put(k.to_string(), Some(v.to_string())),
                        None => put(s, None),
                    }
                }
            }
            _ => {}
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }

    /// `develop`: watch paths resolved, `exec.command` split, `ignore`/`include` as lists.
    fn develop(&self, node: &Node) -> Value {
        let Kind::Map(entries) = &node.kind else {
            return plain(node);
        };
        let mut out = Map::new();
        for (k, v) in entries {
            let key = k.key_string();
            let value = match (key.as_str(), &v.kind) {
                ("watch", Kind::Seq(items)) => {
                    Value::Array(items.iter().map(|w| self.watch(w)).collect())
                }
                (k, _) if k.starts_with("x-") => continue,
                _ => plain(v),
            };
            out.insert(key, value);
        }
        Value::Object(out)
    }

    fn watch(&self, item: &Node) -> Value {
        let Kind::Map(entries) = &item.kind else {
            return plain(item);
        };
        let mut out = Map::new();
        for (k, v) in entries {
            let key = k.key_string();
            let value = match key.as_str() {
                "path" => Value::String(self.path(&go_sprint(v))),
                "ignore" | "include" => {
                    Value::Array(string_list(v).into_iter().map(Value::String).collect())
                }
                "exec" => {
                    let mut exec = match plain(v) {
                        Value::Object(m) => m,
                        _ => Map::new(),
                    };
                    exec.insert(
                        "command".into(),
                        v.get("command").map_or(Value::Null, shell_command),
                    );
                    Value::Object(exec)
                }
                k if k.starts_with("x-") => continue,
                _ => plain(v),
            };
            out.insert(key, value);
        }
        out.entry("exec")
            .or_insert_with(|| json!({"command": null}));
        Value::Object(out)
    }

    fn volumes(&self, volumes: &Node) -> Vec<Value> {
        let Kind::Seq(items) = &volumes.kind else {
            return Vec::new();
        };
        let mut out: Vec<Value> = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for item in items {
            let (key, value) = match &item.kind {
                Kind::Str(spec) => match parse_volume(spec) {
                    Ok(v) => (clean_path(&v.target), self.short_volume(&v)),
                    Err(_) => continue,
                },
                Kind::Map(_) => {
                    let raw = item.get("target").map(go_sprint).unwrap_or_default();
                    (raw, self.long_volume(item))
                }
                _ => continue,
            };
            match seen.get(&key) {
                Some(&at) => out[at] = value,
                None => {
                    seen.insert(key, out.len());
                    out.push(value);
                }
            }
        }
        out
    }

    fn short_volume(&self, v: &VolumeSpec) -> Value {
        let mut out = Map::new();
        out.insert("type".into(), Value::String(v.kind.as_str().into()));
        if !v.source.is_empty() {
            let source = if v.kind == VolumeType::Bind {
                self.path(&v.source)
            } else {
                v.source.clone()
            };
            out.insert("source".into(), Value::String(source));
        }
        out.insert("target".into(), Value::String(clean_path(&v.target)));
        if v.read_only {
            out.insert("read_only".into(), Value::Bool(true));
        }
        let mut bind = Map::new();
        if let Some(p) = &v.propagation {
            bind.insert("propagation".into(), Value::String(p.clone()));
        }
        if let Some(s) = &v.selinux {
            bind.insert("selinux".into(), Value::String(s.clone()));
        }
        if v.kind == VolumeType::Bind {
            bind.insert("create_host_path".into(), Value::Bool(true));
        }
        if !bind.is_empty() {
            out.insert("bind".into(), Value::Object(bind));
        }
        if v.kind == VolumeType::Volume && !v.bare {
            let mut volume = Map::new();
            if v.nocopy {
                volume.insert("nocopy".into(), Value::Bool(true));
            }
            out.insert("volume".into(), Value::Object(volume));
        }
        Value::Object(out)
    }

    fn long_volume(&self, item: &Node) -> Value {
        let mut out = Map::new();
        let kind = item.get("type").map(go_sprint).unwrap_or_default();
        let Kind::Map(entries) = &item.kind else {
            return Value::Object(out);
        };
        for (k, v) in entries {
            let key = k.key_string();
            let value = match key.as_str() {
                "source" if kind == "bind" => Value::String(self.path(&go_sprint(v))),
                "target" => Value::String(clean_path(&go_sprint(v))),
                "read_only" if matches!(v.kind, Kind::Bool(false)) => continue,
                "tmpfs" => {
                    let mut tmpfs = Map::new();
                    if let Kind::Map(options) = &v.kind {
                        for (ok, ov) in options {
                            let value = match ok.key_string().as_str() {
                                "size" => bytes_value(ov),
                                _ => plain(ov),
                            };
                            tmpfs.insert(ok.key_string(), value);
                        }
                    }
                    Value::Object(tmpfs)
                }
                k if k.starts_with("x-") => continue,
                _ => plain(v),
            };
            out.insert(key, value);
        }
        Value::Object(out)
    }
}

/// A value as written, without extensions (`x-*` keys), which Compose's JSON output drops.
fn plain(node: &Node) -> Value {
    match &node.kind {
        Kind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.key_string(), v))
                .filter(|(k, _)| !k.starts_with("x-"))
                .map(|(k, v)| (k, plain(v)))
                .collect(),
        ),
        Kind::Seq(items) => Value::Array(items.iter().map(plain).collect()),
        _ => node.to_json(),
    }
}

fn non_empty(value: Value) -> Option<Value> {
    match &value {
        Value::Array(a) if a.is_empty() => None,
        Value::Object(m) if m.is_empty() => None,
        Value::Null => None,
        _ => Some(value),
    }
}

/// The items of a list (or a lone string) as strings, `None` giving nothing.
fn strings(node: Option<&Node>) -> Vec<String> {
    node.map(string_list).unwrap_or_default()
}

fn string_list(node: &Node) -> Vec<String> {
    match &node.kind {
        Kind::Seq(items) => items.iter().map(go_sprint).collect(),
        Kind::Null => Vec::new(),
        _ => vec![go_sprint(node)],
    }
}

/// A `K=V` list or a mapping as a mapping of strings (`K` alone, or `K:` with no value, is `""`).
fn string_map(node: &Node, keep_null: bool) -> Value {
    let mut out = Map::new();
    match &node.kind {
        Kind::Map(entries) => {
            for (k, v) in entries {
                let value = match v.kind {
                    Kind::Null if keep_null => Value::Null,
                    Kind::Null => Value::String(String::new()),
                    _ => Value::String(go_sprint(v)),
                };
                out.insert(k.key_string(), value);
            }
        }
        Kind::Seq(items) => {
            for item in items {
                let s = go_sprint(item);
                let (k, v) = s.split_once('=').unwrap_or((&s, ""));
                out.insert(k.to_string(), Value::String(v.to_string()));
            }
        }
        _ => {}
    }
    Value::Object(out)
}

/// `extra_hosts`: `host=ip` strings sorted by host (ips in order), as compose-go prints its
/// `HostsList`.
fn extra_hosts(node: &Node) -> Value {
    let mut hosts: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |host: &str, ip: String| match hosts.iter_mut().find(|(h, _)| h == host) {
        Some((_, ips)) => ips.push(ip),
        None => hosts.push((host.to_string(), vec![ip])),
    };
    match &node.kind {
        Kind::Map(entries) => {
            for (k, v) in entries {
                for ip in string_list(v) {
                    add(&k.key_string(), ip);
                }
            }
        }
        Kind::Seq(items) => {
            for item in items {
                let s = go_sprint(item);
                let split = s.split_once('=').or_else(|| s.split_once(':'));
                if let Some((h, ip)) = split {
                    let ip = ip
                        .strip_prefix('[')
                        .and_then(|i| i.strip_suffix(']'))
                        .unwrap_or(ip);
                    add(h, ip.to_string());
                }
            }
        }
        _ => {}
    }
    hosts.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Array(
        hosts
            .into_iter()
            .flat_map(|(h, ips)| {
                ips.into_iter()
                    .map(move |ip| Value::String(format!("{h}={ip}")))
            })
            .collect(),
    )
}

/// `command` and `entrypoint`: a string is split into words; `null` stays `null`.
fn shell_command(node: &Node) -> Value {
    match &node.kind {
        Kind::Null => Value::Null,
        Kind::Seq(items) => {
            Value::Array(items.iter().map(|i| Value::String(go_sprint(i))).collect())
        }
        _ => {
            let s = go_sprint(node);
            let words = shell_words(&s).unwrap_or_else(|_| vec![s]);
            Value::Array(words.into_iter().map(Value::String).collect())
        }
    }
}

/// Service `networks`: a list is a mapping of `null`s; aliases are deduplicated.
fn service_networks(node: &Node) -> Value {
    let mut out = Map::new();
    match &node.kind {
        Kind::Seq(items) => {
            for item in items {
                out.insert(go_sprint(item), Value::Null);
            }
        }
        Kind::Map(entries) => {
            for (k, v) in entries {
                let value = match &v.kind {
                    Kind::Map(fields) => {
                        let mut net = Map::new();
                        for (fk, fv) in fields {
                            let key = fk.key_string();
                            let value = match key.as_str() {
                                "aliases" | "link_local_ips" => {
                                    let mut seen = Vec::new();
                                    for s in string_list(fv) {
                                        if !seen.contains(&s) {
                                            seen.push(s);
                                        }
                                    }
                                    Value::Array(seen.into_iter().map(Value::String).collect())
                                }
                                "driver_opts" => string_map(fv, false),
                                k if k.starts_with("x-") => continue,
                                _ => plain(fv),
                            };
                            net.insert(key, value);
                        }
                        if net.is_empty() {
                            Value::Null
                        } else {
                            Value::Object(net)
                        }
                    }
                    _ => Value::Null,
                };
                out.insert(k.key_string(), value);
            }
        }
        _ => {}
    }
    Value::Object(out)
}

/// `depends_on`: a list is `condition: service_started, required: true` for each service;
/// `required` defaults to true; `restart: false` is not printed.
fn depends_on(node: &Node) -> Value {
    let mut out = Map::new();
    match &node.kind {
        Kind::Seq(items) => {
            for item in items {
                out.insert(
                    go_sprint(item),
                    json!({"condition": "service_started", "required": true}),
                );
            }
        }
        Kind::Map(entries) => {
            for (k, v) in entries {
                let mut dep = Map::new();
                let condition = v
                    .get("condition")
                    .map(go_sprint)
                    .unwrap_or_else(|| "service_started".into());
                dep.insert("condition".into(), Value::String(condition));
                if matches!(v.get("restart").map(|r| &r.kind), Some(Kind::Bool(true))) {
                    dep.insert("restart".into(), Value::Bool(true));
                }
                let required =
                    !matches!(v.get("required").map(|r| &r.kind), Some(Kind::Bool(false)));
                dep.insert("required".into(), Value::Bool(required));
                out.insert(k.key_string(), Value::Object(dep));
            }
        }
        _ => {}
    }
    Value::Object(out)
}

/// `healthcheck`: a string test runs in a shell (`CMD-SHELL`); durations as Go prints them.
fn healthcheck(node: &Node) -> Value {
    let Kind::Map(entries) = &node.kind else {
        return plain(node);
    };
    let mut out = Map::new();
    for (k, v) in entries {
        let key = k.key_string();
        let value = match key.as_str() {
            "test" => match &v.kind {
                Kind::Seq(items) => {
                    Value::Array(items.iter().map(|i| Value::String(go_sprint(i))).collect())
                }
                Kind::Null => continue,
                _ => json!(["CMD-SHELL", go_sprint(v)]),
            },
            "interval" | "timeout" | "start_period" | "start_interval" => duration_value(v),
            k if k.starts_with("x-") => continue,
            _ => plain(v),
        };
        out.insert(key, value);
    }
    Value::Object(out)
}

/// `provider`: every option is a list of strings.
fn provider(node: &Node) -> Value {
    let Kind::Map(entries) = &node.kind else {
        return plain(node);
    };
    let mut out = Map::new();
    for (k, v) in entries {
        let key = k.key_string();
        let value = match (key.as_str(), &v.kind) {
            ("options", Kind::Map(options)) => Value::Object(
                options
                    .iter()
                    .map(|(ok, ov)| {
                        let values = string_list(ov).into_iter().map(Value::String).collect();
                        (ok.key_string(), Value::Array(values))
                    })
                    .collect(),
            ),
            (k, _) if k.starts_with("x-") => continue,
            _ => plain(v),
        };
        out.insert(key, value);
    }
    Value::Object(out)
}

/// `ulimits`: a limit of 0 is not printed (`core: 0` is `{}`).
fn ulimits(node: &Node) -> Value {
    let Kind::Map(entries) = &node.kind else {
        return plain(node);
    };
    let mut out = Map::new();
    for (k, v) in entries {
        let value = match &v.kind {
            Kind::Int(0) => json!({}),
            Kind::Map(fields) => Value::Object(
                fields
                    .iter()
                    .filter(|(_, f)| !matches!(f.kind, Kind::Int(0)))
                    .map(|(fk, fv)| (fk.key_string(), plain(fv)))
                    .collect(),
            ),
            _ => plain(v),
        };
        out.insert(k.key_string(), value);
    }
    Value::Object(out)
}

/// Service `secrets` (`default_dir` `/run/secrets`: the target of one without a target) and
/// `configs`: long syntax, `uid` and `gid` as strings, `mode` in octal (`"0440"`).
fn file_mounts(node: &Node, default_dir: Option<&str>) -> Vec<Value> {
    let Kind::Seq(items) = &node.kind else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| {
            let mut out = Map::new();
            match &item.kind {
                Kind::Map(fields) => {
                    for (k, v) in fields {
                        let key = k.key_string();
                        let value = match (key.as_str(), &v.kind) {
                            ("mode", Kind::Int(mode)) => Value::String(format!("0{mode:o}")),
                            (k, _) if k.starts_with("x-") => continue,
                            (_, Kind::Null) => continue,
                            _ => Value::String(go_sprint(v)),
                        };
                        out.insert(key, value);
                    }
                }
                _ => {
                    out.insert("source".into(), Value::String(go_sprint(item)));
                }
            }
            if let (Some(dir), false) = (default_dir, out.contains_key("target")) {
                let source = out
                    .get("source")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let target = format!("{dir}/{source}");
                out.insert("target".into(), Value::String(target));
            }
            Value::Object(out)
        })
        .collect()
}

/// `devices`: `SOURCE[:TARGET[:PERMISSIONS]]` in long syntax; permissions default to `rwm`.
fn device_mappings(node: &Node) -> Vec<Value> {
    let Kind::Seq(items) = &node.kind else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| {
            let mut out = Map::new();
            match &item.kind {
                Kind::Map(fields) => {
                    for (k, v) in fields {
                        if !k.key_string().starts_with("x-") {
                            out.insert(k.key_string(), Value::String(go_sprint(v)));
                        }
                    }
                }
                _ => {
                    let spec = go_sprint(item);
                    let parts: Vec<&str> = spec.split(':').collect();
                    out.insert("source".into(), json!(parts[0]));
                    out.insert("target".into(), json!(parts.get(1).unwrap_or(&parts[0])));
                    if let Some(p) = parts.get(2) {
                        out.insert("permissions".into(), json!(p));
                    }
                }
            }
            out.entry("permissions").or_insert_with(|| json!("rwm"));
            Value::Object(out)
        })
        .collect()
}

/// `logging`: option values are strings.
fn logging(node: &Node) -> Value {
    let Kind::Map(entries) = &node.kind else {
        return plain(node);
    };
    let mut out = Map::new();
    for (k, v) in entries {
        let key = k.key_string();
        let value = match key.as_str() {
            "options" => string_map(v, true),
            _ => plain(v),
        };
        out.insert(key, value);
    }
    Value::Object(out)
}

/// `deploy`: resources in CPUs and bytes; `resources` and `placement` are always there.
fn deploy(node: &Node) -> Value {
    let mut out = Map::new();
    if let Kind::Map(entries) = &node.kind {
        for (k, v) in entries {
            let key = k.key_string();
            let value = match key.as_str() {
                "resources" => resources(v),
                "labels" => string_map(v, false),
                k if k.starts_with("x-") => continue,
                _ => plain(v),
            };
            out.insert(key, value);
        }
    }
    out.entry("resources").or_insert_with(|| json!({}));
    out.entry("placement").or_insert_with(|| json!({}));
    Value::Object(out)
}

fn resources(node: &Node) -> Value {
    let mut out = Map::new();
    let Kind::Map(entries) = &node.kind else {
        return Value::Object(out);
    };
    for (k, v) in entries {
        let key = k.key_string();
        let Kind::Map(fields) = &v.kind else {
            out.insert(key, plain(v));
            continue;
        };
        let mut limits = Map::new();
        for (fk, fv) in fields {
            let field = fk.key_string();
            let value = match field.as_str() {
                "cpus" => number_value(fv),
                "memory" => bytes_value(fv),
                "devices" => devices(fv),
                k if k.starts_with("x-") => continue,
                _ => plain(fv),
            };
            limits.insert(field, value);
        }
        out.insert(key, Value::Object(limits));
    }
    Value::Object(out)
}

/// Reserved devices: `count: all` is `-1`.
fn devices(node: &Node) -> Value {
    let Kind::Seq(items) = &node.kind else {
        return plain(node);
    };
    Value::Array(
        items
            .iter()
            .map(|item| {
                let mut v = plain(item);
                if let Some(obj) = v.as_object_mut()
                    && obj.get("count").and_then(Value::as_str) == Some("all")
                {
                    obj.insert("count".into(), json!(-1));
                }
                v
            })
            .collect(),
    )
}

/// A number written as a number or a string (`cpus: '0.5'`), as a JSON number; integral values
/// are integers, as Go prints them.
fn number_value(node: &Node) -> Value {
    let f = match &node.kind {
        Kind::Int(i) => return json!(i),
        Kind::Float(f) => *f,
        Kind::Str(s) => match s.trim().parse::<f64>() {
            Ok(f) => f,
            Err(_) => return plain(node),
        },
        _ => return plain(node),
    };
    if f.fract() == 0.0 && f.abs() < 1e15 {
        json!(f as i64)
    } else {
        json!(f)
    }
}

/// A size (`512M`, `1g`, `1024`) in bytes, printed as a string as Compose does.
fn bytes_value(node: &Node) -> Value {
    match &node.kind {
        Kind::Int(i) => Value::String(i.to_string()),
        Kind::Str(s) => ram_in_bytes(s)
            .map(|b| Value::String(b.to_string()))
            .unwrap_or_else(|| plain(node)),
        _ => plain(node),
    }
}

/// A duration as Go's `time.Duration` prints it (`1m30s`), or as written when it does not parse.
fn duration_value(node: &Node) -> Value {
    match parse_duration(&go_sprint(node)) {
        Some(ns) => Value::String(format_duration(ns)),
        None => plain(node),
    }
}

/// Service `ports` in long syntax, one entry per port, deduplicated as compose-go does.
fn ports(node: &Node) -> Vec<Value> {
    let Kind::Seq(items) = &node.kind else {
        return Vec::new();
    };
    let mut entries: Vec<(Option<String>, Value)> = Vec::new();
    for item in items {
        match &item.kind {
            Kind::Int(target) => entries.push((
                Some(format!("0.0.0.0:%!s(<nil>):{target}/tcp")),
                json!({"mode": "ingress", "target": target, "protocol": "tcp"}),
            )),
            Kind::Str(spec) => {
                let Ok(mapping) = parse_port(spec) else {
                    continue;
                };
                for p in mapping.expand() {
                    let mut port = Map::new();
                    port.insert("mode".into(), json!("ingress"));
                    if !p.host_ip.is_empty() {
                        port.insert("host_ip".into(), json!(p.host_ip));
                    }
                    port.insert("target".into(), json!(p.target));
                    if let Some(published) = p.published_text() {
                        port.insert("published".into(), json!(published));
                    }
                    port.insert("protocol".into(), json!(p.protocol));
                    entries.push((Some(p.key()), Value::Object(port)));
                }
            }
            Kind::Map(fields) => {
                let mut port = Map::new();
                port.insert("mode".into(), json!("ingress"));
                port.insert("protocol".into(), json!("tcp"));
                for (k, v) in fields {
                    let key = k.key_string();
                    let value = match key.as_str() {
                        "target" => match &v.kind {
                            Kind::Str(s) => s.parse::<u32>().map(|t| json!(t)).unwrap_or(json!(s)),
                            _ => plain(v),
                        },
                        "published" => match &v.kind {
                            Kind::Null => continue,
                            _ => {
                                let s = go_sprint(v);
                                if s.is_empty() {
                                    continue;
                                }
                                Value::String(s)
                            }
                        },
                        "host_ip" if go_sprint(v).is_empty() => continue,
                        k if k.starts_with("x-") => continue,
                        _ => Value::String(go_sprint(v)),
                    };
                    port.insert(key, value);
                }
                entries.push((long_port_key(item), Value::Object(port)));
            }
            _ => {}
        }
    }
    let mut out: Vec<Value> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (key, value) in entries {
        match key {
            Some(key) => match seen.get(&key) {
                Some(&at) => out[at] = value,
                None => {
                    seen.insert(key, out.len());
                    out.push(value);
                }
            },
            None => out.push(value),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> Value {
        normalize(&Node::parse(text).unwrap())
    }

    fn web(text: &str) -> Value {
        norm(text)["services"]["web"].clone()
    }

    #[test]
    fn services_in_compose_shape() {
        let w = web(
            "services:\n  web:\n    image: nginx\n    command: echo hi\n    environment: [A=1, B]\n    labels: {a: 1, b: true}\n    ports: ['8080:80', 9090]\n    expose: [80, '81/udp']\n    volumes: ['./d:/d/', 'nv:/n:ro']\n    depends_on: [db]\n    profiles: [p]\n    healthcheck: {test: curl x, interval: 1m}\n    deploy: {resources: {limits: {cpus: '0.5', memory: 512M}}}\n  db:\n    image: pg\n",
        );
        assert_eq!(
            w,
            json!({
                "image": "nginx",
                "command": ["echo", "hi"],
                "entrypoint": null,
                "environment": {"A": "1", "B": null},
                "labels": {"a": "1", "b": "true"},
                "ports": [
                    {"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"},
                    {"mode": "ingress", "target": 9090, "protocol": "tcp"}
                ],
                "expose": ["80", "81/udp"],
                "volumes": [
                    {"type": "bind", "source": "./d", "target": "/d", "bind": {"create_host_path": true}},
                    {"type": "volume", "source": "nv", "target": "/n", "read_only": true, "volume": {}}
                ],
                "depends_on": {"db": {"condition": "service_started", "required": true}},
                "profiles": ["p"],
                "healthcheck": {"test": ["CMD-SHELL", "curl x"], "interval": "1m0s"},
                "deploy": {"resources": {"limits": {"cpus": 0.5, "memory": "536870912"}}, "placement": {}},
                "networks": {"default": null}
            })
        );
    }

    #[test]
    fn project_resources_are_named_and_pruned() {
        let root = Node::parse(
            "services:\n  web:\n    image: x\n    networks: [front]\n    volumes: [data:/d, ./b:/b]\n  db:\n    image: y\nnetworks:\n  front: {}\n  unused: {}\n  ext: {external: true}\nvolumes:\n  data: {}\n  other: {}\n",
        )
        .unwrap();
        let options = Options {
            project_name: Some("My.App".into()),
            project_dir: Some("/srv/app".into()),
            ..Options::default()
        };
        let v = normalize_with(&root, &options);
        assert_eq!(v["name"], "myapp");
        assert_eq!(
            v["networks"],
            json!({
                "default": {"name": "myapp_default", "ipam": {}},
                "front": {"name": "myapp_front", "ipam": {}}
            })
        );
        assert_eq!(v["volumes"], json!({"data": {"name": "myapp_data"}}));
        assert_eq!(v["services"]["web"]["volumes"][1]["source"], "/srv/app/b");
    }

    #[test]
    fn implied_dependencies_and_escaping() {
        let mut v = norm(
            "services:\n  a:\n    image: x\n    links: ['b:alias']\n    environment: {A: a$b}\n  b:\n    image: y\n    network_mode: service:a\n    volumes_from: [a]\n",
        );
        assert_eq!(
            v["services"]["a"]["depends_on"],
            json!({"b": {"condition": "service_started", "restart": true, "required": true}})
        );
        assert_eq!(
            v["services"]["b"]["depends_on"],
            json!({"a": {"condition": "service_started", "restart": true, "required": true}})
        );
        assert!(v["services"]["b"].get("networks").is_none());
        escape_dollars(&mut v);
        assert_eq!(v["services"]["a"]["environment"]["A"], "a$$b");
    }
}
