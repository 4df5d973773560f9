//! Compose variable interpolation, as Docker Compose does it (compose-go `template`): `$VAR`,
//! `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`, `${VAR?e}`, `${VAR:+r}`, `${VAR+r}`, nested
//! defaults, `$$`.
//!
//! The grammar:
//!
//! ```text
//! text     = { literal | "$$" | "$" name | "${" braced "}" | "$" }
//! name     = [A-Za-z_] [A-Za-z0-9_]*
//! braced   = name [(":-" | "-" | ":?" | "?" | ":+" | "+") text]
//! ```
//!
//! The `}` that closes a `${` is found by counting nested `${` (compose-go's
//! `getFirstBraceClosingIndex`): in `${A:-{x}}` the default is `{x` and the last `}` is text. A `$`
//! followed by anything else is a literal `$`. A `${` without its `}`, a braced expression that
//! does not start with a name (`${}`, `${1}`), or one with another operator (`${A:x}`) is invalid:
//! Compose rejects the file ("invalid interpolation format"); [`try_interpolate`] reports it and
//! [`interpolate`] keeps the expression as written.
//!
//! Linting never fails because a variable is unset: the result says which variables were unset
//! without a default, and rules treat such a value as unknown.

use super::grammar::dotenv::parse_dotenv;

use std::collections::BTreeMap;

/// Variables available to interpolation.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    /// Whether an env file (`.env`, `--env-file`, an `include` entry's `env_file`) was read.
    from_file: bool,
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

    /// Whether the variables include an env file's: the project was given its variables, so
    /// one missing is an omission rather than CI running without its secrets.
    pub fn has_env_file(&self) -> bool {
        self.from_file
    }

    /// Read a `.env` file's text ([`parse_dotenv`]) into this environment without overriding
    /// variables already set. A key without a value sets nothing.
    pub fn add_dotenv(&mut self, text: &str) {
        self.from_file = true;
        for entry in parse_dotenv(text) {
            if let Some(value) = entry.value {
                self.vars.entry(entry.key).or_insert(value);
            }
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

/// The scalars of an interpolated tree ([`interpolate_tree`]) whose value is not known: a
/// variable was unset without a default, or a `${VAR:?message}` was unset. In document order.
pub fn unknown_scalars(root: &crate::yaml::Node) -> Vec<(crate::yaml::Path, &crate::yaml::Interp)> {
    use crate::yaml::{Kind, Node, Step, Trail};
    fn walk<'a>(
        node: &'a Node,
        trail: &mut Trail<'a>,
        out: &mut Vec<(crate::yaml::Path, &'a crate::yaml::Interp)>,
    ) {
        match &node.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    trail.push(Step::NodeKey(k));
                    walk(v, trail, out);
                    trail.pop();
                }
            }
            Kind::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    trail.push(Step::Index(i));
                    walk(v, trail, out);
                    trail.pop();
                }
            }
            _ => {
                if let Some(interp) = node.interp.as_deref()
                    && (!interp.unset.is_empty() || !interp.required.is_empty())
                {
                    out.push((trail.path(), interp));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut Trail::default(), &mut out);
    out
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

/// An expression Compose cannot interpolate ("invalid interpolation format").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInterpolation {
    /// What is wrong, quoting the text it is in.
    pub message: String,
}

impl std::fmt::Display for InvalidInterpolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InvalidInterpolation {}

/// Interpolate `s`; an invalid expression is kept as written.
pub fn interpolate(s: &str, env: &Env) -> Interpolated {
    run(s, env).0
}

/// Interpolate `s`, or say why Compose rejects it (the first invalid expression).
pub fn try_interpolate(s: &str, env: &Env) -> Result<Interpolated, InvalidInterpolation> {
    match run(s, env) {
        (out, None) => Ok(out),
        (_, Some(message)) => Err(InvalidInterpolation { message }),
    }
}

struct State<'e> {
    env: &'e Env,
    out: Interpolated,
    /// The first invalid expression.
    invalid: Option<String>,
}

impl State<'_> {
    fn invalid(&mut self, message: String) {
        self.invalid.get_or_insert(message);
    }
}

