//! composegen: render typed service profiles into docker-compose files, and lint compose files.
#![forbid(unsafe_code)]

pub mod assets;
pub mod cli;
pub mod compose;
pub mod digest;
pub mod doc;
pub mod error;
pub mod fsio;
pub mod lint;
pub mod profile;
pub mod project;
pub mod render;
pub mod schema;
pub mod schema_fast;
pub mod yaml;
pub mod yaml_emit;
