//! The Compose specification as typed Rust: what Docker Compose v2.40.3 (compose-go v2.9.1)
//! accepts in a compose file, after interpolation.
//!
//! Every type derives `Serialize`/`Deserialize` (a compose document round-trips through the
//! model, `x-` extensions included) and `JsonSchema`: `schema/compose.schema.json` is generated
//! from these types by [`super::validate::compose_schema`], and doc comments become the schema's
//! descriptions (editors show them on hover; validation errors use them as help lines).
//!
//! Conventions, all following what Compose itself accepts:
//! - Numbers, booleans and sizes may also be written as strings, because any value can come from
//!   `${VARIABLE}` interpolation ([`IntOrString`], [`NumberOrString`], [`BoolOrString`]).
//! - Durations (`1m30s`) are strings; sizes (`512m`, `2g`) are strings or integers.
//! - Unknown keys are errors, except `x-` keys where the specification allows extensions
//!   ([`Extensions`]).
//! - `null` is accepted only where Compose accepts it (`environment: {A: }`, `volumes: {data: }`,
//!   `networks: {default: }`, `command: `, ...). An optional field is optional by omission.
//! - Lists that Compose de-duplicates before validating (`environment`, `ports`, `volumes`,
//!   `cap_add`, `labels`, ...) accept repeated entries; the others reject them like Compose does.

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Number, Value, json};

use crate::schema::NULLABLE;

/// Names of services, volumes, secrets, configs, networks and models.
pub const NAME_PATTERN: &str = "^[a-zA-Z0-9._-]+$";

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/// `x-` extension keys: free-form data that Compose ignores (often used with YAML anchors).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Extensions(pub IndexMap<String, Value>);

impl<'de> Deserialize<'de> for Extensions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = IndexMap::<String, Value>::deserialize(deserializer)?;
        if let Some(key) = map.keys().find(|k| !k.starts_with("x-")) {
            return Err(serde::de::Error::custom(format!(
                "unknown field `{key}` (only `x-` extension keys are free-form)"
            )));
        }
        Ok(Extensions(map))
    }
}

impl JsonSchema for Extensions {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Extensions".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "object", "patternProperties": { "^x-": {} } })
    }
}

/// A mapping keyed by names (`^[a-zA-Z0-9._-]+$`). With `STRICT`, other keys are errors; without,
/// they only need a mapping (or empty) value (Compose's schema leaves `networks` and `models`
/// open that way).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Named<T, const STRICT: bool = true>(pub IndexMap<String, T>);

impl<T, const STRICT: bool> Default for Named<T, STRICT> {
    fn default() -> Self {
        Named(IndexMap::new())
    }
}

impl<T, const STRICT: bool> Deref for Named<T, STRICT> {
    type Target = IndexMap<String, T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T, const STRICT: bool> DerefMut for Named<T, STRICT> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<T: JsonSchema, const STRICT: bool> JsonSchema for Named<T, STRICT> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Named_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<T>();
        let mut schema = json_schema!({
            "type": "object",
            "patternProperties": { NAME_PATTERN: value },
        });
        // Compose's schema leaves names outside the pattern unchecked, but it still reads their
        // values as mappings (and crashes on anything else).
        let other = if STRICT {
            false.into()
        } else {
            json!({ "type": ["object", "null"], NULLABLE: true })
        };
        schema.insert("additionalProperties".into(), other);
        schema
    }
}

macro_rules! scalar_union {
    ($(#[$doc:meta])* $name:ident, [$($ty:literal),+], { $($variant:ident($inner:ty)),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(untagged)]
        pub enum $name {
            $(
                #[allow(missing_docs)]
                $variant($inner),
            )+
        }

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": [$($ty),+] })
            }
        }
    };
}

scalar_union!(
    /// A boolean, or a string such as `"true"` or `${FLAG}`.
    BoolOrString, ["boolean", "string"], { Bool(bool), String(String) }
);
scalar_union!(
    /// An integer, or a string such as `"3"` or `${COUNT}`.
    IntOrString, ["integer", "string"], { Int(i64), String(String) }
);
scalar_union!(
    /// A number, or a string such as `"0.5"`, `512m` or `${VALUE}`.
    NumberOrString, ["number", "string"], { Number(Number), String(String) }
);
scalar_union!(
    /// A string, number or boolean.
    Scalar, ["string", "number", "boolean"], { Bool(bool), Number(Number), String(String) }
);

/// A scalar value that may also be empty (`KEY:` with nothing after it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NullableScalar(pub Option<Scalar>);

impl JsonSchema for NullableScalar {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "NullableScalar".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean", "null"], NULLABLE: true })
    }
}

/// Inline the schema of the struct `T` (an object schema) and widen its type to also accept the
/// scalar `types`: Compose's "short syntax or long syntax" values. Object keywords only apply to
/// objects, so this is the same as a `oneOf` of the alternatives, with clearer errors.
fn or_object<T: JsonSchema>(
    generator: &mut SchemaGenerator,
    types: &[&str],
    description: &str,
) -> Schema {
    let mut schema = T::json_schema(generator);
    schema.insert("description".into(), description.into());
    let mut all: Vec<Value> = types.iter().map(|t| Value::from(*t)).collect();
    all.push("object".into());
    schema.insert("type".into(), Value::Array(all));
    schema
}

/// Strings, at most once each.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UniqueStrings(pub Vec<String>);

impl JsonSchema for UniqueStrings {
    fn schema_name() -> Cow<'static, str> {
        "UniqueStrings".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A list of strings, each at most once.",
            "type": "array",
            "items": { "type": "string" },
            "uniqueItems": true
        })
    }
}

/// One string or a list of strings. Repeated entries are merged by Compose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StringOrList {
    /// One string.
    String(String),
    /// A list.
    List(Vec<String>),
}

impl JsonSchema for StringOrList {
    fn schema_name() -> Cow<'static, str> {
        "StringOrList".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A string, or a list of strings.",
            "type": ["string", "array"],
            "items": { "type": "string" }
        })
    }
}

/// One string or a list of distinct strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StringOrUniqueList {
    /// One string.
    String(String),
    /// A list.
    List(Vec<String>),
}

