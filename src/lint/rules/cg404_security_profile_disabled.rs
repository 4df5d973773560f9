use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::fix;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `security_opt` entry that turns off one of the kernel's confinement layers:
    ///
    /// - **error**: `systempaths=unconfined` (unmasks `/proc/kcore`, `/proc/sysrq-trigger`
    ///   and makes `/proc/sys` writable);
    /// - **warning**: `seccomp=unconfined` (no system-call filter), `apparmor=unconfined`,
    ///   `label=disable` and the unconfined SELinux types `label=type:spc_t` and
    ///   `label=type:unconfined_t`; and `no-new-privileges:false`, an explicit downgrade
    ///   (reported here whether or not CG405, which asks for `no-new-privileges:true`, is on);
    ///   and `label:seccomp:unconfined` (or `label=apparmor:…`), which was meant to turn a
    ///   profile off but is an SELinux label option to Docker: ignored without SELinux,
    ///   refused (the container does not start) with it.
    ///
    /// Both separators Docker accepts are understood (`seccomp=unconfined` and the older
    /// `seccomp:unconfined`, `label:type:spc_t`, `no-new-privileges=false`). A privileged
    /// service (CG401) has none of these layers anyway. `lint --fix` turns
    /// `no-new-privileges:false` into `true`; the other settings need a decision.
    ///
    /// ## Why is this bad?
    /// Seccomp blocks about 50 rarely needed system calls that have a history of kernel
    /// exploits (`keyctl`, `bpf`, `userfaultfd`, `perf_event_open` …); AppArmor and SELinux
    /// stop a container's root from writing `/proc` and `/sys`, mounting, and touching other
    /// containers' files. Without them, one kernel bug or one added capability is an escape.
    /// `systempaths=unconfined` is worse: root in the container writes host-wide kernel
    /// settings such as `kernel.core_pattern`, which runs a program on the host.
    ///
    /// Some tools need a custom profile (Chrome's sandbox, debuggers, `io_uring`): give them
    /// a profile that allows just that (`seccomp=./chrome.json`) instead of none.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   browser:
    ///     image: example/headless-chrome:124.0
    ///     security_opt:
    ///       - seccomp:unconfined
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   browser:
    ///     image: example/headless-chrome:124.0
    ///     security_opt:
    ///       - seccomp=./seccomp/chrome.json
    /// ```
    pub struct SecurityProfileDisabled {
        code: "CG404",
        name: "security-profile-disabled",
        category: Security,
        severity: Error,
        summary: "`security_opt` turns off seccomp, AppArmor, SELinux or the masking of `/proc` and `/sys`",
    }
}

/// A `security_opt` entry as Docker splits it: `KEY=VALUE`, or the older `KEY:VALUE`; the key
/// lowercased.
pub fn split_security_opt(opt: &str) -> (String, String) {
    let opt = opt.trim();
    let (k, v) = opt
        .split_once('=')
        .or_else(|| opt.split_once(':'))
        .unwrap_or((opt, ""));
    (k.trim().to_ascii_lowercase(), v.trim().to_string())
}

fn disabled(key: &str, value: &str) -> Option<(Severity, &'static str, &'static str)> {
    Some(match (key, value) {
        ("systempaths", "unconfined") => (
            Severity::Error,
            "unmasks /proc and /sys: host-wide kernel settings become writable",
            "remove it; mount the one path the service needs instead",
        ),
        ("seccomp", "unconfined") => (
            Severity::Warning,
            "no system-call filter",
            "remove it, or use a seccomp profile that allows just the calls the service needs (`seccomp=./profile.json`)",
        ),
        ("apparmor", "unconfined") => (
            Severity::Warning,
            "no AppArmor confinement",
            "remove it, or load an AppArmor profile made for the service (`apparmor=PROFILE`)",
        ),
        ("label", "disable") => (
            Severity::Warning,
            "no SELinux separation",
            "remove it; relabel the mounts the service needs with `:z` or `:Z` instead",
        ),
        ("no-new-privileges", v) if v.eq_ignore_ascii_case("false") => (
            Severity::Warning,
            "processes may gain privileges through setuid programs",
            "remove it, or write `no-new-privileges:true`",
        ),
        ("label", v) if v.starts_with("seccomp") || v.starts_with("apparmor") => (
            Severity::Warning,
            "meant to turn off a profile, but Docker reads it as an SELinux label option",
            "remove it: it is ignored on hosts without SELinux and refused on hosts with it; write the intended setting (`seccomp=PROFILE.json`) if one is needed",
        ),
        ("label", "type:spc_t") | ("label", "type:unconfined_t") => (
            Severity::Warning,
            "an unconfined SELinux type",
            "remove it; relabel the mounts the service needs with `:z` or `:Z` instead",
        ),
        _ => return None,
    })
}

