//! Errors: every failure of the tool is one of these, rendered by miette with a help line.
//! They all map to exit code 2.

use miette::{Diagnostic, SourceSpan};

/// A failure that stops composegen from doing its job.
///
/// `Display`, `std::error::Error` and `Diagnostic` are written by hand: no diagnostic code (the
/// report starts with `error:`, see [`Handler`]), and an I/O error shows its OS cause once, in
/// its message, never again as a "caused by" line.
#[derive(Debug)]
pub enum Error {
    /// Something wrong at a place in a file (or a command-line argument).
    Located(Box<Located>),
    /// Several errors at once (all schema violations of a profile, say).
    Many {
        /// e.g. "3 errors in profile paklog".
        summary: String,
        /// The errors.
        errors: Vec<Error>,
    },
    /// An error with no location.
    Message {
        /// What is wrong.
        message: String,
        /// How to fix it.
        help: Option<String>,
    },
    /// A file could not be read or written.
    Io {
        /// "cannot read", "cannot write" …
        action: &'static str,
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
        /// How to fix it (default: from the kind of error).
        help: Option<String>,
    },
    /// A template failed to render or rendered something broken: a bug in composegen or in a
    /// user's template, never silently printed.
    Template {
        /// Template name.
        template: String,
        /// What went wrong.
        message: String,
    },
}

/// An OS error without Rust's ` (os error N)` suffix: "No such file or directory".
pub fn os_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

