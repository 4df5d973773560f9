//! `composegen lint --fix`, `--diff` and `--add-ignores` on the real binary.
//!
//! - One fixture per fix kind in `tests/fixtures/fix/` (`NAME.yaml`, fixed with only the rules
//!   named in [`KINDS`]), compared byte for byte with `NAME.fixed.yaml`: comments, anchors,
//!   quotes, flow style, line endings and a missing final newline survive; a second `--fix`
//!   changes nothing; `--diff` shows the change without writing it.
//! - Refusals: values from an anchor, an alias, a merge key, `${VAR}` or an override file are not
//!   fixed, and say so.
//! - The corpus (`../shared/corpus`): `--fix` on a copy of every file changes only bytes that a
//!   fix writes, is a no-op the second time, leaves no fixable finding, and Docker Compose
//!   (`docker-compose config -q`, required under `COMPOSEGEN_TOOLS_REQUIRED`) accepts each fixed
//!   file it accepted before. The counts are printed (`--nocapture`).

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Every rule with a fix.
const FIXABLE: &str = "CG801,CG804,CG105,CG205,CG103,CG405,CG403";

/// (fixture, rules selected)
const KINDS: &[(&str, &str)] = &[
    ("version", "CG801"),
    ("quote", "CG804,CG105"),
    ("readonly", "CG205"),
    ("loopback", "CG103"),
    ("security-opt", "CG405"),
    ("crlf", "CG405"),
    ("cap-drop", "CG403"),
    ("refused", "CG804,CG205,CG405,CG103"),
];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn composegen(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::cargo_bin("composegen").expect("binary");
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .env_remove("COMPOSE_FILE")
        .args(["--color=never", "lint", "--no-config"])
        .args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fix")
}

#[test]
fn each_fix_kind_keeps_every_other_byte() {
    for (name, select) in KINDS {
        let original = std::fs::read(fixtures().join(format!("{name}.yaml"))).expect("fixture");
        let expected =
            std::fs::read(fixtures().join(format!("{name}.fixed.yaml"))).expect("expected");
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("compose.yaml");
        std::fs::write(&file, &original).expect("write");

        // --diff shows it, writes nothing, exits 1.
        let r = composegen(
            dir.path(),
            &["--select", select, "--diff", "compose.yaml"],
            None,
        );
        assert_eq!(r.code, 1, "{name}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.starts_with("--- compose.yaml\n+++ compose.yaml\n"),
            "{name}: {}",
            r.stdout
        );
        assert_eq!(
            std::fs::read(&file).expect("read"),
            original,
            "{name}: --diff wrote"
        );

        let r = composegen(
            dir.path(),
            &["--select", select, "--fix", "compose.yaml"],
            None,
        );
        assert!(r.code == 0 || r.code == 1, "{name}: {}", r.stderr);
        let fixed = std::fs::read(&file).expect("read");
        assert!(
            fixed == expected,
            "{name}: fixed file differs from {name}.fixed.yaml:\n{}",
            String::from_utf8_lossy(&fixed)
        );
        assert!(r.stderr.contains("fixed "), "{name}: {}", r.stderr);

        // A second run changes nothing, and --diff has nothing to show.
        let r = composegen(
            dir.path(),
            &["--select", select, "--fix", "compose.yaml"],
            None,
        );
        assert_eq!(
            std::fs::read(&file).expect("read"),
            expected,
            "{name}: second --fix"
        );
        assert!(!r.stderr.contains("fixed "), "{name}: {}", r.stderr);
        let r = composegen(
            dir.path(),
            &["--select", select, "--diff", "compose.yaml"],
            None,
        );
        assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{name}");
    }
}

#[test]
fn refused_fixes_are_reported_with_their_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        fixtures().join("refused.yaml"),
        dir.path().join("compose.yaml"),
    )
    .expect("copy");
    let r = composegen(
        dir.path(),
        &[
            "--select",
            "CG804,CG205,CG405,CG103",
            "--diff",
            "compose.yaml",
        ],
        None,
    );
    for note in [
        "compose.yaml:2: CG804 not fixed: the value comes from an anchor",
        "compose.yaml:6: CG205 not fixed: the value comes from an anchor",
        "compose.yaml:11: CG405 not fixed: the value comes from an anchor",
        "compose.yaml:15: CG103 not fixed: the value comes from `${VAR}` interpolation",
    ] {
        assert!(r.stderr.contains(note), "{note}\n{}", r.stderr);
    }

    // A value an override file sets is fixed in neither file.
    let dir = tempfile::tempdir().expect("tempdir");
    let main = "services:\n  db:\n    image: postgres:16.4\n    ports: [\"5433:5432\"]\n";
    let over = "services:\n  db:\n    ports: !override [\"5432:5432\"]\n";
    std::fs::write(dir.path().join("compose.yaml"), main).expect("write");
    std::fs::write(dir.path().join("compose.override.yaml"), over).expect("write");
    let r = composegen(dir.path(), &["--select", "CG103", "--fix"], None);
    assert!(
        r.stderr
            .contains("CG103 not fixed: the value comes from another file"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        main
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.override.yaml")).unwrap(),
        over
    );
}

