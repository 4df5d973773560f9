//! A read-only view of a JSON-shaped document, implemented by `serde_json::Value` and by the
//! YAML tree ([`crate::yaml::Node`]), so that the checks which validate a compose document (the
//! quick schema check, `crate::schema_fast`, and Compose's consistency checks,
//! `crate::compose::validate`) are written once and run on either.
//!
//! The lint holds a file as a [`Node`] tree; converting it to JSON ([`Node::to_json`]) only to
//! validate it would copy the whole document (88 MB for a 10 MB file). Through [`Doc`] the tree
//! is read in place, exactly as [`Node::to_json`] converts it: mapping keys as
//! [`Node::key_string`] writes them (of keys that read the same, the last value at the first
//! key's place), non-finite floats as `null`, integers as integers. A check therefore gives the
//! same verdict on a tree as on its JSON value (`tests/schema_fast.rs` compares both).

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Number, Value};

use crate::yaml::{Kind, Node};

/// The JSON type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// A sequence.
    Array,
    /// A mapping with string keys.
    Object,
}

/// A JSON-shaped document read in place: what the validation of a compose document needs.
pub trait Doc: Sized {
    /// The entries of a mapping: each key once, in document order.
    type Entries<'a>: Iterator<Item = (Cow<'a, str>, &'a Self)>
    where
        Self: 'a;

    /// Its JSON type.
    fn shape(&self) -> Shape;

    /// The text of a string.
    fn as_str(&self) -> Option<&str>;

    /// The value of a boolean.
    fn as_bool(&self) -> Option<bool>;

    /// A number as JSON holds it (an integer, or a finite float).
    fn number(&self) -> Option<Number>;

    /// The items of a sequence.
    fn items(&self) -> Option<&[Self]>;

    /// The entries of a mapping.
    fn entries(&self) -> Option<Self::Entries<'_>>;

    /// The value at `key` in a mapping.
    fn get(&self, key: &str) -> Option<&Self>;

    /// Entries of a mapping or items of a sequence (0 for a scalar).
    fn len(&self) -> usize;

    /// Whether [`Doc::len`] is 0.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A number as an `i64`, when it is an integer that fits.
    fn as_i64(&self) -> Option<i64> {
        self.number()?.as_i64()
    }

    /// A number as an `u64`, when it is a non-negative integer.
    fn as_u64(&self) -> Option<u64> {
        self.number()?.as_u64()
    }

    /// A number as an `f64`.
    fn as_f64(&self) -> Option<f64> {
        self.number()?.as_f64()
    }
}

/// An entry of a `serde_json` map with its key borrowed.
type JsonEntry<'a> = (Cow<'a, str>, &'a Value);

impl Doc for Value {
    type Entries<'a> =
        std::iter::Map<serde_json::map::Iter<'a>, fn((&'a String, &'a Value)) -> JsonEntry<'a>>;

    fn shape(&self) -> Shape {
        match self {
            Value::Null => Shape::Null,
            Value::Bool(_) => Shape::Bool,
            Value::Number(_) => Shape::Number,
            Value::String(_) => Shape::String,
            Value::Array(_) => Shape::Array,
            Value::Object(_) => Shape::Object,
        }
    }

    fn as_str(&self) -> Option<&str> {
        Value::as_str(self)
    }

    fn as_bool(&self) -> Option<bool> {
        Value::as_bool(self)
    }

    fn number(&self) -> Option<Number> {
        match self {
            Value::Number(n) => Some(n.clone()),
            _ => None,
        }
    }

    fn items(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    fn entries(&self) -> Option<Self::Entries<'_>> {
        fn entry<'a>((k, v): (&'a String, &'a Value)) -> JsonEntry<'a> {
            (Cow::Borrowed(k.as_str()), v)
        }
        match self {
            Value::Object(m) => Some(m.iter().map(entry as fn(_) -> _)),
            _ => None,
        }
    }

    fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.get(key),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        match self {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        }
    }
}

/// A mapping key as [`Node::to_json`] writes it (borrowed when it is a string).
fn key_text(key: &Node) -> Cow<'_, str> {
    match &key.kind {
        Kind::Str(s) => Cow::Borrowed(s),
        _ => Cow::Owned(key.key_string()),
    }
}

/// Mappings with at most this many entries are checked for repeated keys pairwise, larger ones
/// with a hash set.
const PAIRWISE: usize = 16;

/// Whether every key of a mapping is a string and no two are equal: then the entries are the
/// JSON object's as they are (the common case, checked without allocating for small mappings).
fn plain(entries: &[(Node, Node)]) -> bool {
    if !entries.iter().all(|(k, _)| matches!(k.kind, Kind::Str(_))) {
        return false;
    }
    let key = |i: usize| entries[i].0.as_str();
    if entries.len() <= PAIRWISE {
        (1..entries.len()).all(|j| (0..j).all(|i| key(i) != key(j)))
    } else {
        let mut seen = std::collections::HashSet::with_capacity(entries.len());
        entries.iter().all(|(k, _)| seen.insert(k.as_str()))
    }
}