impl JsonSchema for StringOrUniqueList {
    fn schema_name() -> Cow<'static, str> {
        "StringOrUniqueList".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A string, or a list of strings, each at most once.",
            "type": ["string", "array"],
            "items": { "type": "string" },
            "uniqueItems": true
        })
    }
}

/// `KEY: value` pairs written as a mapping or as a list of `KEY=value` strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ListOrDict {
    /// `KEY: value` (the value may be empty).
    Map(IndexMap<String, NullableScalar>),
    /// `KEY=value` strings (`KEY` alone means "no value").
    List(Vec<String>),
}

fn list_or_dict_schema(unique: bool, description: &str) -> Schema {
    let mut schema = json_schema!({
        "description": description,
        "type": ["object", "array"],
        "patternProperties": {
            ".+": { "type": ["string", "number", "boolean", "null"], NULLABLE: true }
        },
        "additionalProperties": false,
        "items": { "type": "string" },
    });
    if unique {
        schema.insert("uniqueItems".into(), true.into());
    }
    schema
}

impl JsonSchema for ListOrDict {
    fn schema_name() -> Cow<'static, str> {
        "ListOrDict".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        list_or_dict_schema(
            false,
            "A mapping of KEY: value (string, number, boolean or empty), or a list of KEY=value \
             strings. In the list form a repeated KEY replaces the earlier one.",
        )
    }
}

/// Like [`ListOrDict`], but Compose rejects repeated entries in the list form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UniqueListOrDict {
    /// `KEY: value` (the value may be empty).
    Map(IndexMap<String, NullableScalar>),
    /// `KEY=value` strings, each at most once.
    List(Vec<String>),
}

impl JsonSchema for UniqueListOrDict {
    fn schema_name() -> Cow<'static, str> {
        "UniqueListOrDict".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        list_or_dict_schema(
            true,
            "A mapping of KEY: value (string, number, boolean or empty), or a list of distinct \
             KEY=value strings.",
        )
    }
}

/// Driver options: `name: value` with string or number values.
pub type DriverOpts = IndexMap<String, NumberOrString>;

/// Marks `external: true` resources: created outside of Compose, never created or removed by it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum External {
    /// `true` or `false` (or a string that reads as one).
    Flag(BoolOrString),
    /// Legacy form with the resource's name.
    Config(ExternalConfig),
}

impl JsonSchema for External {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "External".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        or_object::<ExternalConfig>(
            generator,
            &["boolean", "string"],
            "`true` if the resource exists already (Compose neither creates nor removes it); the legacy mapping form names it.",
        )
    }
}

/// Legacy `external: {name: ...}` form; prefer `external: true` with `name:`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct ExternalConfig {
    /// Name of the existing resource. Deprecated: use the resource's `name` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("deprecated" = true))]
    pub name: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// `external` of secrets and configs: as for volumes and networks, but the legacy mapping form
/// accepts any keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LooseExternal {
    /// `true` or `false` (or a string that reads as one).
    Flag(BoolOrString),
    /// Legacy form with the resource's name.
    Config(IndexMap<String, Value>),
}

impl JsonSchema for LooseExternal {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "LooseExternal".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["boolean", "string", "object"],
            "properties": {
                "name": {
                    "description": "Name of the existing resource. Deprecated: use the resource's `name` instead.",
                    "type": "string",
                    "deprecated": true
                }
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------------------------

/// A Compose file: the services, networks, volumes, secrets, configs and models of an application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct ComposeFile {
    /// Obsolete: ignored by Compose v2, which warns about it. Remove it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("deprecated" = true))]
    pub version: Option<String>,
    /// Project name, used unless one is given on the command line (`-p`) or in
    /// `COMPOSE_PROJECT_NAME`. Compose lowercases it and keeps only letters, digits, `-` and `_`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Other Compose files to include as sub-projects, each with its own directory and `.env`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<Include>>,
    /// The services: one container definition each, keyed by service name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Named<Service>>,
    /// AI models run by Docker Model Runner, keyed by name; services use them with `models:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<Named<Model, false>>,
    /// Networks that services join, keyed by name. An empty entry (`name:`) uses the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks: Option<Named<Option<Network>, false>>,
    /// Named volumes that services mount, keyed by name. An empty entry (`name:`) uses the
    /// defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<Named<Option<Volume>>>,
    /// Secrets that services can read (mounted under `/run/secrets`), keyed by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Named<Secret>>,
    /// Configuration files that services can mount, keyed by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configs: Option<Named<Config>>,
    /// `x-` extensions: free-form, ignored by Compose, handy as YAML anchors.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A Compose file to include: its path, or a mapping with path, env files and project directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Include {
    /// Path of the Compose file.
    Path(String),
    /// Long form.
    Config(IncludeConfig),
}

impl JsonSchema for Include {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Include".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        or_object::<IncludeConfig>(
            generator,
            &["string"],
            "A Compose file to include: its path, or a mapping with `path`, `env_file` and `project_directory`.",
        )
    }
}

/// Long form of an `include` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncludeConfig {
    /// The Compose file(s) to include; several files are merged like repeated `-f` options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<StringOrUniqueList>,
    /// Environment file(s) used to interpolate the included files (default: its `.env`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_file: Option<StringOrUniqueList>,
    /// Directory that relative paths in the included files are resolved from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_directory: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------

