use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `tmpfs:` entry whose options turn `exec` or `suid` back on
    /// (`/tmp:exec`, `/run:rw,suid,size=64m`). Parity with compose-lint's CL-0022.
    ///
    /// Docker mounts every tmpfs with `noexec,nosuid,nodev` unless told otherwise, so an
    /// entry without options (`- /tmp`) is already hardened and is not reported; only the
    /// options that remove a default are.
    ///
    /// ## Why is this bad?
    /// A writable tmpfs is where an attacker who got code execution drops a payload. With
    /// `noexec` it cannot be run from there, and with `nosuid` a setuid binary placed there
    /// gives no privileges. `exec` is sometimes needed (a runtime that unpacks native
    /// libraries into `/tmp`); then point that runtime at a dedicated directory rather than
    /// opening `/tmp` for everything.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:2.1.0
    ///     read_only: true
    ///     tmpfs:
    ///       - /tmp:exec,size=64m
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:2.1.0
    ///     read_only: true
    ///     tmpfs:
    ///       - /tmp:size=64m
    /// ```
    pub struct TmpfsAllowsExecOrSuid {
        code: "CG212",
        name: "tmpfs-allows-exec-or-suid",
        category: Volumes,
        severity: Info,
        summary: "a tmpfs mount turns `exec` or `suid` back on (Docker's default is `noexec,nosuid`)",
    }
}

impl Rule for TmpfsAllowsExecOrSuid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            for (v, path) in s.string_items("tmpfs") {
                let Some((target, options)) = v.value.split_once(':') else {
                    continue;
                };
                let weakened: Vec<&str> = options
                    .split(',')
                    .map(str::trim)
                    .filter(|o| matches!(*o, "exec" | "suid"))
                    .collect();
                if weakened.is_empty() {
                    continue;
                }
                out.push(
                    self.finding(
                        cx,
                        path,
                        format!(
                            "`{}` mounts tmpfs `{target}` with `{}`",
                            s.name,
                            weakened.join(",")
                        ),
                    )
                    .label("removes Docker's `noexec,nosuid` default")
                    .service(s.name)
                    .help("remove `exec` and `suid` from the options; if a program must run from a tmpfs, give it its own directory")
                    .build(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG212", yaml))
    }

    #[test]
    fn weakened() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    tmpfs:\n      - /tmp:exec\n      - /run:rw,suid,size=64m\n      - /cache:noexec\n  b:\n    image: y\n    tmpfs: /tmp:exec,mode=1777\n"
            ),
            ["CG212@5", "CG212@6", "CG212@10"]
        );
    }

    #[test]
    fn defaults() {
        assert!(run("services:\n  a:\n    image: x\n    tmpfs: ['/tmp', '/run:size=64m', '/c:noexec,nosuid']\n").is_empty());
    }
}
