//! Service volumes in short syntax, as compose-go's `format.ParseVolume` reads them.
//!
//! The grammar:
//!
//! ```text
//! volume = target | source ":" target [":" mode]
//! mode   = option {"," option}   (ro, rw, nocopy, z, Z, [r]private, [r]shared, [r]slave;
//!                                 others are ignored)
//! ```
//!
//! - The text is split at `:`, except a `:` right after a single letter (`C:\data`, a Windows
//!   drive) and a `:` inside `${...}` (nested). A field may not be empty (`:/data` is an error),
//!   and a fourth field is one too many.
//! - One or two bytes (`/a`) are a target, taken as they are.
//! - A source that starts with `.`, `/`, `~`, `\\` or a drive letter (`C:`) is a host path (a bind
//!   mount); any other source is a named volume; no source is an anonymous volume.
//! - In the mode, the last of `ro` and `rw` wins.

use std::fmt;
use std::ops::Range;

/// What a short-syntax volume mounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VolumeType {
    /// A named or anonymous volume.
    #[default]
    Volume,
    /// A host path.
    Bind,
}

impl VolumeType {
    /// `volume` or `bind`, as Compose writes the long syntax `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeType::Volume => "volume",
            VolumeType::Bind => "bind",
        }
    }
}

/// A short-syntax volume.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeSpec {
    /// Bind mount or volume.
    pub kind: VolumeType,
    /// Host path or volume name; empty for an anonymous volume.
    pub source: String,
    /// Path in the container, as written.
    pub target: String,
    /// `ro` (the last of `ro` and `rw`).
    pub read_only: bool,
    /// `nocopy`.
    pub nocopy: bool,
    /// `rprivate`, `private`, `rshared`, `shared`, `rslave` or `slave`.
    pub propagation: Option<String>,
    /// `z` or `Z`.
    pub selinux: Option<String>,
    /// One or two bytes: compose-go takes them as a target and fills in nothing else.
    pub bare: bool,
    /// Where the source is written, if there is one.
    pub source_span: Option<Range<usize>>,
    /// Where the target is written.
    pub target_span: Range<usize>,
    /// Where the mode is written, if there is one.
    pub mode_span: Option<Range<usize>>,
}

/// Why a short-syntax volume is not one Compose accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeError {
    /// Nothing at all.
    Empty,
    /// `::` or a leading or trailing `:`.
    EmptySection,
    /// More than `SOURCE:TARGET:MODE`.
    TooManyColons,
}

impl fmt::Display for VolumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VolumeError::Empty => "empty volume",
            VolumeError::EmptySection => "empty section between colons",
            VolumeError::TooManyColons => "too many colons",
        })
    }
}

impl std::error::Error for VolumeError {}

/// Parse a short-syntax volume (`format.ParseVolume`).
pub fn parse_volume(spec: &str) -> Result<VolumeSpec, VolumeError> {
    let mut volume = VolumeSpec::default();
    match spec.len() {
        0 => return Err(VolumeError::Empty),
        1 | 2 => {
            volume.target = spec.to_string();
            volume.target_span = 0..spec.len();
            volume.bare = true;
            return Ok(volume);
        }
        _ => {}
    }
    let bytes = spec.as_bytes();
    let mut start = 0;
    let mut depth = 0usize;
    // Each position of a `:` or the end, with the field before it.
    let ends = spec
        .char_indices()
        .map(|(i, c)| (i, Some(c)))
        .chain(std::iter::once((spec.len(), None)));
    for (i, c) in ends {
        match c {
            Some('$') if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                continue;
            }
            Some('}') if depth > 0 => {
                depth -= 1;
                continue;
            }
            Some(':') => {
                let field = &spec[start..i];
                let mut chars = field.chars();
                let drive =
                    matches!((chars.next(), chars.next()), (Some(d), None) if d.is_alphabetic());
                if drive || depth > 0 {
                    continue;
                }
            }
            // An unterminated `${` keeps the last field: compose-go never stores it.
            None if depth > 0 => continue,
            None => {}
            Some(_) => continue,
        }
        let field = start..i;
        start = i + 1;
        if field.is_empty() {
            return Err(VolumeError::EmptySection);
        }
        let text = spec[field.clone()].to_string();
        if volume.source.is_empty() && c.is_none() {
            volume.target = text;
            volume.target_span = field;
        } else if volume.source.is_empty() {
            volume.source = text;
            volume.source_span = Some(field);
        } else if volume.target.is_empty() {
            volume.target = text;
            volume.target_span = field;
        } else if c.is_some() {
            return Err(VolumeError::TooManyColons);
        } else {
            for option in text.split(',') {
                match option {
                    "ro" => volume.read_only = true,
                    "rw" => volume.read_only = false,
                    "nocopy" => volume.nocopy = true,
                    "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                        volume.propagation = Some(option.to_string());
                    }
                    "z" | "Z" => volume.selinux = Some(option.to_string()),
                    _ => {}
                }
            }
            volume.mode_span = Some(field);
        }
    }
    if is_host_path(&volume.source) {
        volume.kind = VolumeType::Bind;
    }
    Ok(volume)
}