/// A service: how to run one kind of container (image or build, command, environment, ports,
/// volumes, networks, resources, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Service {
    /// Annotations (OCI metadata) to set on the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<ListOrDict>,
    /// Whether `docker compose up` attaches to this service's output (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<BoolOrString>,
    /// Build the image from sources: the build context (path or URL), or a mapping of build
    /// options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    /// Block IO limits and weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blkio_config: Option<BlkioConfig>,
    /// Linux capabilities to add, e.g. `NET_ADMIN` or `SYS_PTRACE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_add: Option<Vec<String>>,
    /// Linux capabilities to drop, e.g. `ALL` or `NET_RAW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_drop: Option<Vec<String>>,
    /// Cgroup namespace: `host` or `private`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup: Option<CgroupMode>,
    /// Parent cgroup of the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup_parent: Option<String>,
    /// Command to run, overriding the image's `CMD`: a string (split like a shell would) or a
    /// list (exec form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Command>,
    /// Configs (from the top-level `configs`) to mount into the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configs: Option<Vec<ServiceFileRef>>,
    /// Container name instead of the generated `<project>-<service>-<n>`. Container names are
    /// unique, so the service cannot be scaled beyond one replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"[a-zA-Z0-9][a-zA-Z0-9_.-]+"))]
    pub container_name: Option<String>,
    /// Number of usable CPUs (Windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub cpu_count: Option<IntOrString>,
    /// Usable percentage of the CPUs (Windows), 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub cpu_percent: Option<IntOrString>,
    /// CPU shares: the container's relative CPU weight (default 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_shares: Option<NumberOrString>,
    /// CPU CFS quota in microseconds per `cpu_period`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_quota: Option<NumberOrString>,
    /// CPU CFS period in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_period: Option<NumberOrString>,
    /// CPU real-time period in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_rt_period: Option<NumberOrString>,
    /// CPU real-time runtime in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_rt_runtime: Option<NumberOrString>,
    /// Number of CPUs the container may use, e.g. `0.5` or `2`. Must equal
    /// `deploy.resources.limits.cpus` when both are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<NumberOrString>,
    /// CPUs the container may run on, e.g. `0-3` or `0,1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpuset: Option<String>,
    /// Credential spec for a managed service account (Windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_spec: Option<CredentialSpec>,
    /// Services to start before this one: a list of service names, or a mapping of service name
    /// to the condition to wait for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<DependsOn>,
    /// Rules for the cgroup allowed-devices list, e.g. `c 1:3 mr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_cgroup_rules: Option<UniqueStrings>,
    /// Host devices to map into the container: `HOST[:CONTAINER[:PERMISSIONS]]` or a mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<DeviceMapping>>,
    /// Development workflow settings (`docker compose watch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub develop: Option<Development>,
    /// Deployment settings: replicas, resources, restart policy, placement, update strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deployment>,
    /// DNS servers of the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<StringOrList>,
    /// Options for the container's DNS resolver (`resolv.conf` options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_opt: Option<Vec<String>>,
    /// DNS search domains of the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_search: Option<StringOrList>,
    /// Domain name of the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domainname: Option<String>,
    /// Entrypoint, overriding the image's `ENTRYPOINT`: a string or a list (exec form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Command>,
    /// Files of `KEY=value` lines to add to the environment: a path, or a list of paths or
    /// `{path, required, format}` mappings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_file: Option<EnvFile>,
    /// Environment variables: a mapping of `NAME: value` or a list of `NAME=value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<ListOrDict>,
    /// Ports the container exposes to other services, without publishing them on the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose: Option<Vec<NumberOrString>>,
    /// Inherit the configuration of another service, in this file or another one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<Extends>,
    /// Links to containers started outside this project: `CONTAINER[:ALIAS]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_links: Option<UniqueStrings>,
    /// Extra `/etc/hosts` entries: a mapping of host name to IP address(es) or a list of
    /// `HOST:IP` / `HOST=IP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_hosts: Option<ExtraHosts>,
    /// GPUs to use: `all`, or a list of device requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<Gpus>,
    /// Additional groups (names or ids) of the container's user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<UniqueNumbersOrStrings>")]
    pub group_add: Option<Vec<NumberOrString>>,
    /// Health check of the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    /// Host name of the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Image to run: `name[:tag]`, `name@digest` or an image id. With `build`, the name of the
    /// built image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Run an init process (PID 1) that forwards signals and reaps zombies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<BoolOrString>,
    /// IPC namespace: `host`, `private`, `shareable`, `service:NAME` or `container:NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipc: Option<String>,
    /// Container isolation technology (platform specific).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolation: Option<String>,
    /// Files of Docker labels to set on the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_file: Option<LabelFile>,
    /// Labels (metadata) of the container: a mapping or a list of `NAME=value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<ListOrDict>,
    /// Legacy links to containers of other services: `SERVICE[:ALIAS]`. Prefer networks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<String>>,
    /// Logging driver and options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    /// MAC address of the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
    /// Memory limit: bytes, or a size such as `512m` or `2g`. Must equal
    /// `deploy.resources.limits.memory` when both are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_limit: Option<NumberOrString>,
    /// Memory soft limit: bytes, or a size such as `256m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_reservation: Option<IntOrString>,
    /// Swappiness of the container's memory, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_swappiness: Option<IntOrString>,
    /// Memory plus swap limit: bytes or a size; `-1` for unlimited swap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memswap_limit: Option<NumberOrString>,
    /// AI models (from the top-level `models`) the service uses: a list of names, or a mapping
    /// with the environment variables that receive the endpoint and model name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<ServiceModels>,
    /// Network mode: `bridge`, `host`, `none`, `service:NAME` or `container:NAME`. Excludes
    /// `networks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    /// Networks (from the top-level `networks`, or `default`) to join: a list of names, or a
    /// mapping with per-network settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks: Option<ServiceNetworks>,
    /// Disable the OOM killer for the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oom_kill_disable: Option<BoolOrString>,
    /// OOM score adjustment, -1000 to 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -1000, max = 1000))]
    pub oom_score_adj: Option<IntOrString>,
    /// PID namespace: `host`, `service:NAME` or `container:NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-composegen-nullable" = true))]
    pub pid: Option<String>,
    /// Maximum number of processes in the container; `-1` for unlimited. Must equal
    /// `deploy.resources.limits.pids` when both are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids_limit: Option<NumberOrString>,
    /// Platform to run, e.g. `linux/amd64` or `linux/arm64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Ports to publish: `[[IP:]HOST:]CONTAINER[/PROTOCOL]` strings, container port numbers, or
    /// mappings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<Port>>,
    /// Commands run in the container right after it starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_start: Option<Vec<ServiceHook>>,
    /// Commands run in the container before it is stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_stop: Option<Vec<ServiceHook>>,
    /// Run the container with extended privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<BoolOrString>,
    /// Profiles the service belongs to: it only starts when one of them is enabled
    /// (`--profile`). Services without profiles always start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiles: Option<Vec<String>>,
    /// Delegate the service's lifecycle to an external provider instead of a container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// When to pull the image: `always`, `never`, `missing`, `build`, `daily`, `weekly` or
    /// `every_<duration>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(
        pattern = r"always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+"
    ))]
    pub pull_policy: Option<String>,
    /// How long after the last pull `pull_policy: refresh` pulls again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_refresh_after: Option<String>,
    /// Mount the container's root filesystem read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<BoolOrString>,
    /// Restart policy: `no`, `always`, `on-failure[:MAX]` or `unless-stopped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    /// Container runtime, e.g. `runc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Number of containers to run. Must equal `deploy.replicas` when both are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<IntOrString>,
    /// Secrets (from the top-level `secrets`) to mount under `/run/secrets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<ServiceFileRef>>,
    /// Security options, e.g. `no-new-privileges:true` or `seccomp:unconfined`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_opt: Option<UniqueStrings>,
    /// Size of `/dev/shm`: bytes, or a size such as `64m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<NumberOrString>,
    /// Keep standard input open (`docker run -i`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin_open: Option<BoolOrString>,
    /// How long to wait after `stop_signal` before killing the container: a duration such as
    /// `10s` or `1m30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<String>,
    /// Signal that stops the container, e.g. `SIGTERM` or `SIGINT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    /// Storage driver options of the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_opt: Option<IndexMap<String, Value>>,
    /// Kernel parameters of the container: a mapping or a list of `NAME=value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysctls: Option<ListOrDict>,
    /// Paths to mount as tmpfs: `PATH[:OPTIONS]`, one or a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<StringOrList>,
    /// Allocate a pseudo-TTY (`docker run -t`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty: Option<BoolOrString>,
    /// Resource limits of the processes (`nofile`, `nproc`, ...): one value or `soft` and `hard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ulimits: Option<Ulimits>,
    /// Give the container access to the Docker Engine API socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_api_socket: Option<bool>,
    /// User (and group) to run as: `NAME`, `UID`, `NAME:GROUP` or `UID:GID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// User namespace mode, e.g. `host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userns_mode: Option<String>,
    /// UTS namespace mode, e.g. `host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uts: Option<String>,
    /// Mounts: `SOURCE:TARGET[:MODE]` strings (a named volume or a host path as source), or
    /// mappings with `type`, `source`, `target` and options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<Vec<ServiceVolume>>,
    /// Mount all volumes of other services or containers: `SERVICE[:ro|rw]` or
    /// `container:NAME[:ro|rw]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes_from: Option<UniqueStrings>,
    /// Working directory of the command in the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Distinct numbers or strings (schema only: `group_add`).