#[test]
fn fix_keeps_permissions_and_reads_stdin() {
    use std::os::unix::fs::PermissionsExt;
    let text = "version: '3'\nservices:\n  a:\n    image: nginx:1.27.1\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, text).expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let r = composegen(
        dir.path(),
        &["--select", "CG801", "--fix", "compose.yaml"],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta = std::fs::metadata(&file).expect("stat");
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "services:\n  a:\n    image: nginx:1.27.1\n"
    );
    // `-`: the fixed file on stdout, the report on stderr.
    let r = composegen(
        dir.path(),
        &["--select", "CG801,CG702", "--fix", "-"],
        Some(text),
    );
    assert_eq!(r.stdout, "services:\n  a:\n    image: nginx:1.27.1\n");
    assert!(r.stderr.contains("0 errors"), "{}", r.stderr);
}

#[test]
fn add_ignores_makes_lint_pass_once() {
    let text = "# app\nservices:\n  db:   # the database\n    image: postgres:16.4\n    ports:\n      - \"5432:5432\"\n    command: \"postgres\n      -c fsync=off\"\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, text).expect("write");
    let before = composegen(dir.path(), &["--fail-on", "info", "compose.yaml"], None);
    assert_eq!(before.code, 1, "{}", before.stdout);
    let r = composegen(dir.path(), &["--add-ignores", "compose.yaml"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let added = std::fs::read_to_string(&file).expect("read");
    assert!(added.contains("# composegen: ignore["), "{added}");
    assert!(added.contains("TODO"), "{added}");
    // Only comments were added: the lines as written are all still there, in order.
    let mut rest = added.as_str();
    for line in text.lines() {
        let at = rest
            .find(line)
            .unwrap_or_else(|| panic!("{line:?} lost:\n{added}"));
        rest = &rest[at + line.len()..];
    }
    let after = composegen(dir.path(), &["--fail-on", "info", "compose.yaml"], None);
    assert_eq!(after.code, 0, "{}", after.stdout);
    // Twice adds nothing.
    let r = composegen(dir.path(), &["--add-ignores", "compose.yaml"], None);
    assert_eq!(r.code, 0);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), added);
}

/// A line a fix adds on its own (`security_opt:` and its item, `read_only: true` …).
fn added_line(line: &str) -> bool {
    let l = line.trim_end_matches('\r').trim();
    [
        "security_opt:",
        "- no-new-privileges:true",
        "- \"no-new-privileges:true\"",
        "- 'no-new-privileges:true'",
        "security_opt: [\"no-new-privileges:true\"]",
        "cap_drop:",
        "- ALL",
        "- \"ALL\"",
        "- 'ALL'",
        "cap_drop: [ALL]",
        "read_only: true",
        "host_ip: 127.0.0.1",
    ]
    .contains(&l)
}

/// A line with what fixes write inside a line taken out (quotes, `127.0.0.1:`, `:ro`, a new
/// flow entry), so that a line a fix changed reads like the original.
fn without_fixes(line: &str) -> String {
    let mut l = line.to_string();
    for (from, to) in [
        (", security_opt: [\"no-new-privileges:true\"]", ""),
        (", cap_drop: [ALL]", ""),
        (", \"no-new-privileges:true\"", ""),
        (", 'no-new-privileges:true'", ""),
        (", ALL", ""),
        (", read_only: true", ""),
        ("read_only: false", "read_only: true"),
        ("0.0.0.0:", "127.0.0.1:"),
        ("127.0.0.1:", ""),
        (":rw", ":ro"),
        (":ro", ""),
        ("\"", ""),
    ] {
        l = l.replace(from, to);
    }
    l
}

