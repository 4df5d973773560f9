//! What one `composegen` process costs, start-up included: criterion benchmarks that run the
//! release binary (the one `cargo bench` builds, `target/release/composegen`) as a new process
//! for each iteration. In-process benchmarks (`benches/lint.rs`, `benches/sizes.rs`) pay the
//! one-time costs (the image table, the compose schema's validator behind a `OnceLock`, lazily
//! compiled regexes) once for all iterations; a pre-commit hook pays them on every run, and so
//! do these.
//!
//! Groups:
//! - `cold/version`: `composegen --version`, the floor (process start-up, clap);
//! - `cold/lint/<file>`: `composegen lint --no-config --format json FILE`;
//! - `cold/config/<file>`: `composegen config -q -f FILE` (validate, print nothing; like
//!   `docker compose config -q`);
//!
//! where `<file>` is `tiny` (one service with an image), `typical` (the corpus file
//! `awesome/nginx-golang-postgres__compose.yaml`, from `../shared/corpus` or
//! `$COMPOSEGEN_CORPUS`; skipped without a corpus) and `1000` (1,000 generated services, see
//! `benches/generate`). Every process runs in an empty temporary directory (no
//! `.composegen.yaml` or `.env` is picked up), with stdout and stderr discarded.

mod generate;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main,
};

/// The binary cargo built for this benchmark (the bench profile is the release profile).
const BIN: &str = env!("CARGO_BIN_EXE_composegen");

const TYPICAL: &str = "awesome/nginx-golang-postgres__compose.yaml";

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("COMPOSEGEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    dir.is_dir().then_some(dir)
}

fn command(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Run once with output captured, and fail loudly if the command does not do its job (a lint
/// exits 0 or 1, i.e. with or without error-level findings; the others exit 0).
fn check(cwd: &Path, args: &[&str], ok: &[i32]) {
    let out = command(cwd, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e} (cargo bench builds it)"));
    let code = out.status.code().unwrap_or(-1);
    assert!(
        ok.contains(&code),
        "`composegen {}` exited {code}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn bench_process(g: &mut BenchmarkGroup<'_, WallTime>, id: BenchmarkId, cwd: &Path, args: &[&str]) {
    let lint = args.first() == Some(&"lint");
    check(cwd, args, if lint { &[0, 1] } else { &[0] });
    g.bench_function(id, |b| {
        b.iter(|| {
            let status = command(cwd, args).status().expect("composegen runs");
            assert!(status.code().is_some(), "composegen was killed: {status}");
        })
    });
}

fn bench_cold(c: &mut Criterion) {
    if cfg!(debug_assertions) {
        eprintln!("benches/cold: not an optimized build; the times are not the release binary's");
    }
    eprintln!("benches/cold: running {BIN}");
    let work = tempfile::tempdir().expect("temporary directory");
    let cwd = work.path().join("empty");
    std::fs::create_dir(&cwd).expect("empty directory");
    let inputs = work.path().join("inputs");
    std::fs::create_dir(&inputs).expect("inputs directory");

    let mut files: Vec<(&str, PathBuf)> = vec![(
        "tiny",
        generate::write(&inputs, "compose.yaml", &generate::tiny()),
    )];
    match corpus_dir() {
        Some(dir) => files.push(("typical", dir.join(TYPICAL))),
        None => eprintln!(
            "benches/cold: no corpus (../shared/corpus or COMPOSEGEN_CORPUS); skipping cold/*/typical"
        ),
    }
    let n = 1_000;
    let big = generate::write(&inputs, "services-1000.yaml", &generate::services(n));

    let mut g = c.benchmark_group("cold");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    bench_process(
        &mut g,
        BenchmarkId::from_parameter("version"),
        &cwd,
        &["--version"],
    );
    for (label, path) in &files {
        let p = path.to_str().expect("UTF-8 path");
        bench_process(
            &mut g,
            BenchmarkId::new("lint", label),
            &cwd,
            &["lint", "--no-config", "--format", "json", p],
        );
        bench_process(
            &mut g,
            BenchmarkId::new("config", label),
            &cwd,
            &["config", "-q", "-f", p],
        );
    }
    // The 1,000-service file: 10 single runs (over a second each before the linear-time lint).
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10));
    let p = big.to_str().expect("UTF-8 path");
    bench_process(
        &mut g,
        BenchmarkId::new("lint", n),
        &cwd,
        &["lint", "--no-config", "--format", "json", p],
    );
    bench_process(
        &mut g,
        BenchmarkId::new("config", n),
        &cwd,
        &["config", "-q", "-f", p],
    );
    g.finish();
}

criterion_group!(benches, bench_cold);
criterion_main!(benches);