struct UniqueNumbersOrStrings;

impl JsonSchema for UniqueNumbersOrStrings {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "UniqueNumbersOrStrings".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "array",
            "items": { "type": ["string", "number"] },
            "uniqueItems": true
        })
    }
}

/// Cgroup namespace mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CgroupMode {
    /// The host's cgroup namespace.
    Host,
    /// A private cgroup namespace.
    Private,
}

/// A command: a string (split into words like a shell would, without running a shell) or a
/// list of words (exec form). Empty (`command:`) means the image's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Command {
    /// Shell-like form.
    String(String),
    /// Exec form.
    List(Vec<String>),
}

impl JsonSchema for Command {
    fn schema_name() -> Cow<'static, str> {
        "Command".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A command: a string (split into words like a shell would) or a list of words (exec form). Empty means the image's default.",
            "type": ["string", "array", "null"],
            "items": { "type": "string" },
            NULLABLE: true
        })
    }
}

/// How to build the image: the context path or URL, or the full build configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Build {
    /// The build context: a directory or a URL.
    Context(String),
    /// The full form.
    Config(Box<BuildConfig>),
}

impl JsonSchema for Build {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Build".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        or_object::<BuildConfig>(
            generator,
            &["string"],
            "How to build the image: the build context (a directory or URL), or a mapping of build options.",
        )
    }
}

/// Build options of a service's image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct BuildConfig {
    /// Build context: a directory (relative to the Compose file) or a Git/HTTP URL. Default `.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Dockerfile to use, relative to the context. Excludes `dockerfile_inline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    /// Dockerfile content written inline. Excludes `dockerfile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile_inline: Option<String>,
    /// Extra privileged entitlements for the build, e.g. `network.host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<Vec<String>>,
    /// Build arguments (`ARG`): a mapping or a list of `NAME=value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<ListOrDict>,
    /// SSH agent sockets or keys for the build: `default` or `ID=PATH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<UniqueListOrDict>,
    /// Labels of the built image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<ListOrDict>,
    /// Cache sources, e.g. `type=registry,ref=IMAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_from: Option<Vec<String>>,
    /// Cache destinations, e.g. `type=local,dest=DIR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_to: Option<Vec<String>>,
    /// Build without the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_cache: Option<BoolOrString>,
    /// Named additional build contexts: `NAME: PATH_OR_URL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_contexts: Option<ListOrDict>,
    /// Network for `RUN` instructions: `default`, `none`, `host` or a network name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Provenance attestation: `true`, `false` or BuildKit's `mode=...` string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<BoolOrString>,
    /// SBOM attestation: `true`, `false` or BuildKit's `generator=...` string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sbom: Option<BoolOrString>,
    /// Always pull the base images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<BoolOrString>,
    /// Build stage of a multi-stage Dockerfile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Size of `/dev/shm` during the build: bytes or a size such as `2g`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<IntOrString>,
    /// Extra `/etc/hosts` entries during the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_hosts: Option<ExtraHosts>,
    /// Isolation technology of the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolation: Option<String>,
    /// Build with extended privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<BoolOrString>,
    /// Secrets (from the top-level `secrets`) available to the build (`RUN --mount=type=secret`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<ServiceFileRef>>,
    /// Additional tags of the built image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Resource limits of the build's processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ulimits: Option<Ulimits>,
    /// Platforms to build for, e.g. `linux/amd64`; must include the service's `platform`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platforms: Option<Vec<String>>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Block IO settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlkioConfig {
    /// Read rate limits in bytes per second, per device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_read_bps: Option<Vec<BlkioLimit>>,
    /// Read rate limits in operations per second, per device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_read_iops: Option<Vec<BlkioLimit>>,
    /// Write rate limits in bytes per second, per device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_write_bps: Option<Vec<BlkioLimit>>,
    /// Write rate limits in operations per second, per device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_write_iops: Option<Vec<BlkioLimit>>,
    /// Relative block IO weight, 10 to 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<IntOrString>,
    /// Relative block IO weights per device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_device: Option<Vec<BlkioWeight>>,
}

