//! Fixes: text edits that rules attach to their findings, and the applier that makes them.
//!
//! A rule that knows how to repair what it reports builds a [`Fix`] from the nodes it looked at,
//! with the helpers here ([`quote`], [`edit_scalar`], [`insert_key`], [`append_item`]): byte
//! ranges of the file as written and their replacements, in the style of the site (flow or
//! block, indentation, quotes, line endings). A fix is refused (with the [`Refusal`] saying why)
//! when the value does not come from the text at that place: an anchor (an alias or a merge key
//! would carry the edit to every user), another file of the project (an override, `extends`,
//! `include`), or an interpolated `${VAR}`.
//!
//! [`fix_project`] applies the fixes of one project's main file: it sorts their edits, defers
//! a fix that overlaps one already taken to the next round, applies the rest to the original
//! bytes, checks that the result still parses, lints again and loops to a fixed point (at most
//! [`MAX_ROUNDS`] rounds). Every byte outside the edited ranges stays as it was.

use std::collections::BTreeMap;

use super::config::Settings;
use super::context::Context;
use super::images::ImageTable;
use super::{ProjectSpec, Report};
use crate::yaml::{Kind, Node, Span};

/// Lint-and-fix rounds at most: a fix can reveal another (quoting a port CG103 then binds).
pub const MAX_ROUNDS: usize = 8;

/// One replacement of a byte range of the main file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The bytes replaced (empty: an insertion).
    pub span: Span,
    /// What they are replaced with.
    pub replacement: String,
}

/// Why a fix is not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Refusal {
    /// The value is (inside) an anchored node, an alias or a merge key.
    Anchor,
    /// The value is written in another file of the project.
    OtherFile,
    /// The value comes from `${VAR}` interpolation.
    Interpolated,
    /// Applying it would make the file invalid YAML.
    Unparsable,
    /// Applied, it did not make the finding go away (so it was undone).
    NotResolved,
}

impl Refusal {
    /// Short name (for counts).
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Anchor => "anchor",
            Refusal::OtherFile => "other-file",
            Refusal::Interpolated => "interpolated",
            Refusal::Unparsable => "unparsable",
            Refusal::NotResolved => "not-resolved",
        }
    }

    /// Why, in words.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Anchor => {
                "the value comes from an anchor, alias or merge key: fixing it there would change every place that uses it"
            }
            Refusal::OtherFile => {
                "the value comes from another file of the project (an override, `extends` or `include`)"
            }
            Refusal::Interpolated => "the value comes from `${VAR}` interpolation",
            Refusal::Unparsable => "the fixed file would not be valid YAML",
            Refusal::NotResolved => "the fix would not make the finding go away",
        }
    }
}

/// A fix for one finding: its edits, or why it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The edits (all in the main file), or why there are none.
    pub edits: Result<Vec<Edit>, Refusal>,
}

impl Fix {
    fn edits(edits: Vec<Edit>) -> Fix {
        Fix { edits: Ok(edits) }
    }

    fn refused(why: Refusal) -> Fix {
        Fix { edits: Err(why) }
    }
}

/// The spans of the anchored nodes of the main file, computed once per lint.
fn anchored(cx: &Context<'_>) -> std::rc::Rc<Vec<Span>> {
    let text = cx.text;
    cx.index.memo("fix.anchored", || Node::anchored_spans(text))
}

/// Whether an edit of `span` touches an anchored node.
fn in_anchor(cx: &Context<'_>, span: Span) -> bool {
    anchored(cx).iter().any(|a| {
        if span.is_empty() {
            a.start <= span.start && span.start <= a.end
        } else {
            span.start < a.end && a.start < span.end
        }
    })
}

/// Why a fix at `node` (or inside it, at `span`) is refused, if it is.
fn refusal(cx: &Context<'_>, node: &Node, span: Span) -> Option<Refusal> {
    if node.file as usize != cx.file {
        return Some(Refusal::OtherFile);
    }
    if node.interp.is_some() {
        return Some(Refusal::Interpolated);
    }
    // An alias stands for its anchor: its span is the `*name`. An edit inside an anchored
    // node, or of a node that is (inside) one (a key added to an anchored mapping), changes
    // every user.
    let at_node = Span {
        start: node.span.start,
        end: node.span.start + 1,
    };
    if cx
        .text
        .get(node.span.start..)
        .is_some_and(|t| t.starts_with('*'))
        || in_anchor(cx, span)
        || in_anchor(cx, at_node)
    {
        return Some(Refusal::Anchor);
    }
    None
}