/// Problems with `new` as a fix of `old`: every line is kept, changed only by what fixes write
/// inside a line, added by a fix, or is the `version:` line (and a blank line after it).
fn unexpected_changes(old: &str, new: &str) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut problems = Vec::new();
    for op in diff.ops() {
        let removed: Vec<&str> = diff
            .iter_changes(op)
            .filter(|c| c.tag() == similar::ChangeTag::Delete)
            .map(|c| c.value())
            .collect();
        let inserted: Vec<&str> = diff
            .iter_changes(op)
            .filter(|c| c.tag() == similar::ChangeTag::Insert)
            .map(|c| c.value())
            .collect();
        let mut next = 0;
        for r in &removed {
            let want = without_fixes(r.trim_end_matches(['\n', '\r']));
            match inserted[next..]
                .iter()
                .position(|i| without_fixes(i.trim_end_matches(['\n', '\r'])) == want)
            {
                Some(k) => {
                    for skipped in &inserted[next..next + k] {
                        if !added_line(skipped) {
                            problems.push(format!("added {skipped:?}"));
                        }
                    }
                    next += k + 1;
                }
                None if r.trim_start().starts_with("version:") || r.trim().is_empty() => {}
                None => problems.push(format!("removed or changed {r:?}")),
            }
        }
        for rest in &inserted[next..] {
            if !added_line(rest) {
                problems.push(format!("added {rest:?}"));
            }
        }
    }
    problems
}

/// The paths where two JSON values differ (`services.db.security_opt`).
fn model_diff(a: &serde_json::Value, b: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let null = Value::Null;
                let path = format!("{at}.{k}");
                model_diff(
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    &path,
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                model_diff(p, q, &format!("{at}[{i}]"), out);
            }
        }
        _ if a != b => out.push(at.to_string()),
        _ => {}
    }
}

