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
                for code in after[..close]
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                {
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

    /// A suppression on the line of a mapping key whose value is a block covers the whole block:
    /// `cadvisor:  # composegen: ignore[CG204] reason` applies to everything in that service.
    pub fn extend_to_blocks(&mut self, root: &crate::yaml::Node, text: &str) {
        use crate::yaml::{Kind, LineIndex, Node};
        use std::collections::HashMap;
        fn block_end(n: &Node) -> usize {
            match &n.kind {
                Kind::Map(entries) => entries
                    .iter()
                    .map(|(k, v)| block_end(v).max(k.span.end))
                    .max()
                    .unwrap_or(n.span.end),
                Kind::Seq(items) => items.iter().map(block_end).max().unwrap_or(n.span.end),
                _ => n.span.end,
            }
        }
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
                                let end_line = lines.index.line_col(text, block_end(v)).0;
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
    fn covers_lines() {
        let s = Suppressions::scan("a:\n  b: 1 # composegen: ignore[CG101]\n");
        assert!(s.suppresses("CG101", 1, 3));
        assert!(s.suppresses("CG101", 2, 2));
        assert!(!s.suppresses("CG101", 3, 4));
        assert!(!s.suppresses("CG102", 2, 2));
    }
}
