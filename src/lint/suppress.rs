//! Inline suppressions: `# composegen: ignore[CG101]` on any line a finding covers, and
//! `# composegen: ignore-file[CG104]` anywhere in the file. Several codes may be listed
//! (`ignore[CG101,CG203]`); a reason may follow the closing bracket.

/// Suppressions found in one file.
#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    /// (1-based line, code) pairs.
    lines: Vec<(usize, String)>,
    /// Codes ignored in the whole file.
    file: Vec<String>,
    /// (first line, last line, code) of blocks whose key line carries a suppression.
    blocks: Vec<(usize, usize, String)>,
    /// Every code named, where it is written in the text (for unknown codes).
    pub mentions: Vec<(crate::yaml::Span, String)>,
    /// The reason written after a line's suppression, by line (for SARIF's justification).
    reasons: Vec<(usize, String)>,
}

impl Suppressions {
    /// Scan a file's text for suppression comments.
    pub fn scan(text: &str) -> Suppressions {
        let mut s = Suppressions::default();
        for (i, line) in text.lines().enumerate() {
            let Some(comment) = comment_of(line) else {
                continue;
            };
            let mut rest = comment;
            while let Some(at) = rest.find("composegen:") {
                rest = rest[at + "composegen:".len()..].trim_start();
                let (whole_file, after) = if let Some(r) = rest.strip_prefix("ignore-file[") {
                    (true, r)
                } else if let Some(r) = rest.strip_prefix("ignore[") {
                    (false, r)
                } else {
                    continue;
                };
                let Some(close) = after.find(']') else { break };
                let reason = after[close + 1..]
                    .split("composegen:")
                    .next()
                    .unwrap_or_default()
                    .trim();
                if !reason.is_empty() {
                    s.reasons.push((i + 1, reason.to_string()));
                }
                for code in after[..close]
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                {
                    let at = code.as_ptr() as usize - text.as_ptr() as usize;
                    s.mentions.push((
                        crate::yaml::Span {
                            start: at,
                            end: at + code.len(),
                        },
                        code.to_ascii_uppercase(),
                    ));
                    let code = code.to_ascii_uppercase();
                    if whole_file {
                        s.file.push(code);
                    } else {
                        s.lines.push((i + 1, code));
                    }
                }
                rest = &after[close + 1..];
            }
        }
        s
    }

    /// Whether a finding of `code` covering lines `first..=last` is suppressed.
    pub fn suppresses(&self, code: &str, first: usize, last: usize) -> bool {
        self.file.iter().any(|c| c == code)
            || self
                .lines
                .iter()
                .any(|(l, c)| c == code && (first..=last).contains(l))
            || self
                .blocks
                .iter()
                .any(|(a, b, c)| c == code && *a <= first && last <= *b)
    }

    /// The reason written with a suppression of `code` on one of lines `first..=last`, if any.
    pub fn reason(&self, first: usize, last: usize) -> Option<&str> {
        self.reasons
            .iter()
            .find(|(l, _)| (first..=last).contains(l))
            .map(|(_, r)| r.as_str())
    }

    /// A suppression on the line of a mapping key whose value is a block covers the whole block:
    /// `cadvisor:  # composegen: ignore[CG204] reason` applies to everything in that service.
    pub fn extend_to_blocks(&mut self, root: &crate::yaml::Node, text: &str) {
        use crate::yaml::{Kind, LineIndex, Node};
        use std::collections::HashMap;
        /// Suppressions by line, and where each line starts: a lookup per block key, so the walk
        /// is linear in the file (`line_col` from the file's start per key was quadratic).
        struct Lines<'s> {
            codes: HashMap<usize, Vec<&'s String>>,
            index: LineIndex,
        }
        fn walk(n: &Node, text: &str, lines: &Lines<'_>, out: &mut Vec<(usize, usize, String)>) {
            match &n.kind {
                Kind::Map(entries) => {
                    for (k, v) in entries {
                        if matches!(v.kind, Kind::Map(_) | Kind::Seq(_)) {
                            let key_line = lines.index.line_col(text, k.span.start).0;
                            if let Some(codes) = lines.codes.get(&key_line) {
                                let end_line = lines.index.line_col(text, v.content_end(text)).0;
                                for code in codes {
                                    out.push((key_line, end_line, (*code).clone()));
                                }
                            }
                        }
                        walk(v, text, lines, out);
                    }
                }
                Kind::Seq(items) => items.iter().for_each(|i| walk(i, text, lines, out)),
                _ => {}
            }
        }
        if self.lines.is_empty() {
            return;
        }
        let mut codes: HashMap<usize, Vec<&String>> = HashMap::new();
        for (line, code) in &self.lines {
            codes.entry(*line).or_default().push(code);
        }
        let lines = Lines {
            codes,
            index: LineIndex::new(text),
        };
        let mut blocks = Vec::new();
        walk(root, text, &lines, &mut blocks);
        self.blocks.extend(blocks);
    }
}