/// The help line of an I/O error that has none of its own.
fn io_help(action: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let reading = action.contains("read");
    match e.kind() {
        K::NotFound if reading => {
            "check the path: relative paths start from the current directory".into()
        }
        K::NotFound => "the directory it goes into does not exist; create it first".into(),
        K::PermissionDenied => "check the permissions of the file and its directory".into(),
        K::IsADirectory => "give a file here, not a directory".into(),
        K::NotADirectory => "a component of the path is a file, not a directory".into(),
        K::InvalidData => "the file must be UTF-8 text".into(),
        _ if reading => "check that the path names a readable regular file".into(),
        _ => "check that the path is writable and the file system has space".into(),
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Located(l) => f.write_str(&l.message),
            Error::Many { summary, .. } => f.write_str(summary),
            Error::Message { message, .. } => f.write_str(message),
            Error::Io {
                action,
                path,
                source,
                ..
            } => write!(f, "{action} {path}: {}", os_message(source)),
            Error::Template { template, message } => write!(f, "template {template}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl Diagnostic for Error {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            Error::Located(l) => l.help(),
            Error::Many { .. } => None,
            Error::Message { help, .. } => help
                .as_ref()
                .map(|h| Box::new(h) as Box<dyn std::fmt::Display>),
            Error::Io {
                action,
                source,
                help,
                ..
            } => Some(Box::new(
                help.clone().unwrap_or_else(|| io_help(action, source)),
            )),
            Error::Template { .. } => Some(Box::new(
                "this is a bug in the template; please report it with the profile and overrides used",
            )),
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            Error::Located(l) => l.source_code(),
            _ => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        match self {
            Error::Located(l) => l.labels(),
            _ => None,
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        match self {
            Error::Many { errors, .. } => {
                Some(Box::new(errors.iter().map(|e| e as &dyn Diagnostic)))
            }
            _ => None,
        }
    }
}

/// How errors are printed: miette's graphical report, headed `error: MESSAGE` like other
/// command-line tools (no diagnostic code), the source excerpt, then `help:`.
pub struct Handler {
    inner: miette::GraphicalReportHandler,
}

impl Handler {
    /// A handler with or without colour (and Unicode box drawing, which goes with colour).
    pub fn new(color: bool) -> Handler {
        let mut theme = miette::GraphicalTheme {
            characters: if color {
                miette::ThemeCharacters::unicode()
            } else {
                miette::ThemeCharacters::ascii()
            },
            styles: if color {
                miette::ThemeStyles::ansi()
            } else {
                miette::ThemeStyles::none()
            },
        };
        theme.characters.error = "error:".into();
        Handler {
            inner: miette::GraphicalReportHandler::new_themed(theme)
                .with_links(false)
                .with_wrap_lines(false),
        }
    }
}

impl Handler {
    /// One diagnostic; several (`Error::Many`) as a summary line, then each in full.
    fn render(&self, out: &mut String, diagnostic: &dyn Diagnostic) -> std::fmt::Result {
        use std::fmt::Write as _;
        if let Some(related) = diagnostic.related() {
            writeln!(out, "error: {diagnostic}")?;
            for r in related {
                out.push('\n');
                self.render(out, r)?;
            }
            return Ok(());
        }
        let mut text = String::new();
        self.inner.render_report(&mut text, diagnostic)?;
        // miette indents the first line by two spaces; `error:` starts the line, like rustc/cargo.
        out.push_str(text.strip_prefix("  ").unwrap_or(&text));
        Ok(())
    }
}

impl miette::ReportHandler for Handler {
    fn debug(
        &self,
        diagnostic: &dyn Diagnostic,
        f: &mut std::fmt::Formatter<'_>,
    ) -> std::fmt::Result {
        let mut text = String::new();
        self.render(&mut text, diagnostic)?;
        f.write_str(&text)
    }
}

impl Error {
    /// How many errors of a list are reported in full.
    pub const MAX_SHOWN: usize = 20;

    /// An error without a location.
    pub fn msg(message: impl Into<String>, help: impl Into<Option<String>>) -> Error {
        Error::Message {
            message: message.into(),
            help: help.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(
        action: &'static str,
        path: impl AsRef<std::path::Path>,
        source: std::io::Error,
    ) -> Error {
        Error::Io {
            action,
            path: path.as_ref().display().to_string(),
            source,
            help: None,
        }
    }

    /// Collapse a list of errors into one; at most [`Error::MAX_SHOWN`] are shown in full.
    pub fn many(summary: impl Into<String>, mut errors: Vec<Error>) -> Error {
        if errors.len() == 1 {
            return errors.remove(0);
        }
        if errors.len() > Self::MAX_SHOWN {
            let more = errors.len() - Self::MAX_SHOWN;
            errors.truncate(Self::MAX_SHOWN);
            errors.push(Error::msg(
                format!("… and {more} more"),
                Some("fix these first; the rest are reported when they are the first".to_string()),
            ));
        }
        Error::Many {
            summary: summary.into(),
            errors,
        }
    }
}

/// Something wrong at a place in a file (or a command-line argument).
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
pub struct Located {
    /// What is wrong.
    pub message: String,
    /// The lines of the file (or argument) around the span.
    #[source_code]
    pub src: Excerpt,
    /// Where.
    #[label("{label}")]
    pub span: SourceSpan,
    /// Label next to the span.
    pub label: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
}

impl Error {
    /// An error at `span` of a named text.
    pub fn located(
        message: impl Into<String>,
        name: impl AsRef<str>,
        text: impl Into<String>,
        span: impl Into<SourceSpan>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Error {
        let span = span.into();
        Error::Located(Box::new(Located {
            message: message.into(),
            src: Excerpt::new(name.as_ref(), &text.into(), span),
            span,
            label: label.into(),
            help,
        }))
    }
}

/// The part of a text an error shows: the span's line and one line on each side, at most
/// [`Excerpt::REACH`] bytes either side of the span, with the real line and column numbers.
/// An error keeps this much of its file, not a copy of it (a values file with thousands of
/// errors, or a 10 MB line, stays cheap to report).
#[derive(Debug)]
pub struct Excerpt {
    name: String,
    text: String,
    /// Byte offset of `text` in the whole file.
    offset: usize,
    /// 0-based line and column (in characters) of `text`'s first byte.
    line: usize,
    column: usize,
}

impl Excerpt {
    /// How far (bytes) the excerpt reaches on each side of the span.
    pub const REACH: usize = 160;

    fn new(name: &str, whole: &str, span: SourceSpan) -> Excerpt {
        let floor = |mut i: usize| {
            i = i.min(whole.len());
            while !whole.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = floor(span.offset());
        let end = floor(span.offset() + span.len()).max(start);
        // One line before the span's line, one after, within REACH of the span.
        let line_start = |i: usize| whole[..i].rfind('\n').map_or(0, |p| p + 1);
        let mut from = line_start(start);
        if from > 0 {
            from = line_start(from - 1);
        }
        let from = floor(from.max(start.saturating_sub(Self::REACH)));
        let line_end = |i: usize| whole[i..].find('\n').map_or(whole.len(), |p| i + p);
        let mut to = line_end(end);
        if to < whole.len() {
            to = line_end(to + 1);
        }
        let to = floor(to.min(end + Self::REACH)).max(from);
        let before = &whole[..from];
        let line = before.bytes().filter(|b| *b == b'\n').count();
        let column = before[before.rfind('\n').map_or(0, |p| p + 1)..]
            .chars()
            .count();
        Excerpt {
            name: name.to_string(),
            text: whole[from..to].to_string(),
            offset: from,
            line,
            column,
        }
    }
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let local_start = span
            .offset()
            .saturating_sub(self.offset)
            .min(self.text.len());
        let local_len = span.len().min(self.text.len() - local_start);
        let local = SourceSpan::new(local_start.into(), local_len);
        let inner = self.text.read_span(&local, before, after)?;
        let first_line = inner.line();
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + self.offset).into(),
                inner.span().len(),
            ),
            first_line + self.line,
            if first_line == 0 {
                inner.column() + self.column
            } else {
                inner.column()
            },
            inner.line_count(),
        )))
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
