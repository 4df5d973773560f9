use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::name_list;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg201_undeclared_volume::is_partial_file;
use crate::lint::view::{ServiceRef, ServiceRefKind};

declare_rule! {
    /// ## What it does
    /// Reports a service that depends on a service the file does not define: a `depends_on`
    /// entry (list or mapping form, even with `required: false`), a `links` entry
    /// (`SERVICE[:ALIAS]`), a `volumes_from` entry (`SERVICE[:MODE]`; `container:NAME` names a
    /// container, not a service, and is not checked), or `network_mode`, `ipc` or `pid` set to
    /// `service:NAME`. Names are case-sensitive.
    ///
    /// It also reports a dependency on a service that Compose profiles leave out while the
    /// dependent service runs: Compose treats a disabled service as undefined. When the
    /// dependent service has no profile (it always runs) and the dependency runs only with a
    /// profile, a plain `docker compose up` fails: an error. When both have profiles and the
    /// dependent one has a profile the dependency lacks, activating only that profile fails: a
    /// warning. A `depends_on` entry with `required: false` may name a disabled service.
    ///
    /// A name with an unset variable is unknown and not checked. Files that are merged with
    /// another (with `include:`, named `*override*`, or with a service that has neither `image`,
    /// `build` nor `extends`) are not checked: the service may be defined in the other file.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses to load the project: `service "web" depends on undefined service
    /// "db": invalid compose project`. Nothing starts, not even the services that do not need
    /// the missing one.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:1.4.2
    ///     depends_on: [database]
    ///   db:
    ///     image: postgres:16.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:1.4.2
    ///     depends_on: [db]
    ///   db:
    ///     image: postgres:16.4
    /// ```
    pub struct UndefinedServiceDependency {
        code: "CG501",
        name: "undefined-service-dependency",
        category: Network,
        severity: Error,
        summary: "a service depends on a service that is not defined (or disabled by profiles)",
    }
}

/// How a reference reads in a message: "depends on `db`", "links to `db`" …
pub fn describe(r: &ServiceRef) -> String {
    let target = &r.service;
    match r.kind {
        ServiceRefKind::DependsOn => format!("depends on `{target}`"),
        ServiceRefKind::Links => format!("links to `{target}`"),
        ServiceRefKind::VolumesFrom => format!("mounts the volumes of `{target}` (`volumes_from`)"),
        ServiceRefKind::NetworkMode => {
            format!("shares the network stack of `{target}` (`network_mode: service:{target}`)")
        }
        ServiceRefKind::Ipc => {
            format!("shares the IPC namespace of `{target}` (`ipc: service:{target}`)")
        }
        ServiceRefKind::Pid => {
            format!("shares the PID namespace of `{target}` (`pid: service:{target}`)")
        }
    }
}

/// Edit distance between two short names (for "did you mean").
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The name among `names` that `name` was probably meant to be.
pub fn similar<'n>(name: &str, names: impl IntoIterator<Item = &'n str>) -> Option<&'n str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for n in names {
        let d = if n.to_ascii_lowercase() == lower {
            0
        } else {
            edit_distance(&lower, &n.to_ascii_lowercase())
        };
        let limit = if name.chars().count() <= 4 { 1 } else { 2 };
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, n));
        }
    }
    best.map(|(_, n)| n)
}

