//! JSON schemas generated from Rust types, and what is done with them: validation with located,
//! readable problems, suggestions for unknown keys, and typing of `--set` values. Shared by the
//! profile schema (`crate::profile::schema`), the compose schema (`crate::compose::validate`) and
//! the lint configuration (`crate::lint::config`).

use serde_json::Value;

use crate::error::{Error, Result};
use crate::yaml::{Node, Path, Seg, Span};

/// A problem at a path of a document, before it is located.
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

/// One error for `problems` (`N errors in WHAT`), each shown problem placed by `place`: the name
/// and text of the file it is in, and its span there.
pub fn located(
    problems: Vec<Problem>,
    what: &str,
    place: impl Fn(&Problem) -> (String, String, Span),
) -> Error {
    let count = problems.len();
    // Only the errors that are shown are located (each costs a walk of a document).
    let shown = Error::MAX_SHOWN.min(count);
    let mut errors: Vec<Error> = problems
        .into_iter()
        .take(shown)
        .map(|p| {
            let (name, text, span) = place(&p);
            Error::located(
                format!("{}: {}", p.path, p.message),
                name,
                text,
                span,
                p.label,
                p.help,
            )
        })
        .collect();
    // Stand-ins for the rest, so that `many` says how many more there are.
    errors.extend((shown..count).map(|_| Error::msg(String::new(), None)));
    Error::many(format!("{count} errors in {what}"), errors)
}

/// Where `path` is written in `node`: (span, whether the whole path is there). With `at_key`, the
/// key of the last segment when it is there.
pub fn span_in(node: &Node, path: &Path, at_key: bool) -> (Span, bool) {
    if at_key && let Some(span) = node.locate_key(path) {
        return (span, true);
    }
    node.locate(path)
}

/// A YAML document read from a file, to validate against a schema.
#[derive(Debug, Clone)]
pub struct Document {
    /// Shown in diagnostics.
    pub name: String,
    /// The text.
    pub text: String,
    /// The parsed document.
    pub node: Node,
}

