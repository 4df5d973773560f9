use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::entries;

declare_rule! {
    /// ## What it does
    /// Reports keys of a service that are out of the conventional order. Off by default.
    /// Parity with dclint's `service-keys-order` (its default groups):
    ///
    /// 1. `image`, `build`, `container_name`
    /// 2. `depends_on`
    /// 3. `volumes`, `volumes_from`, `configs`, `secrets`
    /// 4. `environment`, `env_file`
    /// 5. `ports`, `networks`, `network_mode`, `extra_hosts`
    /// 6. `command`, `entrypoint`, `working_dir`, `restart`, `healthcheck`
    /// 7. `logging`, `labels`
    /// 8. `user`, `isolation`
    /// 9. every other key, in any order.
    ///
    /// A key is reported when a key that belongs after it is written above it.
    ///
    /// ## Why is this bad?
    /// It is a matter of taste. A fixed order lets a reader find what a service runs
    /// (`image`), needs (`depends_on`), stores (`volumes`) and exposes (`ports`) at the same
    /// place in every service.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     ports: ["8080:80"]
    ///     image: nginx:1.27.1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.1
    ///     ports: ["8080:80"]
    /// ```
    pub struct UnorderedServiceKeys {
        code: "CG803",
        name: "unordered-service-keys",
        category: Style,
        severity: Info,
        enabled: false,
        summary: "keys of a service are not in the conventional order (off by default)",
    }
}

/// The conventional order of service keys.
const ORDER: &[&str] = &[
    "image",
    "build",
    "container_name",
    "depends_on",
    "volumes",
    "volumes_from",
    "configs",
    "secrets",
    "environment",
    "env_file",
    "ports",
    "networks",
    "network_mode",
    "extra_hosts",
    "command",
    "entrypoint",
    "working_dir",
    "restart",
    "healthcheck",
    "logging",
    "labels",
    "user",
    "isolation",
];

fn rank(key: &str) -> usize {
    ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len())
}

impl Rule for UnorderedServiceKeys {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let keys = entries(s.node, &s.path);
            let mut highest: Option<usize> = None;
            for (i, (key, _, path)) in keys.iter().enumerate() {
                let r = rank(key);
                match highest {
                    Some(h) if r < rank(keys[h].0) => {
                        let (other, _, other_path) = &keys[h];
                        out.push(
                            self.finding(cx, path.clone(), format!("`{key}` should come before `{other}` in service `{}`", s.name))
                                .on_key()
                                .label("out of order")
                                .service(s.name)
                                .related(cx.file, other_path.clone(), "written above it")
                                .help("order service keys: image/build/container_name, depends_on, volumes/configs/secrets, environment, ports/networks, command/restart/healthcheck, logging/labels, user, then the rest")
                                .build(),
                        );
                    }
                    _ => {
                        if highest.is_none_or(|h| r >= rank(keys[h].0)) {
                            highest = Some(i);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG803", yaml))
    }

    #[test]
    fn order() {
        assert_eq!(
            run("services:\n  a:\n    ports: ['80:80']\n    image: x\n    environment: {A: b}\n"),
            ["CG803@4", "CG803@5"]
        );
        assert!(run("services:\n  a:\n    image: x\n    depends_on: [b]\n    environment: {A: b}\n    ports: ['80:80']\n    restart: always\n    deploy: {}\n    stop_grace_period: 1s\n").is_empty());
    }
}
