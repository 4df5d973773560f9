use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg201_undeclared_volume::is_partial_file;
use crate::lint::view::MountKind;

declare_rule! {
    /// ## What it does
    /// Reports a volume declared under the top-level `volumes:` that no service mounts.
    ///
    /// External volumes are reported too: Compose neither creates nor uses an external volume
    /// that no service mounts. A mount whose source has an unset variable could be any volume,
    /// so nothing is reported for a file that has one. Files that are merged with another
    /// (with `include:`, named `*override*`, or with a service that has neither `image`, `build`
    /// nor `extends`) and files with a service that `extends` a service of another file are
    /// not checked either: the mount may be in the other file.
    ///
    /// ## Why is this bad?
    /// Docker Compose drops unused volumes from the project (`docker compose config` does not
    /// show them) and never creates them. The declaration is dead configuration, and usually a
    /// sign of a typo or of a mount that was removed: the data you meant to keep in it may be
    /// going somewhere else.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     volumes:
    ///       - ./pgdata:/var/lib/postgresql/data
    /// volumes:
    ///   pgdata:
    /// ```
    ///
    /// ## Use instead
    /// Mount it, or remove the declaration:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     volumes:
    ///       - pgdata:/var/lib/postgresql/data
    /// volumes:
    ///   pgdata:
    /// ```
    pub struct UnusedVolume {
        code: "CG202",
        name: "unused-volume",
        category: Volumes,
        severity: Info,
        summary: "a volume is declared under top-level `volumes:` but no service mounts it",
    }
}

impl Rule for UnusedVolume {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        let declared = compose.section("volumes");
        if declared.is_empty() || is_partial_file(cx, &compose) {
            return;
        }
        let services = compose.services();
        if services.iter().any(|s| s.node_at("extends.file").is_some()) {
            return;
        }
        let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
        for s in &services {
            for m in s.mounts() {
                if m.unknown && (m.kind != MountKind::Bind || m.error.is_some()) {
                    return; // could be any volume
                }
                if m.kind == MountKind::Volume
                    && let Some(source) = m.source
                {
                    used.insert(source);
                }
            }
        }
        for (name, node, path) in declared {
            if used.contains(name) {
                continue;
            }
            let external = node
                .get("external")
                .is_some_and(|e| !matches!(e.kind, crate::yaml::Kind::Bool(false)));
            let message = if external {
                format!("external volume `{name}` is declared but no service mounts it")
            } else {
                format!("volume `{name}` is declared but no service mounts it")
            };
            out.push(
                self.finding(cx, path, message)
                    .on_key()
                    .label("not mounted by any service")
                    .help(format!("mount it in a service (`- {name}:/path/in/container`) or remove the declaration"))
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG202", yaml))
    }

    #[test]
    fn unused() {
        assert_eq!(
            run(
                "services:\n  db:\n    image: postgres:16\n    volumes: ['./pg:/data']\nvolumes:\n  pgdata:\n"
            ),
            ["CG202@6"]
        );
        assert_eq!(
            run(
                "services:\n  db:\n    image: postgres:16\nvolumes:\n  a:\n  b:\n    external: true\n"
            ),
            ["CG202@5", "CG202@6"]
        );
        // Mounted by another name than the key.
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    volumes: ['myname:/d']\nvolumes:\n  data:\n    name: myname\n  myname:\n"
            ),
            ["CG202@6"]
        );
    }

    #[test]
    fn used_or_unknowable() {
        assert!(run("services:\n  db:\n    image: postgres:16\n    volumes: ['pgdata:/data']\nvolumes:\n  pgdata:\n").is_empty());
        assert!(run("services:\n  db:\n    image: x\n    volumes: [{type: volume, source: pgdata, target: /d}]\nvolumes:\n  pgdata:\n").is_empty());
        // A variable's default counts; an unset variable could be anything.
        assert!(
            run(
                "services:\n  a:\n    image: x\n    volumes: ['${V:-data}:/d']\nvolumes:\n  data:\n"
            )
            .is_empty()
        );
        assert!(
            run("services:\n  a:\n    image: x\n    volumes: ['${V}:/d']\nvolumes:\n  data:\n")
                .is_empty()
        );
        // extends from another file, include, fragments.
        assert!(
            run("services:\n  a:\n    extends: {file: base.yaml, service: a}\nvolumes:\n  data:\n")
                .is_empty()
        );
        assert!(
            run("include: [x.yaml]\nservices:\n  a:\n    image: x\nvolumes:\n  data:\n").is_empty()
        );
        assert!(run("services:\n  a:\n    environment: [A=1]\nvolumes:\n  data:\n").is_empty());
    }
}
