//! The span-aware YAML layer: the only module that knows about parser positions.
//!
//! Documents are parsed once into an owned [`Node`] tree whose every node carries the byte span
//! where a human wrote it. Everything else works on values and on symbolic [`Path`]s
//! (`services.kafka.ports[0]`); [`Node::locate`] resolves a path back to a span.
//!
//! serde_yaml cannot report positions of values (only of its own errors), so this layer is built
//! on saphyr; see docs/decisions.md.

use std::fmt;

use saphyr_parser::{Parser, ScalarStyle};

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// Length in bytes (at least 1 so that labels are visible).
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start).max(1)
    }

    /// Whether the span is empty.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.len()).into()
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A symbolic location: keys and indices from the document root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(pub Vec<Seg>);

impl Path {
    /// The root path.
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// Parse `a.b[0].c` (keys may not contain `.` or `[`).
    pub fn parse_dotted(s: &str) -> Path {
        let mut segs = Vec::new();
        for part in s.split('.') {
            let mut rest = part;
            if let Some(i) = rest.find('[') {
                if i > 0 {
                    segs.push(Seg::Key(rest[..i].to_string()));
                }
                rest = &rest[i..];
                while let Some(stripped) = rest.strip_prefix('[') {
                    let Some(close) = stripped.find(']') else {
                        break;
                    };
                    match stripped[..close].parse() {
                        Ok(n) => segs.push(Seg::Index(n)),
                        Err(_) => segs.push(Seg::Key(stripped[..close].to_string())),
                    }
                    rest = &stripped[close + 1..];
                }
            } else if !rest.is_empty() {
                segs.push(Seg::Key(rest.to_string()));
            }
        }
        Path(segs)
    }

    /// Parse a JSON pointer (`/services/kafka/ports/0`).
    pub fn from_json_pointer(p: &str) -> Path {
        Path(
            p.split('/')
                .skip(1)
                .map(|raw| {
                    let s = raw.replace("~1", "/").replace("~0", "~");
                    match s.parse::<usize>() {
                        Ok(n) => Seg::Index(n),
                        Err(_) => Seg::Key(s),
                    }
                })
                .collect(),
        )
    }

