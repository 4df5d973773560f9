use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{Compose, Service};
use crate::yaml::Path;

declare_rule! {
    /// ## What it does
    /// Reports a long-running service without a memory limit: neither `mem_limit` nor
    /// `deploy.resources.limits.memory` is set.
    ///
    /// When no service of the file has a limit (a file that does not manage resources at all),
    /// the file gets one finding, on `services:`, instead of one per service. A limit of `0` or
    /// `-1` written on purpose, or one whose variable is unset, counts as set (CG305 reports
    /// values Docker refuses).
    ///
    /// Not reported: one-shot jobs, services that `extends` another one, and files merged with
    /// another one (named `*override*`, or with a service that has neither `image` nor `build`:
    /// the setting may come from the other file). A one-shot job is a service another one
    /// waits for with `condition: service_completed_successfully`; or one with `restart: "no"`
    /// and a command or entrypoint of its own; or one, not restarted `always`, whose command
    /// runs a program that exits by itself (`echo`, `chown`, `mkdir`, `cp`, `curl`, `sleep 5`
    /// …, also as the last command of an `sh -c` script without a loop). The other "missing
    /// setting" rules (CG302, CG303, CG601, CG604, CG608) skip the same services.
    ///
    /// ## Why is this bad?
    /// Without a limit a container may use all the memory of the host. A leak or a burst in one
    /// service then makes the kernel's OOM killer pick a victim among every process of the host:
    /// the database next to it, or the Docker daemon. With a limit, only the container that
    /// exceeds it is killed (and restarted by its restart policy). The severity is info: a
    /// development stack rarely needs limits, a production one does.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/example/api:2.3.1
    ///   db:
    ///     image: postgres:16.4
    ///     mem_limit: 1g
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/example/api:2.3.1
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           memory: 512m
    ///   db:
    ///     image: postgres:16.4
    ///     mem_limit: 1g
    /// ```
    pub struct MissingMemoryLimit {
        code: "CG301",
        name: "missing-memory-limit",
        category: Resources,
        severity: Info,
        summary: "a long-running service has no memory limit",
    }
}

/// Whether the file is merged with another one, so that a service's settings may come from
/// there: its name says `override`, or a service has neither `image` nor `build` (and does not
/// `extends` another one).
pub fn merged_with_another_file(cx: &Context<'_>, compose: &Compose<'_>) -> bool {
    let file_name = cx
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(cx.name)
        .to_ascii_lowercase();
    file_name.contains("override")
        || compose
            .services()
            .iter()
            .any(|s| s.is_fragment() && !s.extends())
}

/// The services a "missing setting" rule looks at: long-running services written in full
/// (not one-shot jobs, not `extends`, not fragments). Empty for a file merged with another one.
pub fn long_running<'a>(cx: &Context<'a>) -> Vec<Service<'a>> {
    let compose = cx.compose();
    if merged_with_another_file(cx, &compose) {
        return Vec::new();
    }
    compose
        .services()
        .into_iter()
        .filter(|s| !s.extends() && !s.is_fragment() && !s.is_one_shot(&compose))
        .collect()
}

/// What a "missing setting" rule says.
pub struct MissingText<'t> {
    /// Per service: the message, given the service name.
    pub message: &'t dyn Fn(&str) -> String,
    /// For the whole file, when no service has the setting: the message, given the list of
    /// service names (`api`, `db`).
    pub all_message: &'t dyn Fn(&str) -> String,
    /// Label at the service.
    pub label: &'t str,
    /// How to fix it.
    pub help: &'t str,
}

