use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::fix;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::items;
use crate::yaml::{Kind, Node, Path};

declare_rule! {
    /// ## What it does
    /// Reports an entry of `ports:` or `expose:` in the short syntax that is written without
    /// quotes (`- 8080:80`, `- 3000`). Off by default. Parity with dclint's
    /// `require-quotes-in-ports`. The long syntax (`target:`, `published:`) is not reported.
    ///
    /// Fixable: the fix wraps each such entry in double quotes (`- "8080:80"`) and changes no
    /// other byte of the file (comments, other quotes, blank lines and line endings stay).
    ///
    /// ## Why is this bad?
    /// YAML 1.1 parsers read an unquoted `xx:yy` with numbers below 60 as a base-60 integer
    /// (`22:22` is 1342), and tools that read compose files with such a parser see a
    /// different port (CG105 reports the entries where that happens). Quoting every entry
    /// makes the file mean the same thing to every parser and keeps the style uniform.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.1
    ///     ports:
    ///       - 8080:80
    ///     expose:
    ///       - 9113
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.1
    ///     ports:
    ///       - "8080:80"
    ///     expose:
    ///       - "9113"
    /// ```
    pub struct UnquotedPort {
        code: "CG804",
        name: "unquoted-port",
        category: Style,
        severity: Info,
        enabled: false,
        summary: "a short-syntax port in `ports`/`expose` is not quoted (off by default)",
    }
}

/// Plain (unquoted) scalar entries of `ports` and `expose` in every service: (path, span,
/// text as written).
fn unquoted<'n>(root: &'n Node, text: &str) -> Vec<(Path, &'n Node, String)> {
    let mut out = Vec::new();
    let Some(services) = root.get("services") else {
        return out;
    };
    let Kind::Map(entries) = &services.kind else {
        return out;
    };
    for (name, svc) in entries {
        let Some(name) = name.as_str() else { continue };
        for key in ["ports", "expose"] {
            let Some(list) = svc.get(key) else { continue };
            let at = Path::root().key("services").key(name).key(key);
            for (n, path) in items(list, &at) {
                if !n.plain || n.tag.is_some() {
                    continue;
                }
                let written = match &n.kind {
                    Kind::Str(s) => s.clone(),
                    Kind::Int(i) => i.to_string(),
                    _ => continue,
                };
                // Only when the span is exactly the scalar as written.
                if text.get(n.span.start..n.span.end) != Some(written.as_str())
                    || written.contains(['"', '\\'])
                {
                    continue;
                }
                out.push((path, n, written));
            }
        }
    }
    out
}

impl Rule for UnquotedPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for (path, node, written) in unquoted(cx.root, cx.text) {
            let service = match path.0.get(1) {
                Some(crate::yaml::Seg::Key(k)) => k.clone(),
                _ => String::new(),
            };
            out.push(
                self.finding(cx, path, format!("port `{written}` is not quoted"))
                    .label("unquoted")
                    .service(service)
                    .help(format!("write it as a string: \"{written}\""))
                    .fix(fix::quote(cx, node))
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn fix(text: &str) -> Option<String> {
        crate::lint::testing::fix_rule("CG804", text)
    }

    #[test]
    fn reported() {
        assert_eq!(
            codes(&lint_rule(
                "CG804",
                "services:\n  a:\n    image: x\n    ports:\n      - 8080:80\n      - '443:443'\n      - target: 80\n    expose: [9113, \"9114\"]\n"
            )),
            ["CG804@5", "CG804@8"]
        );
    }

    #[test]
    fn fix_quotes_only_the_ports() {
        let text = "# proxy\nservices:\n  a:\n    image: x   # pinned\n    ports:\n      - 8080:80    # http\n      - '443:443'\n      - 127.0.0.1:9000:9000\n    expose: [9113, \"9114\"]\n    environment:\n      PORT: 8080\n";
        assert_eq!(
            fix(text).as_deref(),
            Some(
                "# proxy\nservices:\n  a:\n    image: x   # pinned\n    ports:\n      - \"8080:80\"    # http\n      - '443:443'\n      - \"127.0.0.1:9000:9000\"\n    expose: [\"9113\", \"9114\"]\n    environment:\n      PORT: 8080\n"
            )
        );
        // The fixed file has nothing left to fix, and nothing else changed meaning.
        let fixed = fix(text).unwrap();
        assert_eq!(fix(&fixed), None);
        assert!(codes(&lint_rule("CG804", &fixed)).is_empty());
    }

    #[test]
    fn fix_leaves_suppressed_lines() {
        let text = "services:\n  a:\n    image: x\n    ports:\n      - 80:80\n      - 443:443 # composegen: ignore[CG804]\n";
        assert_eq!(
            fix(text).as_deref(),
            Some(
                "services:\n  a:\n    image: x\n    ports:\n      - \"80:80\"\n      - 443:443 # composegen: ignore[CG804]\n"
            )
        );
    }

    #[test]
    fn fix_refuses_anchors() {
        // The entry is written once for every service that uses it: not fixed (with a note).
        let text = "x-ports: &p\n  - 80:80\nservices:\n  a:\n    image: x\n    ports: *p\n  b:\n    image: y\n    ports: *p\n";
        assert_eq!(fix(text), None);
        let found = lint_rule("CG804", text);
        assert!(
            found.iter().all(|d| d
                .fix
                .as_ref()
                .is_some_and(|f| f.edits == Err(crate::lint::fix::Refusal::Anchor))),
            "{found:?}"
        );
        assert_eq!(fix("services:\n  a:\n    image: x\n"), None);
    }
}
