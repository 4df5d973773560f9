//! The span-aware YAML layer: the only module that knows about parser positions.
//!
//! Documents are parsed once into an owned [`Node`] tree whose every node carries the byte span
//! where a human wrote it. Everything else works on values and on symbolic [`Path`]s
//! (`services.kafka.ports[0]`); [`Node::locate`] resolves a path back to a span.
//!
//! serde_yaml cannot report positions of values (only of its own errors), so this layer is built
//! on saphyr; see docs/decisions.md.

use std::fmt;

use saphyr::{MarkedYaml, ScalarStyle, YamlData, YamlLoader};
use saphyr_parser::Parser;

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

    /// This path extended by an index.
    pub fn index(&self, i: usize) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
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
    /// An explicit tag such as `!reset` or `!override`.
    pub tag: Option<String>,
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
        let mut node = Node::parse_one(text)?;
        if file != 0 {
            node.set_file(file);
        }
        Ok(node)
    }

    fn set_file(&mut self, file: u32) {
        self.file = file;
        match &mut self.kind {
            Kind::Seq(items) => items.iter_mut().for_each(|n| n.set_file(file)),
            Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.set_file(file);
                v.set_file(file);
            }),
            _ => {}
        }
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

    fn parse_one(text: &str) -> Result<Node, SyntaxError> {
        let offsets = ByteOffsets::new(text);
        let error = |e: &saphyr_parser::ScanError| {
            let at = offsets.byte(e.marker().index());
            SyntaxError {
                message: e.info().to_string(),
                span: Span { start: at, end: at },
            }
        };
        let mut parser = Parser::new_from_str(text);
        let mut loader: YamlLoader<'_, MarkedYaml<'_>> = YamlLoader::default();
        loader.early_parse(false);
        loader.alias_limit(100_000);
        parser.load(&mut loader, false).map_err(|e| error(&e))?;
        if let Some(e) = loader.error() {
            return Err(error(e));
        }
        let docs = loader.into_documents();
        match docs.first() {
            None => Ok(Node {
                span: Span::default(),
                kind: Kind::Null,
                plain: true,
                tag: None,
                file: 0,
                interp: None,
            }),
            Some(doc) => Ok(convert(doc, &offsets, text)),
        }
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

/// Maps saphyr's character indices to byte offsets.
struct ByteOffsets {
    /// Byte offset of each char index; empty when the text is ASCII (identity).
    table: Vec<usize>,
    len: usize,
}

impl ByteOffsets {
    fn new(text: &str) -> Self {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(b, _)| b).collect()
        };
        ByteOffsets {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.table.is_empty() {
            char_index.min(self.len)
        } else {
            self.table.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

fn convert(node: &MarkedYaml<'_>, offsets: &ByteOffsets, text: &str) -> Node {
    let mut span = Span {
        start: offsets.byte(node.span.start.index()),
        end: offsets.byte(node.span.end.index()),
    };
    let mut plain = false;
    let mut tag = None;
    let kind = match &node.data {
        YamlData::Representation(raw, style, t) => {
            span = scalar_extent(text, span, *style);
            tag = t.as_ref().map(|t| format!("{}{}", t.handle, t.suffix));
            if *style == ScalarStyle::Plain && tag.is_none() {
                plain = true;
                resolve_plain(raw)
            } else if tag.as_deref() == Some("!!str")
                || tag.as_deref() == Some("tag:yaml.org,2002:str")
            {
                Kind::Str(raw.to_string())
            } else if *style == ScalarStyle::Plain {
                plain = true;
                resolve_plain(raw)
            } else {
                Kind::Str(raw.to_string())
            }
        }
        YamlData::Value(v) => match v {
            saphyr::Scalar::Null => Kind::Null,
            saphyr::Scalar::Boolean(b) => Kind::Bool(*b),
            saphyr::Scalar::Integer(i) => Kind::Int(*i),
            saphyr::Scalar::FloatingPoint(f) => Kind::Float(f.into_inner()),
            saphyr::Scalar::String(s) => Kind::Str(s.to_string()),
        },
        YamlData::Sequence(items) => {
            Kind::Seq(items.iter().map(|n| convert(n, offsets, text)).collect())
        }
        YamlData::Mapping(map) => {
            let entries: Vec<(Node, Node)> = map
                .iter()
                .map(|(k, v)| (convert(k, offsets, text), convert(v, offsets, text)))
                .collect();
            Kind::Map(apply_merge_keys(entries))
        }
        YamlData::Tagged(t, inner) => {
            let mut n = convert(inner, offsets, text);
            n.tag = Some(format!("{}{}", t.handle, t.suffix));
            return n;
        }
        YamlData::Alias(_) | YamlData::BadValue => Kind::Null,
    };
    Node {
        span,
        kind,
        plain,
        tag,
        file: 0,
        interp: None,
    }
}

/// The exact extent of a one-line scalar: the parser's end marker can run past the closing
/// quote up to a trailing comment.
fn scalar_extent(text: &str, span: Span, style: ScalarStyle) -> Span {
    let Some(rest) = text.get(span.start..) else {
        return span;
    };
    let line = rest.split('\n').next().unwrap_or("");
    let len = match style {
        ScalarStyle::DoubleQuoted => {
            let mut escaped = false;
            line.char_indices().skip(1).find_map(|(i, c)| match c {
                '\\' if !escaped => {
                    escaped = true;
                    None
                }
                '"' if !escaped => Some(i + 1),
                _ => {
                    escaped = false;
                    None
                }
            })
        }
        ScalarStyle::SingleQuoted => {
            let b = line.as_bytes();
            let mut i = 1;
            let mut end = None;
            while i < b.len() {
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
                    if !merged.iter().any(|(x, _)| x.kind == mk.kind) {
                        merged.push((mk, mv));
                    }
                }
            }
        } else {
            own.push((k, v));
        }
    }
    for (mk, mv) in merged {
        if !own.iter().any(|(x, _)| x.kind == mk.kind) {
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

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(root.get("h").unwrap().tag.as_deref(), Some("!reset"));
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
    fn paths_parse_and_print() {
        let p = Path::parse_dotted("services.kafka.ports[0].host");
        assert_eq!(p.to_string(), "services.kafka.ports[0].host");
        assert_eq!(Path::from_json_pointer("/services/kafka/ports/0"), {
            Path::parse_dotted("services.kafka.ports[0]")
        });
    }
}