/// A block IO rate limit of one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlkioLimit {
    /// Device path, e.g. `/dev/sda`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The rate: bytes (or a size such as `10mb`) or operations per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<IntOrString>,
}

/// A block IO weight of one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlkioWeight {
    /// Device path, e.g. `/dev/sda`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Relative weight, 10 to 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<IntOrString>,
}

/// A config or secret granted to a service: its name, or a mapping with mount settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServiceFileRef {
    /// Name of the top-level config or secret (mounted at its default path).
    Name(String),
    /// Long form.
    Config(ServiceFileRefConfig),
}

impl JsonSchema for ServiceFileRef {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "ServiceFileRef".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        or_object::<ServiceFileRefConfig>(
            generator,
            &["string"],
            "A config or secret to mount: its name, or a mapping with `source`, `target`, `uid`, `gid` and `mode`.",
        )
    }
}

/// How a config or secret is mounted into a service's containers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct ServiceFileRefConfig {
    /// Name of the config or secret in the top-level `configs` or `secrets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Path in the container (default `/<source>` for configs, `/run/secrets/<source>` for
    /// secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Owner user id of the file in the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Owner group id of the file in the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    /// Permissions of the file, e.g. `0440` (octal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<NumberOrString>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Credential spec of a managed service account (Windows).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct CredentialSpec {
    /// Name of a config (top-level `configs`) holding the credential spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// Path of a credential spec file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Credential spec in the Windows registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Dependencies of a service: a list of service names (each at most once), or a mapping of
/// service name to condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DependsOn {
    /// Service names: wait until they are started.
    List(Vec<String>),
    /// Service name to condition.
    Map(IndexMap<String, Dependency>),
}

impl JsonSchema for DependsOn {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "DependsOn".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let dependency = generator.subschema_for::<Dependency>();
        json_schema!({
            "type": ["array", "object"],
            "items": { "type": "string" },
            "uniqueItems": true,
            "patternProperties": { NAME_PATTERN: dependency },
            "additionalProperties": false
        })
    }
}

/// A dependency on another service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Dependency {
    /// What to wait for: `service_started`, `service_healthy` (its healthcheck passes) or
    /// `service_completed_successfully` (it exited with status 0).
    pub condition: DependencyCondition,
    /// Restart this service when the dependency is restarted (by a Compose operation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<BoolOrString>,
    /// When false, a missing or disabled dependency is only a warning. Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// When a dependency counts as ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DependencyCondition {
    /// The dependency's container has started.
    ServiceStarted,
    /// The dependency's healthcheck reports healthy.
    ServiceHealthy,
    /// The dependency ran to completion with exit status 0.
    ServiceCompletedSuccessfully,
}

/// A device mapping: `HOST[:CONTAINER[:PERMISSIONS]]`, a CDI name, or a mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DeviceMapping {
    /// Short form.
    String(String),
    /// Long form.
    Config(DeviceConfig),
}

impl JsonSchema for DeviceMapping {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "DeviceMapping".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        or_object::<DeviceConfig>(
            generator,
            &["string"],
            "A device: `HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]`, a CDI device name, or a mapping with `source`, `target` and `permissions`.",
        )
    }
}

/// A device mapping, long form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct DeviceConfig {
    /// Device path on the host.
    pub source: String,
    /// Device path in the container (default: the source path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Cgroup permissions: a combination of `r`, `w` and `m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Environment files: one path, or a list of paths or `{path, required, format}` mappings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EnvFile {
    /// One path.
    Path(String),
    /// Several files.
    List(Vec<EnvFileEntry>),
}

impl JsonSchema for EnvFile {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "EnvFile".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let item = or_object::<EnvFileConfig>(
            generator,
            &["string"],
            "An environment file: its path, or a mapping with `path`, `required` and `format`.",
        );
        json_schema!({ "type": ["string", "array"], "items": item })
    }
}

/// One environment file: its path, or a mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EnvFileEntry {
    /// Path of a required file.
    Path(String),
    /// Long form.
    Config(EnvFileConfig),
}

/// An environment file, long form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvFileConfig {
    /// Path of the file, relative to the Compose file.
    pub path: String,
    /// Whether a missing file is an error (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<BoolOrString>,
    /// File format: `raw` reads values literally, without interpolation or quote handling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// Label files: one path or a list of paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LabelFile {
    /// One path.
    Path(String),
    /// Several paths.
    List(Vec<String>),
}

impl JsonSchema for LabelFile {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "LabelFile".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "array"], "items": { "type": "string" } })
    }
}

/// The service to extend: its name (in this file) or a mapping with `service` and `file`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Extends {
    /// Name of a service of this file.
    Service(String),
    /// Long form.
    Config(ExtendsConfig),
}

impl JsonSchema for Extends {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Extends".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        or_object::<ExtendsConfig>(
            generator,
            &["string"],
            "The service to extend: its name in this file, or a mapping with `service` and `file`.",
        )
    }
}

/// The service to extend, long form. (Compose resolves `extends` before it validates the file and
/// ignores other keys here.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExtendsConfig {
    /// Name of the service to extend.
    pub service: String,
    /// File that defines it (default: this file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// Extra `/etc/hosts` entries: a mapping of host name to IP address(es), or a list of
/// `HOST:IP` / `HOST=IP` strings (each at most once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ExtraHosts {
    /// Host name to address(es).
    Map(IndexMap<String, StringOrList>),
    /// `HOST:IP` or `HOST=IP`.
    List(Vec<String>),
}

impl JsonSchema for ExtraHosts {
    fn schema_name() -> Cow<'static, str> {
        "ExtraHosts".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Extra /etc/hosts entries: a mapping of host name to IP address (or a list of addresses), or a list of HOST:IP or HOST=IP strings.",
            "type": ["object", "array"],
            "patternProperties": {
                ".+": { "type": ["string", "array"], "items": { "type": "string" } }
            },
            "additionalProperties": false,
            "items": { "type": "string" },
            "uniqueItems": true
        })
    }
}

