//! The grammars of compose values written as strings, each written once and shared by the
//! validator ([`super::validate`]), the project model and the lint rules above it. Each parser follows the Go code Docker Compose v2.40.3 runs (compose-go v2.9,
//! docker/go-connections, docker/go-units, Go's standard library), returns typed values, and, where
//! a caller points into the string, the byte ranges of the parts within it.
//!
//! - [`ports`]: `[[IP:]HOST[-END]:]CONTAINER[-END][/PROTOCOL]` (`nat.ParsePortSpec`).
//! - [`volumes`]: `[SOURCE:]TARGET[:MODE]` (compose-go `format.ParseVolume`).
//! - [`duration`]: `1m30s` (Go's `time.ParseDuration` and `Duration.String`).
//! - [`size`]: `512m`, `1.5GiB` (go-units `RAMInBytes`).
//! - [`number`]: Go's `strconv.ParseInt` and `ParseFloat` on decimal text.
//! - [`words`]: a `command` string split into words (mattn/go-shellwords, as compose-go uses it).
//! - [`dotenv`]: `.env` files.
//!
//! Variable interpolation (`${VAR:-default}`) has a module of its own: [`super::interpolate`].

pub mod dotenv;
pub mod duration;
pub mod number;
pub mod ports;
pub mod size;
pub mod volumes;
pub mod words;
