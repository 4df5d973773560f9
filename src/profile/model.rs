//! The typed profile model: what a stack needs, not raw compose.
//!
//! Every type here derives `Deserialize` (profiles are YAML) and `JsonSchema` (the committed
//! `schema/profile.schema.json` is generated from these types). Doc comments become schema
//! descriptions, so editors show them on hover.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A composegen profile: one stack, rendered into one or more compose files.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Profile name; also the compose project `name:`. Lowercase letters, digits, `-` and `_`.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9_-]*$"))]
    pub name: String,
    /// One-line description shown by `composegen list`.
    pub description: String,
    /// Where the stack comes from (documentation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Typed parameters of the stack (replica counts, retention, ...), set with `--set NAME=VALUE`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub knobs: IndexMap<String, Knob>,
    /// Settings applied to every service unless the service sets them itself.
    #[serde(default)]
    pub defaults: Defaults,
    /// Output files besides the main compose file (`docker-compose.yml`). Services with
    /// `part: NAME` are rendered into the file of that part.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub parts: IndexMap<String, Part>,
    /// Networks of the stack.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub networks: IndexMap<String, Network>,
    /// Named volumes of the stack.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub volumes: IndexMap<String, Volume>,
    /// Secrets: references to values supplied through the environment (`.env`), never values.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub secrets: IndexMap<String, Secret>,
    /// Config files rendered from templates and mounted into services.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub files: IndexMap<String, ConfigFile>,
    /// The services, in the order they are rendered.
    pub services: IndexMap<String, Service>,
}

/// A typed parameter of a profile.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Knob {
    /// What the knob controls.
    pub description: String,
    /// The value's type.
    #[serde(rename = "type")]
    pub kind: KnobType,
    /// Default value.
    pub default: KnobValue,
    /// Value set by an override (`--set NAME=VALUE` or a values file); the default applies when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<KnobValue>,
    /// Smallest allowed value (integer knobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// Largest allowed value (integer knobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// The value must be odd (integer knobs), e.g. a sentinel count that keeps a quorum.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub odd: bool,
    /// The value counts the members of a cluster that elects by majority (integer knobs): 1 (no
    /// cluster) or at least 3. Two members have no quorum: losing either stops the cluster.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub quorum: bool,
}

/// Type of a knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum KnobType {
    /// A whole number.
    Integer,
    /// Text.
    String,
    /// true or false.
    Boolean,
    /// A DNS host name (`example.com`, `*.example.com`, `localhost`) or nginx's catch-all `_`:
    /// text that is safe in every config language it reaches (nginx, YAML, URLs, env lists).
    Hostname,
}

/// A knob value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum KnobValue {
    /// true or false.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// Text.
    Str(String),
}

impl std::fmt::Display for KnobValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KnobValue::Bool(b) => write!(f, "{b}"),
            KnobValue::Int(i) => write!(f, "{i}"),
            KnobValue::Str(s) => f.write_str(s),
        }
    }
}

/// Settings applied to every service that does not set them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Host address published ports bind to when a port does not say (default `127.0.0.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    /// Restart policy (default `unless-stopped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<Restart>,
    /// Security settings merged under each service's own.
    #[serde(default)]
    pub security: Security,
    /// Logging (default: json-file, max-size 10m, max-file 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    /// Networks every service joins when it lists none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<String>,
}

/// An extra output file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// File name written in `-o DIR` mode, e.g. `docker-compose.monitoring.yml`.
    pub file: String,
    /// Compose project name of this file (defaults to `<profile>-<part>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// What the part is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A network.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Explicit network name (needed when a second file attaches to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Driver (default `bridge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// IPv4 subnet in CIDR form; static addresses are allocated from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    /// No outside connectivity.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
}

/// A named volume.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    /// What the volume holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// One volume per instance of an instanced service (`NAME-1`, `NAME-2`, ...).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub per_instance: bool,
}

/// A secret: a value supplied at deploy time through an environment variable.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    /// Environment variable that carries it (written to `.env.example`).
    #[schemars(regex(pattern = r"^[A-Z_][A-Z0-9_]*$"))]
    pub env: String,
    /// What it is; becomes the `${VAR:?...}` message.
    pub description: String,
    /// How `-o DIR` fills a fresh `.env`.
    #[serde(default)]
    pub generate: Generate,
}

