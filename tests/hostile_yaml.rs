//! Hostile YAML: line breaks only Docker Compose honours (U+2028, U+2029, U+0085), several
//! documents in one file, and inputs built to exhaust the stack, memory or time. Where Compose
//! accepts the input, `composegen config` must print what `docker compose config` prints, and
//! `lint` must see what Compose runs.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn composegen(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--color=never");
    cmd
}

/// A project directory holding `compose.yaml` with `text`.
fn project(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(name)
        .tempdir()
        .expect("tempdir");
    std::fs::write(dir.path().join("compose.yaml"), text).expect("write");
    dir
}

struct Lint {
    code: i32,
    findings: Vec<serde_json::Value>,
    elapsed: Duration,
}

impl Lint {
    fn codes(&self) -> Vec<&str> {
        self.findings
            .iter()
            .filter_map(|f| f["code"].as_str())
            .collect()
    }

    fn has(&self, code: &str) -> bool {
        self.codes().contains(&code)
    }

    fn message(&self, code: &str) -> String {
        self.findings
            .iter()
            .find(|f| f["code"] == code)
            .and_then(|f| f["message"].as_str())
            .unwrap_or_default()
            .to_string()
    }
}

fn lint(dir: &Path) -> Lint {
    let start = Instant::now();
    let out = composegen(dir)
        .args(["lint", "--no-config", "--format", "json", "compose.yaml"])
        .output()
        .expect("run");
    let elapsed = start.elapsed();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "lint printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Lint {
        code: out.status.code().unwrap_or(-1),
        findings: report["findings"].as_array().cloned().unwrap_or_default(),
        elapsed,
    }
}

