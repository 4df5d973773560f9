//! The pre-commit hooks of `.pre-commit-hooks.yaml`, checked by pre-commit itself and run for real:
//! a temporary git repository whose `.pre-commit-config.yaml` uses this repository's hook
//! definitions, commits that must fail and commits that must pass.
//!
//! The published hooks are `language: rust`: pre-commit builds composegen with `cargo install` from
//! the hook repository, which takes minutes and the network. The test keeps everything else of each
//! hook definition (entry, files, pass_filenames, always_run, require_serial) and swaps only that:
//! `language: system` with the entry's `composegen` replaced by the binary under test. Nothing
//! touches the user's home: HOME, PRE_COMMIT_HOME and git's configuration point into a temporary
//! directory; nothing goes to the network.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml");

const COLLIDING: &str = "services:\n  a:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n  b:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n";
const FIXED: &str = "services:\n  a:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n  b:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8081:80\"]\n";
const CLEAN: &str =
    "services:\n  web:\n    image: nginx:1.27.3\n    ports: [\"127.0.0.1:8080:80\"]\n";

fn manifest() -> Vec<serde_yaml::Mapping> {
    let text = std::fs::read_to_string(MANIFEST).expect(".pre-commit-hooks.yaml");
    serde_yaml::from_str(&text).expect("the manifest is a YAML list of hooks")
}

fn hook(id: &str) -> serde_yaml::Mapping {
    manifest()
        .into_iter()
        .find(|h| h.get("id").and_then(|v| v.as_str()) == Some(id))
        .unwrap_or_else(|| panic!("no hook {id}"))
}

fn str_of<'a>(h: &'a serde_yaml::Mapping, key: &str) -> Option<&'a str> {
    h.get(key).and_then(serde_yaml::Value::as_str)
}

fn bool_of(h: &serde_yaml::Mapping, key: &str) -> Option<bool> {
    h.get(key).and_then(serde_yaml::Value::as_bool)
}

#[test]
fn the_manifest_is_valid_for_pre_commit() {
    let Some(pre_commit) = support::tool("pre-commit") else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = support::run_bounded(
        Command::new(pre_commit)
            .args(["validate-manifest", MANIFEST])
            .env("HOME", home.path())
            .env("PRE_COMMIT_HOME", home.path().join("cache")),
    )
    .expect("pre-commit runs");
    assert_eq!(
        code, 0,
        "pre-commit rejects .pre-commit-hooks.yaml:\n{out}{err}"
    );
}

#[test]
fn hooks_install_composegen_and_run_commands_the_cli_accepts() {
    let ids: Vec<String> = manifest()
        .iter()
        .filter_map(|h| str_of(h, "id").map(str::to_string))
        .collect();
    assert_eq!(
        ids,
        [
            "composegen-lint",
            "composegen-render-check",
            "composegen-lint-system",
            "composegen-render-check-system"
        ]
    );
    for h in manifest() {
        let id = str_of(&h, "id").expect("id");
        let system = id.ends_with("-system");
        assert_eq!(
            str_of(&h, "language"),
            Some(if system { "system" } else { "script" }),
            "{id}: built from the hook repository with its Cargo.lock, or the installed binary"
        );
        let entry = str_of(&h, "entry").expect("entry");
        let mut words = composegen::cli::header::split(entry).expect("entry splits");
        assert_eq!(
            words[0],
            if system {
                "composegen"
            } else {
                "scripts/pre-commit-hook"
            }
        );
        words[0] = "composegen".into();
        let id = id.trim_end_matches("-system");
        // What pre-commit runs: entry, args, then file names unless pass_filenames is false.
        if bool_of(&h, "pass_filenames") != Some(false) {
            words.extend([
                "compose.yaml".into(),
                "stack/docker-compose.override.yml".into(),
            ]);
        } else {
            words.push("deploy/docker-compose.yml".into()); // a user's `args:`
        }
        let cli = composegen::cli::Cli::try_parse_from(&words)
            .unwrap_or_else(|e| panic!("{id}: `{}` does not parse: {e}", words.join(" ")));
        match (id, cli.command) {
            ("composegen-lint", composegen::cli::Command::Lint(args)) => {
                assert_eq!(args.paths.len(), 2, "file names are lint paths");
                assert_eq!(
                    bool_of(&h, "require_serial"),
                    Some(true),
                    "one process: one report"
                );
            }
            ("composegen-render-check", composegen::cli::Command::Render(args)) => {
                assert!(args.profile.is_none(), "the headers say what to render");
                assert_eq!(
                    args.check.as_deref(),
                    Some(&[PathBuf::from("deploy/docker-compose.yml")][..])
                );
                assert_eq!(
                    bool_of(&h, "always_run"),
                    Some(true),
                    "a profile change alone makes a file stale"
                );
            }
            (id, command) => panic!("{id} runs {command:?}"),
        }
    }
}

