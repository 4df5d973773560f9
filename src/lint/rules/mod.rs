//! One file per rule, named after its code and name. The registry (`../registry.rs`) lists
//! them in order.

pub mod cg001_yaml_syntax_error;
pub mod cg002_duplicate_key;
pub mod cg003_not_a_compose_file;
pub mod cg101_host_port_collision;
pub mod cg102_fixed_host_port_on_scaled_service;
pub mod cg103_sensitive_port_on_all_interfaces;
pub mod cg104_invalid_port;
pub mod cg105_unquoted_base60_port;
pub mod cg201_undeclared_volume;
pub mod cg202_unused_volume;
pub mod cg203_docker_socket_mounted;
pub mod cg204_sensitive_host_path_mounted;
pub mod cg205_writable_config_bind_mount;
pub mod cg206_stateful_service_without_volume;
pub mod cg207_read_only_without_writable_path;
pub mod cg208_shared_volume_written_twice;
