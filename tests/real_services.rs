//! The real servers from Debian (redis-server in master, replica and Sentinel mode, prometheus,
//! nginx) run the configurations and command lines of bundles rendered by the real binary
//! (`composegen render NAME -o DIR`), each server on the address the compose file gives it, inside
//! network namespaces the tests create (`support::netns`: a bridge network like Docker's, one
//! namespace per container). Nothing here talks to the machine's own network.
//!
//! How a compose service becomes a process here (`Node::prepare`): its `command` (interpolated as
//! Compose does: `$$` is `$`, `${VAR:?…}` comes from the bundle's `.env`) and `environment`, with
//! every path the service mounts (compose `configs` targets, volume and tmpfs targets) replaced by a
//! host path: a volume or tmpfs becomes an empty temporary directory, a config file becomes a copy
//! of the bundle's file in which the same replacement is made (`dir /data` in redis.conf names the
//! volume, so it names the temporary directory in the copy). The result is printed in the failure
//! message. The servers are Debian's builds, not the images' (redis 7.0 for the image's 7.4,
//! prometheus 2.42 for v2.55, nginx 1.22 for 1.27), and run as root rather than the images' users.
//!
//! - `sentinel_failover_*`: for replicas in {1, 2, 3} and Sentinels in {3, 5}: start the stack in
//!   compose's dependency order (waiting for the rendered healthchecks), write a key, kill the
//!   master, and measure until the Sentinels agree on a promoted replica, which then accepts writes
//!   and still has the key; the other replicas follow it, and so does the old master when it is
//!   restarted (with its rendered command and data directory). The rendered timings are used as
//!   they are (down-after-milliseconds 5000, failover-timeout 60000): no test-only shortening.
//! - `sentinel_failover_on_a_swarm_by_hostname`: the same on the swarm bundle (`--target swarm`),
//!   which has no fixed addresses: each node gets an address the bundle never names and its
//!   service name resolves to it through the hosts file, as swarm's DNS resolves it; every node
//!   and Sentinel must be known to the others by name.
//! - `prometheus_*`: every prometheus.yml of every built-in profile loaded by `prometheus` with the
//!   rendered flags (a flag this prometheus does not know would be left out, with a printed line);
//!   ready, serving the rendered jobs and targets as its configuration, every target active, its
//!   own job scraped; and every static target is a port of a service of the bundle.
//! - `nginx_*`: every nginx.conf served by `nginx`, with stub HTTP upstreams for every service of
//!   its network and a stand-in for Docker's embedded DNS (the configuration resolves upstreams
//!   through `resolver 127.0.0.11`, so a hosts file would not do); requests to `/`, `/api/…` and
//!   `/kibana/…` from the host side reach the right upstream with the path unchanged.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_yaml::Value;
use support::netns::{self, Dns, Netns, Network, Process, Retry};

// ---------------------------------------------------------------------------------------------
// Rendering and reading bundles

fn composegen() -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// `composegen render PROFILE -o DIR ARGS...`.
fn render_bundle(profile: &str, dir: &Path, args: &[&str]) {
    let out = composegen()
        .args(["render", profile, "-o"])
        .arg(dir)
        .args(args)
        .output()
        .expect("run composegen");
    assert!(
        out.status.success(),
        "render {profile} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The built-in profiles (the files the binary embeds).
fn builtin_profiles() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("read profiles/")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".yaml").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no profiles in {dir:?}");
    names
}

/// The variables of a bundle's generated `.env`.
fn read_env(dir: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(dir.join(".env")).expect("read .env");
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .collect()
}

/// The variables of a swarm bundle's secret files (`secrets/NAME` holds `NAME` in upper case,
/// which the stack file's header exports for `docker stack deploy`).
fn read_secrets(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir.join("secrets"))
        .expect("read secrets/")
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().to_ascii_uppercase();
            (name, fs::read_to_string(e.path()).expect("read a secret"))
        })
        .collect()
}

/// Compose interpolation: `$$` is `$`; `${VAR}`, `${VAR:?msg}`, `${VAR?msg}`, `${VAR:-default}`,
/// `${VAR-default}` and `$VAR` take the value from `env`.
fn interpolate(text: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(inner) = rest.strip_prefix('{') {
            let end = inner
                .find('}')
                .unwrap_or_else(|| panic!("unclosed ${{ in {text:?}"));
            let expr = &inner[..end];
            rest = &inner[end + 1..];
            let name_len = expr
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(expr.len());
            let (name, op) = expr.split_at(name_len);
            let value = env
                .get(name)
                .filter(|v| !v.is_empty() || !op.starts_with(':'));
            match (value, op) {
                (Some(v), _) => out.push_str(v),
                (None, op) if op.starts_with(":-") || op.starts_with('-') => {
                    out.push_str(op.trim_start_matches(':').trim_start_matches('-'));
                }
                (None, op) if op.contains('?') => {
                    panic!("{name} is required ({op}) but not in the bundle's .env")
                }
                (None, _) => {}
            }
        } else {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.push_str(env.get(&rest[..len]).map_or("", String::as_str));
            rest = &rest[len..];
        }
    }
    out.push_str(rest);
    out
}

/// What a compose service mounts at `target`.
#[derive(Debug, Clone)]
enum Source {
    /// A compose `configs` entry with `file:` (a file of the bundle).
    Config(PathBuf),
    /// A named volume, a bind mount or a tmpfs: here an empty directory.
    Dir,
}

/// One service of a rendered compose file, interpolated.
#[derive(Debug, Clone)]
struct Service {
    name: String,
    image: String,
    command: Option<Vec<String>>,
    environment: Vec<(String, String)>,
    mounts: Vec<(String, Source)>,
    /// network -> ipv4_address (None when the compose file gives none)
    networks: BTreeMap<String, Option<Ipv4Addr>>,
    /// Container ports: `ports` (container side) and `expose`.
    ports: Vec<u16>,
    healthcheck: Option<Vec<String>>,
    depends_on: Vec<String>,
}

impl Service {
    /// The image's name without registry, path or tag (`prom/prometheus:v2.55.1` -> `prometheus`).
    fn image_name(&self) -> &str {
        let no_tag = self.image.split(['@', ':']).next().unwrap_or("");
        no_tag.rsplit('/').next().unwrap_or(no_tag)
    }

    fn env(&self, name: &str) -> Option<&str> {
        self.environment
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn config_file(&self, target: &str) -> Option<&Path> {
        self.mounts.iter().find_map(|(t, source)| match source {
            Source::Config(file) if t == target => Some(file.as_path()),
            _ => None,
        })
    }
}

struct ComposeFile {
    path: PathBuf,
    services: Vec<Service>,
    /// network -> subnet from `ipam.config[0].subnet`
    subnets: BTreeMap<String, (Ipv4Addr, u8)>,
}

fn strings(value: &Value, env: &BTreeMap<String, String>) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().map(|v| interpolate(&scalar(v), env)).collect(),
        Value::Null => Vec::new(),
        other => interpolate(&scalar(other), env)
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("expected a scalar, found {other:?}"),
    }
}

fn parse_subnet(text: &str) -> (Ipv4Addr, u8) {
    let (addr, len) = text
        .split_once('/')
        .unwrap_or_else(|| panic!("bad subnet {text:?}"));
    (
        addr.parse().expect("subnet address"),
        len.parse().expect("prefix"),
    )
}

/// The container port of a `ports` entry (`"127.0.0.1:3001:3000"`, `"9090"`, `{target: 80}`).
fn container_port(entry: &Value) -> u16 {
    let text = match entry {
        Value::Mapping(m) => scalar(&m[&Value::from("target")]),
        other => scalar(other),
    };
    let last = text.rsplit(':').next().unwrap_or(&text);
    let port = last.split('/').next().unwrap_or(last);
    port.parse()
        .unwrap_or_else(|_| panic!("cannot read the container port of {text:?}"))
}