impl Rule for SecurityProfileDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            for (v, path) in s.string_items("security_opt") {
                if !v.known() {
                    continue;
                }
                let (key, value) = split_security_opt(&v.value);
                let Some((severity, label, help)) = disabled(&key, &value) else {
                    continue;
                };
                // The one setting with a mechanical repair: `no-new-privileges:false` → `true`.
                let fix = if key == "no-new-privileges" {
                    cx.root.at(&path).and_then(|n| {
                        fix::edit_scalar(cx, n, |written| {
                            let at = written.to_ascii_lowercase().rfind("false")?;
                            Some((at..at + 5, "true".to_string()))
                        })
                    })
                } else {
                    None
                };
                let mut f = self
                    .finding(
                        cx,
                        path,
                        format!("`{}` runs with `{}`", s.name, v.value.trim()),
                    )
                    .label(label)
                    .service(s.name)
                    .help(help)
                    .fix(fix)
                    .build();
                f.severity = severity;
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::cg401_privileged_container::tests_support::severities;
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG404", yaml))
    }

    #[test]
    fn fixes_no_new_privileges_false() {
        use crate::lint::testing::fix_rule;
        assert_eq!(
            fix_rule(
                "CG404",
                "services:\n  a:\n    image: x\n    security_opt:\n      - \"no-new-privileges:false\"\n      - no-new-privileges=FALSE\n      - label:disable\n"
            )
            .as_deref(),
            Some(
                "services:\n  a:\n    image: x\n    security_opt:\n      - \"no-new-privileges:true\"\n      - no-new-privileges=true\n      - label:disable\n"
            )
        );
    }

    #[test]
    fn disabled_profiles() {
        let yaml = "services:\n  a:\n    image: x\n    security_opt:\n      - seccomp:unconfined\n      - apparmor=unconfined\n      - label:disable\n      - label=type:spc_t\n      - systempaths=unconfined\n";
        assert_eq!(
            run(yaml),
            ["CG404@5", "CG404@6", "CG404@7", "CG404@8", "CG404@9"]
        );
        assert_eq!(
            severities("CG404", yaml),
            ["warning", "warning", "warning", "warning", "error"]
        );
    }

    #[test]
    fn explicit_downgrades_in_every_spelling() {
        let yaml = "services:\n  a:\n    image: x\n    security_opt:\n      - no-new-privileges:false\n      - no-new-privileges=FALSE\n      - label:type:spc_t\n      - label:disable\n      - seccomp=unconfined\n      - label:seccomp:unconfined\n";
        assert_eq!(
            run(yaml),
            [
                "CG404@5", "CG404@6", "CG404@7", "CG404@8", "CG404@9", "CG404@10"
            ]
        );
        assert_eq!(severities("CG404", yaml), ["warning"; 6]);
        assert!(
            run("services:\n  a:\n    image: x\n    security_opt: ['no-new-privileges:true', 'no-new-privileges']\n")
                .is_empty()
        );
    }

    #[test]
    fn confined() {
        assert!(run("services:\n  a:\n    image: x\n    security_opt:\n      - no-new-privileges:true\n      - seccomp=./profile.json\n      - apparmor:docker-default\n      - label=level:s0:c100,c200\n").is_empty());
        assert!(
            run("services:\n  a:\n    image: x\n    security_opt: ['seccomp:${PROFILE}']\n")
                .is_empty()
        );
    }
}
