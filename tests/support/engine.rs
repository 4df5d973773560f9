//! A stub Docker Engine API on a unix socket, so that the real Docker Compose can plan and walk
//! `docker compose --dry-run up` with no daemon.
//!
//! In dry-run mode Compose fakes every call that would change something (create, start, copy,
//! volume and network creation) but still asks the engine what exists. The stub answers those
//! read calls as an empty machine that has every image: `/_ping`, `/version`, `/info`; image
//! inspect → present; container list → empty; network and volume look-ups → not found (so
//! Compose plans to create them); container inspect → not found, which Compose's dry-run client
//! turns into "running and healthy", except for the one-shot services the test names, which are
//! reported as exited with status 0 so that `service_completed_successfully` dependencies are
//! met. Every request is logged; a route the stub does not know answers 404 and is recorded in
//! [`Engine::unknown`], so a new Compose call shows up in test output instead of passing
//! silently.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The API version the stub speaks (Docker Engine 28).
const API_VERSION: &str = "1.51";

#[derive(Default)]
struct State {
    /// Service names whose containers have run to completion (exit 0).
    one_shots: BTreeSet<String>,
    /// Networks that exist (created by another project, e.g. one that this one joins as
    /// `external`).
    networks: BTreeSet<String>,
    /// Every request line.
    log: Vec<String>,
    /// Requests no route matched.
    unknown: Vec<String>,
}

/// A running stub engine; stops when dropped.
pub struct Engine {
    _dir: tempfile::TempDir,
    socket: PathBuf,
    stop: Arc<AtomicBool>,
    state: Arc<Mutex<State>>,
    accept: Option<JoinHandle<()>>,
}

impl Engine {
    /// Start the stub; containers of the services in `one_shots` report "exited 0".
    pub fn start(one_shots: impl IntoIterator<Item = String>) -> Engine {
        let dir = tempfile::Builder::new()
            .prefix("composegen-engine-")
            .tempdir()
            .expect("temp dir for the stub engine socket");
        let socket = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&socket).expect("bind the stub engine socket");
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(Mutex::new(State {
            one_shots: one_shots.into_iter().collect(),
            ..State::default()
        }));
        let accept = {
            let (stop, state) = (stop.clone(), state.clone());
            thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let state = state.clone();
                    thread::spawn(move || serve(conn, &state));
                }
            })
        };
        Engine {
            _dir: dir,
            socket,
            stop,
            state,
            accept: Some(accept),
        }
    }

    /// Make `names` exist as networks (another project created them).
    pub fn with_networks(self, names: impl IntoIterator<Item = String>) -> Engine {
        if let Ok(mut st) = self.state.lock() {
            st.networks.extend(names);
        }
        self
    }

    /// Make `names` exist as networks, on an engine already in use (one engine for the files of
    /// a bundle, each file's networks existing for the files started after it).
    pub fn add_networks(&self, names: impl IntoIterator<Item = String>) {
        if let Ok(mut st) = self.state.lock() {
            st.networks.extend(names);
        }
    }

    /// `DOCKER_HOST` for clients of this engine.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// Every request the stub received, in order (`METHOD /path`).
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().map(|s| s.log.clone()).unwrap_or_default()
    }

    /// Requests no route knew.
    pub fn unknown(&self) -> Vec<String> {
        self.state
            .lock()
            .map(|s| s.unknown.clone())
            .unwrap_or_default()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = UnixStream::connect(&self.socket);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

struct Request {
    method: String,
    path: String,
}

/// Read one HTTP/1.1 request (headers, and a body by Content-Length or chunks, discarded).
fn read_request(r: &mut BufReader<UnixStream>) -> Option<Request> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "content-length" {
                length = v.parse().ok()?;
            } else if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
    }
    if chunked {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0u8; n + 2];
            r.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
        }
    } else if length > 0 {
        let mut body = vec![0u8; length];
        r.read_exact(&mut body).ok()?;
    }
    Some(Request { method, path })
}

