//! Merging compose files as `docker compose -f base.yaml -f override.yaml` does, on span-aware
//! trees.
//!
//! The rules are those of compose-go v2.9 (the library Docker Compose v2.40.3 is built on:
//! `override/merge.go`, `override/uncity.go` and the `!reset` / `!override` handling of
//! `loader/reset.go`), checked against the real binary by `tests/merge.rs`. Where the compose
//! specification (`13-merge.md`) and the binary differ, this follows the binary.
//!
//! Nodes are *moved*, never re-created: every value of the result is a node of one of the inputs
//! and keeps its `file` and `span`, so a finding on the effective project points at the line a
//! human wrote. The few nodes a rule has to synthesize (the `K=V` item that a `K: V` mapping entry
//! becomes when it merges with a list, the `context:` key of `build: ./dir`, the default
//! `condition: service_started` of a `depends_on` list item) carry the span and file of what they
//! were made from.
//!
//! # Rules
//!
//! - Mappings merge recursively; a scalar or a mapping replaces a scalar; sequences are appended;
//!   a `null` in the override keeps the base value. A mapping or sequence overridden by a value of
//!   another type is an error in Compose (`cannot override services.web.x`): [`merge_checked`]
//!   reports it as a [`Conflict`], and the override wins.
//! - `services.*.command`, `entrypoint`, `healthcheck.test` and `ulimits.*` are replaced (even by
//!   `null`, which clears them).
//! - `environment`, `labels`, `annotations`, `sysctls`, `tmpfs`, `dns`, `dns_opt`, `dns_search`,
//!   `env_file`, `label_file`, `build.args`, `build.labels`, `build.additional_contexts`,
//!   `deploy.labels` and the `labels` of top-level networks and volumes become one sequence (a
//!   mapping turns into `K=V` items, a string into a one-item list), base items first; the
//!   unicity pass below then keeps the last item of each key at the place of the first.
//! - `extra_hosts` (of services and builds) appends the override's items that are not already, as
//!   the very same string, in the base. No unicity: `h:1.1.1.1` and `h=1.1.1.1` both stay.
//! - `depends_on`, `networks` and `models` merge by name; a list item becomes an entry (with
//!   `condition: service_started, required: true` for `depends_on`, so an override that lists a
//!   dependency resets its condition).
//! - `build: ./dir` is `build: {context: ./dir}` when it merges with a mapping.
//! - `logging` merges when both sides name the same driver (or one names none); otherwise the
//!   override replaces it, options included.
//! - `networks.*.ipam.config` follows compose-go's pairwise subnet algorithm, quirks included (an
//!   override with other subnets replaces the base list).
//! - Unicity (after every merge, over the whole document): `ports` by host IP, published port,
//!   target and protocol; `volumes`, `devices`, `secrets` and `configs` by target; `env_file` by
//!   path; `expose` by value; the `K=V` lists, `cap_add`, `cap_drop`, `profiles`, `links` and
//!   `networks.*.aliases` by key. A later item replaces an earlier one in place.
//! - `!reset` removes the value (the base's too); `!override` replaces the base value instead of
//!   merging with it. Both apply at any depth of a mapping; in a sequence they only act on the
//!   override's own item.
//!
//! # Where compose-go surprises
//!
//! These are the binary's behaviour, reproduced on purpose (see the tests):
//! - After two files define `environment` (or `labels`, ...) it is a list, and compose-go's
//!   `!reset` cannot find `KEY` in a list: in a third file `environment: {A: !reset null}` does
//!   nothing, whereas against a mapping it removes `A`.
//! - `depends_on: [db]` and `networks: [front]` are mappings once loaded, so `!reset` on `db` does
//!   remove the dependency; `build: ./dir` is a mapping too, so `context: !reset` empties it.
//! - Port unicity compares the raw values as Go prints them: `published: 8080` (a number) and
//!   `"8080:80"` (whose published port is the string `"8080"`) are different keys, and both stay.
//! - `ulimits.*` is always replaced: compose-go merges the override with itself.

use std::collections::HashMap;

use crate::yaml::{Interp, Kind, Node, Path, Seg, Span};

use super::gofmt::{clean_path, go_sprint, go_sprint_s, long_port_key};
use crate::compose::grammar::ports::parse_port;
use crate::compose::grammar::volumes::parse_volume;

/// A merge Compose rejects (`cannot override services.web.x-data`): a mapping or a sequence in the
/// base overridden by a value of another type.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// Where, in the document.
    pub path: Path,
    /// The file index and span of the base value.
    pub base: (u32, Span),
    /// The file index and span of the overriding value (which wins in the merged tree).
    pub overlay: (u32, Span),
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot override {}", self.path)
    }
}

/// Merge two whole compose documents: `overlay` (a later `-f` file) into `base`.
///
/// Merging a third file is `merge(merge(a, b), c)`. Conflicts are resolved in favour of the
/// override; use [`merge_checked`] to hear about them.
pub fn merge(base: Node, overlay: Node) -> Node {
    merge_checked(base, overlay).0
}

/// [`merge`], also returning the conflicts Docker Compose would reject the files for.
pub fn merge_checked(base: Node, overlay: Node) -> (Node, Vec<Conflict>) {
    let mut tagged = Vec::new();
    let overlay = take_tags(overlay, &mut Vec::new(), &mut tagged);
    let mut base = resolve_tags(base);
    let tagged: Vec<String> = tagged.iter().map(|p| p.join(".")).collect();
    apply_resets(&mut base, &mut Vec::new(), &tagged);
    let mut merger = Merger {
        conflicts: Vec::new(),
    };
    let mut merged = match overlay {
        None => base,
        Some(overlay) => merger.value(base, overlay, &mut Vec::new()).0,
    };
    enforce_unicity(&mut merged, &mut Vec::new());
    (merged, merger.conflicts)
}

