//! How `composegen lint` and `composegen config` grow with the file: criterion benchmarks on
//! generated compose files (`benches/generate`), through the same functions the CLI calls
//! (`cli::lint::run`, `cli::config::run`: settings, the image table, reading the file, loading,
//! the rules and the JSON report), without process start-up (see `benches/cold.rs` for that).
//!
//! Groups (throughput in services, or in ports / environment entries for the shapes):
//! - `size/lint/<N>`: `composegen lint --no-config --format json` of a file of N services
//!   (N = 100, 1,000, 3,000, 10,000, 50,000; see `generate::services`);
//! - `size/config/<N>`: `composegen config -q -f FILE` of the same files (load, merge,
//!   interpolate, normalize; the `-q` check that prints nothing, like `docker compose config -q`);
//! - `size/lint/<shape>`, `size/config/<shape>`: `ports10k` (one service with 10,000 ports),
//!   `env10k` (one service with 10,000 environment entries), `anchor3k` (3,000 services built
//!   from one `<<: *service` merge key).
//!
//! Each benchmark takes 10 samples of single runs. Sizes that would take too long are skipped:
//! before each size, the time of one run is extrapolated from the two sizes below it (with the
//! growth exponent they show); above `COMPOSEGEN_BENCH_BUDGET` seconds (default 10) that size
//! and the larger ones are skipped, with a note on stderr, unless `COMPOSEGEN_BENCH_LARGE=1`.
//! A shape is skipped when the series run of the same kind was skipped at its size (3,000 for
//! `anchor3k`). Filtering to one size (`cargo bench --bench sizes -- size/lint/50000`) runs it
//! whatever it costs.
//!
//! `cargo bench --bench sizes -- --write-inputs DIR` writes the generated files into DIR
//! (`tiny.yaml`, `services-<N>.yaml`, `ports10k.yaml`, `env10k.yaml`, `anchor3k.yaml`) and
//! exits without benchmarking; scripts/bench-compare uses it.

mod generate;

use std::cell::Cell;
use std::hint::black_box;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::Parser;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};

use composegen::cli::{Cli, Command, config, lint, report};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Lint,
    Config,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Lint => "lint",
            Kind::Config => "config",
        }
    }
}

/// The CLI's own argument parsing, so that the options are the ones a user types.
fn parse(args: &[&str], path: &Path) -> Command {
    let mut argv: Vec<String> = std::iter::once("composegen")
        .chain(args.iter().copied())
        .map(str::to_string)
        .collect();
    argv.push(path.display().to_string());
    Cli::try_parse_from(argv).expect("valid arguments").command
}

/// One run of `composegen <kind> … FILE` in-process; returns the output's length.
fn runner(kind: Kind, path: &Path) -> Box<dyn Fn() -> usize> {
    match (kind, parse(&kind_args(kind), path)) {
        (Kind::Lint, Command::Lint(args)) => Box::new(move || {
            let (text, _code) = lint::run(black_box(&args), false).expect("lint runs");
            text.len()
        }),
        (Kind::Config, Command::Config(args)) => Box::new(move || {
            config::run(black_box(&args))
                .expect("config accepts the file")
                .len()
        }),
        _ => unreachable!("parsed the wrong subcommand"),
    }
}

fn kind_args(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Lint => vec!["lint", "--no-config", "--format", "json"],
        Kind::Config => vec!["config", "-f"],
    }
}

struct Limits {
    large: bool,
    budget: f64,
}

fn limits() -> Limits {
    Limits {
        large: std::env::var("COMPOSEGEN_BENCH_LARGE").is_ok_and(|v| v == "1"),
        budget: std::env::var("COMPOSEGEN_BENCH_BUDGET")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10.0),
    }
}

/// The time of one run at `n`, extrapolated from the last two measured sizes (growth exponent
/// between 1 and 3), or linearly from one.
fn estimate(measured: &[(usize, f64)], n: usize) -> Option<f64> {
    let &(n2, t2) = measured.last()?;
    let k = match measured.len() {
        1 => 1.0,
        len => {
            let (n1, t1) = measured[len - 2];
            ((t2 / t1).ln() / (n2 as f64 / n1 as f64).ln()).clamp(1.0, 3.0)
        }
    };
    Some(t2 * (n as f64 / n2 as f64).powf(k))
}

