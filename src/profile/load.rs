//! Loading a profile: the profile file, values files (`-f`, deep-merged in order) and `--set`
//! overrides (typed through the schema), validated against the JSON schema generated from the
//! Rust types, then deserialized. Every error points at the layer and line that caused it.

use serde_json::{Map, Value};

use super::model::Profile;
use super::semantics;
use crate::error::{Error, Result};
use crate::schema::{self, Document, Problem};
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
    /// For `--set-string` and `--set-file`: the value, a string taken as is (not typed).
    pub literal: Option<String>,
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
    /// Directory of the profile file (for user templates); None for built-ins.
    pub base_dir: Option<std::path::PathBuf>,
    /// The layers, base profile first (shared: a render keeps them to locate findings, and a
    /// values file may be megabytes).
    pub layers: std::rc::Rc<Vec<Layer>>,
}

impl Layer {
    /// Parse a YAML layer.
    pub fn yaml(name: impl Into<String>, text: String) -> Result<Layer> {
        let doc = Document::parse(name, text)?;
        Ok(Layer {
            name: doc.name,
            text: doc.text,
            kind: LayerKind::Yaml(doc.node),
            literal: None,
        })
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
            literal: None,
        })
    }

    /// Parse a `--set-string PATH=VALUE` argument: VALUE is a string, whatever it looks like.
    pub fn set_string(arg: &str) -> Result<Layer> {
        let mut layer = Layer::set(arg)?;
        layer.name = "--set-string".into();
        if let LayerKind::Set(_, span) = &layer.kind {
            layer.literal = Some(arg[span.start..span.end].to_string());
        }
        Ok(layer)
    }

    /// Parse a `--set-file PATH=FILE` argument: the value is FILE's text, read by `read`.
    pub fn set_file(arg: &str, read: impl FnOnce(&str) -> Result<String>) -> Result<Layer> {
        let mut layer = Layer::set(arg)?;
        layer.name = "--set-file".into();
        if let LayerKind::Set(_, span) = &layer.kind {
            layer.literal = Some(read(&arg[span.start..span.end])?);
        }
        Ok(layer)
    }
}

/// Split a `--set` argument at its commas, like Helm: `a=1,b=2` is two settings, `\,` is a
/// comma inside a value.
pub fn split_set(arg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = arg.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                chars.next();
                cur.push(',');
            }
            ',' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The `--set`, `--set-string` and `--set-file` layers, in that order (each split at commas).
pub fn set_layers(
    set: &[String],
    set_string: &[String],
    set_file: &[String],
    read: &dyn Fn(&str) -> Result<String>,
) -> Result<Vec<Layer>> {
    let mut layers = Vec::new();
    for arg in set {
        for one in split_set(arg) {
            layers.push(Layer::set(&one)?);
        }
    }
    for arg in set_string {
        for one in split_set(arg) {
            layers.push(Layer::set_string(&one)?);
        }
    }
    for arg in set_file {
        for one in split_set(arg) {
            layers.push(Layer::set_file(&one, read)?);
        }
    }
    Ok(layers)
}

