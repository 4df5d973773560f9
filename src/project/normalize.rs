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

use serde_json::{Map, Value, json};

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
    let root = super::merge::resolve_tags(root.clone());
    let mut root = root;
    super::merge::enforce_unicity(&mut root, &mut Vec::new());
    let project = root
        .get("name")
        .and_then(Node::as_str)
        .map(str::to_string)
        .or_else(|| options.project_name.clone())
        .map(|n| normalize_project_name(&n));
    let cx = Cx { options, project };

    let mut services = Map::new();
    if let Some(Kind::Map(entries)) = root.get("services").map(|n| &n.kind) {
        for (k, v) in entries {
            if !cx.active(v) {
                continue;
            }
            services.insert(k.key_string(), cx.service(v));
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
    networks: Vec<String>,
    volumes: Vec<String>,
    secrets: Vec<String>,
    configs: Vec<String>,
}

impl Used {
    fn of(services: &Map<String, Value>) -> Used {
        let mut used = Used::default();
        let add = |list: &mut Vec<String>, name: &str| {
            if !list.iter().any(|n| n == name) {
                list.push(name.to_string());
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
        used: &[String],
        networks: bool,
    ) -> Map<String, Value> {
        let declared = root.get(key);
        let mut out = Map::new();
        let mut names: Vec<String> = match declared.map(|n| &n.kind) {
            Some(Kind::Map(entries)) => entries.iter().map(|(k, _)| k.key_string()).collect(),
            _ => Vec::new(),
        };
        if networks && used.iter().any(|n| n == "default") && !names.iter().any(|n| n == "default")
        {
            names.push("default".into());
        }
        names.sort();
        for name in names {
            if !used.contains(&name) {
                continue;
            }
            let node = declared.and_then(|d| d.get(&name));
            out.insert(name.clone(), self.resource(&name, node, key));
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
            for (k, v) in parse_dotenv(&text) {
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
        let mut out = Map::new();
        let Kind::Map(entries) = &service.kind else {
            return Value::Object(out);
        };
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
                Kind::Str(spec) => match parse_short_volume(spec) {
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

    fn short_volume(&self, v: &ShortVolume) -> Value {
        let mut out = Map::new();
        out.insert("type".into(), Value::String(v.kind.into()));
        if !v.source.is_empty() {
            let source = if v.kind == "bind" {
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
        if v.kind == "bind" {
            bind.insert("create_host_path".into(), Value::Bool(true));
        }
        if !bind.is_empty() {
            out.insert("bind".into(), Value::Object(bind));
        }
        if v.kind == "volume" && !v.bare {
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

/// The variables of a `.env`-style file: `KEY=VALUE` (`export ` allowed), `#` comments, single
/// quotes literal, double quotes with `\n`, `\"`, `\\` escapes; `KEY` alone has no value. (Not
/// supported: interpolation inside the file and multi-line values.)
pub fn parse_dotenv(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, value)) = line.split_once('=') else {
            out.push((line.to_string(), None));
            continue;
        };
        let value = value.trim();
        let value = if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\''))
        {
            inner.to_string()
        } else if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            let mut unescaped = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match (c, chars.clone().next()) {
                    ('\\', Some('n')) => {
                        unescaped.push('\n');
                        chars.next();
                    }
                    ('\\', Some(e @ ('"' | '\\'))) => {
                        unescaped.push(e);
                        chars.next();
                    }
                    _ => unescaped.push(c),
                }
            }
            unescaped
        } else {
            value
                .split(" #")
                .next()
                .unwrap_or_default()
                .trim_end()
                .to_string()
        };
        out.push((key.trim().to_string(), Some(value)));
    }
    out
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
            let words = shell_words(&s).unwrap_or_else(|| vec![s]);
            Value::Array(words.into_iter().map(Value::String).collect())
        }
    }
}

/// mattn/go-shellwords `Parse` with its defaults (no environment or backtick expansion), as
/// compose-go splits `command: string`: quotes and backslashes as in a shell, and the words end at
/// the first unquoted `;`, `&`, `|`, `<` or `>` (`sh -c "a" && b` is `[sh, -c, a]`). `None` for
/// an unterminated quote or an unquoted `(`.
pub fn shell_words(line: &str) -> Option<Vec<String>> {
    let mut args = Vec::new();
    let mut buf = String::new();
    let (mut escaped, mut double, mut single, mut back, mut dollar) =
        (false, false, false, false, false);
    let mut got = false;
    for r in line.chars() {
        if escaped {
            buf.push(r);
            escaped = false;
            got = true;
            continue;
        }
        if r == '\\' {
            if single {
                buf.push(r);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(r, ' ' | '\t' | '\r' | '\n') {
            if single || double || back || dollar {
                buf.push(r);
            } else if got {
                args.push(std::mem::take(&mut buf));
                got = false;
            }
            continue;
        }
        match r {
            '`' if !single && !double && !dollar => back = !back,
            ')' if !single && !double && !back => dollar = false,
            '(' if !single && !double && !back => {
                if !dollar && buf.ends_with('$') {
                    dollar = true;
                    buf.push('(');
                    continue;
                }
                return None;
            }
            '"' if !single && !dollar => {
                if double {
                    got = true;
                }
                double = !double;
                continue;
            }
            '\'' if !double && !dollar => {
                if single {
                    got = true;
                }
                single = !single;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if !(single || double || back || dollar) => break,
            _ => {}
        }
        got = true;
        buf.push(r);
    }
    if got {
        args.push(buf);
    }
    if escaped || single || double || back || dollar {
        return None;
    }
    Some(args)
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

/// docker/go-units `RAMInBytes`: a decimal number and an optional binary unit (`k`, `m`, `g`,
/// `t`, `p`, optionally followed by `i` and/or `b`), case-insensitive.
pub fn ram_in_bytes(s: &str) -> Option<i64> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(end);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return None;
    }
    let size: f64 = number.parse().ok()?;
    let unit = unit.strip_prefix(' ').unwrap_or(unit).to_ascii_lowercase();
    let mut chars = unit.chars().peekable();
    let power = match chars.peek() {
        Some('k') => 1,
        Some('m') => 2,
        Some('g') => 3,
        Some('t') => 4,
        Some('p') => 5,
        _ => 0,
    };
    if power > 0 {
        chars.next();
    }
    let rest: String = chars.collect();
    if !matches!(rest.as_str(), "" | "b" | "i" | "ib") || (power == 0 && rest.starts_with('i')) {
        return None;
    }
    Some((size * 1024f64.powi(power)) as i64)
}

/// A duration as Go's `time.Duration` prints it (`1m30s`), or as written when it does not parse.
fn duration_value(node: &Node) -> Value {
    match parse_go_duration(&go_sprint(node)) {
        Some(ns) => Value::String(format_go_duration(ns)),
        None => plain(node),
    }
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn parse_go_duration(s: &str) -> Option<i64> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(end);
        if number.is_empty() || number == "." {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_end);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += value * scale;
        rest = after;
    }
    let ns = total.round() as i64;
    Some(if neg { -ns } else { ns })
}

/// Go's `time.Duration.String`.
pub fn format_go_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let sign = if ns < 0 { "-" } else { "" };
    let u = ns.unsigned_abs();
    let fraction = |value: u64, digits: u32| -> String {
        let div = 10u64.pow(digits);
        let frac = value % div;
        if frac == 0 {
            format!("{}", value / div)
        } else {
            let f = format!("{frac:0width$}", width = digits as usize);
            format!("{}.{}", value / div, f.trim_end_matches('0'))
        }
    };
    if u < 1_000 {
        return format!("{sign}{u}ns");
    }
    if u < 1_000_000 {
        return format!("{sign}{}µs", fraction(u, 3));
    }
    if u < 1_000_000_000 {
        return format!("{sign}{}ms", fraction(u, 6));
    }
    let hours = u / 3_600_000_000_000;
    let minutes = (u / 60_000_000_000) % 60;
    let seconds = fraction(u % 60_000_000_000, 9);
    if hours > 0 {
        format!("{sign}{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{sign}{minutes}m{seconds}s")
    } else {
        format!("{sign}{seconds}s")
    }
}

// ---------------------------------------------------------------------------------------------
// Ports

/// One port of a short-syntax port, as docker/go-connections `nat.ParsePortSpec` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortMapping {
    /// Host address (brackets of IPv6 removed); empty for all interfaces.
    pub host_ip: String,
    /// Published (host) port or range; empty when Docker picks one.
    pub published: String,
    /// Container port.
    pub target: u32,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

impl PortMapping {
    /// compose-go's unicity key (`portIndexer` on the canonical long syntax).
    pub(crate) fn key(&self) -> String {
        let host = if self.host_ip.is_empty() {
            "0.0.0.0"
        } else {
            &self.host_ip
        };
        let published = if self.published.is_empty() {
            "%!s(<nil>)"
        } else {
            &self.published
        };
        format!("{host}:{published}:{}/{}", self.target, self.protocol)
    }
}

fn port_range(s: &str) -> Result<(u32, u32), String> {
    let parse = |p: &str| {
        p.parse::<u16>()
            .map(u32::from)
            .map_err(|_| format!("invalid port {p:?}"))
    };
    match s.split_once('-') {
        None => parse(s).map(|p| (p, p)),
        Some((a, b)) => {
            let (a, b) = (parse(a)?, parse(b)?);
            if b < a {
                return Err(format!("invalid range {s:?}"));
            }
            Ok((a, b))
        }
    }
}

/// Parse `[[IP:][HOST[-END]]:]CONTAINER[-END][/PROTOCOL]` into one mapping per container port,
/// in compose-go's order (sorted as strings: `1000/tcp` before `998/tcp`).
pub(crate) fn parse_short_port(spec: &str) -> Result<Vec<PortMapping>, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let n = parts.len();
    let (ip, host, container) = match n {
        1 => (String::new(), "", parts[0]),
        2 => (String::new(), parts[0], parts[1]),
        3 => (parts[0].to_string(), parts[1], parts[2]),
        _ => (parts[..n - 2].join(":"), parts[n - 2], parts[n - 1]),
    };
    let proto_parts: Vec<&str> = container.split('/').collect();
    let (protocol, container) = if container.is_empty() || proto_parts[0].is_empty() {
        ("", "")
    } else if proto_parts.len() == 1 {
        ("tcp", container)
    } else if proto_parts[1].is_empty() {
        ("tcp", proto_parts[0])
    } else {
        (proto_parts[1], proto_parts[0])
    };
    let ip = match ip.strip_prefix('[').and_then(|i| i.strip_suffix(']')) {
        Some(inner) => inner.to_string(),
        None => ip,
    };
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("invalid IP address: {ip}"));
    }
    if container.is_empty() {
        return Err(format!("no port specified: {spec}<empty>"));
    }
    let (start, end) = port_range(container)?;
    let (hstart, hend) = if host.is_empty() {
        (0, 0)
    } else {
        port_range(host)?
    };
    if !host.is_empty() && end - start != hend - hstart && end != start {
        return Err(format!(
            "invalid ranges specified for container and host Ports: {container} and {host}"
        ));
    }
    let protocol = protocol.to_ascii_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {protocol}"));
    }
    let mut out: Vec<PortMapping> = (0..=end - start)
        .map(|i| {
            let mut published = if host.is_empty() {
                String::new()
            } else {
                (hstart + i).to_string()
            };
            if start == end && hstart != hend {
                published = format!("{published}-{hend}");
            }
            PortMapping {
                host_ip: ip.clone(),
                published,
                target: start + i,
                protocol: protocol.clone(),
            }
        })
        .collect();
    out.sort_by_key(|p| format!("{}/{}", p.target, p.protocol));
    Ok(out)
}

