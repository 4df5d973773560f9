use std::collections::BTreeMap;

use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::MountKind;

declare_rule! {
    /// ## What it does
    /// Reports a named volume that several services can write: one finding at each writable
    /// mount in a service after the first one that writes it, pointing back to that one. Off
    /// by default. Services that mount it read-only (`:ro`) are not reported: one writer and
    /// several readers is the way to share; nor are one-shot jobs that prepare the volume
    /// before the service that uses it starts. CG208 is the warning for the case that corrupts
    /// data: two databases on one data directory.
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
        summary: "a named volume is writable in several services (off by default)",
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
        let compose = cx.compose();
        for s in compose.services() {
            // A one-shot job that prepares the volume (`chown`, a seed) before the service
            // starts is how volumes get initialised, not a second writer.
            if s.is_one_shot(&compose) {
                continue;
            }
            for m in s.mounts() {
                if m.kind != MountKind::Volume || m.unknown || m.error.is_some() || m.read_only {
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
            if mounts.iter().all(|(service, _)| service == first) {
                continue;
            }
            for (service, m) in mounts.iter().filter(|(service, _)| service != first) {
                out.push(
                    self.finding(
                        cx,
                        m.path.clone(),
                        format!("`{service}` writes volume `{volume}`, which `{first}` writes too"),
                    )
                    .label("a second writer")
                    .related(cx.file, first_mount.path.clone(), format!("`{first}` writes it here"))
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
            ["CG210@11"]
        );
    }

    #[test]
    fn not_shared() {
        // One service, read-only everywhere, binds and anonymous volumes.
        assert!(run("services:\n  a:\n    image: x\n    volumes: ['data:/data', 'data:/backup']\n  b:\n    image: y\n    volumes: ['ro:/a:ro', './src:/src', '/cache']\n  c:\n    image: z\n    volumes: ['ro:/b:ro', './src:/src']\nvolumes:\n  data:\n  ro:\n").is_empty());
        // A one-shot job that prepares the volume for the service.
        assert!(run("services:\n  init:\n    image: busybox:1.37\n    command: chown -R 1001 /data\n    volumes: ['data:/data']\n  app:\n    image: x\n    depends_on:\n      init: {condition: service_completed_successfully}\n    volumes: ['data:/data']\nvolumes:\n  data:\n").is_empty());
        const { assert!(!super::NamedVolumeSharedByServices::META.enabled) };
    }
}
