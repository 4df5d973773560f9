//! Loading a profile: the profile file, values files (`-f`, deep-merged in order) and `--set`
//! overrides (typed through the schema), validated against the JSON schema generated from the
//! Rust types, then deserialized. Every error points at the layer and line that caused it.

use serde_json::{Map, Value};

use super::model::Profile;
use super::{schema, semantics};
use crate::error::{Error, Result};
use crate::yaml::{Node, Path, Seg, Span};

/// One input that contributes to the profile.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Shown in diagnostics: a path, `builtin:paklog`, or `--set`.
    pub name: String,
    /// The text (for `--set`, the argument).
    pub text: String,
    /// What it sets.
    pub kind: LayerKind,
}

/// What a layer is.
#[derive(Debug, Clone)]
pub enum LayerKind {
    /// A YAML document.
    Yaml(Node),
    /// A `--set PATH=VALUE` argument: its path and the span of the value in the argument.
    Set(Path, Span),
}

/// A profile and the layers it was built from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated profile.
    pub profile: Profile,
    /// The merged document (what `show` prints).
    pub merged: Value,
    /// Directory of the profile file (for user templates); None for built-ins.
    pub base_dir: Option<std::path::PathBuf>,
    /// The layers, base profile first.
    pub layers: Vec<Layer>,
}

impl Layer {
    /// Parse a YAML layer.
    pub fn yaml(name: impl Into<String>, text: String) -> Result<Layer> {
        let name = name.into();
        match Node::parse(&text) {
            Ok(node) => Ok(Layer {
                name,
                text,
                kind: LayerKind::Yaml(node),
            }),
            Err(e) => Err(Error::located(
                format!("invalid YAML: {}", e.message),
                name,
                text,
                e.span,
                "here",
                Some("fix the YAML syntax (indentation, quotes, brackets)".into()),
            )),
        }
    }

    /// Parse a `--set PATH=VALUE` argument.
    pub fn set(arg: &str) -> Result<Layer> {
        let Some(eq) = arg.find('=') else {
            return Err(Error::located(
                format!("invalid --set {arg:?}: expected PATH=VALUE"),
                "--set",
                arg,
                (0, arg.len().max(1)),
                "no `=` here",
                Some("e.g. --set replicas=3 or --set services.kafka.resources.memory=2g".into()),
            ));
        };
        let path = Path::parse_dotted(arg[..eq].trim());
        Ok(Layer {
            name: "--set".into(),
            text: arg.to_string(),
            kind: LayerKind::Set(
                path,
                Span {
                    start: eq + 1,
                    end: arg.len(),
                },
            ),
        })
    }

    /// Where `path` was written in this layer: (span, whether the whole path is in this layer).
    fn locate(&self, path: &Path, want_key: bool) -> Option<(Span, bool)> {
        match &self.kind {
            LayerKind::Yaml(node) => {
                if want_key && let Some(span) = node.locate_key(path) {
                    return Some((span, true));
                }
                let (span, full) = node.locate(path);
                Some((span, full))
            }
            LayerKind::Set(set_path, value) => {
                let starts = |a: &Path, b: &Path| a.0.len() <= b.0.len() && a.0 == b.0[..a.0.len()];
                if starts(set_path, path) || starts(path, set_path) {
                    let span = if want_key {
                        Span {
                            start: 0,
                            end: value.start.saturating_sub(1),
                        }
                    } else {
                        *value
                    };
                    Some((span, true))
                } else {
                    None
                }
            }
        }
    }
}

/// A problem at a path of the merged document, before it is located.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Where.
    pub path: Path,
    /// Point at the key rather than the value (unknown keys).
    pub at_key: bool,
    /// What is wrong.
    pub message: String,
    /// Short label at the span.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Problem {
    /// A problem at a value.
    pub fn new(path: Path, message: impl Into<String>, help: impl Into<Option<String>>) -> Problem {
        Problem {
            path,
            at_key: false,
            message: message.into(),
            label: "here".into(),
            help: help.into(),
        }
    }
}

/// Resolve problems to located errors: the last layer that wrote the path wins.
pub fn locate(layers: &[Layer], problems: Vec<Problem>, what: &str) -> Error {
    let count = problems.len();
    let errors = problems
        .into_iter()
        .map(|p| {
            let mut best: Option<(usize, Span)> = None;
            for (i, layer) in layers.iter().enumerate() {
                if let Some((span, full)) = layer.locate(&p.path, p.at_key)
                    && (full || best.is_none())
                {
                    best = Some((i, span));
                }
            }
            let (i, span) = best.unwrap_or((0, Span::default()));
            let layer = &layers[i];
            Error::located(
                format!("{}: {}", p.path, p.message),
                &layer.name,
                layer.text.clone(),
                span,
                p.label,
                p.help,
            )
        })
        .collect();
    Error::many(format!("{count} errors in {what}"), errors)
}