fn read_compose(path: &Path, env: &BTreeMap<String, String>) -> ComposeFile {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path:?}: {e}"));
    let doc: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parse {path:?}: {e}"));
    let dir = path.parent().expect("compose file directory");
    let configs = &doc["configs"];
    let mut services = Vec::new();
    for (name, svc) in doc["services"].as_mapping().expect("services") {
        let name = scalar(name);
        let mut mounts = Vec::new();
        for config in svc["configs"].as_sequence().into_iter().flatten() {
            let source = scalar(&config["source"]);
            let target = scalar(&config["target"]);
            let file = configs[source.as_str()]["file"]
                .as_str()
                .unwrap_or_else(|| panic!("config {source} of {name} has no file (a -o bundle)"));
            mounts.push((target, Source::Config(dir.join(file))));
        }
        for volume in svc["volumes"].as_sequence().into_iter().flatten() {
            let target = match volume {
                Value::Mapping(m) => scalar(&m[&Value::from("target")]),
                other => scalar(other).split(':').nth(1).unwrap_or("").to_string(),
            };
            mounts.push((target, Source::Dir));
        }
        for tmpfs in strings(&svc["tmpfs"], env) {
            let target = tmpfs.split(':').next().unwrap_or("").to_string();
            mounts.push((target, Source::Dir));
        }
        let environment = match &svc["environment"] {
            Value::Mapping(m) => m
                .iter()
                .map(|(k, v)| (scalar(k), interpolate(&scalar(v), env)))
                .collect(),
            Value::Null => Vec::new(),
            other => panic!("{name}: environment as {other:?} is not supported here"),
        };
        let networks = match &svc["networks"] {
            Value::Mapping(m) => m
                .iter()
                .map(|(k, v)| {
                    let addr = v["ipv4_address"]
                        .as_str()
                        .map(|a| a.parse().expect("ipv4_address"));
                    (scalar(k), addr)
                })
                .collect(),
            Value::Sequence(names) => names.iter().map(|n| (scalar(n), None)).collect(),
            _ => BTreeMap::new(),
        };
        let mut ports: Vec<u16> = svc["ports"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(container_port)
            .collect();
        ports.extend(
            svc["expose"]
                .as_sequence()
                .into_iter()
                .flatten()
                .map(container_port),
        );
        let healthcheck = svc["healthcheck"]["test"]
            .as_sequence()
            .map(|_| strings(&svc["healthcheck"]["test"], env));
        let depends_on = match &svc["depends_on"] {
            Value::Mapping(m) => m.keys().map(scalar).collect(),
            Value::Sequence(s) => s.iter().map(scalar).collect(),
            _ => Vec::new(),
        };
        services.push(Service {
            image: svc["image"].as_str().unwrap_or("").to_string(),
            command: (!svc["command"].is_null()).then(|| strings(&svc["command"], env)),
            environment,
            mounts,
            networks,
            ports,
            healthcheck,
            depends_on,
            name,
        });
    }
    let mut subnets = BTreeMap::new();
    for (name, net) in doc["networks"].as_mapping().into_iter().flatten() {
        if let Some(subnet) = net["ipam"]["config"][0]["subnet"].as_str() {
            subnets.insert(scalar(name), parse_subnet(subnet));
        }
    }
    ComposeFile {
        path: path.to_path_buf(),
        services,
        subnets,
    }
}

/// Every `docker-compose*.yml` of a bundle.
fn compose_files(dir: &Path, env: &BTreeMap<String, String>) -> Vec<ComposeFile> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .expect("read bundle")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("docker-compose") && name.ends_with(".yml")
        })
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no compose file in {dir:?}");
    paths.iter().map(|p| read_compose(p, env)).collect()
}

/// Every file of a bundle named `name`, recursively.
fn files_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).expect("read bundle dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_named(&path, name));
        } else if path.file_name().is_some_and(|n| n == name) {
            found.push(path);
        }
    }
    found.sort();
    found
}

// ---------------------------------------------------------------------------------------------
// A service as a process: its mounts as host paths