fn serve(conn: UnixStream, state: &Mutex<State>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(mut w) = conn.try_clone() else { return };
    let mut r = BufReader::new(conn);
    while let Some(req) = read_request(&mut r) {
        let (status, body) = route(&req, state);
        let body = if req.method == "HEAD" {
            String::new()
        } else {
            body
        };
        let reason = if status == 200 { "OK" } else { "Not Found" };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nApi-Version: {API_VERSION}\r\n\
             Docker-Experimental: false\r\nOstype: linux\r\nServer: composegen-stub-engine\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        if w.write_all(head.as_bytes())
            .and_then(|()| w.write_all(body.as_bytes()))
            .and_then(|()| w.flush())
            .is_err()
        {
            return;
        }
    }
}

fn not_found(what: &str) -> (u16, String) {
    (404, serde_json::json!({ "message": what }).to_string())
}

fn ok(v: serde_json::Value) -> (u16, String) {
    (200, v.to_string())
}

/// `project-service-1` → whether `service` is one of the one-shots.
fn is_one_shot(container: &str, one_shots: &BTreeSet<String>) -> bool {
    let Some((rest, n)) = container.rsplit_once('-') else {
        return false;
    };
    n.bytes().all(|b| b.is_ascii_digit())
        && one_shots
            .iter()
            .any(|s| rest.ends_with(&format!("-{s}")) || rest == s)
}

fn route(req: &Request, state: &Mutex<State>) -> (u16, String) {
    let Ok(mut st) = state.lock() else {
        return not_found("stub engine state poisoned");
    };
    st.log.push(format!("{} {}", req.method, req.path));
    let path = req.path.split('?').next().unwrap_or("");
    // Strip the version prefix: /v1.51/images/… → /images/…
    let path = match path.strip_prefix("/v") {
        Some(rest) => rest.find('/').map_or(path, |i| &rest[i..]),
        None => path,
    };
    let zero = format!("sha256:{}", "0".repeat(64));
    let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (req.method.as_str(), seg.as_slice()) {
        ("GET" | "HEAD", ["_ping"]) => (200, "OK".to_string()),
        ("GET", ["version"]) => ok(serde_json::json!({
            "Platform": {"Name": "composegen stub engine"},
            "Version": "28.2.2", "ApiVersion": API_VERSION, "MinAPIVersion": "1.24",
            "Os": "linux", "Arch": "amd64", "KernelVersion": "6.1.0", "GoVersion": "go1.24",
        })),
        ("GET", ["info"]) => ok(serde_json::json!({
            "ID": "composegen-stub", "Name": "stub", "OSType": "linux", "OperatingSystem": "stub",
            "Architecture": "x86_64", "ServerVersion": "28.2.2", "NCPU": 2,
            "MemTotal": 8_u64 << 30, "Driver": "overlay2", "CgroupDriver": "systemd",
            "CgroupVersion": "2", "Swarm": {"LocalNodeState": "inactive"},
        })),
        ("GET", ["containers", "json"]) => ok(serde_json::json!([])),
        ("GET", ["containers", name, "json"]) => {
            if is_one_shot(name, &st.one_shots) {
                ok(serde_json::json!({
                    "Id": name, "Name": format!("/{name}"), "Image": zero,
                    "State": {"Status": "exited", "Running": false, "ExitCode": 0},
                    "Config": {"Labels": {}}, "HostConfig": {}, "NetworkSettings": {},
                    "Mounts": [],
                }))
            } else {
                not_found(&format!("No such container: {name}"))
            }
        }
        ("HEAD", ["containers", name, "archive"]) => {
            not_found(&format!("No such container: {name}"))
        }
        ("GET", ["images", rest @ .., "json"]) if !rest.is_empty() => ok(serde_json::json!({
            "Id": zero, "RepoTags": [rest.join("/")], "Os": "linux", "Architecture": "amd64",
            "Config": {}, "RootFS": {"Type": "layers"},
        })),
        ("GET", ["distribution", rest @ .., "json"]) if !rest.is_empty() => ok(serde_json::json!({
            "Descriptor": {
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": zero, "size": 1,
            },
            "Platforms": [{"architecture": "amd64", "os": "linux"}],
        })),
        ("GET", ["networks"]) => {
            // `filters={"name":{"x":true}}`: the known networks of that name.
            let query = req.path.split_once('?').map_or("", |(_, q)| q);
            let filters = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("filters="))
                .map(percent_decode)
                .unwrap_or_default();
            let wanted: Vec<String> = serde_json::from_str::<serde_json::Value>(&filters)
                .ok()
                .and_then(|f| f.get("name").and_then(|n| n.as_object()).cloned())
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let list: Vec<serde_json::Value> = st
                .networks
                .iter()
                .filter(|n| wanted.is_empty() || wanted.contains(n))
                .map(|n| network(n))
                .collect();
            ok(serde_json::Value::Array(list))
        }
        ("GET", ["networks", name]) if st.networks.contains(*name) => ok(network(name)),
        ("GET", ["networks", name]) => not_found(&format!("network {name} not found")),
        ("GET", ["volumes"]) => ok(serde_json::json!({"Volumes": [], "Warnings": []})),
        ("GET", ["volumes", name]) => not_found(&format!("get {name}: no such volume")),
        _ => {
            let line = format!("{} {}", req.method, req.path);
            st.unknown.push(line.clone());
            not_found(&format!("composegen stub engine: no route for {line}"))
        }
    }
}