/// compose-go's `portIndexer` on a long-syntax port as written: Go's `%s` of the published port
/// (so `published: 8080`, a number, is another key than the `"8080"` of `8080:80`).
pub(crate) fn long_port_key(item: &Node) -> Option<String> {
    let target = match &item.get("target")?.kind {
        Kind::Int(t) => t.to_string(),
        other => format!("%!d({})", go_type_value(other)),
    };
    let host = match item.get("host_ip") {
        None => "0.0.0.0".to_string(),
        Some(n) => go_sprint_s(Some(&n.kind)),
    };
    let protocol = match item.get("protocol") {
        None => "tcp".to_string(),
        Some(n) => go_sprint_s(Some(&n.kind)),
    };
    let published = go_sprint_s(item.get("published").map(|n| &n.kind));
    Some(format!("{host}:{published}:{target}/{protocol}"))
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
                let Ok(mappings) = parse_short_port(spec) else {
                    continue;
                };
                for p in mappings {
                    let mut port = Map::new();
                    port.insert("mode".into(), json!("ingress"));
                    if !p.host_ip.is_empty() {
                        port.insert("host_ip".into(), json!(p.host_ip));
                    }
                    port.insert("target".into(), json!(p.target));
                    if !p.published.is_empty() {
                        port.insert("published".into(), json!(p.published));
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

// ---------------------------------------------------------------------------------------------
// Volumes

/// A short-syntax volume, as compose-go's `format.ParseVolume` reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ShortVolume {
    /// `bind` or `volume`.
    pub kind: &'static str,
    /// Host path or volume name; empty for an anonymous volume.
    pub source: String,
    /// Path in the container, as written.
    pub target: String,
    pub read_only: bool,
    pub nocopy: bool,
    pub propagation: Option<String>,
    pub selinux: Option<String>,
    /// One or two characters: compose-go takes them as a target and fills in nothing else.
    pub bare: bool,
}

/// Parse `[SOURCE:]TARGET[:MODE]`.
pub(crate) fn parse_short_volume(spec: &str) -> Result<ShortVolume, String> {
    let mut volume = ShortVolume::default();
    match spec.len() {
        0 => return Err("invalid empty volume spec".into()),
        1 | 2 => {
            volume.target = spec.to_string();
            volume.kind = "volume";
            volume.bare = true;
            return Ok(volume);
        }
        _ => {}
    }
    let mut buffer = String::new();
    let chars: Vec<char> = spec.chars().chain(std::iter::once('\0')).collect();
    let mut depth = 0usize;
    for (i, &c) in chars.iter().enumerate() {
        if c == '$' && chars.get(i + 1) == Some(&'{') {
            depth += 1;
            buffer.push(c);
            continue;
        }
        if c == '}' && depth > 0 {
            depth -= 1;
            buffer.push(c);
            continue;
        }
        let drive =
            c == ':' && buffer.chars().count() == 1 && buffer.chars().all(char::is_alphabetic);
        if drive {
            buffer.push(c);
        } else if (c == ':' || c == '\0') && depth == 0 {
            let field = std::mem::take(&mut buffer);
            if field.is_empty() {
                return Err(format!(
                    "invalid spec: {spec}: empty section between colons"
                ));
            }
            if volume.source.is_empty() && c == '\0' {
                volume.target = field;
            } else if volume.source.is_empty() {
                volume.source = field;
            } else if volume.target.is_empty() {
                volume.target = field;
            } else if c == ':' {
                return Err(format!("invalid spec: {spec}: too many colons"));
            } else {
                for option in field.split(',') {
                    match option {
                        "ro" => volume.read_only = true,
                        "rw" => volume.read_only = false,
                        "nocopy" => volume.nocopy = true,
                        "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                            volume.propagation = Some(option.to_string());
                        }
                        "z" | "Z" => volume.selinux = Some(option.to_string()),
                        _ => {}
                    }
                }
            }
        } else {
            buffer.push(c);
        }
    }
    volume.kind = if is_file_path(&volume.source) {
        "bind"
    } else {
        "volume"
    };
    Ok(volume)
}

fn is_file_path(source: &str) -> bool {
    if source.starts_with(['.', '/', '~']) || source.starts_with("\\\\") {
        return true;
    }
    let mut chars = source.chars();
    matches!((chars.next(), chars.next()), (Some(d), Some(':')) if d.is_alphabetic())
}

/// Go's `path.Clean`: the shortest equivalent path, lexically.
pub(crate) fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

// ---------------------------------------------------------------------------------------------
// Values as Go prints them

/// A YAML value as Go's `fmt.Sprint` prints what yaml.v3 decoded (`%v`): `1e+06` for `1e6`,
/// `true`, `[a b]`, `map[k:v]`.
pub(crate) fn go_sprint(node: &Node) -> String {
    match &node.kind {
        Kind::Null => "<nil>".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => go_float(*f),
        Kind::Str(s) => s.clone(),
        Kind::Seq(items) => format!(
            "[{}]",
            items.iter().map(go_sprint).collect::<Vec<_>>().join(" ")
        ),
        Kind::Map(entries) => {
            let mut pairs: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}:{}", k.key_string(), go_sprint(v)))
                .collect();
            pairs.sort();
            format!("map[{}]", pairs.join(" "))
        }
    }
}