#[test]
fn the_lint_hook_selects_compose_files_by_name() {
    let h = hook("composegen-lint");
    let pattern = str_of(&h, "files").expect("files");
    // pre-commit matches with Python's re.search; this pattern means the same in Rust's regex.
    let re = regex::Regex::new(pattern).expect("regex");
    for name in [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
        "docker-compose.override.yml",
        "compose.override.yaml",
        "compose.prod.yaml",
        "deploy/prod/docker-compose.yml",
        "stack/docker-compose.monitoring.yml",
    ] {
        assert!(re.is_match(name), "{name} should be linted");
    }
    for name in [
        "values.yaml",
        "profiles/paklog.yaml",
        "templates/compose.yml.j2",
        "my-compose.yaml",
        "composer.yaml",
        "docker-compose.yml.bak",
        "compose.yaml/readme.md",
        ".github/workflows/ci.yml",
    ] {
        assert!(!re.is_match(name), "{name} should not be linted");
    }
}

/// A temporary git repository with pre-commit installed, isolated from the user's configuration.
struct Repo {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    git: PathBuf,
    pre_commit: PathBuf,
}

impl Repo {
    fn new() -> Option<Repo> {
        let git = support::tool("git")?;
        let pre_commit = support::tool("pre-commit")?;
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = tmp.path().join("home");
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(&home).expect("mkdir");
        std::fs::create_dir_all(&root).expect("mkdir");
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        )
        .expect("gitconfig");
        let repo = Repo {
            _tmp: tmp,
            root,
            home,
            git,
            pre_commit,
        };
        repo.ok(&repo.git, &["init", "-q"]);
        Some(repo)
    }

    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(&self.root);
        for var in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_CONFIG",
            "PRE_COMMIT",
            "NO_COLOR",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("PRE_COMMIT_HOME", self.home.join("pre-commit"))
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("PRE_COMMIT_COLOR", "never");
        cmd
    }

    /// Exit code and combined output.
    fn run(&self, program: &Path, args: &[&str]) -> (i32, String) {
        let (code, out, err) = support::run_bounded(&mut self.command(program, args))
            .unwrap_or_else(|e| panic!("{program:?} {args:?}: {e}"));
        (code, format!("{out}{err}"))
    }

    fn ok(&self, program: &Path, args: &[&str]) -> String {
        let (code, out) = self.run(program, args);
        assert_eq!(code, 0, "{program:?} {args:?} failed:\n{out}");
        out
    }

    fn write(&self, name: &str, text: &str) {
        let p = self.root.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    /// `git add -A && git commit`, through the installed pre-commit hook.
    fn commit(&self, message: &str) -> (i32, String) {
        self.ok(&self.git, &["add", "-A"]);
        self.run(&self.git, &["commit", "-q", "-m", message])
    }

    /// composegen's stdout (its notes on stderr are not part of a rendered file).
    fn composegen(&self, args: &[&str]) -> String {
        let bin = composegen_bin();
        let (code, out, err) = support::run_bounded(&mut self.command(&bin, args))
            .unwrap_or_else(|e| panic!("composegen {args:?}: {e}"));
        assert_eq!(code, 0, "composegen {args:?} failed:\n{err}");
        out
    }
}

fn composegen_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("composegen")
}

/// `.pre-commit-config.yaml` with a `repo: local` copy of every hook of the manifest, run by the
/// binary under test (`language: system`) instead of a cargo-installed one.
fn local_config() -> String {
    let bin = composegen_bin();
    let quoted = composegen::cli::header::quote(&bin.display().to_string()).into_owned();
    let hooks: Vec<serde_yaml::Value> = manifest()
        .into_iter()
        .filter(|h| !str_of(h, "id").expect("id").ends_with("-system"))
        .map(|mut h| {
            let entry = str_of(&h, "entry").expect("entry").to_string();
            let rest = entry
                .strip_prefix("scripts/pre-commit-hook")
                .expect("entry runs the hook script");
            h.insert("entry".into(), format!("{quoted}{rest}").into());
            h.insert("language".into(), "system".into());
            serde_yaml::Value::Mapping(h)
        })
        .collect();
    let local = serde_yaml::Mapping::from_iter([
        ("repo".into(), "local".into()),
        ("hooks".into(), serde_yaml::Value::Sequence(hooks)),
    ]);
    let repos = serde_yaml::Value::Sequence(vec![serde_yaml::Value::Mapping(local)]);
    serde_yaml::to_string(&serde_yaml::Mapping::from_iter([("repos".into(), repos)])).expect("yaml")
}