/// Benchmark one input; returns the seconds of one run when it ran (not filtered out).
fn bench_one(
    g: &mut BenchmarkGroup<'_, WallTime>,
    kind: Kind,
    id: &str,
    elements: usize,
    path: &Path,
    expected: Option<f64>,
) -> Option<f64> {
    let run = runner(kind, path);
    let last = Rc::new(Cell::new(None));
    let seen = Rc::clone(&last);
    g.throughput(Throughput::Elements(elements as u64));
    // Room for 10 single runs, so that criterion does not warn about the time.
    let per_run = expected.unwrap_or(0.0);
    g.measurement_time(Duration::from_secs_f64((per_run * 12.0).max(5.0)));
    g.bench_function(BenchmarkId::new(kind.name(), id), |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(run());
            }
            let took = start.elapsed();
            seen.set(Some(took.as_secs_f64() / iters as f64));
            took
        })
    });
    last.get()
}

fn skip_note(kind: Kind, id: &str, est: f64, limits: &Limits) {
    eprintln!(
        "benches/sizes: skipping size/{}/{id} and larger: one run would take about {est:.1} s \
         (over COMPOSEGEN_BENCH_BUDGET={} s); COMPOSEGEN_BENCH_LARGE=1 runs it",
        kind.name(),
        limits.budget
    );
}

fn bench_kind(c: &mut Criterion, dir: &Path, kind: Kind) {
    let limits = limits();
    let mut g = c.benchmark_group("size");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1));

    // The series: N services.
    let mut measured: Vec<(usize, f64)> = Vec::new();
    let mut skipped_from = None;
    for &n in generate::SIZES {
        let expected = estimate(&measured, n);
        if let Some(est) = expected
            && est > limits.budget
            && !limits.large
        {
            skip_note(kind, &n.to_string(), est, &limits);
            skipped_from = Some(n);
            break;
        }
        let path = dir.join(format!("services-{n}.yaml"));
        if !path.exists() {
            generate::write(dir, &format!("services-{n}.yaml"), &generate::services(n));
        }
        if let Some(t) = bench_one(&mut g, kind, &n.to_string(), n, &path, expected) {
            measured.push((n, t));
        }
    }

    // The shapes. `anchor3k` has as many services as the 3,000 of the series.
    for (label, text) in generate::shapes() {
        let (elements, like) = match label {
            "anchor3k" => (3_000, Some(3_000)),
            _ => (10_000, None),
        };
        if let (Some(from), Some(like)) = (skipped_from, like)
            && like >= from
        {
            eprintln!(
                "benches/sizes: skipping size/{}/{label}: size/{}/{like} was skipped",
                kind.name(),
                kind.name()
            );
            continue;
        }
        let path = generate::write(dir, &format!("{label}.yaml"), &text);
        let expected = like.and_then(|n| {
            measured
                .iter()
                .find(|&&(m, _)| m == n)
                .map(|&(_, t)| t)
                .or_else(|| estimate(&measured, n))
        });
        bench_one(&mut g, kind, label, elements, &path, expected);
    }
    g.finish();
}

fn write_inputs(dir: &str) {
    let written = generate::write_all(Path::new(dir))
        .unwrap_or_else(|e| panic!("cannot write the inputs into {dir}: {e}"));
    for path in written {
        let len = std::fs::metadata(&path).map_or(0, |m| m.len());
        println!("{}\t{len}", path.display());
    }
}

fn main() {
    // The 50,000-service file (23.6 MB) is over the default 16 MiB input limit, which is a
    // refusal users can lift: the bench lifts it.
    if std::env::var_os("COMPOSEGEN_MAX_INPUT_BYTES").is_none() {
        // SAFETY: set before any thread starts.
        unsafe { std::env::set_var("COMPOSEGEN_MAX_INPUT_BYTES", (64u64 << 20).to_string()) };
    }
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write-inputs") {
        let Some(dir) = args.get(i + 1).filter(|d| !d.starts_with('-')) else {
            eprintln!("usage: cargo bench --bench sizes -- --write-inputs DIR");
            std::process::exit(2);
        };
        write_inputs(dir);
        return;
    }
    // `-q`: no progress lines on stderr, and `config` checks without printing (`config -q`).
    report::set_quiet(true);
    // The inputs are generated into a temporary directory, removed at the end.
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut c = Criterion::default().configure_from_args();
    bench_kind(&mut c, dir.path(), Kind::Lint);
    bench_kind(&mut c, dir.path(), Kind::Config);
    c.final_summary();
}
