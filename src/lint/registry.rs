//! The registry: the one ordered list of rules. Everything (selection, `composegen rules`,
//! `explain`, docs/rules.md, the SARIF rule table, tests) iterates it.

use super::rule::Rule;
use super::rules::*;

/// Every rule, ordered by code.
pub static RULES: &[&dyn Rule] = &[
    &cg001_yaml_syntax_error::YamlSyntaxError,
    &cg002_duplicate_key::DuplicateKey,
    &cg003_not_a_compose_file::NotAComposeFile,
    &cg004_schema_violation::SchemaViolation,
    &cg005_compose_rejects::ComposeRejects,
    &cg006_unset_variable::UnsetVariable,
    &cg007_unresolvable_reference::UnresolvableReference,
    &cg008_unicode_line_break::UnicodeLineBreak,
    &cg009_shell_variable_interpolated_early::ShellVariableInterpolatedEarly,
    &cg010_environment_list_pitfall::EnvironmentListPitfall,
    &cg011_variable_missing_from_env_file::VariableMissingFromEnvFile,
    &cg101_host_port_collision::HostPortCollision,
    &cg102_fixed_host_port_on_scaled_service::FixedHostPortOnScaledService,
    &cg103_sensitive_port_on_all_interfaces::SensitivePortOnAllInterfaces,
    &cg104_invalid_port::InvalidPort,
    &cg105_unquoted_base60_port::Base60Port,
    &cg106_port_published_on_all_interfaces::PortPublishedOnAllInterfaces,
    &cg107_privileged_port_published::PrivilegedPortPublished,
    &cg110_published_port_not_listened::PublishedPortNotListened,
    &cg201_undeclared_volume::UndeclaredVolume,
    &cg202_unused_volume::UnusedVolume,
    &cg203_docker_socket_mounted::DockerSocketMounted,
    &cg204_sensitive_host_path_mounted::SensitiveHostPathMounted,
    &cg205_writable_config_bind_mount::WritableConfigBindMount,
    &cg206_stateful_service_without_volume::StatefulServiceWithoutVolume,
    &cg207_read_only_without_writable_path::ReadOnlyWithoutWritablePath,
    &cg208_shared_volume_written_twice::SharedVolumeWrittenTwice,
    &cg209_inline_config_on_read_only_service::InlineConfigOnReadOnlyService,
    &cg210_named_volume_shared_by_services::NamedVolumeSharedByServices,
    &cg211_shared_mount_propagation::SharedMountPropagation,
    &cg212_tmpfs_allows_exec_or_suid::TmpfsAllowsExecOrSuid,
    &cg213_absolute_host_path_mounted::AbsoluteHostPathMounted,
    &cg301_missing_memory_limit::MissingMemoryLimit,
    &cg302_missing_cpu_limit::MissingCpuLimit,
    &cg303_missing_pids_limit::MissingPidsLimit,
    &cg304_reservation_above_limit::ReservationAboveLimit,
    &cg305_invalid_resource_limit::InvalidResourceLimit,
    &cg306_jvm_heap_exceeds_memory_limit::JvmHeapExceedsMemoryLimit,
    &cg307_jvm_heap_not_set::JvmHeapNotSet,
    &cg308_cgroup_parent_set::CgroupParentSet,
    &cg309_memory_limits_exceed_host_memory::MemoryLimitsExceedHostMemory,
    &cg401_privileged_container::PrivilegedContainer,
    &cg402_dangerous_capability_added::DangerousCapabilityAdded,
    &cg403_capabilities_not_dropped::CapabilitiesNotDropped,
    &cg404_security_profile_disabled::SecurityProfileDisabled,
    &cg405_no_new_privileges_not_set::NoNewPrivilegesNotSet,
    &cg406_host_namespace_shared::HostNamespaceShared,
    &cg407_dangerous_device_mapped::DangerousDeviceMapped,
    &cg408_non_namespaced_sysctl::NonNamespacedSysctl,
    &cg409_explicit_root_user::ExplicitRootUser,
    &cg410_literal_secret::LiteralSecret,
    &cg411_default_credentials::DefaultCredentials,
    &cg412_misspelled_image_variable::MisspelledImageVariable,
    &cg413_admin_api_exposed::AdminApiExposed,
    &cg414_authentication_disabled::AuthenticationDisabled,
    &cg415_writable_root_filesystem::WritableRootFilesystem,
    &cg501_undefined_service_dependency::UndefinedServiceDependency,
    &cg502_dependency_cycle::DependencyCycle,
    &cg503_healthy_dependency_without_healthcheck::HealthyDependencyWithoutHealthcheck,
    &cg504_dependency_without_health_condition::DependencyWithoutHealthCondition,
    &cg505_undeclared_network::UndeclaredNetwork,
    &cg506_network_mode_with_networks::NetworkModeWithNetworks,
    &cg507_dependency_without_shared_network::DependencyWithoutSharedNetwork,
    &cg508_ports_on_internal_network::PortsOnInternalNetwork,
    &cg509_static_ip_outside_subnet::StaticIpOutsideSubnet,
    &cg510_duplicate_static_ip::DuplicateStaticIp,
    &cg511_static_ip_on_scaled_service::StaticIpOnScaledService,
    &cg512_duplicate_container_name::DuplicateContainerName,
    &cg513_deprecated_links::DeprecatedLinks,
    &cg514_unreachable_service_reference::UnreachableServiceReference,
    &cg601_missing_healthcheck::MissingHealthcheck,
    &cg602_healthcheck_disabled::HealthcheckDisabled,
    &cg603_healthcheck_string_with_keyword::HealthcheckStringWithKeyword,
    &cg604_missing_restart_policy::MissingRestartPolicy,
    &cg605_conflicting_restart_policies::ConflictingRestartPolicies,
    &cg606_invalid_restart_policy::InvalidRestartPolicy,
    &cg607_unlimited_restart_on_failure::UnlimitedRestartOnFailure,
    &cg608_log_rotation_not_configured::LogRotationNotConfigured,
    &cg609_healthcheck_cannot_fail::HealthcheckCannotFail,
    &cg610_logging_disabled::LoggingDisabled,
    &cg701_image_without_tag::ImageWithoutTag,
    &cg702_image_latest_tag::ImageLatestTag,
    &cg703_floating_image_tag::FloatingImageTag,
    &cg704_build_and_image::BuildAndImage,
    &cg705_image_without_digest::ImageWithoutDigest,
    &cg706_end_of_life_image::EndOfLifeImage,
    &cg801_obsolete_version_field::ObsoleteVersionField,
    &cg802_unsorted_services::UnsortedServices,
    &cg803_unordered_service_keys::UnorderedServiceKeys,
    &cg804_unquoted_port::UnquotedPort,
    &cg805_missing_project_name::MissingProjectName,
    &cg806_unknown_code_in_ignore::UnknownCodeInIgnore,
    &cg901_key_ignored_by_swarm::KeyIgnoredBySwarm,
    &cg902_key_refused_by_swarm::KeyRefusedBySwarm,
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
                "swarm",
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