/// The reason `--add-ignores` writes: a placeholder for the team to replace.
pub const TODO_REASON: &str = "TODO: say why this is accepted, or fix it";

/// Add a suppression for each `(line, code)` (1-based lines of `text`): a
/// `# composegen: ignore[CODE] TODO: …` comment at the end of the line, or appended to the
/// comment already there. A line where a comment would change the document (inside a
/// multi-line quoted string) gets none; its codes are ignored for the whole file instead, at the
/// top. Returns the new text and how many codes were added; every other byte is unchanged.
pub fn add_ignores(text: &str, found: &[(usize, &str)]) -> (String, usize) {
    use std::collections::{BTreeMap, BTreeSet};
    let mut by_line: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
    for (line, code) in found {
        by_line.entry(*line).or_default().insert(code);
    }
    let before = crate::yaml::Node::parse_documents(text, 0)
        .ok()
        .map(|docs| {
            docs.iter()
                .map(crate::yaml::Node::to_json)
                .collect::<Vec<_>>()
        });
    let same = |candidate: &str| match &before {
        None => true,
        Some(docs) => crate::yaml::Node::parse_documents(candidate, 0)
            .is_ok_and(|d| d.iter().map(crate::yaml::Node::to_json).collect::<Vec<_>>() == *docs),
    };
    let annotate = |lines: &BTreeMap<usize, BTreeSet<&str>>| -> String {
        let mut out = String::with_capacity(text.len() + 64 * lines.len());
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let Some(codes) = lines.get(&(i + 1)) else {
                out.push_str(line);
                continue;
            };
            let body = line.trim_end_matches(['\n', '\r']);
            let ending = &line[body.len()..];
            let list = codes.iter().copied().collect::<Vec<_>>().join(",");
            let comment = format!("composegen: ignore[{list}] {TODO_REASON}");
            out.push_str(body);
            if comment_of(body).is_some() {
                out.push(' ');
            } else if body.trim().is_empty() {
                out.push('#');
            } else {
                out.push_str("  # ");
            }
            out.push_str(&comment);
            out.push_str(ending);
        }
        out
    };
    let added: usize = by_line.values().map(BTreeSet::len).sum();
    // A finding past the last line (a syntax error at the end, an empty file) is ignored for the
    // whole file.
    let lines = text.split_inclusive('\n').count();
    let mut whole_file: BTreeSet<&str> = BTreeSet::new();
    by_line.retain(|line, codes| {
        let exists = *line <= lines;
        if !exists {
            whole_file.extend(codes.iter().copied());
        }
        exists
    });
    let all = annotate(&by_line);
    if whole_file.is_empty() && same(&all) {
        return (all, added);
    }
    // Some line cannot take a comment: find which, one line at a time.
    let mut kept = BTreeMap::new();
    for (line, codes) in by_line {
        let one = BTreeMap::from([(line, codes.clone())]);
        if same(&annotate(&one)) {
            kept.insert(line, codes);
        } else {
            whole_file.extend(codes);
        }
    }
    let mut out = String::new();
    if !whole_file.is_empty() {
        let list = whole_file.iter().copied().collect::<Vec<_>>().join(",");
        let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
        out.push_str(&format!(
            "# composegen: ignore-file[{list}] {TODO_REASON}{nl}"
        ));
    }
    out.push_str(&annotate(&kept));
    (out, added)
}

