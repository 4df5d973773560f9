//! Errors: every failure of the tool is one of these, rendered by miette with a help line.
//! They all map to exit code 2.

use miette::{Diagnostic, NamedSource, SourceSpan};

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

    /// Collapse a list of errors into one.
    pub fn many(summary: impl Into<String>, mut errors: Vec<Error>) -> Error {
        if errors.len() == 1 {
            return errors.remove(0);
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
    /// The file (or argument) text.
    #[source_code]
    pub src: NamedSource<String>,
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
        Error::Located(Box::new(Located {
            message: message.into(),
            src: NamedSource::new(name, text.into()),
            span: span.into(),
            label: label.into(),
            help,
        }))
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
