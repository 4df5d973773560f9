use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::fix::{self, Value};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg402_dangerous_capability_added::normalize_capability;

declare_rule! {
    /// ## What it does
    /// Reports a service that keeps Docker's default capabilities: it has no `cap_drop`
    /// containing `ALL`. Privileged services (CG401) are not reported.
    ///
    /// Off by default: almost every compose file in the wild would be reported, and many
    /// images need a few of the defaults (to change user, or to `chown` their data directory
    /// at start-up). Turn it on to harden a stack: `rules: {CG403: info}` in
    /// `.composegen.yaml`, or `--select CG403`.
    ///
    /// Fixable, only where the image is known to run without any capability (`cap_drop_all` in
    /// the image table, `composegen explain CG206`: it starts as a non-root user and never
    /// changes user or file ownership) and the service sets no `user:`: the fix adds `ALL` to
    /// `cap_drop` (a new key after the service's last one, or a new item of the list). Every
    /// other byte stays as it was.
    ///
    /// ## Why is this bad?
    /// By default a container's root user keeps 14 capabilities, among them `NET_RAW` (forge
    /// packets, ARP-spoof the other containers on the network), `MKNOD`, `SETUID`/`SETGID`,
    /// `DAC_OVERRIDE` (ignore file permissions) and `CHOWN`. Most services need none of them;
    /// an attacker in the container uses them to move further.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.2.0
    /// ```
    ///
    /// ## Use instead
    /// Drop everything and add back what the service needs:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.2.0
    ///     cap_drop: [ALL]
    ///     cap_add: [NET_BIND_SERVICE]
    /// ```
    pub struct CapabilitiesNotDropped {
        code: "CG403",
        name: "capabilities-not-dropped",
        category: Security,
        severity: Info,
        enabled: false,
        summary: "a service keeps Docker's default capabilities (no `cap_drop: [ALL]`)",
    }
}

impl Rule for CapabilitiesNotDropped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if s.flag("privileged") || s.extends() {
                continue;
            }
            let drops = s.string_items("cap_drop");
            if drops.iter().any(|(v, _)| !v.known()) {
                continue;
            }
            if drops
                .iter()
                .any(|(v, _)| normalize_capability(&v.value) == "ALL")
            {
                continue;
            }
            let (path, label) = match s.get("cap_drop") {
                Some(_) => (s.at("cap_drop"), "drops some capabilities, not all"),
                None => (s.path.clone(), "runs with Docker's default capabilities"),
            };
            let image_allows = s
                .image_repository()
                .and_then(|r| cx.images.lookup(&r))
                .is_some_and(|e| e.cap_drop_all);
            let fix = if image_allows && s.get("user").is_none() {
                match s.get("cap_drop") {
                    Some(list) => fix::append_item(cx, list, "ALL"),
                    None => fix::insert_key(cx, s.node, "cap_drop", Value::List("ALL")),
                }
            } else {
                None
            };
            let mut b = self
                .finding(
                    cx,
                    path,
                    format!("`{}` does not drop Docker's default capabilities", s.name),
                )
                .label(label)
                .service(s.name)
                .help(
                    "add `cap_drop: [ALL]` and add back with `cap_add` only what the service needs",
                )
                .fix(fix);
            if s.get("cap_drop").is_none() {
                b = b.on_key();
            }
            out.push(b.build());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG403", yaml))
    }

    #[test]
    fn not_dropped() {
        assert_eq!(run("services:\n  a:\n    image: x\n"), ["CG403@2"]);
        assert_eq!(
            run("services:\n  a:\n    image: x\n    cap_drop: [NET_RAW]\n"),
            ["CG403@4"]
        );
    }

    #[test]
    fn dropped() {
        assert!(run("services:\n  a:\n    image: x\n    cap_drop: [ALL]\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    cap_drop: [all]\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    cap_drop: ['${DROP}']\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    privileged: true\n").is_empty());
    }

    #[test]
    fn off_by_default() {
        const { assert!(!super::CapabilitiesNotDropped::META.enabled) };
    }
}
