//! A fast yes/no check of a JSON document against one of composegen's own JSON schemas, without
//! compiling them.
//!
//! Compiling the compose schema with `jsonschema` costs ~13 M instructions (meta-schema check
//! included), five times what linting a typical file costs, and a pre-commit hook pays it on every
//! commit. Almost every document is valid, and a valid document needs no error messages, so
//! [`is_valid`] walks the schema as plain JSON (only the subschemas the document reaches, regexes
//! compiled on first use) and answers `Some(true)` for a valid document. The full validator is
//! compiled only when the answer is anything else, to describe the errors.
//!
//! The check is conservative: it knows the keywords composegen's generated schemas use (draft
//! 2020-12: `type`, `$ref` into `$defs`, `properties`, `patternProperties`,
//! `additionalProperties`, `required`, `items`, `const`, `enum`, `oneOf`, `anyOf`, `allOf`,
//! `not`, `uniqueItems`, `minimum`/`maximum` and their exclusive forms, `pattern`, length and
//! count bounds, and annotations such as `description` and `format`, which draft 2020-12 does not
//! assert), and answers `None` for a keyword or a `$ref` it does not know, so that the caller falls
//! back to `jsonschema`. Tests compare its verdict with `jsonschema`'s on every corpus file and
//! fixture (`tests/schema_fast.rs`).
//!
//! The schema is not even parsed at run time: `build.rs` writes it, annotations removed and keys
//! sorted, as a Rust constant of type [`J`] ([`COMPOSE`]).
//!
//! The document is read through [`Doc`]: a `serde_json::Value`, or the YAML tree itself
//! (`crate::yaml::Node`), which the lint checks without converting it to JSON.

use std::collections::{HashMap, HashSet};

use regex::Regex;

use crate::doc::{Doc, Shape};

/// A JSON value in static data: a schema written by `build.rs`. Object keys are sorted, so that
/// [`J::get`] is a binary search.
#[derive(Debug)]
pub enum J {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(&'static str),
    /// An array.
    Arr(&'static [J]),
    /// An object, keys sorted.
    Obj(&'static [(&'static str, J)]),
}

