use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `cgroup_parent`: the service's container is placed under a cgroup of the host
    /// instead of the one Docker manages.
    ///
    /// A value that is not a systemd slice name (`something.slice`) is a warning: Docker
    /// refuses it on hosts that use the systemd cgroup driver, the default with cgroup v2 on
    /// systemd distributions. A slice name is reported as info.
    ///
    /// ## Why is this bad?
    /// The file then works only on hosts prepared for it: with the systemd driver Docker fails
    /// to create the container (`cgroup-parent for systemd cgroup should be a valid slice named
    /// as "xxx.slice"`); with the cgroupfs driver a path that does not exist is created outside
    /// of any limit the host administrator set up. Limits, accounting and `docker stats` of
    /// the container then depend on the parent cgroup rather than on the compose file. Use the
    /// service's own limits (`deploy.resources.limits`) unless the host really needs the
    /// container in a particular slice.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   batch:
    ///     image: ghcr.io/example/batch:1.2.0
    ///     cgroup_parent: /batch-jobs
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   batch:
    ///     image: ghcr.io/example/batch:1.2.0
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           cpus: "2"
    ///           memory: 1g
    /// ```
    pub struct CgroupParentSet {
        code: "CG308",
        name: "cgroup-parent-set",
        category: Resources,
        severity: Warning,
        summary: "`cgroup_parent` ties the container to the host's cgroup layout",
    }
}

impl Rule for CgroupParentSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some(v) = s.str("cgroup_parent") else {
                continue;
            };
            if !v.known() || v.value.is_empty() {
                continue;
            }
            let slice = v.value.len() > 6 && v.value.ends_with(".slice");
            let (message, label, help, severity) = if slice {
                (
                    format!(
                        "service `{}` runs in the host's systemd slice `{}`",
                        s.name, v.value
                    ),
                    "the slice must exist on every host",
                    "make sure every host defines this slice, or use `deploy.resources.limits` instead",
                    Severity::Info,
                )
            } else {
                (
                    format!(
                        "service `{}` sets `cgroup_parent: {}`, which Docker refuses on hosts with the systemd cgroup driver",
                        s.name, v.value
                    ),
                    "not a systemd slice name (`name.slice`)",
                    "remove it and use `deploy.resources.limits`; if the host needs a parent cgroup, name a systemd slice (`batch.slice`)",
                    Severity::Warning,
                )
            };
            let mut f = self
                .finding(cx, s.at("cgroup_parent"), message)
                .label(label)
                .service(s.name)
                .help(help)
                .build();
            f.severity = f.severity.min(severity);
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::finding::Severity;
    use crate::lint::testing::{codes, lint_rule};

    #[test]
    fn cgroup_parent() {
        let d = crate::lint::rules::cg301_missing_memory_limit::lint_default(
            "CG308",
            "services:\n  a:\n    image: x:1\n    cgroup_parent: /batch\n",
        );
        assert_eq!(codes(&d), ["CG308@4"]);
        assert_eq!(d[0].severity, Severity::Warning);
        let d = crate::lint::rules::cg301_missing_memory_limit::lint_default(
            "CG308",
            "services:\n  a:\n    image: x:1\n    cgroup_parent: batch.slice\n",
        );
        assert_eq!(codes(&d), ["CG308@4"]);
        assert_eq!(d[0].severity, Severity::Info);
        assert!(lint_rule("CG308", "services:\n  a:\n    image: x:1\n").is_empty());
        assert!(
            lint_rule(
                "CG308",
                "services:\n  a:\n    image: x:1\n    cgroup_parent: ${PARENT}\n"
            )
            .is_empty()
        );
    }
}
