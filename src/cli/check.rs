//! `composegen render … --check`: does a committed rendered file (or bundle) still match what its
//! profile renders? Exit 0 when every file is byte for byte what the render produces, 1 with a
//! unified diff (committed → rendered) on stdout when one drifted, 2 when the check could not be
//! done (bad profile, unreadable file, a header that cannot be read).
//!
//! - `render PROFILE [-f …] [--set …] [--part P] --check FILE`: the stdout render against FILE.
//! - `render PROFILE [-f …] [--set …] -o DIR --check`: the bundle against DIR: every compose file,
//!   every config file and `.env.example`. Never `.env` (it holds the user's secrets); files in DIR
//!   that the render does not produce are not looked at.
//! - `render --check [FILE…]`: each FILE's header (see `header.rs`) says what to render; a file
//!   recorded with `-o .` is checked together with the rest of its bundle. With no FILE, every
//!   compose file under the current directory (like `lint -r .`) that carries a header.
//!
//! Nothing is written, and the output is not linted: the check answers only "is it stale?".

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::header::{self, Recipe};
use super::{ProfileArgs, RenderArgs, load_profile, report};
use crate::error::{Error, Result};
use crate::render::{self, Mode, bundle};

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Clean,
    Drift,
    Failed,
}

impl Outcome {
    fn code(self) -> i32 {
        match self {
            Outcome::Clean => 0,
            Outcome::Drift => 1,
            Outcome::Failed => 2,
        }
    }
}

/// What to check.
enum Target {
    /// A stdout render (of `part`) against one file.
    File {
        profile: ProfileArgs,
        part: Option<String>,
        file: PathBuf,
    },
    /// A bundle render against a directory.
    Bundle {
        profile: ProfileArgs,
        dir: PathBuf,
        target: crate::compose::Target,
    },
}

/// Run `render --check`; `args.check` is `Some`.
pub fn run(args: &RenderArgs, color: bool) -> Result<i32> {
    let files = args.check.clone().unwrap_or_default();
    let targets = match (&args.profile, &args.output) {
        (Some(profile), Some(dir)) => {
            if !files.is_empty() {
                return Err(Error::msg(
                    "with -o DIR, --check compares the bundle in DIR and takes no FILE",
                    Some(format!(
                        "use `--check` alone after `-o {}`, or drop -o to compare one file",
                        dir.display()
                    )),
                ));
            }
            if args.part.is_some() {
                return Err(Error::msg(
                    "--part selects what goes to stdout; -o checks every part",
                    None,
                ));
            }
            vec![Target::Bundle {
                profile: clone_args(profile),
                dir: dir.clone(),
                target: args.target,
            }]
        }
        (Some(profile), None) => match files.as_slice() {
            [file] => vec![Target::File {
                profile: clone_args(profile),
                part: args.part.clone(),
                file: file.clone(),
            }],
            [] => {
                return Err(Error::msg(
                    "--check needs the rendered file to compare with",
                    Some("`composegen render PROFILE --check FILE`, or `-o DIR --check` for a bundle".into()),
                ));
            }
            _ => {
                return Err(Error::msg(
                    "with a profile, --check compares one file",
                    Some(
                        "put the profile before --check (`render PROFILE --check FILE`); to check \
                         several files by their headers, name no profile: `render --check FILE…`"
                            .into(),
                    ),
                ));
            }
        },
        (None, Some(dir)) => {
            return Err(Error::msg(
                "-o DIR --check needs the profile the bundle was rendered from",
                Some(format!(
                    "`composegen render PROFILE -o {0} --check`, or let the header say it: \
                     `composegen render --check {0}/docker-compose.yml`",
                    dir.display()
                )),
            ));
        }
        (None, None) => {
            if args.part.is_some() {
                return Err(Error::msg(
                    "--part needs a profile; a file's header records its part",
                    None,
                ));
            }
            return from_headers(&files, color);
        }
    };
    let mut worst = Outcome::Clean;
    for t in &targets {
        worst = worst.max(check_target(t, color));
    }
    Ok(worst.code())
}

fn clone_args(a: &ProfileArgs) -> ProfileArgs {
    ProfileArgs {
        profile: a.profile.clone(),
        values: a.values.clone(),
        set: a.set.clone(),
        set_string: a.set_string.clone(),
        set_file: a.set_file.clone(),
    }
}

