//! `composegen show`: a profile as YAML that reads back the same in YAML 1.1 and 1.2 readers
//! (`restart: "no"`, `'0'`, `on` are quoted) and loads again as a profile.
//!
//! Scalars go through the same quoting as rendered compose files
//! ([`crate::yaml_emit::yaml_string`]): plain when a YAML 1.1 and a YAML 1.2 reader both
//! read the text back as that string, otherwise JSON-style double-quoted. Multi-line strings are
//! literal block scalars when one holds them exactly.

use serde_json::Value;

use crate::yaml_emit::{yaml_block, yaml_string};

/// The YAML text of a JSON-like value (a profile serialized with `serde_json::to_value`).
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => block(&mut out, v, 0),
        Value::Array(a) if !a.is_empty() => block(&mut out, v, 0),
        _ => {
            out.push_str(&scalar(v, 0));
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A non-empty mapping or sequence, one entry per line at `indent`.
fn block(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                pad(out, indent);
                out.push_str(&yaml_string(k));
                out.push(':');
                after_key(out, val, indent);
            }
        }
        Value::Array(a) => {
            for item in a {
                pad(out, indent);
                out.push('-');
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        // `- key: value`, the other keys aligned under the first.
                        let mut inner = String::new();
                        block(&mut inner, item, indent + 2);
                        out.push(' ');
                        out.push_str(&inner[indent + 2..]);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        block(out, item, indent + 2);
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&scalar(item, indent + 2));
                        out.push('\n');
                    }
                }
            }
        }
        _ => {}
    }
}

/// What follows `key:` of a mapping entry at `indent`.
fn after_key(out: &mut String, val: &Value, indent: usize) {
    match val {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            block(out, val, indent + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            block(out, val, indent + 2);
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(val, indent + 2));
            out.push('\n');
        }
    }
}

/// One scalar (or an empty collection); a string with line breaks may be a block scalar whose
/// lines are indented by `indent`.
fn scalar(v: &Value, indent: usize) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.contains('\n') => yaml_block(s, indent),
        Value::String(s) => yaml_string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_back_in_yaml_1_1_and_1_2() {
        let v = json!({
            "restart": "no",
            "on": ["yes", "0", "1.10", {"a": "b", "c": {"d": [1, 2.5, true, null]}}, [], {}],
            "script": "line one\nline two\n",
            "odd": "trail \n",
            "empty": "",
        });
        let text = to_yaml(&v);
        let back: serde_json::Value = serde_yaml::from_str(&text).expect(&text);
        assert_eq!(back, v, "{text}");
        let node = crate::yaml::Node::parse(&text).expect(&text);
        assert_eq!(node.to_json(), v, "{text}");
        assert!(text.contains("restart: \"no\"\n"), "{text}");
    }
}