impl Rule for UndefinedServiceDependency {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        if is_partial_file(cx, &compose) {
            return;
        }
        let services = compose.services();
        for s in &services {
            for r in s.service_refs() {
                if r.unknown || r.service.is_empty() {
                    continue;
                }
                let on_key = r.kind == ServiceRefKind::DependsOn && !r.short;
                let Some(target) = compose.service_index(&r.service).map(|i| &services[i]) else {
                    let help = match similar(&r.service, services.iter().map(|t| t.name)) {
                        Some(n) => format!("did you mean `{n}`? Service names are case-sensitive"),
                        None if r.kind == ServiceRefKind::Links => "define the service, or remove the link; for a container outside this project use `external_links`".to_string(),
                        None => format!("define a service `{}`, or remove the reference", r.service),
                    };
                    let mut f = self
                        .finding(
                            cx,
                            r.path.clone(),
                            format!(
                                "service `{}` {}, which is not defined in this file",
                                s.name,
                                describe(&r)
                            ),
                        )
                        .label("undefined service")
                        .service(s.name)
                        .help(help);
                    if on_key {
                        f = f.on_key();
                    }
                    out.push(f.build());
                    continue;
                };
                if !r.required {
                    continue;
                }
                let (mine, theirs) = (s.profiles(), target.profiles());
                if theirs.is_empty() {
                    continue;
                }
                let (severity, message) = if mine.is_empty() {
                    (
                        Severity::Error,
                        format!(
                            "service `{}` always runs but {}, which runs only with profile {}",
                            s.name,
                            describe(&r),
                            name_list(&theirs)
                        ),
                    )
                } else if let Some(p) = mine.iter().find(|p| !theirs.contains(p)) {
                    (
                        Severity::Warning,
                        format!(
                            "service `{}` runs with profile `{p}` but {}, which runs only with profile {}",
                            s.name,
                            describe(&r),
                            name_list(&theirs)
                        ),
                    )
                } else {
                    continue;
                };
                let mut f = self
                    .finding(cx, r.path.clone(), message)
                    .label("disabled by profiles")
                    .service(s.name)
                    .related(cx.file, target.at("profiles"), format!("`{}` is enabled only by these profiles", target.name))
                    .help(format!(
                        "Compose treats a service left out by the active profiles as undefined and rejects the project; give `{}` the same profiles as `{}` (or none){}",
                        target.name,
                        s.name,
                        if r.kind == ServiceRefKind::DependsOn { ", or mark the dependency `required: false`" } else { "" }
                    ));
                if on_key {
                    f = f.on_key();
                }
                let mut f = f.build();
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
    use crate::lint::testing::{codes, lint_rule, lint_rule_with};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG501", yaml))
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
        super::UndefinedServiceDependency.check(&cx, &mut out);
        out.iter().map(|f| f.severity).collect()
    }

    #[test]
    fn undefined_targets() {
        assert_eq!(
            run("services:\n  web:\n    image: x\n    depends_on: [db]\n"),
            ["CG501@4"]
        );
        // Long form points at the key; `required: false` does not help an undefined service.
        assert_eq!(
            run(
                "services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: service_started\n        required: false\n"
            ),
            ["CG501@5"]
        );
        assert_eq!(
            run("services:\n  web:\n    image: x\n    links: ['db:database']\n"),
            ["CG501@4"]
        );
        assert_eq!(
            run("services:\n  web:\n    image: x\n    volumes_from: ['data:ro']\n"),
            ["CG501@4"]
        );
        assert_eq!(
            run("services:\n  web:\n    image: x\n    network_mode: service:vpn\n"),
            ["CG501@4"]
        );
        assert_eq!(
            run("services:\n  web:\n    image: x\n    pid: service:vpn\n    ipc: service:vpn\n"),
            ["CG501@4", "CG501@5"]
        );
        // Case matters, and the help suggests the right name.
        let d = lint_rule(
            "CG501",
            "services:\n  web:\n    image: x\n    depends_on: [DB]\n  db:\n    image: y\n",
        );
        assert_eq!(codes(&d), ["CG501@4"]);
        assert!(d[0].help.as_deref().unwrap_or_default().contains("`db`"));
    }

    #[test]
    fn defined_or_unknown() {
        assert!(
            run("services:\n  web:\n    image: x\n    depends_on: [db]\n    links: [db]\n    volumes_from: ['db', 'container:legacy']\n    network_mode: container:other\n  db:\n    image: y\n")
                .is_empty()
        );
        assert!(
            run("services:\n  web:\n    image: x\n    network_mode: host\n    ipc: shareable\n")
                .is_empty()
        );
        // Unset variable: unknown.
        assert!(
            codes(&lint_rule_with(
                "CG501",
                "services:\n  web:\n    image: x\n    depends_on: ['${DEP}']\n",
                Env::empty()
            ))
            .is_empty()
        );
        // Merged files are not checked.
        assert!(
            run("include: [db.yaml]\nservices:\n  web:\n    image: x\n    depends_on: [db]\n")
                .is_empty()
        );
    }

    #[test]
    fn dependencies_disabled_by_profiles() {
        let always = "services:\n  web:\n    image: x\n    depends_on: [debug]\n  debug:\n    image: y\n    profiles: [debug]\n";
        assert_eq!(run(always), ["CG501@4"]);
        assert_eq!(severities(always), [Severity::Error]);
        let profiled = "services:\n  web:\n    image: x\n    profiles: [dev]\n    depends_on: [debug]\n  debug:\n    image: y\n    profiles: [debug]\n";
        assert_eq!(run(profiled), ["CG501@5"]);
        assert_eq!(severities(profiled), [Severity::Warning]);
        // Shared profile, dependency without profile, or optional dependency: fine.
        assert!(run("services:\n  web:\n    image: x\n    profiles: [dev]\n    depends_on: [debug]\n  debug:\n    image: y\n    profiles: [dev, debug]\n").is_empty());
        assert!(run("services:\n  web:\n    image: x\n    profiles: [dev]\n    depends_on: [db]\n  db:\n    image: y\n").is_empty());
        assert!(run("services:\n  web:\n    image: x\n    depends_on:\n      debug:\n        condition: service_started\n        required: false\n  debug:\n    image: y\n    profiles: [debug]\n").is_empty());
    }
}
