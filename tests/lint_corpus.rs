//! No false errors on real files: every compose file of the corpus that Docker Compose accepts
//! (`../shared/corpus/validity.tsv`) is linted with every rule on (`--select ALL`), alone in an
//! empty directory with a clean environment, as `scripts/conformance` counts them.
//!
//! An error means "this breaks or is dangerous". These files are samples that run: an error on
//! one must be a danger (a security rule: the Docker socket, a literal or guessable secret, a
//! database without authentication on the network, a dangerous capability), never a claim that
//! the file breaks at `up`. A rule of another kind that reports an error here is either wrong
//! (fix it) or found a real defect that `config -q` does not see (then name the file below with
//! what breaks, after checking it with `docker compose up`).

mod support;

use std::collections::BTreeMap;

use assert_cmd::Command;

/// Rules whose errors mean "dangerous" rather than "breaks": the security category, and the
/// host paths that hand the host over to a container.
fn dangerous(code: &str, category: &str) -> bool {
    category == "security" || matches!(code, "CG203" | "CG204")
}

/// Files of the corpus that Docker Compose accepts but that break at `up`, with why (none so far).
const BREAK_AT_UP: &[(&str, &str)] = &[];

#[test]
fn no_breakage_error_on_a_file_docker_compose_accepts() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let rules: Vec<serde_json::Value> = {
        let out = Command::cargo_bin("composegen")
            .unwrap()
            .args(["rules", "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let category: BTreeMap<String, String> = rules
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap().to_string(),
                r["category"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let empty = tempfile::tempdir().unwrap();
    let (mut files, mut errors) = (0, BTreeMap::<String, usize>::new());
    let mut wrong = Vec::new();
    for row in support::corpus_rows(&corpus)
        .into_iter()
        .filter(|r| r.exit == 0)
    {
        let rel = row.path.as_str();
        files += 1;
        let out = Command::cargo_bin("composegen")
            .unwrap()
            .current_dir(empty.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args([
                "lint",
                "--no-config",
                "--select",
                "ALL",
                "--format",
                "json",
                "--fail-on",
                "never",
            ])
            .arg(corpus.join(rel))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{rel}: {out:?}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{rel}: {e}: {}", String::from_utf8_lossy(&out.stdout)));
        for f in report["findings"].as_array().unwrap() {
            if f["severity"] != "error" {
                continue;
            }
            let code = f["code"].as_str().unwrap();
            *errors.entry(code.to_string()).or_default() += 1;
            let cat = category.get(code).map_or("", String::as_str);
            if !dangerous(code, cat) && !BREAK_AT_UP.iter().any(|(file, _)| *file == rel) {
                wrong.push(format!(
                    "{rel}:{}: {code} ({cat}) {}",
                    f["location"]["line"], f["message"]
                ));
            }
        }
    }
    eprintln!("corpus: {files} files Docker Compose accepts; errors by rule: {errors:?}");
    assert!(files > 100, "the corpus lists {files} accepted files");
    assert!(
        wrong.is_empty(),
        "errors that say a file Docker Compose accepts breaks (a false error, or a defect to \
         check with `docker compose up` and list in BREAK_AT_UP):\n{}",
        wrong.join("\n")
    );
}