/// Replaces each container path of `mounts` in `text` by its host path, where it stands as a path
/// of its own (after start, whitespace, a quote, `=` or `:`; before end, `/`, whitespace, a quote
/// or shell punctuation). Longest paths first.
fn map_paths(text: &str, mounts: &[(String, PathBuf)]) -> String {
    let mut sorted: Vec<&(String, PathBuf)> = mounts.iter().collect();
    sorted.sort_by_key(|(target, _)| std::cmp::Reverse(target.len()));
    let bytes = text.as_bytes();
    let is_start = |b: u8| b" \t\n\"'=:,([".contains(&b);
    let is_end = |b: u8| b"/ \t\n\"';&|),]".contains(&b);
    let mut out = String::new();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if i == 0 || is_start(bytes[i - 1]) {
            let hit = sorted.iter().find(|(target, _)| {
                let end = i + target.len();
                bytes[i..].starts_with(target.as_bytes())
                    && (end == bytes.len() || is_end(bytes[end]))
            });
            if let Some((target, host)) = hit {
                out.push_str(&text[copied..i]);
                out.push_str(&host.to_string_lossy());
                i += target.len();
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// A service prepared to run from `dir`: mounts mapped, command and healthcheck rewritten.
struct Node {
    svc: Service,
    dir: PathBuf,
    mounts: Vec<(String, PathBuf)>,
    /// The command with the image's entrypoint in front when it has one (`entrypoint`).
    argv: Vec<String>,
    healthcheck: Option<Vec<String>>,
}

impl Node {
    /// `entrypoint`: the image's entrypoint program, put before the command (prometheus);
    /// empty when the command is run as it is (redis: its entrypoint execs a non-redis command).
    fn prepare(svc: &Service, dir: &Path, entrypoint: &[&str]) -> Node {
        fs::create_dir_all(dir).expect("create node dir");
        let mut mounts = Vec::new();
        for (n, (target, source)) in svc.mounts.iter().enumerate() {
            if let Source::Dir = source {
                let host = dir.join(format!("mnt{n}{}", target.replace('/', "_")));
                fs::create_dir_all(&host).expect("create mount dir");
                mounts.push((target.clone(), host));
            }
        }
        let dirs = mounts.clone();
        for (n, (target, source)) in svc.mounts.iter().enumerate() {
            if let Source::Config(file) = source {
                let text =
                    fs::read_to_string(file).unwrap_or_else(|e| panic!("read {file:?}: {e}"));
                let name = file
                    .file_name()
                    .expect("config file name")
                    .to_string_lossy();
                let host = dir.join(format!("cfg{n}-{name}"));
                fs::write(&host, map_paths(&text, &dirs)).expect("write config copy");
                mounts.push((target.clone(), host));
            }
        }
        let command = svc.command.clone().unwrap_or_default();
        let argv = entrypoint
            .iter()
            .map(|s| s.to_string())
            .chain(command.iter().map(|arg| map_paths(arg, &mounts)))
            .collect();
        let healthcheck = svc
            .healthcheck
            .as_ref()
            .map(|test| test.iter().map(|arg| map_paths(arg, &mounts)).collect());
        Node {
            svc: svc.clone(),
            dir: dir.to_path_buf(),
            mounts,
            argv,
            healthcheck,
        }
    }

    fn host_path(&self, target: &str) -> Option<&Path> {
        self.mounts
            .iter()
            .find(|(t, _)| t == target)
            .map(|(_, h)| h.as_path())
    }

    /// The command in `ns` with the service's environment, in its working directory (`workdir`,
    /// a container path, mapped when mounted).
    fn command(
        &self,
        ns: &Netns,
        binds: &[(PathBuf, PathBuf)],
        workdir: &str,
    ) -> std::process::Command {
        let (program, args) = self.argv.split_first().expect("a command to run");
        let mut cmd = ns.command(binds, program, args);
        cmd.envs(self.svc.environment.iter().map(|(k, v)| (k, v)))
            .current_dir(self.host_path(workdir).unwrap_or(&self.dir));
        cmd
    }

    /// Runs the rendered healthcheck (`CMD-SHELL` or `CMD`) in `ns`: Ok when it exits 0.
    fn healthy(&self, ns: &Netns) -> Result<(), String> {
        let test = self
            .healthcheck
            .as_ref()
            .ok_or_else(|| format!("{} has no healthcheck", self.svc.name))?;
        let argv: Vec<&str> = match test.first().map(String::as_str) {
            Some("CMD-SHELL") => vec!["sh", "-c", &test[1]],
            Some("CMD") => test[1..].iter().map(String::as_str).collect(),
            other => return Err(format!("unsupported healthcheck {other:?}")),
        };
        let mut cmd = ns.command(&[], argv[0], &argv[1..]);
        cmd.envs(self.svc.environment.iter().map(|(k, v)| (k, v)));
        match support::run_bounded(&mut cmd) {
            Ok((0, _, _)) => Ok(()),
            Ok((code, out, err)) => Err(format!("healthcheck exit {code}: {out}{err}")),
            Err(e) => Err(e),
        }
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// A small RESP client (Redis and Sentinel)

#[derive(Debug, Clone, PartialEq)]
enum Resp {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<String>),
    Array(Option<Vec<Resp>>),
}

impl Resp {
    fn text(&self) -> Option<&str> {
        match self {
            Resp::Simple(s) | Resp::Bulk(Some(s)) => Some(s),
            _ => None,
        }
    }

    fn items(&self) -> &[Resp] {
        match self {
            Resp::Array(Some(items)) => items,
            _ => &[],
        }
    }
}

fn read_resp(reader: &mut impl BufRead) -> std::io::Result<Resp> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let line = line.trim_end_matches(['\r', '\n']);
    let bad = || std::io::Error::other(format!("bad RESP line {line:?}"));
    let (kind, rest) = line.split_at_checked(1).ok_or_else(bad)?;
    Ok(match kind {
        "+" => Resp::Simple(rest.to_string()),
        "-" => Resp::Error(rest.to_string()),
        ":" => Resp::Int(rest.parse().map_err(|_| bad())?),
        "$" => {
            let len: i64 = rest.parse().map_err(|_| bad())?;
            if len < 0 {
                Resp::Bulk(None)
            } else {
                let mut buf = vec![0u8; len as usize + 2];
                reader.read_exact(&mut buf)?;
                buf.truncate(len as usize);
                Resp::Bulk(Some(String::from_utf8_lossy(&buf).into_owned()))
            }
        }
        "*" => {
            let len: i64 = rest.parse().map_err(|_| bad())?;
            if len < 0 {
                Resp::Array(None)
            } else {
                let items = (0..len)
                    .map(|_| read_resp(reader))
                    .collect::<std::io::Result<_>>()?;
                Resp::Array(Some(items))
            }
        }
        _ => return Err(bad()),
    })
}

/// `AUTH password` then `args` on a new connection to `addr`: the reply (server errors included
/// as `Resp::Error`), or `Err` when the connection or AUTH fails.
fn redis(addr: SocketAddr, password: &str, args: &[&str]) -> Result<Resp, String> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .and_then(|()| stream.set_write_timeout(Some(Duration::from_secs(3))))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut send = |args: &[&str]| -> Result<Resp, String> {
        let mut msg = format!("*{}\r\n", args.len());
        for arg in args {
            msg.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        writer
            .write_all(msg.as_bytes())
            .map_err(|e| format!("{addr}: {e}"))?;
        read_resp(&mut reader).map_err(|e| format!("{addr} {}: {e}", args[0]))
    };
    match send(&["AUTH", password])? {
        Resp::Simple(_) => send(args),
        other => Err(format!("AUTH at {addr}: {other:?}")),
    }
}

/// `field:value` lines of an INFO reply.
fn info(
    addr: SocketAddr,
    password: &str,
    section: &str,
) -> Result<BTreeMap<String, String>, String> {
    let reply = redis(addr, password, &["INFO", section])?;
    let text = reply
        .text()
        .ok_or_else(|| format!("INFO {section} at {addr}: {reply:?}"))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Redis Sentinel failover

/// What one failover measured.
struct Failover {
    replicas: usize,
    sentinels: usize,
    /// Master killed -> every Sentinel names the same promoted replica, which reports role master.
    promoted: Duration,
    /// Master killed -> the promoted replica accepted a write.
    writable: Duration,
    new_master: String,
    /// Master killed -> restarted (right after the failover), it follows the new master.
    rejoined: Duration,
}

/// The `sentinel ...` settings of a rendered sentinel.conf for one master name.
struct SentinelConf {
    master_name: String,
    /// The monitored master: an address, or on a swarm a host name.
    master: (String, u16),
    quorum: usize,
    down_after: Duration,
    failover_timeout: Duration,
}

fn read_sentinel_conf(path: &Path) -> SentinelConf {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path:?}: {e}"));
    let lines: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| l.split_whitespace().collect())
        .collect();
    let find = |key: &str| {
        lines
            .iter()
            .find(|w| w.len() >= 3 && w[0] == "sentinel" && w[1] == key)
            .unwrap_or_else(|| panic!("no `sentinel {key}` in {path:?}"))
    };
    let monitor = find("monitor");
    let ms = |key: &str| Duration::from_millis(find(key)[3].parse().expect("milliseconds"));
    SentinelConf {
        master_name: monitor[2].to_string(),
        master: (
            monitor[3].to_string(),
            monitor[4].parse().expect("monitor port"),
        ),
        quorum: monitor[5].parse().expect("quorum"),
        down_after: ms("down-after-milliseconds"),
        failover_timeout: ms("failover-timeout"),
    }
}

/// Renders redis-sentinel with `replicas` and `sentinels` (with `swarm`: `--target swarm`),
/// runs it, kills the master, measures.
///
/// On a swarm there are no fixed addresses: each node gets an address here that the bundle
/// never names (from the top of the subnet down, so an address left in a configuration would
/// reach the wrong node or none), its service name resolves to it through the hosts file (as
/// swarm's DNS resolves a service name), and every node and Sentinel must be known by name.
fn failover(replicas: usize, sentinels: usize, swarm: bool) -> Result<Failover, String> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let bundle = tmp.path().join("bundle");
    let knobs = [
        "--set".to_string(),
        format!("replicas={replicas}"),
        "--set".to_string(),
        format!("sentinels={sentinels}"),
    ];
    let mut args: Vec<&str> = knobs.iter().map(String::as_str).collect();
    if swarm {
        args.extend(["--target", "swarm"]);
    }
    render_bundle("redis-sentinel", &bundle, &args);
    let env = if swarm {
        read_secrets(&bundle)
    } else {
        read_env(&bundle)
    };
    let compose = read_compose(&bundle.join("docker-compose.yml"), &env);

    // The network every service of the file is on, with its static addresses. A swarm overlay
    // has no subnet in the file (peers go by name; the cluster picks one, as the test does here).
    let (net_name, (subnet, prefix)) = if swarm {
        assert!(
            compose.subnets.is_empty(),
            "a subnet on a swarm: {:?}",
            compose.subnets
        );
        let net = compose.services[0]
            .networks
            .keys()
            .next()
            .expect("a network")
            .clone();
        (net, (Ipv4Addr::new(10, 77, 0, 0), 24))
    } else {
        compose
            .subnets
            .iter()
            .next()
            .map(|(n, s)| (n.clone(), *s))
            .expect("a network with a subnet")
    };
    let last = u32::from(subnet) | (u32::MAX >> prefix);
    let addresses: BTreeMap<String, Ipv4Addr> = compose
        .services
        .iter()
        .enumerate()
        .map(|(i, svc)| {
            let fixed = svc.networks.get(&net_name).copied().flatten();
            let addr = if swarm {
                assert!(
                    fixed.is_none(),
                    "{} has a fixed address on a swarm",
                    svc.name
                );
                Ipv4Addr::from(last - 1 - i as u32)
            } else {
                fixed.unwrap_or_else(|| panic!("{} has no ipv4_address on {net_name}", svc.name))
            };
            (svc.name.clone(), addr)
        })
        .collect();
    let addr_of = |svc: &Service| -> Ipv4Addr { addresses[&svc.name] };
    // What the Redis nodes and Sentinels resolve and report: an address, or a name on a swarm.
    let resolve = |host: &str| -> Option<Ipv4Addr> {
        host.parse().ok().or_else(|| addresses.get(host).copied())
    };
    // Docker gives the bridge the subnet's first address (the gateway); the test's client sits there.
    let gateway = Ipv4Addr::from(u32::from(subnet) + 1);
    let label = format!("{}r{replicas}s{sentinels}", if swarm { "w" } else { "" });
    let mut network = Network::new(&label, gateway, prefix);
    let hosts: Vec<(String, Ipv4Addr)> = compose
        .services
        .iter()
        .map(|s| (s.name.clone(), addr_of(s)))
        .collect();
    let hosts = netns::hosts_file(tmp.path(), &hosts);
    let mut nodes = Vec::new();
    for svc in &compose.services {
        let ns = network.attach(&format!("{label}-{}", svc.name), addr_of(svc));
        let node = Node::prepare(svc, &tmp.path().join(&svc.name), &[]);
        nodes.push((node, ns));
    }
    let is_sentinel = |node: &Node| node.argv.iter().any(|a| a.contains("--sentinel"));
    let sentinel_nodes: Vec<usize> = (0..nodes.len())
        .filter(|&i| is_sentinel(&nodes[i].0))
        .collect();
    // The Sentinels' configuration: the file their command names (at its mounted path).
    let sentinel = &nodes[*sentinel_nodes.first().expect("a Sentinel")].0.svc;
    let conf = read_sentinel_conf(
        sentinel
            .mounts
            .iter()
            .find_map(|(target, source)| match source {
                Source::Config(file)
                    if sentinel
                        .command
                        .iter()
                        .flatten()
                        .any(|a| a.contains(target.as_str())) =>
                {
                    Some(file.as_path())
                }
                _ => None,
            })
            .unwrap_or_else(|| {
                panic!("{}'s command names none of its config files", sentinel.name)
            }),
    );
    let password = nodes[0]
        .0
        .svc
        .env("REDISCLI_AUTH")
        .expect("REDISCLI_AUTH in the services' environment")
        .to_string();
    // The exposed port; a swarm stack file exposes none (swarm ignores `expose`): then the
    // `port` of the configuration file it mounts.
    let port_of = |node: &Node| -> u16 {
        node.svc.ports.first().copied().unwrap_or_else(|| {
            let file = node
                .svc
                .mounts
                .iter()
                .find_map(|(_, source)| match source {
                    Source::Config(file) => Some(file),
                    Source::Dir => None,
                })
                .expect("a configuration file");
            let text = fs::read_to_string(file).expect("read the configuration");
            text.lines()
                .find_map(|l| l.strip_prefix("port ")?.trim().parse().ok())
                .unwrap_or(6379)
        })
    };
    let sock = |i: usize| SocketAddr::new(addr_of(&nodes[i].0.svc).into(), port_of(&nodes[i].0));
    let (host, port) = &conf.master;
    let master = (0..nodes.len())
        .find(|&i| Some(sock(i)) == resolve(host).map(|a| SocketAddr::new(a.into(), *port)))
        .unwrap_or_else(|| panic!("no service at the monitored address {host}:{port}"));
    // How every node and Sentinel must be known to the others: by name on a swarm, else at
    // its fixed address.
    let known_as = |i: usize| -> String {
        if swarm {
            nodes[i].0.svc.name.clone()
        } else {
            addr_of(&nodes[i].0.svc).to_string()
        }
    };
    if host != &known_as(master) {
        return Err(format!(
            "Sentinel monitors {host}, not {} (swarm: {swarm})",
            known_as(master)
        ));
    }
    let replica_nodes: Vec<usize> = (0..nodes.len())
        .filter(|&i| i != master && !sentinel_nodes.contains(&i))
        .collect();
    if replica_nodes.len() != replicas || sentinel_nodes.len() != sentinels {
        return Err(format!(
            "rendered {} replicas and {} Sentinels for replicas={replicas} sentinels={sentinels}",
            replica_nodes.len(),
            sentinel_nodes.len()
        ));
    }
    if conf.quorum != sentinels / 2 + 1 {
        return Err(format!("quorum {} for {sentinels} Sentinels", conf.quorum));
    }

    let binds = [(hosts, PathBuf::from("/etc/hosts"))];
    // Everything from here runs on one thread in the bridge's namespace (the "host"): the clients
    // connect from the gateway address, and the processes die with this thread.
    network.host().run_in(|| {
        let mut procs: Vec<Option<Process>> = (0..nodes.len()).map(|_| None).collect();
        let logs = |procs: &[Option<Process>]| -> String {
            procs
                .iter()
                .flatten()
                .map(|p| format!("--- {} (last lines)\n{}\n", p.name(), tail(&p.log(), 15)))
                .collect()
        };
        let fail = |procs: &[Option<Process>], what: String| -> String {
            let commands: String = nodes
                .iter()
                .map(|(n, _)| format!("{}: {:?}\n", n.svc.name, n.argv))
                .collect();
            format!(
                "replicas={replicas} sentinels={sentinels}: {what}\ncommands:\n{commands}{}",
                logs(procs)
            )
        };

        // Start in compose's dependency order: a service once all it depends on is healthy.
        let mut healthy = BTreeSet::new();
        while healthy.len() < nodes.len() {
            let ready: Vec<usize> = (0..nodes.len())
                .filter(|&i| procs[i].is_none())
                .filter(|&i| {
                    nodes[i]
                        .0
                        .svc
                        .depends_on
                        .iter()
                        .all(|d| healthy.contains(d))
                })
                .collect();
            if ready.is_empty() {
                return Err(fail(&procs, "dependency cycle".into()));
            }
            for &i in &ready {
                let (node, ns) = &nodes[i];
                let cmd = node.command(ns, &binds, "/data");
                let log = node.dir.join("log");
                procs[i] = Some(Process::spawn(&node.svc.name, cmd, &log));
            }
            for &i in &ready {
                let (node, ns) = &nodes[i];
                let proc_ = procs[i].as_mut().expect("started");
                netns::wait_for(Duration::from_secs(30), Duration::from_millis(200), || {
                    proc_.running().map_err(Retry::Stop)?;
                    Ok(node.healthy(ns)?)
                })
                .map_err(|e| fail(&procs, format!("{} not healthy: {e}", node.svc.name)))?;
                healthy.insert(node.svc.name.clone());
            }
        }
        let all_running = |procs: &mut [Option<Process>], except: Option<usize>| {
            for (i, p) in procs.iter_mut().enumerate() {
                if Some(i) != except
                    && let Some(p) = p
                {
                    p.running().map_err(Retry::Stop)?;
                }
            }
            Ok::<(), Retry>(())
        };

        // The replicas are in sync with the master ...
        let master_addr = sock(master);
        netns::wait_for(Duration::from_secs(30), Duration::from_millis(200), || {
            all_running(&mut procs, None)?;
            let info = info(master_addr, &password, "replication")?;
            let online = info
                .iter()
                .filter(|(k, v)| k.starts_with("slave") && v.contains("state=online"))
                .count();
            (online == replicas)
                .then_some(())
                .ok_or_else(|| format!("{online} of {replicas} replicas online: {info:?}").into())
        })
        .map_err(|e| fail(&procs, e))?;
        // ... and every Sentinel knows every replica and every other Sentinel.
        for &s in &sentinel_nodes {
            netns::wait_for(Duration::from_secs(45), Duration::from_millis(250), || {
                let reply = redis(
                    sock(s),
                    &password,
                    &["SENTINEL", "MASTER", &conf.master_name],
                )?;
                let fields: BTreeMap<&str, &str> = reply
                    .items()
                    .chunks(2)
                    .filter_map(|kv| Some((kv[0].text()?, kv.get(1)?.text()?)))
                    .collect();
                let n = |key: &str| fields.get(key).and_then(|v| v.parse::<usize>().ok());
                (n("num-slaves") == Some(replicas)
                    && n("num-other-sentinels") == Some(sentinels - 1))
                .then_some(())
                .ok_or_else(|| format!("{} sees {fields:?}", nodes[s].0.svc.name).into())
            })
            .map_err(|e| fail(&procs, e))?;
            // Each known by the address (on a swarm: the name) it announces, once only.
            let peers = |what: &str| -> Result<Vec<String>, String> {
                let reply = redis(sock(s), &password, &["SENTINEL", what, &conf.master_name])?;
                let mut ips: Vec<String> = reply
                    .items()
                    .iter()
                    .filter_map(|entry| {
                        let kv = entry.items();
                        let at = kv.iter().position(|k| k.text() == Some("ip"))?;
                        Some(kv.get(at + 1)?.text()?.to_string())
                    })
                    .collect();
                ips.sort();
                Ok(ips)
            };
            for (what, members) in [
                ("REPLICAS", replica_nodes.clone()),
                (
                    "SENTINELS",
                    sentinel_nodes.iter().copied().filter(|&o| o != s).collect(),
                ),
            ] {
                let mut want: Vec<String> = members.into_iter().map(known_as).collect();
                want.sort();
                let got = peers(what).map_err(|e| fail(&procs, e))?;
                if got != want {
                    return Err(fail(
                        &procs,
                        format!(
                            "SENTINEL {what} at {}: {got:?}, want {want:?}",
                            nodes[s].0.svc.name
                        ),
                    ));
                }
            }
        }

        // A write the replicas acknowledge.
        let (key, value) = ("composegen:before-failover", format!("written-{label}"));
        let set =
            redis(master_addr, &password, &["SET", key, &value]).map_err(|e| fail(&procs, e))?;
        if set != Resp::Simple("OK".into()) {
            return Err(fail(&procs, format!("SET on the master: {set:?}")));
        }
        let acked = redis(
            master_addr,
            &password,
            &["WAIT", &replicas.to_string(), "5000"],
        )
        .map_err(|e| fail(&procs, e))?;
        if acked != Resp::Int(replicas as i64) {
            return Err(fail(&procs, format!("WAIT {replicas}: {acked:?}")));
        }

        // Kill the master (SIGKILL: a crash, not a shutdown that could hand over).
        procs[master].as_mut().expect("master").kill();
        let killed = Instant::now();

        // The Sentinels agree on a promoted replica, which says it is a master.
        let replica_addrs: Vec<SocketAddr> = replica_nodes.iter().map(|&i| sock(i)).collect();
        let deadline = conf.down_after + conf.failover_timeout + Duration::from_secs(10);
        let new_master = netns::wait_for(deadline, Duration::from_millis(50), || {
            all_running(&mut procs, Some(master))?;
            let mut named = BTreeSet::new();
            for &s in &sentinel_nodes {
                let reply = redis(
                    sock(s),
                    &password,
                    &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &conf.master_name],
                )?;
                let items: Vec<String> = reply
                    .items()
                    .iter()
                    .filter_map(Resp::text)
                    .map(str::to_string)
                    .collect();
                named.insert(items);
            }
            if named.len() != 1 {
                return Err(format!("the Sentinels disagree: {named:?}").into());
            }
            let named = named.first().expect("one address");
            let [host, port] = named.as_slice() else {
                return Err(format!("bad address {named:?}").into());
            };
            let addr = resolve(host)
                .zip(port.parse::<u16>().ok())
                .map(|(ip, port)| SocketAddr::new(ip.into(), port))
                .ok_or_else(|| format!("bad address {named:?}"))?;
            let Some(promoted) = replica_nodes.iter().find(|&&i| sock(i) == addr) else {
                return Err(format!("the Sentinels name {addr}, not a replica").into());
            };
            if host != &known_as(*promoted) {
                return Err(
                    format!("the Sentinels name {host}, not {}", known_as(*promoted)).into(),
                );
            }
            let role = redis(addr, &password, &["ROLE"])?;
            match role.items().first().and_then(Resp::text) {
                Some("master") => Ok(addr),
                other => Err(format!("{addr} still has role {other:?}").into()),
            }
        })
        .map_err(|e| fail(&procs, format!("no failover: {e}")))?;
        let promoted = killed.elapsed();

        // The promoted replica accepts writes (NOREPLICAS would mean it refuses them for want
        // of replicas) and kept the key written before the failover.
        netns::wait_for(
            Duration::from_secs(30),
            Duration::from_millis(50),
            || match redis(
                new_master,
                &password,
                &["SET", "composegen:after-failover", "1"],
            )? {
                Resp::Simple(ok) if ok == "OK" => Ok(()),
                other => Err(format!("SET on the promoted replica {new_master}: {other:?}").into()),
            },
        )
        .map_err(|e| {
            fail(
                &procs,
                format!("the new master does not accept writes: {e}"),
            )
        })?;
        let writable = killed.elapsed();
        let got = redis(new_master, &password, &["GET", key]).map_err(|e| fail(&procs, e))?;
        if got != Resp::Bulk(Some(value.clone())) {
            return Err(fail(
                &procs,
                format!("GET {key} on the new master: {got:?}"),
            ));
        }
        // The other replicas follow the new master; so does the old master once it is back
        // (restarted with its rendered command and its data directory, as `restart:
        // unless-stopped` would): Sentinel makes it a replica, and --masterauth lets it sync.
        let follows = |addr: SocketAddr| -> Result<(), Retry> {
            let role = redis(addr, &password, &["ROLE"])?;
            let fields: Vec<String> = role
                .items()
                .iter()
                .map(|r| match r {
                    Resp::Int(n) => n.to_string(),
                    other => other.text().unwrap_or("").to_string(),
                })
                .collect();
            let following = fields.len() >= 4
                && fields[0] == "slave"
                && resolve(&fields[1]).map(std::net::IpAddr::from) == Some(new_master.ip())
                && fields[2] == new_master.port().to_string()
                && fields[3] == "connected";
            following
                .then_some(())
                .ok_or_else(|| format!("{addr} has role {fields:?}").into())
        };
        for addr in replica_addrs.iter().filter(|a| **a != new_master) {
            netns::wait_for(Duration::from_secs(30), Duration::from_millis(200), || {
                follows(*addr)
            })
            .map_err(|e| fail(&procs, e))?;
        }
        {
            let (node, ns) = &nodes[master];
            let cmd = node.command(ns, &binds, "/data");
            procs[master] = Some(Process::spawn(&node.svc.name, cmd, &node.dir.join("log")));
        }
        netns::wait_for(Duration::from_secs(45), Duration::from_millis(250), || {
            follows(master_addr)?;
            match redis(
                master_addr,
                &password,
                &["GET", "composegen:after-failover"],
            )? {
                Resp::Bulk(Some(v)) if v == "1" => Ok(()),
                other => {
                    Err(format!("the old master has {other:?} for the write after failover").into())
                }
            }
        })
        .map_err(|e| fail(&procs, format!("the old master does not rejoin: {e}")))?;
        let rejoined = killed.elapsed();
        Ok(Failover {
            replicas,
            sentinels,
            promoted,
            writable,
            new_master: new_master.to_string(),
            rejoined,
        })
    })
}