fn network(name: &str) -> serde_json::Value {
    serde_json::json!({
        "Name": name, "Id": format!("{name}-id"), "Driver": "bridge", "Scope": "local",
        "Labels": {}, "Options": {}, "IPAM": {"Driver": "default", "Config": []},
    })
}

/// `%7B%22name%22…` → `{"name"…`.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(v) => {
                    out.push(v);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What `docker compose --dry-run up` printed, and whether it succeeded.
pub struct UpResult {
    /// Exit status was 0.
    pub ok: bool,
    /// stdout and stderr.
    pub output: String,
}

/// Runs the real `docker compose [-f FILE]… [--profile P]… --dry-run up -d` in `dir` (where
/// `.env` and relative paths resolve, as for a user) against `engine`. `None`: Compose is
/// missing (skipped, or a panic under CI).
pub fn compose_up_dry_run(
    engine: &Engine,
    dir: &Path,
    files: &[&str],
    profiles: &[&str],
) -> Option<UpResult> {
    compose_up_dry_run_with_env(engine, dir, files, profiles, &[])
}

/// [`compose_up_dry_run`] with `env` added to Compose's environment (variables a file
/// interpolates when there is no `.env`, `COMPOSE_PROJECT_NAME`).
pub fn compose_up_dry_run_with_env(
    engine: &Engine,
    dir: &Path,
    files: &[&str],
    profiles: &[&str],
    env: &[(String, String)],
) -> Option<UpResult> {
    let bin = super::docker_compose()?;
    let home = tempfile::tempdir().expect("temp HOME for docker-compose");
    let mut cmd = std::process::Command::new(bin);
    for f in files {
        cmd.arg("-f").arg(f);
    }
    for p in profiles {
        cmd.arg("--profile").arg(p);
    }
    cmd.args(["--dry-run", "up", "-d"])
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("DOCKER_CONFIG", home.path())
        .env("DOCKER_HOST", engine.docker_host())
        .env("COMPOSE_ANSI", "never")
        .env("COMPOSE_PROGRESS", "plain")
        .env("COMPOSE_STATUS_STDOUT", "1")
        .envs(env.iter().map(|(k, v)| (k, v)));
    // Compose's dry-run mode keeps the containers it pretends to create in memory, and under
    // load a dependency wait can list them before the dependency's create is recorded: it then
    // fails with "X is missing dependency Y" although the file is fine (seen once in ~10 runs on
    // a loaded 2-core machine; a real engine has no such window). That one message is retried.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = match super::run(&mut cmd, super::TIMEOUT) {
            Ok(out) => UpResult {
                ok: out.status.success(),
                output: out.both(),
            },
            Err(e) => UpResult {
                ok: false,
                output: e,
            },
        };
        if result.ok || attempts == 3 || !result.output.contains("is missing dependency") {
            return Some(result);
        }
    }
}
