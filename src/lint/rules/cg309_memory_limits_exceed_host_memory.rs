use std::collections::BTreeSet;

use crate::compose::grammar::size::ram_in_bytes;
use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg304_reservation_above_limit::human_bytes;
use crate::lint::view::Service;
use crate::yaml::Path;

declare_rule! {
    /// ## What it does
    /// With the `host-memory` option (or `composegen lint --host-memory 8g`), reports services
    /// that run together whose memory limits add up to more than the host's memory.
    ///
    /// Services run together when they have no compose profile, or share one: the services
    /// without a profile are checked, then, for each profile, those plus the profile's own. A
    /// service counts its limit (`deploy.resources.limits.memory` or `mem_limit`) once per
    /// replica (`deploy.replicas`, `scale`). Services without a limit, with an unknown one, and
    /// one-shot jobs are left out of the sum. Without the option the rule does nothing.
    ///
    /// ## Options
    /// - `host-memory`: the host's memory, as Compose writes sizes (`8g`, `16GiB`, `512m`; a
    ///   number is bytes).
    ///
    /// ```yaml
    /// rules:
    ///   CG309:
    ///     options: {host-memory: 8g}
    /// ```
    ///
    /// ## Why is this bad?
    /// A limit is a ceiling, not a reservation, so Docker accepts limits the host cannot back.
    /// When the services grow towards their limits together, the host runs out of memory
    /// first: its OOM killer picks processes in any container, or on the host, instead of the
    /// container that went over its own limit.
    ///
    /// ## Example
    /// With `--host-memory 4g`:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     mem_limit: 2g
    ///   search:
    ///     image: opensearchproject/opensearch:2.17.1
    ///     mem_limit: 3g
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     mem_limit: 1g
    ///   search:
    ///     image: opensearchproject/opensearch:2.17.1
    ///     mem_limit: 2g
    /// ```
    pub struct MemoryLimitsExceedHostMemory {
        code: "CG309",
        name: "memory-limits-exceed-host-memory",
        category: Resources,
        severity: Warning,
        summary: "the memory limits of services that run together exceed the host's memory (`host-memory` option)",
    }
}

/// The rule's code, for the `--host-memory` option.
pub const CODE: &str = "CG309";
/// The option's name.
pub const OPTION: &str = "host-memory";

/// The `host-memory` option's value in bytes: a size string (`8g`) or a number of bytes.
pub fn parse_host_memory(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::String(s) => ram_in_bytes(s.trim()),
        serde_json::Value::Number(n) => n.as_i64(),
        _ => None,
    }
    .filter(|b| *b > 0)
}

struct Member<'s, 'a> {
    service: &'s Service<'a>,
    bytes: i64,
    replicas: u64,
    path: Path,
}

