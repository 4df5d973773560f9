//! The span-aware YAML layer: the only module that knows about parser positions.
//!
//! Documents are parsed once into an owned [`Node`] tree whose every node carries the byte span
//! where a human wrote it. Everything else works on values and on symbolic [`Path`]s
//! (`services.kafka.ports[0]`); [`Node::locate`] resolves a path back to a span.
//!
//! serde_yaml cannot report positions of values (only of its own errors), so this layer is built
//! on saphyr; see docs/decisions.md.

use std::fmt;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

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
        let offsets = ByteOffsets::new(text);
        let docs = MarkedYaml::load_from_str(text).map_err(|e| {
            let at = offsets.byte(e.marker().index());
            SyntaxError {
                message: e.info().to_string(),
                span: Span { start: at, end: at },
            }
        })?;
        match docs.first() {
            None => Ok(Node {
                span: Span::default(),
                kind: Kind::Null,
            }),
            Some(doc) => Ok(convert(doc, &offsets)),
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

fn convert(node: &MarkedYaml<'_>, offsets: &ByteOffsets) -> Node {
    let span = Span {
        start: offsets.byte(node.span.start.index()),
        end: offsets.byte(node.span.end.index()),
    };
    let kind = match &node.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Representation(raw, _, _) => Kind::Str(raw.to_string()),
        YamlData::Sequence(items) => Kind::Seq(items.iter().map(|n| convert(n, offsets)).collect()),
        YamlData::Mapping(map) => Kind::Map(
            map.iter()
                .map(|(k, v)| (convert(k, offsets), convert(v, offsets)))
                .collect(),
        ),
        YamlData::Tagged(_, inner) => return convert(inner, offsets),
        YamlData::Alias(_) | YamlData::BadValue => Kind::Null,
    };
    Node { span, kind }
}

fn scalar(s: &Scalar<'_>) -> Kind {
    match s {
        Scalar::Null => Kind::Null,
        Scalar::Boolean(b) => Kind::Bool(*b),
        Scalar::Integer(i) => Kind::Int(*i),
        Scalar::FloatingPoint(f) => Kind::Float(f.into_inner()),
        Scalar::String(s) => Kind::Str(s.to_string()),
    }
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
    fn paths_parse_and_print() {
        let p = Path::parse_dotted("services.kafka.ports[0].host");
        assert_eq!(p.to_string(), "services.kafka.ports[0].host");
        assert_eq!(Path::from_json_pointer("/services/kafka/ports/0"), {
            Path::parse_dotted("services.kafka.ports[0]")
        });
    }
}
