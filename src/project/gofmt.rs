//! Values as compose-go prints and compares them: Go's `fmt` verbs on what yaml.v3 decoded
//! ([`go_sprint`], [`go_sprint_s`]), `path.Clean` ([`clean_path`]), and the unicity key of a
//! long-syntax port ([`long_port_key`]). Shared by [`super::merge`] (unicity keys) and
//! [`super::normalize`] (the printed model).

use crate::yaml::{Kind, Node};

/// compose-go's `portIndexer` on a long-syntax port as written: Go's `%s` of the published port
/// (so `published: 8080`, a number, is another key than the `"8080"` of `8080:80`).
pub(crate) fn long_port_key(item: &Node) -> Option<String> {
    let target = match &item.get("target")?.kind {
        Kind::Int(t) => t.to_string(),
        other => format!("%!d({})", go_type_value(other)),
    };
    let host = match item.get("host_ip") {
        None => "0.0.0.0".to_string(),
        Some(n) => go_sprint_s(Some(&n.kind)),
    };
    let protocol = match item.get("protocol") {
        None => "tcp".to_string(),
        Some(n) => go_sprint_s(Some(&n.kind)),
    };
    let published = go_sprint_s(item.get("published").map(|n| &n.kind));
    Some(format!("{host}:{published}:{target}/{protocol}"))
}

/// Go's `path.Clean`: the shortest equivalent path, lexically.
pub(crate) fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// A YAML value as Go's `fmt.Sprint` prints what yaml.v3 decoded (`%v`): `1e+06` for `1e6`,
/// `true`, `[a b]`, `map[k:v]`.
pub(crate) fn go_sprint(node: &Node) -> String {
    match &node.kind {
        Kind::Null => "<nil>".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => go_float(*f),
        Kind::Str(s) => s.clone(),
        Kind::Seq(items) => format!(
            "[{}]",
            items.iter().map(go_sprint).collect::<Vec<_>>().join(" ")
        ),
        Kind::Map(entries) => {
            let mut pairs: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}:{}", k.key_string(), go_sprint(v)))
                .collect();
            pairs.sort();
            format!("map[{}]", pairs.join(" "))
        }
    }
}

/// Go's `%v` of a float64: the shortest digits, in exponent form below 1e-4 or from 1e6 up.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let e = format!("{:e}", f.abs());
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1;
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if (point as usize) >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// Go's `%s` of a decoded YAML value: a string as it is, anything else as `%!s(type=value)`.
pub(crate) fn go_sprint_s(kind: Option<&Kind>) -> String {
    match kind {
        Some(Kind::Str(s)) => s.clone(),
        None | Some(Kind::Null) => "%!s(<nil>)".to_string(),
        Some(other) => format!("%!s({})", go_type_value(other)),
    }
}

/// `type=value`, as Go's fmt prints a value of the wrong type for a verb.
fn go_type_value(kind: &Kind) -> String {
    let node = Node {
        span: Default::default(),
        kind: kind.clone(),
        plain: true,
        tag: None,
        file: 0,
        interp: None,
    };
    match kind {
        Kind::Null => "<nil>".to_string(),
        Kind::Bool(_) => format!("bool={}", go_sprint(&node)),
        Kind::Int(_) => format!("int={}", go_sprint(&node)),
        Kind::Float(_) => format!("float64={}", go_sprint(&node)),
        Kind::Str(s) => format!("string={s}"),
        Kind::Seq(_) => format!("[]interface {{}}={}", go_sprint(&node)),
        Kind::Map(_) => format!("map[string]interface {{}}={}", go_sprint(&node)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_floats() {
        for (f, s) in [
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (123456.0, "123456"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (1000.0, "1000"),
            (-2.5, "-2.5"),
            (1.2345678901234569e23, "1.2345678901234569e+23"),
        ] {
            assert_eq!(go_float(f), s, "{f}");
        }
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean_path("/a/./b/../c/"), "/a/c");
        assert_eq!(clean_path("a/../../b"), "../b");
        assert_eq!(clean_path(""), ".");
    }
}