/// A single file as Docker Compose reads it: every node tagged `!reset` removed (outside
/// `!override` values, which Compose takes as they are).
pub fn resolve_tags(node: Node) -> Node {
    let span = node.span;
    let file = node.file;
    take_tags(node, &mut Vec::new(), &mut Vec::new()).unwrap_or(Node {
        span,
        kind: Kind::Null,
        plain: true,
        tag: None,
        file,
        interp: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Paths

/// Whether `path` matches `pattern` (dot-separated, `*` matches one segment).
fn matches(path: &[String], pattern: &str) -> bool {
    let mut segs = pattern.split('.');
    for p in path {
        match segs.next() {
            Some("*") => {}
            Some(s) if s == p => {}
            _ => return false,
        }
    }
    segs.next().is_none()
}

fn to_path(path: &[String]) -> Path {
    Path(path.iter().map(|s| Seg::Key(s.clone())).collect())
}

// ---------------------------------------------------------------------------------------------
// !reset and !override

/// Remove the `!reset` nodes of `node`, recording their paths (in compose-go's notation: keys,
/// and sequence indices as numbers). An `!override` value is taken as it is, tags inside it
/// included.
///
/// compose-go also deletes the base value at the path of an `!override` before merging; here the
/// merge of mappings replaces it in place instead (see `Merger::mappings`), which gives the same
/// model and keeps the entry where the base had it.
fn take_tags(node: Node, path: &mut Vec<String>, tagged: &mut Vec<Vec<String>>) -> Option<Node> {
    match node.tag() {
        Some("!reset") => {
            tagged.push(path.clone());
            return None;
        }
        Some("!override") => return Some(node),
        _ => {}
    }
    let Node {
        span,
        kind,
        plain,
        tag,
        file,
        interp,
    } = node;
    let kind = match kind {
        Kind::Seq(items) => Kind::Seq(
            items
                .into_iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    path.push(i.to_string());
                    let kept = take_tags(item, path, tagged);
                    path.pop();
                    kept
                })
                .collect(),
        ),
        Kind::Map(entries) => Kind::Map(
            entries
                .into_iter()
                .filter_map(|(k, v)| {
                    path.push(k.key_string());
                    let kept = take_tags(v, path, tagged);
                    path.pop();
                    kept.map(|v| (k, v))
                })
                .collect(),
        ),
        other => other,
    };
    Some(Node {
        span,
        kind,
        plain,
        tag,
        file,
        interp,
    })
}

/// Delete from the base what the override tags `!reset`, as compose-go's
/// `ResetProcessor.Apply` does on its (canonical) model: mapping entries only, except that the
/// list forms of `depends_on` and `networks` are mappings there, and `build: ./dir` is
/// `{context: ./dir}`.
fn apply_resets(node: &mut Node, path: &mut Vec<String>, tagged: &[String]) {
    if tagged.is_empty() {
        return;
    }
    let hit = |path: &[String], last: &str| {
        let mut joined = path.join(".");
        if !joined.is_empty() {
            joined.push('.');
        }
        joined.push_str(last);
        tagged.contains(&joined)
    };
    match &mut node.kind {
        Kind::Map(entries) => {
            entries.retain(|(k, _)| !hit(path, &k.key_string()));
            for (k, v) in entries.iter_mut() {
                path.push(k.key_string());
                apply_resets(v, path, tagged);
                path.pop();
            }
        }
        Kind::Seq(items)
            if matches(path, "services.*.depends_on") || matches(path, "services.*.networks") =>
        {
            items.retain(|item| !hit(path, &item.key_string()));
        }
        Kind::Str(_) if matches(path, "services.*.build") && hit(path, "context") => {
            node.kind = Kind::Map(Vec::new());
            node.interp = None;
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Merging

/// How a path merges (compose-go's `mergeSpecials`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// The override replaces the value, even with `null`.
    Replace,
    /// Both sides become one sequence (`mergeToSequence`).
    Sequence,
    /// Sequences, dropping override items already in the base (`mergeExtraHosts`).
    ExtraHosts,
    /// `build`: a string is `{context: string}`.
    Build,
    /// By name; list items get the default dependency (`mergeDependsOn`).
    DependsOn,
    /// By name; list items get `null` (`mergeNetworks`, `mergeModels`).
    ByName,
    /// Same driver merges, another driver replaces (`mergeLogging`).
    Logging,
    /// compose-go's subnet-by-subnet merge of IPAM configs (`mergeIPAMConfig`).
    Ipam,
}

const RULES: &[(&str, Rule)] = &[
    ("services.*.command", Rule::Replace),
    ("services.*.entrypoint", Rule::Replace),
    ("services.*.healthcheck.test", Rule::Replace),
    ("services.*.ulimits.*", Rule::Replace),
    ("services.*.environment", Rule::Sequence),
    ("services.*.labels", Rule::Sequence),
    ("services.*.annotations", Rule::Sequence),
    ("services.*.sysctls", Rule::Sequence),
    ("services.*.tmpfs", Rule::Sequence),
    ("services.*.dns", Rule::Sequence),
    ("services.*.dns_opt", Rule::Sequence),
    ("services.*.dns_search", Rule::Sequence),
    ("services.*.env_file", Rule::Sequence),
    ("services.*.label_file", Rule::Sequence),
    ("services.*.build.args", Rule::Sequence),
    ("services.*.build.labels", Rule::Sequence),
    ("services.*.build.additional_contexts", Rule::Sequence),
    ("services.*.deploy.labels", Rule::Sequence),
    ("networks.*.labels", Rule::Sequence),
    ("volumes.*.labels", Rule::Sequence),
    ("services.*.extra_hosts", Rule::ExtraHosts),
    ("services.*.build.extra_hosts", Rule::ExtraHosts),
    ("services.*.build", Rule::Build),
    ("services.*.depends_on", Rule::DependsOn),
    ("services.*.networks", Rule::ByName),
    ("services.*.models", Rule::ByName),
    ("services.*.logging", Rule::Logging),
    ("networks.*.ipam.config", Rule::Ipam),
];

fn rule(path: &[String]) -> Option<Rule> {
    RULES
        .iter()
        .find(|(pattern, _)| matches(path, pattern))
        .map(|(_, rule)| *rule)
}

struct Merger {
    conflicts: Vec<Conflict>,
}

/// The merged value, and whether it is the override's value as a whole (the merged mapping then
/// takes the override's key node too).
type Merged = (Node, bool);

impl Merger {
    fn value(&mut self, base: Node, overlay: Node, path: &mut Vec<String>) -> Merged {
        match rule(path) {
            Some(Rule::Replace) => (overlay, true),
            Some(Rule::Sequence) => self.sequence(base, overlay),
            Some(Rule::ExtraHosts) => self.extra_hosts(base, overlay),
            Some(Rule::Build) => self.build(base, overlay, path),
            Some(Rule::DependsOn) => self.by_name(base, overlay, path, true),
            Some(Rule::ByName) => self.by_name(base, overlay, path, false),
            Some(Rule::Logging) => self.logging(base, overlay, path),
            Some(Rule::Ipam) => self.ipam(base, overlay, path),
            None => self.generic(base, overlay, path),
        }
    }

    fn generic(&mut self, base: Node, overlay: Node, path: &mut Vec<String>) -> Merged {
        match (&base.kind, &overlay.kind) {
            (_, Kind::Null) => (base, false),
            (Kind::Map(_), Kind::Map(_)) => (self.mappings(base, overlay, path), false),
            (Kind::Seq(_), Kind::Seq(_)) => {
                let (container, mut items) = split_seq(base);
                let (_, more) = split_seq(overlay);
                items.extend(more);
                (with_kind(container, Kind::Seq(items)), false)
            }
            (Kind::Map(_) | Kind::Seq(_), _) => {
                self.conflicts.push(Conflict {
                    path: to_path(path),
                    base: (base.file, base.span),
                    overlay: (overlay.file, overlay.span),
                });
                (overlay, true)
            }
            _ => (overlay, true),
        }
    }

    /// compose-go's `mergeMappings`: the override's entries into the base's, in place. A value
    /// tagged `!override` replaces the base's without merging.
    fn mappings(&mut self, base: Node, overlay: Node, path: &mut Vec<String>) -> Node {
        let (container, mut entries) = split_map(base);
        let (_, more) = split_map(overlay);
        for (ok, ov) in more {
            let key = ok.key_string();
            match entries.iter().position(|(k, _)| k.key_string() == key) {
                Some(i) if ov.tag() == Some("!override") => entries[i] = (ok, ov),
                Some(i) => {
                    let (bk, bv) = entries.remove(i);
                    path.push(key);
                    let (v, replaced) = self.value(bv, ov, path);
                    path.pop();
                    entries.insert(i, (if replaced { ok } else { bk }, v));
                }
                None => entries.push((ok, ov)),
            }
        }
        with_kind(container, Kind::Map(entries))
    }

    /// `mergeToSequence`.
    fn sequence(&mut self, base: Node, overlay: Node) -> Merged {
        let from_base = into_sequence(&base);
        let Some(from_overlay) = into_sequence(&overlay) else {
            return match from_base {
                Some(items) => (with_kind(base, Kind::Seq(items)), false),
                None => (base, false),
            };
        };
        match from_base {
            Some(mut items) => {
                items.extend(from_overlay);
                (with_kind(base, Kind::Seq(items)), false)
            }
            None => (with_kind(overlay, Kind::Seq(from_overlay)), true),
        }
    }

    /// `mergeExtraHosts`: override items that are, as strings, already in the base are dropped.
    fn extra_hosts(&mut self, base: Node, overlay: Node) -> Merged {
        let from_base = into_sequence(&base);
        let Some(from_overlay) = into_sequence(&overlay) else {
            return match from_base {
                Some(items) => (with_kind(base, Kind::Seq(items)), false),
                None => (base, false),
            };
        };
        match from_base {
            Some(mut items) => {
                let seen: Vec<String> = items.iter().map(go_sprint).collect();
                items.extend(
                    from_overlay
                        .into_iter()
                        .filter(|item| !seen.contains(&go_sprint(item))),
                );
                (with_kind(base, Kind::Seq(items)), false)
            }
            None => (with_kind(overlay, Kind::Seq(from_overlay)), true),
        }
    }

    /// `mergeBuild`: `build: ./dir` is `{context: ./dir}`.
    fn build(&mut self, base: Node, overlay: Node, path: &mut Vec<String>) -> Merged {
        match (&base.kind, &overlay.kind) {
            (_, Kind::Null) => (base, false),
            (Kind::Str(_), Kind::Map(_)) => {
                let base = context_mapping(base);
                (self.mappings(base, overlay, path), false)
            }
            (Kind::Map(_), Kind::Str(_)) => {
                let overlay = context_mapping(overlay);
                (self.mappings(base, overlay, path), false)
            }
            (Kind::Map(_), Kind::Map(_)) => (self.mappings(base, overlay, path), false),
            _ => (overlay, true),
        }
    }

    /// `mergeDependsOn`, `mergeNetworks`, `mergeModels`: by name, a list being a mapping whose
    /// values are the default dependency (`depends_on`) or `null`.
    fn by_name(
        &mut self,
        base: Node,
        overlay: Node,
        path: &mut Vec<String>,
        dependency: bool,
    ) -> Merged {
        match (&base.kind, &overlay.kind) {
            (_, Kind::Null) => (base, false),
            (Kind::Null, _) => (overlay, true),
            (Kind::Seq(_), Kind::Seq(_)) => {
                // Both lists: the union, which is what the two mappings would merge to.
                let (container, mut items) = split_seq(base);
                let (_, more) = split_seq(overlay);
                for item in more {
                    if !items.iter().any(|i| i.key_string() == item.key_string()) {
                        items.push(item);
                    }
                }
                (with_kind(container, Kind::Seq(items)), false)
            }
            (Kind::Seq(_) | Kind::Map(_), Kind::Seq(_) | Kind::Map(_)) => {
                let base = into_mapping(base, dependency);
                let overlay = into_mapping(overlay, dependency);
                (self.mappings(base, overlay, path), false)
            }
            _ => self.generic(base, overlay, path),
        }
    }

    /// `mergeLogging`: options merge only when both name the same driver, or one names none.
    fn logging(&mut self, base: Node, overlay: Node, path: &mut Vec<String>) -> Merged {
        if let (Kind::Map(_), Kind::Map(_)) = (&base.kind, &overlay.kind) {
            let same = match (base.get("driver"), overlay.get("driver")) {
                (Some(b), Some(o)) => b.kind == o.kind,
                _ => true,
            };
            if !same {
                return (overlay, true);
            }
        }
        self.generic(base, overlay, path)
    }

    /// `mergeIPAMConfig`, exactly: for each base config, for each override config, an override
    /// with another subnet is added unless a config with its subnet is already there; otherwise
    /// it is merged into the base config, which replaces the config with its (new) subnet.
    /// compose-go mutates the base config as it goes; `rights` does the same.
    fn ipam(&mut self, base: Node, overlay: Node, path: &mut Vec<String>) -> Merged {
        let (Kind::Seq(_), Kind::Seq(_)) = (&base.kind, &overlay.kind) else {
            return self.generic(base, overlay, path);
        };
        #[derive(Clone, Copy)]
        enum Slot {
            Right(usize),
            Left(usize),
        }
        let (container, rights) = split_seq(base);
        let (_, lefts) = split_seq(overlay);
        let mut rights: Vec<Node> = rights;
        let subnet = |n: &Node| n.get("subnet").map(|s| s.kind.clone());
        let mut out: Vec<Slot> = Vec::new();
        for i in 0..rights.len() {
            for j in 0..lefts.len() {
                let left_subnet = subnet(&lefts[j]);
                let subnet_of = |slot: &Slot, rights: &[Node]| match *slot {
                    Slot::Right(r) => subnet(&rights[r]),
                    Slot::Left(l) => subnet(&lefts[l]),
                };
                if left_subnet != subnet(&rights[i])
                    && !out.iter().any(|s| subnet_of(s, &rights) == left_subnet)
                {
                    out.push(Slot::Left(j));
                    continue;
                }
                let right = std::mem::replace(&mut rights[i], placeholder());
                rights[i] = if matches!(right.kind, Kind::Map(_))
                    && matches!(lefts[j].kind, Kind::Map(_))
                {
                    self.mappings(right, lefts[j].clone(), path)
                } else {
                    lefts[j].clone()
                };
                let merged_subnet = subnet(&rights[i]);
                match out
                    .iter()
                    .position(|s| subnet_of(s, &rights) == merged_subnet)
                {
                    Some(at) => out[at] = Slot::Right(i),
                    None => out.push(Slot::Right(i)),
                }
            }
        }
        let items = out
            .iter()
            .map(|slot| match *slot {
                Slot::Right(r) => rights[r].clone(),
                Slot::Left(l) => lefts[l].clone(),
            })
            .collect();
        (with_kind(container, Kind::Seq(items)), false)
    }
}

/// A stand-in while a node is moved out of a vector.
fn placeholder() -> Node {
    Node {
        span: Span::default(),
        kind: Kind::Null,
        plain: true,
        tag: None,
        file: 0,
        interp: None,
    }
}

/// The node with another value (same span, file, tag).
fn with_kind(node: Node, kind: Kind) -> Node {
    Node {
        kind,
        interp: None,
        ..node
    }
}

fn split_seq(node: Node) -> (Node, Vec<Node>) {
    let Node {
        span,
        kind,
        plain,
        tag,
        file,
        ..
    } = node;
    let items = match kind {
        Kind::Seq(items) => items,
        _ => Vec::new(),
    };
    let container = Node {
        span,
        kind: Kind::Null,
        plain,
        tag,
        file,
        interp: None,
    };
    (container, items)
}

fn split_map(node: Node) -> (Node, Vec<(Node, Node)>) {
    let Node {
        span,
        kind,
        plain,
        tag,
        file,
        ..
    } = node;
    let entries = match kind {
        Kind::Map(entries) => entries,
        _ => Vec::new(),
    };
    let container = Node {
        span,
        kind: Kind::Null,
        plain,
        tag,
        file,
        interp: None,
    };
    (container, entries)
}

/// A node made from `from`: its span and file, plain style, no tag.
fn synthesized(from: &Node, kind: Kind) -> Node {
    Node {
        span: from.span,
        kind,
        plain: true,
        tag: None,
        file: from.file,
        interp: None,
    }
}

/// `build: ./dir` as `{context: ./dir}`; the `context` key points at the string.
fn context_mapping(node: Node) -> Node {
    let key = synthesized(&node, Kind::Str("context".into()));
    let container = synthesized(&node, Kind::Null);
    Node {
        tag: node.tag.clone(),
        ..with_kind(container, Kind::Map(vec![(key, node)]))
    }
}

/// compose-go's `convertIntoSequence`: a mapping's entries as `K=V` items (`K` for `null`, one
/// item per element of a list value), a sequence's items, a string as a one-item list; `None`
/// for anything else (`null`).
fn into_sequence(node: &Node) -> Option<Vec<Node>> {
    match &node.kind {
        Kind::Seq(items) => Some(items.clone()),
        Kind::Str(_) => Some(vec![Node {
            tag: None,
            ..node.clone()
        }]),
        Kind::Map(entries) => Some(
            entries
                .iter()
                .flat_map(|(k, v)| entry_items(k, v))
                .collect(),
        ),
        _ => None,
    }
}

/// A mapping entry as list items: the key node for `K:` (null), else `K=V` spanning the entry.
fn entry_items(key: &Node, value: &Node) -> Vec<Node> {
    let k = key.key_string();
    let item = |v: &Node| Node {
        span: Span {
            start: key.span.start,
            end: v.span.end.max(key.span.end),
        },
        kind: Kind::Str(format!("{k}={}", go_sprint(v))),
        plain: false,
        tag: None,
        file: key.file,
        interp: v.interp.as_ref().map(|i| {
            Box::new(Interp {
                raw: format!("{k}={}", i.raw),
                unset: i.unset.clone(),
                required: i.required.clone(),
            })
        }),
    };
    match &value.kind {
        Kind::Null => vec![Node {
            kind: Kind::Str(k.clone()),
            tag: None,
            ..key.clone()
        }],
        Kind::Seq(values) => values.iter().map(item).collect(),
        _ => vec![item(value)],
    }
}

/// compose-go's `convertIntoMapping`: a list's items as keys, with the default dependency
/// (`condition: service_started`, `required: true`) or `null` as value.
fn into_mapping(node: Node, dependency: bool) -> Node {
    if !matches!(node.kind, Kind::Seq(_)) {
        return node;
    }
    let (container, items) = split_seq(node);
    let entries = items
        .into_iter()
        .map(|item| {
            let value = if dependency {
                let pair = |k: &str, v: Kind| {
                    (
                        synthesized(&item, Kind::Str(k.into())),
                        synthesized(&item, v),
                    )
                };
                synthesized(
                    &item,
                    Kind::Map(vec![
                        pair("condition", Kind::Str("service_started".into())),
                        pair("required", Kind::Bool(true)),
                    ]),
                )
            } else {
                synthesized(&item, Kind::Null)
            };
            let key = Node {
                kind: Kind::Str(item.key_string()),
                tag: None,
                ..item
            };
            (key, value)
        })
        .collect();
    with_kind(container, Kind::Map(entries))
}

// ---------------------------------------------------------------------------------------------
// Unicity

/// How the items of a list are told apart (compose-go's `unique` indexers).
#[derive(Debug, Clone, Copy)]
enum Index {
    /// The text before `=` (or the whole item).
    KeyValue,
    Port,
    Volume,
    Device,
    Expose,
    EnvFile,
    /// `secrets` (`/run/secrets/NAME`) and `configs` (`/NAME`) without a target.
    Mount(&'static str),
}

const UNIQUE: &[(&str, Index)] = &[
    ("networks.*.labels", Index::KeyValue),
    ("networks.*.ipam.options", Index::KeyValue),
    ("services.*.annotations", Index::KeyValue),
    ("services.*.build.args", Index::KeyValue),
    ("services.*.build.additional_contexts", Index::KeyValue),
    ("services.*.build.platform", Index::KeyValue),
    ("services.*.build.tags", Index::KeyValue),
    ("services.*.build.labels", Index::KeyValue),
    ("services.*.cap_add", Index::KeyValue),
    ("services.*.cap_drop", Index::KeyValue),
    ("services.*.configs", Index::Mount("")),
    ("services.*.deploy.labels", Index::KeyValue),
    ("services.*.dns", Index::KeyValue),
    ("services.*.dns_opt", Index::KeyValue),
    ("services.*.dns_search", Index::KeyValue),
    ("services.*.environment", Index::KeyValue),
    ("services.*.env_file", Index::EnvFile),
    ("services.*.expose", Index::Expose),
    ("services.*.labels", Index::KeyValue),
    ("services.*.links", Index::KeyValue),
    ("services.*.networks.*.aliases", Index::KeyValue),
    ("services.*.networks.*.link_local_ips", Index::KeyValue),
    ("services.*.ports", Index::Port),
    ("services.*.profiles", Index::KeyValue),
    ("services.*.secrets", Index::Mount("/run/secrets")),
    ("services.*.sysctls", Index::KeyValue),
    ("services.*.tmpfs", Index::KeyValue),
    ("services.*.volumes", Index::Volume),
    ("services.*.devices", Index::Device),
];

/// compose-go's `EnforceUnicity`: in the lists above, a later item with the key of an earlier one
/// replaces it in place. Items whose key compose-go would only know after expanding them (port
/// ranges) are kept; [`super::normalize`] deduplicates the expanded ports.
pub(crate) fn enforce_unicity(node: &mut Node, path: &mut Vec<String>) {
    match &mut node.kind {
        Kind::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                path.push(k.key_string());
                enforce_unicity(v, path);
                path.pop();
            }
        }
        Kind::Seq(items) => {
            let Some(index) = UNIQUE
                .iter()
                .find(|(pattern, _)| matches(path, pattern))
                .map(|(_, index)| *index)
            else {
                return;
            };
            let mut out: Vec<Node> = Vec::with_capacity(items.len());
            let mut seen: HashMap<String, usize> = HashMap::new();
            for item in std::mem::take(items) {
                match unique_key(index, &item) {
                    Some(key) => match seen.get(&key) {
                        Some(&at) => out[at] = item,
                        None => {
                            seen.insert(key, out.len());
                            out.push(item);
                        }
                    },
                    None => out.push(item),
                }
            }
            *items = out;
        }
        _ => {}
    }
}

/// The unicity key of a list item, as compose-go computes it on its canonical model (short
/// syntax expanded to long syntax; long syntax as written, formatted the way Go prints it).
fn unique_key(index: Index, item: &Node) -> Option<String> {
    match index {
        Index::KeyValue => match &item.kind {
            Kind::Str(s) => Some(s.split_once('=').map_or(s.as_str(), |(k, _)| k).to_string()),
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => Some(go_sprint(item)),
            _ => None,
        },
        Index::Expose => match &item.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Int(i) => Some(i.to_string()),
            _ => None,
        },
        Index::EnvFile => match &item.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Map(_) => item.get("path").and_then(Node::as_str).map(str::to_string),
            _ => None,
        },
        Index::Volume => match &item.kind {
            Kind::Str(s) => parse_volume(s).ok().map(|v| clean_path(&v.target)),
            Kind::Map(_) => item
                .get("target")
                .and_then(Node::as_str)
                .map(str::to_string),
            _ => None,
        },
        Index::Device => match &item.kind {
            Kind::Str(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                Some(parts.get(1).unwrap_or(&parts[0]).to_string())
            }
            Kind::Map(_) => item
                .get("target")
                .and_then(Node::as_str)
                .map(str::to_string),
            _ => None,
        },
        Index::Mount(dir) => match &item.kind {
            Kind::Str(s) => Some(format!("{dir}/{s}")),
            Kind::Map(_) => match item.get("target") {
                Some(t) => t.as_str().map(str::to_string),
                None => Some(format!(
                    "{dir}/{}",
                    go_sprint_s(item.get("source").map(|n| &n.kind))
                )),
            },
            _ => None,
        },
        Index::Port => port_key(item),
    }
}

