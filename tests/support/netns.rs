//! Network namespaces and processes for tests that run real servers on the addresses a rendered
//! compose file gives them (`tests/real_services.rs`).
//!
//! - [`Netns`]: a network namespace the test creates (`ip netns add cgtest-PID-N-TAG`) with only a
//!   loopback, deleted when dropped. Code runs in it on a thread of its own ([`Netns::run_in`],
//!   [`Netns::spawn_in`]: `setns(2)` moves only the calling thread), and programs run in it through
//!   `nsenter --net` plus a private mount namespace, where files can be bind-mounted over
//!   `/etc/hosts` and the like without the machine seeing them ([`Netns::command`]).
//! - [`Network`]: what Docker builds for a bridge network: one namespace holding a bridge with the
//!   gateway address (the test's clients run there, like the host), and one namespace per container,
//!   joined to the bridge by a veth pair whose container end is `eth0` with the container's address.
//!   Each server therefore binds its own address and port exactly as its configuration says
//!   (`bind 0.0.0.0`, `port 6379` for every Redis node), and killing a process makes its address
//!   unreachable as a dead container would. Every address and link lives in a namespace created
//!   here; the machine's own network is never touched.
//! - [`Process`]: a child in its own process group, killed with the group (and reaped) when dropped,
//!   and killed by the kernel if the thread that started it dies (`PR_SET_PDEATHSIG`).
//! - [`Dns`]: a stand-in for Docker's embedded DNS server (127.0.0.11:53 in a container), answering
//!   A queries for the service names of a network.
//!
//! Cleanup: everything is undone on drop, so a panicking test leaves nothing behind; namespaces left
//! by a test process that was killed outright (SIGKILL, no unwinding) are deleted by the next run
//! (their names carry the dead process's pid).
//!
//! Needs root (for `ip netns`); [`check`] skips the test (or fails it under CI) otherwise.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::{TIMEOUT, find_on_path, run, unavailable};

/// Every namespace created here is named `cgtest-<pid>-<n>-<tag>`.
const PREFIX: &str = "cgtest-";
const CLONE_NEWNET: i32 = 0x4000_0000;
const PR_SET_PDEATHSIG: i32 = 1;
const SIGKILL: i32 = 9;

unsafe extern "C" {
    fn setns(fd: i32, nstype: i32) -> i32;
    fn prctl(option: i32, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> i32;
    fn kill(pid: i32, sig: i32) -> i32;
}

struct Tools {
    ip: PathBuf,
    nsenter: PathBuf,
    unshare: PathBuf,
}

fn probe() -> Result<Tools, String> {
    if fs::metadata("/proc/self").map_err(|e| e.to_string())?.uid() != 0 {
        return Err("need root (ip netns add)".into());
    }
    let find = |name: &str| find_on_path(name).ok_or_else(|| format!("{name} is not installed"));
    let tools = Tools {
        ip: find("ip")?,
        nsenter: find("nsenter")?,
        unshare: find("unshare")?,
    };
    sweep_stale(&tools.ip);
    let name = format!("{PREFIX}{}-probe", std::process::id());
    let out = run(
        Command::new(&tools.ip).args(["netns", "add", &name]),
        TIMEOUT,
    )?;
    if !out.status.success() {
        return Err(format!("`ip netns add` failed: {}", out.stderr.trim()));
    }
    let _ = run(
        Command::new(&tools.ip).args(["netns", "del", &name]),
        TIMEOUT,
    );
    Ok(tools)
}

fn probed() -> &'static Result<Tools, String> {
    static TOOLS: OnceLock<Result<Tools, String>> = OnceLock::new();
    TOOLS.get_or_init(probe)
}

fn tools() -> &'static Tools {
    match probed() {
        Ok(tools) => tools,
        Err(why) => panic!("network namespaces are unavailable ({why}); call netns::check() first"),
    }
}

/// Whether network namespaces can be created here (root, iproute2, util-linux). `None` after
/// printing a skip line (or a panic under CI / COMPOSEGEN_TOOLS_REQUIRED) when they cannot.
pub fn check() -> Option<()> {
    match probed() {
        Ok(_) => Some(()),
        Err(why) => unavailable("network namespaces", &format!("are unavailable: {why}")),
    }
}