/// `render --check [FILE…]`: targets from the files' headers.
fn from_headers(files: &[PathBuf], color: bool) -> Result<i32> {
    let scan = files.is_empty();
    let files = if scan {
        let mut found = Vec::new();
        super::lint::files_in(Path::new("."), true, &mut found)?;
        found
    } else {
        files.to_vec()
    };
    let mut worst = Outcome::Clean;
    let mut bundles = BTreeSet::new();
    let mut checked = 0;
    for file in &files {
        let recipe = match read_recipe(file) {
            Ok(Some(r)) => r,
            // Scanning: a compose file without a header is not composegen's.
            Ok(None) if scan => continue,
            Ok(None) => {
                print_error(Error::msg(
                    format!(
                        "{} carries no `# {}composegen render …` header",
                        display(file),
                        crate::render::RENDERED_WITH
                    ),
                    Some(format!(
                        "name the profile: `composegen render PROFILE --check {}`, or re-render the \
                         file with this version of composegen, which records the command",
                        display(file)
                    )),
                ));
                worst = Outcome::Failed;
                continue;
            }
            Err(e) => {
                print_error(e);
                worst = Outcome::Failed;
                continue;
            }
        };
        checked += 1;
        let target = match recipe.bundle {
            Some(dir) => {
                // A bundle's files share one header: check the bundle once.
                if !bundles.insert(header::real(&dir)) {
                    continue;
                }
                Target::Bundle {
                    profile: recipe.profile,
                    dir,
                    target: recipe.target,
                }
            }
            None => Target::File {
                profile: recipe.profile,
                part: recipe.part,
                file: file.clone(),
            },
        };
        worst = worst.max(check_target(&target, color));
    }
    if scan && checked == 0 {
        return Err(Error::msg(
            "no rendered compose file under this directory",
            Some(format!(
                "looked for compose files (compose*.yaml, docker-compose*.yml, …) whose header has \
                 `# {}composegen render …`; name the files to check, or render one",
                crate::render::RENDERED_WITH
            )),
        ));
    }
    Ok(worst.code())
}

fn read_recipe(file: &Path) -> Result<Option<Recipe>> {
    let bytes = crate::fsio::read_input(file).map_err(|e| Error::io("cannot read", file, e))?;
    let text = String::from_utf8_lossy(&bytes);
    header::parse(&text, &dir_of(file)).map_err(|e| match e {
        Error::Message { message, help } => {
            Error::msg(format!("{}: {message}", display(file)), help)
        }
        e => e,
    })
}

/// Print an error the way `main` prints the one that ends a run, so one run can report several.
fn print_error(e: Error) {
    eprintln!("{:?}", miette::Report::new(e));
}

fn check_target(t: &Target, color: bool) -> Outcome {
    let result = match t {
        Target::File {
            profile,
            part,
            file,
        } => check_file(profile, part.as_deref(), file, color),
        Target::Bundle {
            profile,
            dir,
            target,
        } => check_bundle(profile, dir, *target, color),
    };
    match result {
        Ok(true) => Outcome::Clean,
        Ok(false) => Outcome::Drift,
        Err(e) => {
            print_error(e);
            Outcome::Failed
        }
    }
}