impl Rule for MemoryLimitsExceedHostMemory {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(host) = cx.option(CODE, OPTION).and_then(parse_host_memory) else {
            return;
        };
        let compose = cx.compose();
        let services: Vec<Service<'_>> = compose
            .services()
            .into_iter()
            .filter(|s| !s.is_one_shot(&compose))
            .collect();
        let members: Vec<(Member<'_, '_>, Vec<String>)> = services
            .iter()
            .filter_map(|s| {
                let limit = s.memory_limit()?;
                let bytes = limit.bytes.filter(|b| *b > 0)?;
                let replicas = s.replicas().unwrap_or(1);
                (replicas > 0).then(|| {
                    (
                        Member {
                            service: s,
                            bytes,
                            replicas,
                            path: limit.path,
                        },
                        s.profiles(),
                    )
                })
            })
            .collect();
        let profiles: BTreeSet<String> = services.iter().flat_map(|s| s.profiles()).collect();
        let mut groups: Vec<Option<String>> = vec![None];
        groups.extend(profiles.into_iter().map(Some));
        for group in groups {
            let in_group: Vec<&Member<'_, '_>> = members
                .iter()
                .filter(|(_, p)| p.is_empty() || group.as_ref().is_some_and(|g| p.contains(g)))
                .map(|(m, _)| m)
                .collect();
            // Point at the largest limit of the profile's own services (what the profile adds).
            let own: Vec<&Member<'_, '_>> = members
                .iter()
                .filter(|(_, p)| group.as_ref().is_none_or(|g| p.contains(g)))
                .map(|(m, _)| m)
                .collect();
            let total: i64 = in_group
                .iter()
                .map(|m| m.bytes.saturating_mul(m.replicas as i64))
                .fold(0, i64::saturating_add);
            if total <= host {
                continue;
            }
            let Some(largest) = own
                .iter()
                .max_by_key(|m| m.bytes.saturating_mul(m.replicas as i64))
            else {
                continue;
            };
            let parts: Vec<String> = in_group
                .iter()
                .map(|m| {
                    if m.replicas > 1 {
                        format!(
                            "`{}` {} × {}",
                            m.service.name,
                            m.replicas,
                            human_bytes(m.bytes)
                        )
                    } else {
                        format!("`{}` {}", m.service.name, human_bytes(m.bytes))
                    }
                })
                .collect();
            let with = match &group {
                None => "the services without a profile".to_string(),
                Some(p) => format!("with profile `{p}`, the services"),
            };
            let mut b = self
                .finding(
                    cx,
                    largest.path.clone(),
                    format!(
                        "{with} have memory limits adding up to {}, more than the host's {} ({})",
                        human_bytes(total),
                        human_bytes(host),
                        parts.join(", ")
                    ),
                )
                .label(format!("largest limit, {}", human_bytes(largest.bytes)))
                .service(largest.service.name)
                .help("lower the limits to what the services need together, or run them on a bigger host (the option `host-memory` says how much it has)");
            for m in &in_group {
                if !std::ptr::eq(*m, *largest) {
                    b = b.related(
                        cx.file,
                        m.path.clone(),
                        format!("`{}`: {}", m.service.name, human_bytes(m.bytes)),
                    );
                }
            }
            out.push(b.build());
            if group.is_none() {
                break; // every profile adds to these: one finding is enough
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compose::interpolate::Env;
    use crate::lint::config::{Level, Settings};
    use crate::lint::finding::Diagnostic;
    use crate::lint::images::ImageTable;
    use crate::lint::testing::codes;
    use crate::lint::{Input, lint};

    fn run_with(yaml: &str, host: serde_json::Value) -> Vec<Diagnostic> {
        let mut settings = Settings {
            select: vec!["CG309".into()],
            ..Settings::default()
        };
        settings.levels.insert("CG309".into(), Level::Warning);
        let mut options = serde_json::Map::new();
        options.insert("host-memory".into(), host);
        settings.options.insert("CG309".into(), options);
        let report = lint(
            vec![Input {
                name: "t.yaml".into(),
                bytes: yaml.as_bytes().to_vec(),
                env: Env::empty(),
            }],
            &settings,
            &ImageTable::new(&[]).unwrap(),
        );
        report
            .files
            .into_iter()
            .flat_map(|f| f.diagnostics)
            .collect()
    }

    #[test]
    fn sums_by_profile() {
        let yaml = "services:\n  db:\n    image: postgres:16\n    mem_limit: 2g\n  search:\n    image: x:1\n    mem_limit: 3g\n";
        let d = run_with(yaml, "4g".into());
        assert_eq!(codes(&d), ["CG309@7"]);
        assert!(d[0].message.contains("5 GiB"), "{}", d[0].message);
        assert_eq!(d[0].related.len(), 1);
        assert!(run_with(yaml, "8g".into()).is_empty());
        assert!(run_with(yaml, serde_json::json!(8_589_934_592_i64)).is_empty());
        // Replicas count; services in different profiles do not run together.
        let yaml = "services:\n  w:\n    image: x:1\n    mem_limit: 1g\n    deploy: {replicas: 3}\n  a:\n    image: x:1\n    profiles: [a]\n    mem_limit: 2g\n  b:\n    image: x:1\n    profiles: [b]\n    mem_limit: 512m\n";
        let d = run_with(yaml, "4g".into());
        assert_eq!(codes(&d), ["CG309@9"]);
        assert!(d[0].message.contains("profile `a`"), "{}", d[0].message);
        // Without the option, nothing.
        assert!(
            crate::lint::testing::lint_rule(
                "CG309",
                "services:\n  a:\n    image: x:1\n    mem_limit: 64g\n"
            )
            .is_empty()
        );
    }
}
