use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::MountKind;

declare_rule! {
    /// ## What it does
    /// Reports a bind mount with shared propagation, a **warning**: `:shared` or `:rshared` in
    /// the short syntax (`/mnt:/mnt:rshared`), `bind: {propagation: shared}` in the long one. The
    /// slave modes (`slave`, `rslave`) are reported at **info**. Parity with compose-lint's
    /// CL-0017 and KICS's "Volume Mounted In Multiple Containers" (which checks this despite
    /// its name; CIS Docker Benchmark 5.20).
    ///
    /// ## Why is this bad?
    /// With shared propagation, mounts made inside the container appear on the host (and in
    /// every other container sharing the mount): a container with mount privileges can mount
    /// over host paths, and what it mounts outlives it. Slave propagation is one-way (host
    /// mounts appear in the container, e.g. a disk plugged in later), which is what monitoring
    /// agents such as node-exporter ask for; it is worth knowing, not a risk of its own.
    /// Docker's default is `rprivate`: nothing propagates in either direction.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   storage:
    ///     image: example/storage-agent:1.4.0
    ///     volumes:
    ///       - /mnt/data:/mnt/data:rshared
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   storage:
    ///     image: example/storage-agent:1.4.0
    ///     volumes:
    ///       - /mnt/data:/mnt/data
    /// ```
    pub struct SharedMountPropagation {
        code: "CG211",
        name: "shared-mount-propagation",
        category: Volumes,
        severity: Warning,
        summary: "a mount uses shared propagation (`rshared`), so the container's mounts reach the host",
    }
}

impl Rule for SharedMountPropagation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            for m in s.mounts() {
                // Propagation applies to bind mounts only.
                if m.kind != MountKind::Bind {
                    continue;
                }
                let Some(mode) = m.propagation.as_deref().map(str::trim) else {
                    continue;
                };
                let (severity, label, help) = match mode.to_ascii_lowercase().as_str() {
                    "shared" | "rshared" => (
                        Severity::Warning,
                        "mounts made in the container propagate to the host",
                        "remove the propagation mode (Docker's default `rprivate` propagates nothing); use `rslave` if the container must see mounts the host makes later",
                    ),
                    "slave" | "rslave" => (
                        Severity::Info,
                        "mounts made on the host appear in the container",
                        "remove the propagation mode unless the container must see mounts the host makes after it starts",
                    ),
                    _ => continue,
                };
                let mut f = self
                    .finding(
                        cx,
                        m.path.clone(),
                        format!(
                            "`{}` mounts `{}` with `{mode}` propagation",
                            s.name, m.target
                        ),
                    )
                    .label(label)
                    .service(s.name)
                    .help(help)
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
        codes(&lint_rule("CG211", yaml))
    }

    #[test]
    fn propagation() {
        let yaml = "services:\n  a:\n    image: x\n    volumes:\n      - /mnt:/mnt:rshared\n      - /srv:/srv:ro,shared\n      - type: bind\n        source: /data\n        target: /data\n        bind:\n          propagation: rslave\n";
        assert_eq!(run(yaml), ["CG211@5", "CG211@6", "CG211@7"]);
        assert_eq!(severities("CG211", yaml), ["warning", "warning", "info"]);
    }

    #[test]
    fn private() {
        assert!(run("services:\n  a:\n    image: x\n    volumes:\n      - /mnt:/mnt:rprivate\n      - /srv:/srv:ro\n      - type: bind\n        source: /data\n        target: /data\n        bind:\n          propagation: private\n").is_empty());
        // Propagation means nothing for a named volume.
        assert!(run("services:\n  a:\n    image: x\n    volumes: ['data:/data:rshared']\nvolumes:\n  data:\n").is_empty());
    }
}