/// How a secret's value is generated for a fresh `.env`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum Generate {
    /// A fixed, non-sensitive value (a user name, say).
    Value {
        /// The value.
        value: String,
    },
    /// A random alphanumeric string of this length.
    Random {
        /// Length in characters (16 to 128).
        #[schemars(range(min = 16, max = 128))]
        length: u8,
    },
}

impl Default for Generate {
    fn default() -> Self {
        Generate::Random { length: 32 }
    }
}

/// A config file rendered from a template.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Template under `templates/` (e.g. `configs/prometheus.yml.j2`).
    pub template: String,
    /// Path of the file in an `-o DIR` bundle, relative to the compose file.
    pub path: String,
    /// What the file configures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A starter the user is expected to replace with their own (a sample load test, say): the
    /// render lists it among what the user must provide.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub starter: bool,
}

/// A service (or, with `instances`, a numbered family of services).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// What the service does; rendered as a comment above it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Image to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Build from source instead of (or as well as) pulling an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    /// Render this many numbered copies (`NAME-1` … `NAME-N`). Instance `i` publishes each
    /// port on its host port + (i − 1) × the port's `step`, and formats may use `{name}` (the
    /// instance's service name) and `{index}` (i).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<Count>,
    /// With `instances`: a count of 1 renders the one instance under the service's own name
    /// (`kafka`, not `kafka-1`), with the `single` settings; a larger count is a cluster of
    /// `NAME-1` … `NAME-N` with the `clustered` settings and `roles`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub single_when_one: bool,
    /// Added to the service when it runs as one instance (see `single_when_one`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single: Option<Overlay>,
    /// Added to every instance when the service runs as a cluster (see `single_when_one`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clustered: Option<Overlay>,
    /// Roles of a clustered service's instances, assigned by instance index (an instance may
    /// hold several). A single instance holds every role.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub roles: IndexMap<String, Role>,
    /// Render the service only when an integer knob is at least a value (a one-shot that only a
    /// cluster needs, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    /// `deploy.replicas`: a scalable service (then it gets no container_name and no host port).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Count>,
    /// Feature group: rendered as compose `profiles: [GROUP]`, started only on request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Output part (see top-level `parts`); the main file when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// Fixed container name (avoid: it prevents scaling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    /// Hostname inside the network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Entrypoint override (exec form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<Arg>>,
    /// Command (exec form); `{knob: NAME}` items insert knob values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<Arg>>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub environment: IndexMap<String, EnvValue>,
    /// Published ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// Ports reachable only from inside the stack's networks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<u16>,
    /// Volumes, bind mounts and tmpfs mounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Mount>,
    /// Config files (top-level `files`) mounted into the container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileMount>,
    /// Memory and cpu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// JVM heap derived from the memory limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jvm: Option<Jvm>,
    /// Security settings (merged over `defaults.security`).
    #[serde(default)]
    pub security: Security,
    /// Health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    /// Services this one waits for.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub depends_on: IndexMap<String, Condition>,
    /// Restart policy (overrides `defaults.restart`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<Restart>,
    /// Networks to join; a static address is `auto` (allocated in order) or an explicit IPv4.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub networks: IndexMap<String, Attach>,
    /// Logging (overrides `defaults.logging`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    /// Labels.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// ulimits, e.g. `nofile: 65536`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub ulimits: IndexMap<String, u64>,
    /// Time to wait on stop before SIGKILL, e.g. `30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<Duration>,
    /// Lint findings this service deliberately accepts, each with its reason (rendered as
    /// inline suppressions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
}

/// A count: a number or a knob.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum Count {
    /// A fixed number.
    Fixed(u32),
    /// The value of an integer knob.
    Knob {
        /// Knob name.
        knob: String,
    },
}

/// Settings added to a service in one of its shapes (single or clustered): environment
/// variables (replacing those of the same name), command, volumes and dependencies.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// Environment variables, set after (and over) the service's own.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub environment: IndexMap<String, EnvValue>,
    /// Command (exec form), replacing the service's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<Arg>>,
    /// Further volumes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Mount>,
    /// Further dependencies.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub depends_on: IndexMap<String, Condition>,
}

