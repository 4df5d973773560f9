//! The registry: the one ordered list of rules. Everything (selection, `composegen rules`,
//! `explain`, docs/rules.md, the SARIF rule table, tests) iterates it.

use super::rule::Rule;
use super::rules::*;

/// Every rule, ordered by code.
pub static RULES: &[&dyn Rule] = &[
    &cg001_yaml_syntax_error::YamlSyntaxError,
    &cg002_duplicate_key::DuplicateKey,
    &cg003_not_a_compose_file::NotAComposeFile,
    &cg101_host_port_collision::HostPortCollision,
    &cg102_fixed_host_port_on_scaled_service::FixedHostPortOnScaledService,
    &cg103_sensitive_port_on_all_interfaces::SensitivePortOnAllInterfaces,
    &cg104_invalid_port::InvalidPort,
    &cg105_unquoted_base60_port::Base60Port,
    &cg201_undeclared_volume::UndeclaredVolume,
    &cg202_unused_volume::UnusedVolume,
    &cg203_docker_socket_mounted::DockerSocketMounted,
    &cg204_sensitive_host_path_mounted::SensitiveHostPathMounted,
    &cg205_writable_config_bind_mount::WritableConfigBindMount,
    &cg206_stateful_service_without_volume::StatefulServiceWithoutVolume,
    &cg207_read_only_without_writable_path::ReadOnlyWithoutWritablePath,
    &cg208_shared_volume_written_twice::SharedVolumeWrittenTwice,
];

#[cfg(test)]
mod tests {
    use super::RULES;

    #[test]
    fn codes_are_unique_ordered_and_named_like_their_files() {
        let codes: Vec<&str> = RULES.iter().map(|r| r.meta().code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            codes, sorted,
            "the registry is ordered by code, without duplicates"
        );
        for r in RULES {
            let m = r.meta();
            assert!(m.code.len() == 5 && m.code.starts_with("CG"), "{}", m.code);
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{}",
                m.name
            );
            let family = m.code.as_bytes()[2] - b'0';
            let expected = [
                "schema",
                "ports",
                "volumes",
                "resources",
                "security",
                "network",
                "health",
                "image",
                "style",
            ][usize::from(family)];
            assert_eq!(
                m.category.as_str(),
                expected,
                "{} is in the {} family",
                m.code,
                expected
            );
        }
    }

    #[test]
    fn every_rule_lives_in_a_file_named_after_its_code_and_name() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lint/rules");
        for r in RULES {
            let m = r.meta();
            let file = format!(
                "{}_{}.rs",
                m.code.to_ascii_lowercase(),
                m.name.replace('-', "_")
            );
            assert!(
                dir.join(&file).is_file(),
                "{} should live in src/lint/rules/{file}",
                m.code
            );
        }
    }

    #[test]
    fn every_rule_documents_itself_with_the_fixed_headings() {
        for r in RULES {
            let docs = r.meta().documentation();
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
            ] {
                assert!(
                    docs.contains(heading),
                    "{} lacks `{heading}`",
                    r.meta().code
                );
            }
        }
    }
}