/// A node written in another file of the project: its spans are not in the main file.
fn other_file(cx: &Context<'_>, node: &Node) -> Option<Fix> {
    (node.file as usize != cx.file).then(|| Fix::refused(Refusal::OtherFile))
}

fn checked(cx: &Context<'_>, node: &Node, edits: Vec<Edit>) -> Fix {
    for e in &edits {
        if let Some(why) = refusal(cx, node, e.span) {
            return Fix::refused(why);
        }
    }
    Fix::edits(edits)
}

/// Delete whole lines `span` (from a line start to after a line break) of the main file, where
/// `node` was written.
pub fn delete(cx: &Context<'_>, node: &Node, span: Span) -> Fix {
    checked(
        cx,
        node,
        vec![Edit {
            span,
            replacement: String::new(),
        }],
    )
}

/// The text between a scalar's quotes (or the whole plain scalar) when it reads exactly as
/// its value (no escapes, no folded lines): its span and its quote character.
fn inner(cx: &Context<'_>, node: &Node) -> Option<(Span, Option<char>)> {
    let value = match &node.kind {
        Kind::Str(s) => s.clone(),
        Kind::Int(i) => i.to_string(),
        Kind::Bool(_) if node.plain => cx.text.get(node.span.start..node.span.end)?.to_string(),
        _ => return None,
    };
    if node.tag.is_some() {
        return None;
    }
    let written = cx.text.get(node.span.start..node.span.end)?;
    let (span, quote) = if node.plain {
        (node.span, None)
    } else {
        let q = written.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        if written.len() < 2 || !written.ends_with(q) {
            return None;
        }
        (
            Span {
                start: node.span.start + 1,
                end: node.span.end - 1,
            },
            Some(q),
        )
    };
    (cx.text.get(span.start..span.end) == Some(value.as_str())
        && !value.contains(['\\', '"', '\'', '\n']))
    .then_some((span, quote))
}

/// Put a plain scalar in double quotes (`- 8080:80` → `- "8080:80"`).
pub fn quote(cx: &Context<'_>, node: &Node) -> Option<Fix> {
    if let Some(elsewhere) = other_file(cx, node) {
        return Some(elsewhere);
    }
    let (span, quote) = inner(cx, node)?;
    if quote.is_some() {
        return None;
    }
    let text = &cx.text[span.start..span.end];
    Some(checked(
        cx,
        node,
        vec![Edit {
            span,
            replacement: format!("\"{text}\""),
        }],
    ))
}

/// Edit a scalar's value in place, inside its quotes: `change` gets the value as written and
/// returns the byte range of it to replace and the replacement (None: no fix).
pub fn edit_scalar(
    cx: &Context<'_>,
    node: &Node,
    change: impl FnOnce(&str) -> Option<(std::ops::Range<usize>, String)>,
) -> Option<Fix> {
    if let Some(elsewhere) = other_file(cx, node) {
        return Some(elsewhere);
    }
    if node.interp.is_some() {
        return Some(Fix::refused(Refusal::Interpolated));
    }
    let (span, _) = inner(cx, node)?;
    let (range, replacement) = change(&cx.text[span.start..span.end])?;
    if range.end > span.end - span.start || range.start > range.end {
        return None;
    }
    Some(checked(
        cx,
        node,
        vec![Edit {
            span: Span {
                start: span.start + range.start,
                end: span.start + range.end,
            },
            replacement,
        }],
    ))
}

