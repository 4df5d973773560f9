//! `.env` files: the project's `.env` (variables for interpolation) and the files of `env_file`
//! and `label_file`.
//!
//! The grammar, one variable a line:
//!
//! ```text
//! line  = blank | "#" comment | ["export "] key ["=" value]
//! value = "'" literal "'" | '"' escaped '"' | unquoted [" #" comment]
//! ```
//!
//! Keys and values are trimmed. Single quotes are literal; double quotes read `\n`, `\"` and `\\`
//! as escapes; an unquoted value ends at ` #`. A key alone (`DEBUG`) has no value: Compose takes
//! it from its own environment. Not supported (compose-go's parser has them): interpolation inside
//! the file, and values over several lines.

use std::ops::Range;

/// One variable of a `.env` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its name.
    pub key: String,
    /// Its value; `None` for a key alone.
    pub value: Option<String>,
    /// Where its line is in the text (without the line break).
    pub line: Range<usize>,
}

/// The variables of a `.env` file, in order.
pub fn parse_dotenv(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let raw = raw.strip_suffix('\n').unwrap_or(raw);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let range = start..start + raw.len();
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, value)) = line.split_once('=') else {
            out.push(Entry {
                key: line.to_string(),
                value: None,
                line: range,
            });
            continue;
        };
        out.push(Entry {
            key: key.trim().to_string(),
            value: Some(value_of(value.trim())),
            line: range,
        });
    }
    out
}

fn value_of(value: &str) -> String {
    if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return inner.to_string();
    }
    if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        let mut unescaped = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match (c, chars.clone().next()) {
                ('\\', Some('n')) => {
                    unescaped.push('\n');
                    chars.next();
                }
                ('\\', Some(e @ ('"' | '\\'))) => {
                    unescaped.push(e);
                    chars.next();
                }
                _ => unescaped.push(c),
            }
        }
        return unescaped;
    }
    value
        .split(" #")
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, Option<String>)> {
        parse_dotenv(text)
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    #[test]
    fn lines() {
        let text = "# c\nA=1\nexport B=\"two words\"\nC='x'\nD=val # comment\n\nE\n  F = spaced  \r\nG=\"a\\nb \\\"q\\\" \\\\\"\nH='$no \\n'\n";
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            pairs(text),
            [
                ("A".into(), s("1")),
                ("B".into(), s("two words")),
                ("C".into(), s("x")),
                ("D".into(), s("val")),
                ("E".into(), None),
                ("F".into(), s("spaced")),
                ("G".into(), s("a\nb \"q\" \\")),
                ("H".into(), s("$no \\n")),
            ]
        );
    }

    #[test]
    fn line_ranges() {
        let text = "A=1\r\n# x\nB=2";
        let e = parse_dotenv(text);
        assert_eq!(&text[e[0].line.clone()], "A=1");
        assert_eq!(&text[e[1].line.clone()], "B=2");
    }
}