#[test]
fn fix_round_trips_on_the_corpus() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let compose = support::docker_compose_bin();
    let work = tempfile::tempdir().expect("tempdir");
    let mut files = 0;
    let mut fixed_files = 0;
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let mut compose_checked = 0;
    let mut models_compared = 0;
    let mut failures = Vec::new();
    for (i, row) in support::corpus_rows(&corpus).iter().enumerate() {
        let rel = row.path.as_str();
        let Ok(original) = std::fs::read_to_string(corpus.join(rel)) else {
            continue;
        };
        files += 1;
        let dir = work.path().join(format!("p{i}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let file = dir.join("compose.yaml");
        std::fs::write(&file, &original).expect("write");
        let accepted_before = compose
            .as_ref()
            .map(|_| support::compose_config(&file, &[]));

        let r = composegen(
            &dir,
            &[
                "--select",
                FIXABLE,
                "--format",
                "json",
                "--fix",
                "compose.yaml",
            ],
            None,
        );
        let fixed = std::fs::read_to_string(&file).expect("read");
        for l in r.stderr.lines() {
            if let Some((_, why)) = l.split_once(" not fixed: ") {
                let reason = why.split(':').next().unwrap_or(why).to_string();
                *refused.entry(reason).or_default() += 1;
            } else if let Some(counts) = l.strip_prefix("fixed ").and_then(|l| l.split_once(" (")) {
                for part in counts.1.trim_end_matches(')').split(", ") {
                    if let Some((code, n)) = part.split_once(" ×") {
                        *per_rule.entry(code.to_string()).or_default() +=
                            n.parse::<usize>().unwrap_or(0);
                    }
                }
            }
        }
        if fixed == original {
            continue;
        }
        fixed_files += 1;
        // Only bytes a fix writes changed.
        for problem in unexpected_changes(&original, &fixed) {
            failures.push(format!("{rel}: {problem}"));
        }
        // A second --fix is a no-op.
        composegen(
            &dir,
            &[
                "--select",
                FIXABLE,
                "--format",
                "json",
                "--fix",
                "compose.yaml",
            ],
            None,
        );
        if std::fs::read_to_string(&file).expect("read") != fixed {
            failures.push(format!("{rel}: a second --fix changed the file"));
        }
        // No fixable finding is left: --diff has nothing to show.
        let r = composegen(&dir, &["--select", FIXABLE, "--diff", "compose.yaml"], None);
        if r.code != 0 || !r.stdout.is_empty() {
            failures.push(format!("{rel}: fixable findings left:\n{}", r.stdout));
        }
        // Docker Compose accepts the fixed file if it accepted the original, and reads the same
        // model but for what the fixes set.
        if let Some(Some(Ok(_))) = accepted_before {
            compose_checked += 1;
            if let Some(Err(e)) = support::compose_config(&file, &[]) {
                failures.push(format!("{rel}: Docker Compose rejects the fixed file: {e}"));
            }
            let fixed_model = support::compose_config_json(&file, &[]);
            std::fs::write(&file, &original).expect("write");
            let original_model = support::compose_config_json(&file, &[]);
            std::fs::write(&file, &fixed).expect("write");
            if let (Some(Ok(a)), Some(Ok(b))) = (original_model, fixed_model) {
                let mut diffs = Vec::new();
                model_diff(&a, &b, "", &mut diffs);
                for d in diffs {
                    if !["security_opt", "cap_drop", "read_only", "host_ip"]
                        .iter()
                        .any(|k| d.contains(k))
                    {
                        failures.push(format!("{rel}: Compose reads {d} differently"));
                    }
                }
                models_compared += 1;
            }
        }
    }
    eprintln!(
        "corpus: {files} files, {fixed_files} fixed; Docker Compose accepted {compose_checked} of the fixed files before and after"
    );
    eprintln!(
        "Docker Compose's model (config --format json) compared for {models_compared}: only the fixed fields differ"
    );
    eprintln!("fixes per rule: {per_rule:?}");
    eprintln!("refused fixes per reason: {refused:?}");
    assert!(files > 100, "the corpus has {files} files");
    assert!(fixed_files > 0 && per_rule.len() >= 5, "{per_rule:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn add_ignores_on_the_corpus() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let (mut files, mut changed, mut comments) = (0, 0, 0);
    let mut failures = Vec::new();
    for (i, row) in support::corpus_rows(&corpus).iter().enumerate() {
        let rel = row.path.as_str();
        let Ok(original) = std::fs::read_to_string(corpus.join(rel)) else {
            continue;
        };
        files += 1;
        let dir = work.path().join(format!("p{i}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let file = dir.join("compose.yaml");
        std::fs::write(&file, &original).expect("write");
        let all = ["--select", "CG", "--fail-on", "info"];
        let r = composegen(
            &dir,
            &[&all[..], &["--add-ignores", "compose.yaml"]].concat(),
            None,
        );
        if r.code != 0 {
            failures.push(format!(
                "{rel}: --add-ignores exited {}: {}",
                r.code, r.stderr
            ));
            continue;
        }
        let added = std::fs::read_to_string(&file).expect("read");
        if added != original {
            changed += 1;
        }
        // Only comments were added: removing what --add-ignores writes gives the original back.
        let mut restored = String::new();
        for l in added.split_inclusive('\n') {
            if l.starts_with("# composegen: ignore-file[") && l.contains("TODO") {
                comments += 1;
                continue;
            }
            match l
                .find("composegen: ignore[")
                .filter(|_| l.contains("TODO: say why"))
            {
                Some(at) => {
                    comments += 1;
                    let body = &l[..at];
                    let body = body
                        .strip_suffix("  # ")
                        .or_else(|| body.strip_suffix(' '))
                        .or_else(|| body.strip_suffix('#'))
                        .unwrap_or(body);
                    restored.push_str(body);
                    restored.push_str(&l[l.trim_end_matches(['\n', '\r']).len()..]);
                }
                None => restored.push_str(l),
            }
        }
        if restored != original {
            failures.push(format!("{rel}: --add-ignores changed more than comments"));
        }
        // Lint passes, and a second run adds nothing.
        let r = composegen(&dir, &[&all[..], &["compose.yaml"]].concat(), None);
        if r.code != 0 {
            failures.push(format!(
                "{rel}: findings left after --add-ignores:\n{}",
                r.stdout
            ));
        }
        composegen(
            &dir,
            &[&all[..], &["--add-ignores", "compose.yaml"]].concat(),
            None,
        );
        if std::fs::read_to_string(&file).expect("read") != added {
            failures.push(format!("{rel}: a second --add-ignores changed the file"));
        }
    }
    eprintln!("corpus: {files} files, {changed} given {comments} suppression comments");
    assert!(
        files > 100 && changed > 100,
        "{files} files, {changed} changed"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A report says which findings `--fix` fixes: in the summary and on JSON findings.
#[test]
fn reports_mark_what_fix_fixes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "version: \"3\"\nservices:\n  a:\n    image: nginx:1.27.3\n    ports:\n      - 8080:80\n",
    )
    .unwrap();
    let r = composegen(
        dir.path(),
        &[
            "--select",
            "CG801,CG804",
            "--format",
            "concise",
            "compose.yaml",
        ],
        None,
    );
    assert!(
        r.stdout.contains("(2 fixable with --fix)"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    let r = composegen(
        dir.path(),
        &[
            "--select",
            "CG801,CG804",
            "--format",
            "json",
            "compose.yaml",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let fixable: Vec<(String, u64, bool)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
                f["fixable"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        fixable,
        [
            ("CG801".to_string(), 1, true),
            ("CG804".to_string(), 6, true)
        ],
        "{}",
        r.stdout
    );
}

/// `--diff --output FILE` writes the diff to FILE (not stdout) and leaves the compose file alone.
#[test]
fn diff_goes_to_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = "version: \"3\"\nservices:\n  a:\n    image: nginx:1.27.3\n";
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    let r = composegen(
        dir.path(),
        &["--diff", "--output", "fixes.diff", "compose.yaml"],
        None,
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "", "{}", r.stdout);
    let diff = std::fs::read_to_string(dir.path().join("fixes.diff")).unwrap();
    assert!(diff.contains("-version: \"3\""), "{diff}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        text
    );
}