/// GPUs: `all`, or a list of device requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Gpus {
    /// `all`.
    All(String),
    /// Device requests.
    List(Vec<GpuRequest>),
}

impl JsonSchema for Gpus {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Gpus".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let item = generator.subschema_for::<GpuRequest>();
        json_schema!({
            "anyOf": [
                { "const": "all", "description": "All GPUs." },
                { "type": "array", "items": item }
            ]
        })
    }
}

/// A request for GPU devices. (Compose does not check the keys of these entries.)
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GpuRequest {
    /// Required capabilities, e.g. `gpu`, `compute`, `utility`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<UniqueStrings>,
    /// Number of GPUs (or `all`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<IntOrString>,
    /// Ids of specific GPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_ids: Option<UniqueStrings>,
    /// Device driver, e.g. `nvidia`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Driver-specific options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<UniqueListOrDict>,
    /// Other keys (not checked by Compose).
    #[serde(flatten)]
    #[schemars(skip)]
    pub other: IndexMap<String, Value>,
}

/// Health check of a service's containers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Healthcheck {
    /// Disable the image's health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable: Option<BoolOrString>,
    /// Time between checks: a duration such as `30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Consecutive failures before the container is unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<NumberOrString>,
    /// The check: a shell command string, or a list starting with `CMD` (exec form),
    /// `CMD-SHELL` (shell form) or `NONE` (disabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<HealthcheckTest>,
    /// How long one check may run: a duration such as `10s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Start-up time during which failures do not count: a duration such as `1m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
    /// Time between checks during the start period: a duration such as `5s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A health check command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HealthcheckTest {
    /// Run with the container's default shell (like `CMD-SHELL`).
    String(String),
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`.
    List(Vec<String>),
}

impl JsonSchema for HealthcheckTest {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "HealthcheckTest".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "array"], "items": { "type": "string" } })
    }
}

/// Logging of a service's containers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Logging {
    /// Logging driver, e.g. `json-file`, `local`, `syslog` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Driver options, e.g. `max-size: 10m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<IndexMap<String, LogOption>>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A logging option value: a string, a number, or empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LogOption(pub Option<NumberOrString>);

impl JsonSchema for LogOption {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "LogOption".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "null"], NULLABLE: true })
    }
}

/// Models used by a service: a list of names, or a mapping of name to settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServiceModels {
    /// Model names.
    List(Vec<String>),
    /// Model name to settings (which may be empty).
    Map(IndexMap<String, Option<ServiceModel>>),
}

impl JsonSchema for ServiceModels {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "ServiceModels".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let model = generator.subschema_for::<ServiceModel>();
        json_schema!({
            "type": ["array", "object"],
            "items": { "type": "string" },
            "uniqueItems": true,
            "patternProperties": { NAME_PATTERN: model }
        })
    }
}

/// How a service receives a model's coordinates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false, "type" = ["object", "null"], "x-composegen-nullable" = true))]
pub struct ServiceModel {
    /// Environment variable that receives the model's endpoint URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_var: Option<String>,
    /// Environment variable that receives the model's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_var: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Networks of a service: a list of names (each at most once), or a mapping of name to
/// settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServiceNetworks {
    /// Network names.
    List(Vec<String>),
    /// Network name to settings (which may be empty).
    Map(IndexMap<String, Option<ServiceNetwork>>),
}

impl JsonSchema for ServiceNetworks {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "ServiceNetworks".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let network = generator.subschema_for::<ServiceNetwork>();
        json_schema!({
            "type": ["array", "object"],
            "items": { "type": "string" },
            "uniqueItems": true,
            "patternProperties": { NAME_PATTERN: network },
            "additionalProperties": false
        })
    }
}

/// A service's settings on one network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false, "type" = ["object", "null"], "x-composegen-nullable" = true))]
pub struct ServiceNetwork {
    /// Other host names of the service on this network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<String>>,
    /// Name of the network interface in the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface_name: Option<String>,
    /// Static IPv4 address (the network needs an IPAM subnet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
    /// Static IPv6 address (the network needs an IPAM subnet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<String>,
    /// Link-local IP addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_local_ips: Option<Vec<String>>,
    /// MAC address on this network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
    /// Driver options of the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_opts: Option<DriverOpts>,
    /// Order in which networks are connected (highest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Number>,
    /// Which network provides the default gateway (highest wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gw_priority: Option<Number>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A published port: `[[IP:]HOST:]CONTAINER[/PROTOCOL]` (ranges allowed), a container port
/// number, or a mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Port {
    /// A container port.
    Number(Number),
    /// Short syntax.
    String(String),
    /// Long syntax.
    Config(Box<PortConfig>),
}

impl JsonSchema for Port {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Port".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        or_object::<PortConfig>(
            generator,
            &["number", "string"],
            "A published port: `[[IP:]HOST_PORT:]CONTAINER_PORT[/PROTOCOL]` (ports may be ranges), a container port number, or a mapping with `target`, `published`, `host_ip`, `protocol`, `mode`, ...",
        )
    }
}

/// A published port, long syntax.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct PortConfig {
    /// A name for the port (documentation, and `docker compose port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `host` (publish on each node) or `ingress` (load-balanced, Swarm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Host address to bind, e.g. `127.0.0.1` (default: all addresses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    /// Port in the container (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<IntOrString>,
    /// Port (or range `START-END`) on the host; random when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<IntOrString>,
    /// `tcp` (default) or `udp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Application protocol, e.g. `http` (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A lifecycle hook: a command run in the service's container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct ServiceHook {
    /// The command: a string or a list (exec form).
    pub command: Command,
    /// User to run it as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Run it with extended privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<BoolOrString>,
    /// Working directory of the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Extra environment of the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<UniqueListOrDict>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// An external provider that manages a service instead of a container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Provider {
    /// The provider: a Docker CLI plugin or binary, e.g. `model`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Provider-specific options: scalars or lists of scalars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<IndexMap<String, ProviderOption>>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A provider option: a scalar or a list of scalars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ProviderOption {
    /// One value.
    Scalar(Scalar),
    /// Several values.
    List(Vec<Scalar>),
}

impl JsonSchema for ProviderOption {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "ProviderOption".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number", "boolean", "array"],
            "items": { "type": ["string", "number", "boolean"] }
        })
    }
}