/// compose-go's `portIndexer` on a canonical port: `fmt.Sprintf("%s:%s:%d/%s", host_ip,
/// published, target, protocol)`, host IP defaulting to `0.0.0.0` and protocol to `tcp`.
fn port_key(item: &Node) -> Option<String> {
    match &item.kind {
        Kind::Int(target) => Some(format!("0.0.0.0:%!s(<nil>):{target}/tcp")),
        Kind::Str(spec) => match parse_port(spec).ok()?.expand().as_slice() {
            [port] => Some(port.key()),
            _ => None,
        },
        Kind::Map(_) => long_port_key(item),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, file: u32) -> Node {
        Node::parse_file(text, file).unwrap()
    }

    fn merged(base: &str, overlay: &str) -> Node {
        merge(parse(base, 0), parse(overlay, 1))
    }

    fn at<'a>(root: &'a Node, dotted: &str) -> &'a Node {
        root.at(&Path::parse_dotted(dotted))
            .unwrap_or_else(|| panic!("no {dotted} in {:#?}", root.to_json()))
    }

    fn json(root: &Node, dotted: &str) -> serde_json::Value {
        at(root, dotted).to_json()
    }

    /// The files of the items of a list.
    fn files(root: &Node, dotted: &str) -> Vec<u32> {
        match &at(root, dotted).kind {
            Kind::Seq(items) => items.iter().map(|n| n.file).collect(),
            Kind::Map(entries) => entries.iter().map(|(_, v)| v.file).collect(),
            _ => vec![at(root, dotted).file],
        }
    }

    const WEB: &str = "services:\n  web:\n    image: nginx\n";

    #[test]
    fn mappings_merge_recursively_and_scalars_are_replaced() {
        let m = merged(
            "services:\n  web:\n    image: nginx\n    restart: always\n    deploy:\n      resources:\n        limits: {cpus: '1'}\n",
            "services:\n  web:\n    image: nginx:2\n    deploy:\n      resources:\n        limits: {memory: 1g}\n  db:\n    image: pg\n",
        );
        assert_eq!(json(&m, "services.web.image"), "nginx:2");
        assert_eq!(at(&m, "services.web.image").file, 1);
        let overlay = "services:\n  web:\n    image: nginx:2\n";
        let image = at(&m, "services.web.image").span;
        assert_eq!(
            &overlay[image.start..image.end],
            "nginx:2",
            "the span is where the override wrote it"
        );
        assert_eq!(
            m.key_node(&Path::parse_dotted("services.web.image"))
                .unwrap()
                .file,
            1,
            "a replaced entry takes the override's key"
        );
        assert_eq!(json(&m, "services.web.restart"), "always");
        assert_eq!(at(&m, "services.web.restart").file, 0);
        assert_eq!(
            m.key_node(&Path::parse_dotted("services.web"))
                .unwrap()
                .file,
            0,
            "a merged entry keeps the base's key"
        );
        assert_eq!(
            json(&m, "services.web.deploy.resources.limits"),
            serde_json::json!({"cpus": "1", "memory": "1g"})
        );
        assert_eq!(files(&m, "services.web.deploy.resources.limits"), [0, 1]);
        assert_eq!(at(&m, "services.db").file, 1);
    }

    #[test]
    fn null_in_the_override_keeps_the_base() {
        let m = merged(
            "services:\n  web:\n    image: nginx\n    healthcheck: {test: [CMD, x]}\n",
            "services:\n  web:\n    image:\n    healthcheck:\n",
        );
        assert_eq!(json(&m, "services.web.image"), "nginx");
        assert_eq!(at(&m, "services.web.image").file, 0);
        assert_eq!(json(&m, "services.web.healthcheck.test[1]"), "x");
    }

    #[test]
    fn unknown_sequences_append() {
        let m = merged(
            "services:\n  web:\n    image: x\n    deploy: {placement: {constraints: [a==1]}}\n",
            "services:\n  web:\n    deploy: {placement: {constraints: [a==1, b==2]}}\n",
        );
        assert_eq!(
            json(&m, "services.web.deploy.placement.constraints"),
            serde_json::json!(["a==1", "a==1", "b==2"])
        );
        assert_eq!(
            files(&m, "services.web.deploy.placement.constraints"),
            [0, 1, 1]
        );
    }

    #[test]
    fn command_entrypoint_and_healthcheck_test_are_replaced() {
        let m = merged(
            "services:\n  web:\n    image: x\n    command: [a, b]\n    entrypoint: [sh]\n    healthcheck: {test: [CMD, a], interval: 5s}\n",
            "services:\n  web:\n    command: [c]\n    entrypoint:\n    healthcheck: {test: b}\n",
        );
        assert_eq!(json(&m, "services.web.command"), serde_json::json!(["c"]));
        assert_eq!(files(&m, "services.web.command"), [1]);
        assert_eq!(json(&m, "services.web.entrypoint"), serde_json::Value::Null);
        assert_eq!(json(&m, "services.web.healthcheck.test"), "b");
        assert_eq!(at(&m, "services.web.healthcheck.test").file, 1);
        assert_eq!(json(&m, "services.web.healthcheck.interval"), "5s");
        assert_eq!(at(&m, "services.web.healthcheck.interval").file, 0);
    }

    #[test]
    fn environment_merges_by_key_whatever_the_form() {
        let m = merged(
            "services:\n  web:\n    image: x\n    environment: [A=1, B=2]\n",
            "services:\n  web:\n    environment: {B: 3, C: true, D:}\n",
        );
        assert_eq!(
            json(&m, "services.web.environment"),
            serde_json::json!(["A=1", "B=3", "C=true", "D"])
        );
        assert_eq!(files(&m, "services.web.environment"), [0, 1, 1, 1]);
        let text = "services:\n  web:\n    environment: {B: 3, C: true, D:}\n";
        let b = at(&m, "services.web.environment[1]");
        assert_eq!(
            &text[b.span.start..b.span.end],
            "B: 3",
            "K=V spans the entry"
        );

        let m = merged(
            "services:\n  web:\n    image: x\n    environment: {A: 1, B: 2}\n",
            "services:\n  web:\n    environment: {A: 3}\n",
        );
        assert_eq!(
            json(&m, "services.web.environment"),
            serde_json::json!(["A=3", "B=2"])
        );
        assert_eq!(files(&m, "services.web.environment"), [1, 0]);
    }

    #[test]
    fn labels_annotations_sysctls_args_and_deploy_labels_merge_by_key() {
        let m = merged(
            "services:\n  web:\n    image: x\n    labels: {a: '1', b: '2'}\n    annotations: [x=1]\n    sysctls: [net.a=1]\n    build: {context: ., args: [A=1, B]}\n    deploy: {labels: {l: '1'}}\n",
            "services:\n  web:\n    labels: [b=3]\n    annotations: {x: 2}\n    sysctls: {net.a: 2, net.b: 1}\n    build: {args: {B: 2}}\n    deploy: {labels: [m=2]}\n",
        );
        assert_eq!(
            json(&m, "services.web.labels"),
            serde_json::json!(["a=1", "b=3"])
        );
        assert_eq!(files(&m, "services.web.labels"), [0, 1]);
        assert_eq!(
            json(&m, "services.web.annotations"),
            serde_json::json!(["x=2"])
        );
        assert_eq!(files(&m, "services.web.annotations"), [1]);
        assert_eq!(
            json(&m, "services.web.sysctls"),
            serde_json::json!(["net.a=2", "net.b=1"])
        );
        assert_eq!(
            json(&m, "services.web.build.args"),
            serde_json::json!(["A=1", "B=2"])
        );
        assert_eq!(files(&m, "services.web.build.args"), [0, 1]);
        assert_eq!(
            json(&m, "services.web.deploy.labels"),
            serde_json::json!(["l=1", "m=2"])
        );
    }

    #[test]
    fn extra_hosts_drop_exact_duplicates_only() {
        let m = merged(
            "services:\n  web:\n    image: x\n    extra_hosts: ['h:1.1.1.1']\n",
            "services:\n  web:\n    extra_hosts: {h: 1.1.1.1, g: [2.2.2.2, 3.3.3.3]}\n",
        );
        assert_eq!(
            json(&m, "services.web.extra_hosts"),
            serde_json::json!(["h:1.1.1.1", "h=1.1.1.1", "g=2.2.2.2", "g=3.3.3.3"])
        );
        let m = merged(
            "services:\n  web:\n    image: x\n    extra_hosts: ['h:1.1.1.1']\n",
            "services:\n  web:\n    extra_hosts: ['h:1.1.1.1', 'h:2.2.2.2']\n",
        );
        assert_eq!(
            json(&m, "services.web.extra_hosts"),
            serde_json::json!(["h:1.1.1.1", "h:2.2.2.2"])
        );
        assert_eq!(files(&m, "services.web.extra_hosts"), [0, 1]);
    }

    #[test]
    fn ports_are_unique_by_ip_published_target_and_protocol() {
        let m = merged(
            "services:\n  web:\n    image: x\n    ports: ['80:80', '443:443', '53:53/udp', 90]\n",
            "services:\n  web:\n    ports: ['0.0.0.0:80:80', '53:53', {target: 90, mode: host}, {target: 443, published: 443}]\n",
        );
        assert_eq!(
            json(&m, "services.web.ports"),
            serde_json::json!([
                "0.0.0.0:80:80",
                "443:443",
                "53:53/udp",
                {"target": 90, "mode": "host"},
                "53:53",
                {"target": 443, "published": 443}
            ]),
            "a numeric published port is another key than the string of the short syntax"
        );
        assert_eq!(files(&m, "services.web.ports"), [1, 0, 0, 1, 1, 1]);
    }

    #[test]
    fn expose_dns_caps_profiles_tmpfs_links_deduplicate() {
        let m = merged(
            "services:\n  web:\n    image: x\n    expose: ['80', 81]\n    dns: 8.8.8.8\n    dns_search: [a.com]\n    dns_opt: [x]\n    cap_add: [A, B]\n    cap_drop: [ALL]\n    profiles: [p]\n    tmpfs: /run\n    links: [db]\n",
            "services:\n  web:\n    expose: [80, '81', 82]\n    dns: [1.1.1.1, 8.8.8.8]\n    dns_search: a.com\n    dns_opt: [x, y]\n    cap_add: [B, C]\n    cap_drop: [ALL]\n    profiles: [p, q]\n    tmpfs: [/run, /tmp]\n    links: ['db:db', db]\n",
        );
        assert_eq!(
            json(&m, "services.web.expose"),
            serde_json::json!([80, "81", 82])
        );
        assert_eq!(files(&m, "services.web.expose"), [1, 1, 1]);
        assert_eq!(
            json(&m, "services.web.dns"),
            serde_json::json!(["8.8.8.8", "1.1.1.1"])
        );
        assert_eq!(files(&m, "services.web.dns"), [1, 1]);
        assert_eq!(
            json(&m, "services.web.dns_search"),
            serde_json::json!(["a.com"])
        );
        assert_eq!(
            json(&m, "services.web.dns_opt"),
            serde_json::json!(["x", "y"])
        );
        assert_eq!(
            json(&m, "services.web.cap_add"),
            serde_json::json!(["A", "B", "C"])
        );
        assert_eq!(files(&m, "services.web.cap_add"), [0, 1, 1]);
        assert_eq!(
            json(&m, "services.web.cap_drop"),
            serde_json::json!(["ALL"])
        );
        assert_eq!(
            json(&m, "services.web.profiles"),
            serde_json::json!(["p", "q"])
        );
        assert_eq!(
            json(&m, "services.web.tmpfs"),
            serde_json::json!(["/run", "/tmp"])
        );
        assert_eq!(
            json(&m, "services.web.links"),
            serde_json::json!(["db", "db:db"])
        );
        assert_eq!(files(&m, "services.web.links"), [1, 1]);
    }

    #[test]
    fn env_file_is_unique_by_path() {
        let m = merged(
            "services:\n  web:\n    image: x\n    env_file: a.env\n",
            "services:\n  web:\n    env_file: [{path: a.env, required: false}, b.env]\n",
        );
        assert_eq!(
            json(&m, "services.web.env_file"),
            serde_json::json!([{"path": "a.env", "required": false}, "b.env"])
        );
        assert_eq!(files(&m, "services.web.env_file"), [1, 1]);
    }

    #[test]
    fn volumes_devices_secrets_configs_are_unique_by_target() {
        let m = merged(
            "services:\n  web:\n    image: x\n    volumes: ['./a:/x:ro', 'data:/y', {type: tmpfs, target: /z}]\n    devices: ['/dev/a:/dev/a']\n    secrets: [s1, {source: s2, target: /t}]\n    configs: [c1]\n",
            "services:\n  web:\n    volumes: ['./b:/x/', {type: volume, source: d, target: /y2}]\n    devices: ['/dev/b:/dev/a:r']\n    secrets: [{source: s1, mode: 0400}, {source: s3, target: /t}]\n    configs: [{source: c1, target: /c1}]\n",
        );
        assert_eq!(
            json(&m, "services.web.volumes"),
            serde_json::json!([
                "./b:/x/",
                "data:/y",
                {"type": "tmpfs", "target": "/z"},
                {"type": "volume", "source": "d", "target": "/y2"}
            ])
        );
        assert_eq!(files(&m, "services.web.volumes"), [1, 0, 0, 1]);
        assert_eq!(
            json(&m, "services.web.devices"),
            serde_json::json!(["/dev/b:/dev/a:r"])
        );
        assert_eq!(files(&m, "services.web.secrets"), [1, 1]);
        assert_eq!(json(&m, "services.web.secrets[1].source"), "s3");
        assert_eq!(files(&m, "services.web.configs"), [1]);
    }

    #[test]
    fn depends_on_merges_by_name_and_a_list_resets_the_condition() {
        let m = merged(
            "services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: service_healthy, restart: true}\n",
            "services:\n  web:\n    depends_on: [db, cache]\n",
        );
        assert_eq!(
            json(&m, "services.web.depends_on"),
            serde_json::json!({
                "db": {"condition": "service_started", "restart": true, "required": true},
                "cache": {"condition": "service_started", "required": true}
            })
        );
        assert_eq!(at(&m, "services.web.depends_on.db.condition").file, 1);
        assert_eq!(at(&m, "services.web.depends_on.db.restart").file, 0);
        assert_eq!(
            m.key_node(&Path::parse_dotted("services.web.depends_on.db"))
                .unwrap()
                .file,
            0
        );
        assert_eq!(at(&m, "services.web.depends_on.cache").file, 1);

        let m = merged(
            "services:\n  web:\n    image: x\n    depends_on: [db]\n",
            "services:\n  web:\n    depends_on: [db, cache]\n",
        );
        assert_eq!(
            json(&m, "services.web.depends_on"),
            serde_json::json!(["db", "cache"])
        );
        assert_eq!(files(&m, "services.web.depends_on"), [0, 1]);
    }

    #[test]
    fn networks_merge_by_name_and_aliases_deduplicate() {
        let m = merged(
            "services:\n  web:\n    image: x\n    networks:\n      front: {aliases: [a, b]}\n      back:\n",
            "services:\n  web:\n    networks: [front, extra]\n",
        );
        assert_eq!(
            json(&m, "services.web.networks"),
            serde_json::json!({"front": {"aliases": ["a", "b"]}, "back": null, "extra": null})
        );
        assert_eq!(files(&m, "services.web.networks"), [0, 0, 1]);
        let m = merged(
            "services:\n  web:\n    image: x\n    networks: [front]\n",
            "services:\n  web:\n    networks:\n      front: {aliases: [b]}\n",
        );
        assert_eq!(
            json(&m, "services.web.networks"),
            serde_json::json!({"front": {"aliases": ["b"]}})
        );
        assert_eq!(at(&m, "services.web.networks.front").file, 1);
        let m = merged(
            "services:\n  web:\n    image: x\n    networks: {front: {aliases: [a, b]}}\n",
            "services:\n  web:\n    networks: {front: {aliases: [b, c]}}\n",
        );
        assert_eq!(
            json(&m, "services.web.networks.front.aliases"),
            serde_json::json!(["a", "b", "c"])
        );
        assert_eq!(files(&m, "services.web.networks.front.aliases"), [0, 1, 1]);
    }

    #[test]
    fn logging_merges_only_with_the_same_driver() {
        let base = "services:\n  web:\n    image: x\n    logging: {driver: json-file, options: {max-size: 1m, max-file: '3'}}\n";
        let m = merged(
            base,
            "services:\n  web:\n    logging: {driver: syslog, options: {tag: x}}\n",
        );
        assert_eq!(
            json(&m, "services.web.logging"),
            serde_json::json!({"driver": "syslog", "options": {"tag": "x"}})
        );
        assert_eq!(at(&m, "services.web.logging").file, 1);
        let m = merged(
            base,
            "services:\n  web:\n    logging: {options: {max-size: 2m}}\n",
        );
        assert_eq!(
            json(&m, "services.web.logging"),
            serde_json::json!({"driver": "json-file", "options": {"max-size": "2m", "max-file": "3"}})
        );
        assert_eq!(files(&m, "services.web.logging.options"), [1, 0]);
    }

    #[test]
    fn ulimits_entries_are_replaced() {
        let m = merged(
            "services:\n  web:\n    image: x\n    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 5}\n",
            "services:\n  web:\n    ulimits: {nofile: 7, core: {soft: 1, hard: 2}}\n",
        );
        assert_eq!(
            json(&m, "services.web.ulimits"),
            serde_json::json!({"nofile": 7, "nproc": 5, "core": {"soft": 1, "hard": 2}})
        );
        assert_eq!(files(&m, "services.web.ulimits"), [1, 0, 1]);
    }

    #[test]
    fn build_string_and_mapping_forms_merge() {
        let m = merged(
            "services:\n  web:\n    build: ./dir\n",
            "services:\n  web:\n    build: {dockerfile: D}\n",
        );
        assert_eq!(
            json(&m, "services.web.build"),
            serde_json::json!({"context": "./dir", "dockerfile": "D"})
        );
        assert_eq!(files(&m, "services.web.build"), [0, 1]);
        let m = merged(
            "services:\n  web:\n    build: {context: ., args: {A: 0}}\n",
            "services:\n  web:\n    build: ./other\n",
        );
        assert_eq!(
            json(&m, "services.web.build"),
            serde_json::json!({"context": "./other", "args": {"A": 0}})
        );
        assert_eq!(files(&m, "services.web.build"), [1, 0]);
        let m = merged(
            "services:\n  web:\n    build: ./a\n",
            "services:\n  web:\n    build: ./b\n",
        );
        assert_eq!(json(&m, "services.web.build"), "./b");
    }

    #[test]
    fn top_level_resources_and_extensions_merge_by_name() {
        let m = merged(
            "services:\n  web: {image: x}\nvolumes: {a: {}, b: {driver: local}}\nnetworks: {n: {labels: [x=1]}}\nsecrets: {s: {file: ./s}}\nconfigs: {c: {file: ./c}}\nx-common: {a: 1, b: 2}\n",
            "volumes: {b: {labels: {k: v}}, c: {}}\nnetworks: {n: {labels: {x: 2, y: 3}}}\nsecrets: {t: {file: ./t}}\nconfigs: {c: {file: ./d}}\nx-common: {c: 3}\n",
        );
        assert_eq!(
            json(&m, "volumes"),
            serde_json::json!({"a": {}, "b": {"driver": "local", "labels": {"k": "v"}}, "c": {}})
        );
        assert_eq!(files(&m, "volumes"), [0, 0, 1]);
        assert_eq!(
            json(&m, "networks.n.labels"),
            serde_json::json!(["x=2", "y=3"])
        );
        assert_eq!(files(&m, "networks.n.labels"), [1, 1]);
        assert_eq!(files(&m, "secrets"), [0, 1]);
        assert_eq!(json(&m, "configs.c.file"), "./d");
        assert_eq!(at(&m, "configs.c.file").file, 1);
        assert_eq!(
            json(&m, "x-common"),
            serde_json::json!({"a": 1, "b": 2, "c": 3})
        );
        assert_eq!(files(&m, "x-common"), [0, 0, 1]);
    }

    #[test]
    fn ipam_config_follows_compose_go() {
        let base = "networks:\n  n:\n    ipam:\n      config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}, {subnet: 10.1.0.0/24}]\n";
        let m = merged(
            base,
            "networks:\n  n:\n    ipam:\n      config: [{subnet: 10.2.0.0/24}]\n",
        );
        assert_eq!(
            json(&m, "networks.n.ipam.config"),
            serde_json::json!([{"subnet": "10.2.0.0/24"}])
        );
        let m = merged(
            base,
            "networks:\n  n:\n    ipam:\n      config: [{subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25}]\n",
        );
        assert_eq!(
            json(&m, "networks.n.ipam.config"),
            serde_json::json!([{"subnet": "10.0.0.0/24", "ip_range": "10.0.0.0/25"}]),
            "the second base config merges with the override too and replaces the first"
        );
        assert_eq!(files(&m, "networks.n.ipam.config[0]"), [1, 1]);
    }

    #[test]
    fn reset_removes_the_value() {
        let m = merged(
            "services:\n  web:\n    image: x\n    ports: ['80:80']\n    restart: always\n    environment: {A: '1', B: '2'}\n",
            "services:\n  web:\n    ports: !reset []\n    restart: !reset\n    environment:\n      A: !reset null\n      C: '3'\n",
        );
        let web = at(&m, "services.web");
        assert!(web.get("ports").is_none());
        assert!(web.get("restart").is_none());
        assert_eq!(
            json(&m, "services.web.environment"),
            serde_json::json!(["B=2", "C=3"])
        );
        assert_eq!(files(&m, "services.web.environment"), [0, 1]);
    }

    #[test]
    fn reset_cannot_find_a_key_in_a_list() {
        let m = merged(
            "services:\n  web:\n    image: x\n    environment: [A=1, B=2]\n",
            "services:\n  web:\n    environment:\n      A: !reset null\n",
        );
        assert_eq!(
            json(&m, "services.web.environment"),
            serde_json::json!(["A=1", "B=2"])
        );
        assert_eq!(files(&m, "services.web.environment"), [0, 0]);
    }

    #[test]
    fn reset_finds_list_dependencies_and_a_build_context() {
        let m = merged(
            "services:\n  web:\n    build: ./d\n    depends_on: [db, cache]\n    networks: [a, b]\n",
            "services:\n  web:\n    build:\n      context: !reset null\n    depends_on:\n      db: !reset\n    networks:\n      b: !reset\n",
        );
        assert_eq!(json(&m, "services.web.build"), serde_json::json!({}));
        assert_eq!(
            json(&m, "services.web.depends_on"),
            serde_json::json!({"cache": {"condition": "service_started", "required": true}})
        );
        assert_eq!(
            json(&m, "services.web.networks"),
            serde_json::json!({"a": null})
        );
        assert_eq!(files(&m, "services.web.networks"), [0]);
    }

    #[test]
    fn reset_in_a_sequence_drops_only_the_override_item() {
        let m = merged(
            "services:\n  web:\n    image: x\n    ports: ['80:80']\n",
            "services:\n  web:\n    ports: [!reset '80:80', '81:81']\n",
        );
        assert_eq!(
            json(&m, "services.web.ports"),
            serde_json::json!(["80:80", "81:81"])
        );
        assert_eq!(files(&m, "services.web.ports"), [0, 1]);
    }

    #[test]
    fn override_replaces_without_merging_at_any_depth() {
        let m = merged(
            "services:\n  web:\n    image: x\n    ports: ['8080:80']\n    labels: {a: b}\n    deploy: {resources: {limits: {cpus: '1', memory: 1g}}}\n",
            "services:\n  web:\n    ports: !override ['8443:443']\n    labels: !override {c: d}\n    deploy: {resources: {limits: !override {memory: 2g}}}\n",
        );
        assert_eq!(
            json(&m, "services.web.ports"),
            serde_json::json!(["8443:443"])
        );
        assert_eq!(files(&m, "services.web.ports"), [1]);
        assert_eq!(
            json(&m, "services.web.labels"),
            serde_json::json!({"c": "d"})
        );
        assert_eq!(
            json(&m, "services.web.deploy.resources.limits"),
            serde_json::json!({"memory": "2g"})
        );
        assert_eq!(at(&m, "services.web.deploy.resources.limits").file, 1);
        assert_eq!(
            m.key_node(&Path::parse_dotted("services.web.labels"))
                .unwrap()
                .file,
            1
        );
        let keys: Vec<String> = match &at(&m, "services.web").kind {
            Kind::Map(e) => e.iter().map(|(k, _)| k.key_string()).collect(),
            _ => vec![],
        };
        assert_eq!(keys, ["image", "ports", "labels", "deploy"], "in place");
    }

    #[test]
    fn reset_in_a_single_file_is_dropped() {
        let root = resolve_tags(parse(
            "services:\n  web:\n    image: x\n    ports: !reset ['80:80']\n",
            0,
        ));
        assert!(at(&root, "services.web").get("ports").is_none());
    }

    #[test]
    fn a_type_change_is_a_conflict() {
        let (m, conflicts) = merge_checked(
            parse(&format!("{WEB}    x-data: [1]\n"), 0),
            parse("services:\n  web:\n    x-data: {a: 1}\n", 1),
        );
        assert_eq!(conflicts.len(), 1);
        assert_eq!(
            conflicts[0].to_string(),
            "cannot override services.web.x-data"
        );
        assert_eq!(conflicts[0].overlay.0, 1);
        assert_eq!(json(&m, "services.web.x-data"), serde_json::json!({"a": 1}));
    }

    #[test]
    fn interpolation_provenance_follows_k_v_items() {
        let mut overlay = parse("services:\n  web:\n    environment: {A: x}\n", 1);
        let mut node = &mut overlay;
        for key in ["services", "web", "environment", "A"] {
            let Kind::Map(entries) = &mut node.kind else {
                unreachable!()
            };
            node = &mut entries
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(key))
                .unwrap()
                .1;
        }
        node.interp = Some(Box::new(Interp {
            raw: "${X}".into(),
            unset: vec!["X".into()],
            required: vec![],
        }));
        let m = merge(
            parse("services:\n  web:\n    environment: [B=1]\n", 0),
            overlay,
        );
        let a = at(&m, "services.web.environment[1]");
        assert_eq!(a.as_str(), Some("A=x"));
        assert_eq!(a.interp.as_ref().unwrap().raw, "A=${X}");
        assert_eq!(a.interp.as_ref().unwrap().unset, ["X"]);
        assert_eq!(a.file, 1);
        assert_eq!(files(&m, "services.web.environment"), [0, 1]);
    }

    #[test]
    fn go_formats_mapping_values_like_compose() {
        let m = merged(
            "services:\n  web:\n    environment: [Z=0]\n",
            "services:\n  web:\n    environment: {A: 1e6, B: 1234567.0, C: 1.0e-5, D: 0.1, E: 1.0, F: 123456.0, G: false}\n",
        );
        assert_eq!(
            json(&m, "services.web.environment"),
            serde_json::json!([
                "Z=0",
                "A=1e+06",
                "B=1.234567e+06",
                "C=1e-05",
                "D=0.1",
                "E=1",
                "F=123456",
                "G=false"
            ])
        );
        assert_eq!(
            files(&m, "services.web.environment"),
            [0, 1, 1, 1, 1, 1, 1, 1]
        );
    }

    #[test]
    fn three_files_merge_left_to_right() {
        let a = parse(
            "services:\n  web:\n    image: x\n    environment: {A: '1'}\n",
            0,
        );
        let b = parse("services:\n  web:\n    environment: {B: '2'}\n", 1);
        let c = parse(
            "services:\n  web:\n    image: y\n    environment:\n      A: !reset null\n",
            2,
        );
        let m = merge(merge(a, b), c);
        assert_eq!(at(&m, "services.web.image").file, 2);
        assert_eq!(
            json(&m, "services.web.environment"),
            serde_json::json!(["A=1", "B=2"]),
            "a list after two files: compose-go's !reset no longer finds A"
        );
        assert_eq!(files(&m, "services.web.environment"), [0, 1]);
    }
}