/// Runs the combinations in parallel and prints what they measured; panics listing every failure.
fn run_failovers(combinations: &[(usize, usize)], swarm: bool) {
    if support::tool("redis-server").is_none()
        || support::tool("redis-cli").is_none()
        || netns::check().is_none()
    {
        return;
    }
    let started = Instant::now();
    let results: Vec<Result<Failover, String>> = thread::scope(|scope| {
        let handles: Vec<_> = combinations
            .iter()
            .map(|&(r, s)| scope.spawn(move || failover(r, s, swarm)))
            .collect();
        handles
            .into_iter()
            .zip(combinations)
            .map(|(h, (r, s))| {
                h.join().unwrap_or_else(|panic| {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    Err(format!("replicas={r} sentinels={s}: panicked: {msg}"))
                })
            })
            .collect()
    });
    let mut promoted = Vec::new();
    let mut writable = Vec::new();
    for result in results.iter().flatten() {
        println!(
            "failover{} replicas={} sentinels={}: promoted {} after {:.2} s, writable after {:.2} s, \
             old master back as its replica after {:.2} s",
            if swarm { " on a swarm" } else { "" },
            result.replicas,
            result.sentinels,
            result.new_master,
            result.promoted.as_secs_f64(),
            result.writable.as_secs_f64(),
            result.rejoined.as_secs_f64()
        );
        promoted.push(result.promoted);
        writable.push(result.writable);
    }
    for (what, times) in [("promoted", &mut promoted), ("writable", &mut writable)] {
        times.sort();
        if let (Some(min), Some(max)) = (times.first(), times.last()) {
            println!(
                "failover {what} (s): min {:.2} median {:.2} max {:.2} over {} runs",
                min.as_secs_f64(),
                (times[(times.len() - 1) / 2] + times[times.len() / 2]).as_secs_f64() / 2.0,
                max.as_secs_f64(),
                times.len()
            );
        }
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} failovers failed:\n\n{}",
        failures.len(),
        results.len(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// The defect of issue 9: with one replica, `min-replicas-to-write 1` made the promoted replica
/// (a master with no replicas left) refuse every write with NOREPLICAS after a failover.
#[test]
fn sentinel_failover_with_one_replica_keeps_accepting_writes() {
    run_failovers(&[(1, 3), (1, 5)], false);
}

/// The swarm target (`render --target swarm`, issue 14): no fixed addresses, so Sentinel and
/// the replicas find each other by service name (`resolve-hostnames`, `announce-hostnames`,
/// `replica-announce-ip`, `sentinel announce-ip`); the same failover, on addresses the bundle
/// never names.
#[test]
fn sentinel_failover_on_a_swarm_by_hostname() {
    run_failovers(&[(2, 3), (3, 5)], true);
}

#[test]
fn sentinel_failover_with_two_or_three_replicas() {
    run_failovers(&[(2, 3), (2, 5), (3, 3), (3, 5)], false);
}

// ---------------------------------------------------------------------------------------------
// HTTP

struct Response {
    status: u16,
    headers: String,
    body: String,
}

/// `GET target` (HTTP/1.0, so the body is neither chunked nor kept alive) to `addr`.
fn http_get(addr: SocketAddr, host: &str, target: &str) -> Result<Response, String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {target} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: composegen-test\r\n\r\n"
    )
    .map_err(|e| format!("{addr}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("read from {addr}: {e}"))?;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no HTTP response from {addr}: {raw:?}"))?;
    let (status_line, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    Ok(Response {
        status,
        headers: headers.to_string(),
        body: body.to_string(),
    })
}

fn json_get(addr: SocketAddr, target: &str) -> Result<serde_json::Value, String> {
    let response = http_get(addr, &addr.to_string(), target)?;
    if response.status != 200 {
        return Err(format!(
            "GET {target}: {} {}",
            response.status, response.body
        ));
    }
    serde_json::from_str(&response.body)
        .map_err(|e| format!("GET {target}: {e}: {}", response.body))
}

// ---------------------------------------------------------------------------------------------
// Prometheus

/// The flags a prometheus binary knows (from `--help`).
fn known_flags(prometheus: &Path) -> BTreeSet<String> {
    let mut cmd = std::process::Command::new(prometheus);
    cmd.arg("--help");
    let (_, out, err) = support::run_bounded(&mut cmd).expect("prometheus --help");
    format!("{out}{err}")
        .split(|c: char| c.is_whitespace() || c == '=' || c == ',')
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(str::to_string)
        .collect()
}

/// job_name -> its static targets, from a parsed prometheus configuration.
fn scrape_jobs(config: &Value) -> BTreeMap<String, Vec<String>> {
    config["scrape_configs"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|job| {
            let targets = job["static_configs"]
                .as_sequence()
                .into_iter()
                .flatten()
                .flat_map(|sc| sc["targets"].as_sequence().into_iter().flatten())
                .map(scalar)
                .collect();
            (scalar(&job["job_name"]), targets)
        })
        .collect()
}

/// Starts one prometheus service of a bundle and checks it; `Err` says what went wrong.
fn check_prometheus(
    prometheus: &Path,
    flags: &BTreeSet<String>,
    profile: &str,
    svc: &Service,
    all_services: &[Service],
    work: &Path,
) -> Result<PathBuf, String> {
    // The image's entrypoint is the prometheus binary; the compose command is its flags.
    let mut node = Node::prepare(svc, work, &[prometheus.to_str().expect("utf-8 path")]);
    let mut dropped = Vec::new();
    node.argv.retain(|arg| {
        let name = arg.split('=').next().unwrap_or(arg);
        let keep = !name.starts_with("--") || flags.contains(name);
        if !keep {
            dropped.push(arg.clone());
        }
        keep
    });
    for arg in &dropped {
        println!(
            "{profile}/{}: prometheus here does not know {arg}; left out",
            svc.name
        );
    }
    let config_target = node
        .argv
        .iter()
        .find_map(|a| a.strip_prefix("--config.file="))
        .and_then(|host| node.mounts.iter().find(|(_, h)| h.to_str() == Some(host)))
        .map(|(t, _)| t.clone())
        .ok_or_else(|| {
            format!(
                "{}: --config.file names no mounted config: {:?}",
                svc.name, node.argv
            )
        })?;
    let config_file = svc
        .config_file(&config_target)
        .expect("config")
        .to_path_buf();
    let port = *svc
        .ports
        .first()
        .ok_or_else(|| format!("{} publishes no port", svc.name))?;
    let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    if !node
        .argv
        .iter()
        .any(|a| a.starts_with("--web.listen-address"))
    {
        node.argv.push(format!("--web.listen-address={listen}"));
    }
    let expected: Value = serde_yaml::from_str(&fs::read_to_string(&config_file).expect("read"))
        .map_err(|e| format!("{config_file:?}: {e}"))?;
    let jobs = scrape_jobs(&expected);
    if jobs.is_empty() {
        return Err(format!("{config_file:?} has no scrape jobs"));
    }
    // Every static target names a service of the bundle (by name or address) or this server.
    for (job, targets) in &jobs {
        for target in targets {
            let hostport = target.rsplit("://").next().unwrap_or(target);
            let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, ""));
            let port: u16 = port.parse().unwrap_or(0);
            let known = (host == "localhost" && port == listen.port())
                || all_services.iter().any(|s| {
                    (s.name == host || s.networks.values().flatten().any(|a| a.to_string() == host))
                        && s.ports.contains(&port)
                });
            if !known {
                return Err(format!(
                    "job {job} of {config_file:?} scrapes {target}, which is no service port of the bundle"
                ));
            }
        }
    }

    let ns = Netns::new(&format!("prom-{profile}"));
    let hosts = netns::hosts_file(work, &[]);
    let binds = [(hosts, PathBuf::from("/etc/hosts"))];
    let argv = node.argv.clone();
    ns.run_in(|| {
        let mut process = Process::spawn(
            &format!("{profile}/{}", svc.name),
            node.command(&ns, &binds, "/prometheus"),
            &work.join("log"),
        );
        let fail = |p: &Process, e: String| {
            format!("{e}\ncommand: {argv:?}\nlog:\n{}", tail(&p.log(), 30))
        };
        netns::wait_for(Duration::from_secs(90), Duration::from_millis(250), || {
            process.running().map_err(Retry::Stop)?;
            let r = http_get(listen, "localhost", "/-/ready")?;
            (r.status == 200)
                .then_some(())
                .ok_or(format!("/-/ready: {}", r.status).into())
        })
        .map_err(|e| fail(&process, e))?;
        let status = json_get(listen, "/api/v1/status/config").map_err(|e| fail(&process, e))?;
        let loaded: Value = serde_yaml::from_str(status["data"]["yaml"].as_str().unwrap_or(""))
            .map_err(|e| fail(&process, format!("/api/v1/status/config: {e}")))?;
        if scrape_jobs(&loaded) != jobs {
            return Err(fail(
                &process,
                format!("loaded jobs {:?}, rendered {jobs:?}", scrape_jobs(&loaded)),
            ));
        }
        // Every rendered job and target is active; the server's own job gets scraped.
        let own = jobs
            .iter()
            .find(|(_, t)| t.contains(&format!("localhost:{port}")))
            .map(|(j, _)| j.clone());
        netns::wait_for(Duration::from_secs(60), Duration::from_millis(500), || {
            let targets = json_get(listen, "/api/v1/targets")?;
            let active = targets["data"]["activeTargets"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut per_job: BTreeMap<String, usize> = BTreeMap::new();
            for t in &active {
                *per_job
                    .entry(t["scrapePool"].as_str().unwrap_or("").to_string())
                    .or_default() += 1;
            }
            let want: BTreeMap<String, usize> =
                jobs.iter().map(|(j, t)| (j.clone(), t.len())).collect();
            if per_job != want {
                return Err(
                    format!("active targets per job {per_job:?}, rendered {want:?}").into(),
                );
            }
            if let Some(own) = &own {
                let up = active
                    .iter()
                    .any(|t| t["scrapePool"] == own.as_str() && t["health"] == "up");
                if !up {
                    return Err(format!("job {own} (this server) is not up yet").into());
                }
            }
            Ok(())
        })
        .map_err(|e| fail(&process, e))?;
        Ok(config_file.clone())
    })
}

