use crate::compose::interpolate::Env;
use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{Service, items, scalar};
use crate::yaml::{Kind, Node, Path};

declare_rule! {
    /// ## What it does
    /// Reports a service with `read_only: true` that mounts a top-level config whose source is
    /// `content:` or `environment:`, or a secret whose source is `environment:`. The finding
    /// points at the service's reference (the item of its `configs:` or `secrets:` list, short
    /// or long syntax) and names the config or secret and the service.
    ///
    /// It follows what Docker Compose (2.40.3) does at `up`:
    /// - `read_only` is read as Compose reads a boolean, after interpolation: `true`, or a
    ///   string that is `true`, `yes`, `on` or `y` in any case (Compose warns about the YAML 1.1
    ///   spellings but accepts them).
    /// - `content:` counts when it is not empty after interpolation: Compose copies nothing for
    ///   `content: ""`, or for `content: ${VAR}` with `VAR` unset.
    /// - `environment: VAR` counts unless `VAR` is set to the empty string (then Compose copies
    ///   nothing). An unset `VAR` is reported too: `up` then fails with `environment variable
    ///   "VAR" required by config … is not set`, and with this error once it is set.
    /// - `file:` sources are bind-mounted and `external:` ones are not created by Compose: not
    ///   reported. Secrets cannot have `content:` (Compose rejects the file: CG004).
    /// - A service with `scale: 0` or `deploy.replicas: 0` has no container: not reported. A
    ///   service in a compose profile is reported: `up` refuses it whenever its profile is
    ///   enabled (`composegen lint --profile` lints only the enabled services).
    ///
    /// ## Why is this bad?
    /// Docker Compose creates a `content:` or `environment:` config or secret by copying a file
    /// into the container before it starts it, which a read-only root file system forbids. Since
    /// Compose 2.33.1, `docker compose up` refuses the service instead: ``cannot create config
    /// "<project>_<name>" in read-only service <service>: `file` is the sole supported option``
    /// (`cannot create secret …` for a secret). `docker compose config` accepts the file, so
    /// only `up` shows it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:1.27
    ///     read_only: true
    ///     configs:
    ///       - source: site
    ///         target: /etc/nginx/conf.d/default.conf
    /// configs:
    ///   site:
    ///     content: |
    ///       server { listen 80; }
    /// ```
    ///
    /// ## Use instead
    /// Keep `read_only: true` and give the config a `file:` source, a file beside the compose
    /// file (`composegen render -o DIR` writes its profiles' config files that way). Drop
    /// `read_only` only if the service cannot work otherwise.
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx:1.27
    ///     read_only: true
    ///     configs:
    ///       - source: site
    ///         target: /etc/nginx/conf.d/default.conf
    /// configs:
    ///   site:
    ///     file: ./site.conf
    /// ```
    pub struct InlineConfigOnReadOnlyService {
        code: "CG209",
        name: "inline-config-on-read-only-service",
        category: Volumes,
        severity: Error,
        summary: "a read-only service mounts a `content:` or `environment:` config or secret, which `docker compose up` refuses",
    }
}

/// `read_only` as Docker Compose reads a boolean (compose-go): `true`, or a string that is
/// `true`, `yes`, `on` or `y` in any case. `1`, a number or anything else is not `true` (Compose
/// rejects such a string as an invalid boolean).
fn read_only(s: &Service<'_>) -> bool {
    match s.get("read_only").map(|n| &n.kind) {
        Some(Kind::Bool(b)) => *b,
        Some(Kind::Str(v)) => {
            matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "y")
        }
        _ => false,
    }
}

/// Where the text Compose copies into the container comes from.
enum Inline {
    /// `content:`, not empty.
    Content,
    /// `environment: VAR`; `set`: the variable is set here (to a non-empty value).
    Environment { var: String, set: bool },
}

/// A string value (after interpolation); Compose rejects other types for these keys.
fn string(node: &Node, key: &str, env: &Env) -> Option<crate::compose::interpolate::Interpolated> {
    node.get(key)
        .filter(|n| matches!(n.kind, Kind::Str(_)))
        .and_then(|n| scalar(n, env))
}

/// The inline source of a top-level config or secret (`node`), as Compose resolves it: non-empty
/// `content:` (configs only: secrets cannot have it), else `environment:` unless its variable is
/// set to the empty string. `None` for `file:`, `external:` and empty sources, and for a
/// definition with several sources (Compose rejects it: they are mutually exclusive).
fn inline_source(node: &Node, at: &Path, env: &Env, config: bool) -> Option<(Inline, Path)> {
    if !matches!(node.kind, Kind::Map(_)) {
        return None;
    }
    let sources = ["file", "environment", "content", "external"]
        .iter()
        .filter(|k| node.get(k).is_some())
        .count();
    if sources != 1 {
        return None;
    }
    if config
        && let Some(c) = string(node, "content", env)
        && !c.value.is_empty()
    {
        return Some((Inline::Content, at.key("content")));
    }
    let var = string(node, "environment", env)?;
    if var.value.is_empty() || !var.known() {
        return None;
    }
    let set = match env.get(&var.value) {
        Some("") => return None,
        Some(_) => true,
        None => false,
    };
    Some((
        Inline::Environment {
            var: var.value,
            set,
        },
        at.key("environment"),
    ))
}

