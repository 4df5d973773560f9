use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service whose root file system is writable: no `read_only: true` (at the
    /// service), or `read_only: false` (at the key). Off by default. Services with `extends`
    /// are skipped (the setting may come from the base). Parity with compose-lint's CL-0007
    /// (CIS Docker Benchmark 5.13).
    ///
    /// ## Why is this bad?
    /// An attacker who gets code execution in a writable container can replace its binaries
    /// and libraries, install tools and persist until the container is recreated. With a
    /// read-only root, the paths the service writes are explicit: volumes for its data,
    /// `tmpfs` for scratch space. CG207 checks that those writable paths exist.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     read_only: true
    ///     tmpfs:
    ///       - /tmp
    /// ```
    pub struct WritableRootFilesystem {
        code: "CG415",
        name: "writable-root-filesystem",
        category: Security,
        severity: Info,
        enabled: false,
        summary: "a service's root file system is writable (no `read_only: true`) (off by default)",
    }
}

impl Rule for WritableRootFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if s.extends() || s.flag("read_only") {
                continue;
            }
            if s.str("read_only").is_some_and(|v| !v.known()) {
                continue;
            }
            let f = if s.get("read_only").is_some() {
                self.finding(
                    cx,
                    s.at("read_only"),
                    format!("`{}` sets `read_only: false`", s.name),
                )
            } else {
                self.finding(
                    cx,
                    s.path.clone(),
                    format!("`{}` has a writable root file system", s.name),
                )
                .on_key()
            };
            out.push(
                f.label("no `read_only: true`")
                    .service(s.name)
                    .help("set `read_only: true` and give the paths the service writes a volume (data) or a `tmpfs` (scratch)")
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG415", yaml))
    }

    #[test]
    fn writable() {
        assert_eq!(
            run("services:\n  a:\n    image: x\n  b:\n    image: y\n    read_only: false\n"),
            ["CG415@2", "CG415@6"]
        );
    }

    #[test]
    fn read_only() {
        assert!(run("services:\n  a:\n    image: x\n    read_only: true\n  b:\n    extends: {service: a}\n").is_empty());
        const { assert!(!super::WritableRootFilesystem::META.enabled) };
    }
}