impl J {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(members) => members
                .binary_search_by(|(k, _)| (*k).cmp(key))
                .ok()
                .map(|i| &members[i].1),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&'static str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&'static [J]> {
        match self {
            J::Arr(a) => Some(a),
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            J::Int(i) => Some(*i as f64),
            J::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// The compose schema (`schema/compose.schema.json`) without annotations, written by `build.rs`.
pub static COMPOSE: J = include!(concat!(env!("OUT_DIR"), "/compose_schema_quick.rs"));

/// The configuration schema (`schema/config.schema.json`), likewise.
pub static CONFIG: J = include!(concat!(env!("OUT_DIR"), "/config_schema_quick.rs"));

/// The profile schema (`schema/profile.schema.json`), likewise.
pub static PROFILE: J = include!(concat!(env!("OUT_DIR"), "/profile_schema_quick.rs"));

/// Whether `doc` (a JSON value or a YAML tree, see [`Doc`]) is valid against `schema` (a root
/// schema whose references are `#/$defs/…`): `Some(true)` valid, `Some(false)` invalid, `None`
/// when the schema uses something this check does not implement.
pub fn is_valid<D: Doc>(schema: &'static J, doc: &D) -> Option<bool> {
    Checker {
        root: schema,
        patterns: HashMap::new(),
    }
    .check(schema, doc, 0)
}

/// Deepest `$ref` chain followed: a schema that refers to itself without consuming the document
/// would loop.
const MAX_DEPTH: usize = 2_000;

struct Checker {
    root: &'static J,
    patterns: HashMap<&'static str, Option<Regex>>,
}

impl Checker {
    fn check<D: Doc>(&mut self, schema: &'static J, doc: &D, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        let obj = match schema {
            J::Bool(b) => return Some(*b),
            J::Obj(obj) => *obj,
            _ => return None,
        };
        let mut valid = true;
        for (key, value) in obj {
            let key = *key;
            let ok = match key {
                // Annotations (draft 2020-12 does not assert `format` by default).
                "description" | "title" | "deprecated" | "$schema" | "$id" | "$defs"
                | "definitions" | "default" | "examples" | "format" | "readOnly" | "writeOnly"
                | "$comment" => true,
                k if k.starts_with("x-") => true,
                "$ref" => {
                    let target = self.reference(value.as_str()?)?;
                    self.check(target, doc, depth + 1)?
                }
                "type" => match value {
                    J::Str(t) => has_type(t, doc)?,
                    J::Arr(ts) => {
                        let mut any = false;
                        for t in ts.iter() {
                            any |= has_type(t.as_str()?, doc)?;
                        }
                        any
                    }
                    _ => return None,
                },
                "const" => equal(value, doc),
                "enum" => value.as_array()?.iter().any(|v| equal(v, doc)),
                "properties" | "patternProperties" | "additionalProperties" => {
                    if key == "properties" {
                        // Checked once, with the other two.
                        self.object(schema, doc, depth)?
                    } else if schema.get("properties").is_some() {
                        true
                    } else if key == "patternProperties" {
                        self.object(schema, doc, depth)?
                    } else if schema.get("patternProperties").is_some() {
                        true
                    } else {
                        self.object(schema, doc, depth)?
                    }
                }
                "required" => match doc.shape() {
                    Shape::Object => {
                        let mut all = true;
                        for name in value.as_array()? {
                            all &= doc.get(name.as_str()?).is_some();
                        }
                        all
                    }
                    _ => true,
                },
                "items" => match doc.items() {
                    Some(items) => {
                        if !matches!(value, J::Obj(_) | J::Bool(_)) {
                            return None; // the array form is `prefixItems` in 2020-12
                        }
                        let mut all = true;
                        for item in items {
                            all &= self.check(value, item, depth + 1)?;
                            if !all {
                                break;
                            }
                        }
                        all
                    }
                    _ => true,
                },
                "uniqueItems" => match (value, doc.items()) {
                    (J::Bool(true), Some(items)) => unique(items),
                    (J::Bool(_), _) => true,
                    _ => return None,
                },
                "oneOf" | "anyOf" | "allOf" => {
                    let mut count = 0;
                    let branches = value.as_array()?;
                    for branch in branches {
                        if self.check(branch, doc, depth + 1)? {
                            count += 1;
                        }
                    }
                    match key {
                        "oneOf" => count == 1,
                        "anyOf" => count >= 1,
                        _ => count == branches.len(),
                    }
                }
                "not" => !self.check(value, doc, depth + 1)?,
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                    let limit = value.as_f64()?;
                    match doc.as_f64() {
                        Some(x) => match key {
                            "minimum" => x >= limit,
                            "maximum" => x <= limit,
                            "exclusiveMinimum" => x > limit,
                            _ => x < limit,
                        },
                        _ => true,
                    }
                }
                "pattern" => match doc.as_str() {
                    Some(s) => self.matches(value.as_str()?, s)?,
                    None => true,
                },
                "minLength" | "maxLength" => match doc.as_str() {
                    Some(s) => bound(key, value, s.chars().count())?,
                    None => true,
                },
                "minItems" | "maxItems" => match doc.items() {
                    Some(a) => bound(key, value, a.len())?,
                    None => true,
                },
                "minProperties" | "maxProperties" => match doc.shape() {
                    Shape::Object => bound(key, value, doc.len())?,
                    _ => true,
                },
                _ => return None,
            };
            valid &= ok;
            if !valid {
                // Keep going only to find a keyword we do not know? No: invalid is invalid, and
                // the caller falls back to the full validator either way.
                return Some(false);
            }
        }
        Some(valid)
    }

    /// `properties`, `patternProperties` and `additionalProperties` of one schema together.
    fn object<D: Doc>(&mut self, schema: &'static J, doc: &D, depth: usize) -> Option<bool> {
        let Some(members) = doc.entries() else {
            return Some(true);
        };
        let properties = match schema.get("properties") {
            Some(p @ J::Obj(_)) => Some(p),
            Some(_) => return None,
            None => None,
        };
        let patterns = match schema.get("patternProperties") {
            Some(J::Obj(p)) => Some(*p),
            Some(_) => return None,
            None => None,
        };
        let additional = schema.get("additionalProperties");
        for (name, value) in members {
            let mut covered = false;
            if let Some(schema) = properties.and_then(|p| p.get(&name)) {
                covered = true;
                if !self.check(schema, value, depth + 1)? {
                    return Some(false);
                }
            }
            if let Some(patterns) = patterns {
                for (pattern, schema) in patterns {
                    if self.matches(pattern, &name)? {
                        covered = true;
                        if !self.check(schema, value, depth + 1)? {
                            return Some(false);
                        }
                    }
                }
            }
            if !covered
                && let Some(schema) = additional
                && !self.check(schema, value, depth + 1)?
            {
                return Some(false);
            }
        }
        Some(true)
    }

    fn reference(&self, r: &str) -> Option<&'static J> {
        let name = r.strip_prefix("#/$defs/")?;
        if name.contains('/') || name.contains('~') || name.contains('%') {
            return None;
        }
        self.root.get("$defs")?.get(name)
    }