impl Document {
    /// Parse `text`; a syntax error is located in it.
    pub fn parse(name: impl Into<String>, text: String) -> Result<Document> {
        let name = name.into();
        match Node::parse(&text) {
            Ok(node) => Ok(Document { name, text, node }),
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

    /// [`located`] problems of this document.
    pub fn locate(&self, problems: Vec<Problem>, what: &str) -> Error {
        located(problems, what, |p| {
            let (span, _) = span_in(&self.node, &p.path, p.at_key);
            (self.name.clone(), self.text.clone(), span)
        })
    }
}

/// Marks a schema where Compose accepts an empty value (`environment: {A: }`, `volumes: {data: }`):
/// [`strip_null`] keeps its `null` alternative and removes the marker.
pub const NULLABLE: &str = "x-composegen-nullable";

/// Optional fields are optional by omission: the `null` alternatives that schemars adds for
/// `Option<T>` are removed, except on the schemas marked nullable in the model (where Compose
/// accepts an empty value, e.g. `environment: {A: }` or `volumes: {data: }`). The markers are
/// removed too.
pub fn strip_null(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            let keep = obj.remove(NULLABLE).is_some_and(|m| m == Value::Bool(true));
            if !keep {
                if let Some(Value::Array(types)) = obj.get_mut("type") {
                    types.retain(|t| t != "null");
                    if types.len() == 1 {
                        let only = types.remove(0);
                        obj.insert("type".into(), only);
                    }
                }
                if let Some(Value::Array(options)) = obj.get_mut("enum") {
                    options.retain(|o| !o.is_null());
                }
                for key in ["anyOf", "oneOf"] {
                    let Some(Value::Array(branches)) = obj.get_mut(key) else {
                        continue;
                    };
                    branches.retain(|b| b.get("type").and_then(Value::as_str) != Some("null"));
                    if branches.len() == 1 {
                        let only = branches.remove(0);
                        obj.remove(key);
                        if let Value::Object(inner) = only {
                            for (k, val) in inner {
                                obj.entry(k).or_insert(val);
                            }
                        }
                    }
                }
                // A marker merged up from a single remaining branch no longer means anything here.
                obj.remove(NULLABLE);
            }
            for val in obj.values_mut() {
                strip_null(val);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

/// Pretty JSON text of a schema, with a trailing newline.
pub fn to_pretty(schema: &Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}

/// Validate a document (a merged profile, a lint configuration); problems are sorted by path for a stable order.
pub fn validate(schema: &Value, doc: &Value) -> Vec<Problem> {
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(e) => {
            return vec![Problem::new(
                Path::root(),
                format!("internal error: the schema does not compile: {e}"),
                None,
            )];
        }
    };
    let mut problems: Vec<Problem> = validator
        .iter_errors(doc)
        .map(|e| describe_error(schema, &e))
        .collect();
    problems.sort_by(|a, b| a.path.cmp(&b.path).then(a.message.cmp(&b.message)));
    problems.dedup_by(|a, b| a.path == b.path && a.message == b.message);
    problems
}

/// A readable problem for one validation error: its path, a message that says what is expected,
/// and the schema's description at the path as help. Shared by the profile and compose schemas.
pub fn describe_error(schema: &Value, e: &jsonschema::ValidationError<'_>) -> Problem {
    use jsonschema::error::ValidationErrorKind as K;
    let path = Path::from_json_pointer(e.instance_path().as_str());
    // For "none of the alternatives matched", explain the alternative that came closest (the
    // fewest errors), unless every alternative failed on the type of the value itself.
    if let K::AnyOf { context } | K::OneOfNotValid { context } = e.kind()
        && let Some(best) = context
            .iter()
            .filter(|b| !b.is_empty())
            .min_by_key(|b| b.len())
        && let Some(first) = best.first()
        && !(matches!(
            first.kind(),
            K::Type { .. } | K::Constant { .. } | K::Enum { .. }
        ) && first.instance_path().as_str() == e.instance_path().as_str())
    {
        return describe_error(schema, first);
    }
    describe(schema, &path, e.kind(), e.instance(), &e.to_string())
}

fn describe(
    schema: &Value,
    path: &Path,
    kind: &jsonschema::error::ValidationErrorKind,
    instance: &Value,
    fallback: &str,
) -> Problem {
    use jsonschema::error::ValidationErrorKind as K;
    let help = help_at(schema, path);
    match kind {
        K::AdditionalProperties { unexpected } => {
            let key = unexpected.first().cloned().unwrap_or_default();
            let known = property_names(schema, path);
            let help = if known.is_empty() {
                None
            } else {
                let suggestion = closest(&key, &known)
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                Some(format!("{suggestion}known keys: {}", known.join(", ")))
            };
            Problem {
                path: path.key(&key),
                at_key: true,
                message: format!("unknown key `{key}`"),
                label: "not a known key".into(),
                help,
            }
        }
        K::Required { property } => Problem {
            path: path.clone(),
            at_key: false,
            message: format!(
                "missing required key `{}`",
                property.as_str().unwrap_or_default()
            ),
            label: "in this mapping".into(),
            help,
        },
        K::Type { .. } => Problem {
            path: path.clone(),
            at_key: false,
            message: format!(
                "expected {}, found {}",
                expected_types(schema, path),
                json_type(instance)
            ),
            label: "wrong type".into(),
            help,
        },
        K::Pattern { .. } => Problem {
            path: path.clone(),
            at_key: false,
            message: format!("invalid value {}", short(instance)),
            label: "does not match the expected format".into(),
            help,
        },
        K::Enum { options } => Problem {
            path: path.clone(),
            at_key: false,
            message: format!("invalid value {}", short(instance)),
            label: "not one of the allowed values".into(),
            help: Some(format!(
                "expected one of: {}",
                options
                    .as_array()
                    .map(|a| a.iter().map(short).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default()
            )),
        },
        K::AnyOf { .. } | K::OneOfNotValid { .. } => {
            let consts = alternatives(schema, path);
            Problem {
                path: path.clone(),
                at_key: false,
                message: format!("invalid value {}", short(instance)),
                label: if consts.is_empty() {
                    "matches none of the accepted forms"
                } else {
                    "not one of the allowed values"
                }
                .into(),
                help: if consts.is_empty() {
                    help
                } else {
                    Some(format!("expected one of: {}", consts.join(", ")))
                },
            }
        }
        _ => Problem {
            path: path.clone(),
            at_key: false,
            message: fallback.to_string(),
            label: "here".into(),
            help,
        },
    }
}

/// A value as compact JSON, cut at 60 characters.
pub fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!("{}…", &s[..s.floor_char_boundary(57)])
    } else {
        s
    }
}

/// What kind of value this is, in words ("a string", "a mapping", ...).
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Edit distance suggestion.
pub fn closest<'a>(key: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim(key, k), k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Resolve `$ref` against the root schema.
fn deref<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
    let mut s = s;
    for _ in 0..16 {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(t) => s = t,
                None => return s,
            },
            None => return s,
        }
    }
    s
}

