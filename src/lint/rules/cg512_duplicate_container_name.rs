use std::collections::HashMap;

use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg101_host_port_collision::can_run_together;

declare_rule! {
    /// ## What it does
    /// Reports two services that set the same `container_name` and can run at the same time
    /// (services in disjoint compose profiles never do). Names are compared as written after
    /// interpolation; a name with an unset variable is unknown and not compared.
    ///
    /// ## Why is this bad?
    /// Container names are unique on a Docker host. Docker Compose refuses the file:
    /// `services.web: container name "app" is already in use by service …`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     container_name: app
    ///   web:
    ///     image: example/web:2.1.0
    ///     container_name: app
    /// ```
    ///
    /// ## Use instead
    /// Give each its own name, or none (Compose then names containers `PROJECT-SERVICE-1`):
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///     container_name: app-api
    ///   web:
    ///     image: example/web:2.1.0
    ///     container_name: app-web
    /// ```
    pub struct DuplicateContainerName {
        code: "CG512",
        name: "duplicate-container-name",
        category: Network,
        severity: Error,
        summary: "two services set the same `container_name`",
    }
}

impl Rule for DuplicateContainerName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = cx.compose().services();
        let mut seen: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in services.iter().enumerate() {
            let Some(name) = s.str("container_name") else {
                continue;
            };
            if !name.known() || name.value.is_empty() {
                continue;
            }
            if let Some(j) = seen
                .get(&name.value)
                .and_then(|earlier| earlier.iter().find(|&&j| can_run_together(&services[j], s)))
            {
                let other = services[*j].name;
                out.push(
                    self.finding(
                        cx,
                        s.at("container_name"),
                        format!(
                            "container name `{}` is already used by service `{other}`",
                            name.value
                        ),
                    )
                    .label("duplicate container name")
                    .service(s.name)
                    .related(cx.file, services[*j].at("container_name"), format!("`{other}` uses it"))
                    .help("container names are unique on a Docker host: rename one of them, or remove `container_name` and let Compose name the containers")
                    .build(),
                );
                continue;
            }
            seen.entry(name.value).or_default().push(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG512", yaml))
    }

    #[test]
    fn duplicates() {
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    container_name: app\n  b:\n    image: y\n    container_name: app\n"
            ),
            ["CG512@7"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: x\n    container_name: ${N:-app}\n  b:\n    image: y\n    container_name: app\n"
            ),
            ["CG512@7"]
        );
    }

    #[test]
    fn distinct() {
        assert!(run("services:\n  a:\n    image: x\n    container_name: app\n  b:\n    image: y\n    container_name: App2\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    profiles: [one]\n    container_name: app\n  b:\n    image: y\n    profiles: [two]\n    container_name: app\n").is_empty());
        assert!(run("services:\n  a:\n    image: x\n    container_name: ${N}\n  b:\n    image: y\n    container_name: ${N}\n").is_empty());
    }
}