    /// This path extended by a key.
    pub fn key(&self, k: &str) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }

    /// This path extended by the steps of a walk.
    pub fn join(&self, steps: &[Step<'_>]) -> Path {
        let mut segs = Vec::with_capacity(self.0.len() + steps.len());
        segs.extend_from_slice(&self.0);
        segs.extend(steps.iter().map(|s| match s {
            Step::Key(k) => Seg::Key((*k).to_string()),
            Step::NodeKey(k) => Seg::Key(k.key_string()),
            Step::Index(i) => Seg::Index(*i),
        }));
        Path(segs)
    }

    /// This path extended by an index.
    pub fn index(&self, i: usize) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

/// One step of a [`Trail`], borrowed from the tree being walked.
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    /// A mapping key as text.
    Key(&'a str),
    /// A mapping key as a node (any scalar; see [`Node::key_string`]).
    NodeKey(&'a Node),
    /// A sequence index.
    Index(usize),
}

/// Where a walk of a tree is: steps pushed on the way down and popped on the way up, borrowed
/// from the tree, so walking allocates nothing per node. A [`Path`] is built only for what a
/// walk reports ([`Trail::path`]).
#[derive(Debug, Default)]
pub struct Trail<'a> {
    base: Option<&'a Path>,
    steps: Vec<Step<'a>>,
}

impl<'a> Trail<'a> {
    /// A walk starting at `base`.
    pub fn at(base: &'a Path) -> Trail<'a> {
        Trail {
            base: Some(base),
            steps: Vec::new(),
        }
    }

    /// Descend one step.
    pub fn push(&mut self, step: Step<'a>) {
        self.steps.push(step);
    }

    /// Go back up one step.
    pub fn pop(&mut self) {
        self.steps.pop();
    }

    /// The steps below the base.
    pub fn steps(&self) -> &[Step<'a>] {
        &self.steps
    }

    /// The path walked so far.
    pub fn path(&self) -> Path {
        match self.base {
            Some(base) => base.join(&self.steps),
            None => Path::root().join(&self.steps),
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A parsed YAML node with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node was written.
    pub span: Span,
    /// Its value.
    pub kind: Kind,
    /// A scalar written without quotes (plain style): the one style whose meaning depends on the
    /// YAML version (`22:22` is a base-60 number in YAML 1.1, a string in 1.2).
    pub plain: bool,
    /// An explicit tag such as `!reset` or `!override` (see [`Node::tag`]). Rare, so behind one
    /// thin pointer: every node is 16 bytes smaller than with an inline string.
    #[allow(clippy::box_collection)]
    pub tag: Option<Box<String>>,
    /// Index of the file the node was written in (0 for a single document); merged documents
    /// keep the file of every node, so a finding still points at the line a human wrote.
    pub file: u32,
    /// Set when variable interpolation changed this scalar: what was written, and which
    /// variables were unset.
    pub interp: Option<Box<Interp>>,
}

/// What interpolation did to a scalar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interp {
    /// The text as written, before interpolation.
    pub raw: String,
    /// Variables that were unset and had no default.
    pub unset: Vec<String>,
    /// `${VAR:?message}` references whose variable was unset or empty.
    pub required: Vec<(String, String)>,
}

/// The value of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null`, `~` or nothing.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order; keys are nodes so that they can be pointed at.
    Map(Vec<(Node, Node)>),
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub span: Span,
}

impl Node {
    /// Parse the first document of `text`. An empty document is `Null`.
    pub fn parse(text: &str) -> Result<Node, SyntaxError> {
        Node::parse_file(text, 0)
    }

    /// Parse the first document of `text`, marking every node as written in file `file`.
    pub fn parse_file(text: &str, file: u32) -> Result<Node, SyntaxError> {
        let docs = Node::parse_documents(text, file)?;
        Ok(docs.into_iter().next().unwrap_or(Node {
            span: Span::default(),
            kind: Kind::Null,
            plain: true,
            tag: None,
            file,
            interp: None,
        }))
    }

    /// The node at `path`, if the whole path exists.
    pub fn at(&self, path: &Path) -> Option<&Node> {
        let mut node = self;
        for seg in &path.0 {
            node = match (seg, &node.kind) {
                (Seg::Key(k), Kind::Map(_)) => node.get(k)?,
                (Seg::Index(i), Kind::Seq(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The deepest node along `path` (the node itself when the whole path exists), and whether
    /// the whole path exists.
    pub fn deepest(&self, path: &Path) -> (&Node, bool) {
        let mut node = self;
        for seg in &path.0 {
            let next = match (seg, &node.kind) {
                (Seg::Key(k), Kind::Map(_)) => node.get(k),
                (Seg::Index(i), Kind::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// The key node introducing the last segment of `path`.
    pub fn key_node(&self, path: &Path) -> Option<&Node> {
        let (last, parent) = path.0.split_last()?;
        let Seg::Key(k) = last else { return None };
        self.at(&Path(parent.to_vec()))?
            .entry(k)
            .map(|(key, _)| key)
    }

    /// Every document of `text`, in order, each node marked as written in file `file`. A stream
    /// without a document (empty, or only comments) gives none; an empty document (`---` alone)
    /// gives a `Null` node.
    ///
    /// The text is read as Docker Compose's YAML library reads it: U+2028, U+2029 and U+0085 are
    /// line breaks (see [`line_breaks`]); anchors defined in one document can be used in the next.
    /// Nesting deeper than [`MAX_DEPTH`] and alias copies beyond [`MAX_NODES`] are errors, so a hostile file can neither overflow the stack nor exhaust memory.
    pub fn parse_documents(text: &str, file: u32) -> Result<Vec<Node>, SyntaxError> {
        let parse_text = compose_line_breaks(text);
        match Builder::new(text, &parse_text, file).run() {
            Err((_, Stop::Parser)) if matches!(parse_text, std::borrow::Cow::Owned(_)) => {
                // A line break inside a quoted scalar, followed by a line that YAML 1.2 finds
                // under-indented: find which breaks are inside quoted scalars, and parse again.
                let breaks = line_breaks(text);
                let view = render_view(text, &breaks, &settle_breaks(text, &breaks));
                Builder::new(text, &view, file).run().map_err(|(e, _)| e)
            }
            result => result.map_err(|(e, _)| e),
        }
    }

    /// The spans of the nodes of `text` that carry an anchor (`&name`): what an alias or a
    /// merge key copies, so an edit inside one changes every place that uses it. Empty when
    /// the text does not parse.
    pub fn anchored_spans(text: &str) -> Vec<Span> {
        if !text.contains('&') {
            return Vec::new();
        }
        let parse_text = compose_line_breaks(text);
        let mut builder = Builder::new(text, &parse_text, 0);
        builder.anchored = Some(Vec::new());
        match builder.events() {
            Ok(()) => builder.anchored.unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// Where the text of this node (written in `text`) ends: the end of its last key or value,
    /// however deep, or its closing bracket when it is a flow collection (a block mapping's own
    /// span reaches to the token after it, past comments and blank lines).
    pub fn content_end(&self, text: &str) -> usize {
        let last = match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .map(|(k, v)| v.content_end(text).max(k.span.end))
                .max(),
            Kind::Seq(items) => items.iter().map(|i| i.content_end(text)).max(),
            _ => return self.span.end,
        };
        let b = text.as_bytes();
        let close = match b.get(self.span.start) {
            Some(b'[') => b']',
            Some(b'{') => b'}',
            _ => return last.unwrap_or(self.span.end),
        };
        // The closing bracket: at the end of the span, or the first after the last item
        // (past white space and comments).
        if b.get(self.span.end) == Some(&close) {
            return self.span.end + 1;
        }
        let from = last.unwrap_or(self.span.start + 1).min(b.len());
        let mut in_comment = false;
        for (i, &c) in b.iter().enumerate().skip(from) {
            match c {
                b'\n' => in_comment = false,
                b'#' => in_comment = true,
                _ if !in_comment && c == close => return i + 1,
                _ => {}
            }
        }
        last.unwrap_or(self.span.end)
    }

    /// Its explicit tag (`!reset`, `!override` …), if any.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref().map(String::as_str)
    }

    /// The value at `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node at `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The string value, if this is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Resolve a path to the span of the deepest node that exists along it; for the last
    /// segment being a mapping key that exists, the value's span. Returns the span and whether
    /// the full path was found.
    pub fn locate(&self, path: &Path) -> (Span, bool) {
        let mut node = self;
        for seg in &path.0 {
            let next = match (seg, &node.kind) {
                (Seg::Key(k), Kind::Map(_)) => node.get(k),
                (Seg::Index(i), Kind::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node.span, false),
            }
        }
        (node.span, true)
    }

    /// The span of the key that introduces the last segment of `path` (for "unknown key").
    pub fn locate_key(&self, path: &Path) -> Option<Span> {
        let (last, parent) = path.0.split_last()?;
        let Seg::Key(k) = last else { return None };
        let mut node = self;
        for seg in parent {
            node = match (seg, &node.kind) {
                (Seg::Key(k), Kind::Map(_)) => node.get(k)?,
                (Seg::Index(i), Kind::Seq(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        node.entry(k).map(|(key, _)| key.span)
    }

    /// Convert to a JSON value (mapping keys become strings).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => Value::from(*i),
            Kind::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// A mapping key as text.
    pub fn key_string(&self) -> String {
        match &self.kind {
            Kind::Str(s) => s.clone(),
            Kind::Null => "null".to_string(),
            Kind::Bool(b) => b.to_string(),
            Kind::Int(i) => i.to_string(),
            Kind::Float(f) => f.to_string(),
            Kind::Seq(_) | Kind::Map(_) => "<complex key>".to_string(),
        }
    }
}

/// Key lookups in O(1) in the large mappings of one tree (a file's thousands of services or
/// volumes), built once per tree where many paths are resolved against it (every finding of a
/// lint run): [`Node::get`] scans a mapping, which is fastest for the handful of keys most
/// mappings have but quadratic when each of N services is looked up in an N-entry mapping.
pub struct KeyIndex<'a> {
    large: std::collections::HashMap<*const Node, std::collections::HashMap<&'a str, usize>>,
}

impl<'a> KeyIndex<'a> {
    /// Mappings with fewer entries than this are scanned.
    const LARGE: usize = 32;

    /// Index the large mappings of `root`.
    pub fn new(root: &'a Node) -> KeyIndex<'a> {
        fn walk<'a>(
            node: &'a Node,
            large: &mut std::collections::HashMap<
                *const Node,
                std::collections::HashMap<&'a str, usize>,
            >,
        ) {
            match &node.kind {
                Kind::Map(entries) => {
                    if entries.len() >= KeyIndex::LARGE {
                        let mut keys = std::collections::HashMap::with_capacity(entries.len());
                        for (i, (k, _)) in entries.iter().enumerate() {
                            if let Some(k) = k.as_str() {
                                // The first of duplicate keys, as `Node::entry` finds it.
                                keys.entry(k).or_insert(i);
                            }
                        }
                        large.insert(node as *const Node, keys);
                    }
                    for (_, v) in entries {
                        walk(v, large);
                    }
                }
                Kind::Seq(items) => {
                    for v in items {
                        walk(v, large);
                    }
                }
                _ => {}
            }
        }
        let mut large = std::collections::HashMap::new();
        walk(root, &mut large);
        KeyIndex { large }
    }

    /// [`Node::entry`] of `node`, a node of the indexed tree.
    pub fn entry(&self, node: &'a Node, key: &str) -> Option<(&'a Node, &'a Node)> {
        if let Kind::Map(entries) = &node.kind
            && let Some(keys) = self.large.get(&(node as *const Node))
        {
            return keys.get(key).map(|&i| (&entries[i].0, &entries[i].1));
        }
        node.entry(key)
    }

    fn step(&self, node: &'a Node, seg: &Seg) -> Option<&'a Node> {
        match (seg, &node.kind) {
            (Seg::Key(k), Kind::Map(_)) => self.entry(node, k).map(|(_, v)| v),
            (Seg::Index(i), Kind::Seq(items)) => items.get(*i),
            _ => None,
        }
    }

    /// [`Node::deepest`] from `root`, the indexed tree's root.
    pub fn deepest(&self, root: &'a Node, path: &Path) -> (&'a Node, bool) {
        let mut node = root;
        for seg in &path.0 {
            match self.step(node, seg) {
                Some(n) => node = n,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// [`Node::key_node`] from `root`, the indexed tree's root.
    pub fn key_node(&self, root: &'a Node, path: &Path) -> Option<&'a Node> {
        let (last, parent) = path.0.split_last()?;
        let Seg::Key(k) = last else { return None };
        let mut node = root;
        for seg in parent {
            node = self.step(node, seg)?;
        }
        self.entry(node, k).map(|(key, _)| key)
    }
}

/// Deepest nesting of mappings and sequences composegen reads (alias copies included). Compose
/// files need a handful of levels; the limit keeps every recursive walk of the tree far from the
/// end of the stack.
pub const MAX_DEPTH: usize = 500;

/// Most nodes the aliases and merge keys of one file may copy: 200,000, or as many as the file
/// writes out itself when that is more. Nodes written out are bounded by the input size limit
/// (`fsio`), so a file can at most double itself through aliases: memory and time stay linear in
/// its size, and an alias bomb ("billion laughs") of a kilobyte stops at 200,000 copies.
pub const MAX_NODES: usize = 200_000;

/// Line breaks that Docker Compose's YAML library (go-yaml, YAML 1.1 rules) honours and YAML 1.2
/// does not: NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029). Editors and
/// diff views mostly show them as nothing, so a line after one is invisible to reviewers.
pub const COMPOSE_ONLY_BREAKS: [char; 3] = ['\u{85}', '\u{2028}', '\u{2029}'];

/// Byte offsets and characters of every line break that Compose honours and YAML 1.2 does not.
pub fn line_breaks(text: &str) -> Vec<(usize, char)> {
    // All three start with a byte that is never the first byte of an ASCII character.
    if !text.bytes().any(|b| b == 0xC2 || b == 0xE2) {
        return Vec::new();
    }
    text.char_indices()
        .filter(|(_, c)| COMPOSE_ONLY_BREAKS.contains(c))
        .collect()
}

/// The text saphyr parses first: every compose-only break a line break (see [`render_view`]).
fn compose_line_breaks(text: &str) -> std::borrow::Cow<'_, str> {
    let breaks = line_breaks(text);
    if breaks.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(render_view(text, &breaks, &vec![true; breaks.len()]))
}

/// `text` with each of `breaks` either a line break for saphyr (`true`; NEL, 2 bytes in UTF-8,
/// becomes CR LF, LS and PS, 3 bytes, a space and CR LF) or a character that is no line break
/// (inside a quoted scalar, where YAML 1.2 would also check the indentation of the next line and
/// go-yaml does not). Every byte offset, and so every span, stays that of the text as written.
fn render_view(text: &str, breaks: &[(usize, char)], as_break: &[bool]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (&(b, c), &brk) in breaks.iter().zip(as_break) {
        out.push_str(&text[at..b]);
        // After a backslash (an escaped line break in a double-quoted scalar), a character
        // that makes a valid escape.
        let escaped = text[..b].ends_with('\\');
        out.push_str(match (c, brk, escaped) {
            ('\u{85}', true, _) => "\r\n",
            ('\u{85}', false, false) => "\u{a7}",
            ('\u{85}', false, true) => "N ",
            (_, true, _) => " \r\n",
            (_, false, false) => "\u{e000}",
            (_, false, true) => "L  ",
        });
        at = b + c.len_utf8();
    }
    out.push_str(&text[at..]);
    debug_assert_eq!(out.len(), text.len());
    out
}

/// Where each of `breaks` lies as go-yaml reads the text: inside a quoted scalar (`false`, the
/// scalar continues whatever the indentation) or not (`true`, a line break). Up to the first
/// break that is not in a quoted scalar both readings agree, so each pass of saphyr's parser
/// settles the breaks up to the next one that is a line break. After a few passes (each one
/// stops at the break it settles) the remaining breaks are taken as line breaks.
fn settle_breaks(text: &str, breaks: &[(usize, char)]) -> Vec<bool> {
    const PASSES: usize = 4;
    let mut as_break = vec![false; breaks.len()];
    let mut next = 0;
    for _ in 0..PASSES {
        if next >= breaks.len() {
            return as_break;
        }
        let view = render_view(text, breaks, &as_break);
        let mut offsets = ByteOffsets::new(&view);
        let mut parser = Parser::new_from_str(&view);
        while let Some(Ok((event, span))) = parser.next_event() {
            let saphyr_parser::Event::Scalar(_, style, ..) = event else {
                if matches!(event, saphyr_parser::Event::StreamEnd) {
                    break;
                }
                continue;
            };
            let start = offsets.byte(span.start.index());
            if breaks[next].0 < start {
                // Not inside a quoted scalar: a line break, and the reading changes after it.
                break;
            }
            if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
                let end = quoted_end(text, start);
                while next < breaks.len() && breaks[next].0 < end {
                    next += 1;
                }
                if next >= breaks.len() {
                    return as_break;
                }
            }
        }
        // Either a scalar started after it, or the stream (or the parse) ended before it.
        as_break[next] = true;
        next += 1;
    }
    as_break[next.min(breaks.len())..]
        .iter_mut()
        .for_each(|b| *b = true);
    as_break
}

/// One past the closing quote of the quoted scalar that starts at `start` (its opening quote).
fn quoted_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let single = b.get(start) == Some(&b'\'');
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\'' if single && b.get(i + 1) == Some(&b'\'') => i += 1,
            b'\'' if single => return i + 1,
            b'\\' if !single => i += 1,
            b'"' if !single => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// Maps saphyr's character indices to byte offsets. Markers arrive in document order, so a
/// cursor that walks from the last position makes the whole conversion linear.
struct ByteOffsets<'t> {
    text: &'t [u8],
    ascii: bool,
    /// The last (char index, byte offset) pair converted.
    cursor: (usize, usize),
}

impl<'t> ByteOffsets<'t> {
    fn new(text: &'t str) -> Self {
        ByteOffsets {
            text: text.as_bytes(),
            ascii: text.is_ascii(),
            cursor: (0, 0),
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        let len = self.text.len();
        if self.ascii {
            return char_index.min(len);
        }
        let (mut c, mut b) = self.cursor;
        while c < char_index && b < len {
            b += 1;
            while b < len && self.text[b] & 0xC0 == 0x80 {
                b += 1;
            }
            c += 1;
        }
        while c > char_index && b > 0 {
            b -= 1;
            while b > 0 && self.text[b] & 0xC0 == 0x80 {
                b -= 1;
            }
            c -= 1;
        }
        self.cursor = (c, b);
        b
    }
}

/// A canonical text for a mapping key, so that duplicates are found with a hash set.
fn fingerprint(n: &Node, out: &mut String) {
    use std::fmt::Write as _;
    if let Some(t) = &n.tag {
        let _ = write!(out, "!{}:{t}", t.len());
    }
    match &n.kind {
        Kind::Null => out.push('~'),
        Kind::Bool(b) => out.push(if *b { 'T' } else { 'F' }),
        Kind::Int(i) => {
            let _ = write!(out, "i{i};");
        }
        Kind::Float(f) => {
            let _ = write!(out, "f{};", f.to_bits());
        }
        Kind::Str(s) => {
            let _ = write!(out, "s{}:{s}", s.len());
        }
        Kind::Seq(items) => {
            out.push('[');
            items.iter().for_each(|i| fingerprint(i, out));
            out.push(']');
        }
        Kind::Map(entries) => {
            out.push('{');
            for (k, v) in entries {
                fingerprint(k, out);
                fingerprint(v, out);
            }
            out.push('}');
        }
    }
}

fn key_id(n: &Node) -> String {
    let mut s = String::new();
    fingerprint(n, &mut s);
    s
}

/// A collection being built.
struct Frame {
    start: usize,
    /// Column (in characters) where it starts: the indentation of a block collection.
    column: usize,
    anchor: usize,
    tag: Option<String>,
    /// Nodes in this subtree so far, itself included.
    nodes: usize,
    /// Levels of nesting below it so far.
    height: usize,
    body: Body,
}

enum Body {
    Seq(Vec<Node>),
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        /// Where the pending key starts (for the duplicate-key error).
        key_at: usize,
        seen: std::collections::HashSet<String>,
    },
}

/// A finished node with what the limits need to know about it.
struct Built {
    node: Node,
    nodes: usize,
    height: usize,
}

/// Builds [`Node`] trees from saphyr's events, without recursion.
struct Builder<'t> {
    /// The text as written (values of scalars that contain LS or PS are decoded from it).
    text: &'t str,
    /// What saphyr parses (see [`render_view`]).
    parse_text: &'t str,
    offsets: ByteOffsets<'t>,
    file: u32,
    /// Byte offsets of NEL, LS and PS in `text`.
    separators: Vec<usize>,
    stack: Vec<Frame>,
    anchors: std::collections::HashMap<usize, (Node, usize, usize)>,
    /// Spans of the nodes that carry an anchor (`&name`) to their last character, in the order
    /// they end; kept only for [`Node::anchored_spans`].
    anchored: Option<Vec<Span>>,
    /// Nodes written out in the text.
    written: usize,
    /// Nodes aliases copied.
    nodes: usize,
    root: Option<Node>,
    docs: Vec<Node>,
    /// Who stopped the parse.
    stop: Stop,
}

/// Why a parse stopped: the parser found the text invalid, or a limit or a duplicate key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Parser,
    Other,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str, parse_text: &'t str, file: u32) -> Self {
        Builder {
            text,
            parse_text,
            offsets: ByteOffsets::new(parse_text),
            file,
            separators: line_breaks(text).into_iter().map(|(b, _)| b).collect(),
            stack: Vec::new(),
            anchors: std::collections::HashMap::new(),
            anchored: None,
            written: 0,
            nodes: 0,
            root: None,
            docs: Vec::new(),
            stop: Stop::Other,
        }
    }

    fn error(&mut self, marker: &saphyr_parser::Marker, message: String) -> SyntaxError {
        let at = self.offsets.byte(marker.index());
        SyntaxError {
            message,
            span: Span { start: at, end: at },
        }
    }

    fn run(mut self) -> Result<Vec<Node>, (SyntaxError, Stop)> {
        match self.events() {
            Ok(()) => Ok(self.docs),
            Err(e) => Err((e, self.stop)),
        }
    }

    /// Turn the parser's events into documents.
    fn events(&mut self) -> Result<(), SyntaxError> {
        use saphyr_parser::Event;
        let mut parser = Parser::new_from_str(self.parse_text);
        while let Some(event) = parser.next_event() {
            let (event, span) = match event {
                Ok(e) => e,
                Err(e) => {
                    self.stop = Stop::Parser;
                    return Err(self.error(e.marker(), e.info().to_string()));
                }
            };
            match event {
                Event::StreamEnd => break,
                Event::StreamStart | Event::Nothing | Event::DocumentStart(_) => {}
                Event::DocumentEnd => {
                    let file = self.file;
                    let doc = self.root.take().unwrap_or(Node {
                        span: Span::default(),
                        kind: Kind::Null,
                        plain: true,
                        tag: None,
                        file,
                        interp: None,
                    });
                    self.docs.push(doc);
                }
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    let (is_seq, anchor, tag) = match event {
                        Event::SequenceStart(anchor, tag) => (true, anchor, tag),
                        Event::MappingStart(anchor, tag) => (false, anchor, tag),
                        _ => continue,
                    };
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(self.error(
                            &span.start,
                            format!(
                                "mappings and sequences nest deeper than {MAX_DEPTH} levels \
                                 (composegen reads at most {MAX_DEPTH})"
                            ),
                        ));
                    }
                    self.count();
                    let body = if is_seq {
                        Body::Seq(Vec::new())
                    } else {
                        Body::Map {
                            entries: Vec::new(),
                            key: None,
                            key_at: 0,
                            seen: std::collections::HashSet::new(),
                        }
                    };
                    let start = self.offsets.byte(span.start.index());
                    self.stack.push(Frame {
                        start,
                        column: span.start.col(),
                        anchor,
                        tag: tag
                            .filter(|t| !t.is_yaml_core_schema())
                            .map(|t| format!("{}{}", t.handle, t.suffix)),
                        nodes: 1,
                        height: 0,
                        body,
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(frame) = self.stack.pop() else {
                        continue;
                    };
                    let end = self.offsets.byte(span.start.index());
                    // Exactly as long as it is: the slack of a growing vector is up to half of
                    // it, and the tree is most of the memory a file takes.
                    let kind = match frame.body {
                        Body::Seq(mut items) => {
                            items.shrink_to_fit();
                            Kind::Seq(items)
                        }
                        Body::Map { entries, .. } => {
                            let mut entries = apply_merge_keys(entries);
                            entries.shrink_to_fit();
                            Kind::Map(entries)
                        }
                    };
                    let built = Built {
                        node: Node {
                            span: Span {
                                start: frame.start,
                                end,
                            },
                            kind,
                            plain: false,
                            tag: frame.tag.map(Box::new),
                            file: self.file,
                            interp: None,
                        },
                        nodes: frame.nodes,
                        height: frame.height + 1,
                    };
                    self.insert(built, frame.anchor, &span.start)?;
                }
                Event::Scalar(value, style, anchor, tag) => {
                    self.count();
                    let node = self.scalar(&value, style, tag.as_deref(), span);
                    self.insert(
                        Built {
                            node,
                            nodes: 1,
                            height: 0,
                        },
                        anchor,
                        &span.start,
                    )?;
                }
                Event::Alias(id) => {
                    let Some(&(_, nodes, height)) = self.anchors.get(&id) else {
                        return Err(self.error(&span.start, "unknown anchor".into()));
                    };
                    if self.stack.len() + height > MAX_DEPTH {
                        return Err(self.error(
                            &span.start,
                            format!(
                                "this alias nests mappings and sequences deeper than {MAX_DEPTH} \
                                 levels (composegen reads at most {MAX_DEPTH})"
                            ),
                        ));
                    }
                    // Counted before the copy is made: an alias bomb stops here.
                    self.count_copies(nodes, &span.start)?;
                    let Some((node, _, _)) = self.anchors.get(&id) else {
                        continue;
                    };
                    let mut node = node.clone();
                    node.span = Span {
                        start: self.offsets.byte(span.start.index()),
                        end: self.offsets.byte(span.end.index()),
                    };
                    self.insert(
                        Built {
                            node,
                            nodes,
                            height,
                        },
                        0,
                        &span.start,
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Count a node written out in the text.
    fn count(&mut self) {
        self.written += 1;
    }

    /// Count `n` nodes an alias copies against [`MAX_NODES`] (or the nodes written, if more).
    fn count_copies(&mut self, n: usize, at: &saphyr_parser::Marker) -> Result<(), SyntaxError> {
        self.nodes = self.nodes.saturating_add(n);
        let budget = MAX_NODES.max(self.written);
        if self.nodes > budget {
            return Err(self.error(
                at,
                format!(
                    "aliases and merge keys copy more than {budget} keys and values (composegen \
                     copies at most {MAX_NODES}, or as many as the file writes out itself; an \
                     alias bomb?)"
                ),
            ));
        }
        Ok(())
    }

    /// Put a finished node into its parent (or make it the document).
    fn insert(
        &mut self,
        built: Built,
        anchor: usize,
        at: &saphyr_parser::Marker,
    ) -> Result<(), SyntaxError> {
        if anchor > 0
            && let Some(anchored) = &mut self.anchored
        {
            // A block mapping's own span reaches to the next token: end at its last character.
            anchored.push(Span {
                start: built.node.span.start,
                end: built.node.content_end(self.text),
            });
        }
        if anchor > 0 {
            self.anchors
                .insert(anchor, (built.node.clone(), built.nodes, built.height));
        }
        let key_start = self.offsets.byte(at.index());
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(built.node);
            return Ok(());
        };
        parent.nodes += built.nodes;
        parent.height = parent.height.max(built.height);
        match &mut parent.body {
            Body::Seq(items) => items.push(built.node),
            Body::Map {
                entries,
                key,
                key_at,
                seen,
            } => match key.take() {
                None => {
                    *key = Some(built.node);
                    *key_at = key_start;
                }
                Some(k) => {
                    if !seen.insert(key_id(&k)) {
                        let at = *key_at;
                        return Err(SyntaxError {
                            message: "duplicated key in mapping".into(),
                            span: Span { start: at, end: at },
                        });
                    }
                    entries.push((k, built.node));
                }
            },
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        raw: &str,
        style: ScalarStyle,
        tag: Option<&saphyr_parser::Tag>,
        span: saphyr_parser::Span,
    ) -> Node {
        let mut span = Span {
            start: self.offsets.byte(span.start.index()),
            end: self.offsets.byte(span.end.index()),
        };
        let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
        // A scalar that contains LS or PS: go-yaml keeps them in the value (and does not fold
        // the line break they are); decode it from the text as written, as go-yaml does.
        let decoded = self.decode_with_separators(span, style);
        let raw = decoded.as_deref().unwrap_or(raw);
        span = scalar_extent(self.text, span, style);
        let mut plain = false;
        let kind = if style == ScalarStyle::Plain && tag.is_none() {
            plain = true;
            resolve_plain(raw)
        } else if tag.as_deref() == Some("!!str") || tag.as_deref() == Some("tag:yaml.org,2002:str")
        {
            Kind::Str(raw.to_string())
        } else if style == ScalarStyle::Plain {
            plain = true;
            resolve_plain(raw)
        } else {
            Kind::Str(raw.to_string())
        };
        Node {
            span,
            kind,
            plain,
            tag: tag.map(Box::new),
            file: self.file,
            interp: None,
        }
    }

    fn decode_with_separators(&self, span: Span, style: ScalarStyle) -> Option<String> {
        if self.separators.is_empty() {
            return None;
        }
        let first = self.separators.partition_point(|&b| b < span.start);
        if self.separators.get(first).is_none_or(|&b| b >= span.end) {
            return None;
        }
        let src = self.text.get(span.start..)?;
        match style {
            ScalarStyle::DoubleQuoted => go_yaml::flow_scalar(src, false),
            ScalarStyle::SingleQuoted => go_yaml::flow_scalar(src, true),
            ScalarStyle::Plain => Some(go_yaml::plain_scalar(self.text.get(span.start..span.end)?)),
            ScalarStyle::Literal | ScalarStyle::Folded => {
                // saphyr's span starts at the first content line; go-yaml reads from the `|`.
                let src = self
                    .text
                    .get(go_yaml::block_header(self.text, span.start)?..)?;
                // go-yaml's indentation level: that of the enclosing block collection.
                let indent = self
                    .stack
                    .last()
                    .map_or(-1, |f| i64::try_from(f.column).unwrap_or(i64::MAX));
                go_yaml::block_scalar(src, style == ScalarStyle::Literal, indent)
            }
        }
    }
}

/// How go-yaml (the YAML library of Docker Compose) decodes scalars that contain U+2028 or
/// U+2029: ports of its scanner functions (`yaml_parser_scan_flow_scalar`, `…_plain_scalar`,
/// `…_block_scalar`), run on the text as written. `None` when the text is not what go-yaml
/// would accept (the caller keeps saphyr's value).
mod go_yaml {
    /// A line break at `i`: its length in bytes and what go-yaml's `read_line` makes of it
    /// (CR LF, CR, LF and NEL become LF; LS and PS stay themselves).
    fn line_break(s: &str, i: usize) -> Option<(usize, &'static str)> {
        let b = s.as_bytes();
        match b.get(i..).unwrap_or_default() {
            [b'\r', b'\n', ..] => Some((2, "\n")),
            [b'\r' | b'\n', ..] => Some((1, "\n")),
            [0xC2, 0x85, ..] => Some((2, "\n")),
            [0xE2, 0x80, 0xA8, ..] => Some((3, "\u{2028}")),
            [0xE2, 0x80, 0xA9, ..] => Some((3, "\u{2029}")),
            _ => None,
        }
    }

    /// Where the header (`|`, `>-`, `|2+ # comment`) of the block scalar whose content starts at
    /// `content` is: the last line before it that is not blank, at the first `|` or `>` that
    /// only indicators, blanks and a comment follow.
    pub(super) fn block_header(text: &str, content: usize) -> Option<usize> {
        let is_break = |c: char| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
        let mut end = content.min(text.len());
        loop {
            let line_start = text[..end].rfind(is_break).map_or(0, |i| {
                i + text[i..].chars().next().map_or(1, char::len_utf8)
            });
            let line = &text[line_start..end];
            if !line.trim_matches([' ', '\t']).is_empty() {
                return line
                    .char_indices()
                    .filter(|&(i, c)| {
                        (c == '|' || c == '>')
                            && line[..i]
                                .chars()
                                .next_back()
                                .is_none_or(|p| p == ' ' || p == '\t')
                    })
                    .find(|&(i, _)| {
                        let rest = line[i + 1..].trim_start_matches(['+', '-']);
                        let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                        let rest = rest.trim_start_matches(['+', '-']);
                        let rest = rest.trim_start_matches([' ', '\t']);
                        rest.is_empty() || rest.starts_with('#')
                    })
                    .map(|(i, _)| line_start + i);
            }
            if line_start == 0 {
                return None;
            }
            end = text[..line_start]
                .char_indices()
                .next_back()
                .map_or(0, |(i, _)| i);
        }
    }

    fn blank(s: &str, i: usize) -> bool {
        matches!(s.as_bytes().get(i), Some(b' ' | b'\t'))
    }

    /// Join a run of line breaks: the first one folds into a space (or disappears before
    /// empty lines) when it is a LF; LS and PS are kept with what follows.
    fn fold(s: &mut String, leading: &mut String, trailing: &mut String) {
        if leading.starts_with('\n') {
            if trailing.is_empty() {
                s.push(' ');
            } else {
                s.push_str(trailing);
            }
        } else {
            s.push_str(leading);
            s.push_str(trailing);
        }
        leading.clear();
        trailing.clear();
    }

    /// A quoted scalar; `src` starts at its opening quote.
    pub(super) fn flow_scalar(src: &str, single: bool) -> Option<String> {
        let b = src.as_bytes();
        let mut i = 1;
        let mut s = String::new();
        let (mut leading, mut trailing, mut spaces) = (String::new(), String::new(), String::new());
        loop {
            let mut leading_blanks = false;
            loop {
                let c = *b.get(i)?;
                if blank(src, i) || line_break(src, i).is_some() {
                    break;
                }
                if single && c == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    s.push('\'');
                    i += 2;
                } else if (single && c == b'\'') || (!single && c == b'"') {
                    break;
                } else if !single && c == b'\\' && line_break(src, i + 1).is_some() {
                    i += 1 + line_break(src, i + 1)?.0;
                    leading_blanks = true;
                    break;
                } else if !single && c == b'\\' {
                    let e = *b.get(i + 1)?;
                    i += 2;
                    let len = match e {
                        b'x' => 2,
                        b'u' => 4,
                        b'U' => 8,
                        _ => 0,
                    };
                    if len > 0 {
                        let code = u32::from_str_radix(src.get(i..i + len)?, 16).ok()?;
                        s.push(char::from_u32(code)?);
                        i += len;
                        continue;
                    }
                    s.push(match e {
                        b'0' => '\0',
                        b'a' => '\x07',
                        b'b' => '\x08',
                        b't' | b'\t' => '\t',
                        b'n' => '\n',
                        b'v' => '\x0b',
                        b'f' => '\x0c',
                        b'r' => '\r',
                        b'e' => '\x1b',
                        b' ' => ' ',
                        b'"' => '"',
                        b'\'' => '\'',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'N' => '\u{85}',
                        b'_' => '\u{a0}',
                        b'L' => '\u{2028}',
                        b'P' => '\u{2029}',
                        _ => return None,
                    });
                } else {
                    let ch = src.get(i..)?.chars().next()?;
                    s.push(ch);
                    i += ch.len_utf8();
                }
            }
            let c = *b.get(i)?;
            if (single && c == b'\'') || (!single && c == b'"') {
                break;
            }
            loop {
                if blank(src, i) {
                    if !leading_blanks {
                        spaces.push(char::from(b[i]));
                    }
                    i += 1;
                } else if let Some((len, brk)) = line_break(src, i) {
                    if leading_blanks {
                        trailing.push_str(brk);
                    } else {
                        spaces.clear();
                        leading.push_str(brk);
                        leading_blanks = true;
                    }
                    i += len;
                } else {
                    break;
                }
            }
            if leading_blanks {
                fold(&mut s, &mut leading, &mut trailing);
            } else {
                s.push_str(&spaces);
                spaces.clear();
            }
        }
        Some(s)
    }

    /// A plain scalar; `src` is exactly its extent.
    pub(super) fn plain_scalar(src: &str) -> String {
        let mut s = String::new();
        let (mut leading, mut trailing, mut spaces) = (String::new(), String::new(), String::new());
        let mut leading_blanks = false;
        let mut i = 0;
        while i < src.len() {
            if blank(src, i) {
                if !leading_blanks {
                    spaces.push(char::from(src.as_bytes()[i]));
                }
                i += 1;
            } else if let Some((len, brk)) = line_break(src, i) {
                if leading_blanks {
                    trailing.push_str(brk);
                } else {
                    spaces.clear();
                    leading.push_str(brk);
                    leading_blanks = true;
                }
                i += len;
            } else {
                if leading_blanks {
                    fold(&mut s, &mut leading, &mut trailing);
                    leading_blanks = false;
                } else {
                    s.push_str(&spaces);
                }
                spaces.clear();
                let Some(ch) = src.get(i..).and_then(|r| r.chars().next()) else {
                    break;
                };
                s.push(ch);
                i += ch.len_utf8();
            }
        }
        s
    }

    /// A literal (`|`) or folded (`>`) block scalar; `src` starts at its indicator; `parent` is
    /// the indentation of the enclosing block collection (-1 at the top level).
    pub(super) fn block_scalar(src: &str, literal: bool, parent: i64) -> Option<String> {
        let b = src.as_bytes();
        let mut i = 1;
        let mut chomping = 0;
        let mut increment = 0i64;
        let digit = |i: usize| b.get(i).filter(|c| c.is_ascii_digit()).map(|c| c - b'0');
        if let Some(c @ (b'+' | b'-')) = b.get(i) {
            chomping = if *c == b'+' { 1 } else { -1 };
            i += 1;
            if let Some(d) = digit(i) {
                increment = i64::from(d);
                i += 1;
            }
        } else if let Some(d) = digit(i) {
            increment = i64::from(d);
            i += 1;
            if let Some(c @ (b'+' | b'-')) = b.get(i) {
                chomping = if *c == b'+' { 1 } else { -1 };
                i += 1;
            }
        }
        while blank(src, i) {
            i += 1;
        }
        if b.get(i) == Some(&b'#') {
            while i < b.len() && line_break(src, i).is_none() {
                i += 1;
            }
        }
        if i < b.len() {
            i += line_break(src, i)?.0;
        }
        let mut indent = match increment {
            0 => 0,
            n if parent >= 0 => parent + n,
            n => n,
        };
        let mut s = String::new();
        let (mut leading, mut trailing) = (String::new(), String::new());
        let mut column = 0i64;
        breaks(src, &mut i, &mut column, &mut indent, &mut trailing, parent)?;
        let mut leading_blank = false;
        while column == indent && i < b.len() {
            let trailing_blank = blank(src, i);
            if !literal && !leading_blank && !trailing_blank && leading.starts_with('\n') {
                if trailing.is_empty() {
                    s.push(' ');
                }
            } else {
                s.push_str(&leading);
            }
            leading.clear();
            s.push_str(&trailing);
            trailing.clear();
            leading_blank = blank(src, i);
            while i < b.len() && line_break(src, i).is_none() {
                let ch = src.get(i..)?.chars().next()?;
                s.push(ch);
                i += ch.len_utf8();
            }
            if let Some((len, brk)) = line_break(src, i) {
                leading.push_str(brk);
                i += len;
            }
            column = 0;
            breaks(src, &mut i, &mut column, &mut indent, &mut trailing, parent)?;
        }
        if chomping != -1 {
            s.push_str(&leading);
        }
        if chomping == 1 {
            s.push_str(&trailing);
        }
        Some(s)
    }

    /// `yaml_parser_scan_block_scalar_breaks`: indentation and empty lines, fixing the
    /// indentation level at the first non-empty line when it is not given.
    fn breaks(
        src: &str,
        i: &mut usize,
        column: &mut i64,
        indent: &mut i64,
        trailing: &mut String,
        parent: i64,
    ) -> Option<()> {
        let b = src.as_bytes();
        let mut max_indent = 0;
        loop {
            while (*indent == 0 || *column < *indent) && b.get(*i) == Some(&b' ') {
                *i += 1;
                *column += 1;
            }
            max_indent = max_indent.max(*column);
            if (*indent == 0 || *column < *indent) && b.get(*i) == Some(&b'\t') {
                return None;
            }
            let Some((len, brk)) = line_break(src, *i) else {
                break;
            };
            trailing.push_str(brk);
            *i += len;
            *column = 0;
        }
        if *indent == 0 {
            *indent = max_indent.max(parent + 1).max(1);
        }
        Some(())
    }
}

/// The exact extent of a one-line scalar: the parser's end marker can run past the closing
/// quote up to a trailing comment. Linear in the length of the scalar.
fn scalar_extent(text: &str, span: Span, style: ScalarStyle) -> Span {
    let Some(rest) = text.get(span.start..) else {
        return span;
    };
    let b = rest.as_bytes();
    let len = match style {
        ScalarStyle::DoubleQuoted => {
            let mut escaped = false;
            let mut found = None;
            for (i, &c) in b.iter().enumerate().skip(1) {
                match c {
                    b'\n' => break,
                    b'\\' if !escaped => escaped = true,
                    b'"' if !escaped => {
                        found = Some(i + 1);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            found
        }
        ScalarStyle::SingleQuoted => {
            let mut i = 1;
            let mut end = None;
            while i < b.len() && b[i] != b'\n' {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    end = Some(i + 1);
                    break;
                }
                i += 1;
            }
            end
        }
        _ => None,
    };
    match len {
        Some(l) => Span {
            start: span.start,
            end: span.start + l,
        },
        None => span,
    }
}

/// YAML merge keys (`<<: *base`, `<<: [*a, *b]`), as Docker Compose applies them: keys written in
/// the mapping win, then the merged mappings in order. Merged entries keep the spans of the anchor
/// they came from, so a finding on an inherited value points at the anchor definition.
fn apply_merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries
        .iter()
        .any(|(k, _)| k.plain && k.as_str() == Some("<<"))
    {
        return entries;
    }
    let mut own = Vec::new();
    let mut merged: Vec<(Node, Node)> = Vec::new();
    let mut merged_ids = std::collections::HashSet::new();
    for (k, v) in entries {
        if k.plain && k.as_str() == Some("<<") {
            let sources = match v.kind {
                Kind::Map(m) => vec![m],
                Kind::Seq(items) => items
                    .into_iter()
                    .filter_map(|n| match n.kind {
                        Kind::Map(m) => Some(m),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for m in sources {
                for (mk, mv) in m {
                    if merged_ids.insert(key_id(&mk)) {
                        merged.push((mk, mv));
                    }
                }
            }
        } else {
            own.push((k, v));
        }
    }
    let own_ids: std::collections::HashSet<String> = own.iter().map(|(k, _)| key_id(k)).collect();
    for (mk, mv) in merged {
        if !own_ids.contains(&key_id(&mk)) {
            own.push((mk, mv));
        }
    }
    own
}

/// Resolve a plain scalar by the YAML 1.2 core schema (what Compose's YAML library does).
fn resolve_plain(raw: &str) -> Kind {
    match raw {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Kind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Kind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Kind::Float(f64::NAN),
        _ => {}
    }
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    let (sign, body) = match raw.strip_prefix('-') {
        Some(b) => (-1i64, b),
        None => (1, raw.strip_prefix('+').unwrap_or(raw)),
    };
    // Like Go's strconv.ParseInt(s, 0, 64), which Compose's YAML library uses: a leading 0
    // means octal (`mode: 0440` is 288); a leading 0 with an 8 or 9 fails that and is read
    // as a float (`0999` is 999.0), which Compose then refuses where it wants an integer.
    if body.len() > 1 && body.starts_with('0') && digits(body, 10) {
        if digits(body, 8)
            && let Ok(i) = i64::from_str_radix(body, 8)
        {
            return Kind::Int(sign * i);
        }
        if let Ok(f) = raw.parse::<f64>() {
            return Kind::Float(f);
        }
    }
    if digits(body, 10)
        && let Ok(i) = raw.parse::<i64>()
    {
        return Kind::Int(i);
    }
    if let Some(h) = raw.strip_prefix("0x").filter(|h| digits(h, 16))
        && let Ok(i) = i64::from_str_radix(h, 16)
    {
        return Kind::Int(i);
    }
    if let Some(o) = raw.strip_prefix("0o").filter(|o| digits(o, 8))
        && let Ok(i) = i64::from_str_radix(o, 8)
    {
        return Kind::Int(i);
    }
    let is_float = {
        let b = body;
        let (mantissa, exp) = match b.find(['e', 'E']) {
            Some(i) => (&b[..i], Some(&b[i + 1..])),
            None => (b, None),
        };
        let mantissa_ok = match mantissa.split_once('.') {
            Some((a, c)) => {
                (digits(a, 10) || a.is_empty())
                    && (digits(c, 10) || c.is_empty())
                    && !(a.is_empty() && c.is_empty())
            }
            None => digits(mantissa, 10),
        };
        let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e), 10));
        mantissa_ok && exp_ok && (mantissa.contains('.') || exp.is_some())
    };
    if is_float && let Ok(f) = raw.parse::<f64>() {
        return Kind::Float(f);
    }
    Kind::Str(raw.to_string())
}

/// 1-based line and column of a byte offset (the column counts characters). Linear in the
/// offset: for many positions in one text, build a [`LineIndex`] once.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |nl| nl + 1);
    (line, chars(&before[line_start..]) + 1)
}

/// Characters in UTF-8 bytes (bytes that do not continue a character).
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// Line and column of any byte offset of one text in (nearly) constant time: the start of
/// every line, and the number of characters before every block of bytes, so that neither many
/// lines nor one very long line makes positions quadratic.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Characters before each [`Self::BLOCK`]-byte boundary.
    checkpoints: Vec<usize>,
}

impl LineIndex {
    const BLOCK: usize = 1024;

    /// Index `text`.
    pub fn new(text: &str) -> Self {
        let b = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(
            b.iter()
                .enumerate()
                .filter(|(_, c)| **c == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut checkpoints = Vec::with_capacity(b.len() / Self::BLOCK + 1);
        let mut n = 0;
        for block in b.chunks(Self::BLOCK) {
            checkpoints.push(n);
            n += chars(block);
        }
        checkpoints.push(n);
        LineIndex {
            starts,
            checkpoints,
        }
    }

    /// Characters in `text[..offset]`.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let block = offset / Self::BLOCK;
        let base = block * Self::BLOCK;
        self.checkpoints.get(block).copied().unwrap_or(0)
            + chars(text.as_bytes().get(base..offset).unwrap_or_default())
    }

    /// 1-based line and column of a byte offset of `text` (the text this index was built from),
    /// as [`line_col`] computes them.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line.saturating_sub(1)];
        let column = self.chars_before(text, offset) - self.chars_before(text, start) + 1;
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_takes_72_bytes() {
        // Most of the memory a compose file takes is its tree (a mapping entry is two nodes):
        // the rare tag behind a thin pointer keeps a node at 72 bytes (88 with an inline one).
        assert!(
            std::mem::size_of::<Node>() <= 72,
            "{}",
            std::mem::size_of::<Node>()
        );
    }

    #[test]
    fn locates_values_keys_and_indices() {
        let text = "services:\n  web:\n    ports:\n      - \"80:80\"\n      - 443\n";
        let root = Node::parse(text).unwrap();
        let (span, found) = root.locate(&Path::parse_dotted("services.web.ports[1]"));
        assert!(found);
        assert_eq!(&text[span.start..span.end], "443");
        assert_eq!(line_col(text, span.start), (5, 9));
        let (span, found) = root.locate(&Path::parse_dotted("services.web.image"));
        assert!(!found);
        assert_eq!(line_col(text, span.start).0, 3);
        let key = root
            .locate_key(&Path::parse_dotted("services.web"))
            .unwrap();
        assert_eq!(&text[key.start..key.end], "web");
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let text = "a: \"héllo\"\nb: 1\n";
        let root = Node::parse(text).unwrap();
        let (span, _) = root.locate(&Path::parse_dotted("b"));
        assert_eq!(&text[span.start..span.end], "1");
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_have_positions() {
        let err = Node::parse("a: 1\na: 2\n").unwrap_err();
        assert!(err.message.contains("duplicate"), "{}", err.message);
        assert_eq!(line_col("a: 1\na: 2\n", err.span.start).0, 2);
        let err = Node::parse("a: [1, 2\n").unwrap_err();
        assert!(!err.message.is_empty());
    }

    #[test]
    fn scalars_resolve_by_the_core_schema_and_keep_their_style() {
        let root =
            Node::parse("a: 22:22\nb: '1'\nc: 1\nd: yes\ne: 1.5\nf: ~\ng: 0x1F\nh: !reset []\n")
                .unwrap();
        let a = root.get("a").unwrap();
        assert_eq!(a.kind, Kind::Str("22:22".into()));
        assert!(a.plain);
        assert_eq!(root.get("b").unwrap().kind, Kind::Str("1".into()));
        assert!(!root.get("b").unwrap().plain);
        assert_eq!(root.get("c").unwrap().kind, Kind::Int(1));
        assert_eq!(root.get("d").unwrap().kind, Kind::Str("yes".into()));
        assert_eq!(root.get("e").unwrap().kind, Kind::Float(1.5));
        assert_eq!(root.get("f").unwrap().kind, Kind::Null);
        assert_eq!(root.get("g").unwrap().kind, Kind::Int(31));
        let octal = Node::parse("m: 0440\nd: 0999\n").unwrap();
        assert_eq!(
            octal.get("m").unwrap().kind,
            Kind::Int(288),
            "Go reads a leading 0 as octal"
        );
        assert_eq!(
            octal.get("d").unwrap().kind,
            Kind::Float(999.0),
            "Go reads 0999 as a float"
        );
        assert_eq!(root.get("h").unwrap().tag(), Some("!reset"));
    }

    #[test]
    fn merge_keys_merge_with_anchor_spans() {
        let text = "x-base: &base\n  image: redis\n  restart: always\nservices:\n  a:\n    <<: *base\n    restart: 'no'\n";
        let root = Node::parse(text).unwrap();
        let a = root.get("services").unwrap().get("a").unwrap();
        assert_eq!(a.get("restart").unwrap().as_str(), Some("no"));
        let image = a.get("image").unwrap();
        assert_eq!(image.as_str(), Some("redis"));
        assert_eq!(
            line_col(text, image.span.start).0,
            2,
            "points at the anchor"
        );
        assert!(a.get("<<").is_none());
    }

    #[test]
    fn quoted_scalars_end_at_their_quote() {
        let text = "a:\n  - \"3000:3000\"   # comment\n  - 'it''s'  # c\n";
        let root = Node::parse(text).unwrap();
        let (span, _) = root.locate(&Path::parse_dotted("a[0]"));
        assert_eq!(&text[span.start..span.end], "\"3000:3000\"");
        let (span, _) = root.locate(&Path::parse_dotted("a[1]"));
        assert_eq!(&text[span.start..span.end], "'it''s'");
    }

    #[test]
    fn aliases_resolve_to_the_anchored_value() {
        let root = Node::parse("x: &a\n  k: v\ny: *a\nl: &s hello\nm: *s\n").unwrap();
        assert_eq!(
            root.get("y")
                .and_then(|y| y.get("k"))
                .and_then(Node::as_str),
            Some("v")
        );
        assert_eq!(root.get("m").and_then(Node::as_str), Some("hello"));
    }

    #[test]
    fn compose_only_line_breaks_are_line_breaks_with_spans_kept() {
        // Compose reads the key after the LS; the span is the one in the text as written.
        let text = "a: 1\n# note\u{2028}b: 2\u{85}c: \u{e9}3\n";
        let root = Node::parse(text).unwrap();
        let b = root.get("b").unwrap();
        assert_eq!(b.kind, Kind::Int(2));
        assert_eq!(&text[b.span.start..b.span.end], "2");
        let c = root.get("c").unwrap();
        assert_eq!(&text[c.span.start..c.span.end], "\u{e9}3");
        assert_eq!(line_breaks(text).len(), 2);
    }

    #[test]
    fn scalars_with_separators_decode_as_go_yaml_does() {
        let value = |text: &str| Node::parse(text).unwrap().get("a").unwrap().kind.clone();
        let s = |v: &str| Kind::Str(v.to_string());
        // Quoted: LS stays, its indentation goes, no folding; NEL folds like LF.
        assert_eq!(value("a: \"x \u{2028}  y\""), s("x\u{2028}y"));
        assert_eq!(value("a: 'x\u{2028}\n  y'"), s("x\u{2028}\ny"));
        assert_eq!(value("a: \"x\u{85}y\""), s("x y"));
        assert_eq!(value("a: \"x\\\u{2028}  y\\L\""), s("xy\u{2028}"));
        // Plain.
        assert_eq!(value("a: x\u{2028}  y"), s("x\u{2028}y"));
        // Block: literal keeps LS, folded does not fold after it, chomping as usual.
        assert_eq!(value("a: |\n  x\u{2028}  y\n  z\n"), s("x\u{2028}y\nz\n"));
        assert_eq!(value("a: >\n  x\u{2028}  y\n  z\n"), s("x\u{2028}y z\n"));
        assert_eq!(value("a: |- # c | >\n  x\u{2028}\n"), s("x"));
        assert_eq!(value("a: |+\n  x\u{2028}\n\n"), s("x\u{2028}\n\n"));
        // Unindented after the separator (YAML 1.2 would refuse the next line), after a
        // separator that is a line break.
        assert_eq!(value("# c\u{2028}a: \"x\u{2028}y\"\n"), s("x\u{2028}y"));
        // A separator only in a comment after the scalar changes nothing.
        assert_eq!(value("a: \"x\n  y\" # \u{2028}"), s("x y"));
    }

    #[test]
    fn several_documents_share_anchors() {
        let docs = Node::parse_documents("a: &x 1\n---\nb: *x\n---\n", 3).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1].get("b").unwrap().kind, Kind::Int(1));
        assert_eq!(docs[2].kind, Kind::Null);
        assert!(docs.iter().all(|d| d.file == 3));
        assert!(
            Node::parse_documents("# only a comment\n", 0)
                .unwrap()
                .is_empty()
        );
        // The first document alone for callers that read one.
        assert_eq!(Node::parse("a: 1\n---\nb: 2\n").unwrap().get("b"), None);
    }

    #[test]
    fn nesting_and_expansion_are_bounded() {
        let deep = format!("a:\n{}x", "- ".repeat(MAX_DEPTH + 1));
        let err = Node::parse(&deep).unwrap_err();
        assert!(
            err.message.contains("deeper than 500"),
            "{}: {err:?}",
            err.message
        );
        // The mapping is level 1: the sequence opened by the 500th `-` is the 501st.
        assert_eq!(line_col(&deep, err.span.start), (2, 2 * MAX_DEPTH - 1));
        assert!(Node::parse(&format!("a:\n{}x", "- ".repeat(MAX_DEPTH - 1))).is_ok());
        // An alias that would nest too deep where it is used.
        let flow = |n: usize, inner: &str| format!("{}{inner}{}", "[".repeat(n), "]".repeat(n));
        let ok = format!("a: &a {}\nb: &b {}\n", flow(200, "x"), flow(200, "*a"));
        assert!(Node::parse(&ok).is_ok());
        let deep = format!("{ok}c: {}\n", flow(150, "*b"));
        let message = Node::parse(&deep)
            .map(|_| String::new())
            .unwrap_or_else(|e| e.message);
        assert!(message.contains("alias"), "{message}");
        // Ten copies per level: 10^6 nodes from a few hundred bytes.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..=6 {
            let keys: Vec<String> = (0..10)
                .map(|j| format!("? [{j}, *a{}] : {j}", i - 1))
                .collect();
            bomb.push_str(&format!("a{i}: &a{i} {{{}}}\n", keys.join(", ")));
        }
        let err = Node::parse(&bomb).unwrap_err();
        assert!(err.message.contains("more than"), "{}", err.message);
        assert_eq!(line_col(&bomb, err.span.start).0, 6, "{}", err.message);
    }

    #[test]
    fn the_line_index_agrees_with_line_col() {
        let text = format!("a\u{e9}\n\n{}b\u{2028}c\nd", "\u{e9}x".repeat(700));
        let index = LineIndex::new(&text);
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            assert_eq!(
                index.line_col(&text, offset),
                line_col(&text, offset),
                "{offset}"
            );
        }
    }

    #[test]
    fn paths_parse_and_print() {
        let p = Path::parse_dotted("services.kafka.ports[0].host");
        assert_eq!(p.to_string(), "services.kafka.ports[0].host");
        assert_eq!(Path::from_json_pointer("/services/kafka/ports/0"), {
            Path::parse_dotted("services.kafka.ports[0]")
        });
    }
}
