//! Writing files safely, on the real binary: `render -o DIR` in a repository and against hostile
//! values (modes whatever the umask, `.env` created once and never replaced, no clobbering of
//! files composegen did not write or that were edited, bundle paths confined to DIR, unpredictable
//! temporary files, all or nothing on I/O errors and signals). See docs/decisions.md section 5.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    code: Option<i32>,
    stderr: String,
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("composegen")
}

/// The binary run in `dir` through `sh -c 'SETUP; exec "$0" "$@"'` (umask, ulimit, …: the
/// process the shell becomes keeps the shell's pid, `$$`).
fn command(dir: &Path, setup: &str, args: &[&str]) -> Command {
    let mut c = Command::new("sh");
    c.current_dir(dir)
        .arg("-c")
        .arg(format!("{setup}\nexec \"$0\" \"$@\""))
        .arg(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("COMPOSEGEN_TEST_PAUSE_BEFORE_RENAME");
    c
}

fn run_sh(dir: &Path, setup: &str, args: &[&str]) -> Run {
    let out = command(dir, setup, args).output().expect("run");
    Run {
        code: out.status.code(),
        stderr: flat(&String::from_utf8_lossy(&out.stderr)),
    }
}

/// miette's report on one line: wrapped lines joined, its margins (`|`, `x`) dropped, so that
/// tests can look for phrases whatever the wrapping.
fn flat(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| {
            let l = l.trim_start();
            l.strip_prefix("| ")
                .or_else(|| l.strip_prefix("x "))
                .unwrap_or(l)
                .trim()
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A spawned render, killed if the test fails while it waits.
struct Spawned(Option<Child>);

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let out = assert_cmd::Command::cargo_bin("composegen")
        .expect("binary")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run");
    Run {
        code: out.status.code(),
        stderr: flat(&String::from_utf8_lossy(&out.stderr)),
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn write(p: &Path, text: &str) {
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

/// Every entry under `dir`: relative path → (mode, content of files / target of links).
fn snapshot(dir: &Path) -> Vec<(String, u32, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, u32, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.expect("entry").path();
            let rel = p.strip_prefix(root).expect("prefix").display().to_string();
            let meta = std::fs::symlink_metadata(&p).expect("stat");
            let bytes = if meta.file_type().is_symlink() {
                std::fs::read_link(&p)
                    .expect("readlink")
                    .display()
                    .to_string()
                    .into_bytes()
            } else if meta.is_file() {
                std::fs::read(&p).expect("read")
            } else {
                Vec::new()
            };
            out.push((rel, meta.permissions().mode() & 0o7777, bytes));
            if meta.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn temps(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_iter()
        .map(|(rel, _, _)| rel)
        .filter(|rel| rel.ends_with(".tmp"))
        .collect()
}

/// A small profile of our own (independent of the built-in ones): a secret, a part, two config
/// files, one of which (`conf/b.txt`) grows with the knob `pad` (100 bytes a line).
fn tiny(dir: &Path) -> PathBuf {
    write(
        &dir.join("tiny.yaml"),
        r#"name: tiny
description: a bundle for the write-safety tests
knobs:
  pad: {description: lines of filler in b.txt, type: integer, default: 1, min: 1}
parts:
  extra: {file: docker-compose.extra.yml}
secrets:
  token: {env: TINY_TOKEN, description: a secret}
files:
  a: {template: a.j2, path: a.txt}
  b: {template: b.j2, path: conf/b.txt}
services:
  web:
    image: {name: nginx, tag: "1.27.3"}
    environment:
      TOKEN: {secret: token}
    resources: {memory: 64m, cpus: 0.1}
    files:
      - {file: a, target: /a.txt}
      - {file: b, target: /b.txt}
  side:
    part: extra
    image: {name: nginx, tag: "1.27.3"}
    resources: {memory: 64m, cpus: 0.1}
"#,
    );
    write(&dir.join("a.j2"), "a for {{ stack.name }}\n");
    write(
        &dir.join("b.j2"),
        &format!(
            "{{% for i in range(stack.knobs.pad) %}}{}\n{{% endfor %}}",
            "0123456789".repeat(10)
        ),
    );
    dir.join("tiny.yaml")
}

const TINY_FILES: [&str; 5] = [
    "docker-compose.yml",
    "docker-compose.extra.yml",
    "a.txt",
    "conf/b.txt",
    ".env.example",
];

// 1. Modes.

#[test]
fn files_are_0644_directories_0755_and_env_0600_whatever_the_umask() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    let r = run_sh(
        d.path(),
        "umask 077",
        &["render", "./tiny.yaml", "-o", "new/bundle"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let out = d.path().join("new/bundle");
    for dir in ["new", "new/bundle", "new/bundle/conf"] {
        assert_eq!(mode(&d.path().join(dir)), 0o755, "{dir}");
    }
    for f in TINY_FILES.iter().chain([&".composegen-manifest"]) {
        assert_eq!(mode(&out.join(f)), 0o644, "{f}");
    }
    assert_eq!(mode(&out.join(".env")), 0o600);
    // The built-in profiles too (their config files are read by containers running as other
    // users), and the other files composegen writes.
    let r = run_sh(d.path(), "umask 077", &["render", "locust", "-o", "locust"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let f = d.path().join("locust/locust/locustfile.py");
    assert_eq!(mode(&f), 0o644);
    assert_eq!(mode(f.parent().expect("dir")), 0o755);
    assert_eq!(mode(&d.path().join("locust/.env")), 0o600);
    let r = run_sh(
        d.path(),
        "umask 077",
        &[
            "lint",
            "--no-config",
            "new/bundle/docker-compose.yml",
            "--output",
            "report.txt",
        ],
    );
    assert!(r.code == Some(0) || r.code == Some(1), "{}", r.stderr);
    assert_eq!(mode(&d.path().join("report.txt")), 0o644);
}

// 1. `.env`: created once, never replaced.

#[test]
fn env_is_created_once_even_when_two_renders_race_into_a_fresh_directory() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    for i in 0..8 {
        let dir = format!("race{i}");
        let spawn = || -> Child {
            command(d.path(), ":", &["render", "./tiny.yaml", "-o", &dir])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let (a, b) = (spawn(), spawn());
        let outs = [a, b].map(|c| c.wait_with_output().expect("wait"));
        for o in &outs {
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let generated = outs
            .iter()
            .filter(|o| String::from_utf8_lossy(&o.stderr).contains("generated"))
            .count();
        assert_eq!(generated, 1, "exactly one render creates .env (round {i})");
        let env = d.path().join(&dir).join(".env");
        assert_eq!(mode(&env), 0o600);
        let text = std::fs::read_to_string(&env).expect("read");
        assert_eq!(text.matches("TINY_TOKEN=").count(), 1, "{text}");
        assert!(temps(&d.path().join(&dir)).is_empty());
    }
}

#[test]
fn an_existing_env_is_never_replaced_not_even_a_dangling_link() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    let out = d.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    // A link to where the secrets must not go.
    std::os::unix::fs::symlink("../stolen", out.join(".env")).expect("symlink");
    for force in [false, true] {
        let mut args = vec!["render", "./tiny.yaml", "-o", "out"];
        if force {
            args.push("--force");
        }
        let r = run(d.path(), &args);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(!r.stderr.contains("generated"), "{}", r.stderr);
        assert!(
            !d.path().join("stolen").exists(),
            "nothing written through .env"
        );
        assert_eq!(
            std::fs::read_link(out.join(".env")).expect("still the link"),
            Path::new("../stolen")
        );
    }
}

// 2. Refuse to clobber.

#[test]
fn a_file_composegen_did_not_write_is_not_overwritten_without_force() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    let out = d.path().join("out");
    // A hand-written compose file and a config file where the bundle puts its own.
    write(&out.join("docker-compose.yml"), "services: {}\n");
    write(&out.join("conf/b.txt"), "my notes\n");
    let before = snapshot(&out);
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    for needle in [
        "out/docker-compose.yml exists and composegen did not write it",
        "out/conf/b.txt exists and composegen did not write it",
        "nothing was written",
        "--force",
    ] {
        assert!(r.stderr.contains(needle), "{needle}: {}", r.stderr);
    }
    assert_eq!(snapshot(&out), before, "nothing written");
    // --force takes over; the files are composegen's from then on.
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out", "--force"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let compose = std::fs::read_to_string(out.join("docker-compose.yml")).expect("read");
    assert!(
        compose.contains("# Rendered with: composegen render ../tiny.yaml -o .\n"),
        "{compose}"
    );
    let r = run(
        d.path(),
        &["render", "./tiny.yaml", "-o", "out", "--set", "pad=3"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

#[test]
fn an_edited_file_is_not_overwritten_without_force() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    let out = d.path().join("out");
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // Composegen's own files are re-rendered freely, with other values too.
    let r = run(
        d.path(),
        &["render", "./tiny.yaml", "-o", "out", "--set", "pad=2"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    write(&out.join("a.txt"), "a, edited by hand\n");
    let before = snapshot(&out);
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("out/a.txt was edited since composegen wrote it"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(snapshot(&out), before, "nothing written");
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out", "--force"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("a.txt")).expect("read"),
        "a for tiny\n"
    );
}

#[test]
fn the_manifest_lists_each_file_with_its_sha256_and_check_ignores_it() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    let out = d.path().join("out");
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let manifest = std::fs::read_to_string(out.join(".composegen-manifest")).expect("manifest");
    let listed: Vec<(&str, &str)> = manifest
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split_once("  ").expect("HASH  PATH"))
        .collect();
    let mut paths: Vec<&str> = listed.iter().map(|(_, p)| *p).collect();
    paths.sort_unstable();
    let mut want = TINY_FILES.to_vec();
    want.sort_unstable();
    assert_eq!(paths, want, "every file but .env and the manifest");
    let sums = Command::new("sha256sum")
        .current_dir(&out)
        .args(TINY_FILES)
        .output()
        .expect("sha256sum");
    let sums = String::from_utf8_lossy(&sums.stdout);
    for (hash, path) in &listed {
        assert!(
            sums.contains(&format!("{hash}  {path}\n")),
            "{path}: {sums}"
        );
    }
    // `render --check` compares what the profile renders; the manifest is not part of that.
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out", "--check"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stderr.contains("manifest"), "{}", r.stderr);
    std::fs::remove_file(out.join(".composegen-manifest")).expect("rm");
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out", "--check"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // Without a manifest, a file that is already what the render produces is no conflict.
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(out.join(".composegen-manifest").is_file());
    // A manifest that is not one is in the way like any other file.
    write(&out.join(".composegen-manifest"), "hello\n");
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("not a composegen manifest"),
        "{}",
        r.stderr
    );
}

// 3. Confined paths.

#[test]
fn bundle_paths_from_values_are_checked_before_anything_is_written() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    write(&d.path().join("out/.env"), "TINY_TOKEN=mine\n");
    let abs = d.path().join("abs.yml");
    let abs_set = format!("parts.extra.file={}", abs.display());
    let cases: Vec<(String, &str)> = vec![
        ("parts.extra.file=../escape.yml".into(), "parts.extra.file"),
        (abs_set, "parts.extra.file"),
        ("parts.extra.file=.env".into(), "parts.extra.file"),
        (
            "parts.extra.file=docker-compose.yml".into(),
            "parts.extra.file",
        ),
        ("parts.extra.file=sub/x.yml".into(), "parts.extra.file"),
        ("files.a.path=.env".into(), "files.a.path"),
        ("files.a.path=.env.example".into(), "files.a.path"),
        ("files.a.path=.composegen-manifest".into(), "files.a.path"),
        (
            "files.a.path=docker-compose.extra.yml".into(),
            "files.a.path",
        ),
        ("files.a.path=conf/b.txt".into(), "files.a.path"),
        ("files.a.path=conf".into(), "files.a.path"),
        ("files.a.path=./a.txt".into(), "files.a.path"),
        ("files.a.path=x//a.txt".into(), "files.a.path"),
        ("files.a.path=../../escape.txt".into(), "files.a.path"),
    ];
    let before = snapshot(d.path());
    for (set, field) in &cases {
        let r = run(
            d.path(),
            &["render", "./tiny.yaml", "--set", set, "-o", "out"],
        );
        assert_eq!(r.code, Some(2), "{set}: {}", r.stderr);
        assert!(r.stderr.contains(field), "{set}: {}", r.stderr);
        assert!(r.stderr.contains("bundle path"), "{set}: {}", r.stderr);
        assert_eq!(snapshot(d.path()), before, "{set}: nothing written");
    }
    // From a values file: the error points at its line.
    write(
        &d.path().join("values.yaml"),
        "parts:\n  extra:\n    file: ../escape.yml\n",
    );
    let r = run(
        d.path(),
        &["render", "./tiny.yaml", "-f", "values.yaml", "-o", "out"],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("values.yaml:3:"), "{}", r.stderr);
    assert!(!d.path().join("escape.yml").exists());
}

#[test]
fn writes_never_follow_a_symbolic_link_inside_the_bundle() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    let out = d.path().join("out");
    let elsewhere = d.path().join("elsewhere");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    std::os::unix::fs::symlink(&elsewhere, out.join("conf")).expect("symlink");
    let before = snapshot(&out);
    for force in [false, true] {
        let mut args = vec!["render", "./tiny.yaml", "-o", "out"];
        if force {
            args.push("--force");
        }
        let r = run(d.path(), &args);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(
            r.stderr.contains("out/conf is a symbolic link"),
            "{}",
            r.stderr
        );
        assert_eq!(std::fs::read_dir(&elsewhere).expect("ls").count(), 0);
        assert_eq!(snapshot(&out), before, "nothing written");
    }
    // A link at a file's own name is a file composegen did not write: refused, and with
    // --force replaced by the file (the link's target is left alone).
    std::fs::remove_file(out.join("conf")).expect("rm");
    write(&elsewhere.join("victim"), "victim\n");
    std::os::unix::fs::symlink(elsewhere.join("victim"), out.join("a.txt")).expect("symlink");
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("a symbolic link"), "{}", r.stderr);
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out", "--force"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(elsewhere.join("victim")).expect("read"),
        "victim\n"
    );
    assert!(
        std::fs::symlink_metadata(out.join("a.txt"))
            .expect("stat")
            .is_file()
    );
}

// 4. Temporary files.

#[test]
fn a_link_planted_at_the_old_predictable_temporary_name_is_not_followed() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    let out = d.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    write(&d.path().join("victim"), "victim\n");
    write(&d.path().join("stolen"), "");
    // `$$` is the pid the binary will have: the shell execs it.
    let r = run_sh(
        d.path(),
        "ln -s ../victim out/.docker-compose.yml.composegen-$$.tmp\n\
         ln -s ../stolen out/..env.composegen-$$.tmp",
        &["render", "./tiny.yaml", "-o", "out"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(d.path().join("victim")).expect("read"),
        "victim\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("stolen")).expect("read"),
        "",
        "no secret written through the link"
    );
    for f in ["docker-compose.yml", ".env"] {
        assert!(
            std::fs::symlink_metadata(out.join(f))
                .expect("stat")
                .is_file(),
            "{f} is a file of its own"
        );
    }
}

/// Open the write end of a FIFO without blocking, once a reader has it open: the render is then
/// paused (test hook) with every temporary file written, until the write end is closed.
fn writer(fifo: &Path, deadline: Instant) -> std::os::fd::OwnedFd {
    use rustix::fs::{Mode, OFlags};
    loop {
        match rustix::fs::open(fifo, OFlags::WRONLY | OFlags::NONBLOCK, Mode::empty()) {
            Ok(fd) => return fd,
            Err(e) if Instant::now() > deadline => {
                panic!("the render never waited on the FIFO: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Wait until signal `signo` is no longer pending for `pid` (Linux: /proc/PID/status).
fn wait_delivered(pid: u32, signo: u32, deadline: Instant) {
    let bit = 1u64 << (signo - 1);
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let pending = status
            .lines()
            .filter(|l| l.starts_with("SigPnd:") || l.starts_with("ShdPnd:"))
            .filter_map(|l| l.split_once(':'))
            .filter_map(|(_, v)| u64::from_str_radix(v.trim(), 16).ok())
            .any(|mask| mask & bit != 0);
        if !pending {
            // A moment for the handler to finish storing its flag.
            std::thread::sleep(Duration::from_millis(50));
            return;
        }
        assert!(Instant::now() < deadline, "signal {signo} never delivered");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn temporaries_are_unpredictable_private_for_env_and_removed_on_sigint_or_sigterm() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    let pattern =
        regex::Regex::new(r"(^|/)\.[^/]+\.composegen-[A-Za-z0-9]{16}\.tmp$").expect("regex");
    for signal in ["INT", "TERM"] {
        let out = d.path().join(format!("out-{signal}"));
        std::fs::create_dir(&out).expect("mkdir");
        let fifo = d.path().join(format!("pause-{signal}"));
        let st = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(st.success());
        let child = command(
            d.path(),
            "umask 077",
            &["render", "./tiny.yaml", "-o", out.to_str().expect("path")],
        )
        .env("COMPOSEGEN_TEST_PAUSE_BEFORE_RENAME", &fifo)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
        let mut child = Spawned(Some(child));
        let pid = child.0.as_ref().expect("child").id();
        let fd = writer(&fifo, Instant::now() + Duration::from_secs(30));
        let seen = temps(&out);
        assert_eq!(seen.len(), 7, "five files, the manifest, .env: {seen:?}");
        for t in &seen {
            assert!(pattern.is_match(t), "{t}");
            let want = if t.starts_with(".env.composegen-") {
                0o600
            } else {
                0o644
            };
            assert_eq!(mode(&out.join(t)), want, "{t}");
        }
        let st = Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status()
            .expect("kill");
        assert!(st.success());
        // Once the signal is no longer pending, its handler has run; then let the render go on.
        let signo = if signal == "INT" { 2 } else { 15 };
        wait_delivered(pid, signo, Instant::now() + Duration::from_secs(30));
        drop(fd);
        let o = child
            .0
            .take()
            .expect("child")
            .wait_with_output()
            .expect("wait");
        let stderr = flat(&String::from_utf8_lossy(&o.stderr));
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("interrupted by SIG{signal}")),
            "{stderr}"
        );
        assert_eq!(
            snapshot(&out),
            Vec::new(),
            "temporaries and directories removed"
        );
    }
}

// 5. All or nothing.

#[test]
fn a_file_size_limit_leaves_the_previous_bundle_whole() {
    let d = tempfile::tempdir().expect("tempdir");
    tiny(d.path());
    let out = d.path().join("out");
    let r = run(d.path(), &["render", "./tiny.yaml", "-o", "out"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let before = snapshot(&out);
    // The new compose file (written first) fits under the limit, conf/b.txt (20 kB) does not.
    let args = [
        "render",
        "./tiny.yaml",
        "--set",
        "pad=200",
        "--set",
        "services.web.resources.memory=128m",
        "-o",
        "out",
    ];
    let r = run_sh(d.path(), "ulimit -f 8", &args);
    assert_eq!(
        r.code,
        Some(2),
        "an error, not death by SIGXFSZ: {}",
        r.stderr
    );
    assert!(r.stderr.contains("conf/b.txt"), "{}", r.stderr);
    assert!(r.stderr.contains("File too large"), "{}", r.stderr);
    assert_eq!(snapshot(&out), before, "the previous bundle, whole");
    // Into a fresh directory: nothing at all.
    let mut fresh = args;
    fresh[7] = "fresh/out";
    let r = run_sh(d.path(), "ulimit -f 8", &fresh);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(!d.path().join("fresh").exists(), "nothing written");
    // Without the limit the same render goes through.
    let r = run(d.path(), &args);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(temps(&out).is_empty());
}
