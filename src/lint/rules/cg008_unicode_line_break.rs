use crate::declare_rule;
use crate::lint::rule::{Rule, RuleMeta};
use crate::yaml::{Span, line_breaks};

/// The rule's code, for the engine that emits it.
pub const CODE: &str = "CG008";

declare_rule! {
    /// ## What it does
    /// Reports a NEXT LINE (U+0085), LINE SEPARATOR (U+2028) or PARAGRAPH SEPARATOR (U+2029)
    /// character anywhere in a compose file, once per line.
    ///
    /// ## Why is this bad?
    /// Docker Compose's YAML library reads each of them as a line break; most editors, diff views
    /// and code review tools show nothing there. What follows one inside a comment is real
    /// configuration to Compose and invisible to a reviewer: `# note` then U+2028 then
    /// `privileged: true` runs the service privileged. composegen reads the file as Compose does
    /// (so other rules see the hidden keys) and reports the character itself.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     # note<U+2028>    privileged: true
    /// ```
    ///
    /// ## Use instead
    /// Ordinary line breaks, and `\L`, `\P` or `\N` escapes in a double-quoted string when a
    /// value really needs the character.
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     # note
    ///     privileged: true
    /// ```
    pub struct UnicodeLineBreak {
        code: "CG008",
        name: "unicode-line-break",
        category: Schema,
        severity: Error,
        summary: "a U+0085, U+2028 or U+2029 character that Compose reads as a line break",
    }
}

impl Rule for UnicodeLineBreak {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}

/// How to fix it.
pub const HELP: &str = "replace it with an ordinary line break (or a `\\L`, `\\P`, `\\N` escape \
                        in a double-quoted string) so that reviewers see what Compose reads";

/// One finding per line (as editors count lines): the span of the first such character on it,
/// and the message.
pub fn findings(text: &str) -> Vec<(Span, String)> {
    let mut out: Vec<(Span, String, usize)> = Vec::new();
    let mut line_end = 0;
    for (at, c) in line_breaks(text) {
        if at < line_end {
            if let Some(last) = out.last_mut() {
                last.2 += 1;
            }
            continue;
        }
        line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let name = match c {
            '\u{85}' => "U+0085 (NEXT LINE)",
            '\u{2028}' => "U+2028 (LINE SEPARATOR)",
            _ => "U+2029 (PARAGRAPH SEPARATOR)",
        };
        out.push((
            Span {
                start: at,
                end: at + c.len_utf8(),
            },
            name.to_string(),
            1,
        ));
    }
    out.into_iter()
        .map(|(span, name, n)| {
            let more = match n {
                1 => String::new(),
                n => format!(" ({n} such characters on this line)"),
            };
            (
                span,
                format!(
                    "{name}: Docker Compose reads it as a line break, most editors and diff \
                     views show nothing{more}"
                ),
            )
        })
        .collect()
}
