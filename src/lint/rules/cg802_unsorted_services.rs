use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports services that are not in alphabetical order: each service whose name sorts
    /// before the name of a service written above it (compared case-insensitively). Off by
    /// default. Parity with dclint's `services-alphabetical-order`.
    ///
    /// ## Why is this bad?
    /// It is a matter of taste: many files order services by role (proxy, application,
    /// database), which reads better than the alphabet. In large files a fixed order makes a
    /// service easy to find and keeps diffs small. Enable it if your team wants that.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.1
    ///   api:
    ///     image: example/api:2.1.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:2.1.0
    ///   web:
    ///     image: nginx:1.27.1
    /// ```
    pub struct UnsortedServices {
        code: "CG802",
        name: "unsorted-services",
        category: Style,
        severity: Info,
        enabled: false,
        summary: "services are not in alphabetical order (off by default)",
    }
}

fn sort_key(name: &str) -> (String, String) {
    (name.to_lowercase(), name.to_string())
}

impl Rule for UnsortedServices {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let services = cx.compose().services();
        let mut max: Option<usize> = None;
        for (i, s) in services.iter().enumerate() {
            match max {
                Some(m) if sort_key(s.name) < sort_key(services[m].name) => {
                    let before = services[..i]
                        .iter()
                        .find(|p| sort_key(s.name) < sort_key(p.name))
                        .unwrap_or(&services[m]);
                    out.push(
                        self.finding(cx, s.path.clone(), format!("service `{}` should come before `{}` (alphabetical order)", s.name, before.name))
                            .on_key()
                            .label("out of order")
                            .service(s.name)
                            .related(cx.file, before.path.clone(), "comes first in the file")
                            .help("sort the services by name, or disable CG802 if your files order services by role")
                            .build(),
                    );
                }
                _ => max = Some(i),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG802", yaml))
    }

    #[test]
    fn order() {
        assert_eq!(
            run("services:\n  web:\n    image: x\n  api:\n    image: x\n  db:\n    image: x\n"),
            ["CG802@4", "CG802@6"]
        );
        assert!(
            run("services:\n  API:\n    image: x\n  db:\n    image: x\n  Web:\n    image: x\n")
                .is_empty()
        );
    }
}