/// Every sub-schema that can apply at `path` (following anyOf/oneOf branches).
pub fn schemas_at<'a>(root: &'a Value, path: &Path) -> Vec<&'a Value> {
    let mut current = expand(root, root);
    for seg in &path.0 {
        let mut next = Vec::new();
        for s in current {
            let child = match seg {
                Seg::Key(k) => s
                    .get("properties")
                    .and_then(|p| p.get(k))
                    .or_else(|| pattern_property(s, k))
                    .or_else(|| s.get("additionalProperties").filter(|a| a.is_object())),
                Seg::Index(_) => s.get("items"),
            };
            if let Some(c) = child {
                next.extend(expand(root, c));
            }
        }
        current = next;
    }
    current
}

/// The `patternProperties` sub-schema whose pattern matches `key` (profiles have none; compose
/// schemas key services, volumes, ... by name patterns).
fn pattern_property<'a>(s: &'a Value, key: &str) -> Option<&'a Value> {
    s.get("patternProperties")?
        .as_object()?
        .iter()
        .find(|(pattern, _)| regex::Regex::new(pattern).is_ok_and(|re| re.is_match(key)))
        .map(|(_, schema)| schema)
}

fn expand<'a>(root: &'a Value, s: &'a Value) -> Vec<&'a Value> {
    let s = deref(root, s);
    let mut out = vec![s];
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = s.get(key).and_then(Value::as_array) {
            for b in branches {
                out.extend(expand(root, b));
            }
        }
    }
    out
}

/// The description of what is expected at `path`, as a help line.
pub fn help_at(root: &Value, path: &Path) -> Option<String> {
    let schemas = schemas_at(root, path);
    schemas
        .iter()
        .find_map(|s| s.get("description").and_then(Value::as_str))
        .map(|d| d.split("\n\n").next().unwrap_or(d).replace('\n', " "))
}

/// The allowed constant values at `path` (enums written as `oneOf` of `const`s).
fn alternatives(root: &Value, path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for s in schemas_at(root, path) {
        if let Some(c) = s.get("const").and_then(Value::as_str) {
            out.push(c.to_string());
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            out.extend(e.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    out.dedup();
    out
}

/// The known keys of the mapping at `path`, sorted.
pub fn property_names(root: &Value, path: &Path) -> Vec<String> {
    let mut names: Vec<String> = schemas_at(root, path)
        .iter()
        .filter_map(|s| s.get("properties").and_then(Value::as_object))
        .flat_map(|p| p.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn types_at(root: &Value, path: &Path) -> Vec<String> {
    let mut types: Vec<String> = Vec::new();
    for s in schemas_at(root, path) {
        match s.get("type") {
            Some(Value::String(t)) => types.push(t.clone()),
            Some(Value::Array(ts)) => {
                types.extend(ts.iter().filter_map(Value::as_str).map(str::to_string))
            }
            _ => {}
        }
        if s.get("enum").is_some() {
            types.push("string".into());
        }
    }
    types.sort();
    types.dedup();
    types
}

fn expected_types(root: &Value, path: &Path) -> String {
    let names: Vec<&str> = types_at(root, path)
        .iter()
        .map(|t| match t.as_str() {
            "integer" => "an integer",
            "number" => "a number",
            "string" => "a string",
            "boolean" => "a boolean",
            "array" => "a list",
            "object" => "a mapping",
            _ => "null",
        })
        .filter(|t| *t != "null")
        .collect();
    if names.is_empty() {
        "another type".into()
    } else {
        names.join(" or ")
    }
}

/// Type a `--set` value by what the schema expects at `path`: integers, numbers and booleans are
/// parsed as such, strings stay strings (so `--set tag=1.10` keeps its trailing zero).
pub fn typed_value(root: &Value, path: &Path, raw: &str) -> Result<Value, String> {
    let types = types_at(root, path);
    let has = |t: &str| types.iter().any(|x| x == t);
    if types.is_empty() {
        // Unknown path: keep the text; validation reports the unknown key with its location.
        return Ok(Value::String(raw.to_string()));
    }
    if has("integer")
        && let Ok(i) = raw.parse::<i64>()
    {
        return Ok(Value::from(i));
    }
    if has("number")
        && let Ok(f) = raw.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Ok(Value::Number(n));
    }
    if has("boolean") {
        match raw {
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            _ => {}
        }
    }
    if has("string") {
        return Ok(Value::String(raw.to_string()));
    }
    if has("array") || has("object") {
        return serde_yaml::from_str::<Value>(raw)
            .map_err(|e| format!("cannot read {raw:?} as YAML: {e}"));
    }
    Err(format!(
        "expected {}, found {raw:?}",
        expected_types(root, path)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let known = vec!["image".to_string(), "environment".to_string()];
        assert_eq!(closest("imgae", &known), Some("image"));
        assert_eq!(closest("zzzzzzzz", &known), None);
    }
}
