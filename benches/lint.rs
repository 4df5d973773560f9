//! Criterion benchmarks for `composegen lint` (and `render`).
//!
//! The target: parse and lint a typical compose file in well under a millisecond of CPU.
//! Run with `cargo bench --bench lint`; `benches/cold.rs` runs the binary (start-up included),
//! `benches/sizes.rs` grows the file, and `scripts/bench-compare` compares the whole binary with
//! its peers. Results and how to read them: docs/performance.md.
//!
//! The inputs are read at bench time from the shared corpus (`../shared/corpus` next to the
//! crate, or `$COMPOSEGEN_CORPUS`); nothing from it is copied into the project. Without a
//! corpus the corpus benchmarks are skipped and the render benchmarks still run.
//!
//! Groups:
//! - `parse/<file>`: `yaml::Node::parse` alone (positions included);
//! - `lint/<file>`: `lint::lint` on one file, parse included (the work per file of a
//!   pre-commit run, without process start-up and I/O);
//! - `corpus/lint_all`: every corpus file in one `lint::lint` call;
//! - `startup/*`: the fixed per-process costs of `composegen lint` (the built-in image table);
//! - `render/<profile>`: `composegen render <profile>` for each built-in profile, as the CLI
//!   runs it: `cli::load_profile`, `render::render`, then the post-render lint that stops a
//!   render with error-level findings (`cli::lint_rendered`: a fresh image table and
//!   `lint::lint` of the rendered files). Process start-up and the one-time costs are not in
//!   it: `benches/cold.rs` has those.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

use composegen::cli::{ProfileArgs, header, load_profile, post_render_lint};
use composegen::compose::interpolate::Env;
use composegen::lint::config::Settings;
use composegen::lint::finding::Severity;
use composegen::lint::images::ImageTable;
use composegen::lint::{Input, lint};
use composegen::render::{Mode, render};
use composegen::yaml::Node;

/// Three representative files (corpus median is ~350 bytes, p90 ~1 KB, max 1.6 KB):
/// - `small`: 2 services, build + ports + volume + comments (350 B, the corpus median);
/// - `typical`: 3 services with secrets, named volume, healthcheck, long-form bind mount,
///   `depends_on` conditions (853 B, ~p85);
/// - `large`: a 4-service Kafka cluster with environment lists and volumes (1.2 KB, ~p95).
const FILES: &[(&str, &str)] = &[
    ("small", "awesome/flask-redis__compose.yaml"),
    ("typical", "awesome/nginx-golang-postgres__compose.yaml"),
    ("large", "bitnami/kafka__docker-compose-cluster.yml"),
];

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("COMPOSEGEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "benches/lint: no corpus at {} (set COMPOSEGEN_CORPUS); skipping corpus benchmarks",
            dir.display()
        );
        None
    }
}

/// Every `*.yaml` / `*.yml` under `dir`, sorted (the same list scripts/bench-compare uses).
fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

fn input(name: &str, bytes: &[u8]) -> Input {
    Input {
        name: name.to_string(),
        bytes: bytes.to_vec(),
        env: Env::empty(),
    }
}

fn bench_files(c: &mut Criterion) {
    let Some(dir) = corpus_dir() else { return };
    let settings = Settings::default();
    let images = ImageTable::new(&[]).expect("built-in image table");

    let files: Vec<(&str, String, Vec<u8>)> = FILES
        .iter()
        .map(|(label, rel)| {
            let bytes = std::fs::read(dir.join(rel))
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.join(rel).display()));
            (*label, rel.to_string(), bytes)
        })
        .collect();

    // Sanity: the lint really runs rules on these files (they parse into a mapping).
    for (label, rel, bytes) in &files {
        let report = lint(vec![input(rel, bytes)], &settings, &images);
        let codes: Vec<&str> = report.diagnostics().map(|(_, d)| d.code).collect();
        eprintln!(
            "benches/lint: {label} = {rel}: {} bytes, findings {codes:?}",
            bytes.len()
        );
    }

    let mut g = c.benchmark_group("parse");
    for (label, _, bytes) in &files {
        let text = std::str::from_utf8(bytes).expect("UTF-8");
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(*label, |b| {
            b.iter(|| Node::parse(black_box(text)).expect("parses"))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("lint");
    for (label, rel, bytes) in &files {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(*label, |b| {
            b.iter_batched(
                || vec![input(rel, bytes)],
                |inputs| lint(inputs, black_box(&settings), black_box(&images)),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();

    let all: Vec<Input> = corpus_files(&dir)
        .iter()
        .map(|p| {
            let name = p.strip_prefix(&dir).unwrap_or(p).display().to_string();
            input(&name, &std::fs::read(p).expect("read corpus file"))
        })
        .collect();
    let total: usize = all.iter().map(|i| i.bytes.len()).sum();
    eprintln!("benches/lint: corpus = {} files, {total} bytes", all.len());
    let mut g = c.benchmark_group("corpus");
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function(format!("lint_all_{}_files", all.len()), |b| {
        b.iter_batched(
            || all.clone(),
            |inputs| lint(inputs, black_box(&settings), black_box(&images)),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn bench_startup(c: &mut Criterion) {
    let mut g = c.benchmark_group("startup");
    // Paid once per `composegen lint` process, whatever the number of files.
    g.bench_function("image_table", |b| {
        b.iter(|| ImageTable::new(black_box(&[])).expect("built-in image table"))
    });
    g.finish();
}

fn bench_render(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    for name in composegen::assets::profile_names() {
        let args = ProfileArgs {
            profile: name.to_string(),
            values: Vec::new(),
            set: Vec::new(),
            set_string: Vec::new(),
            set_file: Vec::new(),
        };
        let head = header(&args);
        g.bench_function(name, |b| {
            b.iter(|| {
                let loaded = load_profile(black_box(&args)).expect("built-in profile loads");
                let rendered =
                    render(&loaded, Mode::Inline, &head).expect("built-in profile renders");
                // The post-render check of `composegen render` (without --no-lint).
                let report = post_render_lint(&rendered, &Settings::default())
                    .expect("built-in image table");
                assert!(
                    report.worst() != Some(Severity::Error),
                    "the rendered {name} has error-level findings"
                );
                (rendered, report)
            })
        });
    }
    g.finish();
}

fn config() -> Criterion {
    // A 2-core, noisy machine: fewer, longer samples, and a wider noise threshold.
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(60)
        .noise_threshold(0.05)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_files, bench_startup, bench_render
}
criterion_main!(benches);
