//! The CI examples in docs/ci.md: each parses, validates against its platform's schema (GitHub
//! Actions and GitLab CI through check-jsonschema's bundled schemas, pre-commit through pre-commit),
//! uses the keys composegen relies on, and every `composegen` command in it parses with the real
//! CLI, and does what the example says when run.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use clap::Parser;
use composegen::cli::{Cli, header};

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ci.md");

/// The ```yaml blocks whose first line is `# PATH`, by PATH.
fn examples() -> BTreeMap<String, String> {
    let doc = std::fs::read_to_string(DOC).expect("docs/ci.md");
    let mut out = BTreeMap::new();
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```yaml\n") {
        let body = &rest[start + "```yaml\n".len()..];
        let end = body.find("\n```").expect("a closed code block");
        let block = &body[..=end];
        if let Some(path) = block.lines().next().and_then(|l| l.strip_prefix("# ")) {
            out.insert(path.trim().to_string(), block.to_string());
        }
        rest = &body[end..];
    }
    out
}

fn example(path: &str) -> (String, serde_yaml::Value) {
    let text = examples()
        .remove(path)
        .unwrap_or_else(|| panic!("docs/ci.md has no {path} example"));
    let yaml = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    (text, yaml)
}

/// Every `composegen …` command line in a YAML document's strings (run:, script:, …).
fn commands(v: &serde_yaml::Value, out: &mut Vec<Vec<String>>) {
    match v {
        serde_yaml::Value::String(s) => {
            for line in s.lines() {
                let line = line.trim();
                if line.starts_with("composegen ") {
                    out.push(header::split(line).unwrap_or_else(|e| panic!("{line}: {e}")));
                }
            }
        }
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| commands(i, out)),
        serde_yaml::Value::Mapping(m) => m.values().for_each(|i| commands(i, out)),
        serde_yaml::Value::Tagged(t) => commands(&t.value, out),
        _ => {}
    }
}

fn parse(words: &[String]) -> Cli {
    Cli::try_parse_from(words)
        .unwrap_or_else(|e| panic!("`{}` does not parse: {e}", words.join(" ")))
}

/// The value after `flag` in `words`.
fn flag<'a>(words: &'a [String], flag: &str) -> Option<&'a str> {
    let i = words.iter().position(|w| w == flag)?;
    words.get(i + 1).map(String::as_str)
}

/// Runs an example's command (its `composegen` swapped for the binary under test) in `dir`.
fn run_example(dir: &Path, words: &[String]) -> (i32, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("composegen"))
        .args(&words[1..])
        .current_dir(dir)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A repository with one broken compose file and one rendered, up-to-date file.
fn sample_repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    let stack = d.path().join("stack");
    std::fs::create_dir_all(&stack).expect("mkdir");
    std::fs::write(
        stack.join("compose.yaml"),
        "services:\n  a:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n  b:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n",
    )
    .expect("write");
    let out = Command::new(assert_cmd::cargo::cargo_bin("composegen"))
        .args(["render", "locust", "-o", "deploy"])
        .current_dir(d.path())
        .output()
        .expect("render");
    assert!(out.status.success());
    d
}

/// Validate with one of check-jsonschema's bundled schemas (no network).
fn check_jsonschema(schema: &str, path: &str, text: &str) {
    let Some(tool) = support::tool("check-jsonschema") else {
        return;
    };
    let d = tempfile::tempdir().expect("tempdir");
    let file = d.path().join(path.rsplit('/').next().expect("name"));
    let mut cmd = Command::new(&tool);
    cmd.args(["--builtin-schema", schema])
        .arg(&file)
        .env("HOME", d.path())
        .env("XDG_CACHE_HOME", d.path().join("cache"));
    std::fs::write(&file, text).expect("write");
    let (code, out, err) = support::run_bounded(&mut cmd).expect("check-jsonschema runs");
    assert_eq!(
        code, 0,
        "{path} does not validate against {schema}:\n{out}{err}"
    );
    // Not vacuous: a broken document fails.
    std::fs::write(
        &file,
        format!("{text}\nbroken-top-level-key: [1, 2]\njobs: 5\n"),
    )
    .expect("write");
    let (code, _, _) = support::run_bounded(&mut cmd).expect("check-jsonschema runs");
    assert_ne!(code, 0, "{schema} accepted a broken document");
}

#[test]
fn docs_have_the_three_examples() {
    let paths: Vec<String> = examples().into_keys().collect();
    assert_eq!(
        paths,
        [
            ".github/workflows/composegen.yml",
            ".gitlab-ci.yml",
            ".pre-commit-config.yaml"
        ]
    );
}