    /// Whether `s` matches the ECMA regex `pattern` (unanchored search, as JSON schema says).
    fn matches(&mut self, pattern: &'static str, s: &str) -> Option<bool> {
        if let Some(prefix) = pattern.strip_prefix('^')
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Some(s.starts_with(prefix));
        }
        let regex = self
            .patterns
            .entry(pattern)
            .or_insert_with(|| Regex::new(pattern).ok());
        Some(regex.as_ref()?.is_match(s))
    }
}

fn has_type<D: Doc>(t: &str, doc: &D) -> Option<bool> {
    let shape = doc.shape();
    Some(match t {
        "null" => shape == Shape::Null,
        "boolean" => shape == Shape::Bool,
        "string" => shape == Shape::String,
        "array" => shape == Shape::Array,
        "object" => shape == Shape::Object,
        "number" => shape == Shape::Number,
        "integer" => doc.number().is_some_and(|n| {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }),
        _ => return None,
    })
}

fn bound(key: &str, limit: &J, n: usize) -> Option<bool> {
    let J::Int(limit) = limit else { return None };
    let limit = usize::try_from(*limit).ok()?;
    Some(if key.starts_with("min") {
        n >= limit
    } else {
        n <= limit
    })
}

/// Whether a schema constant equals a document value (numbers by value).
fn equal<D: Doc>(a: &J, b: &D) -> bool {
    match (a, b.shape()) {
        (J::Null, Shape::Null) => true,
        (J::Bool(x), Shape::Bool) => b.as_bool() == Some(*x),
        (J::Int(_) | J::Float(_), Shape::Number) => a.as_f64() == b.as_f64(),
        (J::Str(x), Shape::String) => b.as_str() == Some(*x),
        (J::Arr(x), Shape::Array) => {
            let y = b.items().unwrap_or_default();
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (J::Obj(x), Shape::Object) => {
            x.len() == b.len() && x.iter().all(|(k, v)| b.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => false,
    }
}

/// JSON equality, numbers by value (`1` equals `1.0`).
fn same<D: Doc>(a: &D, b: &D) -> bool {
    match (a.shape(), b.shape()) {
        (Shape::Number, Shape::Number) => {
            let (Some(x), Some(y)) = (a.number(), b.number()) else {
                return false;
            };
            match (x.as_i64(), y.as_i64()) {
                (Some(x), Some(y)) => x == y,
                _ => match (x.as_u64(), y.as_u64()) {
                    (Some(x), Some(y)) => x == y,
                    _ => x.as_f64() == y.as_f64(),
                },
            }
        }
        (Shape::Array, Shape::Array) => {
            let (x, y) = (a.items().unwrap_or_default(), b.items().unwrap_or_default());
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Shape::Object, Shape::Object) => {
            a.len() == b.len()
                && a.entries()
                    .into_iter()
                    .flatten()
                    .all(|(k, v)| b.get(&k).is_some_and(|w| same(v, w)))
        }
        (Shape::Null, Shape::Null) => true,
        (Shape::Bool, Shape::Bool) => a.as_bool() == b.as_bool(),
        (Shape::String, Shape::String) => a.as_str() == b.as_str(),
        _ => false,
    }
}

/// Whether no two items are equal: hashed by their JSON text, or compared pairwise when an item
/// holds a fractional number (whose text may differ from an equal integer's).
fn unique<D: Doc>(items: &[D]) -> bool {
    fn has_float<D: Doc>(v: &D) -> bool {
        match v.shape() {
            Shape::Number => v.number().is_some_and(|n| !n.is_i64() && !n.is_u64()),
            Shape::Array => v.items().unwrap_or_default().iter().any(has_float),
            Shape::Object => v.entries().into_iter().flatten().any(|(_, x)| has_float(x)),
            _ => false,
        }
    }
    fn string(s: &str, out: &mut String) {
        out.push_str(&serde_json::Value::from(s).to_string());
    }
    fn canonical<D: Doc>(v: &D, out: &mut String) {
        match v.shape() {
            Shape::Object => {
                let mut members: Vec<_> = v.entries().into_iter().flatten().collect();
                members.sort_by(|a, b| a.0.cmp(&b.0));
                out.push('{');
                for (k, x) in members {
                    string(&k, out);
                    out.push(':');
                    canonical(x, out);
                    out.push(',');
                }
                out.push('}');
            }
            Shape::Array => {
                out.push('[');
                for x in v.items().unwrap_or_default() {
                    canonical(x, out);
                    out.push(',');
                }
                out.push(']');
            }
            Shape::String => string(v.as_str().unwrap_or_default(), out),
            Shape::Number => {
                if let Some(n) = v.number() {
                    out.push_str(&n.to_string());
                }
            }
            Shape::Bool => out.push_str(if v.as_bool() == Some(true) {
                "true"
            } else {
                "false"
            }),
            Shape::Null => out.push_str("null"),
        }
    }
    if items.iter().any(has_float) {
        return items
            .iter()
            .enumerate()
            .all(|(i, a)| items[..i].iter().all(|b| !same(a, b)));
    }
    let mut seen = HashSet::with_capacity(items.len());
    items.iter().all(|item| {
        let mut key = String::new();
        canonical(item, &mut key);
        seen.insert(key)
    })
}

/// A JSON value as a leaked [`J`] (keys sorted), for tests that check hand-written schemas.
#[cfg(test)]
pub(crate) fn leak(v: &serde_json::Value) -> &'static J {
    use serde_json::Value;
    fn conv(v: &Value) -> J {
        match v {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => n
                .as_i64()
                .map_or_else(|| J::Float(n.as_f64().unwrap_or(0.0)), J::Int),
            Value::String(s) => J::Str(Box::leak(s.clone().into_boxed_str())),
            Value::Array(a) => J::Arr(Box::leak(
                a.iter().map(conv).collect::<Vec<_>>().into_boxed_slice(),
            )),
            Value::Object(m) => {
                let mut members: Vec<(&'static str, J)> = m
                    .iter()
                    .map(|(k, v)| (&*Box::leak(k.clone().into_boxed_str()), conv(v)))
                    .collect();
                members.sort_by(|a, b| a.0.cmp(b.0));
                J::Obj(Box::leak(members.into_boxed_slice()))
            }
        }
    }
    Box::leak(Box::new(conv(v)))
}

#[cfg(test)]
mod tests {
    use super::leak;
    use serde_json::{Value, json};

    fn is_valid(schema: &Value, doc: &Value) -> Option<bool> {
        super::is_valid(leak(schema), doc)
    }

    #[test]
    fn keywords() {
        let schema = json!({
            "$defs": {"Port": {"type": ["integer", "string"], "minimum": 1, "maximum": 65535}},
            "type": "object",
            "properties": {
                "ports": {"type": "array", "items": {"$ref": "#/$defs/Port"}, "uniqueItems": true},
                "mode": {"oneOf": [{"const": "a"}, {"const": "b"}]},
            },
            "patternProperties": {"^x-": true},
            "additionalProperties": false,
            "required": ["ports"],
        });
        assert_eq!(
            is_valid(&schema, &json!({"ports": [80, "443"]})),
            Some(true)
        );
        assert_eq!(is_valid(&schema, &json!({"ports": [80, 80]})), Some(false));
        assert_eq!(
            is_valid(&schema, &json!({"ports": [80.0, 80]})),
            Some(false)
        );
        assert_eq!(is_valid(&schema, &json!({"ports": [0]})), Some(false));
        assert_eq!(is_valid(&schema, &json!({"ports": [1.5]})), Some(false));
        assert_eq!(is_valid(&schema, &json!({})), Some(false));
        assert_eq!(
            is_valid(&schema, &json!({"ports": [], "x-a": 1})),
            Some(true)
        );
        assert_eq!(
            is_valid(&schema, &json!({"ports": [], "y": 1})),
            Some(false)
        );
        assert_eq!(
            is_valid(&schema, &json!({"ports": [], "mode": "b"})),
            Some(true)
        );
        assert_eq!(
            is_valid(&schema, &json!({"ports": [], "mode": "c"})),
            Some(false)
        );
        // Unknown keywords and references make it defer to the full validator.
        assert_eq!(
            is_valid(&json!({"dependentRequired": {}}), &json!({})),
            None
        );
        assert_eq!(is_valid(&json!({"$ref": "other.json"}), &json!({})), None);
    }
}
