//! Compose projects: several compose files combined into the one model Docker Compose runs.
//!
//! - [`merge`]: `docker compose -f a.yaml -f b.yaml` merging, on span-aware trees, so a finding on
//!   the effective project still points at the file and line a human wrote.
//! - [`normalize`]: the resolved model in the shape `docker compose config --format json` prints.
//! - [`gofmt`]: values as compose-go prints and compares them (shared by the two above).

pub mod gofmt;
pub mod load;
pub mod merge;
pub mod normalize;