/// Resource limits of processes (`ulimit`), keyed by lowercase name (`nofile`, `nproc`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ulimits(pub IndexMap<String, Ulimit>);

impl JsonSchema for Ulimits {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Ulimits".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let ulimit = or_object::<UlimitConfig>(
            generator,
            &["integer", "string"],
            "A limit: one value for both soft and hard limits, or a mapping with `soft` and `hard`.",
        );
        // Compose's schema only describes lowercase names; other names are not rejected, but
        // their values are still decoded as limits.
        json_schema!({
            "type": "object",
            "patternProperties": { "^[a-z]+$": ulimit },
            "additionalProperties": {
                "type": ["integer", "string", "object"],
                "properties": {
                    "soft": { "type": ["integer", "string"] },
                    "hard": { "type": ["integer", "string"] }
                }
            }
        })
    }
}

/// A limit: one value for both soft and hard limits, or both given separately.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Ulimit {
    /// Soft and hard limit.
    Single(IntOrString),
    /// Separate limits.
    Config(UlimitConfig),
}

/// Separate soft and hard limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct UlimitConfig {
    /// The limit in force.
    pub soft: IntOrString,
    /// The ceiling up to which the soft limit may be raised.
    pub hard: IntOrString,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A mount: `SOURCE:TARGET[:MODE]` (a named volume or a host path as source; `TARGET` alone is
/// an anonymous volume), or a mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServiceVolume {
    /// Short syntax.
    String(String),
    /// Long syntax.
    Config(Box<VolumeMount>),
}

impl JsonSchema for ServiceVolume {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "ServiceVolume".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        or_object::<VolumeMount>(
            generator,
            &["string"],
            "A mount: `SOURCE:TARGET[:MODE]` (a volume name or host path as source; `TARGET` alone is an anonymous volume), or a mapping with `type`, `source`, `target` and options.",
        )
    }
}

/// A mount, long syntax.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct VolumeMount {
    /// Kind of mount: `volume`, `bind`, `tmpfs`, `image`, `npipe` or `cluster`.
    #[serde(rename = "type")]
    pub kind: MountType,
    /// What to mount: a volume name (top-level `volumes`), a host path, or an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Path in the container (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Mount read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<BoolOrString>,
    /// Consistency requirements: `consistent`, `cached` or `delegated` (Docker Desktop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistency: Option<String>,
    /// Options of `bind` mounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<BindOptions>,
    /// Options of `volume` mounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeOptions>,
    /// Options of `tmpfs` mounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<TmpfsOptions>,
    /// Options of `image` mounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageOptions>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Kind of mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MountType {
    /// A host path.
    Bind,
    /// A named or anonymous volume.
    Volume,
    /// A temporary in-memory filesystem.
    Tmpfs,
    /// A cluster volume (Swarm).
    Cluster,
    /// A Windows named pipe.
    Npipe,
    /// The content of an image.
    Image,
}

/// Options of a bind mount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct BindOptions {
    /// Mount propagation: `rprivate`, `private`, `rshared`, `shared`, `rslave` or `slave`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagation: Option<String>,
    /// Create the host path when it does not exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_host_path: Option<BoolOrString>,
    /// Recursive mounts: `enabled`, `disabled`, `writable` or `readonly`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recursive: Option<BindRecursive>,
    /// SELinux relabeling: `z` (shared) or `Z` (private).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selinux: Option<SeLinuxLabel>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Recursive bind mount mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BindRecursive {
    /// Submounts are mounted too, read-only if the mount is.
    Enabled,
    /// Submounts are not mounted.
    Disabled,
    /// Submounts are mounted writable even if the mount is read-only.
    Writable,
    /// Submounts are mounted read-only.
    Readonly,
}

/// SELinux relabeling of a bind mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SeLinuxLabel {
    /// Shared between containers.
    #[serde(rename = "z")]
    Shared,
    /// Private to this container.
    #[serde(rename = "Z")]
    Private,
}

/// Options of a volume mount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct VolumeOptions {
    /// Labels of the volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<UniqueListOrDict>,
    /// Do not copy the image's content at the target into a new volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nocopy: Option<BoolOrString>,
    /// Mount only this sub-directory of the volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subpath: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Options of a tmpfs mount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct TmpfsOptions {
    /// Size: bytes, or a size such as `64m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub size: Option<IntOrString>,
    /// File mode of the mount, e.g. `1777` (octal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<NumberOrString>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Options of an image mount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct ImageOptions {
    /// Mount only this path of the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subpath: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

// ---------------------------------------------------------------------------------------------
// develop and deploy
// ---------------------------------------------------------------------------------------------

/// Development workflow settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false, "type" = ["object", "null"], "x-composegen-nullable" = true))]
pub struct Development {
    /// Rules of `docker compose watch`: which paths to watch and what to do on change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<Vec<WatchRule>>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// What `docker compose watch` does when files change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct WatchRule {
    /// Path to watch, relative to the Compose file.
    pub path: String,
    /// What to do: `rebuild`, `sync`, `restart`, `sync+restart` or `sync+exec`.
    pub action: WatchAction,
    /// Path in the container that changes are synced to (required except for `rebuild`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Patterns (relative to `path`) to ignore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<StringOrUniqueList>,
    /// Patterns (relative to `path`) to watch; everything when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<StringOrUniqueList>,
    /// Command run in the container after a sync (`sync+exec`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ServiceHook>,
    /// Sync everything once when watching starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_sync: Option<bool>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A `watch` action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum WatchAction {
    /// Rebuild the image and recreate the container.
    #[serde(rename = "rebuild")]
    Rebuild,
    /// Copy changed files into the container.
    #[serde(rename = "sync")]
    Sync,
    /// Restart the container.
    #[serde(rename = "restart")]
    Restart,
    /// Copy changed files, then restart the container.
    #[serde(rename = "sync+restart")]
    SyncRestart,
    /// Copy changed files, then run `exec` in the container.
    #[serde(rename = "sync+exec")]
    SyncExec,
}