/// The sources a service references in `configs:` or `secrets:` (short syntax `- name` or long
/// syntax `- source: name`), with the paths of the list items.
fn references(s: &Service<'_>, key: &str, env: &Env) -> Vec<(String, Path)> {
    let Some(list) = s.get(key) else {
        return Vec::new();
    };
    items(list, &s.at(key))
        .into_iter()
        .filter_map(|(n, path)| {
            let source = match &n.kind {
                Kind::Map(_) => n.get("source")?,
                _ => n,
            };
            let v = scalar(source, env)?;
            (v.known() && !v.value.is_empty()).then_some((v.value, path))
        })
        .collect()
}

impl Rule for InlineConfigOnReadOnlyService {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let compose = cx.compose();
        for s in compose.services() {
            if !read_only(&s) || s.replicas() == Some(0) {
                continue;
            }
            for (key, what, config) in [("configs", "config", true), ("secrets", "secret", false)] {
                let declared = compose.section(key);
                for (name, item) in references(&s, key, cx.env) {
                    let Some((_, node, at)) = declared.iter().find(|(n, _, _)| *n == name) else {
                        continue; // undeclared: Compose rejects the file for that
                    };
                    let Some((source, source_path)) = inline_source(node, at, cx.env, config)
                    else {
                        continue;
                    };
                    let (written, unset) = match &source {
                        Inline::Content => ("`content:`".to_string(), String::new()),
                        Inline::Environment { var, set } => (
                            format!("`environment: {var}`"),
                            if *set {
                                String::new()
                            } else {
                                format!(" (`{var}` is unset here: `up` refuses that too)")
                            },
                        ),
                    };
                    out.push(
                        self.finding(
                            cx,
                            item,
                            format!(
                                "`{}` has `read_only: true` but mounts {what} `{name}` ({written}), which `docker compose up` refuses to create in a read-only container{unset}",
                                s.name
                            ),
                        )
                        .label(format!("Compose cannot create {what} `{name}` in a read-only container"))
                        .related(cx.file, source_path, "copied into the container by `up`")
                        .service(s.name)
                        .help(format!(
                            "give {what} `{name}` a `file:` source, a file beside the compose file (`composegen render -o DIR` writes config files that way); drop `read_only: true` only as a last resort"
                        ))
                        .build(),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compose::interpolate::Env;
    use crate::lint::testing::{codes, lint_rule, lint_rule_with};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG209", yaml))
    }

    fn run_with(yaml: &str, vars: &[(&str, &str)]) -> Vec<String> {
        let mut env = Env::empty();
        for (k, v) in vars {
            env.set(*k, *v);
        }
        codes(&lint_rule_with("CG209", yaml, env))
    }

    const CONTENT: &str = "configs:\n  site:\n    content: |\n      server {}\n";

    #[test]
    fn inline_configs_on_read_only_services() {
        // Long syntax: the finding is on the list item.
        let yaml = format!(
            "services:\n  web:\n    image: nginx:1.27\n    read_only: true\n    configs:\n      - source: site\n        target: /etc/nginx/conf.d/site.conf\n{CONTENT}"
        );
        assert_eq!(run(&yaml), ["CG209@6"]);
        let d = lint_rule("CG209", &yaml);
        assert!(
            d[0].message.contains("`web`")
                && d[0].message.contains("config `site`")
                && d[0].message.contains("`content:`"),
            "{}",
            d[0].message
        );
        assert!(
            d[0].help
                .as_deref()
                .is_some_and(|h| h.contains("`file:`") && h.contains("render -o DIR")),
            "{:?}",
            d[0].help
        );
        // Short syntax, and `read_only` spelled as Compose accepts it.
        for ro in ["true", "True", "'true'", "'TRUE'", "yes", "'on'", "Y"] {
            assert_eq!(
                run(&format!(
                    "services:\n  web:\n    image: x\n    read_only: {ro}\n    configs: [site]\n{CONTENT}"
                )),
                ["CG209@5"],
                "read_only: {ro}"
            );
        }
        // Interpolated `read_only` and content.
        assert_eq!(
            run(&format!(
                "services:\n  web:\n    image: x\n    read_only: ${{RO:-true}}\n    configs:\n      - site\n{CONTENT}"
            )),
            ["CG209@6"]
        );
        assert_eq!(
            run_with(
                "services:\n  web:\n    image: x\n    read_only: ${RO}\n    configs: [site]\nconfigs:\n  site:\n    content: ${SITE}\n",
                &[("RO", "true"), ("SITE", "server {}")]
            ),
            ["CG209@5"]
        );
        assert_eq!(
            run(
                "services:\n  web:\n    image: x\n    read_only: true\n    configs: [site]\nconfigs:\n  site:\n    content: 'listen ${PORT}'\n"
            ),
            ["CG209@5"]
        );
        // A service in a compose profile: refused whenever the profile is enabled.
        assert_eq!(
            run(&format!(
                "services:\n  web:\n    image: x\n    profiles: [debug]\n    read_only: true\n    configs: [site]\n{CONTENT}"
            )),
            ["CG209@6"]
        );
        // Every offending reference of a service.
        assert_eq!(
            run(
                "services:\n  web:\n    image: x\n    read_only: true\n    configs: [a, b, c]\nconfigs:\n  a:\n    content: x\n  b:\n    file: ./b.conf\n  c:\n    environment: C_TEXT\n"
            ),
            ["CG209@5", "CG209@5"]
        );
    }

    #[test]
    fn environment_sources() {
        let cfg = "services:\n  web:\n    image: x\n    read_only: true\n    configs: [site]\nconfigs:\n  site:\n    environment: SITE_CONF\n";
        assert_eq!(run_with(cfg, &[("SITE_CONF", "server {}")]), ["CG209@5"]);
        // Unset: `up` refuses it anyway, and as read-only once it is set.
        let d = lint_rule("CG209", cfg);
        assert_eq!(codes(&d), ["CG209@5"]);
        assert!(
            d[0].message.contains("`SITE_CONF` is unset"),
            "{}",
            d[0].message
        );
        // Set to the empty string: Compose copies nothing.
        assert!(run_with(cfg, &[("SITE_CONF", "")]).is_empty());
        // Secrets from the environment, short and long syntax.
        let sec = "services:\n  api:\n    image: x\n    read_only: true\n    secrets:\n      - token\n      - source: token\n        target: api-token\nsecrets:\n  token:\n    environment: API_TOKEN\n";
        assert_eq!(
            run_with(sec, &[("API_TOKEN", "s3cr3t")]),
            ["CG209@6", "CG209@7"]
        );
        let d = lint_rule_with("CG209", sec, {
            let mut e = Env::empty();
            e.set("API_TOKEN", "s3cr3t");
            e
        });
        assert!(
            d[0].message.contains("secret `token`")
                && d[0].message.contains("`environment: API_TOKEN`")
                && !d[0].message.contains("unset"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn not_reported() {
        // Not read-only (absent, false, spellings Compose does not read as true).
        for ro in [
            "",
            "    read_only: false\n",
            "    read_only: 'no'\n",
            "    read_only: ${RO}\n",
            "    read_only: '1'\n",
            "    read_only: t\n",
        ] {
            assert!(
                run(&format!(
                    "services:\n  web:\n    image: x\n{ro}    configs: [site]\n{CONTENT}"
                ))
                .is_empty(),
                "{ro}"
            );
        }
        // `file:` and `external:` sources; an empty content; content from an unset variable.
        for source in [
            "file: ./site.conf",
            "external: true",
            "content: ''",
            "content: ${SITE}",
        ] {
            assert!(
                run(&format!(
                    "services:\n  web:\n    image: x\n    read_only: true\n    configs: [site]\n    secrets: [site]\nconfigs:\n  site:\n    {source}\nsecrets:\n  site:\n    {source}\n"
                ))
                .is_empty(),
                "{source}"
            );
        }
        // Several sources, or content that is not a string: Compose rejects the definition.
        assert!(run("services:\n  web:\n    image: x\n    read_only: true\n    configs: [a, b]\nconfigs:\n  a:\n    file: ./a.conf\n    content: x\n  b:\n    content: 42\n").is_empty());
        // Secrets cannot have `content:` (CG004); an undeclared reference (Compose rejects it).
        assert!(run("services:\n  web:\n    image: x\n    read_only: true\n    secrets: [t]\n    configs: [nope]\nsecrets:\n  t:\n    content: x\n").is_empty());
        // No container: scale 0 or no replicas.
        assert!(run(&format!("services:\n  web:\n    image: x\n    read_only: true\n    scale: 0\n    configs: [site]\n{CONTENT}")).is_empty());
        assert!(run(&format!("services:\n  web:\n    image: x\n    read_only: true\n    deploy:\n      replicas: 0\n    configs: [site]\n{CONTENT}")).is_empty());
        // The inline config is mounted by another, writable service only.
        assert!(run(&format!("services:\n  web:\n    image: x\n    configs: [site]\n  ro:\n    image: x\n    read_only: true\n{CONTENT}")).is_empty());
    }
}
