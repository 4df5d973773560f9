//! How reports reach the user: `--quiet`, progress on long runs, and `lint --output FILE`.
//!
//! - `--quiet` (global): only findings, diffs and errors are printed; summaries, "wrote …" and
//!   "up to date" lines, notes and progress are not. Exit codes do not change.
//! - Progress: `lint` over at least [`PROGRESS_MIN_FILES`] files draws a one-line counter on
//!   stderr when stderr is a terminal (and not `--quiet`), erased at the end; otherwise nothing.
//! - `lint --output FILE` writes the report to FILE atomically (a temporary file renamed into
//!   place), never with colour, and prints `wrote FILE: <summary>` on stderr.

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::lint::Report;
use crate::lint::output::{self, Format};
use crate::render::bundle;

static QUIET: AtomicBool = AtomicBool::new(false);

/// Set by `--quiet` for the whole run.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` is in force.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A status line on stderr (`wrote …`, `… up to date`, notes), unless `--quiet`.
pub fn status(message: impl Display) {
    if !quiet() {
        eprintln!("{message}");
    }
}

/// Runs over this many files or more show progress (on a terminal).
pub const PROGRESS_MIN_FILES: usize = 100;
/// How often the progress line is redrawn at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// A one-line `linting 120/450 files` counter, redrawn in place.
pub struct Progress {
    out: Option<Box<dyn Write>>,
    what: &'static str,
    total: usize,
    last: Option<Instant>,
}

impl Progress {
    /// Progress on stderr for `total` items: drawn only when stderr is a terminal, the run is not
    /// `--quiet`, and `total` reaches [`PROGRESS_MIN_FILES`].
    pub fn stderr(what: &'static str, total: usize) -> Progress {
        let on = !quiet() && total >= PROGRESS_MIN_FILES && std::io::stderr().is_terminal();
        Progress::to(
            on.then(|| Box::new(std::io::stderr()) as Box<dyn Write>),
            what,
            total,
        )
    }

    /// Progress drawn on `out` (`None`: silent).
    pub fn to(out: Option<Box<dyn Write>>, what: &'static str, total: usize) -> Progress {
        Progress {
            out,
            what,
            total,
            last: None,
        }
    }

    /// `done` of the items are finished.
    pub fn tick(&mut self, done: usize) {
        let Some(out) = &mut self.out else { return };
        let now = Instant::now();
        if self.last.is_some_and(|t| now - t < PROGRESS_EVERY) && done < self.total {
            return;
        }
        self.last = Some(now);
        let _ = write!(out, "\r\x1b[2K{} {done}/{} files", self.what, self.total);
        let _ = out.flush();
    }

    /// Erase the line.
    pub fn finish(mut self) {
        self.clear();
    }

    fn clear(&mut self) {
        if let (Some(out), Some(_)) = (&mut self.out, self.last) {
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
            self.last = None;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Apply `--quiet` and `--output` to a rendered lint report. Returns what goes to stdout.
pub fn finish_lint(
    text: String,
    report: &Report,
    format: Format,
    output: Option<&Path>,
) -> Result<String> {
    let summary = output::summary(report);
    let text = if quiet() && matches!(format, Format::Human | Format::Concise) {
        match text.strip_suffix(&format!("{summary}\n")) {
            Some(findings) => findings.to_string(),
            None => text,
        }
    } else {
        text
    };
    match output {
        None => Ok(text),
        Some(path) => {
            bundle::write_atomic(path, &text, false)?;
            status(format_args!("wrote {}: {summary}", path.display()));
            Ok(String::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn progress_draws_in_place_throttled_and_erases_itself() {
        let buf = Buf::default();
        let mut p = Progress::to(Some(Box::new(buf.clone())), "linting", 300);
        for done in 1..=300 {
            p.tick(done);
        }
        p.finish();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(text.starts_with("\r\x1b[2Klinting 1/300 files"), "{text:?}");
        assert!(
            text.contains("linting 300/300 files"),
            "the last count is drawn"
        );
        assert!(
            text.matches("\r\x1b[2K").count() < 10,
            "throttled: {text:?}"
        );
        assert!(text.ends_with("\r\x1b[2K"), "erased at the end");
        // Silent progress writes nothing.
        let mut p = Progress::to(None, "linting", 300);
        p.tick(1);
        p.finish();
    }
}