/// The directory a file is in (`.` for a bare name).
fn dir_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn display(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// The command that re-renders, runnable from the current directory.
fn fix_command(
    profile: &ProfileArgs,
    part: Option<&str>,
    output: Option<&str>,
    target: crate::compose::Target,
) -> String {
    header::command_line(profile, part, output, target, Path::new("."))
}

/// Returns whether the file is up to date.
fn check_file(profile: &ProfileArgs, part: Option<&str>, file: &Path, color: bool) -> Result<bool> {
    let loaded = load_profile(profile)?;
    let lines = header::lines(
        profile,
        part,
        false,
        crate::compose::Target::Compose,
        &dir_of(file),
    );
    let rendered = render::render(&loaded, Mode::Inline, &lines)?;
    let key = part.unwrap_or("main");
    let Some((_, _, text)) = rendered.compose.iter().find(|(k, _, _)| k == key) else {
        let parts: Vec<&str> = rendered
            .compose
            .iter()
            .map(|(k, _, _)| k.as_str())
            .collect();
        return Err(Error::msg(
            format!("profile {} has no part {key:?}", loaded.profile.name),
            Some(format!("parts: {}", parts.join(", "))),
        ));
    };
    let name = display(file);
    let clean = compare(&name, file, text, color)?;
    if clean {
        report::status(format_args!("{name}: up to date"));
    } else {
        eprintln!(
            "{name}: differs from what its profile renders; re-render it with:\n  {} > {}",
            fix_command(profile, part, None, crate::compose::Target::Compose),
            header::quote(&name)
        );
    }
    Ok(clean)
}

/// Returns whether every file of the bundle is up to date.
fn check_bundle(
    profile: &ProfileArgs,
    dir: &Path,
    target: crate::compose::Target,
    color: bool,
) -> Result<bool> {
    let loaded = load_profile(profile)?;
    let lines = header::lines(profile, None, true, target, dir);
    let mode = match target {
        crate::compose::Target::Compose => Mode::Bundle,
        crate::compose::Target::Swarm => Mode::Swarm,
    };
    let rendered = render::render(&loaded, mode, &lines)?;
    let mut stale = Vec::new();
    let files = bundle::files(&rendered);
    for (rel, text) in &files {
        let path = dir.join(rel);
        if !compare(&display(&path), &path, text, color)? {
            stale.push(rel.clone());
        }
    }
    let name = display(dir);
    let name = if name.is_empty() {
        ".".to_string()
    } else {
        name
    };
    if stale.is_empty() {
        report::status(format_args!("{name}: up to date ({} files)", files.len()));
        Ok(true)
    } else {
        eprintln!(
            "{name}: {} of {} files differ from what the profile renders ({}); re-render with:\n  {}",
            stale.len(),
            files.len(),
            stale.join(", "),
            fix_command(profile, None, Some(&name), target)
        );
        Ok(false)
    }
}

/// Compare `path` with `expected`; on a difference print a unified diff on stdout.
fn compare(name: &str, path: &Path, expected: &str, color: bool) -> Result<bool> {
    let actual = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("cannot read", path, e)),
    };
    if actual.as_deref() == Some(expected.as_bytes()) {
        return Ok(true);
    }
    let old_text = actual
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let old_name = if actual.is_some() { name } else { "/dev/null" };
    let diff = unified_diff(old_name, name, &old_text, expected);
    let text = if color { colorize(&diff) } else { diff };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(Error::io("cannot write", "stdout", e)),
    }
    Ok(false)
}

/// A unified diff with three lines of context, `patch -p0`-applicable: both headers name the file
/// (the old one is `/dev/null` when it does not exist).
pub fn unified_diff(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut text = diff
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string();
    if text.is_empty() {
        // Same lines, different bytes (only possible with invalid UTF-8, read lossily).
        text = format!(
            "--- {old_name}\n+++ {new_name}\n(the files differ in bytes that are not UTF-8 text)\n"
        );
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// ANSI colours for a unified diff: bold headers, cyan hunk lines, red removals, green additions.
pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + 256);
    for (i, line) in diff.split_inclusive('\n').enumerate() {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let style = if i < 2 && (body.starts_with("--- ") || body.starts_with("+++ ")) {
            "1"
        } else if body.starts_with("@@") {
            "36"
        } else if body.starts_with('-') {
            "31"
        } else if body.starts_with('+') {
            "32"
        } else {
            ""
        };
        if style.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&format!("\x1b[{style}m{body}\x1b[0m"));
            if line.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_are_unified_and_colour_is_optional() {
        let d = unified_diff("f.yml", "f.yml", "a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(d, "--- f.yml\n+++ f.yml\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
        let c = colorize(&d);
        assert!(c.contains("\x1b[31m-b\x1b[0m\n"));
        assert!(c.contains("\x1b[32m+B\x1b[0m\n"));
        assert!(c.contains("\x1b[36m@@ -1,3 +1,3 @@\x1b[0m\n"));
        assert!(c.starts_with("\x1b[1m--- f.yml\x1b[0m\n"));
        let missing = unified_diff("/dev/null", "f.yml", "", "a\n");
        assert!(
            missing.starts_with("--- /dev/null\n+++ f.yml\n@@ -0,0 +1 @@\n+a\n"),
            "{missing}"
        );
    }
}
