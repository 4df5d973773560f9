//! Validation of compose documents: the JSON schema generated from [`super::model`], and the
//! consistency checks Docker Compose performs beyond the schema.
//!
//! The pipeline for a compose file, as Docker Compose v2.40.3 runs it:
//!
//! 1. parse the YAML (`crate::yaml::Node::parse`); [`key_problems`]: mapping keys must be
//!    strings; then `Node::to_json`;
//! 2. YAML `<<` merge keys: `crate::yaml` applies them while parsing (only a plain `<<` key is a
//!    merge key, which the JSON value cannot tell; [`resolve_merge_keys`] is for JSON values that
//!    come from elsewhere);
//! 3. [`interpolate`]: substitute `${VARIABLES}` (unset variables are empty);
//! 4. [`validate`]: the schema (types, unknown keys, enums, required keys, ...);
//! 5. [`consistency`]: what Compose rejects beyond the schema: references to undefined services,
//!    networks, volumes, secrets, configs and models; dependency cycles; conflicting settings;
//!    unparsable ports, volumes, durations, sizes and numbers.
//!
//! [`check_node`] runs all of it on a parsed file, [`prepare_and_check`] steps 3 to 5 on a JSON
//! value, [`check`] steps 4 and 5. The lint, whose tree is already interpolated, runs
//! [`key_problems`], [`validate_tree`] and [`consistency_with_profiles`] on the tree itself, read
//! in place through [`crate::doc::Doc`] (converted to JSON only to describe schema errors).
//!
//! Every problem names a path of the document (`services.web.ports[0]`) that
//! `crate::schema::Document::locate` or `Node::locate` turns into a source span. Problems are
//! sorted by path, then message.
//!
//! The committed `schema/compose.schema.json` is [`compose_schema`] as pretty JSON; a unit test
//! fails when it is stale. Regenerate it with:
//!
//! ```text
//! COMPOSEGEN_BLESS=1 cargo test --lib compose::validate::tests::committed_schema_is_current
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use serde_json::Value;

use super::grammar::duration::parse_duration;
use super::grammar::number::{parse_float, parse_int};
use super::grammar::ports::{check_target, parse_port};
use super::grammar::size::ram_in_bytes;
use super::grammar::volumes::{VolumeType, parse_volume};
use super::interpolate::{Env, try_interpolate};
use super::model::{ComposeFile, NAME_PATTERN};
use crate::doc::{Doc, Shape};
use crate::schema::strip_null;
use crate::schema::{self as shared, Problem};
use crate::yaml::{Kind, Node, Path, Seg, Step, Trail};

/// `$id` of the generated schema.
pub const SCHEMA_ID: &str = "https://composegen.dev/schema/compose.schema.json";

/// Where the generated schema is committed, relative to the crate root.
pub const SCHEMA_FILE: &str = "schema/compose.schema.json";

// ---------------------------------------------------------------------------------------------
// The schema
// ---------------------------------------------------------------------------------------------

/// The JSON schema of a compose file, generated from [`ComposeFile`], as committed in
/// `schema/compose.schema.json`.
pub fn compose_schema() -> Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(ComposeFile)).unwrap_or(Value::Null);
    strip_null(&mut schema);
    unwrap_descriptions(&mut schema);
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("$id".into(), Value::String(SCHEMA_ID.into()));
        obj.insert("title".into(), Value::String("Compose file".into()));
    }
    schema
}

/// Doc comments are wrapped at 100 columns; descriptions read better unwrapped (paragraph
/// breaks stay).
fn unwrap_descriptions(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            if let Some(Value::String(d)) = obj.get_mut("description") {
                *d = d
                    .split("\n\n")
                    .map(|para| para.replace('\n', " "))
                    .collect::<Vec<_>>()
                    .join("\n\n");
            }
            obj.values_mut().for_each(unwrap_descriptions);
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// The committed schema, embedded at build time (`committed_schema_is_current` keeps it equal
/// to [`compose_schema`]): parsing it costs a fraction of generating it.
const COMMITTED: &str = include_str!("../../schema/compose.schema.json");

/// The schema, parsed once.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(COMMITTED).unwrap_or_else(|_| compose_schema()))
}

/// The compiled validator, built on first use (start-up does not pay for it).
fn validator() -> Result<&'static jsonschema::Validator, String> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| jsonschema::validator_for(schema()).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

// ---------------------------------------------------------------------------------------------
// Schema validation
// ---------------------------------------------------------------------------------------------

/// The verdict of the compiled `jsonschema` validator alone (no quick check): what
/// `tests/schema_fast.rs` holds the quick check against.
pub fn is_valid_compiled(doc: &Value) -> bool {
    validator().is_ok_and(|v| v.is_valid(doc))
}

/// Validate a compose document (merge keys applied, after [`interpolate`]) against the
/// schema. Problems are sorted by path, then message.
pub fn validate(doc: &Value) -> Vec<Problem> {
    quick_verdict(doc).unwrap_or_else(|| describe_errors(doc))
}

/// [`validate`] of a parsed (and interpolated) tree, read in place: the tree is converted to
/// JSON only when the quick check does not find it valid, to describe its errors. Mapping keys
/// are read as [`Node::to_json`] writes them; [`key_problems`] reports those that are not
/// strings.
///
/// Errors are described one service at a time: the schema checks each service on its own, so
/// the messages are the same as for the whole document, while only one service is held as JSON
/// at once (a 10 MB file whose every service is invalid is never copied whole).
pub fn validate_tree(node: &Node) -> Vec<Problem> {
    if let Some(problems) = quick_verdict(node) {
        return problems;
    }
    let services = node
        .entries()
        .and_then(|mut e| e.find(|(k, _)| k == "services"))
        .map(|(_, v)| v);
    let Some(per_service) = services.and_then(Doc::entries) else {
        return describe_errors(&node.to_json());
    };
    // The file without its services (`services: {}`), then each service alone.
    let mut rest = serde_json::Map::new();
    for (key, value) in node.entries().into_iter().flatten() {
        let value = if key == "services" {
            Value::Object(serde_json::Map::new())
        } else {
            value.to_json()
        };
        rest.insert(key.into_owned(), value);
    }
    let rest = Value::Object(rest);
    let mut problems = if quick_verdict(&rest).is_some() {
        Vec::new()
    } else {
        describe_errors(&rest)
    };
    for (name, service) in per_service {
        let alone = serde_json::json!({ "services": { name.as_ref(): service.to_json() } });
        if quick_verdict(&alone).is_none() {
            problems.extend(describe_errors(&alone));
        }
    }
    sort(&mut problems);
    problems
}

/// The problems of a document when they are known without the compiled validator: an empty
/// document, or a valid one (a valid document needs no messages: the quick check spares
/// compiling the validator and converting a tree to JSON).
fn quick_verdict<D: Doc>(doc: &D) -> Option<Vec<Problem>> {
    if doc.shape() == Shape::Null {
        return Some(vec![empty_file_problem()]);
    }
    (crate::schema_fast::is_valid(&crate::schema_fast::COMPOSE, doc) == Some(true)).then(Vec::new)
}

/// The schema errors of a document, described, sorted by path, then message.
fn describe_errors(doc: &Value) -> Vec<Problem> {
    let validator = match validator() {
        Ok(v) => v,
        Err(e) => {
            return vec![Problem::new(
                Path::root(),
                format!("internal error: the compose schema does not compile: {e}"),
                None,
            )];
        }
    };
    let root = schema();
    let mut problems: Vec<Problem> = validator
        .iter_errors(doc)
        .flat_map(|e| describe(root, &e))
        .collect();
    for p in &mut problems {
        if p.help.is_none() {
            p.help = Some(help_at(root, &p.path).unwrap_or_else(|| {
                "see the Compose specification (https://compose-spec.io) for what this key takes"
                    .into()
            }));
        }
    }
    sort(&mut problems);
    problems
}

fn empty_file_problem() -> Problem {
    problem(
        Path::root(),
        "empty compose file: it defines nothing",
        "empty",
        "a compose file needs at least `services:` (Docker Compose rejects an empty file)",
    )
}

fn problem(
    path: Path,
    message: impl Into<String>,
    label: &str,
    help: impl Into<String>,
) -> Problem {
    Problem {
        path,
        at_key: false,
        message: message.into(),
        label: label.into(),
        help: Some(help.into()),
    }
}

fn sort(problems: &mut Vec<Problem>) {
    problems.sort_by(|a, b| a.path.cmp(&b.path).then(a.message.cmp(&b.message)));
    problems.dedup_by(|a, b| a.path == b.path && a.message == b.message);
}

/// A readable problem for one schema error. Compose-specific cases are handled here; the rest
/// is shared with profile validation (`crate::schema::describe_error`).
fn describe(root: &Value, e: &jsonschema::ValidationError<'_>) -> Vec<Problem> {
    use jsonschema::error::ValidationErrorKind as K;
    let path = Path::from_json_pointer(e.instance_path().as_str());
    match e.kind() {
        K::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|key| unknown_key(root, &path, key))
            .collect(),
        K::Pattern { pattern } => vec![Problem {
            path: path.clone(),
            at_key: false,
            message: format!(
                "invalid value {}: expected a value matching `{pattern}`",
                shared::short(e.instance())
            ),
            label: "does not match the expected format".into(),
            help: shared::help_at(root, &path),
        }],
        K::UniqueItems => {
            let (first, second) = first_duplicate(e.instance()).unwrap_or((0, 0));
            vec![Problem {
                path: path.index(second),
                at_key: false,
                message: format!(
                    "repeated entry {} (already at [{first}])",
                    e.instance()
                        .get(second)
                        .map(shared::short)
                        .unwrap_or_default()
                ),
                label: "repeated".into(),
                help: Some("each entry may appear only once in this list".into()),
            }]
        }
        K::Minimum { limit } | K::Maximum { limit } => {
            let bound = if matches!(e.kind(), K::Minimum { .. }) {
                "at least"
            } else {
                "at most"
            };
            vec![Problem {
                path: path.clone(),
                at_key: false,
                message: format!(
                    "value {} is out of range: expected {bound} {limit}",
                    shared::short(e.instance())
                ),
                label: "out of range".into(),
                help: shared::help_at(root, &path),
            }]
        }
        K::Type { .. } => vec![Problem {
            path: path.clone(),
            at_key: false,
            message: format!(
                "expected {}, found {}",
                expected_types(root, &path),
                shared::json_type(e.instance())
            ),
            label: "wrong type".into(),
            help: help_at(root, &path),
        }],
        _ => vec![shared::describe_error(root, e)],
    }
}