/// A value to write for a new key.
#[derive(Debug, Clone, Copy)]
pub enum Value<'v> {
    /// A scalar, written as given (`true`, `127.0.0.1`).
    Scalar(&'v str),
    /// A one-item list.
    List(&'v str),
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The line break the file uses at `at`'s line.
fn newline(text: &str, at: usize) -> &'static str {
    let end = text[at..].find('\n').map(|i| at + i);
    match end {
        Some(e) if e > 0 && text.as_bytes()[e - 1] == b'\r' => "\r\n",
        None if text.contains("\r\n") => "\r\n",
        _ => "\n",
    }
}

/// Where a new block line goes after content ending at `end`: the start of the next line, and
/// the break to write first when the file ends without one.
fn after_line(text: &str, end: usize) -> (usize, bool) {
    // A block scalar (`|`, `>`) ends at the next token: its trailing blank lines (kept by `|+`)
    // are its own, so what follows goes after them, at the start of that token's line.
    let start = line_start(text, end);
    if end > 0 && text[start..end].chars().all(|c| c == ' ' || c == '\t') {
        return (start, false);
    }
    match text[end..].find('\n') {
        Some(i) => (end + i + 1, false),
        None => (text.len(), true),
    }
}

/// A scalar as an item of a list, quoted like `like` (an existing item) or as needed.
fn item_text(cx: &Context<'_>, item: &str, like: Option<&Node>, flow: bool) -> String {
    let q = like.and_then(|n| {
        cx.text
            .get(n.span.start..)
            .and_then(|t| t.chars().next())
            .filter(|c| *c == '"' || *c == '\'')
    });
    match q {
        Some(q) => format!("{q}{item}{q}"),
        None if flow && item.contains(':') => format!("\"{item}\""),
        None => item.to_string(),
    }
}

/// How the file writes block sequences under a key: the dash's indentation past the key's,
/// and whether the first sequence under a key is written in flow style (`[a, b]`). From
/// `within` first, then the whole document; `(2, false)` when it has none.
fn sequence_style(cx: &Context<'_>, within: &Node) -> (usize, bool) {
    fn find(cx: &Context<'_>, n: &Node, depth: usize) -> Option<(usize, bool)> {
        if depth > 64 {
            return None;
        }
        let Kind::Map(entries) = &n.kind else {
            return match &n.kind {
                Kind::Seq(items) => items.iter().find_map(|i| find(cx, i, depth + 1)),
                _ => None,
            };
        };
        for (k, v) in entries {
            // A sequence written here (not an alias of one written elsewhere).
            if let Kind::Seq(items) = &v.kind
                && let Some(first) = items.first()
                && v.file as usize == cx.file
                && first.span.start > k.span.end
            {
                let flow = cx
                    .text
                    .get(v.span.start..)
                    .is_some_and(|t| t.starts_with('['));
                let key_col = k.span.start - line_start(cx.text, k.span.start);
                if flow {
                    return Some((2, true));
                }
                if let Some((dash, _)) = dash(cx.text, first) {
                    return Some((dash.saturating_sub(key_col), false));
                }
            }
            if let Some(found) = find(cx, v, depth + 1) {
                return Some(found);
            }
        }
        None
    }
    find(cx, within, 0)
        .or_else(|| find(cx, cx.root, 0))
        .unwrap_or((2, false))
}

/// The column of the `-` of a block sequence item, and the spaces after it.
fn dash(text: &str, item: &Node) -> Option<(usize, usize)> {
    let start = line_start(text, item.span.start);
    let prefix = &text[start..item.span.start];
    let d = prefix.rfind('-')?;
    let (before, after) = (&prefix[..d], &prefix[d + 1..]);
    (before.chars().all(|c| c == ' ' || c == '-')
        && !after.is_empty()
        && after.chars().all(|c| c == ' '))
    .then_some((d, after.len()))
}

/// Add `key: value` to a mapping (block or flow), after its last entry, indented like its
/// entries.
pub fn insert_key(cx: &Context<'_>, map: &Node, key: &str, value: Value<'_>) -> Option<Fix> {
    let Kind::Map(entries) = &map.kind else {
        return None;
    };
    if let Some(elsewhere) = other_file(cx, map) {
        return Some(elsewhere);
    }
    let text = cx.text;
    let written = text.get(map.span.start..)?;
    if written.starts_with('*') {
        return Some(Fix::refused(Refusal::Anchor));
    }
    // The entries written here (not merged in from an anchor).
    let own: Vec<&(Node, Node)> = entries
        .iter()
        .filter(|(k, _)| k.file == map.file && k.span.start >= map.span.start)
        .collect();
    if written.starts_with('{') {
        let (at, sep) = match own
            .iter()
            .map(|(k, v)| v.content_end(text).max(k.span.end))
            .max()
        {
            Some(end) => (end, ", "),
            None => (map.span.start + 1, ""),
        };
        let value = match value {
            Value::Scalar(s) => s.to_string(),
            Value::List(item) => format!("[{}]", item_text(cx, item, None, true)),
        };
        return Some(checked(
            cx,
            map,
            vec![Edit {
                span: Span { start: at, end: at },
                replacement: format!("{sep}{key}: {value}"),
            }],
        ));
    }
    let (first, _) = own.first()?;
    let indent = first.span.start - line_start(text, first.span.start);
    if !text[line_start(text, first.span.start)..first.span.start]
        .chars()
        .all(|c| c == ' ' || c == '-')
    {
        return None;
    }
    let end = own
        .iter()
        .map(|(k, v)| v.content_end(text).max(k.span.end))
        .max()?;
    let (at, break_first) = after_line(text, end);
    let nl = newline(text, end.min(text.len().saturating_sub(1)));
    let pad = " ".repeat(indent);
    let body = match value {
        Value::Scalar(s) => format!("{pad}{key}: {s}"),
        Value::List(item) => {
            let (offset, flow) = sequence_style(cx, map);
            if flow {
                format!("{pad}{key}: [{}]", item_text(cx, item, None, true))
            } else {
                format!(
                    "{pad}{key}:{nl}{}- {}",
                    " ".repeat(indent + offset),
                    item_text(cx, item, None, false)
                )
            }
        }
    };
    let replacement = if break_first {
        format!("{nl}{body}")
    } else {
        format!("{body}{nl}")
    };
    Some(checked(
        cx,
        map,
        vec![Edit {
            span: Span { start: at, end: at },
            replacement,
        }],
    ))
}

/// Append a scalar item to a sequence (block or flow), written like its items.
pub fn append_item(cx: &Context<'_>, seq: &Node, item: &str) -> Option<Fix> {
    let Kind::Seq(items) = &seq.kind else {
        return None;
    };
    if let Some(elsewhere) = other_file(cx, seq) {
        return Some(elsewhere);
    }
    let text = cx.text;
    let written = text.get(seq.span.start..)?;
    if written.starts_with('*') {
        return Some(Fix::refused(Refusal::Anchor));
    }
    let own: Vec<&Node> = items
        .iter()
        .filter(|n| n.file == seq.file && n.span.start >= seq.span.start)
        .collect();
    if written.starts_with('[') {
        let (at, sep) = match own.iter().map(|n| n.content_end(text)).max() {
            Some(end) => (end, ", "),
            None => (seq.span.start + 1, ""),
        };
        let item = item_text(cx, item, own.first().copied(), true);
        return Some(checked(
            cx,
            seq,
            vec![Edit {
                span: Span { start: at, end: at },
                replacement: format!("{sep}{item}"),
            }],
        ));
    }
    let first = own.first()?;
    let (col, gap) = dash(text, first)?;
    let end = own.iter().map(|n| n.content_end(text)).max()?;
    let (at, break_first) = after_line(text, end);
    let nl = newline(text, end.min(text.len().saturating_sub(1)));
    let body = format!(
        "{}-{}{}",
        " ".repeat(col),
        " ".repeat(gap),
        item_text(cx, item, Some(first), false)
    );
    let replacement = if break_first {
        format!("{nl}{body}")
    } else {
        format!("{body}{nl}")
    };
    Some(checked(
        cx,
        seq,
        vec![Edit {
            span: Span { start: at, end: at },
            replacement,
        }],
    ))
}

/// Whether two edits conflict: they overlap, or touch (the order of two insertions at one
/// place, or of an insertion at the edge of a replacement, would be arbitrary).
fn conflict(a: &Edit, b: &Edit) -> bool {
    a.span.start <= b.span.end && b.span.start <= a.span.end
}

/// Apply the fixes whose edits do not conflict with an earlier one; returns the new text and
/// which fixes were applied (by index).
pub fn apply(text: &str, fixes: &[&[Edit]]) -> (String, Vec<usize>) {
    // The edits taken so far, by start: an edit can only conflict with its neighbours there
    // (taken edits never overlap), so each check is a lookup, not a scan.
    let mut taken: std::collections::BTreeMap<(usize, usize), &Edit> = Default::default();
    let free = |taken: &std::collections::BTreeMap<(usize, usize), &Edit>, e: &Edit| {
        let key = (e.span.start, e.span.end);
        taken
            .range(..=key)
            .next_back()
            .is_none_or(|(_, t)| !conflict(t, e))
            && taken
                .range(key..)
                .next()
                .is_none_or(|(_, t)| !conflict(t, e))
    };
    let mut applied = Vec::new();
    for (i, edits) in fixes.iter().enumerate() {
        let valid = edits.iter().all(|e| {
            e.span.start <= e.span.end
                && e.span.end <= text.len()
                && text.is_char_boundary(e.span.start)
                && text.is_char_boundary(e.span.end)
        });
        let unclaimed = edits
            .iter()
            .enumerate()
            .all(|(j, e)| free(&taken, e) && edits[..j].iter().all(|o| !conflict(o, e)));
        if valid && unclaimed && !edits.is_empty() {
            for e in edits.iter() {
                taken.insert((e.span.start, e.span.end), e);
            }
            applied.push(i);
        }
    }
    let taken = taken.into_values();
    let mut out = String::with_capacity(text.len() + 64 * taken.len());
    let mut at = 0;
    for e in taken {
        out.push_str(&text[at..e.span.start]);
        out.push_str(&e.replacement);
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// A fix not made: rule, line (in the text it was found in), message and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotFixed {
    /// Rule code.
    pub code: &'static str,
    /// Line of the finding.
    pub line: usize,
    /// The finding's message.
    pub message: String,
    /// Why.
    pub why: Refusal,
}

/// What fixing one project did.
#[derive(Debug, Clone)]
pub struct Fixed {
    /// The main file's text before.
    pub original: String,
    /// And after.
    pub text: String,
    /// Fixes applied per rule.
    pub applied: BTreeMap<&'static str, usize>,
    /// Fixes refused (each finding once).
    pub refused: Vec<NotFixed>,
    /// The lint of the fixed text.
    pub report: Report,
}

impl Fixed {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        self.text != self.original
    }
}

/// Fix one project's main file to a fixed point: lint, apply the fixes of the findings that
/// are reported (suppressed ones are not), lint again. Returns None when the main file is
/// not UTF-8 (nothing to fix).
pub fn fix_project(spec: ProjectSpec, settings: &Settings, images: &ImageTable) -> Option<Fixed> {
    let original = String::from_utf8(spec.files.first()?.bytes.clone()).ok()?;
    let mut text = original.clone();
    let mut applied: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut refused: Vec<NotFixed> = Vec::new();
    // Findings whose fix did not make them go away: never fixed again.
    let mut failed: Vec<(&'static str, String)> = Vec::new();
    let lint = |text: &str| {
        let mut spec = spec.clone();
        spec.files[0].bytes = text.as_bytes().to_vec();
        super::lint_projects(vec![spec], settings, images, &mut |_, _| {})
    };
    // Findings by rule and message, counted once per lint.
    let counts = |report: &Report| {
        let mut n: std::collections::HashMap<(&'static str, String), usize> = Default::default();
        for (_, d) in report.diagnostics() {
            *n.entry((d.code, d.message.clone())).or_default() += 1;
        }
        n
    };
    let mut report = lint(&text);
    for _ in 0..MAX_ROUNDS {
        let mut fixes: Vec<(&'static str, &str, &[Edit], usize)> = Vec::new();
        for (_, d) in report.diagnostics() {
            let Some(fix) = &d.fix else { continue };
            let line = d.primary.pos.line;
            let why = match &fix.edits {
                Ok(_) if failed.iter().any(|(c, m)| *c == d.code && *m == d.message) => {
                    Refusal::NotResolved
                }
                Ok(edits) => {
                    fixes.push((d.code, d.message.as_str(), edits, line));
                    continue;
                }
                Err(why) => *why,
            };
            let nf = NotFixed {
                code: d.code,
                line,
                message: d.message.clone(),
                why,
            };
            if !refused
                .iter()
                .any(|r| r.code == nf.code && r.message == nf.message && r.why == nf.why)
            {
                refused.push(nf);
            }
        }
        if fixes.is_empty() {
            break;
        }
        fixes.sort_by_key(|(_, _, e, _)| e.first().map(|e| (e.span.start, e.span.end)));
        let edits: Vec<&[Edit]> = fixes.iter().map(|(_, _, e, _)| *e).collect();
        let (mut next, mut done) = apply(&text, &edits);
        if !parses(&next) {
            // Find the fix that breaks the file: take them one at a time, and stop at the first
            // that applies (the others are found again by the next round's lint).
            next = text.clone();
            done = Vec::new();
            for (i, (code, message, e, line)) in fixes.iter().enumerate() {
                let (candidate, ok) = apply(&text, &[e]);
                if ok.is_empty() {
                    continue;
                }
                if parses(&candidate) {
                    next = candidate;
                    done.push(i);
                    break;
                }
                failed.push((code, message.to_string()));
                refused.push(NotFixed {
                    code,
                    line: *line,
                    message: message.to_string(),
                    why: Refusal::Unparsable,
                });
            }
        }
        if done.is_empty() {
            continue;
        }
        let after = lint(&next);
        // Each fix must remove its finding: one fewer finding with its message per fix applied.
        let (before_n, after_n) = (counts(&report), counts(&after));
        let mut made: std::collections::HashMap<(&'static str, String), usize> = Default::default();
        for &i in &done {
            *made
                .entry((fixes[i].0, fixes[i].1.to_string()))
                .or_default() += 1;
        }
        let unresolved: Vec<(&'static str, String)> = made
            .into_iter()
            .filter(|(key, n)| {
                after_n.get(key).copied().unwrap_or(0) + n > before_n.get(key).copied().unwrap_or(0)
            })
            .map(|(key, _)| key)
            .collect();
        if !unresolved.is_empty() {
            failed.extend(unresolved);
            continue; // the round is undone; the next one leaves those fixes out
        }
        for i in done {
            *applied.entry(fixes[i].0).or_default() += 1;
        }
        text = next;
        report = after;
    }
    refused.sort();
    refused.dedup();
    Some(Fixed {
        original,
        text,
        applied,
        refused,
        report,
    })
}

fn parses(text: &str) -> bool {
    Node::parse_documents(text, 0).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(start: usize, end: usize, r: &str) -> Edit {
        Edit {
            span: Span { start, end },
            replacement: r.into(),
        }
    }

    #[test]
    fn new_keys_follow_block_scalars_and_flow_mappings() {
        use crate::lint::testing::fix_rule;
        // After a kept block scalar's trailing blank lines (its value is unchanged).
        let text = "services:\n  a:\n    image: x\n    command: |+\n      echo hi\n\n\n  b: {}\n";
        assert_eq!(
            fix_rule("CG405", text).as_deref(),
            Some(
                "services:\n  a:\n    image: x\n    command: |+\n      echo hi\n\n\n    security_opt:\n      - no-new-privileges:true\n  b: {security_opt: [\"no-new-privileges:true\"]}\n"
            )
        );
        // No final newline: none is added at the end.
        assert_eq!(
            fix_rule("CG405", "services:\n  a:\n    image: x").as_deref(),
            Some(
                "services:\n  a:\n    image: x\n    security_opt:\n      - no-new-privileges:true"
            )
        );
        // A service that is an alias, or whose keys all come from a merge key: not fixed.
        let text = "x: &x\n  image: y\nservices:\n  a: *x\n  b:\n    <<: *x\n";
        assert_eq!(fix_rule("CG405", text), None);
        // An anchored service is used by its aliases: neither is fixed.
        let text = "services:\n  a: &svc\n    image: x\n  b: *svc\n";
        assert_eq!(fix_rule("CG405", text), None);
        // A service that ends with an anchored mapping is not that mapping: fixed after it.
        let text = "services:\n  a:\n    image: x\n    environment: &env\n      A: 1\n  b:\n    image: y\n    environment: *env\n";
        let fixed = fix_rule("CG405", text).unwrap_or_default();
        assert!(
            fixed.starts_with("services:\n  a:\n    image: x\n    environment: &env\n      A: 1\n    security_opt:\n"),
            "{fixed}"
        );
    }

    #[test]
    fn apply_sorts_and_defers_conflicts() {
        let text = "abcdef";
        let a = [e(4, 5, "E")];
        let b = [e(0, 1, "A")];
        let c = [e(4, 4, "x")];
        let (out, done) = apply(text, &[&a, &b, &c]);
        assert_eq!(out, "AbcdEf");
        assert_eq!(done, [0, 1], "the insertion at the replaced range waits");
        let (out, done) = apply(text, &[&[e(6, 6, "!")]]);
        assert_eq!((out.as_str(), done.as_slice()), ("abcdef!", &[0][..]));
        // Out of range or inside a character: not applied.
        let (out, done) = apply("é", &[&[e(1, 1, "x")], &[e(3, 3, "x")]]);
        assert_eq!((out.as_str(), done.len()), ("é", 0));
    }
}
