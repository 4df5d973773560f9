//! Compose variable interpolation, as Docker Compose does it: `$VAR`, `${VAR}`, `${VAR:-d}`,
//! `${VAR-d}`, `${VAR:?e}`, `${VAR?e}`, `${VAR:+r}`, `${VAR+r}`, nested defaults, `$$`.
//!
//! Linting never fails because a variable is unset: the result says which variables were unset
//! without a default, and rules treat such a value as unknown.

use std::collections::BTreeMap;

/// Variables available to interpolation.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// No variables.
    pub fn empty() -> Env {
        Env::default()
    }

    /// Set a variable (later sets win).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Read a `.env` file's text (`KEY=VALUE`, `export KEY=VALUE`, quotes, `#` comments) into
    /// this environment without overriding variables already set.
    pub fn add_dotenv(&mut self, text: &str) {
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let k = k.trim();
            let v = v.trim();
            let v = if (v.starts_with('"') && v.ends_with('"') && v.len() >= 2)
                || (v.starts_with('\'') && v.ends_with('\'') && v.len() >= 2)
            {
                &v[1..v.len() - 1]
            } else {
                v.split(" #").next().unwrap_or(v).trim_end()
            };
            self.vars
                .entry(k.to_string())
                .or_insert_with(|| v.to_string());
        }
    }
}

/// The result of interpolating one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    /// The value, with unset variables replaced by nothing.
    pub value: String,
    /// Variables that were unset and had no default: the value is not what will run.
    pub unset: Vec<String>,
    /// `${VAR:?message}` errors (variable unset or empty).
    pub required: Vec<(String, String)>,
    /// Whether the string contained any interpolation at all.
    pub interpolated: bool,
}

impl Interpolated {
    /// Whether the value is known (no unset variable without a default, no required error).
    pub fn known(&self) -> bool {
        self.unset.is_empty() && self.required.is_empty()
    }
}

/// Interpolate every scalar value of a document in place, as Docker Compose does before it reads
/// the document (mapping keys are not interpolated). A changed scalar keeps what was written in
/// `Node::interp`, with the variables that were unset.
pub fn interpolate_tree(node: &mut crate::yaml::Node, env: &Env) {
    use crate::yaml::{Interp, Kind};
    match &mut node.kind {
        Kind::Str(s) if s.contains('$') => {
            let r = interpolate(s, env);
            if r.value != *s || !r.known() {
                let raw = std::mem::replace(s, r.value);
                node.interp = Some(Box::new(Interp {
                    raw,
                    unset: r.unset,
                    required: r.required,
                }));
            }
        }
        Kind::Seq(items) => items.iter_mut().for_each(|n| interpolate_tree(n, env)),
        Kind::Map(entries) => entries
            .iter_mut()
            .for_each(|(_, v)| interpolate_tree(v, env)),
        _ => {}
    }
}

/// Interpolate `s`.
pub fn interpolate(s: &str, env: &Env) -> Interpolated {
    let mut out = Interpolated {
        value: String::new(),
        unset: Vec::new(),
        required: Vec::new(),
        interpolated: false,
    };
    let value = expand(s, env, &mut out);
    out.value = value;
    out
}

fn expand(s: &str, env: &Env, out: &mut Interpolated) -> String {
    let bytes = s.as_bytes();
    let mut result = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            let next = s[i..].find('$').map_or(s.len(), |n| i + n);
            result.push_str(&s[i..next]);
            i = next;
            continue;
        }
        // `$` at i.
        match bytes.get(i + 1) {
            Some(b'$') => {
                result.push('$');
                i += 2;
            }
            Some(b'{') => {
                let Some(close) = matching_brace(s, i + 1) else {
                    // Unterminated: Compose rejects it; keep the text.
                    result.push_str(&s[i..]);
                    break;
                };
                out.interpolated = true;
                let inner = &s[i + 2..close];
                result.push_str(&braced(inner, env, out));
                i = close + 1;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let start = i + 1;
                let end = s[start..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .map_or(s.len(), |n| start + n);
                out.interpolated = true;
                let name = &s[start..end];
                match env.get(name) {
                    Some(v) => result.push_str(v),
                    None => out.unset.push(name.to_string()),
                }
                i = end;
            }
            _ => {
                result.push('$');
                i += 1;
            }
        }
    }
    result
}

/// Index of the `}` matching the `{` at `open`.
fn matching_brace(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (off, c) in s[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + off);
                }
            }
            _ => {}
        }
    }
    None
}

