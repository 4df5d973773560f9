//! Profiles: the typed model, loading with overrides, the generated schema and semantic checks.

pub mod load;
pub mod model;
pub mod schema;
pub mod semantics;
pub mod show;
