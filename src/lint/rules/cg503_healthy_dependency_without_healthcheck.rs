use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{HealthcheckSetting, Service, ServiceRefKind};

declare_rule! {
    /// ## What it does
    /// Reports `depends_on` with `condition: service_healthy` on a service that has no
    /// healthcheck.
    ///
    /// A service has a healthcheck when it sets `healthcheck.test` (not `NONE`), or when it
    /// sets none and its image ships a Dockerfile `HEALTHCHECK`. composegen knows the latter
    /// from its image table (`healthcheck: true`; see `composegen explain CG206`, and add your
    /// own images with `images:` in `.composegen.yaml`).
    ///
    /// - error: the dependency disables its healthcheck (`healthcheck: {disable: true}` or
    ///   `test: [NONE]`), or its image is in the table and ships no `HEALTHCHECK`;
    /// - warning: its image is not in the table: unless that image has a `HEALTHCHECK`, the
    ///   same failure follows. An image that does can be added to the table with
    ///   `healthcheck: true`.
    ///
    /// Either finding is a warning when the dependency is `required: false` (Compose then
    /// only warns). Services that are built (`build:`: the Dockerfile may declare a
    /// `HEALTHCHECK`), that `extends` another service, or whose image has an unset variable
    /// are not reported.
    ///
    /// ## Why is this bad?
    /// Compose accepts the file (`docker compose config` is silent), but `up` fails when it
    /// gets to the dependent service: `dependency failed to start: container app-db-1 has no
    /// healthcheck configured`. The dependent service never starts.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     depends_on:
    ///       db:
    ///         condition: service_healthy
    ///   db:
    ///     image: postgres:16.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     depends_on:
    ///       db:
    ///         condition: service_healthy
    ///   db:
    ///     image: postgres:16.4
    ///     healthcheck:
    ///       test: ["CMD-SHELL", "pg_isready -U postgres"]
    ///       interval: 5s
    ///       retries: 10
    /// ```
    pub struct HealthyDependencyWithoutHealthcheck {
        code: "CG503",
        name: "healthy-dependency-without-healthcheck",
        category: Network,
        severity: Error,
        summary: "`condition: service_healthy` on a service that has no healthcheck",
    }
}

/// Whether a service will have a healthcheck: Some(true) or Some(false) when known, None when
/// it depends on an image or Dockerfile composegen does not know.
pub fn has_healthcheck(cx: &Context<'_>, s: &Service<'_>) -> Option<bool> {
    if s.extends() {
        return None;
    }
    match s.healthcheck_setting() {
        HealthcheckSetting::Test => Some(true),
        HealthcheckSetting::Disabled => Some(false),
        HealthcheckSetting::FromImage => {
            if s.get("build").is_some() {
                return None;
            }
            let (image, _) = s.image()?;
            if !image.known() || image.value.is_empty() {
                return None;
            }
            let repository = s.image_repository()?;
            cx.images.lookup(&repository).map(|e| e.healthcheck)
        }
    }
}

impl Rule for HealthyDependencyWithoutHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        let services = compose.services();
        for s in &services {
            for r in s.service_refs() {
                if r.kind != ServiceRefKind::DependsOn
                    || r.condition.as_deref() != Some("service_healthy")
                {
                    continue;
                }
                let Some(target) = compose.service_index(&r.service).map(|i| &services[i]) else {
                    continue;
                };
                if target.extends() || target.get("build").is_some() {
                    continue;
                }
                let setting = target.healthcheck_setting();
                let (mut severity, why, related) = match (setting, has_healthcheck(cx, target)) {
                    (_, Some(true)) => continue,
                    (HealthcheckSetting::Disabled, _) => (
                        Severity::Error,
                        format!("`{}` disables its healthcheck", target.name),
                        target.at("healthcheck"),
                    ),
                    (_, Some(false)) => (
                        Severity::Error,
                        format!(
                            "`{}` defines no healthcheck and its image `{}` ships none",
                            target.name,
                            target.image_repository().unwrap_or_default()
                        ),
                        target.at("image"),
                    ),
                    (_, None) => {
                        let Some((image, _)) = target.image() else {
                            continue;
                        };
                        if !image.known() || image.value.is_empty() {
                            continue;
                        }
                        (
                            Severity::Warning,
                            format!(
                                "`{}` defines no healthcheck, and composegen does not know whether its image `{}` ships one",
                                target.name, image.value
                            ),
                            target.at("image"),
                        )
                    }
                };
                if !r.required {
                    severity = Severity::Warning;
                }
                let mut f = self
                    .finding(
                        cx,
                        r.path.key("condition"),
                        format!(
                            "service `{}` waits for `{}` to be healthy, but {why}",
                            s.name, r.service
                        ),
                    )
                    .label("`service_healthy` needs a healthcheck")
                    .service(s.name)
                    .related(cx.file, related, "no healthcheck here")
                    .help(format!(
                        "`up` fails with `container ... has no healthcheck configured`; give `{}` a `healthcheck:` with a `test`, or wait with `condition: service_started`{}",
                        target.name,
                        if severity == Severity::Warning && setting != HealthcheckSetting::Disabled {
                            " (if the image does ship a HEALTHCHECK, add it to `images:` in .composegen.yaml with `healthcheck: true`)"
                        } else {
                            ""
                        }
                    ))
                    .build();
                f.severity = severity;
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compose::interpolate::Env;
    use crate::lint::finding::Severity;
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG503", yaml))
    }

    /// Severities as the rule reports them (before the engine applies a configured level).
    fn severities(yaml: &str) -> Vec<Severity> {
        use crate::lint::config::Settings;
        use crate::lint::context::Context;
        use crate::lint::images::ImageTable;
        use crate::lint::rule::Rule;
        let root = crate::yaml::Node::parse(yaml).unwrap();
        let env = Env::empty();
        let images = ImageTable::new(&[]).unwrap();
        let settings = Settings::default();
        let index = crate::lint::view::Index::new(&root, &env);
        let cx = Context {
            file: 0,
            name: "test.yaml",
            text: yaml,
            root: &root,
            env: &env,
            images: &images,
            settings: &settings,
            index: &index,
            dir: None,
        };
        let mut out = Vec::new();
        super::HealthyDependencyWithoutHealthcheck.check(&cx, &mut out);
        out.iter().map(|f| f.severity).collect()
    }

    const DEP: &str = "services:\n  api:\n    image: example/api:1.0.0\n    depends_on:\n      db:\n        condition: service_healthy\n";

    #[test]
    fn known_images_without_healthcheck() {
        let y = format!("{DEP}  db:\n    image: postgres:16.4\n");
        assert_eq!(run(&y), ["CG503@6"]);
        assert_eq!(severities(&y), [Severity::Error]);
        // Disabled on the service: even an image that ships one.
        let y = format!(
            "{DEP}  db:\n    image: pihole/pihole:2024.07.0\n    healthcheck:\n      disable: true\n"
        );
        assert_eq!(run(&y), ["CG503@6"]);
        assert_eq!(severities(&y), [Severity::Error]);
        assert_eq!(
            run(&format!(
                "{DEP}  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [NONE]\n"
            )),
            ["CG503@6"]
        );
        // Timing without a test inherits the image's (none).
        assert_eq!(
            run(&format!(
                "{DEP}  db:\n    image: postgres:16.4\n    healthcheck:\n      interval: 5s\n"
            )),
            ["CG503@6"]
        );
    }

    #[test]
    fn unknown_images_and_optional_dependencies_are_warnings() {
        let y = format!("{DEP}  db:\n    image: example/db:3.1.0\n");
        assert_eq!(run(&y), ["CG503@6"]);
        assert_eq!(severities(&y), [Severity::Warning]);
        assert_eq!(
            severities(
                "services:\n  api:\n    image: x:1\n    depends_on:\n      db:\n        condition: service_healthy\n        required: false\n  db:\n    image: postgres:16.4\n"
            ),
            [Severity::Warning]
        );
    }

    #[test]
    fn healthchecks_present_or_unknown() {
        assert!(run(&format!("{DEP}  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [CMD, pg_isready]\n")).is_empty());
        assert!(
            run(&format!(
                "{DEP}  db:\n    image: postgres:16.4\n    healthcheck:\n      test: pg_isready\n"
            ))
            .is_empty()
        );
        // The image ships one.
        assert!(run(&format!("{DEP}  db:\n    image: pihole/pihole:2024.07.0\n")).is_empty());
        // Built, extended, or an unset variable: unknown.
        assert!(run(&format!("{DEP}  db:\n    build: ./db\n")).is_empty());
        assert!(
            run(&format!(
                "{DEP}  db:\n    extends: {{file: base.yaml, service: db}}\n"
            ))
            .is_empty()
        );
        assert!(run(&format!("{DEP}  db:\n    image: ${{DB_IMAGE}}\n")).is_empty());
        // Other conditions.
        assert!(run("services:\n  api:\n    image: x:1\n    depends_on:\n      db:\n        condition: service_started\n  db:\n    image: postgres:16.4\n").is_empty());
    }
}