#[test]
fn prometheus_loads_every_rendered_prometheus_yml() {
    let Some(prometheus) = support::tool("prometheus") else {
        return;
    };
    if netns::check().is_none() {
        return;
    }
    let flags = known_flags(&prometheus);
    let tmp = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let mut jobs = Vec::new();
    for profile in builtin_profiles() {
        let bundle = tmp.path().join(&profile);
        render_bundle(&profile, &bundle, &[]);
        let env = read_env(&bundle);
        let files = compose_files(&bundle, &env);
        let all: Vec<Service> = files.iter().flat_map(|f| f.services.clone()).collect();
        let servers: Vec<Service> = all
            .iter()
            .filter(|s| s.image_name() == "prometheus")
            .cloned()
            .collect();
        let configs = files_named(&bundle, "prometheus.yml");
        // Every prometheus.yml of the bundle is some prometheus service's --config.file.
        for config in &configs {
            let used = servers.iter().any(|s| {
                s.mounts.iter().any(|(t, src)| {
                    matches!(src, Source::Config(f) if f == config)
                        && s.command
                            .iter()
                            .flatten()
                            .any(|a| a == &format!("--config.file={t}"))
                })
            });
            assert!(
                used,
                "{config:?} is not the --config.file of any prometheus service"
            );
        }
        for svc in servers {
            jobs.push((profile.clone(), svc, all.clone()));
        }
    }
    assert!(!jobs.is_empty(), "no profile renders a prometheus service");
    let results: Vec<(String, Result<PathBuf, String>)> = thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .enumerate()
            .map(|(n, (profile, svc, all))| {
                let work = tmp.path().join(format!("run{n}"));
                let (prometheus, flags) = (&prometheus, &flags);
                scope.spawn(move || check_prometheus(prometheus, flags, profile, svc, all, &work))
            })
            .collect();
        handles
            .into_iter()
            .zip(&jobs)
            .map(|(h, (profile, svc, _))| {
                let name = format!("{profile}/{}", svc.name);
                (name, h.join().unwrap_or_else(|_| Err("panicked".into())))
            })
            .collect()
    });
    let mut failures = Vec::new();
    for (name, result) in &results {
        match result {
            Ok(file) => {
                let file: PathBuf = file.components().collect();
                println!("{name}: prometheus served {}", file.display())
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    println!(
        "{} prometheus servers in {:.1} s",
        results.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// nginx

/// The routing each profile's nginx promises: request target -> the service that must answer it.
/// A profile that gains an nginx service must be added here.
fn expected_routes(profile: &str) -> Option<&'static [(&'static str, &'static str)]> {
    match profile {
        "elk" => Some(&[
            ("/", "frontend"),
            ("/dashboard/settings?tab=2", "frontend"),
            ("/api/", "backend"),
            ("/api/v1/logs/search?q=error&page=2", "backend"),
            ("/kibana/", "kibana"),
            ("/kibana/app/discover", "kibana"),
        ]),
        _ => None,
    }
}

/// Addresses for the services of a network without static ones: the subnet's next free
/// addresses after the gateway, as Docker's IPAM hands them out.
fn assign_addresses(services: &[&Service], net: &str, subnet: (Ipv4Addr, u8)) -> Vec<Ipv4Addr> {
    let taken: BTreeSet<Ipv4Addr> = services
        .iter()
        .filter_map(|s| s.networks.get(net).copied().flatten())
        .collect();
    let mut next = u32::from(subnet.0) + 2;
    services
        .iter()
        .map(|s| {
            s.networks.get(net).copied().flatten().unwrap_or_else(|| {
                while taken.contains(&Ipv4Addr::from(next)) {
                    next += 1;
                }
                next += 1;
                Ipv4Addr::from(next - 1)
            })
        })
        .collect()
}

fn check_nginx(
    nginx: &Path,
    profile: &str,
    compose: &ComposeFile,
    svc: &Service,
    work: &Path,
) -> Result<(), String> {
    let routes = expected_routes(profile).ok_or_else(|| {
        format!("{profile} has an nginx service; add its routes to expected_routes")
    })?;
    let conf_target = "/etc/nginx/nginx.conf";
    if svc.config_file(conf_target).is_none() {
        return Err(format!("{} mounts no {conf_target}", svc.name));
    }
    let net = svc
        .networks
        .keys()
        .next()
        .ok_or("nginx is on no network")?
        .clone();
    // A subnet for a network the compose file leaves to Docker's IPAM; it exists only in the
    // test's namespaces.
    let subnet = compose
        .subnets
        .get(&net)
        .copied()
        .unwrap_or((Ipv4Addr::new(172, 30, 0, 0), 16));
    let members: Vec<&Service> = compose
        .services
        .iter()
        .filter(|s| s.networks.contains_key(&net))
        .collect();
    let addrs = assign_addresses(&members, &net, subnet);
    let gateway = Ipv4Addr::from(u32::from(subnet.0) + 1);
    let mut network = Network::new(&format!("nginx-{profile}"), gateway, subnet.1);
    let records: BTreeMap<String, Ipv4Addr> = members
        .iter()
        .zip(&addrs)
        .map(|(s, a)| (s.name.clone(), *a))
        .collect();

    // Every other service of the network answers on each of its ports with its own marker.
    let mut stubs = Vec::new();
    let mut nginx_ns: Option<(Arc<Netns>, Ipv4Addr)> = None;
    for (member, addr) in members.iter().zip(&addrs) {
        let ns = network.attach(&format!("{profile}-{}", member.name), *addr);
        if member.name == svc.name {
            nginx_ns = Some((ns, *addr));
            continue;
        }
        for &port in &member.ports {
            stubs.push(netns::http_stub(
                &ns,
                port,
                &format!("stub:{}", member.name),
            ));
        }
    }
    let (ns, nginx_addr) = nginx_ns.expect("nginx is a member of its network");
    let dns = Dns::start(&ns, records);

    // The container's view: Docker's DNS in resolv.conf, its own /etc/hosts, the image's user,
    // and empty writable directories where the image (and compose's tmpfs) has them.
    let node = Node::prepare(svc, work, &[]);
    let conf = node
        .host_path(conf_target)
        .expect("mapped nginx.conf")
        .to_path_buf();
    let etc = work.join("etc");
    fs::create_dir_all(&etc).expect("create etc");
    let mut binds = vec![(
        netns::hosts_file(&etc, &[(svc.name.clone(), nginx_addr)]),
        PathBuf::from("/etc/hosts"),
    )];
    let resolv = etc.join("resolv.conf");
    fs::write(
        &resolv,
        format!("nameserver {}\noptions ndots:0\n", Dns::ADDR),
    )
    .expect("resolv.conf");
    binds.push((resolv, PathBuf::from("/etc/resolv.conf")));
    for (db, line) in [
        (
            "passwd",
            "nginx:x:101:101:nginx:/nonexistent:/usr/sbin/nologin",
        ),
        ("group", "nginx:x:101:"),
    ] {
        let mut text = fs::read_to_string(Path::new("/etc").join(db)).unwrap_or_default();
        if !text.lines().any(|l| l.starts_with("nginx:")) {
            text.push_str(line);
            text.push('\n');
        }
        fs::write(etc.join(db), text).expect("write user database");
        binds.push((etc.join(db), Path::new("/etc").join(db)));
    }
    // (compose's tmpfs /tmp is left out: the test's own files are under /tmp.)
    for target in ["/run", "/var/log/nginx", "/var/lib/nginx", "/var/cache"] {
        if Path::new(target).is_dir() {
            let source = work.join(target.trim_start_matches('/').replace('/', "-"));
            fs::create_dir_all(source.join("nginx")).expect("create directory");
            binds.push((source, PathBuf::from(target)));
        }
    }
    let prefix = work.join("prefix");
    fs::create_dir_all(prefix.join("logs")).expect("nginx prefix");
    // The image's command: nginx -g 'daemon off;' (the compose file sets none).
    let args = [
        "-p".as_ref(),
        prefix.as_os_str(),
        "-c".as_ref(),
        conf.as_os_str(),
        "-g".as_ref(),
        "daemon off;".as_ref(),
    ];
    let mut cmd = ns.command(&binds, nginx, &args);
    cmd.current_dir(work);
    let log = work.join("log");
    let error_log = work.join("var-log-nginx/error.log");
    let port = *svc.ports.first().ok_or("nginx publishes no port")?;
    let url = node
        .healthcheck
        .iter()
        .flatten()
        .find(|a| a.starts_with("http://"))
        .cloned()
        .ok_or("nginx's healthcheck requests no http:// URL")?;
    let health_target = format!(
        "/{}",
        url.trim_start_matches("http://")
            .split_once('/')
            .map_or("", |x| x.1)
    );

    network.host().run_in(|| {
        let mut process = Process::spawn(&format!("{profile}/{}", svc.name), cmd, &log);
        let fail = |p: &Process, e: String| {
            format!(
                "{e}\nnginx output:\n{}\nerror.log:\n{}",
                tail(&p.log(), 20),
                tail(&fs::read_to_string(&error_log).unwrap_or_default(), 20)
            )
        };
        // The healthcheck's URL, asked from inside nginx's namespace (as the healthcheck does).
        let health = ns.run_in(|| {
            netns::wait_for(Duration::from_secs(30), Duration::from_millis(100), || {
                process.running().map_err(Retry::Stop)?;
                let r = http_get(
                    SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
                    "localhost",
                    &health_target,
                )?;
                (r.status == 200)
                    .then_some(r.body)
                    .ok_or(format!("{health_target}: {}", r.status).into())
            })
        });
        health.map_err(|e| fail(&process, format!("not healthy: {e}")))?;

        // Requests from the host side (the gateway) to nginx's address and published port.
        let to = SocketAddr::from((nginx_addr, port));
        for (target, upstream) in routes {
            let r = http_get(to, "localhost", target).map_err(|e| fail(&process, e))?;
            let first = r.body.lines().next().unwrap_or("");
            let want = format!("stub:{upstream} GET {target}");
            if r.status != 200 || first != want {
                return Err(fail(
                    &process,
                    format!(
                        "GET {target}: {} {first:?}, expected {want:?} from {upstream}\n{}",
                        r.status, r.headers
                    ),
                ));
            }
            // nginx passes the client's address on, as its configuration says.
            let real_ip = format!("X-Real-IP: {gateway}");
            if !r.body.lines().any(|l| l.eq_ignore_ascii_case(&real_ip)) {
                return Err(fail(
                    &process,
                    format!("GET {target}: no {real_ip:?} in {:?}", r.body),
                ));
            }
        }
        let asked: BTreeSet<String> = dns.asked().into_iter().collect();
        for (_, upstream) in routes {
            if !asked.contains(*upstream) {
                return Err(fail(
                    &process,
                    format!("nginx never asked DNS for {upstream}: {asked:?}"),
                ));
            }
        }
        drop(stubs);
        Ok(())
    })
}

#[test]
fn nginx_routes_requests_to_the_rendered_upstreams() {
    let Some(nginx) = support::tool("nginx") else {
        return;
    };
    if netns::check().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut checked = 0;
    let mut failures = Vec::new();
    for profile in builtin_profiles() {
        let bundle = tmp.path().join(&profile);
        render_bundle(&profile, &bundle, &[]);
        let env = read_env(&bundle);
        for compose in compose_files(&bundle, &env) {
            for svc in compose
                .services
                .iter()
                .filter(|s| s.image_name() == "nginx")
            {
                let work = tmp.path().join(format!("{profile}-{}", svc.name));
                match check_nginx(&nginx, &profile, &compose, svc, &work) {
                    Ok(()) => println!("{profile}/{}: nginx routes as expected", svc.name),
                    Err(e) => {
                        failures.push(format!("{profile}/{} ({:?}): {e}", svc.name, compose.path))
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 0, "no profile renders an nginx service");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