/// Deletes namespaces named by an earlier test process that no longer exists.
fn sweep_stale(ip: &Path) {
    let Ok(entries) = fs::read_dir("/run/netns") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            eprintln!("deleting network namespace {name} left by test process {pid}");
            let _ = run(Command::new(ip).args(["netns", "del", &name]), TIMEOUT);
        }
    }
}

/// Runs `ip ARGS`; panics with its stderr on failure.
fn ip(args: &[&str]) {
    let out = run(Command::new(&tools().ip).args(args), TIMEOUT)
        .unwrap_or_else(|e| panic!("ip {args:?}: {e}"));
    assert!(
        out.status.success(),
        "ip {args:?} failed: {}",
        out.stderr.trim()
    );
}

/// Moves the calling thread into the network namespace at `path`.
fn enter(path: &Path) {
    let file = File::open(path).unwrap_or_else(|e| panic!("open {path:?}: {e}"));
    // SAFETY: setns only reads the descriptor, which stays open for the call.
    let rc = unsafe { setns(file.as_raw_fd(), CLONE_NEWNET) };
    assert_eq!(
        rc,
        0,
        "setns({path:?}): {}",
        std::io::Error::last_os_error()
    );
}

/// A network namespace created by the test; deleted when dropped.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// A new namespace with its loopback up. `tag` only makes the name readable.
    pub fn new(tag: &str) -> Netns {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let tag: String = tag
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        let name = format!(
            "{PREFIX}{}-{}-{tag}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        ip(&["netns", "add", &name]);
        let ns = Netns { name };
        ip(&["-n", &ns.name, "link", "set", "lo", "up"]);
        ns
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> PathBuf {
        Path::new("/run/netns").join(&self.name)
    }

    /// Runs `f` on a thread inside this namespace and returns its result (a panic in `f` is
    /// re-raised here). Sockets `f` opens belong to this namespace.
    pub fn run_in<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        let path = self.path();
        thread::scope(|scope| {
            scope
                .spawn(move || {
                    enter(&path);
                    f()
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Starts `f` on a thread inside this namespace (for servers that outlive the call).
    pub fn spawn_in(&self, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
        let path = self.path();
        thread::spawn(move || {
            enter(&path);
            f()
        })
    }

    /// `program args` in this namespace and a private mount namespace in which each `(source,
    /// target)` of `binds` is bind-mounted over `target` (an existing file or directory). The
    /// command starts with an empty environment but PATH; add what the program needs.
    pub fn command<S: AsRef<OsStr>>(
        &self,
        binds: &[(PathBuf, PathBuf)],
        program: impl AsRef<OsStr>,
        args: &[S],
    ) -> Command {
        const SH: &str = r#"set -e
while [ "$1" != -- ]; do mount --bind "$1" "$2"; shift 2; done; shift
exec "$@""#;
        let tools = tools();
        let mut cmd = Command::new(&tools.nsenter);
        cmd.arg(format!("--net={}", self.path().display()))
            .arg("--")
            .arg(&tools.unshare)
            .args(["--mount", "--propagation", "private", "--"])
            .args(["sh", "-c", SH, "netns-exec"]);
        for (source, target) in binds {
            cmd.arg(source).arg(target);
        }
        cmd.arg("--").arg(program).args(args);
        cmd.env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        cmd
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Ok(out) = run(
            Command::new(&tools().ip).args(["netns", "del", &self.name]),
            TIMEOUT,
        ) && !out.status.success()
        {
            eprintln!(
                "cannot delete network namespace {}: {}",
                self.name,
                out.stderr.trim()
            );
        }
    }
}

/// A Docker-like bridge network in namespaces of its own: see the module documentation.
pub struct Network {
    /// Holds the bridge `br0` with the gateway address; the test's clients run here.
    host: Netns,
    prefix: u8,
    nodes: Vec<(Ipv4Addr, Arc<Netns>)>,
}

impl Network {
    /// A bridge network `gateway/prefix` (e.g. 172.19.0.1/16).
    pub fn new(tag: &str, gateway: Ipv4Addr, prefix: u8) -> Network {
        let host = Netns::new(&format!("{tag}-bridge"));
        let n = host.name().to_string();
        ip(&["-n", &n, "link", "add", "br0", "type", "bridge"]);
        ip(&[
            "-n",
            &n,
            "addr",
            "add",
            &format!("{gateway}/{prefix}"),
            "dev",
            "br0",
        ]);
        ip(&["-n", &n, "link", "set", "br0", "up"]);
        Network {
            host,
            prefix,
            nodes: Vec::new(),
        }
    }

    /// The namespace with the bridge and the gateway address (the "host" side).
    pub fn host(&self) -> &Netns {
        &self.host
    }

    /// A new namespace ("container") whose `eth0` has `addr` on this network.
    pub fn attach(&mut self, tag: &str, addr: Ipv4Addr) -> Arc<Netns> {
        let node = Arc::new(Netns::new(tag));
        let bridge = self.host.name().to_string();
        let veth = format!("v{}", self.nodes.len());
        ip(&[
            "-n",
            &bridge,
            "link",
            "add",
            &veth,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            node.name(),
        ]);
        ip(&["-n", &bridge, "link", "set", &veth, "master", "br0", "up"]);
        ip(&[
            "-n",
            node.name(),
            "addr",
            "add",
            &format!("{addr}/{}", self.prefix),
            "dev",
            "eth0",
        ]);
        ip(&["-n", node.name(), "link", "set", "eth0", "up"]);
        self.nodes.push((addr, Arc::clone(&node)));
        node
    }
}

/// A child process in its own process group; the group is killed and the child reaped on drop.
pub struct Process {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `cmd` with stdin from /dev/null and stdout and stderr appended to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Process {
        let file = File::options()
            .create(true)
            .append(true)
            .open(log)
            .unwrap_or_else(|e| panic!("open {log:?}: {e}"));
        cmd.stdin(Stdio::null())
            .stdout(file.try_clone().expect("dup log file"))
            .stderr(file)
            .process_group(0);
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                // Die with the thread that started us, even if the test process is SIGKILLed.
                prctl(PR_SET_PDEATHSIG, SIGKILL as u64, 0, 0, 0);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        Process {
            name: name.to_string(),
            child,
            log: log.to_path_buf(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `Err(status)` once it has exited.
    pub fn running(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!("{} exited: {status}", self.name)),
            Err(e) => Err(format!("{}: {e}", self.name)),
        }
    }

    /// SIGKILL to the whole process group, then reap.
    pub fn kill(&mut self) {
        if self.child.try_wait().is_ok_and(|status| status.is_none()) {
            let pgid = self.child.id() as i32;
            // SAFETY: plain syscall; the group is the one this child leads.
            unsafe { kill(-pgid, SIGKILL) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What it has written so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Why a probe of [`wait_for`] did not succeed: try again later, or give up now (a process died).
#[derive(Debug)]
pub enum Retry {
    Later(String),
    Stop(String),
}

impl From<String> for Retry {
    fn from(why: String) -> Retry {
        Retry::Later(why)
    }
}

/// Polls `probe` every `every` until it returns `Ok`, returns `Retry::Stop`, or `timeout` passes;
/// then the reason.
pub fn wait_for<T>(
    timeout: Duration,
    every: Duration,
    mut probe: impl FnMut() -> Result<T, Retry>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    loop {
        match probe() {
            Ok(value) => return Ok(value),
            Err(Retry::Stop(e)) => return Err(e),
            Err(Retry::Later(e)) if Instant::now() >= deadline => {
                return Err(format!("not within {timeout:?}: {e}"));
            }
            Err(Retry::Later(_)) => thread::sleep(every),
        }
    }
}

/// Writes a hosts file at `dir/hosts`: localhost plus each (name, address).
pub fn hosts_file(dir: &Path, entries: &[(String, Ipv4Addr)]) -> PathBuf {
    let mut text = String::from("127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n");
    for (name, addr) in entries {
        text.push_str(&format!("{addr} {name}\n"));
    }
    let path = dir.join("hosts");
    fs::write(&path, text).expect("write hosts file");
    path
}

// ---------------------------------------------------------------------------------------------
// Servers on threads inside a namespace

/// A server thread that stops (and is joined) when dropped.
pub struct Server {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An HTTP server on `0.0.0.0:port` in `ns` answering every request with 200 and the body
/// `marker METHOD TARGET` (plus the request headers, one per line), then closing the connection.
pub fn http_stub(ns: &Netns, port: u16, marker: &str) -> Server {
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let marker = marker.to_string();
    let flag = Arc::clone(&stop);
    let thread = ns.spawn_in(move || {
        let bound = TcpListener::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)))
            .and_then(|l| l.set_nonblocking(true).map(|()| l));
        let listener = match bound {
            Ok(listener) => {
                let _ = ready_tx.send(Ok(()));
                listener
            }
            Err(e) => {
                let _ = ready_tx.send(Err(format!("bind port {port}: {e}")));
                return;
            }
        };
        while !flag.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((stream, _)) => answer(stream, &marker),
                Err(_) => thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    ready_rx
        .recv()
        .expect("stub thread ended")
        .unwrap_or_else(|e| panic!("HTTP stub {ns:?}: {e}"));
    Server {
        stop,
        thread: Some(thread),
    }
}

fn answer(mut stream: TcpStream, marker: &str) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut body = format!("{marker} {method} {target}\n");
    for line in lines.take_while(|l| !l.is_empty()) {
        body.push_str(line);
        body.push('\n');
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

/// Docker's embedded DNS server as a container sees it: UDP 127.0.0.11:53 in `ns`, answering A
/// queries for `records` (names case-insensitive), NXDOMAIN for other names, no answer for other
/// types. The names it was asked are kept in [`Dns::asked`].
pub struct Dns {
    server: Server,
    asked: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Dns {
    pub const ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 11);

    pub fn start(ns: &Netns, records: BTreeMap<String, Ipv4Addr>) -> Dns {
        let stop = Arc::new(AtomicBool::new(false));
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (flag, log) = (Arc::clone(&stop), Arc::clone(&asked));
        let records: BTreeMap<String, Ipv4Addr> = records
            .into_iter()
            .map(|(name, addr)| (name.to_ascii_lowercase(), addr))
            .collect();
        let thread = ns.spawn_in(move || {
            let socket = match UdpSocket::bind((Dns::ADDR, 53)).and_then(|s| {
                s.set_read_timeout(Some(Duration::from_millis(50)))
                    .map(|()| s)
            }) {
                Ok(socket) => {
                    let _ = ready_tx.send(Ok(()));
                    socket
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(format!("bind {}:53: {e}", Dns::ADDR)));
                    return;
                }
            };
            let mut buf = [0u8; 512];
            while !flag.load(Ordering::Relaxed) {
                let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                if let Some((name, reply)) = dns_reply(&buf[..n], &records) {
                    log.lock().expect("dns log").push(name);
                    let _ = socket.send_to(&reply, peer);
                }
            }
        });
        ready_rx
            .recv()
            .expect("dns thread ended")
            .unwrap_or_else(|e| panic!("DNS stand-in in {ns:?}: {e}"));
        Dns {
            server: Server {
                stop,
                thread: Some(thread),
            },
            asked,
        }
    }

    /// The names queried so far.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().expect("dns log").clone()
    }
}

/// The reply to one DNS query (RFC 1035 §4.1), or `None` when `query` is not one.
fn dns_reply(query: &[u8], records: &BTreeMap<String, Ipv4Addr>) -> Option<(String, Vec<u8>)> {
    if query.len() < 12 || query[2] & 0x80 != 0 || u16::from_be_bytes([query[4], query[5]]) != 1 {
        return None;
    }
    let mut labels = Vec::new();
    let mut at = 12;
    loop {
        let len = *query.get(at)? as usize;
        at += 1;
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let qtype = u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]);
    let question_end = at + 4;
    query.get(..question_end)?;
    let name = labels.join(".");
    let addr = records.get(&name).or_else(|| {
        // A resolver may append a search domain; Docker answers the bare service name.
        labels.first().and_then(|first| records.get(first))
    });
    let mut reply = Vec::with_capacity(question_end + 16);
    reply.extend_from_slice(&query[..2]); // id
    let rd = query[2] & 0x01;
    let rcode = if addr.is_some() { 0 } else { 3 }; // NXDOMAIN
    reply.extend_from_slice(&[0x84 | rd, 0x80 | rcode]); // QR, AA, RD as asked; RA
    let answers = u16::from(addr.is_some() && qtype == 1);
    reply.extend_from_slice(&[0, 1]);
    reply.extend_from_slice(&answers.to_be_bytes());
    reply.extend_from_slice(&[0, 0, 0, 0]);
    reply.extend_from_slice(&query[12..question_end]);
    if let (Some(addr), 1) = (addr, answers) {
        reply.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 10, 0, 4]);
        reply.extend_from_slice(&addr.octets());
    }
    Some((name, reply))
}
