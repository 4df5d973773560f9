//! Writing YAML scalars that read back as exactly the string written, in YAML 1.1 (Docker
//! Compose's go-yaml) and YAML 1.2: [`yaml_string`] (plain when safe, else double-quoted) and
//! [`yaml_block`] (a literal block scalar when one holds the text exactly). The one writer of YAML
//! scalars: templates (`crate::render::templates`) and `composegen show` use it.

/// A string as a YAML scalar that reads back as exactly that string, in YAML 1.1 and 1.2.
pub fn yaml_string(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        // JSON string syntax is valid YAML double-quoted scalar syntax. JSON leaves the
        // characters that YAML readers treat as line breaks or markers (NEL, LS, PS, BOM) raw;
        // Compose's reader folds them, so they are escaped too.
        let json = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        let mut out = String::with_capacity(json.len());
        for c in json.chars() {
            if is_yaml_break_like(c) || (c.is_control() && !c.is_ascii()) {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// Characters some YAML reader treats as a line break or a stream marker outside the ASCII
/// controls: NEL (U+0085), LINE SEPARATOR (U+2028), PARAGRAPH SEPARATOR (U+2029), BOM (U+FEFF).
/// go-yaml (Docker Compose) breaks lines at the first three.
pub fn is_yaml_break_like(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn is_plain_safe(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let second = chars.next();
    if is_unit_number(s) {
        return true;
    }
    let dash_word = first == '-' && second.is_some_and(|c| c == '-' || c.is_ascii_alphabetic());
    let relative = first == '.' && second.is_some_and(|c| c == '/' || c == '.');
    if !(first.is_ascii_alphabetic() || first == '/' || first == '_' || dash_word || relative) {
        return false;
    }
    if !s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '_' | '.' | '/' | '-' | ':' | '@' | '+' | '%' | '=' | ',')
    }) {
        return false;
    }
    if s.ends_with(':') {
        return false;
    }
    // Words that YAML 1.1 or 1.2 read as booleans or null.
    let lower = s.to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "y" | "n" | "yes" | "no" | "true" | "false" | "on" | "off" | "null" | "nan" | "inf"
    ) && !s.contains(',')
}

/// `10s`, `512m`, `1d`: a number with a unit, which no YAML version reads as anything but a string.
fn is_unit_number(s: &str) -> bool {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let rest = &s[digits..];
    let rest = match rest.strip_prefix('.') {
        Some(frac) => {
            let d = frac.bytes().take_while(u8::is_ascii_digit).count();
            if d == 0 {
                return false;
            }
            &frac[d..]
        }
        None => rest,
    };
    matches!(
        rest,
        "ns" | "us"
            | "ms"
            | "s"
            | "m"
            | "h"
            | "d"
            | "w"
            | "y"
            | "k"
            | "kb"
            | "mb"
            | "g"
            | "gb"
            | "t"
            | "b"
    )
}

/// `s` as a literal block scalar (`|`, lines indented by `indent` spaces) when one holds it
/// exactly in YAML 1.1 and 1.2, else as [`yaml_string`]. The one writer of block scalars (the
/// `block` filter of `crate::render::templates`, `composegen show`).
pub fn yaml_block(s: &str, indent: usize) -> String {
    let block_ok = s.ends_with('\n')
        && !s.ends_with("\n\n")
        && !s.starts_with([' ', '\t', '\n'])
        && !s
            .chars()
            .any(|c| (c.is_control() && c != '\n') || is_yaml_break_like(c))
        && !s.lines().any(|l| l.ends_with([' ', '\t']));
    if !block_ok {
        return yaml_string(s);
    }
    let pad = " ".repeat(indent);
    let mut out = String::from("|");
    for line in s.lines() {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}
