use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{Compose, MountKind};

declare_rule! {
    /// ## What it does
    /// Reports a service that mounts a named volume (`pgdata:/var/lib/postgresql/data`, or the
    /// long syntax with `type: volume`) that is not declared under the top-level `volumes:`.
    ///
    /// The name must match a key of `volumes:` exactly (case matters); the `name:` property of
    /// a declaration does not count. A source that does not start with `/`, `./`, `../` or `~`
    /// is a volume name, not a path: `data/db:/data` refers to a volume called `data/db`.
    /// `${VAR:-pgdata}` counts as its default; a source whose variable is unset is not checked.
    ///
    /// A file that is merged with another one can mount volumes declared in the other: files
    /// with a top-level `include:`, files whose name contains `override`, and files in which a
    /// service has neither `image` nor `build` nor `extends` (a fragment for `-f base.yaml -f
    /// this.yaml`) are not checked.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses to load the file: `service "db" refers to undefined volume
    /// pgdata: invalid compose project`. Nothing starts.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     volumes:
    ///       - pgdata:/var/lib/postgresql/data
    /// ```
    ///
    /// ## Use instead
    /// Declare the volume (an empty declaration is enough), or write a path for a bind mount:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     volumes:
    ///       - pgdata:/var/lib/postgresql/data
    /// volumes:
    ///   pgdata:
    /// ```
    pub struct UndeclaredVolume {
        code: "CG201",
        name: "undeclared-volume",
        category: Volumes,
        severity: Error,
        summary: "a service mounts a named volume that is not declared under top-level `volumes:`",
    }
}

/// Whether this file is probably merged with another one (so that volumes, services or mounts
/// may live in the other file): it has `include:`, its name says `override`, or one of its
/// services has neither `image`, `build` nor `extends`.
pub fn is_partial_file(cx: &Context<'_>, compose: &Compose<'_>) -> bool {
    let file_name = cx
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(cx.name)
        .to_ascii_lowercase();
    compose.has_include()
        || file_name.contains("override")
        || compose.services().iter().any(|s| {
            s.get("image").is_none() && s.get("build").is_none() && s.get("extends").is_none()
        })
}

impl Rule for UndeclaredVolume {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        if is_partial_file(cx, &compose) {
            return;
        }
        let declared: Vec<&str> = compose
            .section("volumes")
            .into_iter()
            .map(|(name, _, _)| name)
            .collect();
        let known: std::collections::HashSet<&str> = declared.iter().copied().collect();
        for s in compose.services() {
            for m in s.mounts() {
                if m.kind != MountKind::Volume || m.unknown || m.error.is_some() {
                    continue;
                }
                let Some(source) = m.source.as_deref() else {
                    continue;
                };
                if known.contains(source) {
                    continue;
                }
                let similar = declared.iter().find(|d| d.eq_ignore_ascii_case(source));
                let help = if let Some(d) = similar {
                    format!("volume names are case-sensitive: the declared one is `{d}`")
                } else if source.contains('/') || source.contains('\\') {
                    format!(
                        "for a bind mount of a host directory write `./{source}`; for a volume, declare it under the top-level `volumes:`"
                    )
                } else {
                    format!(
                        "declare it at the top level: `volumes:` with a key `{source}:` (an empty value is enough), or write `./{source}` for a bind mount of a host directory"
                    )
                };
                out.push(
                    self.finding(cx, m.path.clone(), format!("service `{}` mounts volume `{source}`, which is not declared under top-level `volumes:`", s.name))
                        .label("undeclared volume")
                        .service(s.name)
                        .help(help)
                        .build(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compose::interpolate::Env;
    use crate::lint::testing::{codes, lint_rule, lint_rule_with};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG201", yaml))
    }

    #[test]
    fn undeclared() {
        assert_eq!(
            run(
                "services:\n  db:\n    image: postgres:16\n    volumes:\n      - pgdata:/var/lib/postgresql/data\n"
            ),
            ["CG201@5"]
        );
        // Long syntax.
        assert_eq!(
            run(
                "services:\n  db:\n    image: postgres:16\n    volumes:\n      - type: volume\n        source: pgdata\n        target: /data\n"
            ),
            ["CG201@5"]
        );
        // Case matters; a relative path without `./` is a volume name; `name:` does not count.
        assert_eq!(
            run("services:\n  a:\n    image: x\n    volumes: ['Data:/d']\nvolumes:\n  data:\n"),
            ["CG201@4"]
        );
        assert_eq!(
            run("services:\n  a:\n    image: x\n    volumes: ['data/sub:/d']\n"),
            ["CG201@4"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    volumes: ['myname:/d']\nvolumes:\n  data:\n    name: myname\n"
            ),
            ["CG201@4"]
        );
        // A variable's default counts.
        assert_eq!(
            run("services:\n  a:\n    image: x\n    volumes: ['${V:-data}:/d']\n"),
            ["CG201@4"]
        );
        let d = lint_rule(
            "CG201",
            "services:\n  a:\n    image: x\n    volumes: ['Data:/d']\nvolumes:\n  data:\n",
        );
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or_default()
                .contains("case-sensitive"),
            "{:?}",
            d[0].help
        );
        assert_eq!(d[0].service.as_deref(), Some("a"));
    }

    #[test]
    fn declared_or_not_a_volume() {
        assert!(run("services:\n  db:\n    image: postgres:16\n    volumes: ['pgdata:/data']\nvolumes:\n  pgdata:\n").is_empty());
        assert!(run("services:\n  db:\n    image: postgres:16\n    volumes: ['pgdata:/data']\nvolumes:\n  pgdata:\n    external: true\n").is_empty());
        // Binds, anonymous volumes, tmpfs.
        assert!(run("services:\n  a:\n    image: x\n    volumes: ['./data:/d', '/data', '~/x:/x', '/srv:/srv']\n    tmpfs: [/tmp]\n").is_empty());
        assert!(
            run("services:\n  a:\n    image: x\n    volumes: [{type: volume, target: /d}]\n")
                .is_empty()
        );
        // An unset variable: unknown.
        assert!(
            codes(&lint_rule_with(
                "CG201",
                "services:\n  a:\n    image: x\n    volumes: ['${V}x:/d']\n",
                Env::empty()
            ))
            .is_empty()
        );
    }

    #[test]
    fn partial_files_are_not_checked() {
        // include: the volume may come from the included file.
        assert!(
            run("include: [other.yaml]\nservices:\n  a:\n    image: x\n    volumes: ['data:/d']\n")
                .is_empty()
        );
        // A fragment: a service without image or build.
        assert!(run("services:\n  a:\n    volumes: ['data:/d']\n").is_empty());
    }
}