#[test]
fn hooks_fail_and_pass_commits_in_a_real_repository() {
    let Some(repo) = Repo::new() else {
        return;
    };
    repo.write(".pre-commit-config.yaml", &local_config());
    let out = repo.ok(
        &repo.pre_commit,
        &["validate-config", ".pre-commit-config.yaml"],
    );
    assert!(!out.contains("rror"), "{out}");
    repo.ok(&repo.pre_commit, &["install"]);
    assert!(repo.root.join(".git/hooks/pre-commit").is_file());

    // A rendered file (its header records how), from a values file.
    repo.write("values/prod.yaml", "knobs:\n  retention: 3d\n");
    let rendered = repo.composegen(&["render", "locust", "-f", "values/prod.yaml"]);
    // Rendered from the repository root, stdout captured here: paths are relative to the root,
    // so write it there.
    repo.write("docker-compose.yml", &rendered);
    // A broken compose file, a clean one, and YAML files that are not compose files (they would
    // fail if linted).
    repo.write("stack/docker-compose.yml", COLLIDING);
    repo.write("web/compose.prod.yaml", CLEAN);
    repo.write("web/compose.override.yaml", CLEAN);
    repo.write("values.yaml", COLLIDING);
    repo.write("templates/compose.yml.j2", COLLIDING);

    let (code, out) = repo.commit("broken");
    assert_ne!(code, 0, "the commit must fail:\n{out}");
    assert!(out.contains("composegen lint"), "{out}");
    assert!(out.contains("Failed"), "{out}");
    assert!(
        out.contains("stack/docker-compose.yml:7:13: error[CG101]"),
        "the output names the finding:\n{out}"
    );
    assert!(!out.contains("values.yaml"), "not a compose file:\n{out}");
    assert!(
        !out.contains("compose.yml.j2"),
        "not a compose file:\n{out}"
    );
    assert!(
        out.contains("in 4 files"),
        "one process for the 4 compose files (rendered, broken, two clean):\n{out}"
    );
    let head = repo.run(&repo.git, &["rev-parse", "--verify", "-q", "HEAD"]);
    assert_ne!(head.0, 0, "nothing was committed");

    // Fixed: both hooks pass and the commit lands.
    repo.write("stack/docker-compose.yml", FIXED);
    let (code, out) = repo.commit("fixed");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("composegen lint") && l.ends_with("Passed")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("composegen render --check") && l.ends_with("Passed")),
        "{out}"
    );

    // A hand edit of the rendered file: the render check fails with the diff.
    let edited = rendered.replacen("retention.time=3d", "retention.time=30d", 1);
    assert_ne!(edited, rendered);
    repo.write("docker-compose.yml", &edited);
    let (code, out) = repo.commit("hand edit");
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("-      - --storage.tsdb.retention.time=30d"),
        "{out}"
    );
    assert!(
        out.contains("+      - --storage.tsdb.retention.time=3d"),
        "{out}"
    );
    assert!(out.contains("re-render it with:"), "{out}");
    repo.write("docker-compose.yml", &rendered);

    // Only the values file changes: no compose file is staged, yet the rendered file is stale.
    repo.write("values/prod.yaml", "knobs:\n  retention: 5d\n");
    let (code, out) = repo.commit("values");
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("composegen render --check") && out.contains("Failed"),
        "{out}"
    );
    assert!(
        out.contains("+      - --storage.tsdb.retention.time=5d"),
        "{out}"
    );
    // Re-rendered: the commit lands.
    let rendered = repo.composegen(&["render", "locust", "-f", "values/prod.yaml"]);
    repo.write("docker-compose.yml", &rendered);
    let (code, out) = repo.commit("values, re-rendered");
    assert_eq!(code, 0, "{out}");
}

/// `scripts/pre-commit-hook` builds composegen with the lock file once, then runs the binary:
/// checked in a copy of the script's layout with a `cargo` that records its arguments.
#[test]
fn the_hook_script_builds_locked_once_then_runs_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("hookrepo");
    std::fs::create_dir_all(root.join("scripts")).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pre-commit-hook"),
        root.join("scripts/pre-commit-hook"),
    )
    .unwrap();
    std::fs::write(root.join("Cargo.lock"), "# lock\n").unwrap();
    // A `cargo` that records its arguments and "builds" the real binary (a copy).
    let bin_dir = tmp.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let log = tmp.path().join("cargo.log");
    std::fs::write(
        bin_dir.join("cargo"),
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nmkdir -p '{root}/target/release'\ncp '{}' '{root}/target/release/composegen'\n",
            log.display(),
            composegen_bin().display(),
            root = root.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(bin_dir.join("cargo"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(bin_dir.join("cargo"), perms).unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = || {
        std::process::Command::new(root.join("scripts/pre-commit-hook"))
            .arg("--version")
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    for _ in 0..2 {
        let out = run();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("composegen "));
    }
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(calls.lines().count(), 1, "built once: {calls}");
    assert!(calls.contains("build --locked --release"), "{calls}");
}