/// Deployment settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false, "type" = ["object", "null"], "x-composegen-nullable" = true))]
pub struct Deployment {
    /// `replicated` (default) or `global` (one container per node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Service discovery: `vip` (virtual IP, default) or `dnsrr` (DNS round-robin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_mode: Option<String>,
    /// Number of containers. Must equal `scale` when both are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<IntOrString>,
    /// Labels of the service (not of its containers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<ListOrDict>,
    /// How to roll back a failed update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    /// How to update the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    /// Resource limits and reservations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// When and how to restart containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    /// Constraints and preferences for the nodes that run the containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// How updates (or rollbacks) are rolled out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct UpdateConfig {
    /// Containers changed at a time (0: all at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<IntOrString>,
    /// Wait between groups of containers: a duration such as `10s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
    /// On failure: `continue`, `pause` or (updates only) `rollback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_action: Option<String>,
    /// How long to watch each changed container for failure: a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<String>,
    /// Tolerated failure rate, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failure_ratio: Option<NumberOrString>,
    /// `stop-first` (default) or `start-first`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<UpdateOrder>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Order of operations when replacing a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateOrder {
    /// Start the new container before stopping the old one.
    StartFirst,
    /// Stop the old container before starting the new one.
    StopFirst,
}

/// Resource limits and reservations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Resources {
    /// Upper bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceLimits>,
    /// Guaranteed resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservations: Option<ResourceReservations>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Resource limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct ResourceLimits {
    /// CPUs, e.g. `0.5` or `"2"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<NumberOrString>,
    /// Memory, e.g. `512m` or `2g` (a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Maximum number of processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids: Option<IntOrString>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Resource reservations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct ResourceReservations {
    /// CPUs, e.g. `0.25`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<NumberOrString>,
    /// Memory, e.g. `256m` (a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// User-defined resources (Swarm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generic_resources: Option<Vec<GenericResource>>,
    /// Devices (GPUs, ...) to reserve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<DeviceRequest>>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A user-defined resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct GenericResource {
    /// A countable resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discrete_resource_spec: Option<DiscreteResourceSpec>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A countable resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct DiscreteResourceSpec {
    /// Kind of resource, e.g. `GPU`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// How many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<NumberOrString>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A device reservation, e.g. GPUs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct DeviceRequest {
    /// Required capabilities, e.g. `gpu` (required).
    pub capabilities: UniqueStrings,
    /// Number of devices, or `all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<IntOrString>,
    /// Ids of specific devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_ids: Option<UniqueStrings>,
    /// Device driver, e.g. `nvidia`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Driver-specific options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<UniqueListOrDict>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Restart policy (Swarm; `docker compose` uses `restart`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct RestartPolicy {
    /// `none`, `on-failure` or `any` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Wait between restart attempts: a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
    /// Restart attempts before giving up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<IntOrString>,
    /// How long to wait before deciding a restart succeeded: a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// Where containers may run (Swarm).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Placement {
    /// Node constraints, e.g. `node.role==manager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<Vec<String>>,
    /// Spread preferences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferences: Option<Vec<PlacementPreference>>,
    /// Maximum replicas per node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replicas_per_node: Option<IntOrString>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A placement preference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct PlacementPreference {
    /// Spread containers evenly over the values of this node label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

// ---------------------------------------------------------------------------------------------
// Top-level resources
// ---------------------------------------------------------------------------------------------

/// A network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false, "type" = ["object", "null"], "x-composegen-nullable" = true))]
pub struct Network {
    /// Actual name of the network (default `<project>_<key>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Network driver, e.g. `bridge` (default), `overlay`, `macvlan`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Driver options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_opts: Option<DriverOpts>,
    /// IP address management: driver, subnets, gateways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipam: Option<Ipam>,
    /// The network exists already; Compose neither creates nor removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
    /// Isolate the network from the outside world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<BoolOrString>,
    /// Enable IPv4 (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_ipv4: Option<BoolOrString>,
    /// Enable IPv6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_ipv6: Option<BoolOrString>,
    /// Standalone containers may attach to the network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachable: Option<BoolOrString>,
    /// Labels of the network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<ListOrDict>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// IP address management of a network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Ipam {
    /// IPAM driver (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Address pools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Vec<IpamConfig>>,
    /// IPAM driver options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<IndexMap<String, String>>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// An address pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct IpamConfig {
    /// Subnet in CIDR notation, e.g. `172.28.0.0/16`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    /// Range (CIDR) that container addresses are allocated from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_range: Option<String>,
    /// Gateway address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// Addresses reserved for the driver: `NAME: IP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aux_addresses: Option<IndexMap<String, String>>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A named volume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false, "type" = ["object", "null"], "x-composegen-nullable" = true))]
pub struct Volume {
    /// Actual name of the volume (default `<project>_<key>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Volume driver (default `local`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Driver options, e.g. `type`, `device`, `o` of the `local` driver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_opts: Option<DriverOpts>,
    /// The volume exists already; Compose neither creates nor removes it. Only `name` may be set
    /// besides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
    /// Labels of the volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<UniqueListOrDict>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A secret: from a file, from an environment variable, or external.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Secret {
    /// Actual name of the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Environment variable (of the Compose process) holding the value. Excludes `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// File holding the value, relative to the Compose file. Excludes `environment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The secret exists already (Swarm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<LooseExternal>,
    /// Labels of the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<UniqueListOrDict>,
    /// Secret driver (Swarm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Secret driver options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_opts: Option<DriverOpts>,
    /// Template driver of the value, e.g. `golang`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_driver: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A config: from a file, inline content, an environment variable, or external.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Config {
    /// Actual name of the config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The content, inline (interpolated). Excludes `file` and `environment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Environment variable holding the content. Excludes `file` and `content`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// File holding the content, relative to the Compose file. Excludes `content` and
    /// `environment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The config exists already (Swarm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<LooseExternal>,
    /// Labels of the config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<UniqueListOrDict>,
    /// Template driver of the content, e.g. `golang`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_driver: Option<String>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// An AI model run by Docker Model Runner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Model {
    /// Name of the model in the runner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The model to run: an OCI artifact reference such as `ai/smollm2`.
    pub model: String,
    /// Context window size in tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_size: Option<i64>,
    /// Raw flags for the inference engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_flags: Option<Vec<String>>,
    /// `x-` extensions.
    #[serde(flatten)]
    pub extensions: Extensions,
}
