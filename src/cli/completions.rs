//! `composegen completions SHELL` and `composegen man [--dir DIR]`, generated from the same clap
//! definition that parses the command line, so they never disagree with it.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use super::Cli;
use crate::error::{Error, Result};
use crate::render::bundle;

/// The completion script for `shell`: the command line, plus the values only the binary knows
/// (built-in profile names for `render`, `show` and `new --from`; rule codes for `explain`,
/// `lint --select` and `--ignore`, and rule names for `explain`).
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(
        shell,
        &mut with_values(Cli::command()),
        "composegen",
        &mut buf,
    );
    String::from_utf8_lossy(&buf).into_owned()
}

/// `cmd` with possible values on the arguments that take profile names or rule codes. Used only
/// to generate completions: parsing keeps accepting paths (a profile file) and code prefixes.
fn with_values(cmd: clap::Command) -> clap::Command {
    use clap::builder::{PossibleValue, PossibleValuesParser};
    let profiles: Vec<PossibleValue> = crate::assets::profile_names()
        .into_iter()
        .map(|n| PossibleValue::new(n).help("built-in profile"))
        .collect();
    let metas: Vec<_> = crate::lint::registry::RULES
        .iter()
        .map(|r| r.meta())
        .collect();
    let codes: Vec<PossibleValue> = metas
        .iter()
        .map(|m| PossibleValue::new(m.code).help(m.name))
        .collect();
    let codes_and_names: Vec<PossibleValue> = codes
        .iter()
        .cloned()
        .chain(
            metas
                .iter()
                .map(|m| PossibleValue::new(m.name).help(m.code)),
        )
        .collect();
    let profile = move |a: clap::Arg| a.value_parser(PossibleValuesParser::new(profiles.clone()));
    let rule = |values: Vec<PossibleValue>| {
        move |a: clap::Arg| a.value_parser(PossibleValuesParser::new(values.clone()))
    };
    cmd.mut_subcommand("render", |c| c.mut_arg("profile", profile.clone()))
        .mut_subcommand("show", |c| c.mut_arg("profile", profile.clone()))
        .mut_subcommand("new", |c| c.mut_arg("from", profile.clone()))
        .mut_subcommand("explain", |c| c.mut_arg("code", rule(codes_and_names)))
        .mut_subcommand("lint", |c| {
            let select = std::iter::once(
                PossibleValue::new("ALL").help("every rule, the off-by-default ones included"),
            )
            .chain(codes.iter().cloned())
            .collect();
            c.mut_arg("select", rule(select))
                .mut_arg("ignore", rule(codes.clone()))
        })
}

/// Sections appended to the main page (roff).
const MAIN_PAGE_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success: no lint finding at or above \fB\-\-fail\-on\fR; \fBrender \-\-check\fR: every file is up to date.
.TP
\fB1\fR
\fBlint\fR: findings at or above \fB\-\-fail\-on\fR; \fBrender \-\-check\fR: a file differs from what its profile renders (a unified diff is printed).
.TP
\fB2\fR
composegen could not do its job: a bad profile, override, configuration or argument, or an unreadable file.
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
When set and not empty, no colour (as \fB\-\-no\-color\fR).
.TP
\fBCI\fR, \fBCOMPOSEGEN_TOOLS_REQUIRED\fR
Only for composegen's own test suite.
.SH FILES
.TP
\fI.composegen.yaml\fR
Lint configuration, looked up in the current directory and its parents.
.SH "SEE ALSO"
\fBcomposegen\-render\fR(1), \fBcomposegen\-lint\fR(1), \fBdocker\-compose\fR(1)
"#;

fn page(cmd: clap::Command, extra: &str) -> Result<String> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut buf)
        .map_err(|e| Error::io("cannot render", "the man page", e))?;
    buf.extend_from_slice(extra.as_bytes());
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn built() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The main man page, `composegen.1`.
pub fn man_page() -> Result<String> {
    page(built(), MAIN_PAGE_EXTRA)
}

/// Write `composegen.1` and one page per subcommand (`composegen-render.1`, …) into `dir`.
/// Returns the paths written.
pub fn man_pages_to(dir: &Path) -> Result<Vec<PathBuf>> {
    let cmd = built();
    let mut pages = vec![(
        "composegen.1".to_string(),
        page(cmd.clone(), MAIN_PAGE_EXTRA)?,
    )];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub
            .get_display_name()
            .unwrap_or_else(|| sub.get_name())
            .to_string();
        pages.push((format!("{name}.1"), page(sub.clone(), "")?));
    }
    let mut written = Vec::new();
    for (name, text) in pages {
        let path = dir.join(name);
        bundle::write_atomic(&path, &text, false)?;
        written.push(path);
    }
    Ok(written)
}