/// Report `missing` (services without the setting) among `eligible` ones: one finding per
/// service, or a single one on `services:` when none of several eligible services has it.
pub fn report_missing<R: Rule>(
    rule: &R,
    cx: &Context<'_>,
    out: &mut Vec<Finding>,
    eligible: usize,
    missing: &[&Service<'_>],
    text: &MissingText<'_>,
) {
    if missing.is_empty() {
        return;
    }
    if missing.len() == eligible && eligible >= 2 {
        let names: Vec<&str> = missing.iter().map(|s| s.name).collect();
        out.push(
            rule.finding(
                cx,
                Path::root().key("services"),
                (text.all_message)(&crate::lint::finding::name_list(&names)),
            )
            .on_key()
            .label(text.label)
            .help(text.help)
            .build(),
        );
        return;
    }
    for s in missing {
        out.push(
            rule.finding(cx, s.path.clone(), (text.message)(s.name))
                .on_key()
                .label(text.label)
                .service(s.name)
                .help(text.help)
                .build(),
        );
    }
}

impl Rule for MissingMemoryLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = long_running(cx);
        let missing: Vec<&Service<'_>> = services
            .iter()
            .filter(|s| s.memory_limit().is_none())
            .collect();
        report_missing(
            self,
            cx,
            out,
            services.len(),
            &missing,
            &MissingText {
                message: &|name| format!("service `{name}` has no memory limit"),
                all_message: &|names| format!("no service sets a memory limit ({names})"),
                label: "no memory limit",
                help: "set `deploy.resources.limits.memory` (or `mem_limit`) to what the service needs at peak, e.g. `512m`",
            },
        );
    }
}

/// Lint `yaml` with only rule `code` selected, at its default severity, keeping the severity
/// each finding was reported with (`testing::lint_rule` configures the level, which overrides it).
#[cfg(test)]
pub fn lint_default(code: &str, yaml: &str) -> Vec<crate::lint::finding::Diagnostic> {
    let settings = crate::lint::config::Settings {
        select: vec![code.to_string()],
        ..crate::lint::config::Settings::default()
    };
    let images = crate::lint::images::ImageTable::new(&[]).expect("image table");
    crate::lint::lint(
        vec![crate::lint::Input {
            name: "test.yaml".into(),
            bytes: yaml.as_bytes().to_vec(),
            env: crate::compose::interpolate::Env::empty(),
        }],
        &settings,
        &images,
    )
    .files
    .into_iter()
    .flat_map(|f| f.diagnostics)
    .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG301", yaml))
    }

    #[test]
    fn missing_limits() {
        // One service without, one with: the one without is reported.
        assert_eq!(
            run(
                "services:\n  api:\n    image: example/api:1\n  db:\n    image: postgres:16\n    mem_limit: 1g\n"
            ),
            ["CG301@2"]
        );
        // A single service.
        assert_eq!(
            run("services:\n  api:\n    image: example/api:1\n"),
            ["CG301@2"]
        );
        // None of several: one finding for the file, on `services:`.
        let d = crate::lint::testing::lint_rule(
            "CG301",
            "services:\n  api:\n    image: example/api:1\n  db:\n    image: postgres:16\n",
        );
        assert_eq!(codes(&d), ["CG301@1"]);
        assert!(d[0].message.contains("`api`, `db`"), "{}", d[0].message);
        assert!(d[0].related.is_empty());
    }

    #[test]
    fn limits_set_or_not_applicable() {
        assert!(run("services:\n  a:\n    image: x:1\n    deploy:\n      resources:\n        limits:\n          memory: 256m\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    mem_limit: ${MEM}\n").is_empty());
        assert!(run("services:\n  a:\n    image: x:1\n    mem_limit: -1\n").is_empty());
        // One-shot jobs, extends, fragments, override files.
        assert!(run("services:\n  migrate:\n    image: x:1\n    command: [migrate, up]\n    restart: \"no\"\n").is_empty());
        assert!(run("services:\n  init:\n    image: x:1\n  app:\n    image: y:1\n    mem_limit: 1g\n    depends_on:\n      init:\n        condition: service_completed_successfully\n").is_empty());
        assert!(run("services:\n  a:\n    extends: {file: base.yml, service: a}\n").is_empty());
        assert!(run("services:\n  a:\n    environment: [X=1]\n  b:\n    image: x:1\n").is_empty());
    }
}
