use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::fix::{self, Value};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg404_security_profile_disabled::split_security_opt;

declare_rule! {
    /// ## What it does
    /// Reports a service without `no-new-privileges:true` in `security_opt` (also written
    /// `no-new-privileges`, `no-new-privileges=true`). Privileged services (CG401) and
    /// services that `extends` another one are not reported. `no-new-privileges:false` is an
    /// explicit downgrade that CG404 reports, a warning whether this rule is on or not.
    ///
    /// Off by default: it is a hardening step that nearly no compose file takes, and a few
    /// images need setuid programs (`sudo`, `su`, `ping` without `NET_RAW`) at run time.
    /// Turn it on to harden a stack: `rules: {CG405: info}` in `.composegen.yaml`, or
    /// `--select CG405`.
    ///
    /// Fixable: the fix adds `no-new-privileges:true` to `security_opt` (a new key after the
    /// service's last one, or a new item of the list, written like its neighbours); a service
    /// that turns it off explicitly is left for you. Every other byte stays as it was.
    ///
    /// ## Why is this bad?
    /// Without it, a process in the container can gain privileges by running a setuid or
    /// setcap program: an attacker who gets a shell as the image's unprivileged user becomes
    /// root in the container through any setuid binary the image ships. With it, the kernel
    /// refuses every privilege gain through `execve`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.2.0
    ///     user: "1000:1000"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.2.0
    ///     user: "1000:1000"
    ///     security_opt: ["no-new-privileges:true"]
    /// ```
    pub struct NoNewPrivilegesNotSet {
        code: "CG405",
        name: "no-new-privileges-not-set",
        category: Security,
        severity: Info,
        enabled: false,
        summary: "a service lets its processes gain privileges (no `no-new-privileges:true`)",
    }
}

impl Rule for NoNewPrivilegesNotSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if s.flag("privileged") || s.extends() {
                continue;
            }
            let opts = s.string_items("security_opt");
            if opts.iter().any(|(v, _)| !v.known()) {
                continue;
            }
            let setting = opts.iter().find_map(|(v, path)| {
                let (key, value) = split_security_opt(&v.value);
                (key == "no-new-privileges").then(|| (value.to_ascii_lowercase(), path.clone()))
            });
            let add = match s.get("security_opt") {
                Some(list) => fix::append_item(cx, list, "no-new-privileges:true"),
                None => fix::insert_key(
                    cx,
                    s.node,
                    "security_opt",
                    Value::List("no-new-privileges:true"),
                ),
            };
            let finding = match setting {
                // `no-new-privileges:false` is an explicit downgrade, which CG404 reports.
                Some((value, _)) if value.is_empty() || value == "true" || value == "false" => {
                    continue;
                }
                Some((_, path)) => self
                    .finding(
                        cx,
                        path,
                        format!("`{}` turns `no-new-privileges` off", s.name),
                    )
                    .label("processes may gain privileges through setuid programs"),
                None => self
                    .finding(
                        cx,
                        s.path.clone(),
                        format!("`{}` does not set `no-new-privileges`", s.name),
                    )
                    .on_key()
                    .label("processes may gain privileges through setuid programs")
                    .fix(add),
            };
            out.push(
                finding
                    .service(s.name)
                    .help("add `security_opt: [\"no-new-privileges:true\"]`")
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG405", yaml))
    }

    #[test]
    fn not_set() {
        assert_eq!(run("services:\n  a:\n    image: x\n"), ["CG405@2"]);
        assert_eq!(
            run("services:\n  a:\n    image: x\n    security_opt: ['seccomp=./p.json']\n"),
            ["CG405@2"]
        );
        // An explicit `false` is CG404's (a warning even when this rule is off).
        assert!(
            run("services:\n  a:\n    image: x\n    security_opt: ['no-new-privileges:false']\n")
                .is_empty()
        );
    }

    #[test]
    fn set() {
        for opt in [
            "no-new-privileges:true",
            "no-new-privileges",
            "no-new-privileges=true",
        ] {
            assert!(
                run(&format!(
                    "services:\n  a:\n    image: x\n    security_opt: ['{opt}']\n"
                ))
                .is_empty(),
                "{opt}"
            );
        }
        assert!(run("services:\n  a:\n    image: x\n    privileged: true\n").is_empty());
        const { assert!(!super::NoNewPrivilegesNotSet::META.enabled) };
    }
}
