//! Docker Compose files: the typed model of the Compose specification ([`model`]), the JSON schema
//! generated from it (`schema/compose.schema.json`), and validation of compose documents with
//! located, readable problems ([`validate`]): the schema, plus the consistency checks Docker
//! Compose performs beyond it (undefined volumes, dependency cycles, conflicting limits, ...);
//! variable interpolation ([`interpolate`]); and the grammars of compose values written as strings
//! ([`grammar`]: ports, volumes, durations, sizes, command words, `.env` files), each written once.
//!
//! The ground truth is Docker Compose v2.40.3 (compose-go v2.9.1); `scripts/conformance` compares
//! both over a corpus of real compose files and writes `docs/conformance.md`.

/// What reads a compose file: Docker Compose, or `docker stack deploy` (Docker Swarm), which
/// ignores some keys, refuses others and has no start-up ordering (docs/swarm.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Docker Compose (`docker compose up`).
    #[default]
    Compose,
    /// Docker Swarm (`docker stack deploy`).
    Swarm,
}

pub mod grammar;
pub mod interpolate;
pub mod model;
pub mod validate;