/// Build a profile from its layers.
pub fn load(mut layers: Vec<Layer>, base_dir: Option<std::path::PathBuf>) -> Result<Loaded> {
    let Some(LayerKind::Yaml(base)) = layers.first().map(|l| &l.kind) else {
        return Err(Error::msg("no profile given", None));
    };
    let mut merged = base.to_json();
    let schema = schema::profile_schema();
    let mut problems = Vec::new();
    for layer in &mut layers[1..] {
        if let LayerKind::Set(path, _) = &mut layer.kind {
            *path = shorthand(&merged, path);
        }
        match &layer.kind {
            LayerKind::Yaml(node) => {
                let overlay = node.to_json();
                if !overlay.is_object() && !overlay.is_null() {
                    problems.push(Problem::new(
                        Path::root(),
                        "a values file must be a mapping",
                        Some(
                            "write the keys of the profile to change, e.g. `knobs: {replicas: 3}`"
                                .to_string(),
                        ),
                    ));
                    continue;
                }
                merge(&mut merged, overlay, &Path::root());
            }
            LayerKind::Set(path, span) => {
                let raw = &layer.text[span.start..span.end];
                let path = path.clone();
                match typed_set(&schema, &merged, &path, raw) {
                    Ok(value) => {
                        if let Err(msg) = set_path(&mut merged, &path, value) {
                            problems.push(Problem::new(path.clone(), msg, None));
                        }
                    }
                    Err(msg) => problems.push(Problem::new(
                        path.clone(),
                        msg,
                        schema::help_at(&schema, &path),
                    )),
                }
            }
        }
    }
    if problems.is_empty() {
        problems = schema::validate(&schema, &merged);
    }
    if !problems.is_empty() {
        return Err(locate(&layers, problems, "profile"));
    }
    let profile: Profile = match serde_path_to_error::deserialize(&merged) {
        Ok(p) => p,
        Err(e) => {
            let path = Path::parse_dotted(&e.path().to_string());
            let problem = Problem::new(path, e.inner().to_string(), None);
            return Err(locate(&layers, vec![problem], "profile"));
        }
    };
    let problems = semantics::check(&profile);
    if !problems.is_empty() {
        return Err(locate(&layers, problems, "profile"));
    }
    Ok(Loaded {
        profile,
        merged,
        base_dir,
        layers,
    })
}

/// Type a `--set` value: a knob's value by the knob's declared type, anything else by the schema.
fn typed_set(
    schema: &Value,
    merged: &Value,
    path: &Path,
    raw: &str,
) -> std::result::Result<Value, String> {
    if let [Seg::Key(k), Seg::Key(name), Seg::Key(v)] = path.0.as_slice()
        && k == "knobs"
        && v == "value"
        && let Some(kind) = merged
            .pointer(&format!("/knobs/{name}/type"))
            .and_then(Value::as_str)
    {
        return match kind {
            "integer" => raw
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("knob `{name}` takes an integer, got {raw:?}")),
            "boolean" => match raw {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("knob `{name}` takes true or false, got {raw:?}")),
            },
            _ => Ok(Value::String(raw.to_string())),
        };
    }
    schema::typed_value(schema, path, raw)
}

/// `--set replicas=3` means `knobs.replicas.value=3` when `replicas` is a knob.
fn shorthand(merged: &Value, path: &Path) -> Path {
    if let [Seg::Key(k)] = path.0.as_slice()
        && merged.get("knobs").and_then(|kn| kn.get(k)).is_some()
    {
        return Path::root().key("knobs").key(k).key("value");
    }
    path.clone()
}

/// Deep merge: mappings merge key by key, everything else is replaced. A scalar written over a
/// knob declaration sets the knob's value (`knobs: {replicas: 3}` in a values file).
pub fn merge(base: &mut Value, overlay: Value, at: &Path) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                let here = at.key(&k);
                let is_knob = at.0 == [Seg::Key("knobs".into())];
                match b.get_mut(&k) {
                    Some(existing) if is_knob && existing.is_object() && !v.is_object() => {
                        if let Some(obj) = existing.as_object_mut() {
                            obj.insert("value".into(), v);
                        }
                    }
                    Some(existing) => merge(existing, v, &here),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, Value::Null) if b.is_object() => {}
        (b, o) => *b = o,
    }
}

/// Set a value at a path, creating mappings on the way.
fn set_path(root: &mut Value, path: &Path, value: Value) -> std::result::Result<(), String> {
    let mut node = root;
    for (i, seg) in path.0.iter().enumerate() {
        let last = i + 1 == path.0.len();
        match seg {
            Seg::Key(k) => {
                if node.is_null() {
                    *node = Value::Object(Map::new());
                }
                let Some(obj) = node.as_object_mut() else {
                    return Err(format!(
                        "cannot set key `{k}`: the value here is not a mapping"
                    ));
                };
                if last {
                    obj.insert(k.clone(), value);
                    return Ok(());
                }
                node = obj.entry(k.clone()).or_insert(Value::Null);
            }
            Seg::Index(n) => {
                let Some(arr) = node.as_array_mut() else {
                    return Err(format!(
                        "cannot set index [{n}]: the value here is not a list"
                    ));
                };
                let len = arr.len();
                let Some(slot) = arr.get_mut(*n) else {
                    return Err(format!(
                        "index [{n}] is out of range (the list has {len} items)"
                    ));
                };
                if last {
                    *slot = value;
                    return Ok(());
                }
                node = slot;
            }
        }
    }
    *node = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_is_deep_and_later_wins() {
        let mut base = json!({"a": {"b": 1, "c": [1, 2]}, "knobs": {"n": {"default": 1}}});
        merge(
            &mut base,
            json!({"a": {"c": [3], "d": true}, "knobs": {"n": 5}}),
            &Path::root(),
        );
        assert_eq!(
            base,
            json!({"a": {"b": 1, "c": [3], "d": true}, "knobs": {"n": {"default": 1, "value": 5}}})
        );
    }

    #[test]
    fn set_creates_mappings_and_indexes_lists() {
        let mut v = json!({"s": {"p": [{"h": 1}]}});
        set_path(&mut v, &Path::parse_dotted("s.p[0].h"), json!(2)).unwrap();
        set_path(&mut v, &Path::parse_dotted("s.q.r"), json!("x")).unwrap();
        assert_eq!(v, json!({"s": {"p": [{"h": 2}], "q": {"r": "x"}}}));
        assert!(set_path(&mut v, &Path::parse_dotted("s.p[3]"), json!(1)).is_err());
    }
}