/// Which instances of a clustered service hold a role: set exactly one of `first`, `last`,
/// `all_but_last`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// What the role does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The first N instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<u32>,
    /// The last N instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<u32>,
    /// Every instance except the last N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_but_last: Option<u32>,
    /// Limits of the role's instances (the first role in declaration order that sets them
    /// wins); a JVM heap follows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Network aliases of the role's instances on every network they join, e.g. the service's
    /// own name on the node clients should reach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl Role {
    /// Whether instance `index` (1-based) of `count` holds the role, or why the role is
    /// malformed.
    pub fn holds(&self, index: u32, count: u32) -> std::result::Result<bool, String> {
        match (self.first, self.last, self.all_but_last) {
            (Some(n), None, None) => Ok(index <= n),
            (None, Some(n), None) => Ok(index + n > count),
            (None, None, Some(n)) => Ok(index + n <= count),
            _ => Err("set exactly one of `first`, `last`, `all_but_last`".into()),
        }
    }
}

/// A condition on an integer knob.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Knob name.
    pub knob: String,
    /// The smallest value for which the service is rendered.
    pub at_least: i64,
}

/// An image reference with an explicit version.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// Repository, e.g. `redis` or `grafana/grafana`.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._/-]*$"))]
    pub name: String,
    /// Version tag (never `latest`).
    #[schemars(regex(pattern = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"))]
    pub tag: String,
    /// Optional content digest (`sha256:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub digest: Option<String>,
}

/// Why `image` is not an image reference that composegen accepts: `[REGISTRY[:PORT]/]PATH`
/// (lowercase path components) with a `:TAG` (not `latest`) and/or an `@sha256:…` digest, as
/// Docker parses references (github.com/distribution/reference, `reference.go`).
pub fn check_image_reference(image: &str) -> std::result::Result<(), String> {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        let domain_part = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
        let component = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
        regex::Regex::new(&format!(
            r"^(?:{domain_part}(?:\.{domain_part})*(?::[0-9]+)?/)?{component}(?:/{component})*(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}))?(?:@(?P<digest>sha256:[0-9a-f]{{64}}))?$"
        ))
        .expect("image reference pattern")
    });
    let Some(c) = RE.captures(image) else {
        return Err(format!(
            "{image:?} is not an image reference: expected [REGISTRY/]NAME:TAG or NAME@sha256:DIGEST \
             (lowercase name)"
        ));
    };
    match (c.name("tag").map(|t| t.as_str()), c.name("digest")) {
        (None, None) => Err(format!(
            "{image:?} has no tag or digest: pin a version, e.g. {image}:1.0"
        )),
        (Some("latest"), None) => Err(format!("{image:?}: `latest` is not a version")),
        _ => Ok(()),
    }
}

/// A build section.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Build {
    /// Build context directory, relative to the compose file.
    pub context: String,
    /// Dockerfile path inside the context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    /// Build stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Build arguments.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub args: IndexMap<String, String>,
    /// A string knob (default `""`) that names a prebuilt image to run instead of building,
    /// e.g. `backend_image`: `--set backend_image=registry.example.com/backend:1.4` gives the
    /// service `image: registry.example.com/backend:1.4` and no `build:`. The value must be an
    /// image reference with a tag (not `latest`) or a digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_knob: Option<String>,
}

/// A command or entrypoint argument.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum Arg {
    /// A literal argument.
    Literal(String),
    /// A knob value, optionally placed into a format where `{}` stands for the value.
    Knob {
        /// Knob name.
        knob: String,
        /// Format, e.g. `--retention={}d` (default `{}`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<String>,
    },
    /// The host port that publishes one of this service's container ports, optionally placed
    /// into a format: it follows `--set services.NAME.ports[i].host=…`.
    Port {
        /// Container port of one of the service's `ports`.
        #[schemars(range(min = 1))]
        port: u16,
        /// Format where `{}` stands for the host port, e.g. `--advertise=localhost:{}`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<String>,
    },
    /// The instances of a service (optionally those holding a role), each placed into a
    /// format where `{name}` and `{index}` stand for the member: one argument per member, or
    /// one argument with the members joined by `separator`.
    Members(Members),
    /// The roles this instance holds among `roles`, comma-separated, placed into `format`
    /// (`{}`); `empty` when it holds none of them.
    Roles(RolesValue),
    /// A format where `{name}` and `{index}` stand for this instance's service name and index,
    /// and `{address}` for the address peers reach it at: its fixed address (the first network
    /// with `ipv4_address`), or its name (without one, and on a swarm, which assigns addresses).
    Format {
        /// e.g. `-Enode.name={name}`.
        format: String,
    },
}