fn run(s: &str, env: &Env) -> (Interpolated, Option<String>) {
    let mut st = State {
        env,
        out: Interpolated {
            value: String::new(),
            unset: Vec::new(),
            required: Vec::new(),
            interpolated: false,
        },
        invalid: None,
    };
    let value = expand(s, &mut st);
    st.out.value = value;
    (st.out, st.invalid)
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

fn expand(s: &str, st: &mut State<'_>) -> String {
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
                let Some(close) = closing_brace(s, i + 2) else {
                    st.invalid(format!("{s:?}: `${{` without `}}`"));
                    // Kept as written.
                    result.push_str(&s[i..]);
                    break;
                };
                st.out.interpolated = true;
                let inner = &s[i + 2..close];
                result.push_str(&braced(inner, s, st));
                i = close + 1;
            }
            Some(&c) if is_name_start(char::from(c)) => {
                let start = i + 1;
                let end = s[start..]
                    .find(|ch: char| !is_name_char(ch))
                    .map_or(s.len(), |n| start + n);
                st.out.interpolated = true;
                let name = &s[start..end];
                match st.env.get(name) {
                    Some(v) => result.push_str(v),
                    None => st.out.unset.push(name.to_string()),
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

/// Index of the `}` that closes a `${` whose text starts at `from`, counting nested `${`.
fn closing_brace(s: &str, from: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The value of `${inner}`, written in `whole`.
fn braced(inner: &str, whole: &str, st: &mut State<'_>) -> String {
    let name_end = inner
        .find(|c: char| !is_name_char(c))
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    let literal = || format!("${{{inner}}}");
    if !name.starts_with(is_name_start) {
        st.invalid(format!(
            "{whole:?}: `${{{inner}}}` does not start with a variable name"
        ));
        return literal();
    }
    let op = &inner[name_end..];
    let value = st.env.get(name).map(str::to_string);
    let set_nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
    let arg = |prefix: &str| op.strip_prefix(prefix);
    if op.is_empty() {
        return match value {
            Some(v) => v,
            None => {
                st.out.unset.push(name.to_string());
                String::new()
            }
        };
    }
    if let Some(d) = arg(":-") {
        return if set_nonempty {
            value.unwrap_or_default()
        } else {
            expand(d, st)
        };
    }
    if let Some(d) = arg("-") {
        return match value {
            Some(v) => v,
            None => expand(d, st),
        };
    }
    if let Some(e) = arg(":?") {
        if !set_nonempty {
            st.out.required.push((name.to_string(), e.to_string()));
        }
        return value.unwrap_or_default();
    }
    if let Some(e) = arg("?") {
        if value.is_none() {
            st.out.required.push((name.to_string(), e.to_string()));
        }
        return value.unwrap_or_default();
    }
    if let Some(r) = arg(":+") {
        return if set_nonempty {
            expand(r, st)
        } else {
            String::new()
        };
    }
    if let Some(r) = arg("+") {
        return if value.is_some() {
            expand(r, st)
        } else {
            String::new()
        };
    }
    st.invalid(format!("{whole:?}: unsupported `${{{inner}}}`"));
    literal()
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
    fn invalid_expressions() {
        let e = |s: &str| try_interpolate(s, &env()).unwrap_err().message;
        assert!(e("${oops").contains("without"));
        assert!(e("${}").contains("does not start with a variable name"));
        assert!(e("${1x}").contains("does not start with a variable name"));
        assert!(e("${SET:x}").contains("unsupported"));
        assert!(e("${UNSET:-${bad}").contains("without"));
        assert!(e("echo ${foo").contains("without"));
        // The lenient reading keeps them as written.
        assert_eq!(v("a ${oops").value, "a ${oops");
        assert_eq!(v("${SET:x}").value, "${SET:x}");
        // A `}` closes the innermost `${`; other braces are text (compose-go).
        assert_eq!(v("${UNSET:-{x}}").value, "{x}");
        assert_eq!(v("${UNSET:-{}").value, "{");
        assert!(try_interpolate("${UNSET:-{}", &env()).is_ok());
        // Branches not taken are not read.
        assert!(try_interpolate("${SET:-${}}", &env()).is_ok());
        let lookup = try_interpolate("${UNSET:-d}/${SET}/$SET/$$HOME $ $1", &env()).unwrap();
        assert_eq!(lookup.value, "d/value/value/$HOME $ $1");
    }

    #[test]
    fn dotenv() {
        let mut e = Env::empty();
        e.set("KEEP", "process");
        e.add_dotenv(
            "# c\nA=1\nexport B=\"two words\"\nC='x'\nKEEP=file\nD=val # comment\nE\nF=\"a\\nb\"\n",
        );
        assert_eq!(e.get("A"), Some("1"));
        assert_eq!(e.get("B"), Some("two words"));
        assert_eq!(e.get("C"), Some("x"));
        assert_eq!(e.get("KEEP"), Some("process"));
        assert_eq!(e.get("D"), Some("val"));
        assert_eq!(e.get("E"), None, "a key alone sets nothing");
        assert_eq!(e.get("F"), Some("a\nb"), "double quotes read escapes");
    }
}
