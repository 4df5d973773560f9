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