/// The instances of a service, as a list.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Members {
    /// The service (with `instances`, every instance; else the service itself).
    pub members: String,
    /// Only the instances holding this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Format of one member, e.g. `{name}:9092` (default `{name}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Join the members with this (default `,` in environment values; arguments without it
    /// become one argument per member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
}

/// The roles an instance holds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesValue {
    /// The roles to list, in this order.
    pub roles: Vec<String>,
    /// Format where `{}` stands for the list (default `{}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// What stands for an empty list (default the empty string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<String>,
}

/// An environment variable value.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum EnvValue {
    /// A literal value (never a credential: use a secret).
    Literal(Scalar),
    /// A secret: rendered as `${VAR:?message}`; the value comes from `.env`.
    Secret {
        /// Secret name (top-level `secrets`).
        secret: String,
        /// Format where `{}` stands for the secret, e.g. `mongodb://app:{}@mongodb:27017`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<String>,
    },
    /// A knob value, optionally placed into a format.
    Knob {
        /// Knob name.
        knob: String,
        /// Format where `{}` stands for the value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<String>,
    },
    /// The host port that publishes one of this service's container ports, optionally placed
    /// into a format: a value derived from the port, so it follows
    /// `--set services.NAME.ports[i].host=…`.
    Port {
        /// Container port of one of the service's `ports`.
        #[schemars(range(min = 1))]
        port: u16,
        /// Format where `{}` stands for the host port, e.g. `PLAINTEXT_HOST://localhost:{}`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<String>,
    },
    /// The instances of a service, joined (default `,`), e.g. a bootstrap server list.
    Members(Members),
    /// The roles this instance holds (see the argument of the same form).
    Roles(RolesValue),
    /// The replication factor of a cluster of the service's instances: min(3, N).
    ReplicationFactor {
        /// The service whose instances replicate.
        replication_factor: String,
    },
    /// The minimum in-sync replicas of that replication factor: max(1, min(3, N) − 1).
    MinInsyncReplicas {
        /// The service whose instances replicate.
        min_insync_replicas: String,
    },
    /// A format where `{name}` and `{index}` stand for this instance's service name and index,
    /// and `{address}` for the address peers reach it at (see the argument of the same form).
    Format {
        /// e.g. `{index}` (a broker id) or `{name}`.
        format: String,
    },
}

/// Replication factor and minimum in-sync replicas of a cluster of `n` members: the factor is
/// min(3, n), and one replica may be down: max(1, factor − 1).
pub fn replication(n: u32) -> (u32, u32) {
    let rf = n.clamp(1, 3);
    (rf, (rf - 1).max(1))
}

/// A scalar value.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    /// Boolean.
    Bool(bool),
    /// Whole number.
    Int(i64),
    /// Decimal number.
    Float(f64),
    /// Text.
    Str(String),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Str(s) => f.write_str(s),
        }
    }
}

/// A published port.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Port {
    /// Port inside the container.
    #[schemars(range(min = 1))]
    pub container: u16,
    /// Port on the host (defaults to the container port).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub host: Option<u16>,
    /// With `instances`: instance i publishes host port + (i − 1) × step (default 1), e.g. 10
    /// where the next ports are taken by other services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub step: Option<u16>,
    /// Host address to bind (defaults to `defaults.host_ip`, itself `127.0.0.1`). Use `0.0.0.0`
    /// only for what must be reachable from other machines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    /// Protocol.
    #[serde(default)]
    pub protocol: Protocol,
    /// What the port serves (rendered as a comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Port protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP.
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

/// A mount.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum Mount {
    /// A named volume (top-level `volumes`).
    Volume {
        /// Volume name.
        volume: String,
        /// Path in the container.
        target: String,
        /// Mount read-only.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        read_only: bool,
    },
    /// A host path.
    Bind {
        /// Host path (relative paths are relative to the compose file).
        bind: String,
        /// Path in the container.
        target: String,
        /// Mount read-only.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        read_only: bool,
        /// Why this host path is needed (rendered as a comment).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// An in-memory filesystem.
    Tmpfs {
        /// Path in the container.
        tmpfs: String,
        /// Size limit, e.g. `64m`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<ByteSize>,
        /// Octal mode, e.g. `1777`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<String>,
    },
}

/// A config file mount.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileMount {
    /// Name of a top-level `files` entry.
    pub file: String,
    /// Path in the container.
    pub target: String,
}