/// The description of what is expected at `path`, or at its parent for list items and mapping
/// values that have none of their own.
fn help_at(root: &Value, path: &Path) -> Option<String> {
    shared::help_at(root, path).or_else(|| {
        let (_, parent) = path.0.split_last()?;
        shared::help_at(root, &Path(parent.to_vec()))
    })
}

/// The types accepted at `path`, in the order the schema lists them: "a number, a string or a
/// mapping".
fn expected_types(root: &Value, path: &Path) -> String {
    let mut types: Vec<&str> = Vec::new();
    for s in shared::schemas_at(root, path) {
        let listed: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ if s.get("const").is_some() || s.get("enum").is_some() => vec!["string"],
            _ => Vec::new(),
        };
        for t in listed {
            if !types.contains(&t) && t != "null" {
                types.push(t);
            }
        }
    }
    let words: Vec<&str> = types
        .iter()
        .map(|t| match *t {
            "integer" => "an integer",
            "number" => "a number",
            "string" => "a string",
            "boolean" => "a boolean",
            "array" => "a list",
            "object" => "a mapping",
            _ => "another type",
        })
        .collect();
    match words.as_slice() {
        [] => "another type".into(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// "unknown key", or "invalid name" for mappings keyed by name patterns.
fn unknown_key(root: &Value, path: &Path, key: &str) -> Problem {
    let schemas = shared::schemas_at(root, path);
    let named = schemas.iter().any(|s| {
        s.get("properties").is_none()
            && s.get("patternProperties")
                .and_then(Value::as_object)
                .is_some_and(|p| p.contains_key(NAME_PATTERN))
    });
    if named {
        return Problem {
            path: path.key(key),
            at_key: true,
            message: format!("invalid name `{key}`"),
            label: "not a valid name".into(),
            help: Some(
                "names may contain only letters, digits, `.`, `_` and `-` (`^[a-zA-Z0-9._-]+$`)"
                    .into(),
            ),
        };
    }
    let known = shared::property_names(root, path);
    let mut help = String::new();
    if key == "pre_start" {
        help.push_str(
            "Docker Compose 2.40.3 does not support `pre_start` hooks, only `post_start` and \
             `pre_stop`",
        );
    } else if let Some(s) = shared::closest(key, &known) {
        help.push_str(&format!("did you mean `{s}`?"));
    } else if known.is_empty() {
        help.push_str("no keys are allowed here");
    } else if known.len() <= 12 {
        help.push_str(&format!("known keys: {}", known.join(", ")));
    } else {
        help.push_str(&format!(
            "it is none of the {} keys the Compose specification defines here",
            known.len()
        ));
    }
    let extensible = shared::schemas_at(root, path).iter().any(|s| {
        s.get("patternProperties")
            .and_then(Value::as_object)
            .is_some_and(|p| p.contains_key("^x-"))
    });
    if extensible {
        help.push_str("; custom data goes under keys starting with `x-`");
    }
    Problem {
        path: path.key(key),
        at_key: true,
        message: format!("unknown key `{key}`"),
        label: "not a known key".into(),
        help: Some(help),
    }
}

fn first_duplicate(list: &Value) -> Option<(usize, usize)> {
    let items = list.as_array()?;
    for (j, b) in items.iter().enumerate() {
        if let Some(i) = items[..j].iter().position(|a| a == b) {
            return Some((i, j));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Preparation: merge keys and interpolation
// ---------------------------------------------------------------------------------------------

/// Apply YAML merge keys (`<<: *anchor` or `<<: [*a, *b]`) in place, in a JSON value parsed by
/// something other than `crate::yaml` (which applies them itself): the keys of the merged
/// mappings are added where the mapping does not set them itself (earlier sources win over later
/// ones), and the `<<` key is removed.
pub fn resolve_merge_keys(doc: &mut Value) {
    match doc {
        Value::Object(obj) => {
            for v in obj.values_mut() {
                resolve_merge_keys(v);
            }
            let Some(sources) = obj.shift_remove("<<") else {
                return;
            };
            let sources = match sources {
                Value::Array(items) => items,
                other => vec![other],
            };
            for source in sources {
                if let Value::Object(src) = source {
                    for (k, v) in src {
                        obj.entry(k).or_insert(v);
                    }
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(resolve_merge_keys),
        _ => {}
    }
}

/// Interpolation ([`super::interpolate`]) as if no variable were set: `${VAR:-default}` and
/// `${VAR-default}` become the default, `${VAR}`, `$VAR`, `${VAR:?error}` and
/// `${VAR:+alternative}` become empty, `$$` becomes `$`. Mapping keys are not interpolated
/// (Compose does not either). Returns the interpolated document and the problems for invalid
/// expressions (`${VAR` without `}`), whose strings are kept as written.
pub fn interpolate(doc: &Value) -> (Value, Vec<Problem>) {
    let mut problems = Vec::new();
    let out = interpolate_value(doc, &Path::root(), &Env::empty(), &mut problems);
    (out, problems)
}

fn interpolate_value(v: &Value, path: &Path, env: &Env, problems: &mut Vec<Problem>) -> Value {
    match v {
        Value::String(s) => match try_interpolate(s, env) {
            Ok(out) => Value::String(out.value),
            Err(msg) => {
                problems.push(problem(
                    path.clone(),
                    format!("invalid interpolation format: {msg}"),
                    "invalid `$` expression",
                    "write `${NAME}`, `${NAME:-default}` or `$NAME`; escape a literal `$` as `$$`",
                ));
                v.clone()
            }
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| interpolate_value(item, &path.index(i), env, problems))
                .collect(),
        ),
        Value::Object(obj) => Value::Object(
            obj.iter()
                .map(|(k, item)| {
                    (
                        k.clone(),
                        interpolate_value(item, &path.key(k), env, problems),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Everything composegen checks in a parsed compose file: [`key_problems`], then
/// [`prepare_and_check`] of its JSON value.
pub fn check_node(node: &Node) -> Vec<Problem> {
    let mut problems = key_problems(node);
    problems.extend(prepare_and_check(&node.to_json()));
    sort(&mut problems);
    problems
}

/// The interpolation of the scalar `problem` is about, when interpolation left a variable of it
/// unset (Compose substitutes an empty string): the value is unknown where the linter runs, so the
/// problem is the variable's (CG006, CG011), not the file's.
pub fn unset_cause<'a>(root: &'a Node, problem: &Problem) -> Option<&'a crate::yaml::Interp> {
    if problem.at_key {
        return None;
    }
    root.at(&problem.path)?
        .interp
        .as_deref()
        .filter(|i| !i.unset.is_empty() || !i.required.is_empty())
}

/// Mapping keys that are not strings (`1:`, `true:`, `null:`, `1.5:`): Compose rejects them.
/// This needs the YAML tree, because the JSON value has string keys only.
pub fn key_problems(node: &Node) -> Vec<Problem> {
    fn walk<'a>(node: &'a Node, trail: &mut Trail<'a>, out: &mut Vec<Problem>) {
        match &node.kind {
            Kind::Map(entries) => {
                for (k, v) in entries {
                    trail.push(Step::NodeKey(k));
                    if !matches!(k.kind, Kind::Str(_)) {
                        let key = k.key_string();
                        let mut p = problem(
                            trail.path(),
                            format!("non-string key `{key}`"),
                            "not a string",
                            format!("Compose needs string keys: quote it (\"{key}\":)"),
                        );
                        p.at_key = true;
                        out.push(p);
                    }
                    walk(v, trail, out);
                    trail.pop();
                }
            }
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    trail.push(Step::Index(i));
                    walk(item, trail, out);
                    trail.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(node, &mut Trail::default(), &mut out);
    out
}

/// Interpolation, then [`check`]: what a compose document (with its merge keys applied) goes
/// through.
pub fn prepare_and_check(doc: &Value) -> Vec<Problem> {
    let (interpolated, mut problems) = interpolate(doc);
    problems.extend(check(&interpolated));
    sort(&mut problems);
    problems
}

/// The schema ([`validate`]) and the consistency checks ([`consistency`]), sorted.
pub fn check(doc: &Value) -> Vec<Problem> {
    let mut problems = validate(doc);
    problems.extend(consistency(doc));
    sort(&mut problems);
    problems
}

// ---------------------------------------------------------------------------------------------
// Consistency
// ---------------------------------------------------------------------------------------------

/// The errors Docker Compose raises beyond the schema, for `docker compose config` with no
/// profile enabled (services with `profiles:` are disabled; see
/// [`consistency_with_profiles`]). Works on any document without panicking; parts that do not
/// have the expected shape are skipped (the schema reports them). The document is a JSON value
/// or a parsed tree read in place ([`Doc`]).
pub fn consistency<D: Doc>(doc: &D) -> Vec<Problem> {
    consistency_with_profiles(doc, &[])
}

/// [`consistency`] with the given profiles enabled (`*` enables all).
pub fn consistency_with_profiles<D: Doc>(doc: &D, profiles: &[&str]) -> Vec<Problem> {
    if doc.shape() != Shape::Object {
        return Vec::new();
    }
    let mut c = Checker::new(doc, profiles);
    c.run();
    let mut problems = c.problems;
    sort(&mut problems);
    problems
}

/// The top-level sections whose names services refer to.
const REFERENCED_SECTIONS: [&str; 5] = ["networks", "volumes", "secrets", "configs", "models"];

struct Checker<'a, D: Doc> {
    root: &'a D,
    profiles: &'a [&'a str],
    /// The names each of [`REFERENCED_SECTIONS`] defines, hashed once: a tree's mapping is a
    /// list, and thousands of services may each refer to a few of thousands of volumes.
    defined: HashMap<&'static str, HashSet<Cow<'a, str>>>,
    problems: Vec<Problem>,
}

fn services_path(name: &str) -> Path {
    Path::root().key("services").key(name)
}

/// A path below `base` given as `a.b` keys.
fn sub(base: &Path, keys: &str) -> Path {
    keys.split('.').fold(base.clone(), |p, k| p.key(k))
}

fn get<'v, D: Doc>(v: &'v D, keys: &str) -> Option<&'v D> {
    keys.split('.').try_fold(v, |v, k| v.get(k))
}

fn str_at<'v, D: Doc>(v: &'v D, keys: &str) -> Option<&'v str> {
    get(v, keys).and_then(D::as_str)
}

/// Whether a value is a mapping.
fn is_object<D: Doc>(v: &D) -> bool {
    v.shape() == Shape::Object
}

/// What Compose converts a string to at a given path while interpolating.
#[derive(Clone, Copy)]
enum Cast {
    Int,
    Float,
    Bool,
    /// `all` or an integer (device counts).
    Count,
    /// No string at all, not even a quoted number (Compose decodes these as unsigned integers).
    NoString,
}

impl Cast {
    fn accepts(self, s: &str) -> bool {
        match self {
            Cast::Int => parse_int(s).is_some(),
            Cast::Float => parse_float(s).is_some(),
            Cast::Bool => parse_go_bool(s).is_some(),
            Cast::Count => s == "all" || parse_int(s).is_some(),
            Cast::NoString => false,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Cast::Int => "an integer",
            Cast::Float => "a number",
            Cast::Bool => "a boolean (true or false)",
            Cast::Count => "`all` or an integer",
            Cast::NoString => "a number, not a string",
        }
    }
}

fn parse_go_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "y" | "yes" | "on" => Some(true),
        "false" | "n" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Service paths whose string values Compose casts while interpolating (compose-go
/// `interpolateTypeCastMapping`). `[]` is any list item, `*` any mapping key.
const SERVICE_CASTS: &[(&str, Cast)] = &[
    ("configs.[].mode", Cast::Int),
    ("cpu_count", Cast::Int),
    ("cpu_percent", Cast::Float),
    ("cpu_period", Cast::Int),
    ("cpu_quota", Cast::Int),
    ("cpu_rt_period", Cast::Int),
    ("cpu_rt_runtime", Cast::Int),
    ("cpus", Cast::Float),
    ("cpu_shares", Cast::Int),
    ("init", Cast::Bool),
    ("deploy.replicas", Cast::Int),
    ("deploy.update_config.parallelism", Cast::Int),
    ("deploy.update_config.max_failure_ratio", Cast::Float),
    ("deploy.rollback_config.parallelism", Cast::Int),
    ("deploy.rollback_config.max_failure_ratio", Cast::Float),
    ("deploy.restart_policy.max_attempts", Cast::Int),
    ("deploy.placement.max_replicas_per_node", Cast::Int),
    ("healthcheck.retries", Cast::Int),
    ("healthcheck.disable", Cast::Bool),
    ("oom_kill_disable", Cast::Bool),
    ("oom_score_adj", Cast::Int),
    ("pids_limit", Cast::Int),
    ("ports.[].target", Cast::Int),
    ("privileged", Cast::Bool),
    ("read_only", Cast::Bool),
    ("scale", Cast::Int),
    ("secrets.[].mode", Cast::Int),
    ("stdin_open", Cast::Bool),
    ("tty", Cast::Bool),
    ("ulimits.*", Cast::Int),
    ("ulimits.*.hard", Cast::Int),
    ("ulimits.*.soft", Cast::Int),
    ("volumes.[].read_only", Cast::Bool),
    ("volumes.[].volume.nocopy", Cast::Bool),
    // Not cast while interpolating, but decoded (and rejected) the same way afterwards.
    ("attach", Cast::Bool),
    ("build.no_cache", Cast::Bool),
    ("build.pull", Cast::Bool),
    ("build.privileged", Cast::Bool),
    ("depends_on.*.restart", Cast::Bool),
    ("env_file.[].required", Cast::Bool),
    ("post_start.[].privileged", Cast::Bool),
    ("pre_stop.[].privileged", Cast::Bool),
    ("develop.watch.[].exec.privileged", Cast::Bool),
    ("volumes.[].bind.create_host_path", Cast::Bool),
    ("deploy.resources.limits.cpus", Cast::Float),
    ("deploy.resources.limits.pids", Cast::Int),
    ("deploy.resources.reservations.cpus", Cast::Float),
    (
        "deploy.resources.reservations.generic_resources.[].discrete_resource_spec.value",
        Cast::Int,
    ),
    (
        "deploy.resources.reservations.devices.[].count",
        Cast::Count,
    ),
    ("gpus.[].count", Cast::Count),
    ("blkio_config.weight", Cast::NoString),
    ("blkio_config.weight_device.[].weight", Cast::NoString),
    ("volumes.[].tmpfs.mode", Cast::NoString),
];

/// Service paths that Compose decodes as unsigned integers, with their maximum.
const SERVICE_UNSIGNED: &[(&str, i64)] = &[
    ("healthcheck.retries", i64::MAX),
    ("deploy.restart_policy.max_attempts", i64::MAX),
    ("deploy.update_config.parallelism", i64::MAX),
    ("deploy.rollback_config.parallelism", i64::MAX),
    ("deploy.placement.max_replicas_per_node", i64::MAX),
    ("volumes.[].tmpfs.mode", u32::MAX as i64),
    ("blkio_config.weight", 65535),
    ("blkio_config.weight_device.[].weight", 65535),
];

/// Top-level network settings that Compose casts to booleans.
const NETWORK_BOOLS: &[&str] = &[
    "external",
    "internal",
    "attachable",
    "enable_ipv4",
    "enable_ipv6",
];

/// Service paths holding durations (`1m30s`).
const SERVICE_DURATIONS: &[&str] = &[
    "healthcheck.interval",
    "healthcheck.timeout",
    "healthcheck.start_period",
    "healthcheck.start_interval",
    "stop_grace_period",
    "deploy.restart_policy.delay",
    "deploy.restart_policy.window",
    "deploy.update_config.delay",
    "deploy.update_config.monitor",
    "deploy.rollback_config.delay",
    "deploy.rollback_config.monitor",
];

/// Service paths holding byte sizes (`512m`, `2g`).
const SERVICE_SIZES: &[&str] = &[
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "shm_size",
    "build.shm_size",
    "deploy.resources.limits.memory",
    "deploy.resources.reservations.memory",
    "volumes.[].tmpfs.size",
    "mem_swappiness",
    "blkio_config.device_read_bps.[].rate",
    "blkio_config.device_write_bps.[].rate",
    "blkio_config.device_read_iops.[].rate",
    "blkio_config.device_write_iops.[].rate",
];

/// One step from a service to a value [`select`] found.
#[derive(Clone)]
enum Sel<'v> {
    /// A mapping key.
    Key(Cow<'v, str>),
    /// A sequence index.
    Index(usize),
}

/// `base` extended by the steps of a [`select`]ed value.
fn join(base: &Path, steps: &[Sel<'_>]) -> Path {
    let mut path = base.clone();
    path.0.extend(steps.iter().map(|s| match s {
        Sel::Key(k) => Seg::Key(k.to_string()),
        Sel::Index(i) => Seg::Index(*i),
    }));
    path
}

/// The values at `pattern` (dotted keys, `[]` for every item, `*` for every entry) below `v`,
/// each with the steps that lead to it (a path is built only for what is reported). Allocates
/// nothing when the pattern's first key is absent, the common case.
fn select<'v, D: Doc>(v: &'v D, pattern: &'v str) -> Vec<(Vec<Sel<'v>>, &'v D)> {
    fn walk<'v, D: Doc>(
        v: &'v D,
        mut segs: std::str::Split<'v, char>,
        steps: &mut Vec<Sel<'v>>,
        out: &mut Vec<(Vec<Sel<'v>>, &'v D)>,
    ) {
        let Some(seg) = segs.next() else {
            out.push((steps.clone(), v));
            return;
        };
        match (seg, v.shape()) {
            ("[]", Shape::Array) => {
                for (i, item) in v.items().unwrap_or_default().iter().enumerate() {
                    steps.push(Sel::Index(i));
                    walk(item, segs.clone(), steps, out);
                    steps.pop();
                }
            }
            ("*", Shape::Object) => {
                for (k, item) in v.entries().into_iter().flatten() {
                    steps.push(Sel::Key(k));
                    walk(item, segs.clone(), steps, out);
                    steps.pop();
                }
            }
            (k, Shape::Object) => {
                if let Some(item) = v.get(k) {
                    steps.push(Sel::Key(Cow::Borrowed(k)));
                    walk(item, segs, steps, out);
                    steps.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, pattern.split('.'), &mut Vec::new(), &mut out);
    out
}

impl<'a, D: Doc> Checker<'a, D> {
    fn new(root: &'a D, profiles: &'a [&'a str]) -> Self {
        let defined = REFERENCED_SECTIONS
            .iter()
            .filter_map(|&section| {
                let entries = root.get(section).filter(|s| is_object(*s))?.entries()?;
                Some((section, entries.map(|(name, _)| name).collect()))
            })
            .collect();
        Checker {
            root,
            profiles,
            defined,
            problems: Vec::new(),
        }
    }

    fn push(
        &mut self,
        path: Path,
        message: impl Into<String>,
        label: &str,
        help: impl Into<String>,
    ) {
        self.problems.push(problem(path, message, label, help));
    }

    fn push_key(
        &mut self,
        path: Path,
        message: impl Into<String>,
        label: &str,
        help: impl Into<String>,
    ) {
        let mut p = problem(path, message, label, help);
        p.at_key = true;
        self.problems.push(p);
    }

    fn services(&self) -> Vec<(Cow<'a, str>, &'a D)> {
        self.section("services")
            .and_then(D::entries)
            .map(Iterator::collect)
            .unwrap_or_default()
    }

    fn section(&self, name: &str) -> Option<&'a D> {
        self.root.get(name).filter(|s| is_object(*s))
    }

    fn defined(&self, section: &str, name: &str) -> bool {
        self.defined.get(section).is_some_and(|s| s.contains(name))
    }

    fn enabled(&self, service: &D) -> bool {
        match service.get("profiles").and_then(D::items) {
            None => true,
            Some([]) => true,
            // The empty profile name is always enabled.
            Some(list) => {
                self.profiles.contains(&"*")
                    || list
                        .iter()
                        .filter_map(D::as_str)
                        .any(|p| p.is_empty() || self.profiles.contains(&p))
            }
        }
    }

    fn run(&mut self) {
        self.file();
        self.top_level_resources();
        let services = self.services();
        for (name, svc) in &services {
            if is_object(*svc) {
                self.service_values(name, svc);
            }
        }
        let named: Vec<(&str, &'a D)> = services.iter().map(|(n, s)| (&**n, *s)).collect();
        let index: HashMap<&str, &D> = named.iter().copied().collect();
        self.extends(&named, &index);
        let active: Vec<(&str, &D)> = named
            .iter()
            .copied()
            .filter(|(_, s)| is_object(*s) && self.enabled(s))
            .collect();
        for &(name, svc) in &active {
            self.service_consistency(name, svc, &index);
        }
        self.container_names(&active);
        self.dependencies(&named, &active);
    }

    /// The file as a whole: not empty, a usable project name.
    fn file(&mut self) {
        if self
            .root
            .entries()
            .into_iter()
            .flatten()
            .all(|(k, _)| k == "version")
        {
            self.problems.push(empty_file_problem());
        }
        if let Some(name) = self.root.get("name").and_then(D::as_str) {
            let normalized = normalize_project_name(name);
            if normalized.is_empty() && !name.is_empty() {
                self.push(
                    Path::root().key("name"),
                    format!("project name {name:?} is empty once normalized"),
                    "no usable character",
                    "project names keep only lowercase letters, digits, `-` and `_`, and start \
                     with a letter or digit",
                );
            }
        }
    }

    /// Top-level volumes, networks, secrets and configs.
    fn top_level_resources(&mut self) {
        for section in ["networks", "volumes", "secrets", "configs"] {
            let Some(entries) = self.section(section) else {
                continue;
            };
            for (name, def) in entries.entries().into_iter().flatten() {
                let path = Path::root().key(section).key(&name);
                if let Some(s) = def.get("external").and_then(D::as_str)
                    && parse_go_bool(s).is_none()
                {
                    self.push(
                        path.key("external"),
                        format!("invalid boolean {s:?}"),
                        "not a boolean",
                        "`external` is true or false",
                    );
                }
                if let (Some(own), Some(legacy)) =
                    (str_at(def, "name"), str_at(def, "external.name"))
                    && own != legacy
                {
                    self.push(
                        path.key("external").key("name"),
                        format!("`name` ({own:?}) and `external.name` ({legacy:?}) conflict"),
                        "conflicts with `name`",
                        "`external.name` is deprecated: write `external: true` and `name:` only",
                    );
                }
                if section == "networks" {
                    for key in NETWORK_BOOLS.iter().skip(1) {
                        if let Some(s) = def.get(key).and_then(D::as_str)
                            && parse_go_bool(s).is_none()
                        {
                            self.push(
                                path.key(key),
                                format!("invalid boolean {s:?}"),
                                "not a boolean",
                                format!("`{key}` is true or false"),
                            );
                        }
                    }
                }
            }
        }
        if let Some(volumes) = self.section("volumes") {
            for (name, def) in volumes.entries().into_iter().flatten() {
                if !is_object(def) || !is_external(def.get("external")) {
                    continue;
                }
                for (key, _) in def.entries().into_iter().flatten() {
                    let key: &str = &key;
                    if !matches!(key, "name" | "external") && !key.starts_with("x-") {
                        self.push_key(
                            Path::root().key("volumes").key(&name).key(key),
                            format!("conflicting parameters \"external\" and {key:?}"),
                            "not allowed with `external: true`",
                            "an external volume exists already: only `name` may be set besides \
                             `external`",
                        );
                    }
                }
            }
        }
        for (section, keys) in [
            ("configs", &["file", "environment", "content"][..]),
            ("secrets", &["file", "environment"][..]),
        ] {
            let Some(entries) = self.section(section) else {
                continue;
            };
            for (name, def) in entries.entries().into_iter().flatten() {
                if !is_object(def) {
                    continue;
                }
                let path = Path::root().key(section).key(&name);
                let set: Vec<&str> = keys
                    .iter()
                    .copied()
                    .filter(|k| def.get(k).is_some())
                    .collect();
                let sources = keys
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let no_source = if section == "secrets" {
                    // A secret needs a file (even `""`: it resolves to the project directory)
                    // or a non-empty variable name, unless it is external.
                    def.get("file").is_none()
                        && str_at(def, "environment").unwrap_or("").is_empty()
                        && !is_external(def.get("external"))
                } else {
                    set.is_empty() && def.get("external").is_none() && def.get("driver").is_none()
                };
                if set.len() > 1 {
                    self.push_key(
                        path.key(set[1]),
                        format!("`{}` and `{}` are mutually exclusive", set[0], set[1]),
                        "conflicts",
                        format!("set exactly one of {sources}"),
                    );
                } else if no_source {
                    self.push(
                        path.clone(),
                        format!("{} `{name}` has no source", &section[..section.len() - 1]),
                        "no content",
                        format!("set one of {sources}, or `external: true`"),
                    );
                }
            }
        }
    }

    /// Values that must parse, in every service (enabled or not).
    fn service_values(&mut self, name: &str, svc: &D) {
        let base = services_path(name);
        for &(pattern, cast) in SERVICE_CASTS {
            for (steps, v) in select(svc, pattern) {
                if let Some(s) = v.as_str()
                    && !cast.accepts(s)
                {
                    let path = join(&base, &steps);
                    self.push(
                        path.clone(),
                        format!("invalid value {s:?}: expected {}", cast.describe()),
                        "cannot be converted",
                        with_description(
                            &path,
                            &match cast {
                                Cast::NoString => "Compose reads this value as an unsigned \
                                                   integer and rejects strings, even quoted \
                                                   numbers"
                                    .to_string(),
                                _ => format!("Compose converts this value to {}", cast.describe()),
                            },
                        ),
                    );
                }
            }
        }
        for key in ["scale", "deploy.replicas"] {
            if let Some(n) = get(svc, key).and_then(as_int)
                && n < 0
            {
                self.push(
                    sub(&base, key),
                    format!("`{key}` is negative ({n})"),
                    "negative",
                    "the number of containers is 0 or more",
                );
            }
        }
        for &(key, max) in SERVICE_UNSIGNED {
            for (steps, v) in select(svc, key) {
                let Some(n) = as_int(v) else { continue };
                if n < 0 || n > max {
                    self.push(
                        join(&base, &steps),
                        format!("value {n} is out of range: expected 0 to {max}"),
                        "out of range",
                        "Compose reads this value as an unsigned integer",
                    );
                }
            }
        }
        for (steps, target) in select(svc, "ports.[].target") {
            if let Some(t) = as_int(target)
                && t < 0
            {
                self.push(
                    join(&base, &steps),
                    format!("invalid port {t}"),
                    "negative",
                    "a port is an integer from 0 to 65535",
                );
            }
        }
        for pattern in SERVICE_DURATIONS {
            for (steps, v) in select(svc, pattern) {
                if let Some(s) = v.as_str()
                    && parse_duration(s).is_none()
                {
                    self.push(
                        join(&base, &steps),
                        format!("invalid duration {s:?}"),
                        "not a duration",
                        "a duration is a number with a unit (h, m, s, ms, us, ns), e.g. `30s`, \
                         `1m30s` or `1.5h`",
                    );
                }
            }
        }
        for pattern in SERVICE_SIZES {
            for (steps, v) in select(svc, pattern) {
                if let Some(s) = v.as_str()
                    && ram_in_bytes(s).is_none()
                {
                    self.push(
                        join(&base, &steps),
                        format!("invalid size {s:?}"),
                        "not a size",
                        "a size is a number of bytes with an optional unit (b, k, m, g, t, p), \
                         e.g. `512m` or `2g`",
                    );
                }
            }
        }
        if let Some(ports) = svc.get("ports").and_then(D::items) {
            for (i, port) in ports.iter().enumerate() {
                self.port(&base.key("ports").index(i), port);
            }
        }
        if let Some(volumes) = svc.get("volumes").and_then(D::items) {
            for (i, volume) in volumes.iter().enumerate() {
                let path = base.key("volumes").index(i);
                match volume.shape() {
                    Shape::String => {
                        let spec = volume.as_str().unwrap_or_default();
                        if let Err(e) = parse_volume(spec) {
                            self.push(
                                path,
                                format!("invalid volume {spec:?}: {e}"),
                                "invalid volume",
                                "write SOURCE:TARGET[:MODE] (a volume name or host path, then the \
                                 path in the container), or TARGET alone",
                            );
                        }
                    }
                    Shape::Object => {
                        if volume.get("target").and_then(D::as_str).is_none() {
                            self.push(
                                path.clone(),
                                "mount is missing `target`",
                                "no target",
                                "`target` is the path in the container",
                            );
                        }
                        // (`source: ""` is accepted: it resolves to the project directory.)
                        if volume.get("type").and_then(D::as_str) == Some("bind")
                            && volume.get("source").is_none()
                        {
                            self.push(
                                path,
                                "bind mount is missing `source`",
                                "no source",
                                "`source` is the path on the host to mount",
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(devices) = svc.get("devices").and_then(D::items) {
            for (i, device) in devices.iter().enumerate() {
                if let Some(s) = device.as_str()
                    && s.split(':').count() > 3
                {
                    self.push(
                        base.key("devices").index(i),
                        format!("confusing device mapping {s:?}"),
                        "too many `:`",
                        "write HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]], or use the long syntax \
                         (source, target, permissions)",
                    );
                }
            }
        }
        for key in ["expose", "group_add"] {
            for (steps, v) in select(svc, &format!("{key}.[]")) {
                if let Some(n) = v.number()
                    && !(n.is_i64() || n.is_u64())
                {
                    self.push(
                        join(&base, &steps),
                        format!("invalid value {n}: expected an integer"),
                        "not an integer",
                        format!("`{key}` takes integers or strings"),
                    );
                }
            }
        }
        if let Some(contexts) = get(svc, "build.additional_contexts").filter(|c| is_object(*c)) {
            for (name, context) in contexts.entries().into_iter().flatten() {
                if context.as_str().is_none() {
                    self.push(
                        base.key("build").key("additional_contexts").key(&name),
                        format!("additional context `{name}` is not a string"),
                        "expected a path or URL",
                        "each additional context is a path or URL, e.g. `base: ../base`",
                    );
                }
            }
        }
        if let Some(contexts) = get(svc, "build.additional_contexts").and_then(D::items) {
            for (i, context) in contexts.iter().enumerate() {
                if let Some(c) = context.as_str()
                    && !c.contains('=')
                {
                    self.push(
                        base.key("build").key("additional_contexts").index(i),
                        format!("invalid additional context {c:?}: expected NAME=PATH_OR_URL"),
                        "no `=`",
                        "each entry is NAME=PATH_OR_URL, e.g. `base=../base`",
                    );
                }
            }
        }
        if let Some(keys) = get(svc, "build.ssh").and_then(D::items) {
            for (i, key) in keys.iter().enumerate() {
                if let Some(k) = key.as_str()
                    && k != "default"
                    && !k.contains('=')
                {
                    self.push(
                        base.key("build").key("ssh").index(i),
                        format!("invalid ssh key {k:?}"),
                        "expected `default` or ID=PATH",
                        "each entry is `default` (the SSH agent) or ID=PATH (a socket or key file)",
                    );
                }
            }
        }
        if let Some(hosts) = svc.get("extra_hosts").and_then(D::items) {
            for (i, host) in hosts.iter().enumerate() {
                let Some(s) = host.as_str() else { continue };
                let name = s
                    .split_once('=')
                    .or_else(|| s.split_once(':'))
                    .map(|(h, _)| h);
                let problem = match name {
                    None => "missing IP address",
                    Some("") => "missing host name",
                    Some(_) => continue,
                };
                self.push(
                    base.key("extra_hosts").index(i),
                    format!("invalid extra host {s:?}: {problem}"),
                    problem,
                    "write HOST:IP or HOST=IP, e.g. `host.docker.internal:host-gateway`",
                );
            }
        }
        if let Some(rules) = get(svc, "develop.watch").and_then(D::items) {
            for (i, rule) in rules.iter().enumerate() {
                if rule.get("path").and_then(D::as_str) == Some("") {
                    self.push(
                        base.key("develop").key("watch").index(i).key("path"),
                        "watch path is empty",
                        "empty",
                        "`path` is the path to watch, relative to the compose file",
                    );
                }
            }
        }
    }

    fn port(&mut self, path: &Path, port: &D) {
        if let Some(n) = port.number() {
            if !n.as_u64().is_some_and(|p| (1..=65535).contains(&p)) {
                self.push(
                    path.clone(),
                    format!("invalid port {n}"),
                    "not a port",
                    "a container port is an integer from 1 to 65535",
                );
            }
        } else if let Some(spec) = port.as_str() {
            if let Err(e) = parse_port(spec).and_then(|p| check_target(p.target)) {
                self.push(
                    path.clone(),
                    format!("invalid port {spec:?}: {e}"),
                    "invalid port",
                    "write [[IP:]HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. `8080:80` or \
                     `127.0.0.1:53:53/udp` (ports may be ranges like `8000-8010`)",
                );
            }
        } else if is_object(port) && port.get("target").is_none() {
            self.push(
                path.clone(),
                "port is missing `target`",
                "no target",
                "`target` is the port in the container",
            );
        }
    }

    /// `extends` of services of this file: the target exists, no cycles.
    fn extends(&mut self, services: &[(&str, &D)], index: &HashMap<&str, &D>) {
        for &(name, svc) in services {
            let Some((target, path)) = local_extends(name, svc) else {
                continue;
            };
            if !index.contains_key(target) {
                self.push(
                    path,
                    format!("cannot extend service `{name}`: service `{target}` not found"),
                    "undefined service",
                    "`extends` names a service of this file (or set `file:` for another file)",
                );
                continue;
            }
            // Cycle: follow the chain from this service.
            let mut chain = vec![name];
            let mut seen: HashSet<&str> = HashSet::from([name]);
            let mut current = target;
            loop {
                if current == name {
                    self.push(
                        services_path(name).key("extends"),
                        format!("circular extends: {} -> {name}", chain.join(" -> ")),
                        "cycle",
                        "a service cannot extend itself, directly or through other services",
                    );
                    break;
                }
                if !seen.insert(current) {
                    break;
                }
                chain.push(current);
                let Some(next) = index.get(current).and_then(|s| local_extends(current, *s)) else {
                    break;
                };
                current = next.0;
            }
        }
    }

    /// checkConsistency of compose-go, for an enabled service.
    fn service_consistency(&mut self, name: &str, svc: &D, index: &HashMap<&str, &D>) {
        let base = services_path(name);
        if svc.get("provider").is_none() && image_or_build(name, index) == Some(false) {
            self.push(
                base.clone(),
                format!("service `{name}` has neither an image nor a build context"),
                "no image, no build",
                "set `image:` (an image to run) or `build:` (a directory with a Dockerfile)",
            );
        }
        if let Some(build) = svc.get("build").filter(|b| is_object(*b)) {
            if build.get("dockerfile").is_some() && build.get("dockerfile_inline").is_some() {
                self.push_key(
                    base.key("build").key("dockerfile_inline"),
                    "`dockerfile` and `dockerfile_inline` are mutually exclusive",
                    "conflicts with `dockerfile`",
                    "keep one of them",
                );
            }
            if let (Some(platforms), Some(platform)) = (
                build.get("platforms").and_then(D::items),
                str_at(svc, "platform"),
            ) && !platforms.is_empty()
                && !platform.is_empty()
                && !platforms.iter().any(|p| p.as_str() == Some(platform))
            {
                self.push(
                    base.key("build").key("platforms"),
                    format!("build.platforms does not include the service's platform {platform:?}"),
                    "missing the service platform",
                    format!("add {platform:?} to `build.platforms`, or change `platform`"),
                );
            }
        }
        let network_mode = str_at(svc, "network_mode").unwrap_or("");
        let networks = svc.get("networks");
        let has_networks = networks
            .is_some_and(|n| matches!(n.shape(), Shape::Array | Shape::Object) && !n.is_empty());
        if !network_mode.is_empty() && has_networks {
            self.push_key(
                base.key("networks"),
                "`network_mode` and `networks` are mutually exclusive",
                "conflicts with `network_mode`",
                "remove `networks`, or `network_mode`",
            );
        }
        for (path, net, at_key) in names_in(networks, &base.key("networks")) {
            if net != "default" && !self.defined("networks", &net) {
                let mut p = problem(
                    path,
                    format!("service `{name}` refers to undefined network `{net}`"),
                    "undefined network",
                    format!(
                        "define it under the top-level `networks:` (e.g. `networks: {{{net}: {{}}}}`)"
                    ),
                );
                p.at_key = at_key;
                self.problems.push(p);
            }
        }
        if let Some(test) = get(svc, "healthcheck.test").and_then(D::items)
            && let Some(first) = test.first().and_then(D::as_str)
            && !matches!(first, "CMD" | "CMD-SHELL" | "NONE")
        {
            self.push(
                base.key("healthcheck").key("test").index(0),
                format!("healthcheck test starts with {first:?}"),
                "expected CMD, CMD-SHELL or NONE",
                "a list test starts with \"CMD\" (exec form), \"CMD-SHELL\" (shell command) or \
                 \"NONE\"; or write the command as a string",
            );
        }
        self.references(name, svc, &base);
        self.limits(name, svc, &base);
        if let Some(rules) = get(svc, "develop.watch").and_then(D::items) {
            for (i, rule) in rules.iter().enumerate() {
                let action = rule.get("action").and_then(D::as_str).unwrap_or("rebuild");
                let target = rule.get("target").and_then(D::as_str).unwrap_or("");
                if action != "rebuild" && target.is_empty() && is_object(rule) {
                    self.push(
                        base.key("develop").key("watch").index(i),
                        format!("watch action `{action}` needs a `target`"),
                        "no target",
                        "`target` is the path in the container that changes are synced to",
                    );
                }
            }
        }
    }

    /// Volumes, secrets, configs and models a service uses are defined at the top level.
    fn references(&mut self, name: &str, svc: &D, base: &Path) {
        if let Some(volumes) = svc.get("volumes").and_then(D::items) {
            for (i, volume) in volumes.iter().enumerate() {
                let source = if let Some(spec) = volume.as_str() {
                    match parse_volume(spec) {
                        Ok(v) if v.kind == VolumeType::Volume => v.source,
                        _ => String::new(),
                    }
                } else if is_object(volume)
                    && volume.get("type").and_then(D::as_str) == Some("volume")
                {
                    volume
                        .get("source")
                        .and_then(D::as_str)
                        .unwrap_or("")
                        .to_string()
                } else {
                    String::new()
                };
                if !source.is_empty() && !self.defined("volumes", &source) {
                    self.push(
                        base.key("volumes").index(i),
                        format!("service `{name}` refers to undefined volume `{source}`"),
                        "undefined volume",
                        format!(
                            "define it under the top-level `volumes:` (e.g. `volumes: {{{source}: {{}}}}`), \
                             or write a host path (starting with `/`, `./` or `~`) for a bind mount"
                        ),
                    );
                }
            }
        }
        for (key, section, what) in [
            ("secrets", "secrets", "secret"),
            ("configs", "configs", "config"),
            ("build.secrets", "secrets", "build secret"),
        ] {
            let Some(items) = get(svc, key).and_then(D::items) else {
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                let source = match item.shape() {
                    Shape::String => item.as_str().unwrap_or_default(),
                    Shape::Object => item.get("source").and_then(D::as_str).unwrap_or(""),
                    _ => continue,
                };
                if !self.defined(section, source) {
                    self.push(
                        sub(base, key).index(i),
                        format!("service `{name}` refers to undefined {what} `{source}`"),
                        &format!("undefined {what}"),
                        format!("define it under the top-level `{section}:`"),
                    );
                }
            }
        }
        for (path, model, at_key) in names_in(svc.get("models"), &base.key("models")) {
            if !self.defined("models", &model) {
                let mut p = problem(
                    path,
                    format!("service `{name}` refers to undefined model `{model}`"),
                    "undefined model",
                    "define it under the top-level `models:`",
                );
                p.at_key = at_key;
                self.problems.push(p);
            }
        }
    }

    /// Settings given twice (service level and `deploy`) must agree.
    fn limits(&mut self, name: &str, svc: &D, base: &Path) {
        let deploy = svc.get("deploy").filter(|d| is_object(*d));
        let Some(deploy) = deploy else { return };
        let limits = get(deploy, "resources.limits").filter(|l| is_object(*l));
        let reservations = get(deploy, "resources.reservations").filter(|l| is_object(*l));
        let scale = svc.get("scale").and_then(as_int);
        let replicas = deploy.get("replicas").and_then(as_int);
        if let (Some(s), Some(r)) = (scale, replicas)
            && s != r
        {
            self.distinct(base, name, "scale", "deploy.replicas");
        }
        if let Some(limits) = limits {
            let cpus = svc.get("cpus").and_then(as_float).map(|f| f as f32);
            if let Some(c) = cpus.filter(|c| *c != 0.0) {
                let limit = limits.get("cpus").and_then(as_float).map(|f| f as f32);
                if limit.unwrap_or(0.0) != c {
                    self.distinct(base, name, "cpus", "deploy.resources.limits.cpus");
                }
            }
            if let Some(m) = svc.get("mem_limit").and_then(as_bytes).filter(|m| *m != 0) {
                let limit = limits.get("memory").and_then(as_bytes);
                if limit.unwrap_or(0) != m {
                    self.distinct(base, name, "mem_limit", "deploy.resources.limits.memory");
                }
            }
            if let Some(p) = svc.get("pids_limit").and_then(as_int).filter(|p| *p != 0) {
                let limit = limits.get("pids").and_then(as_int);
                if limit.unwrap_or(0) != p {
                    self.distinct(base, name, "pids_limit", "deploy.resources.limits.pids");
                }
            }
        }
        if let Some(reservations) = reservations
            && let Some(m) = svc
                .get("mem_reservation")
                .and_then(as_bytes)
                .filter(|m| *m != 0)
        {
            let reserved = reservations.get("memory").and_then(as_bytes);
            if reserved.unwrap_or(0) != m {
                self.distinct(
                    base,
                    name,
                    "mem_reservation",
                    "deploy.resources.reservations.memory",
                );
            }
        }
    }

    fn distinct(&mut self, base: &Path, name: &str, key: &str, deploy_key: &str) {
        self.push(
            base.key(key),
            format!("service `{name}` sets distinct values on `{key}` and `{deploy_key}`"),
            &format!("differs from `{deploy_key}`"),
            format!("set only one of them, or the same value in both (an unset `{deploy_key}` counts as 0)"),
        );
    }

    /// Container names are unique, and a named container cannot be scaled.
    fn container_names(&mut self, active: &[(&str, &D)]) {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for &(name, svc) in active {
            let Some(container) = str_at(svc, "container_name").filter(|c| !c.is_empty()) else {
                continue;
            };
            let path = services_path(name).key("container_name");
            let (scale, attr) = match svc.get("scale").and_then(as_int) {
                Some(s) => (s, "scale"),
                None => (
                    get(svc, "deploy.replicas").and_then(as_int).unwrap_or(1),
                    "deploy.replicas",
                ),
            };
            if scale > 1 {
                self.push(
                    path.clone(),
                    format!("service `{name}` sets `container_name` and `{attr}: {scale}`"),
                    "container names must be unique",
                    format!("remove `container_name`, or set `{attr}` to 1"),
                );
            }
            if let Some(other) = seen.insert(container, name) {
                seen.insert(container, other);
                self.push(
                    path,
                    format!("container name {container:?} is already used by service `{other}`"),
                    "duplicate container name",
                    "container names are unique on a Docker host; rename one of them",
                );
            }
        }
    }

    /// Dependencies (explicit and implied) name existing, enabled services, without cycles.
    fn dependencies(&mut self, services: &[(&str, &D)], active: &[(&str, &D)]) {
        let exists: HashSet<&str> = services.iter().map(|(n, _)| *n).collect();
        let enabled: HashSet<&str> = active.iter().map(|(n, _)| *n).collect();
        let mut graph: BTreeMap<&str, Vec<(String, Path)>> = BTreeMap::new();
        for &(name, svc) in active {
            let edges = graph.entry(name).or_default();
            for dep in dependencies_of(name, svc) {
                let ok = enabled.contains(dep.service.as_str())
                    || (!dep.required && exists.contains(dep.service.as_str()));
                if !ok {
                    let disabled = exists.contains(dep.service.as_str());
                    let mut p = problem(
                        dep.path.clone(),
                        format!(
                            "service `{name}` depends on {} service `{}`",
                            if disabled { "disabled" } else { "undefined" },
                            dep.service
                        ),
                        if disabled {
                            "disabled service"
                        } else {
                            "undefined service"
                        },
                        if disabled {
                            format!(
                                "`{}` only starts with one of its profiles enabled; enable it, or \
                                 mark the dependency `required: false`",
                                dep.service
                            )
                        } else {
                            format!("{}; defined services: {}", dep.via, {
                                let mut names: Vec<&str> = exists.iter().copied().collect();
                                names.sort_unstable();
                                names.join(", ")
                            })
                        },
                    );
                    p.at_key = dep.at_key;
                    self.problems.push(p);
                }
                if enabled.contains(dep.service.as_str()) {
                    edges.push((dep.service, dep.path));
                }
            }
        }
        // Cycles: one depth-first search (each service visited once); every back edge closes a
        // cycle, reported once, starting at its smallest service.
        let mut reported: BTreeSet<Vec<String>> = BTreeSet::new();
        let mut found = Vec::new();
        let mut state: BTreeMap<&str, Visit> = graph.keys().map(|k| (*k, Visit::New)).collect();
        for &start in graph.keys() {
            if state.get(start) != Some(&Visit::New) {
                continue;
            }
            state.insert(start, Visit::OnPath);
            let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
            while let Some((node, next)) = stack.last_mut() {
                let node = *node;
                let edges = graph.get(node).map(Vec::as_slice).unwrap_or_default();
                let Some((target, _)) = edges.get(*next) else {
                    state.insert(node, Visit::Done);
                    stack.pop();
                    continue;
                };
                *next += 1;
                match state.get(target.as_str()) {
                    Some(Visit::OnPath) => {
                        let pos = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        let cycle: Vec<String> =
                            stack[pos..].iter().map(|(n, _)| n.to_string()).collect();
                        let min = cycle
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, n)| *n)
                            .map_or(0, |(i, _)| i);
                        let mut rotated = cycle[min..].to_vec();
                        rotated.extend_from_slice(&cycle[..min]);
                        if reported.insert(rotated.clone()) {
                            found.push(rotated);
                        }
                    }
                    Some(Visit::New) => {
                        state.insert(target.as_str(), Visit::OnPath);
                        stack.push((target.as_str(), 0));
                    }
                    _ => {}
                }
            }
        }
        for cycle in found {
            let first = &cycle[0];
            let second = cycle.get(1).unwrap_or(first);
            let path = graph
                .get(first.as_str())
                .and_then(|edges| edges.iter().find(|(t, _)| t == second))
                .map(|(_, p)| p.clone())
                .unwrap_or_else(|| services_path(first));
            let mut shown = cycle.clone();
            shown.push(first.clone());
            self.push(
                path,
                format!("dependency cycle detected: {}", shown.join(" -> ")),
                "cycle",
                "services start in dependency order, so dependencies (depends_on, links, \
                 volumes_from, network_mode/ipc/pid `service:`) must not form a cycle",
            );
        }
    }
}

/// A help line followed by the schema's description of `path`.
fn with_description(path: &Path, help: &str) -> String {
    match help_at(schema(), path) {
        Some(d) => format!("{help}. {d}"),
        None => help.to_string(),
    }
}

/// Depth-first search state of a service.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    OnPath,
    Done,
}

fn is_external<D: Doc>(v: Option<&D>) -> bool {
    let Some(v) = v else { return false };
    match v.shape() {
        Shape::Bool => v.as_bool() == Some(true),
        Shape::String => v.as_str().and_then(parse_go_bool) == Some(true),
        Shape::Object => true,
        _ => false,
    }
}

/// The service a service extends in this file, and the path of the reference.
fn local_extends<'v, D: Doc>(name: &str, svc: &'v D) -> Option<(&'v str, Path)> {
    let path = services_path(name).key("extends");
    let extends = svc.get("extends")?;
    match extends.shape() {
        Shape::String => Some((extends.as_str()?, path)),
        Shape::Object if extends.get("file").is_none() => {
            Some((extends.get("service")?.as_str()?, path.key("service")))
        }
        _ => None,
    }
}

/// Whether a service has an image or a build, following `extends` in this file (the service's
/// own `image` overrides the extended one's, even when empty; a `build` anywhere in the chain
/// counts). `None` when it cannot be known (extends of another file, broken chains).
fn image_or_build<D: Doc>(name: &str, index: &HashMap<&str, &D>) -> Option<bool> {
    let mut image: Option<&str> = None;
    let mut seen: HashSet<&str> = HashSet::new();
    let mut current = name;
    loop {
        if !seen.insert(current) {
            return None;
        }
        let svc = index.get(current)?;
        if svc.get("build").is_some_and(|b| b.shape() != Shape::Null) {
            return Some(true);
        }
        if image.is_none() {
            image = svc.get("image").and_then(D::as_str);
        }
        if svc.get("extends").is_none() {
            return Some(image.is_some_and(|i| !i.is_empty()));
        }
        current = local_extends(current, *svc)?.0;
    }
}

/// Names in a list-or-mapping (`networks`, `models`): (path, name, whether the path is a key).
fn names_in<'v, D: Doc>(v: Option<&'v D>, base: &Path) -> Vec<(Path, Cow<'v, str>, bool)> {
    let Some(v) = v else { return Vec::new() };
    if let Some(items) = v.items() {
        return items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.as_str().map(|n| (base.index(i), Cow::Borrowed(n), false)))
            .collect();
    }
    v.entries()
        .into_iter()
        .flatten()
        .map(|(k, _)| (base.key(&k), k, true))
        .collect()
}

struct Dep {
    service: String,
    path: Path,
    at_key: bool,
    required: bool,
    via: &'static str,
}

/// What a service depends on: `depends_on`, and what `links`, `volumes_from` and
/// `network_mode`/`ipc`/`pid: service:NAME` imply.
fn dependencies_of<D: Doc>(name: &str, svc: &D) -> Vec<Dep> {
    let base = services_path(name);
    let mut deps = Vec::new();
    let depends_on = svc.get("depends_on");
    match depends_on.map(|d| (d.shape(), d)) {
        Some((Shape::Array, items)) => {
            for (i, item) in items.items().unwrap_or_default().iter().enumerate() {
                if let Some(s) = item.as_str() {
                    deps.push(Dep {
                        service: s.to_string(),
                        path: base.key("depends_on").index(i),
                        at_key: false,
                        required: true,
                        via: "`depends_on` names services of this file",
                    });
                }
            }
        }
        Some((Shape::Object, map)) => {
            for (s, cfg) in map.entries().into_iter().flatten() {
                deps.push(Dep {
                    service: s.to_string(),
                    path: base.key("depends_on").key(&s),
                    at_key: true,
                    required: cfg.get("required").and_then(D::as_bool).unwrap_or(true),
                    via: "`depends_on` names services of this file",
                });
            }
        }
        _ => {}
    }
    if let Some(links) = svc.get("links").and_then(D::items) {
        for (i, link) in links.iter().enumerate() {
            if let Some(l) = link.as_str() {
                let target = l.split(':').next().unwrap_or(l);
                deps.push(Dep {
                    service: target.to_string(),
                    path: base.key("links").index(i),
                    at_key: false,
                    required: true,
                    via: "`links` names services of this file (SERVICE[:ALIAS]); use \
                          `external_links` for other containers",
                });
            }
        }
    }
    if let Some(from) = svc.get("volumes_from").and_then(D::items) {
        for (i, item) in from.iter().enumerate() {
            if let Some(v) = item.as_str()
                && !v.starts_with("container:")
            {
                let target = v.split(':').next().unwrap_or(v);
                deps.push(Dep {
                    service: target.to_string(),
                    path: base.key("volumes_from").index(i),
                    at_key: false,
                    required: true,
                    via: "`volumes_from` names a service of this file, or `container:NAME`",
                });
            }
        }
    }
    for key in ["network_mode", "ipc", "pid"] {
        if let Some(target) = str_at(svc, key).and_then(|m| m.strip_prefix("service:")) {
            deps.push(Dep {
                service: target.to_string(),
                path: base.key(key),
                at_key: false,
                required: true,
                via: "`service:NAME` names a service of this file; use `container:NAME` for \
                      other containers",
            });
        }
    }
    deps
}

fn as_int<D: Doc>(v: &D) -> Option<i64> {
    match v.number() {
        Some(n) => n.as_i64(),
        None => v.as_str().and_then(parse_int),
    }
}

fn as_float<D: Doc>(v: &D) -> Option<f64> {
    match v.number() {
        Some(n) => n.as_f64(),
        None => v.as_str().and_then(parse_float),
    }
}

/// Bytes of a size value as Compose decodes it (a float is ignored, i.e. 0).
fn as_bytes<D: Doc>(v: &D) -> Option<i64> {
    match v.number() {
        Some(n) => Some(n.as_i64().unwrap_or(0)),
        None => v.as_str().and_then(ram_in_bytes),
    }
}

/// Normalize a project name like Compose: lowercase, keep `[a-z0-9_-]`, trim leading `_`/`-`.
fn normalize_project_name(name: &str) -> String {
    let kept: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(doc: Value) -> Vec<String> {
        prepare_and_check(&doc)
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect()
    }

    fn ok(doc: Value) {
        let found = messages(doc.clone());
        assert!(found.is_empty(), "{doc}\n{found:#?}");
    }

    fn fails(doc: Value, want: &str) {
        let found = messages(doc.clone());
        assert!(
            found.iter().any(|m| m.contains(want)),
            "{doc}: expected a problem containing {want:?}, got {found:#?}"
        );
    }

    #[test]
    fn committed_schema_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_FILE);
        let want = shared::to_pretty(&compose_schema());
        if std::env::var_os("COMPOSEGEN_BLESS").is_some() {
            std::fs::write(&path, &want).expect("write the schema");
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{SCHEMA_FILE} is stale; regenerate it with:\n  COMPOSEGEN_BLESS=1 cargo test --lib \
             compose::validate::tests::committed_schema_is_current"
        );
    }

    #[test]
    fn the_schema_compiles_and_keeps_only_intended_nulls() {
        assert!(validator().is_ok());
        let text = compose_schema().to_string();
        assert!(!text.contains(crate::schema::NULLABLE));
        ok(
            json!({"services": {"a": {"image": "x", "command": null, "environment": {"A": null},
            "networks": {"default": null}, "deploy": null, "pid": null}},
            "volumes": {"data": null}, "networks": {"n": null}}),
        );
        fails(
            json!({"services": {"a": {"image": null}}}),
            "services.a.image: expected a string",
        );
        fails(
            json!({"services": {"a": null}}),
            "services.a: expected a mapping",
        );
        fails(
            json!({"services": {"a": {"image": "x"}}, "secrets": {"s": null}}),
            "secrets.s",
        );
    }

    #[test]
    fn unknown_keys_and_extensions() {
        ok(
            json!({"x-any": 1, "services": {"a": {"image": "x", "x-foo": [1],
            "ports": [{"target": 80, "x-y": 1}]}}}),
        );
        let p = prepare_and_check(&json!({"services": {"a": {"image": "x", "imgae": "y"}}}));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].path.to_string(), "services.a.imgae");
        assert!(p[0].at_key);
        assert!(
            p[0].help
                .as_deref()
                .unwrap_or("")
                .contains("did you mean `image`")
        );
        fails(
            json!({"services": {"a": {"image": "x", "pre_start": []}}}),
            "unknown key `pre_start`",
        );
        fails(
            json!({"services": {"a": {"image": "x", "blkio_config": {"x-foo": 1}}}}),
            "unknown key `x-foo`",
        );
        fails(
            json!({"services": {"a b": {"image": "x"}}}),
            "invalid name `a b`",
        );
        fails(json!({"foo": 1, "services": {}}), "unknown key `foo`");
    }

    #[test]
    fn types_and_forms() {
        ok(
            json!({"services": {"a": {"build": ".", "ports": [80, "8080:80", {"target": 81}],
            "volumes": ["/a:/b", {"type": "bind", "source": "/c", "target": "/d"}],
            "environment": ["A=1", "A=2"], "cap_add": ["X", "X"], "restart": "always",
            "healthcheck": {"test": "true", "interval": "1m30s"}, "cpus": "0.5",
            "depends_on": {"b": {"condition": "service_healthy"}}},
            "b": {"image": "x", "ulimits": {"nofile": {"soft": 1, "hard": 2}, "nproc": 5}}}}),
        );
        fails(
            json!({"services": {"a": {"image": "x", "ports": [[80]]}}}),
            "services.a.ports[0]: expected a number, a string or a mapping, found a list",
        );
        fails(
            json!({"services": {"a": {"image": "x", "depends_on": ["b", "b"]}, "b": {"image": "y"}}}),
            "services.a.depends_on[1]: repeated entry",
        );
        fails(
            json!({"services": {"a": {"image": "x", "pull_policy": "sometimes"}}}),
            "expected a value matching",
        );
        fails(
            json!({"services": {"a": {"image": "x", "depends_on": {"b": {}}}, "b": {"image": "y"}}}),
            "missing required key `condition`",
        );
        fails(
            json!({"services": {"a": {"image": "x", "use_api_socket": "true"}}}),
            "expected a boolean",
        );
        fails(
            json!({"services": {"a": {"image": "x", "oom_score_adj": 5000}}}),
            "out of range",
        );
    }

    #[test]
    fn consistency_checks() {
        fails(
            json!({"services": {"a": {"restart": "always"}}}),
            "neither an image nor a build",
        );
        ok(json!({"services": {"a": {"extends": "b"}, "b": {"image": "x"}}}));
        ok(json!({"services": {"a": {"provider": {"type": "model"}}}}));
        ok(json!({"services": {"a": {"image": "x"}, "b": {"profiles": ["p"]}}}));
        fails(
            json!({"services": {"a": {"image": "x", "mem_limit": "1g",
                "deploy": {"resources": {"limits": {"memory": "2g"}}}}}}),
            "distinct values on `mem_limit`",
        );
        ok(json!({"services": {"a": {"image": "x", "mem_limit": "1g",
            "deploy": {"resources": {"limits": {"memory": "1024m"}}}}}}));
        fails(
            json!({"services": {"a": {"image": "x", "cpus": 1,
                "deploy": {"resources": {"limits": {"memory": "1g"}}}}}}),
            "distinct values on `cpus`",
        );
        fails(
            json!({"services": {"a": {"image": "x", "container_name": "c", "scale": 2}}}),
            "sets `container_name` and `scale: 2`",
        );
        fails(
            json!({"services": {"a": {"image": "x", "depends_on": ["b"]},
                "b": {"image": "x", "depends_on": ["a"]}}}),
            "dependency cycle detected: a -> b -> a",
        );
        fails(
            json!({"services": {"a": {"image": "x", "volumes_from": ["nope"]}}}),
            "depends on undefined service `nope`",
        );
        fails(
            json!({"services": {"a": {"image": "x", "depends_on": ["b"]},
                "b": {"image": "x", "profiles": ["p"]}}}),
            "depends on disabled service `b`",
        );
        ok(json!({"services": {"a": {"image": "x",
            "depends_on": {"b": {"condition": "service_started", "required": false}}},
            "b": {"image": "x", "profiles": ["p"]}}}));
        fails(
            json!({"services": {"a": {"image": "x", "volumes": ["data:/data"]}}}),
            "undefined volume `data`",
        );
        fails(
            json!({"services": {"a": {"image": "x", "networks": ["n"]}}}),
            "undefined network `n`",
        );
        fails(
            json!({"services": {"a": {"image": "x", "volumes": [":/media/"]}}}),
            "empty section between colons",
        );
        fails(
            json!({"services": {"a": {"build": {"context": ".", "platforms": ["linux/amd64"]},
                "platform": "linux/riscv64"}}}),
            "does not include the service's platform",
        );
        fails(
            json!({"services": {"a": {"image": "x", "ports": ["70000:80"]}}}),
            "invalid port",
        );
        fails(
            json!({"services": {"a": {"image": "x", "stop_grace_period": "abc"}}}),
            "invalid duration",
        );
        fails(
            json!({"services": {"a": {"image": "x", "cpus": "abc"}}}),
            "expected a number",
        );
        fails(
            json!({"secrets": {"s": {"name": "x"}}, "services": {"a": {"image": "x"}}}),
            "has no source",
        );
        fails(
            json!({"services": {"a": {"image": "x"}},
                "volumes": {"v": {"external": true, "driver": "local"}}}),
            "conflicting parameters",
        );
        fails(json!({"version": "3"}), "empty compose file");
        fails(json!(null), "empty compose file");
    }

    #[test]
    fn interpolation_as_if_nothing_were_set() {
        let doc = json!({"a": "${UNSET:-d}/${UNSET-d}/${UNSET}:/media/", "b": ["$$HOME $ $1"],
            "c": "${UNSET:+alt}${UNSET:?required}", "${K}": "k"});
        let (out, problems) = interpolate(&doc);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            out,
            json!({"a": "d/d/:/media/", "b": ["$HOME $ $1"], "c": "", "${K}": "k"})
        );
        let (out, problems) = interpolate(&json!({"x": ["${oops", "${}"]}));
        assert_eq!(out, json!({"x": ["${oops", "${}"]}), "kept as written");
        let paths: Vec<String> = problems.iter().map(|p| p.path.to_string()).collect();
        assert_eq!(paths, ["x[0]", "x[1]"]);
        fails(
            json!({"services": {"a": {"image": "x", "volumes": ["${PLEX}:/media/"]}}}),
            "empty section between colons",
        );
        fails(
            json!({"services": {"a": {"image": "x", "command": "echo ${foo"}}}),
            "interpolation",
        );
    }

    #[test]
    fn non_string_keys() {
        let node = Node::parse("services:\n  a:\n    image: x\n    labels:\n      1: x\n      \"2\": y\n      yes: z\n").unwrap();
        let p = check_node(&node);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].path.to_string(), "services.a.labels.1");
        assert!(p[0].at_key);
    }

    #[test]
    fn merge_keys_from_yaml() {
        let text = "x-c: &c\n  image: x\n  restart: \"no\"\nservices:\n  a:\n    <<: *c\n    restart: always\n";
        let node = Node::parse(text).unwrap();
        assert!(check_node(&node).is_empty());
        assert_eq!(
            node.to_json()["services"]["a"],
            json!({"restart": "always", "image": "x"})
        );
    }

    #[test]
    fn merge_keys() {
        let mut doc = json!({"x-c": {"image": "x", "restart": "no"},
            "services": {"a": {"<<": {"image": "x", "restart": "no"}, "restart": "always"}}});
        resolve_merge_keys(&mut doc);
        assert_eq!(
            doc["services"]["a"],
            json!({"restart": "always", "image": "x"})
        );
        let mut doc = json!({"a": {"<<": [{"k": 1}, {"k": 2, "j": 3}]}});
        resolve_merge_keys(&mut doc);
        assert_eq!(doc["a"], json!({"k": 1, "j": 3}));
    }

    #[test]
    fn project_names() {
        assert_eq!(normalize_project_name("Foo Bar!"), "foobar");
        assert_eq!(normalize_project_name("!!!"), "");
    }

    #[test]
    fn dense_dependency_graphs_are_fast() {
        // 60 services, each depending on every earlier one, and the first on the last: one cycle
        // through all of them, 1770 edges. Enumerating paths would never finish.
        let mut services = serde_json::Map::new();
        for i in 0..60 {
            let deps: Vec<String> = if i == 0 {
                vec!["s59".into()]
            } else {
                (0..i).map(|j| format!("s{j}")).collect()
            };
            services.insert(format!("s{i}"), json!({"image": "x", "depends_on": deps}));
        }
        let start = std::time::Instant::now();
        let found = consistency(&json!({ "services": services }));
        assert!(start.elapsed().as_secs() < 2);
        assert!(found.iter().any(|p| {
            p.message
                .starts_with("dependency cycle detected: s0 -> s59")
        }));
    }

    #[test]
    fn no_panics_on_odd_documents() {
        for doc in [
            json!([]),
            json!("text"),
            json!(1),
            json!({"services": []}),
            json!({"services": {"a": []}}),
            json!({"services": {"a": {"ports": [null, {}, "", -1, 1.5], "volumes": [{}, 1, ""],
                "depends_on": {"a": null}, "deploy": {"resources": {"limits": []}},
                "healthcheck": {"test": []}, "extends": {"file": 1}, "networks": {"": null}}}}),
            json!({"services": {"a": {"extends": "a"}, "b": {"extends": "c"}, "c": {"extends": "b"}}}),
            json!({"volumes": [], "secrets": {"s": 1}, "configs": "x", "networks": {"n": {"external": "x"}}}),
        ] {
            let _ = prepare_and_check(&doc);
        }
    }
}
