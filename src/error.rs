//! Errors: every failure of the tool is one of these, rendered by miette with a help line.
//! They all map to exit code 2.

use miette::{Diagnostic, NamedSource, SourceSpan};

/// A failure that stops composegen from doing its job.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum Error {
    /// Something wrong at a place in a file (or a command-line argument).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Located(Box<Located>),
    /// Several errors at once (all schema violations of a profile, say).
    #[error("{summary}")]
    #[diagnostic(code(composegen::input))]
    Many {
        /// e.g. "3 errors in profile paklog".
        summary: String,
        /// The errors.
        #[related]
        errors: Vec<Error>,
    },
    /// An error with no location.
    #[error("{message}")]
    #[diagnostic(code(composegen::error))]
    Message {
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    #[diagnostic(code(composegen::io))]
    Io {
        /// "cannot read", "cannot write" …
        action: &'static str,
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A template failed to render or rendered something broken: a bug in composegen or in a
    /// user's template, never silently printed.
    #[error("template {template}: {message}")]
    #[diagnostic(
        code(composegen::template),
        help(
            "this is a bug in the template; please report it with the profile and overrides used"
        )
    )]
    Template {
        /// Template name.
        template: String,
        /// What went wrong.
        message: String,
    },
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
#[diagnostic(code(composegen::input))]
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