#[test]
fn github_actions_example_uploads_the_sarif_that_lint_writes() {
    let path = ".github/workflows/composegen.yml";
    let (text, wf) = example(path);
    let job = &wf["jobs"]["compose"];
    assert_eq!(job["permissions"]["security-events"], "write");
    let steps = job["steps"].as_sequence().expect("steps");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    let upload_if = upload["if"].as_str().unwrap_or_default();
    assert!(
        upload_if.contains("always()") || upload_if.contains("!cancelled()"),
        "the upload must run when lint failed the step: {upload_if:?}"
    );
    let sarif_file = upload["with"]["sarif_file"].as_str().expect("sarif_file");

    let mut cmds = Vec::new();
    commands(&wf, &mut cmds);
    assert!(cmds.len() >= 2, "{cmds:?}");
    for words in &cmds {
        parse(words);
    }
    let lint = cmds
        .iter()
        .find(|w| w[1] == "lint")
        .expect("a lint command");
    assert_eq!(flag(lint, "--format"), Some("sarif"));
    assert_eq!(
        flag(lint, "--output"),
        Some(sarif_file),
        "lint writes what is uploaded"
    );
    // Run it: it writes the SARIF file (and fails the step on the error it finds).
    let repo = sample_repo();
    let (code, out) = run_example(repo.path(), lint);
    assert_eq!(code, 1, "{out}");
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join(sarif_file)).expect("the SARIF file"),
    )
    .expect("json");
    assert_eq!(sarif["runs"].as_array().map(Vec::len), Some(1));
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&"stack/compose.yaml"),
        "relative to the checkout: {uris:?}"
    );
    let check = cmds
        .iter()
        .find(|w| w[1] == "render")
        .expect("a render --check command");
    assert_eq!(run_example(repo.path(), check).0, 0);
    check_jsonschema("vendor.github-workflows", path, &text);
}

#[test]
fn gitlab_example_publishes_the_code_quality_report_that_lint_writes() {
    let path = ".gitlab-ci.yml";
    let (text, ci) = example(path);
    let job = &ci["composegen-lint"];
    assert_eq!(job["artifacts"]["when"], "always");
    let report = job["artifacts"]["reports"]["codequality"]
        .as_str()
        .expect("a codequality report");
    let mut cmds = Vec::new();
    commands(&ci, &mut cmds);
    for words in &cmds {
        parse(words);
    }
    let lint = cmds
        .iter()
        .find(|w| w[1] == "lint")
        .expect("a lint command");
    assert_eq!(flag(lint, "--format"), Some("gitlab"));
    assert_eq!(flag(lint, "--output"), Some(report));
    let repo = sample_repo();
    let (code, out) = run_example(repo.path(), lint);
    assert_eq!(code, 1, "{out}");
    let issues: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join(report)).expect("the report"),
    )
    .expect("json");
    let issue = issues
        .as_array()
        .expect("an array")
        .iter()
        .find(|i| i["check_name"] == "CG101")
        .expect("the CG101 issue");
    for key in ["description", "fingerprint", "severity"] {
        assert!(issue[key].is_string(), "{key}: {issue}");
    }
    assert_eq!(issue["location"]["path"], "stack/compose.yaml");
    assert!(issue["location"]["lines"]["begin"].is_u64());
    let check = cmds
        .iter()
        .find(|w| w[1] == "render")
        .expect("render --check");
    assert_eq!(run_example(repo.path(), check).0, 0);
    check_jsonschema("vendor.gitlab-ci", path, &text);
}

#[test]
fn pre_commit_example_uses_the_hooks_this_repository_defines() {
    let path = ".pre-commit-config.yaml";
    let (text, config) = example(path);
    let manifest: Vec<serde_yaml::Value> = serde_yaml::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/.pre-commit-hooks.yaml"
        ))
        .expect("manifest"),
    )
    .expect("yaml");
    let defined: Vec<&str> = manifest.iter().filter_map(|h| h["id"].as_str()).collect();
    let hooks = config["repos"][0]["hooks"].as_sequence().expect("hooks");
    assert_eq!(hooks.len(), 2);
    for h in hooks {
        let id = h["id"].as_str().expect("id");
        assert!(
            defined.contains(&id),
            "{id} is not in .pre-commit-hooks.yaml"
        );
        // entry + args (+ file names) is what pre-commit runs.
        let manifest_hook = manifest.iter().find(|m| m["id"] == id).expect("hook");
        let mut words =
            header::split(manifest_hook["entry"].as_str().expect("entry")).expect("split");
        if let Some(args) = h["args"].as_sequence() {
            words.extend(args.iter().filter_map(|a| a.as_str().map(str::to_string)));
        }
        parse(&words);
    }
    let Some(pre_commit) = support::tool("pre-commit") else {
        return;
    };
    let d = tempfile::tempdir().expect("tempdir");
    let file = d.path().join(".pre-commit-config.yaml");
    std::fs::write(&file, &text).expect("write");
    let (code, out, err) = support::run_bounded(
        Command::new(pre_commit)
            .arg("validate-config")
            .arg(&file)
            .env("HOME", d.path())
            .env("PRE_COMMIT_HOME", d.path().join("cache")),
    )
    .expect("pre-commit runs");
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn shell_examples_in_the_docs_parse() {
    let mut checked = 0;
    for doc in ["docs/ci.md", "README.md"] {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(doc)).expect("doc");
        let mut in_sh = false;
        for line in text.lines() {
            if line.starts_with("```") {
                in_sh = line == "```sh";
                continue;
            }
            let line = line.trim();
            if !in_sh || !line.starts_with("composegen ") {
                continue;
            }
            // Drop a trailing comment, a redirection or a pipe.
            let line = line.split("  #").next().unwrap_or(line);
            let line = line.split(" > ").next().unwrap_or(line);
            let line = line.split(" | ").next().unwrap_or(line).trim();
            let words = header::split(line).unwrap_or_else(|e| panic!("{doc}: {line}: {e}"));
            parse(&words);
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} commands found");
}