/// compose-go's `isFilePath`: a source that is a host path rather than a volume name.
pub fn is_host_path(source: &str) -> bool {
    if source.starts_with(['.', '/', '~']) || source.starts_with("\\\\") {
        return true;
    }
    let mut chars = source.chars();
    matches!((chars.next(), chars.next()), (Some(d), Some(':')) if d.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> VolumeSpec {
        parse_volume(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn short_volumes() {
        let x = v("./x:/x:ro,z");
        assert_eq!(
            (x.kind, x.source.as_str(), x.target.as_str(), x.read_only),
            (VolumeType::Bind, "./x", "/x", true)
        );
        assert_eq!(x.selinux.as_deref(), Some("z"));
        let x = v("data:/var/lib/data:ro,nocopy");
        assert_eq!(
            (
                x.kind,
                x.source.as_str(),
                x.target.as_str(),
                x.read_only,
                x.nocopy
            ),
            (VolumeType::Volume, "data", "/var/lib/data", true, true)
        );
        let x = v("/anon");
        assert_eq!(
            (x.kind, x.source.as_str(), x.target.as_str()),
            (VolumeType::Volume, "", "/anon")
        );
        assert_eq!(v("C:\\a:/b").kind, VolumeType::Bind);
        assert_eq!(v("C:\\data:/data").source, "C:\\data");
        assert_eq!(v("c:/x:/y").source, "c:/x");
        assert_eq!(v("~/x:/y").kind, VolumeType::Bind);
        assert_eq!(v("a/b:/c").kind, VolumeType::Volume);
        assert_eq!(v("\\\\host\\share:/s").kind, VolumeType::Bind);
        let x = v("ab");
        assert!(x.bare && x.target == "ab");
        assert_eq!(v("${A}:/x:ro").source, "${A}");
        assert_eq!(v("${A:-x}:/x").source, "${A:-x}");
    }

    #[test]
    fn errors() {
        assert_eq!(parse_volume(""), Err(VolumeError::Empty));
        for (bad, e) in [
            (":/media/", VolumeError::EmptySection),
            ("/a::/b", VolumeError::EmptySection),
            ("/a:/b:", VolumeError::EmptySection),
            ("/a:/b:ro:z", VolumeError::TooManyColons),
        ] {
            assert_eq!(parse_volume(bad), Err(e), "{bad}");
        }
        assert_eq!(
            VolumeError::EmptySection.to_string(),
            "empty section between colons"
        );
    }

    #[test]
    fn where_the_copies_disagreed_compose_go_decides() {
        // The last of ro and rw wins.
        assert!(!v("a:/b:ro,rw").read_only);
        // A single letter before `:` is a drive, whatever follows.
        let x = v("a:/data");
        assert_eq!((x.source.as_str(), x.target.as_str()), ("", "a:/data"));
        // Two bytes are a target, even with a colon.
        assert_eq!(v(":a").target, ":a");
        // One backslash is not a path (`\\` is, a named pipe).
        assert_eq!(v("\\x:/y").kind, VolumeType::Volume);
    }

    #[test]
    fn spans_point_into_the_text() {
        let s = "./conf:/etc/conf:ro";
        let x = v(s);
        assert_eq!(&s[x.source_span.unwrap()], "./conf");
        assert_eq!(&s[x.target_span], "/etc/conf");
        assert_eq!(&s[x.mode_span.unwrap()], "ro");
        let s = "/anon";
        assert_eq!(&s[v(s).target_span], "/anon");
    }
}