impl Layer {
    /// Where `path` was written in this layer: (span, whether the whole path is in this layer).
    fn locate(&self, path: &Path, want_key: bool) -> Option<(Span, bool)> {
        match &self.kind {
            LayerKind::Yaml(node) => Some(schema::span_in(node, path, want_key)),
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

/// Resolve problems to located errors: the last layer that wrote the path wins.
pub fn locate(layers: &[Layer], problems: Vec<Problem>, what: &str) -> Error {
    schema::located(problems, what, |p| {
        let mut best: Option<(usize, Span)> = None;
        for (i, layer) in layers.iter().enumerate() {
            if let Some((span, full)) = layer.locate(&p.path, p.at_key)
                && (full || best.is_none())
            {
                best = Some((i, span));
            }
        }
        let (i, span) = best.unwrap_or((0, Span::default()));
        (layers[i].name.clone(), layers[i].text.clone(), span)
    })
}

/// Build a profile from its layers.
pub fn load(mut layers: Vec<Layer>, base_dir: Option<std::path::PathBuf>) -> Result<Loaded> {
    let Some(LayerKind::Yaml(base)) = layers.first().map(|l| &l.kind) else {
        return Err(Error::msg("no profile given", None));
    };
    let mut merged = base.to_json();
    let base_json = merged.clone();
    let schema = super::schema::profile_schema();
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
                let overlay = knobs_at_top(&schema, &merged, overlay);
                merge(&mut merged, overlay, &Path::root());
            }
            LayerKind::Set(path, span) => {
                let raw = &layer.text[span.start..span.end];
                let path = path.clone();
                if let Some(problem) = unknown_top_key(&schema, &merged, &path) {
                    problems.push(problem);
                    continue;
                }
                let typed = match &layer.literal {
                    Some(text) => Ok(Value::String(text.clone())),
                    None => typed_set(&schema, &merged, &path, raw),
                };
                match typed {
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
        // The compiled validator is built only to describe errors (`schema_fast`).
        if crate::schema_fast::is_valid(&crate::schema_fast::PROFILE, &merged) != Some(true) {
            problems = schema::validate(&schema, &merged);
        }
        problems = unknown_services(&base_json, &merged, problems);
        // An unknown top-level key of a values file is most likely a misspelled knob.
        for p in &mut problems {
            if p.at_key
                && let Some(knob) = unknown_top_key(&schema, &merged, &p.path)
            {
                *p = knob;
            }
        }
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
    let mut problems = semantics::check(&profile);
    problems.extend(missing_templates(&profile, base_dir.as_deref()));
    if !problems.is_empty() {
        return Err(locate(&layers, problems, "profile"));
    }
    // The merged document is dropped here: a value may make it megabytes, and the typed
    // profile holds all a render needs.
    drop(merged);
    Ok(Loaded {
        profile,
        base_dir,
        layers: std::rc::Rc::new(layers),
    })
}

/// Problems inside a service the profile does not define, written by a values file or `--set`
/// (`--set services.kafak.resources.memory=2g`), become one "unknown service" problem at its name
/// with a did-you-mean, when the name is close to a service of the profile or the new service
/// has neither `image` nor `build` (so it is not meant as a new service).
fn unknown_services(base: &Value, merged: &Value, problems: Vec<Problem>) -> Vec<Problem> {
    let known: Vec<String> = base
        .get("services")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut reported: Vec<String> = Vec::new();
    for p in problems {
        let name = match p.path.0.as_slice() {
            [Seg::Key(s), Seg::Key(name), ..] if s == "services" && !known.contains(name) => {
                name.clone()
            }
            _ => {
                out.push(p);
                continue;
            }
        };
        let service = merged.pointer(&format!(
            "/services/{}",
            name.replace('~', "~0").replace('/', "~1")
        ));
        let close = schema::closest(&name, &known);
        let bare = service.is_none_or(|v| v.get("image").is_none() && v.get("build").is_none());
        if close.is_none() && !bare {
            out.push(p);
            continue;
        }
        if reported.contains(&name) {
            continue;
        }
        reported.push(name.clone());
        let mut help = match close {
            Some(c) => format!("did you mean `{c}`? "),
            None => String::new(),
        };
        help.push_str(&format!(
            "the profile's services: {}; a new service needs an `image` (or `build`) and `resources`",
            known.join(", ")
        ));
        out.push(Problem {
            path: Path::root().key("services").key(&name),
            at_key: true,
            message: format!("unknown service `{name}`"),
            label: "not a service of this profile".into(),
            help: Some(help),
        });
    }
    out
}

/// `files.*.template` entries that name no template: neither a file next to the profile nor a
/// built-in template (the lookup order of `render::templates::environment`).
fn missing_templates(profile: &Profile, base_dir: Option<&std::path::Path>) -> Vec<Problem> {
    let mut out = Vec::new();
    for (key, file) in &profile.files {
        let name = &file.template;
        let escapes = name.split('/').any(|c| c == "..");
        let found = !escapes
            && (base_dir.is_some_and(|d| d.join(name).is_file())
                || crate::assets::template(name).is_some());
        if !found {
            let place = match base_dir {
                Some(d) if !escapes => format!(
                    "no file {} next to the profile and no built-in template of that name",
                    d.join(name).display()
                ),
                _ if escapes => "template names cannot contain `..`".to_string(),
                _ => "no built-in template of that name".to_string(),
            };
            out.push(Problem {
                path: Path::root().key("files").key(key).key("template"),
                at_key: false,
                message: format!("template `{name}` not found"),
                label: "no such template".into(),
                help: Some(format!(
                    "{place}; templates are looked up next to the profile file first, then among \
                     the built-in ones (e.g. configs/locust/prometheus.yml.j2)"
                )),
            });
        }
    }
    out
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

/// `--set replicas=3` and `--set knobs.replicas=3` (the spelling of a values file) mean
/// `knobs.replicas.value=3` when `replicas` is a knob.
fn shorthand(merged: &Value, path: &Path) -> Path {
    let is_knob = |k: &str| merged.get("knobs").and_then(|kn| kn.get(k)).is_some();
    match path.0.as_slice() {
        [Seg::Key(k)] if is_knob(k) => Path::root().key("knobs").key(k).key("value"),
        [Seg::Key(kn), Seg::Key(k)] if kn == "knobs" && is_knob(k) => {
            Path::root().key("knobs").key(k).key("value")
        }
        _ => path.clone(),
    }
}

/// A values file may set a knob at the top level, as `--set` does (`replicas: 4` for
/// `knobs: {replicas: 4}`), when the name is a knob and not a profile key.
fn knobs_at_top(schema: &Value, merged: &Value, overlay: Value) -> Value {
    let Value::Object(mut top) = overlay else {
        return overlay;
    };
    let keys = schema::property_names(schema, &Path::root());
    let knob_names: Vec<String> = top
        .keys()
        .filter(|k| !keys.contains(k))
        .filter(|k| {
            merged
                .get("knobs")
                .and_then(|kn| kn.get(k.as_str()))
                .is_some()
        })
        .cloned()
        .collect();
    for name in knob_names {
        if let Some(v) = top.remove(&name) {
            let knobs = top
                .entry("knobs")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(knobs) = knobs.as_object_mut() {
                knobs.insert(name, v);
            }
        }
    }
    Value::Object(top)
}

/// `--set NAME=…` where NAME is neither a knob nor a profile key: list the profile's knobs.
fn unknown_top_key(schema: &Value, merged: &Value, path: &Path) -> Option<Problem> {
    let [Seg::Key(name)] = path.0.as_slice() else {
        return None;
    };
    let keys = schema::property_names(schema, &Path::root());
    if keys.contains(name) {
        return None;
    }
    let knobs: Vec<String> = merged
        .get("knobs")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut help = match schema::closest(name, &knobs).or_else(|| schema::closest(name, &keys)) {
        Some(k) => format!("did you mean `{k}`? "),
        None => String::new(),
    };
    if knobs.is_empty() {
        help.push_str("this profile has no knobs");
    } else {
        let described: Vec<String> = knobs
            .iter()
            .map(|k| {
                let d = merged
                    .pointer(&format!("/knobs/{k}/description"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                format!("  {k}: {d}")
            })
            .collect();
        help.push_str(&format!("the profile's knobs:\n{}", described.join("\n")));
    }
    help.push_str(&format!(
        "\nprofile keys: {}; a path sets any value (services.NAME.resources.memory=2g)",
        keys.join(", ")
    ));
    Some(Problem {
        path: path.clone(),
        at_key: true,
        message: format!("`{name}` is not a knob of this profile (nor a profile key)"),
        label: "unknown knob".into(),
        help: Some(help),
    })
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