fn braced(inner: &str, env: &Env, out: &mut Interpolated) -> String {
    let name_end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    let op = &inner[name_end..];
    let value = env.get(name);
    let set_nonempty = value.is_some_and(|v| !v.is_empty());
    let arg = |prefix: &str| op.strip_prefix(prefix);
    if op.is_empty() {
        return match value {
            Some(v) => v.to_string(),
            None => {
                out.unset.push(name.to_string());
                String::new()
            }
        };
    }
    if let Some(d) = arg(":-") {
        return if set_nonempty {
            value.unwrap_or_default().to_string()
        } else {
            expand(d, env, out)
        };
    }
    if let Some(d) = arg("-") {
        return match value {
            Some(v) => v.to_string(),
            None => expand(d, env, out),
        };
    }
    if let Some(e) = arg(":?") {
        if !set_nonempty {
            out.required.push((name.to_string(), e.to_string()));
        }
        return value.unwrap_or_default().to_string();
    }
    if let Some(e) = arg("?") {
        if value.is_none() {
            out.required.push((name.to_string(), e.to_string()));
        }
        return value.unwrap_or_default().to_string();
    }
    if let Some(r) = arg(":+") {
        return if set_nonempty {
            expand(r, env, out)
        } else {
            String::new()
        };
    }
    if let Some(r) = arg("+") {
        return if value.is_some() {
            expand(r, env, out)
        } else {
            String::new()
        };
    }
    // Not a form Compose knows; keep it literally.
    format!("${{{inner}}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        let mut e = Env::empty();
        e.set("SET", "value");
        e.set("EMPTY", "");
        e
    }

    fn v(s: &str) -> Interpolated {
        interpolate(s, &env())
    }

    #[test]
    fn forms() {
        assert_eq!(v("$SET and ${SET}").value, "value and value");
        assert_eq!(v("${UNSET:-d}").value, "d");
        assert_eq!(v("${EMPTY:-d}").value, "d");
        assert_eq!(v("${EMPTY-d}").value, "");
        assert_eq!(v("${UNSET-d}").value, "d");
        assert_eq!(v("${SET:+r}").value, "r");
        assert_eq!(v("${EMPTY:+r}").value, "");
        assert_eq!(v("${EMPTY+r}").value, "r");
        assert_eq!(v("${UNSET+r}").value, "");
        assert_eq!(v("$$SET").value, "$SET");
        assert_eq!(v("${UNSET:-${SET}}").value, "value");
        assert_eq!(v("${UNSET:-${ALSO_UNSET:-x}}").value, "x");
        assert_eq!(v("a $ b").value, "a $ b");
    }

    #[test]
    fn unset_and_required() {
        let r = v("${UNSET}:80");
        assert_eq!(r.value, ":80");
        assert_eq!(r.unset, ["UNSET"]);
        assert!(!r.known());
        let r = v("${UNSET:?must be set}");
        assert_eq!(
            r.required,
            [("UNSET".to_string(), "must be set".to_string())]
        );
        let r = v("${EMPTY?x}");
        assert!(r.required.is_empty());
        assert!(v("plain").known());
        assert!(!v("plain").interpolated);
    }

    #[test]
    fn trees_are_interpolated_in_place_keeping_what_was_written() {
        let mut root =
            crate::yaml::Node::parse("a: ${SET}\nb: ${NOPE}\nc: plain\n$${k}: x\nd: [$$HOME]\n")
                .unwrap();
        interpolate_tree(&mut root, &env());
        let a = root.get("a").unwrap();
        assert_eq!(a.as_str(), Some("value"));
        assert_eq!(a.interp.as_ref().unwrap().raw, "${SET}");
        let b = root.get("b").unwrap();
        assert_eq!(b.as_str(), Some(""));
        assert_eq!(b.interp.as_ref().unwrap().unset, ["NOPE"]);
        assert!(root.get("c").unwrap().interp.is_none());
        assert!(root.get("$${k}").is_some(), "keys are not interpolated");
        let d = root.get("d").unwrap();
        assert_eq!(
            d.at(&crate::yaml::Path::parse_dotted("[0]"))
                .and_then(|n| n.as_str()),
            Some("$HOME")
        );
    }

    #[test]
    fn dotenv() {
        let mut e = Env::empty();
        e.set("KEEP", "process");
        e.add_dotenv("# c\nA=1\nexport B=\"two words\"\nC='x'\nKEEP=file\nD=val # comment\n");
        assert_eq!(e.get("A"), Some("1"));
        assert_eq!(e.get("B"), Some("two words"));
        assert_eq!(e.get("C"), Some("x"));
        assert_eq!(e.get("KEEP"), Some("process"));
        assert_eq!(e.get("D"), Some("val"));
    }
}