/// Memory and cpu.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Memory limit, e.g. `512m`, `2g`.
    pub memory: ByteSize,
    /// Memory reservation (soft guarantee).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<ByteSize>,
    /// CPU limit in cores, e.g. `0.5`.
    #[schemars(range(min = 0.01))]
    pub cpus: f64,
    /// Maximum number of processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids: Option<u32>,
}

/// A JVM whose heap is derived from the memory limit.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Jvm {
    /// Environment variable that takes the heap options (e.g. `ES_JAVA_OPTS`, `KAFKA_HEAP_OPTS`).
    pub env: String,
    /// Heap as a percentage of the memory limit (default 50).
    #[serde(default = "default_heap_percent")]
    #[schemars(range(min = 10, max = 90))]
    pub heap_percent: u8,
    /// Further JVM options appended after `-Xms… -Xmx…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
}

fn default_heap_percent() -> u8 {
    50
}

/// Security settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// Read-only root filesystem (give every written path a volume or tmpfs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// User (and group) to run as, e.g. `472:0` or `redis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Capabilities to drop (`ALL` for all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_drop: Option<Vec<String>>,
    /// Capabilities to add back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_add: Option<Vec<String>>,
    /// `security_opt: no-new-privileges:true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_new_privileges: Option<bool>,
}

/// A health check.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Healthcheck {
    /// Exec-form test (`["CMD", …]` is implied), e.g. `[redis-cli, ping]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<Vec<String>>,
    /// Shell-form test (`CMD-SHELL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    /// Time between checks (default `10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Time a check may take (default `5s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Failures before unhealthy (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Grace period after start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Duration>,
}

/// When a dependency counts as ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Started.
    ServiceStarted,
    /// Healthy (the dependency needs a healthcheck).
    ServiceHealthy,
    /// Ran to completion with exit code 0.
    ServiceCompletedSuccessfully,
}

/// Restart policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Restart {
    /// Never restart.
    No,
    /// Always restart.
    Always,
    /// Restart after a non-zero exit.
    OnFailure,
    /// Restart unless stopped by hand.
    UnlessStopped,
}

/// Joining a network.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attach {
    /// Static IPv4 address: `auto` allocates the next free one from the network's subnet in
    /// service order (starting at .2), or give an address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
    /// Extra DNS names on this network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    /// Driver (default `json-file`).
    #[serde(default = "default_log_driver")]
    pub driver: String,
    /// Driver options, e.g. `max-size: 10m`.
    #[serde(default)]
    pub options: IndexMap<String, String>,
}

fn default_log_driver() -> String {
    "json-file".to_string()
}

/// A finding a service accepts deliberately.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// Rule code, e.g. `CG402`.
    #[schemars(regex(pattern = r"^CG[0-9]{3}$"))]
    pub rule: String,
    /// Why the exception is required.
    pub reason: String,
}

/// A byte size as Compose writes it: a number with an optional unit `b`, `k`, `m`, `g`
/// (case-insensitive, optional trailing `b`), e.g. `512m`, `2g`, `1.5g`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// Parse `512m`, `2g`, `1024`, `1.5GB` …
    pub fn parse(s: &str) -> Option<ByteSize> {
        let t = s.trim().to_ascii_lowercase();
        let t = t.strip_suffix('b').unwrap_or(&t);
        let (num, mult) = match t.chars().last()? {
            'k' => (&t[..t.len() - 1], 1u64 << 10),
            'm' => (&t[..t.len() - 1], 1u64 << 20),
            'g' => (&t[..t.len() - 1], 1u64 << 30),
            't' => (&t[..t.len() - 1], 1u64 << 40),
            _ => (t, 1),
        };
        if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return None;
        }
        let v: f64 = num.parse().ok()?;
        let bytes = (v * mult as f64).round();
        if !(1.0..=(u64::MAX as f64)).contains(&bytes) {
            return None;
        }
        Some(ByteSize(bytes as u64))
    }

    /// Shortest exact rendering: `2g`, `512m`, `1536k`, `100`.
    pub fn to_compose(self) -> String {
        for (unit, m) in [("g", 1u64 << 30), ("m", 1 << 20), ("k", 1 << 10)] {
            if self.0.is_multiple_of(m) {
                return format!("{}{}", self.0 / m, unit);
            }
        }
        self.0.to_string()
    }

    /// Megabytes, rounded down.
    pub fn mebibytes(self) -> u64 {
        self.0 >> 20
    }
}

const BYTE_SIZE_PATTERN: &str = r"^[0-9]+(\.[0-9]+)?([kKmMgGtT][bB]?|[bB])?$";