/// The entries of a mapping whose keys repeat once written as text (`1` and `"1"`): each key
/// once, at its first place, with its last value (what a JSON object built from them holds).
fn merged(entries: &[(Node, Node)]) -> Vec<(Cow<'_, str>, &Node)> {
    let mut out: Vec<(Cow<'_, str>, &Node)> = Vec::with_capacity(entries.len());
    let mut at: HashMap<Cow<'_, str>, usize> = HashMap::with_capacity(entries.len());
    for (k, v) in entries {
        let k = key_text(k);
        match at.get(&k) {
            Some(&i) => out[i].1 = v,
            None => {
                at.insert(k.clone(), out.len());
                out.push((k, v));
            }
        }
    }
    out
}

/// The entries of a [`Node`] mapping (see [`Doc::entries`]).
pub enum NodeEntries<'a> {
    /// String keys, none repeated: the entries as written.
    Plain(std::slice::Iter<'a, (Node, Node)>),
    /// Keys that repeat once written as text, merged.
    Merged(std::vec::IntoIter<(Cow<'a, str>, &'a Node)>),
}

impl<'a> Iterator for NodeEntries<'a> {
    type Item = (Cow<'a, str>, &'a Node);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            NodeEntries::Plain(it) => it.next().map(|(k, v)| (key_text(k), v)),
            NodeEntries::Merged(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            NodeEntries::Plain(it) => it.size_hint(),
            NodeEntries::Merged(it) => it.size_hint(),
        }
    }
}

impl Doc for Node {
    type Entries<'a> = NodeEntries<'a>;

    fn shape(&self) -> Shape {
        match &self.kind {
            Kind::Null => Shape::Null,
            Kind::Bool(_) => Shape::Bool,
            Kind::Int(_) => Shape::Number,
            Kind::Float(f) if f.is_finite() => Shape::Number,
            Kind::Float(_) => Shape::Null,
            Kind::Str(_) => Shape::String,
            Kind::Seq(_) => Shape::Array,
            Kind::Map(_) => Shape::Object,
        }
    }

    fn as_str(&self) -> Option<&str> {
        Node::as_str(self)
    }

    fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn number(&self) -> Option<Number> {
        match self.kind {
            Kind::Int(i) => Some(Number::from(i)),
            Kind::Float(f) => Number::from_f64(f),
            _ => None,
        }
    }

    fn items(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    fn entries(&self) -> Option<NodeEntries<'_>> {
        match &self.kind {
            Kind::Map(entries) if plain(entries) => Some(NodeEntries::Plain(entries.iter())),
            Kind::Map(entries) => Some(NodeEntries::Merged(merged(entries).into_iter())),
            _ => None,
        }
    }

    /// The last value whose key reads `key` (a linear scan: callers that look up many keys of
    /// one large mapping index its entries once).
    fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| match &k.kind {
                    Kind::Str(s) => s == key,
                    _ => k.key_string() == key,
                })
                .map(|(_, v)| v),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        match &self.kind {
            Kind::Map(entries) if plain(entries) => entries.len(),
            Kind::Map(entries) => merged(entries).len(),
            Kind::Seq(items) => items.len(),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value rebuilt through [`Doc`] alone.
    fn rebuild<D: Doc>(d: &D) -> Value {
        match d.shape() {
            Shape::Null => Value::Null,
            Shape::Bool => Value::Bool(d.as_bool().unwrap()),
            Shape::Number => Value::Number(d.number().unwrap()),
            Shape::String => Value::String(d.as_str().unwrap().to_string()),
            Shape::Array => Value::Array(d.items().unwrap().iter().map(rebuild).collect()),
            Shape::Object => {
                let m: serde_json::Map<String, Value> = d
                    .entries()
                    .unwrap()
                    .map(|(k, v)| (k.into_owned(), rebuild(v)))
                    .collect();
                assert_eq!(m.len(), d.len());
                for (k, v) in &m {
                    assert_eq!(d.get(k).map(rebuild).as_ref(), Some(v), "{k}");
                }
                Value::Object(m)
            }
        }
    }

    #[test]
    fn a_tree_reads_as_its_json() {
        let many: String = (0..40).map(|i| format!("  k{i}: {i}\n")).collect();
        for text in [
            "a: 1\nb: [1.5, -2, .inf, .nan, ~, true, 'x']\nc: {d: {}}\n",
            "1: a\n\"1\": b\ntrue: c\n\"true\": d\nnull: e\n1.0: f\n2.5: g\n",
            "? [1, 2]\n: complex\n? {a: 1}\n: other\n",
            "x: &a {k: 1}\ny: {<<: *a, k: 2}\nz: {\"<<\": 3}\n",
            &format!("big:\n{many}  7: int\n  \"7\": dup\n"),
            "k1: a\n!t k1: b\n",
            &format!("big:\n{many}  !t k7: tagged\n"),
            &format!("big:\n{many}"),
            "",
            "plain text",
        ] {
            let node = Node::parse(text).unwrap();
            let json = node.to_json();
            let through = rebuild(&node);
            // Same values, and keys in the same order.
            assert_eq!(through, json, "{text}");
            assert_eq!(through.to_string(), json.to_string(), "{text}");
            assert_eq!(rebuild(&json).to_string(), json.to_string(), "{text}");
        }
    }
}