/// Go's `%v` of a float64: the shortest digits, in exponent form below 1e-4 or from 1e6 up.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let e = format!("{:e}", f.abs());
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1;
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if (point as usize) >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// Go's `%s` of a decoded YAML value: a string as it is, anything else as `%!s(type=value)`.
pub(crate) fn go_sprint_s(kind: Option<&Kind>) -> String {
    match kind {
        Some(Kind::Str(s)) => s.clone(),
        None | Some(Kind::Null) => "%!s(<nil>)".to_string(),
        Some(other) => format!("%!s({})", go_type_value(other)),
    }
}

/// `type=value`, as Go's fmt prints a value of the wrong type for a verb.
fn go_type_value(kind: &Kind) -> String {
    let node = Node {
        span: Default::default(),
        kind: kind.clone(),
        plain: true,
        tag: None,
        file: 0,
        interp: None,
    };
    match kind {
        Kind::Null => "<nil>".to_string(),
        Kind::Bool(_) => format!("bool={}", go_sprint(&node)),
        Kind::Int(_) => format!("int={}", go_sprint(&node)),
        Kind::Float(_) => format!("float64={}", go_sprint(&node)),
        Kind::Str(s) => format!("string={s}"),
        Kind::Seq(_) => format!("[]interface {{}}={}", go_sprint(&node)),
        Kind::Map(_) => format!("map[string]interface {{}}={}", go_sprint(&node)),
    }
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
    fn go_floats() {
        for (f, s) in [
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (123456.0, "123456"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (1000.0, "1000"),
            (-2.5, "-2.5"),
            (1.2345678901234569e23, "1.2345678901234569e+23"),
        ] {
            assert_eq!(go_float(f), s, "{f}");
        }
    }

    #[test]
    fn go_durations() {
        for (input, out) in [
            ("30s", "30s"),
            ("1m", "1m0s"),
            ("90s", "1m30s"),
            ("1500ms", "1.5s"),
            ("1h", "1h0m0s"),
            ("500ms", "500ms"),
            ("1.5h", "1h30m0s"),
            ("2us", "2µs"),
            ("0", "0s"),
        ] {
            assert_eq!(
                format_go_duration(parse_go_duration(input).unwrap()),
                out,
                "{input}"
            );
        }
        assert_eq!(parse_go_duration("10"), None);
    }

    #[test]
    fn sizes() {
        assert_eq!(ram_in_bytes("512M"), Some(536_870_912));
        assert_eq!(ram_in_bytes("128m"), Some(134_217_728));
        assert_eq!(ram_in_bytes("1g"), Some(1_073_741_824));
        assert_eq!(ram_in_bytes("1.5gb"), Some(1_610_612_736));
        assert_eq!(ram_in_bytes("100"), Some(100));
        assert_eq!(ram_in_bytes("1x"), None);
    }

    #[test]
    fn shellwords_like_compose_go() {
        let w = |s: &str| shell_words(s).unwrap();
        assert_eq!(
            w(r#"sh -c "echo a && echo b" && echo c"#),
            ["sh", "-c", "echo a && echo b"]
        );
        assert_eq!(
            w(r#"a "b\"c" d\ e 'f g' """#),
            ["a", "b\"c", "d e", "f g", ""]
        );
        assert_eq!(w("  spaced   out  "), ["spaced", "out"]);
        assert!(w("").is_empty());
        assert_eq!(shell_words("'unterminated"), None);
    }

    #[test]
    fn short_ports() {
        let p = parse_short_port("127.0.0.1:8080:80/UDP").unwrap();
        assert_eq!(
            p,
            [PortMapping {
                host_ip: "127.0.0.1".into(),
                published: "8080".into(),
                target: 80,
                protocol: "udp".into()
            }]
        );
        let targets: Vec<u32> = parse_short_port("998-1001:998-1001")
            .unwrap()
            .iter()
            .map(|p| p.target)
            .collect();
        assert_eq!(targets, [1000, 1001, 998, 999]);
        assert_eq!(
            parse_short_port("8000-8001:80").unwrap()[0].published,
            "8000-8001"
        );
        assert_eq!(parse_short_port("[::1]:81:81").unwrap()[0].host_ip, "::1");
        assert!(parse_short_port("80:80/xyz").is_err());
    }

    #[test]
    fn short_volumes() {
        let v = parse_short_volume("./x:/x:ro,z").unwrap();
        assert_eq!(
            (v.kind, v.source.as_str(), v.target.as_str(), v.read_only),
            ("bind", "./x", "/x", true)
        );
        assert_eq!(v.selinux.as_deref(), Some("z"));
        let v = parse_short_volume("/anon").unwrap();
        assert_eq!((v.kind, v.source.as_str()), ("volume", ""));
        assert_eq!(parse_short_volume("C:\\a:/b").unwrap().kind, "bind");
        assert!(parse_short_volume(":/x").is_err());
        assert_eq!(clean_path("/a/./b/../c/"), "/a/c");
        assert_eq!(clean_path("a/../../b"), "../b");
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
