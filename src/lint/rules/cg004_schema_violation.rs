use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

/// The rule's code, for the engine.
pub const CODE: &str = "CG004";

declare_rule! {
    /// ## What it does
    /// Checks the document against the Compose specification, as composegen models it
    /// (`schema/compose.schema.json`, generated from `src/compose/model.rs`): unknown keys,
    /// values of the wrong type, values outside their allowed set, keys that are not strings.
    /// `x-` extension keys are allowed where the specification allows them.
    ///
    /// Agreement with Docker Compose v2.40.3 over a corpus of 175 real files is published in
    /// docs/conformance.md.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file (`services.web additional properties 'imagee' not
    /// allowed`), often with a message that does not say where.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     imagee: nginx:1.27.3
    ///     restart: sometimes
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.3
    ///     restart: unless-stopped
    /// ```
    pub struct SchemaViolation {
        code: "CG004",
        name: "schema-violation",
        category: Schema,
        severity: Error,
        summary: "the file does not follow the Compose specification",
    }
}

impl Rule for SchemaViolation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut problems = crate::compose::validate::key_problems(cx.root);
        // The tree is read in place; it is converted to JSON only to describe errors.
        problems.extend(crate::compose::validate::validate_tree(cx.root));
        push_problems(self, cx, problems, out);
    }
}

/// Turn validation problems into findings of `rule` (CG004 and CG005 share this).
pub(crate) fn push_problems(
    rule: &impl Rule,
    cx: &Context<'_>,
    problems: Vec<crate::schema::Problem>,
    out: &mut Vec<Finding>,
) {
    for p in problems {
        if crate::compose::validate::unset_cause(cx.root, &p).is_some() {
            // Only an unset variable makes the value invalid: CG006 or CG011 reports it.
            continue;
        }
        let mut f = rule.finding(cx, p.path.clone(), p.message).label(p.label);
        if p.at_key {
            f = f.on_key();
        }
        if let Some(h) = p.help {
            f = f.help(h);
        }
        if let [crate::yaml::Seg::Key(s), crate::yaml::Seg::Key(name), ..] = p.path.0.as_slice()
            && s == "services"
        {
            f = f.service(name.clone());
        }
        out.push(f.build());
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    #[test]
    fn unknown_keys_and_wrong_types() {
        assert_eq!(
            codes(&lint_rule(
                "CG004",
                "services:\n  web:\n    imagee: nginx\n"
            )),
            ["CG004@3"]
        );
        assert_eq!(
            codes(&lint_rule(
                "CG004",
                "services:\n  web:\n    image: nginx\n    ports: 80\n"
            )),
            ["CG004@4"]
        );
        assert!(
            codes(&lint_rule(
                "CG004",
                "services:\n  web:\n    image: nginx\n    x-note: fine\nx-top: {}\n"
            ))
            .is_empty()
        );
    }
}
