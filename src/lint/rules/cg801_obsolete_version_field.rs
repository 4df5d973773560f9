use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::fix;
use crate::lint::rule::{Rule, RuleMeta};
use crate::yaml::{Kind, Node, Path, Span};

declare_rule! {
    /// ## What it does
    /// Reports the top-level `version:` key (`version: "3.8"`). Parity with dclint's
    /// `no-version-field`.
    ///
    /// Fixable: the fix deletes the `version:` line (with a comment on that line, and the blank
    /// line after it when it opens the file); every other byte of the file, comments
    /// included, stays as it was. A `version` written inside a flow mapping or on a line it
    /// shares with another key is reported but not fixed.
    ///
    /// ## Why is this bad?
    /// The Compose Specification ignores it: Docker Compose v2 warns `the attribute `version`
    /// is obsolete, it will be ignored, please remove it to avoid potential confusion`. It
    /// does not select a file format or enable features, so it only suggests that a setting
    /// depends on it.
    ///
    /// ## Example
    /// ```yaml
    /// version: "3.8"
    /// services:
    ///   web:
    ///     image: nginx:1.27.1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.1
    /// ```
    pub struct ObsoleteVersionField {
        code: "CG801",
        name: "obsolete-version-field",
        category: Style,
        severity: Info,
        summary: "the top-level `version` is obsolete and ignored by Compose",
    }
}

/// The lines to delete for the top-level `version` (key `key`, value `value`): its line, with
/// a comment on it, and the blank line after it when it opens the file. None when it shares its
/// line with another key (`{version: …}`, `a: 1, version: …`).
fn version_lines(text: &str, key: &Node, value: &Node) -> Option<Span> {
    let line_start = text[..key.span.start].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..key.span.start].trim().is_empty() {
        return None; // `{version: …}` or `a: 1, version: …`
    }
    // The value ends on a line of its own: only white space or a comment may follow it.
    let value_end = value.span.end.max(key.span.end);
    let line_end = text[value_end..]
        .find('\n')
        .map_or(text.len(), |i| value_end + i + 1);
    let rest = text[value_end..line_end].trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    let mut end = line_end;
    // Opening the file: take the blank line after it too, so the file does not start blank.
    if text[..line_start].trim().is_empty() || text[..line_start].trim() == "---" {
        let next_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        if end < text.len() && text[end..next_end].trim().is_empty() {
            end = next_end;
        }
    }
    Some(Span {
        start: line_start,
        end,
    })
}

impl Rule for ObsoleteVersionField {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some((key, version)) = cx.root.entry("version") else {
            return;
        };
        let fix = version_lines(cx.text, key, version).map(|span| fix::delete(cx, key, span));
        let shown = match &version.kind {
            Kind::Str(s) => format!(" ({s})"),
            Kind::Int(i) => format!(" ({i})"),
            Kind::Float(f) => format!(" ({f})"),
            _ => String::new(),
        };
        out.push(
            self.finding(cx, Path::root().key("version"), format!("the top-level `version`{shown} is obsolete"))
                .on_key()
                .label("ignored by Docker Compose")
                .help("remove the line: the Compose Specification has no file versions, and Compose warns that the attribute is ignored")
                .fix(fix)
                .build(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn fix(text: &str) -> Option<String> {
        crate::lint::testing::fix_rule("CG801", text)
    }

    #[test]
    fn reported() {
        assert_eq!(
            codes(&lint_rule(
                "CG801",
                "# app\nversion: '3.8'\nservices:\n  a:\n    image: x\n"
            )),
            ["CG801@2"]
        );
        assert!(lint_rule("CG801", "services:\n  a:\n    image: x\n").is_empty());
        // A service's `version`-like key is not the top-level one.
        assert!(
            lint_rule(
                "CG801",
                "services:\n  a:\n    image: x\n    labels:\n      version: '1'\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn fix_removes_only_the_line() {
        let text = "version: \"3.8\"  # old\n\n# The web tier.\nservices:\n  web:   # keep me\n    image: nginx:1.27.1\n";
        assert_eq!(
            fix(text).as_deref(),
            Some("# The web tier.\nservices:\n  web:   # keep me\n    image: nginx:1.27.1\n")
        );
        // In the middle: neighbours, comments and blank lines untouched.
        let text = "# header\n\nname: shop\nversion: '3'\n\nservices:\n  a:\n    image: x\n";
        assert_eq!(
            fix(text).as_deref(),
            Some("# header\n\nname: shop\n\nservices:\n  a:\n    image: x\n")
        );
        // Last line without a newline; CRLF line endings.
        assert_eq!(
            fix("services:\n  a:\n    image: x\nversion: 3").as_deref(),
            Some("services:\n  a:\n    image: x\n")
        );
        assert_eq!(
            fix("services:\r\n  a:\r\n    image: x\r\nversion: '3'\r\nvolumes:\r\n  d:\r\n")
                .as_deref(),
            Some("services:\r\n  a:\r\n    image: x\r\nvolumes:\r\n  d:\r\n")
        );
        // After a document marker.
        assert_eq!(
            fix("---\nversion: '2.4'\nservices: {a: {image: x}}\n").as_deref(),
            Some("---\nservices: {a: {image: x}}\n")
        );
    }

    #[test]
    fn fix_declines() {
        assert_eq!(fix("services:\n  a:\n    image: x\n"), None);
        assert_eq!(fix("{version: '3', services: {a: {image: x}}}\n"), None);
        assert_eq!(fix("version: [\n"), None);
    }
}
