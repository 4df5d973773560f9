//! Inputs that must not hang, crash or read without end (issue 13): FIFOs and devices as files,
//! includes that loop, symbolic link loops under `lint -r`, files over the input limit. Each
//! case has a time bound: a regression shows up as a failure, not as a hung test run.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run composegen with `args` in `dir`, killed after 20 s (a hang is a failure).
fn run(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_composegen"))
        .args(args)
        .current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("composegen {args:?} did not finish within 20 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

#[test]
fn a_fifo_is_refused_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("compose.yaml"));
    for args in [
        &["lint", "compose.yaml"][..],
        &["config", "-f", "compose.yaml"][..],
        &["render", "locust", "-f", "compose.yaml"][..],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("FIFO"), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn devices_are_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["lint", "/dev/zero"][..],
        &["config", "-f", "/dev/zero"][..],
        &["render", "/dev/zero"][..],
        &["lint", "--env-file", "/dev/zero", "-"][..],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("device"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn files_over_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("compose.yaml");
    let mut text = String::from("services:\n  a:\n    image: nginx:1.27.2\n");
    text.push_str(&format!("# {}\n", "x".repeat(2000)));
    std::fs::write(&big, &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_composegen"))
        .args(["lint", "compose.yaml"])
        .current_dir(dir.path())
        .env("COMPOSEGEN_MAX_INPUT_BYTES", "1000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("input limit"), "{}", stderr(&out));
}

#[test]
fn include_cycles_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("compose.yaml"),
        "include:\n  - compose.yaml\nservices:\n  a:\n    image: nginx:1.27.2\n",
    )
    .unwrap();
    std::fs::create_dir(d.join("ab")).unwrap();
    std::fs::write(
        d.join("ab/compose.yaml"),
        "include:\n  - b.yaml\nservices:\n  a:\n    image: nginx:1.27.2\n",
    )
    .unwrap();
    std::fs::write(
        d.join("ab/b.yaml"),
        "include:\n  - compose.yaml\nservices:\n  b:\n    image: nginx:1.27.2\n",
    )
    .unwrap();
    for dir in [d.to_path_buf(), d.join("ab")] {
        let out = run(&dir, &["config"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("include cycle detected"),
            "{}",
            stderr(&out)
        );
        let out = run(&dir, &["lint", "compose.yaml"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("include cycle detected"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn lint_r_never_follows_directory_links() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("app/sub")).unwrap();
    std::fs::write(
        d.join("app/compose.yaml"),
        "services:\n  a:\n    image: nginx:1.27.2\n",
    )
    .unwrap();
    // Three loops: to the parent, to the root, to itself; and a link out of the tree.
    std::os::unix::fs::symlink("..", d.join("app/sub/up")).unwrap();
    std::os::unix::fs::symlink(d, d.join("app/sub/root")).unwrap();
    std::os::unix::fs::symlink(".", d.join("app/sub/self")).unwrap();
    std::os::unix::fs::symlink("/etc", d.join("app/etc")).unwrap();
    let out = run(d, &["lint", "-r", ".", "--format", "json"]);
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    // Every `file` named anywhere in the report.
    fn collect(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x.as_str()) {
                        ("file", Some(f)) => {
                            out.insert(f.to_string());
                        }
                        _ => collect(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    let mut files = std::collections::BTreeSet::new();
    collect(&json, &mut files);
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        ["app/compose.yaml"],
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A values file with thousands of schema errors: reported in bounded time and output (the
/// first errors in full, then how many more), never a copy of the file per error (it took 58 s
/// and 1.9 GB, then panicked inside the report renderer).
#[test]
fn thousands_of_errors_are_reported_briefly() {
    let dir = tempfile::tempdir().unwrap();
    let labels: Vec<String> = (0..8000).map(|i| format!("\"k{i}\": [{i}]")).collect();
    std::fs::write(
        dir.path().join("values.json"),
        format!(
            "{{\"services\": {{\"locust\": {{\"labels\": {{{}}}}}}}}}",
            labels.join(", ")
        ),
    )
    .unwrap();
    let out = run(dir.path(), &["render", "locust", "-f", "values.json"]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        &err[..err.len().min(2000)]
    );
    assert!(
        err.starts_with("error: 8000 errors in profile"),
        "{}",
        &err[..err.len().min(500)]
    );
    assert!(
        err.contains("and 7980 more"),
        "{}",
        &err[err.len().saturating_sub(500)..]
    );
    assert!(err.len() < 20_000, "{} bytes of errors", err.len());
}

/// An error on a file with a 10 MB line shows a window of that line, not all of it.
#[test]
fn errors_show_a_window_of_long_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("values.yaml"),
        format!(
            "services:\n  locust:\n    description: {}\n    labels: 3\n",
            "x".repeat(10_000_000)
        ),
    )
    .unwrap();
    let out = run(dir.path(), &["render", "locust", "-f", "values.yaml"]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        &err[..err.len().min(2000)]
    );
    assert!(
        err.contains("values.yaml:4:13"),
        "{}",
        &err[..err.len().min(2000)]
    );
    assert!(err.len() < 4_000, "{} bytes of error", err.len());
}

/// `instances` has an upper bound: 100,000 instances rendered a 98 MB file with 2.2 GB.
#[test]
fn instances_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[
            "render",
            "redis-sentinel",
            "--set",
            "services.redis-replica.instances=100000",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("at most 1000"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}