/// `composegen config --format json`: Ok(JSON) or Err((exit code, stderr)).
fn config(dir: &Path) -> Result<serde_json::Value, (i32, String)> {
    let out = composegen(dir)
        .args(["config", "-f", "compose.yaml", "--format", "json"])
        .output()
        .expect("run");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("config prints JSON"))
    } else {
        Err((
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }
}

/// The same project through Docker Compose and composegen: both accept it with the same
/// model, or both reject it. `None` when Docker Compose is not installed.
fn differential(name: &str, text: &str) -> Option<Result<serde_json::Value, String>> {
    let dir = project(name, text);
    differential_in(name, dir.path())
}

/// [`differential`] for the project in `dir` (its `compose.yaml` and the files it names).
fn differential_in(name: &str, dir: &Path) -> Option<Result<serde_json::Value, String>> {
    let theirs = support::compose_config_json(&dir.join("compose.yaml"), &[])?;
    let ours = config(dir);
    Some(match (theirs, ours) {
        (Ok(theirs), Ok(ours)) => {
            assert_eq!(
                ours, theirs,
                "{name}: composegen config differs from docker compose config"
            );
            Ok(ours)
        }
        (Err(theirs), Err((code, _))) => {
            assert_eq!(code, 2, "{name}: composegen rejects with exit 2");
            Err(theirs)
        }
        (Ok(theirs), Err(ours)) => {
            panic!("{name}: Compose accepts ({theirs}), composegen rejects: {ours:?}")
        }
        (Err(theirs), Ok(ours)) => {
            panic!("{name}: Compose rejects ({theirs}), composegen accepts: {ours}")
        }
    })
}

const HEAD: &str = "services:\n  web:\n    image: nginx:1.27\n";

#[test]
fn a_line_separator_in_a_comment_hides_nothing_from_lint() {
    for (name, brk) in [("ls", '\u{2028}'), ("ps", '\u{2029}'), ("nel", '\u{85}')] {
        let text =
            format!("{HEAD}    # note{brk}    privileged: true{brk}    network_mode: host\n");
        let dir = project(name, &text);
        let report = lint(dir.path());
        assert!(
            report.has("CG401"),
            "{name}: privileged: {:?}",
            report.codes()
        );
        assert!(
            report.has("CG406"),
            "{name}: host network: {:?}",
            report.codes()
        );
        assert!(
            report.has("CG008"),
            "{name}: the character: {:?}",
            report.codes()
        );
        assert!(
            report.message("CG008").contains("line break"),
            "{}",
            report.message("CG008")
        );
        assert_eq!(report.code, 1);
        let Some(model) = differential(name, &text) else {
            return;
        };
        let model = model.expect("Compose accepts it");
        assert_eq!(model["services"]["web"]["privileged"], true);
        assert_eq!(model["services"]["web"]["network_mode"], "host");
    }
}

#[test]
fn line_separators_in_scalars_read_as_compose_reads_them() {
    let env = |body: &str| format!("{HEAD}    environment:\n{body}");
    let cases = [
        // Quoted: LS and PS stay in the value and do not fold; NEL folds like LF.
        (
            "dq",
            env("      A: \"x\u{2028}y\"\n      B: \"x\u{2028}  y\"\n      C: \"x\u{85}y\"\n"),
        ),
        (
            "sq",
            env("      A: 'x\u{2028}y'\n      B: 'x\u{2029}  y'\n      C: 'x\u{85}y'\n"),
        ),
        (
            "dq-runs",
            env(
                "      A: \"x \u{2028} \u{2028} y\\\u{2028} z\"\n      D: \"a\u{2028}b\u{85}c\"\n      E: 'a\u{2028}\u{2028}b'\n",
            ),
        ),
        // Plain: continuation lines.
        (
            "plain",
            env(
                "      A: x\u{2028}        y\n      B: x\u{85}        y\n      C: x\u{2028}  \u{2028}        y\n",
            ),
        ),
        (
            "plain-next-line",
            env("      A: x\n        \u{2028}        y\n"),
        ),
        // Block scalars: literal keeps LS, folded does not fold after it; NEL is a LF.
        (
            "block",
            env(
                "      A: |\n        x\u{2028}        y\n        z\n      B: >\n        x\u{2028}        y\n        z\n",
            ),
        ),
        (
            "block-chomping",
            env(
                "      A: |-\n        x\u{2028}\u{2028}        y\u{85}        z \u{2028}\n      B: >+\n        x\u{2028}\n        y\n          w\u{2028}        z\u{2028}\u{2028}\n      C: |\n        a\u{85}\u{85}  \n        b\n",
            ),
        ),
        // Rejected by both: the line after the LS is not indented as a continuation.
        ("plain-rejected", env("      A: x\u{2028}y\n")),
    ];
    for (name, text) in cases {
        let Some(result) = differential(name, &text) else {
            return;
        };
        if name.ends_with("rejected") {
            assert!(result.is_err(), "{name}");
        } else {
            result.unwrap_or_else(|e| panic!("{name}: Compose rejects it: {e}"));
        }
    }
}

#[test]
fn a_second_document_merges_like_an_override_file() {
    let text = format!(
        "{HEAD}    ports: [\"80:80\"]\n---\nservices:\n  web:\n    privileged: true\n    ports: [\"81:81\"]\n"
    );
    let dir = project("multi", &text);
    let report = lint(dir.path());
    assert!(report.has("CG401"), "{:?}", report.codes());
    let Some(model) = differential("multi", &text) else {
        return;
    };
    let model = model.expect("Compose accepts it");
    assert_eq!(model["services"]["web"]["privileged"], true);
    assert_eq!(
        model["services"]["web"]["ports"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn documents_merge_with_tags_anchors_and_interpolation_as_compose_does() {
    let cases = [
        ("reset", format!("{HEAD}    ports: [\"80:80\"]\n---\nservices:\n  web:\n    ports: !reset []\n")),
        ("interpolated", "services:\n  web:\n    image: nginx:${TAG:-1}\n---\nservices:\n  web:\n    image: nginx:${TAG:-2}\n...\n".to_string()),
        ("anchor-across", "services:\n  web:\n    image: &i nginx:1.27\n---\nservices:\n  db:\n    image: *i\n".to_string()),
        ("merge-key-across", "x-a: &a {image: nginx:1}\nservices:\n  web:\n    image: nginx:1.27\n---\nservices:\n  db:\n    <<: *a\n".to_string()),
        ("name", format!("{HEAD}---\nname: other\nservices:\n  web:\n    image: nginx:1.28\n")),
        ("empty-mapping", format!("{HEAD}---\n{{}}\n")),
        ("leading-marker", format!("---\n{HEAD}")),
    ];
    for (name, text) in &cases {
        let Some(result) = differential(name, text) else {
            return;
        };
        result.unwrap_or_else(|e| panic!("{name}: Compose rejects it: {e}"));
    }
    // Every document must be a mapping: an empty one, a list or a scalar is refused.
    let rejected = [
        ("empty-second", format!("{HEAD}---\n")),
        ("list-second", format!("{HEAD}---\n- a\n")),
        ("empty-first", format!("---\n---\n{HEAD}")),
        ("comment-second", format!("{HEAD}---\n# only a comment\n")),
    ];
    for (name, text) in &rejected {
        let dir = project(name, text);
        assert!(lint(dir.path()).has("CG003"), "{name}");
        let Some(result) = differential(name, text) else {
            return;
        };
        assert!(result.is_err(), "{name}");
    }
}

#[test]
fn extends_and_include_resolve_within_each_document_as_compose_does() {
    // Compose resolves `extends` (and `include`) in each document of a file before it merges the
    // documents: a service extends a service of its own document only.
    let refused = [
        (
            "extends-earlier",
            format!("{HEAD}---\nservices:\n  db:\n    extends: web\n"),
        ),
        (
            "extends-later",
            format!("services:\n  db:\n    extends: web\n---\n{HEAD}"),
        ),
    ];
    for (name, text) in &refused {
        let dir = project(name, text);
        let report = lint(dir.path());
        assert!(report.has("CG007"), "{name}: {:?}", report.codes());
        let message = report.message("CG007");
        assert!(message.contains("document"), "{name}: {message}");
        let (code, stderr) = config(dir.path()).expect_err("config refuses it");
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains("`db` extends `web`"), "{name}: {stderr}");
        let Some(result) = differential(name, text) else {
            return;
        };
        let theirs = result.expect_err("Compose refuses it");
        assert!(
            theirs.contains("service \"web\" not found"),
            "{name}: {theirs}"
        );
    }
    // Only the second document's `web` (without an image) is extended: Compose refuses a service
    // without image or build.
    let partial = format!(
        "{HEAD}---\nservices:\n  web:\n    environment: {{A: '1'}}\n  db:\n    extends: web\n"
    );
    let dir = project("extends-partial", &partial);
    let report = lint(dir.path());
    assert!(
        report
            .message("CG005")
            .contains("`db` has neither an image"),
        "{:?}",
        report.codes()
    );
    if let Some(theirs) = support::compose_config_json(&dir.path().join("compose.yaml"), &[]) {
        let theirs = theirs.expect_err("Compose refuses it");
        assert!(theirs.contains("neither an image nor a build"), "{theirs}");
    }
    let accepted = [
        // The first document's `web` only: the second document adds to `web`, not to `db`.
        (
            "extends-then-override-base",
            format!(
                "{HEAD}  db:\n    extends: web\n---\nservices:\n  web:\n    environment: {{A: '1'}}\n"
            ),
        ),
        (
            "extends-then-override-service",
            format!(
                "{HEAD}  db:\n    extends: web\n---\nservices:\n  db:\n    environment: {{A: '1'}}\n"
            ),
        ),
        // `file:` naming the file itself reads the whole file, every document merged.
        (
            "extends-file-itself",
            format!(
                "{HEAD}---\nservices:\n  db:\n    extends: {{file: compose.yaml, service: web}}\n"
            ),
        ),
    ];
    for (name, text) in &accepted {
        let Some(result) = differential(name, text) else {
            return;
        };
        let model = result.unwrap_or_else(|e| panic!("{name}: Compose refuses it: {e}"));
        assert_eq!(model["services"]["db"]["image"], "nginx:1.27", "{name}");
    }
    // Another file of several documents is read whole (documents merged), then its `extends`.
    let dir = project(
        "extends-other-file",
        "services:\n  db:\n    extends: {file: base.yaml, service: mid}\n",
    );
    std::fs::write(
        dir.path().join("base.yaml"),
        "services:\n  base:\n    image: nginx:1.27\n  mid:\n    extends: base\n---\nservices:\n  base:\n    environment: {A: '1'}\n",
    )
    .expect("write");
    if let Some(result) = differential_in("extends-other-file", dir.path()) {
        let model = result.expect("Compose accepts it");
        assert_eq!(model["services"]["db"]["environment"]["A"], "1");
    }
    // `include` too: the included `web` is added to the first document, which has none; the
    // second document then overrides it.
    let dir = project(
        "include-per-document",
        "include: [inc.yaml]\n---\nservices:\n  web:\n    environment: {A: '1'}\n",
    );
    std::fs::write(dir.path().join("inc.yaml"), HEAD).expect("write");
    if let Some(result) = differential_in("include-per-document", dir.path()) {
        let model = result.expect("Compose accepts it");
        assert_eq!(model["services"]["web"]["environment"]["A"], "1");
        assert_eq!(model["services"]["web"]["image"], "nginx:1.27");
    }
}

/// `depth` block sequences nested on one line, under an extension field.
fn nested(depth: usize) -> String {
    format!("x-deep:\n{}a\n{HEAD}", "- ".repeat(depth))
}

#[test]
fn deep_nesting_is_a_located_error_not_a_stack_overflow() {
    for (depth, flow) in [(8_000, false), (20_000, false), (600, true)] {
        let text = if flow {
            format!("x-deep: {}{}\n{HEAD}", "[".repeat(depth), "]".repeat(depth))
        } else {
            nested(depth)
        };
        let dir = project("deep", &text);
        let report = lint(dir.path());
        assert_eq!(report.code, 1, "depth {depth}: {:?}", report.codes());
        assert!(report.has("CG001"), "depth {depth}: {:?}", report.codes());
        let message = report.message("CG001");
        if !flow {
            assert!(message.contains("deeper than 500"), "{message}");
            let finding = &report.findings[0];
            assert_eq!(finding["location"]["line"], 2, "{finding}");
            assert!(
                finding["location"]["column"].as_u64() > Some(900),
                "{finding}"
            );
        }
        let (code, stderr) = config(dir.path()).expect_err("config refuses it");
        assert_eq!(code, 2, "{stderr}");
        assert!(!stderr.contains("overflow"), "{stderr}");
    }
    // Within the limit, the file is read.
    let dir = project("deep-ok", &nested(400));
    assert!(!lint(dir.path()).has("CG001"));
}

#[test]
fn alias_bombs_stop_at_the_node_budget() {
    // Ten copies per level through complex mapping keys, which saphyr's own budget counts as
    // one node each: 10^7 nodes from under a kilobyte.
    let mut text = String::from("x-a0: &a0 [a, a, a, a, a, a, a, a, a, a]\n");
    for level in 1..=7 {
        let keys: Vec<String> = (0..10)
            .map(|j| format!("? [{j}, *a{}] : {j}", level - 1))
            .collect();
        text.push_str(&format!("x-a{level}: &a{level} {{{}}}\n", keys.join(", ")));
    }
    text.push_str(HEAD);
    assert!(text.len() < 1500);
    let dir = project("bomb", &text);
    let report = lint(dir.path());
    assert!(report.has("CG001"), "{:?}", report.codes());
    assert!(
        report.message("CG001").contains("200000"),
        "{}",
        report.message("CG001")
    );
    assert!(
        report.elapsed < Duration::from_secs(30),
        "{:?}",
        report.elapsed
    );
    let (code, _) = config(dir.path()).expect_err("config refuses it");
    assert_eq!(code, 2);
    // Merge keys copy through aliases too.
    let mut text = String::from("x-m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\n");
    for level in 1..=8 {
        let items: Vec<String> = (0..10)
            .map(|j| format!("k{j}: {{<<: *m{}}}", level - 1))
            .collect();
        text.push_str(&format!("x-m{level}: &m{level} {{{}}}\n", items.join(", ")));
    }
    text.push_str(HEAD);
    let dir = project("merge-bomb", &text);
    assert!(lint(dir.path()).has("CG001"));
}

#[test]
fn a_long_single_line_is_linear() {
    // One 4.5 MB line: 100,000 quoted items, then a long comment. Finding the end of each
    // quoted scalar used to scan the rest of the line (about 40 s before, 3 s after, in an
    // unoptimised build).
    let items = vec!["\"a\""; 100_000].join(", ");
    let text = format!(
        "services: {{web: {{image: \"nginx:1.27\", command: [{items}]}}}}  # {}\n",
        "x".repeat(4_000_000)
    );
    let dir = project("long-line", &text);
    let report = lint(dir.path());
    assert!(report.has("CG301"), "{:?}", report.codes());
    // Generous for an unoptimised build on a busy machine; see the report for measurements.
    assert!(
        report.elapsed < Duration::from_secs(20),
        "{:?}",
        report.elapsed
    );
}