impl Serialize for ByteSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_compose())
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Scalar::deserialize(d)?;
        let text = raw.to_string();
        ByteSize::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid size {text:?}: expected a number with an optional unit (k, m, g), e.g. 512m"
            ))
        })
    }
}

impl JsonSchema for ByteSize {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ByteSize".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A size: a number with an optional unit (k, m, g, t), e.g. 512m or 2g.",
            "oneOf": [
                {"type": "string", "pattern": BYTE_SIZE_PATTERN},
                {"type": "integer", "minimum": 1}
            ]
        })
    }
}

/// A duration as Compose writes it, e.g. `10s`, `1m30s`, `500ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Duration(pub String);

const DURATION_PATTERN: &str = r"^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$";

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration, e.g. 10s, 1m30s, 500ms.",
            "type": "string",
            "pattern": DURATION_PATTERN
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_parse_like_compose() {
        assert_eq!(ByteSize::parse("512m"), Some(ByteSize(512 << 20)));
        assert_eq!(ByteSize::parse("2g"), Some(ByteSize(2 << 30)));
        assert_eq!(ByteSize::parse("2GB"), Some(ByteSize(2 << 30)));
        assert_eq!(ByteSize::parse("1.5g"), Some(ByteSize(3 << 29)));
        assert_eq!(ByteSize::parse("1024"), Some(ByteSize(1024)));
        assert_eq!(ByteSize::parse("lots"), None);
        assert_eq!(ByteSize::parse(""), None);
        assert_eq!(ByteSize::parse("0"), None);
        assert_eq!(ByteSize::parse("-1m"), None);
        assert_eq!(ByteSize(1536 << 20).to_compose(), "1536m");
        assert_eq!(ByteSize(2 << 30).to_compose(), "2g");
    }

    #[test]
    fn byte_size_pattern_matches_parser() {
        let re = regex::Regex::new(BYTE_SIZE_PATTERN).unwrap();
        for ok in ["512m", "2g", "1.5G", "100", "64MB", "10b"] {
            assert!(re.is_match(ok), "{ok}");
            assert!(ByteSize::parse(ok).is_some(), "{ok}");
        }
        for bad in ["lots", "", "m", "1.g", "-2g"] {
            assert!(!re.is_match(bad), "{bad}");
        }
    }

    #[test]
    fn image_references() {
        for ok in [
            "backend:1.4",
            "registry.example.com/backend:1.4",
            "Registry.Example.com:5000/team/back_end:1.4.2-rc1",
            "localhost:5000/a__b/c-d:v1",
            "ghcr.io/acme/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "redis:7@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(check_image_reference(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "backend",
            "backend:",
            "backend:latest",
            "Backend:1",
            "registry.example.com/Backend:1",
            "-backend:1",
            "back end:1",
            "backend:1\nx: y",
            "backend:1@sha256:short",
            "backend:.1",
            "${IMAGE}",
        ] {
            assert!(check_image_reference(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn replication_is_sized_to_the_cluster() {
        assert_eq!(replication(1), (1, 1));
        assert_eq!(replication(3), (3, 2));
        assert_eq!(replication(7), (3, 2));
    }

    #[test]
    fn roles_by_index() {
        let first = Role {
            first: Some(3),
            ..Default::default()
        };
        let last = Role {
            last: Some(1),
            ..Default::default()
        };
        let rest = Role {
            all_but_last: Some(1),
            ..Default::default()
        };
        let holders = |r: &Role, n: u32| -> Vec<u32> {
            (1..=n).filter(|&i| r.holds(i, n).unwrap()).collect()
        };
        assert_eq!(holders(&first, 5), [1, 2, 3]);
        assert_eq!(holders(&last, 5), [5]);
        assert_eq!(holders(&rest, 5), [1, 2, 3, 4]);
        assert_eq!(holders(&rest, 3), [1, 2]);
        assert!(Role::default().holds(1, 3).is_err());
        let both = Role {
            first: Some(1),
            last: Some(1),
            ..Default::default()
        };
        assert!(both.holds(1, 3).is_err());
    }

    #[test]
    fn duration_pattern() {
        let re = regex::Regex::new(DURATION_PATTERN).unwrap();
        for ok in ["10s", "1m30s", "500ms", "1h"] {
            assert!(re.is_match(ok), "{ok}");
        }
        for bad in ["10", "s", "ten seconds"] {
            assert!(!re.is_match(bad), "{bad}");
        }
    }
}