/// The comment part of a YAML line: from a `#` at the start or after white space, outside quotes.
fn comment_of(line: &str) -> Option<&str> {
    let mut in_single = false;
    let mut in_double = false;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !in_double => in_single = !in_single,
            '"' if !in_single && prev != '\\' => in_double = !in_double,
            '#' if !in_single && !in_double && (prev == ' ' || prev == '\t' || i == 0) => {
                return Some(&line[i + 1..]);
            }
            _ => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, expected line suppressions, expected file suppressions)
    type Case<'a> = (&'a str, &'a [(usize, &'a str)], &'a [&'a str]);

    #[test]
    fn comment_parser_edge_cases() {
        let cases: &[Case<'_>] = &[
            ("a: 1 # composegen: ignore[CG101]", &[(1, "CG101")], &[]),
            (
                "a: 1 # composegen: ignore[CG101, cg203] because reasons",
                &[(1, "CG101"), (1, "CG203")],
                &[],
            ),
            ("# composegen: ignore-file[CG104]", &[], &["CG104"]),
            ("a: \"x # composegen: ignore[CG101]\"", &[], &[]),
            ("a: 'x # composegen: ignore[CG101]'", &[], &[]),
            ("a: x#composegen: ignore[CG101]", &[], &[]),
            ("a: 1 # composegen: ignore[CG101", &[], &[]),
            ("a: 1 # composegen:ignore[CG101]", &[(1, "CG101")], &[]),
            ("a: 1 # composegen: ignore[]", &[], &[]),
            (
                "a: 1 # note composegen: ignore[CG1] composegen: ignore[CG2]",
                &[(1, "CG1"), (1, "CG2")],
                &[],
            ),
            ("a: 1 # composegen: ignores[CG101]", &[], &[]),
        ];
        for (text, lines, file) in cases {
            let s = Suppressions::scan(text);
            let want: Vec<(usize, String)> =
                lines.iter().map(|(l, c)| (*l, c.to_string())).collect();
            assert_eq!(s.lines, want, "{text}");
            assert_eq!(
                s.file,
                file.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_suppression_on_a_key_covers_its_block() {
        let text = "services:\n  a:  # composegen: ignore[CG204] needs /sys\n    image: x\n    volumes:\n      - /sys:/sys:ro\n  b:\n    image: y\n";
        let root = crate::yaml::Node::parse(text).unwrap();
        let mut s = Suppressions::scan(text);
        s.extend_to_blocks(&root, text);
        assert!(s.suppresses("CG204", 5, 5));
        assert!(!s.suppresses("CG204", 7, 7), "not service b");
        assert!(!s.suppresses("CG203", 5, 5));
    }

    #[test]
    fn add_ignores_appends_comments_and_keeps_every_other_byte() {
        let text = "services:\r\n  a:  # the app\r\n    image: x\r\n    ports: [\"22:22\"]\r\n";
        let (out, n) = add_ignores(text, &[(2, "CG403"), (2, "CG301"), (4, "CG101")]);
        assert_eq!(n, 3);
        assert_eq!(
            out,
            format!(
                "services:\r\n  a:  # the app composegen: ignore[CG301,CG403] {TODO_REASON}\r\n    image: x\r\n    ports: [\"22:22\"]  # composegen: ignore[CG101] {TODO_REASON}\r\n"
            )
        );
        let s = Suppressions::scan(&out);
        assert!(s.suppresses("CG301", 2, 2) && s.suppresses("CG403", 2, 2));
        assert!(s.suppresses("CG101", 4, 4));
        // Past the last line: for the whole file.
        let (out, n) = add_ignores("services:\n  a: [x\n", &[(3, "CG001")]);
        assert_eq!(n, 1);
        assert_eq!(
            out,
            format!("# composegen: ignore-file[CG001] {TODO_REASON}\nservices:\n  a: [x\n")
        );
        // A line inside a multi-line quoted string: the code is ignored for the file instead.
        let text = "services:\n  a:\n    command: \"a\n      b\"\n";
        let (out, _) = add_ignores(text, &[(3, "CG009")]);
        assert_eq!(
            out,
            format!("# composegen: ignore-file[CG009] {TODO_REASON}\n{text}")
        );
    }

    #[test]
    fn covers_lines() {
        let s = Suppressions::scan("a:\n  b: 1 # composegen: ignore[CG101]\n");
        assert!(s.suppresses("CG101", 1, 3));
        assert!(s.suppresses("CG101", 2, 2));
        assert!(!s.suppresses("CG101", 3, 4));
        assert!(!s.suppresses("CG102", 2, 2));
    }
}
