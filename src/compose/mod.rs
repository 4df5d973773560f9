//! Docker Compose files: the typed model of the Compose specification ([`model`]), the JSON schema
//! generated from it (`schema/compose.schema.json`), and validation of compose documents with
//! located, readable problems ([`validate`]): the schema, plus the consistency checks Docker
//! Compose performs beyond it (undefined volumes, dependency cycles, conflicting limits, ...).
//!
//! The ground truth is Docker Compose v2.40.3 (compose-go v2.9.1); `scripts/conformance` compares
//! both over a corpus of real compose files and writes `docs/conformance.md`.

pub mod model;
pub mod validate;
