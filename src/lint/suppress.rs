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
    fn covers_lines() {
        let s = Suppressions::scan("a:\n  b: 1 # composegen: ignore[CG101]\n");
        assert!(s.suppresses("CG101", 1, 3));
        assert!(s.suppresses("CG101", 2, 2));
        assert!(!s.suppresses("CG101", 3, 4));
        assert!(!s.suppresses("CG102", 2, 2));
    }
}
