use std::collections::BTreeMap;

use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::MountKind;

declare_rule! {
    /// ## What it does
    /// Reports a named volume that several services mount when at least one of them can write
    /// it: one finding at each mount after the first service's, pointing back to it. Off by
    /// default. Volumes that every service mounts read-only are not reported. CG208 is the
    /// warning for the case that corrupts data: two databases on one data directory.
    ///
    /// KICS's "Volume Mounted In Multiple Containers" is named for this case but checks bind
    /// propagation, which is CG211.
    ///
    /// ## Why is this bad?
    /// A shared writable volume couples the services: one can change or delete the other's
    /// files, a compromise of one reaches the data of the other, and neither can be moved,
    /// scaled or restored on its own. Sometimes it is the design (a web server serving what
    /// an application writes); then mount it read-only where it is only read.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:2.1.0
    ///     volumes: [uploads:/srv/uploads]
    ///   web:
    ///     image: nginx:1.27.3
    ///     volumes: [uploads:/usr/share/nginx/html/uploads]
    /// volumes:
    ///   uploads:
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:2.1.0
    ///     volumes: [uploads:/srv/uploads]
    ///   web:
    ///     image: nginx:1.27.3
    ///     volumes: [uploads:/usr/share/nginx/html/uploads:ro]
    /// volumes:
    ///   uploads:
    /// ```
    pub struct NamedVolumeSharedByServices {
        code: "CG210",
        name: "named-volume-shared-by-services",
        category: Volumes,
        severity: Info,
        enabled: false,
        summary: "a named volume is mounted by several services, one of them read-write (off by default)",
    }
}

impl Rule for NamedVolumeSharedByServices {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Volume name -> (service, mount) in document order.
        let mut by_volume: BTreeMap<String, Vec<(String, crate::lint::view::Mount)>> =
            BTreeMap::new();
        for s in cx.compose().services() {
            for m in s.mounts() {
                if m.kind != MountKind::Volume || m.unknown || m.error.is_some() {
                    continue;
                }
                if let Some(name) = m.source.clone() {
                    by_volume
                        .entry(name)
                        .or_default()
                        .push((s.name.to_string(), m));
                }
            }
        }
        for (volume, mounts) in by_volume {
            let Some((first, first_mount)) = mounts.first() else {
                continue;
            };
            if mounts.iter().all(|(service, _)| service == first)
                || mounts.iter().all(|(_, m)| m.read_only)
            {
                continue;
            }
            for (service, m) in mounts.iter().filter(|(service, _)| service != first) {
                out.push(
                    self.finding(
                        cx,
                        m.path.clone(),
                        format!("`{service}` mounts volume `{volume}`, which `{first}` mounts too"),
                    )
                    .label(if m.read_only { "shared, read-only here" } else { "shared, writable here" })
                    .related(cx.file, first_mount.path.clone(), format!("`{first}` mounts it here"))
                    .service(service.clone())
                    .help("give each service its own volume, or mount it read-only (`:ro`) in the services that only read it")
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
        codes(&lint_rule("CG210", yaml))
    }

    #[test]
    fn shared() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    volumes: ['data:/data']\n  b:\n    image: y\n    volumes: ['data:/srv:ro']\n  c:\n    image: z\n    volumes:\n      - type: volume\n        source: data\n        target: /d\nvolumes:\n  data:\n"
            ),
            ["CG210@7", "CG210@11"]
        );
    }

    #[test]
    fn not_shared() {
        // One service, read-only everywhere, binds and anonymous volumes.
        assert!(run("services:\n  a:\n    image: x\n    volumes: ['data:/data', 'data:/backup']\n  b:\n    image: y\n    volumes: ['ro:/a:ro', './src:/src', '/cache']\n  c:\n    image: z\n    volumes: ['ro:/b:ro', './src:/src']\nvolumes:\n  data:\n  ro:\n").is_empty());
        const { assert!(!super::NamedVolumeSharedByServices::META.enabled) };
    }
}
