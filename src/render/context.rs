//! Resolution: a validated profile becomes the render context, where every value is final
//! (instances expanded, addresses allocated, heaps computed, secrets turned into
//! `${VAR:?…}` references, `$` escaped for Compose). Templates only lay it out.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use indexmap::IndexMap;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::profile::model::{
    Arg, Condition, Count, EnvValue, KnobValue, Logging, Members, Mount, Port, Profile, Protocol,
    Resources, Restart, RolesValue, Service,
};
use crate::profile::semantics::parse_cidr;

/// Everything a render produces, before templates run.
#[derive(Debug, Clone, Serialize)]
pub struct Stack {
    /// Profile name.
    pub name: String,
    /// Rendered for Docker Swarm (`render --target swarm`): swarm assigns the addresses, so
    /// peers are named by hostname (`addresses` hold service names; config templates turn on
    /// hostname resolution where the software needs it, e.g. Sentinel).
    pub swarm: bool,
    /// Profile description.
    pub description: String,
    /// Effective knob values.
    pub knobs: BTreeMap<String, KnobValue>,
    /// Output compose files, the main one first.
    pub outputs: Vec<Output>,
    /// Every service of every output, by base name (for config templates).
    pub services: IndexMap<String, ServiceInfo>,
    /// Config files to render: name → (template, bundle path).
    pub files: IndexMap<String, FileInfo>,
    /// Secrets: what `.env.example` lists.
    pub secrets: Vec<SecretInfo>,
    /// What the user must provide besides the render: build contexts of services that build
    /// from source (no prebuilt image given), and starter files to replace. See
    /// `render::requirements` for the texts.
    pub requirements: Vec<Requirement>,
}

/// What a requirement asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RequirementKind {
    /// A build context directory (with its Dockerfile) that `docker compose up` builds.
    Build,
    /// A rendered file that is only a starter: replace it with your own.
    Starter,
}

/// Something the user must provide for the stack to run.
#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    /// Build context or starter file.
    pub kind: RequirementKind,
    /// The build context (relative to the compose file) or the file's path in a bundle.
    pub path: String,
    /// Services (containers' service names) that need it, in render order.
    pub services: Vec<String>,
    /// Dockerfile inside the context, when not `Dockerfile` (builds).
    pub dockerfile: Option<String>,
    /// The feature group all of these services belong to: needed only with `--profile GROUP`.
    pub group: Option<String>,
    /// Knob that replaces the build with a prebuilt image (builds).
    pub knob: Option<String>,
    /// Where the file is mounted: (service, path in the container) (starters).
    pub mounts: Vec<(String, String)>,
    /// What the file is (starters).
    pub description: Option<String>,
}

/// A config file.
#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    /// Template name.
    pub template: String,
    /// Path in a bundle.
    pub path: String,
    /// Description.
    pub description: Option<String>,
}

/// A secret as `.env` sees it.
#[derive(Debug, Clone, Serialize)]
pub struct SecretInfo {
    /// Variable name.
    pub env: String,
    /// Description.
    pub description: String,
    /// Fixed value, when the secret is not sensitive.
    pub value: Option<String>,
    /// Random length, when it is.
    pub length: usize,
}

/// What config templates may ask about a service.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceInfo {
    /// Names of the rendered containers' services (one, or the numbered instances).
    pub names: Vec<String>,
    /// The address peers reach each instance at, per network with a fixed address (same order
    /// as `names`): the static IPv4 address, or on a swarm (which assigns addresses) the
    /// instance's service name.
    pub addresses: Vec<BTreeMap<String, String>>,
    /// Container ports it listens on (published and exposed).
    pub ports: Vec<u16>,
    /// Roles each instance holds (same order as `names`; a single instance holds every role).
    pub roles: Vec<Vec<String>>,
    /// The instances holding each role, in the order the profile declares the roles.
    pub by_role: IndexMap<String, Vec<String>>,
    /// Host ports per instance (same order as `names`): container port → published host port.
    pub host_ports: Vec<BTreeMap<u16, u16>>,
    /// Image repository, if any.
    pub image: Option<String>,
    /// Feature group, if any.
    pub group: Option<String>,
    /// Output part, if not the main file.
    pub part: Option<String>,
}

/// One compose file.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    /// `main` or the part name.
    pub key: String,
    /// File name in a bundle.
    pub file: String,
    /// Compose project name.
    pub project: String,
    /// Header comment lines.
    pub header: Vec<String>,
    /// Services in order.
    pub services: Vec<RService>,
    /// Networks used by this file.
    pub networks: Vec<RNetwork>,
    /// Named volumes used by this file.
    pub volumes: Vec<String>,
    /// Config files used by this file.
    pub configs: Vec<RConfig>,
    /// A Docker Swarm stack file (`render --target swarm`, see `render::swarm`): no project
    /// `name` (the stack is named at `docker stack deploy`).
    pub swarm: bool,
    /// Swarm secrets used by this file (files in the bundle).
    pub secrets: Vec<RConfig>,
}

/// A network declaration.
#[derive(Debug, Clone, Serialize)]
pub struct RNetwork {
    /// Key in the file.
    pub key: String,
    /// Explicit name.
    pub name: Option<String>,
    /// Declared in another output file of this stack.
    pub external: bool,
    /// Driver.
    pub driver: String,
    /// Subnet.
    pub subnet: Option<String>,
    /// Internal.
    pub internal: bool,
    /// Attachable (a swarm overlay network that `docker run --network` may join).
    pub attachable: bool,
}

/// A config declaration (`file:` in a bundle; a single-file render replaces them, see
/// `render::inline`).
#[derive(Debug, Clone, Serialize)]
pub struct RConfig {
    /// Config name.
    pub name: String,
    /// Bundle path.
    pub path: String,
}

/// The `deploy` settings only a swarm stack has (`render::swarm`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RSwarm {
    /// `placement.constraints`.
    pub placement: Vec<String>,
    /// `update_config.order`: `stop-first` or `start-first`.
    pub update_order: String,
    /// `update_config.delay`.
    pub update_delay: String,
    /// `update_config.failure_action`.
    pub failure_action: String,
    /// `restart_policy.condition`: `any`, `on-failure` or `none`.
    pub restart_condition: String,
    /// `restart_policy.delay`.
    pub restart_delay: String,
    /// `restart_policy.max_attempts`.
    pub max_attempts: Option<u32>,
    /// `resources.limits.pids` (swarm's spelling of `pids_limit`).
    pub pids: Option<u32>,
}

/// A fully resolved service.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RService {
    /// Service name.
    pub name: String,
    /// Comment lines above it.
    pub comment: Vec<String>,
    /// `image:` value.
    pub image: Option<String>,
    /// Build section.
    pub build: Option<RBuild>,
    /// container_name.
    pub container_name: Option<String>,
    /// hostname.
    pub hostname: Option<String>,
    /// compose profiles.
    pub profiles: Vec<String>,
    /// entrypoint.
    pub entrypoint: Vec<String>,
    /// command.
    pub command: Vec<String>,
    /// Environment, in order.
    pub environment: Vec<(String, String)>,
    /// Published ports.
    pub ports: Vec<RPort>,
    /// Exposed ports.
    pub expose: Vec<String>,
    /// Volume mounts (short syntax) with comments.
    pub volumes: Vec<RMount>,
    /// tmpfs mounts.
    pub tmpfs: Vec<String>,
    /// Config mounts.
    pub configs: Vec<(String, String)>,
    /// Files mounted read-only from a named volume (long syntax with `volume.subpath`): how
    /// config files reach services in a single-file render (see `render::inline`).
    pub file_mounts: Vec<RFileMount>,
    /// network_mode (only the config-writing one-shot service uses it: `none`).
    pub network_mode: Option<String>,
    /// deploy.replicas.
    pub replicas: Option<u32>,
    /// Memory limit.
    pub memory: Option<String>,
    /// Memory reservation.
    pub memory_reservation: Option<String>,
    /// CPU limit (as Compose writes it).
    pub cpus: Option<String>,
    /// pids_limit.
    pub pids_limit: Option<u32>,
    /// read_only.
    pub read_only: bool,
    /// user.
    pub user: Option<String>,
    /// cap_drop.
    pub cap_drop: Vec<String>,
    /// cap_add.
    pub cap_add: Vec<String>,
    /// security_opt.
    pub security_opt: Vec<String>,
    /// Healthcheck.
    pub healthcheck: Option<RHealth>,
    /// depends_on.
    pub depends_on: Vec<(String, String)>,
    /// restart (empty: omitted, as in a swarm stack, which has `deploy.restart_policy`).
    pub restart: String,
    /// Swarm secrets mounted at `/run/secrets/NAME`.
    pub secrets: Vec<String>,
    /// Swarm-only `deploy` settings.
    pub swarm: Option<RSwarm>,
    /// networks.
    pub networks: Vec<RAttach>,
    /// logging.
    pub logging: Option<Logging>,
    /// labels.
    pub labels: Vec<(String, String)>,
    /// ulimits.
    pub ulimits: Vec<(String, u64)>,
    /// stop_grace_period.
    pub stop_grace_period: Option<String>,
    /// Inline suppressions: `CODE reason`.
    pub ignores: Vec<(String, String)>,
}

/// A build section.
#[derive(Debug, Clone, Serialize)]
pub struct RBuild {
    /// Context.
    pub context: String,
    /// Dockerfile.
    pub dockerfile: Option<String>,
    /// Target.
    pub target: Option<String>,
    /// Args.
    pub args: Vec<(String, String)>,
}

/// One file of a named volume mounted read-only at `target`.
#[derive(Debug, Clone, Serialize)]
pub struct RFileMount {
    /// The named volume.
    pub volume: String,
    /// The file's path inside the volume.
    pub subpath: String,
    /// Where the service sees it.
    pub target: String,
}

/// A published port, short syntax.
#[derive(Debug, Clone, Serialize)]
pub struct RPort {
    /// e.g. `127.0.0.1:9090:9090` or `127.0.0.1:5000:5000/udp`.
    pub spec: String,
    /// Comment.
    pub comment: Option<String>,
}

/// A mount.
#[derive(Debug, Clone, Serialize)]
pub struct RMount {
    /// Short syntax.
    pub spec: String,
    /// Comment (why a host path is needed).
    pub comment: Option<String>,
}

/// A healthcheck.
#[derive(Debug, Clone, Serialize)]
pub struct RHealth {
    /// Test, with `CMD` / `CMD-SHELL` first.
    pub test: Vec<String>,
    /// Interval.
    pub interval: String,
    /// Timeout.
    pub timeout: String,
    /// Retries.
    pub retries: u32,
    /// Start period.
    pub start_period: Option<String>,
}

/// A network attachment.
#[derive(Debug, Clone, Serialize)]
pub struct RAttach {
    /// Network key.
    pub name: String,
    /// Static address.
    pub ipv4_address: Option<String>,
    /// Aliases.
    pub aliases: Vec<String>,
}

/// Escape `$` so that Compose does not interpolate a literal value.
pub fn escape_dollars(s: &str) -> String {
    s.replace('$', "$$")
}

fn knob_value(p: &Profile, name: &str) -> KnobValue {
    p.knobs
        .get(name)
        .map(|k| k.value.clone().unwrap_or_else(|| k.default.clone()))
        .unwrap_or(KnobValue::Str(String::new()))
}

fn count(p: &Profile, c: &Count) -> u32 {
    match c {
        Count::Fixed(n) => *n,
        Count::Knob { knob } => match knob_value(p, knob) {
            KnobValue::Int(i) => u32::try_from(i).unwrap_or(0),
            _ => 0,
        },
    }
}

fn format_with(format: &Option<String>, value: &str) -> String {
    match format {
        Some(f) => f.replace("{}", value),
        None => value.to_string(),
    }
}

/// One rendered container of a service: a plain service, or one of its numbered instances.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Its service name in the compose file.
    pub name: String,
    /// 1-based index among the service's instances (1 for a plain service).
    pub index: u32,
    /// A numbered instance (`instances`), whose volumes marked `per_instance` get a suffix.
    pub numbered: bool,
    /// One of several instances of a `single_when_one` service (roles and `clustered` apply).
    pub clustered: bool,
    /// Roles it holds.
    pub roles: Vec<String>,
    /// What `{address}` in its own formats stands for: see [`ServiceInfo::addresses`] (the
    /// first network with a fixed address); `None` outside its own service's resolution.
    pub address: Option<String>,
}

/// Whether the service is rendered at all (its `when` condition holds).
fn enabled(p: &Profile, s: &Service) -> bool {
    s.when
        .as_ref()
        .is_none_or(|w| match knob_value(p, &w.knob) {
            KnobValue::Int(v) => v >= w.at_least,
            _ => false,
        })
}

/// The rendered containers of a service, in order: none when it is disabled, itself, or its
/// numbered instances with their roles. Every name, index and role is decided here.
pub fn instances(p: &Profile, base: &str, s: &Service) -> Result<Vec<Instance>> {
    if !enabled(p, s) {
        return Ok(Vec::new());
    }
    let all_roles = || s.roles.keys().cloned().collect::<Vec<_>>();
    let Some(c) = &s.instances else {
        return Ok(vec![Instance {
            name: base.to_string(),
            index: 1,
            numbered: false,
            clustered: false,
            roles: all_roles(),
            address: None,
        }]);
    };
    let n = count(p, c);
    if s.single_when_one && n == 1 {
        return Ok(vec![Instance {
            name: base.to_string(),
            index: 1,
            numbered: false,
            clustered: false,
            roles: all_roles(),
            address: None,
        }]);
    }
    (1..=n)
        .map(|i| {
            let mut roles = Vec::new();
            for (role, r) in &s.roles {
                let holds = r.holds(i, n).map_err(|e| {
                    Error::msg(format!("service `{base}`, role `{role}`: {e}"), None)
                })?;
                if holds {
                    roles.push(role.clone());
                }
            }
            Ok(Instance {
                name: format!("{base}-{i}"),
                index: i,
                numbered: true,
                clustered: s.single_when_one,
                roles,
                address: None,
            })
        })
        .collect()
}

/// `{name}`, `{index}` and `{address}` (the address peers reach it at: its fixed address, or
/// its name where it has none or on a swarm) of an instance in a format.
fn instance_format(f: &str, inst: &Instance) -> String {
    f.replace("{name}", &inst.name)
        .replace("{index}", &inst.index.to_string())
        .replace("{address}", inst.address.as_deref().unwrap_or(&inst.name))
}

/// The members of a service (those holding `role`, when given), each formatted.
fn members(p: &Profile, m: &Members) -> Result<Vec<String>> {
    let s = p.services.get(&m.members).ok_or_else(|| {
        Error::msg(
            format!("`{{members: {}}}` names an unknown service", m.members),
            None,
        )
    })?;
    if let Some(role) = &m.role
        && !s.roles.contains_key(role)
    {
        return Err(Error::msg(
            format!("service `{}` declares no role `{role}`", m.members),
            None,
        ));
    }
    let format = m.format.as_deref().unwrap_or("{name}");
    Ok(instances(p, &m.members, s)?
        .iter()
        .filter(|i| m.role.as_ref().is_none_or(|r| i.roles.contains(r)))
        .map(|i| instance_format(format, i))
        .collect())
}

fn roles_value(r: &RolesValue, inst: &Instance) -> String {
    let held: Vec<&str> = r
        .roles
        .iter()
        .filter(|x| inst.roles.contains(x))
        .map(String::as_str)
        .collect();
    let list = if held.is_empty() {
        r.empty.clone().unwrap_or_default()
    } else {
        held.join(",")
    };
    format_with(&r.format.as_ref().map(|f| instance_format(f, inst)), &list)
}

/// The number of containers a service runs as (its instances; a disabled service none).
fn size(p: &Profile, service: &str) -> Result<u32> {
    let s = p.services.get(service).ok_or_else(|| {
        Error::msg(
            format!("replication of the unknown service `{service}`"),
            None,
        )
    })?;
    Ok(u32::try_from(instances(p, service, s)?.len()).unwrap_or(u32::MAX))
}

fn arg(p: &Profile, base: &str, s: &Service, inst: &Instance, a: &Arg) -> Result<Vec<String>> {
    let fmt = |f: &Option<String>| f.as_ref().map(|f| instance_format(f, inst));
    Ok(match a {
        Arg::Literal(s) => vec![escape_dollars(s)],
        Arg::Knob { knob, format } => vec![escape_dollars(&format_with(
            &fmt(format),
            &knob_value(p, knob).to_string(),
        ))],
        Arg::Port { port, format } => vec![escape_dollars(&format_with(
            &fmt(format),
            &host_port(base, s, inst, *port)?.to_string(),
        ))],
        Arg::Members(m) => {
            let list = members(p, m)?;
            match &m.separator {
                Some(sep) => vec![escape_dollars(&list.join(sep))],
                None => list.iter().map(|x| escape_dollars(x)).collect(),
            }
        }
        Arg::Roles(r) => vec![escape_dollars(&roles_value(r, inst))],
        Arg::Format { format } => vec![escape_dollars(&instance_format(format, inst))],
    })
}

/// The host port that publishes container port `container` of instance `inst` of service
/// `base` (what `{port: N}` in an environment value or argument stands for): the port's host
/// port, plus (i − 1) for instance i.
fn host_port(base: &str, s: &Service, inst: &Instance, container: u16) -> Result<u16> {
    if s.replicas.is_some() {
        return Err(Error::msg(
            format!(
                "service `{base}`: `{{port: {container}}}` needs a fixed host port, but a \
                 scalable service (`replicas`) publishes none"
            ),
            None,
        ));
    }
    let port = s
        .ports
        .iter()
        .find(|x| x.container == container)
        .ok_or_else(|| {
            let published: Vec<String> = s.ports.iter().map(|x| x.container.to_string()).collect();
            Error::msg(
                format!("service `{base}`: `{{port: {container}}}` names no published port"),
                Some(if published.is_empty() {
                    format!("add `ports: [{{container: {container}}}]` to `{base}`")
                } else {
                    format!(
                        "the service publishes container ports {}",
                        published.join(", ")
                    )
                }),
            )
        })?;
    instance_host_port(base, inst, port)
}

/// The host port instance `inst` publishes `port` on: its host port + (i − 1) × step.
fn instance_host_port(base: &str, inst: &Instance, port: &Port) -> Result<u16> {
    let host = u32::from(port.host.unwrap_or(port.container))
        + (inst.index - 1) * u32::from(port.step.unwrap_or(1));
    u16::try_from(host).map_err(|_| {
        Error::msg(
            format!(
                "service `{base}`: instance {} would publish host port {host} (above 65535)",
                inst.name,
            ),
            Some("publish a lower host port or run fewer instances".to_string()),
        )
    })
}

/// The prebuilt image a service runs instead of building (its build's `image_knob`, when set
/// to a non-empty value), checked as an image reference.
fn prebuilt_image(p: &Profile, base: &str, s: &Service) -> Result<Option<String>> {
    let Some(knob) = s.build.as_ref().and_then(|b| b.image_knob.as_deref()) else {
        return Ok(None);
    };
    let Some(decl) = p.knobs.get(knob) else {
        return Err(Error::msg(
            format!("service `{base}`: build.image_knob names the unknown knob `{knob}`"),
            Some(format!(
                "declare it: `knobs: {{{knob}: {{description: …, type: string, default: \"\"}}}}`"
            )),
        ));
    };
    match knob_value(p, knob) {
        KnobValue::Str(v) if v.is_empty() => Ok(None),
        KnobValue::Str(v) => match crate::profile::model::check_image_reference(&v) {
            Ok(()) => Ok(Some(v)),
            Err(e) => Err(Error::msg(
                format!("knob `{knob}`: {e}"),
                Some(decl.description.clone()),
            )),
        },
        other => Err(Error::msg(
            format!("knob `{knob}` (build.image_knob of `{base}`) must be a string, got {other}"),
            None,
        )),
    }
}

/// What the user must provide: build contexts of services without a prebuilt image (one entry
/// per context and Dockerfile, listing every service built from it), then starter files that a
/// service mounts.
fn requirements(p: &Profile) -> Vec<Requirement> {
    let mut out: Vec<Requirement> = Vec::new();
    for (base, s) in &p.services {
        let Some(b) = &s.build else { continue };
        if matches!(prebuilt_image(p, base, s), Ok(Some(_))) {
            continue;
        }
        let names = instance_names(p, base, s);
        if names.is_empty() {
            continue;
        }
        match out
            .iter_mut()
            .find(|r| r.path == b.context && r.dockerfile == b.dockerfile)
        {
            Some(r) => {
                r.services.extend(names);
                if r.group != s.group {
                    r.group = None;
                }
                if r.knob.is_none() {
                    r.knob = b.image_knob.clone();
                }
            }
            None => out.push(Requirement {
                kind: RequirementKind::Build,
                path: b.context.clone(),
                services: names,
                dockerfile: b.dockerfile.clone(),
                group: s.group.clone(),
                knob: b.image_knob.clone(),
                mounts: Vec::new(),
                description: None,
            }),
        }
    }
    for (file, f) in p.files.iter().filter(|(_, f)| f.starter) {
        let mut r = Requirement {
            kind: RequirementKind::Starter,
            path: f.path.clone(),
            services: Vec::new(),
            dockerfile: None,
            group: None,
            knob: None,
            mounts: Vec::new(),
            description: f.description.clone(),
        };
        let mut groups = Vec::new();
        for (base, s) in &p.services {
            for m in s.files.iter().filter(|m| &m.file == file) {
                for n in instance_names(p, base, s) {
                    if !r.services.contains(&n) {
                        r.services.push(n.clone());
                        groups.push(s.group.clone());
                    }
                    r.mounts.push((n, m.target.clone()));
                }
            }
        }
        if r.services.is_empty() {
            continue;
        }
        r.group = groups[0]
            .clone()
            .filter(|g| groups.iter().all(|x| x.as_ref() == Some(g)));
        out.push(r);
    }
    out
}

/// A `${VAR:?message}` reference; the message may not contain `}`.
pub fn secret_ref(env: &str, description: &str) -> String {
    let msg: String = description
        .chars()
        .map(|c| {
            if matches!(c, '}' | '$' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect();
    format!("${{{env}:?{}}}", msg.trim())
}

/// Names of a service's containers: itself, or its numbered instances.
fn instance_names(p: &Profile, name: &str, s: &Service) -> Vec<String> {
    instances(p, name, s)
        .map(|v| v.into_iter().map(|i| i.name).collect())
        .unwrap_or_default()
}

/// Resolve a profile into its render context; `swarm`: for `render --target swarm`.
pub fn resolve(p: &Profile, header: &[String], swarm: bool) -> Result<Stack> {
    let defaults = &p.defaults;
    let host_ip = defaults
        .host_ip
        .clone()
        .unwrap_or_else(|| "127.0.0.1".into());
    let default_logging = defaults.logging.clone().unwrap_or_else(|| Logging {
        driver: "json-file".into(),
        options: [
            ("max-size".to_string(), "10m".to_string()),
            ("max-file".to_string(), "3".to_string()),
        ]
        .into_iter()
        .collect(),
    });

    // Static addresses: explicit ones are reserved first, then `auto` in service order.
    let mut taken: BTreeMap<String, BTreeSet<Ipv4Addr>> = BTreeMap::new();
    for s in p.services.values() {
        for (net, a) in &s.networks {
            if let Some(ip) = a
                .ipv4_address
                .as_deref()
                .and_then(|x| x.parse::<Ipv4Addr>().ok())
            {
                taken.entry(net.clone()).or_default().insert(ip);
            }
        }
    }
    let mut next_ip: BTreeMap<String, u32> = BTreeMap::new();
    let mut allocate = |net: &str| -> Result<String> {
        let (base, len) = p
            .networks
            .get(net)
            .and_then(|n| n.subnet.as_deref())
            .and_then(parse_cidr)
            .ok_or_else(|| Error::msg(format!("network `{net}` has no subnet"), None))?;
        let size = 1u64 << (32 - len);
        let start = u32::from(base) & (u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0));
        let slot = next_ip.entry(net.to_string()).or_insert(2);
        loop {
            if u64::from(*slot) >= size - 1 {
                return Err(Error::msg(
                    format!("network `{net}` has no free address left"),
                    None,
                ));
            }
            let ip = Ipv4Addr::from(start + *slot);
            *slot += 1;
            if !taken.get(net).is_some_and(|t| t.contains(&ip)) {
                return Ok(ip.to_string());
            }
        }
    };

    let mut services_info: IndexMap<String, ServiceInfo> = IndexMap::new();
    let mut rendered: Vec<(Option<String>, RService)> = Vec::new();
    for (base, s) in &p.services {
        let insts = instances(p, base, s)?;
        if insts.is_empty() {
            continue;
        }
        let mut info = ServiceInfo {
            names: insts.iter().map(|i| i.name.clone()).collect(),
            addresses: Vec::new(),
            ports: s
                .ports
                .iter()
                .map(|x| x.container)
                .chain(s.expose.iter().copied())
                .collect(),
            roles: insts.iter().map(|i| i.roles.clone()).collect(),
            by_role: s
                .roles
                .keys()
                .map(|role| {
                    let holders = insts
                        .iter()
                        .filter(|i| i.roles.contains(role))
                        .map(|i| i.name.clone())
                        .collect();
                    (role.clone(), holders)
                })
                .collect(),
            host_ports: Vec::new(),
            image: s.image.as_ref().map(|i| i.name.clone()),
            group: s.group.clone(),
            part: s.part.clone(),
        };
        for inst in &insts {
            let attach: Vec<(String, crate::profile::model::Attach)> = if s.networks.is_empty() {
                defaults
                    .networks
                    .iter()
                    .map(|n| (n.clone(), Default::default()))
                    .collect()
            } else {
                s.networks
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            // Addresses first: `{address}` in the instance's own formats stands for the first.
            let mut ips = Vec::with_capacity(attach.len());
            let mut addrs = BTreeMap::new();
            let mut inst = inst.clone();
            for (net, a) in &attach {
                let ip = match a.ipv4_address.as_deref() {
                    Some("auto") => Some(allocate(net)?),
                    Some(x) => Some(x.to_string()),
                    None => None,
                };
                if let Some(ip) = &ip {
                    // Peers on a swarm reach it by name: swarm assigns the addresses.
                    let address = if swarm { inst.name.clone() } else { ip.clone() };
                    inst.address.get_or_insert_with(|| address.clone());
                    addrs.insert(net.clone(), address);
                }
                ips.push(ip);
            }
            let inst = &inst;
            let mut r = resolve_service(p, base, inst, s, &host_ip, &default_logging)?;
            let mut hp = BTreeMap::new();
            if s.replicas.is_none() {
                for port in &s.ports {
                    hp.insert(port.container, instance_host_port(base, inst, port)?);
                }
            }
            info.host_ports.push(hp);
            let aliases: Vec<String> = if inst.clustered {
                s.roles
                    .iter()
                    .filter(|(role, _)| inst.roles.contains(role))
                    .flat_map(|(_, r)| r.aliases.iter().cloned())
                    .collect()
            } else {
                Vec::new()
            };
            for ((net, a), ip) in attach.into_iter().zip(ips) {
                let mut net_aliases = a.aliases.clone();
                for x in &aliases {
                    if !net_aliases.contains(x) {
                        net_aliases.push(x.clone());
                    }
                }
                r.networks.push(RAttach {
                    name: net,
                    ipv4_address: ip,
                    aliases: net_aliases,
                });
            }
            info.addresses.push(addrs);
            rendered.push((s.part.clone(), r));
        }
        services_info.insert(base.clone(), info);
    }

    // depends_on on an instanced service means all of its instances; on a service that is
    // not rendered (its `when` does not hold), nothing.
    for (_, r) in &mut rendered {
        let deps = std::mem::take(&mut r.depends_on);
        for (dep, cond) in deps {
            let names = match services_info.get(&dep) {
                Some(i) => i.names.clone(),
                None if p.services.contains_key(&dep) => Vec::new(),
                None => vec![dep.clone()],
            };
            for n in names {
                r.depends_on.push((n, cond.clone()));
            }
        }
    }

    // Split into output files.
    let mut outputs = vec![Output {
        key: "main".into(),
        file: "docker-compose.yml".into(),
        project: p.name.clone(),
        header: header.to_vec(),
        services: Vec::new(),
        networks: Vec::new(),
        volumes: Vec::new(),
        configs: Vec::new(),
        swarm: false,
        secrets: Vec::new(),
    }];
    for (key, part) in &p.parts {
        let mut h = header.to_vec();
        if let Some(d) = &part.description {
            h.push(d.clone());
        }
        outputs.push(Output {
            key: key.clone(),
            file: part.file.clone(),
            project: part
                .project
                .clone()
                .unwrap_or_else(|| format!("{}-{key}", p.name)),
            header: h,
            services: Vec::new(),
            networks: Vec::new(),
            volumes: Vec::new(),
            configs: Vec::new(),
            swarm: false,
            secrets: Vec::new(),
        });
    }
    for (part, r) in rendered {
        let key = part.unwrap_or_else(|| "main".into());
        if let Some(out) = outputs.iter_mut().find(|o| o.key == key) {
            out.services.push(r);
        }
    }
    let mut network_owner: BTreeMap<String, String> = BTreeMap::new();
    for out in &mut outputs {
        let mut nets: Vec<String> = Vec::new();
        let mut vols: Vec<String> = Vec::new();
        let mut cfgs: Vec<String> = Vec::new();
        for s in &out.services {
            for a in &s.networks {
                if !nets.contains(&a.name) {
                    nets.push(a.name.clone());
                }
            }
            for m in &s.volumes {
                if let Some(v) = m
                    .spec
                    .split(':')
                    .next()
                    .filter(|v| !v.starts_with('.') && !v.starts_with('/'))
                    && !vols.iter().any(|x| x == v)
                {
                    vols.push(v.to_string());
                }
            }
            for (c, _) in &s.configs {
                if !cfgs.contains(c) {
                    cfgs.push(c.clone());
                }
            }
        }
        // Declaration order: as in the profile.
        nets.sort_by_key(|n| p.networks.get_index_of(n));
        cfgs.sort_by_key(|c| p.files.get_index_of(c));
        for n in nets {
            let decl = p.networks.get(&n).cloned().unwrap_or_default();
            let external = match network_owner.get(&n) {
                Some(owner) if owner != &out.key => true,
                _ => {
                    network_owner.insert(n.clone(), out.key.clone());
                    false
                }
            };
            if external && decl.name.is_none() {
                return Err(Error::msg(
                    format!("network `{n}` is used by two output files but has no explicit `name`"),
                    Some(format!(
                        "set `networks.{n}.name` so that the second file can attach to it"
                    )),
                ));
            }
            out.networks.push(RNetwork {
                key: n,
                name: decl.name,
                external,
                driver: decl.driver.unwrap_or_else(|| "bridge".into()),
                subnet: decl.subnet,
                internal: decl.internal,
                attachable: false,
            });
        }
        out.volumes = vols;
        out.configs = cfgs
            .into_iter()
            .map(|c| RConfig {
                path: p.files.get(&c).map(|f| f.path.clone()).unwrap_or_default(),
                name: c,
            })
            .collect();
    }
    // An output file with no services is not written.
    outputs.retain(|o| o.key == "main" || !o.services.is_empty());

    let knobs = p
        .knobs
        .keys()
        .map(|k| (k.clone(), knob_value(p, k)))
        .collect();
    let files = p
        .files
        .iter()
        .map(|(k, f)| {
            (
                k.clone(),
                FileInfo {
                    template: f.template.clone(),
                    path: f.path.clone(),
                    description: f.description.clone(),
                },
            )
        })
        .collect();
    let secrets = p
        .secrets
        .values()
        .map(|s| {
            let (value, length) = match &s.generate {
                crate::profile::model::Generate::Value { value } => (Some(value.clone()), 0),
                crate::profile::model::Generate::Random { length } => (None, usize::from(*length)),
            };
            SecretInfo {
                env: s.env.clone(),
                description: s.description.clone(),
                value,
                length,
            }
        })
        .collect();
    Ok(Stack {
        name: p.name.clone(),
        swarm,
        description: p.description.clone(),
        knobs,
        outputs,
        services: services_info,
        files,
        secrets,
        requirements: requirements(p),
    })
}

fn duration(d: &Option<crate::profile::model::Duration>, default: &str) -> String {
    d.as_ref()
        .map_or_else(|| default.to_string(), |d| d.0.clone())
}

fn cpus(c: f64) -> String {
    let s = format!("{c:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn resolve_service(
    p: &Profile,
    base: &str,
    inst: &Instance,
    s: &Service,
    host_ip: &str,
    default_logging: &Logging,
) -> Result<RService> {
    let mut r = RService {
        name: inst.name.clone(),
        ..Default::default()
    };
    // The shape this instance takes: `single` or `clustered` settings over the service's own.
    let overlay = if !s.single_when_one || s.instances.is_none() {
        None
    } else if inst.clustered {
        s.clustered.as_ref()
    } else {
        s.single.as_ref()
    };
    let mut environment = s.environment.clone();
    let mut command = s.command.clone();
    let mut mounts = s.volumes.clone();
    let mut depends_on = s.depends_on.clone();
    if let Some(o) = overlay {
        for (k, v) in &o.environment {
            environment.insert(k.clone(), v.clone());
        }
        if o.command.is_some() {
            command = o.command.clone();
        }
        mounts.extend(o.volumes.iter().cloned());
        for (k, c) in &o.depends_on {
            depends_on.insert(k.clone(), *c);
        }
    }
    let resources: Option<&Resources> = if inst.clustered {
        s.roles
            .iter()
            .filter(|(role, _)| inst.roles.contains(role))
            .find_map(|(_, r)| r.resources.as_ref())
            .or(s.resources.as_ref())
    } else {
        s.resources.as_ref()
    };
    if let Some(d) = &s.description {
        r.comment.push(d.clone());
    }
    let prebuilt = prebuilt_image(p, base, s)?;
    r.image = s.image.as_ref().map(|i| match &i.digest {
        Some(d) => format!("{}:{}@{d}", i.name, i.tag),
        None => format!("{}:{}", i.name, i.tag),
    });
    if prebuilt.is_some() {
        r.image = prebuilt.clone();
    }
    r.build = s
        .build
        .as_ref()
        .filter(|_| prebuilt.is_none())
        .map(|b| RBuild {
            context: b.context.clone(),
            dockerfile: b.dockerfile.clone(),
            target: b.target.clone(),
            args: b
                .args
                .iter()
                .map(|(k, v)| (k.clone(), escape_dollars(v)))
                .collect(),
        });
    r.container_name = s.container_name.clone();
    r.hostname = s.hostname.clone();
    r.profiles = s.group.iter().cloned().collect();
    r.entrypoint = s
        .entrypoint
        .iter()
        .flatten()
        .map(|a| arg(p, base, s, inst, a))
        .collect::<Result<Vec<_>>>()?
        .concat();
    r.command = command
        .iter()
        .flatten()
        .map(|a| arg(p, base, s, inst, a))
        .collect::<Result<Vec<_>>>()?
        .concat();
    let fmt = |f: &Option<String>| f.as_ref().map(|f| instance_format(f, inst));
    for (k, v) in &environment {
        let value = match v {
            EnvValue::Literal(x) => escape_dollars(&x.to_string()),
            EnvValue::Secret { secret, format } => {
                let decl = p
                    .secrets
                    .get(secret)
                    .ok_or_else(|| Error::msg(format!("unknown secret `{secret}`"), None))?;
                let reference = secret_ref(&decl.env, &decl.description);
                match fmt(format) {
                    Some(f) => escape_dollars(&f).replace("{}", &reference),
                    None => reference,
                }
            }
            EnvValue::Knob { knob, format } => {
                escape_dollars(&format_with(&fmt(format), &knob_value(p, knob).to_string()))
            }
            EnvValue::Port { port, format } => escape_dollars(&format_with(
                &fmt(format),
                &host_port(base, s, inst, *port)?.to_string(),
            )),
            EnvValue::Members(m) => {
                escape_dollars(&members(p, m)?.join(m.separator.as_deref().unwrap_or(",")))
            }
            EnvValue::Roles(x) => escape_dollars(&roles_value(x, inst)),
            EnvValue::ReplicationFactor { replication_factor } => {
                crate::profile::model::replication(size(p, replication_factor)?)
                    .0
                    .to_string()
            }
            EnvValue::MinInsyncReplicas {
                min_insync_replicas,
            } => crate::profile::model::replication(size(p, min_insync_replicas)?)
                .1
                .to_string(),
            EnvValue::Format { format } => escape_dollars(&instance_format(format, inst)),
        };
        r.environment.push((k.clone(), value));
    }
    if let (Some(jvm), Some(res)) = (&s.jvm, resources) {
        let heap = (res.memory.mebibytes() * u64::from(jvm.heap_percent) / 100).max(64);
        let mut opts = format!("-Xms{heap}m -Xmx{heap}m");
        if let Some(extra) = &jvm.extra {
            opts.push(' ');
            opts.push_str(extra);
        }
        let opts = escape_dollars(&opts);
        match r.environment.iter_mut().find(|(k, _)| *k == jvm.env) {
            Some(slot) => slot.1 = opts,
            None => r.environment.push((jvm.env.clone(), opts)),
        }
    }
    for port in &s.ports {
        let proto = match port.protocol {
            Protocol::Tcp => "",
            Protocol::Udp => "/udp",
        };
        let ip = port.host_ip.as_deref().unwrap_or(host_ip);
        let ip = if ip.contains(':') {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        // A scalable service publishes only the container port, on the same host address
        // (Docker picks the host ports); instance i of a numbered service publishes host port
        // + (i − 1).
        let spec = if s.replicas.is_some() {
            format!("{ip}::{}{proto}", port.container)
        } else {
            let h = instance_host_port(base, inst, port)?;
            format!("{ip}:{h}:{}{proto}", port.container)
        };
        r.ports.push(RPort {
            spec,
            comment: port.description.clone(),
        });
    }
    r.expose = s.expose.iter().map(u16::to_string).collect();
    for m in &mounts {
        match m {
            Mount::Volume {
                volume,
                target,
                read_only,
            } => {
                let per = p.volumes.get(volume).is_some_and(|v| v.per_instance);
                let src = if per && inst.numbered {
                    format!("{volume}-{}", inst.index)
                } else {
                    volume.clone()
                };
                r.volumes.push(RMount {
                    spec: format!("{src}:{target}{}", if *read_only { ":ro" } else { "" }),
                    comment: None,
                });
            }
            Mount::Bind {
                bind,
                target,
                read_only,
                reason,
            } => {
                r.volumes.push(RMount {
                    spec: format!(
                        "{}:{target}{}",
                        escape_dollars(bind),
                        if *read_only { ":ro" } else { "" }
                    ),
                    comment: reason.clone(),
                });
            }
            Mount::Tmpfs { tmpfs, size, mode } => {
                let mut opts = Vec::new();
                if let Some(sz) = size {
                    opts.push(format!("size={}", sz.to_compose()));
                }
                if let Some(m) = mode {
                    opts.push(format!("mode={m}"));
                }
                r.tmpfs.push(if opts.is_empty() {
                    tmpfs.clone()
                } else {
                    format!("{tmpfs}:{}", opts.join(","))
                });
            }
        }
    }
    r.configs = s
        .files
        .iter()
        .map(|f| (f.file.clone(), f.target.clone()))
        .collect();
    r.replicas = s.replicas.as_ref().map(|c| count(p, c));
    if let Some(res) = resources {
        r.memory = Some(res.memory.to_compose());
        r.memory_reservation = res.memory_reservation.map(|m| m.to_compose());
        r.cpus = Some(cpus(res.cpus));
        r.pids_limit = res.pids;
    }
    let d = &p.defaults.security;
    let sec = &s.security;
    r.read_only = sec.read_only.or(d.read_only).unwrap_or(false);
    r.user = sec.user.clone().or_else(|| d.user.clone());
    r.cap_drop = sec
        .cap_drop
        .clone()
        .or_else(|| d.cap_drop.clone())
        .unwrap_or_default();
    r.cap_add = sec
        .cap_add
        .clone()
        .or_else(|| d.cap_add.clone())
        .unwrap_or_default();
    if sec
        .no_new_privileges
        .or(d.no_new_privileges)
        .unwrap_or(true)
    {
        r.security_opt.push("no-new-privileges:true".into());
    }
    r.healthcheck = s.healthcheck.as_ref().map(|h| {
        let test = match (&h.exec, &h.shell) {
            (Some(exec), _) => std::iter::once("CMD".to_string())
                .chain(exec.iter().map(|x| escape_dollars(x)))
                .collect(),
            (None, Some(sh)) => vec!["CMD-SHELL".to_string(), escape_dollars(sh)],
            (None, None) => vec!["NONE".to_string()],
        };
        RHealth {
            test,
            interval: duration(&h.interval, "10s"),
            timeout: duration(&h.timeout, "5s"),
            retries: h.retries.unwrap_or(5),
            start_period: h.start_period.as_ref().map(|d| d.0.clone()),
        }
    });
    r.depends_on = depends_on
        .iter()
        .map(|(k, c)| {
            let c = match c {
                Condition::ServiceStarted => "service_started",
                Condition::ServiceHealthy => "service_healthy",
                Condition::ServiceCompletedSuccessfully => "service_completed_successfully",
            };
            (k.clone(), c.to_string())
        })
        .collect();
    r.restart = match s
        .restart
        .or(p.defaults.restart)
        .unwrap_or(Restart::UnlessStopped)
    {
        Restart::No => "no",
        Restart::Always => "always",
        Restart::OnFailure => "on-failure",
        Restart::UnlessStopped => "unless-stopped",
    }
    .to_string();
    let logging = s.logging.as_ref().unwrap_or(default_logging);
    r.logging = Some(Logging {
        driver: escape_dollars(&logging.driver),
        options: logging
            .options
            .iter()
            .map(|(k, v)| (k.clone(), escape_dollars(v)))
            .collect(),
    });
    r.labels = s
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), escape_dollars(v)))
        .collect();
    r.ulimits = s.ulimits.iter().map(|(k, v)| (k.clone(), *v)).collect();
    r.stop_grace_period = s.stop_grace_period.as_ref().map(|d| d.0.clone());
    r.ignores = s
        .exceptions
        .iter()
        .map(|e| (e.rule.clone(), e.reason.clone()))
        .collect();
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::load::{Layer, load};

    const PROFILE: &str = r#"
name: t
description: two nodes that announce themselves
networks:
  n: {subnet: 10.5.0.0/24}
services:
  node:
    image: {name: redis, tag: "7.4.2"}
    instances: 2
    command: [{format: "--announce {address} --as {name}"}]
    networks:
      n: {ipv4_address: auto}
    resources: {memory: 64m, cpus: 0.1}
"#;

    fn stack(swarm: bool) -> Stack {
        let loaded = load(vec![Layer::yaml("t.yaml", PROFILE.into()).unwrap()], None).unwrap();
        resolve(&loaded.profile, &[], swarm).unwrap()
    }

    #[test]
    fn an_instance_is_reached_at_its_fixed_address_or_on_a_swarm_by_name() {
        let compose = stack(false);
        let info = &compose.services["node"];
        assert_eq!(info.addresses[1]["n"], "10.5.0.3");
        let node2 = &compose.outputs[0].services[1];
        assert_eq!(node2.command, ["--announce 10.5.0.3 --as node-2"]);
        assert_eq!(node2.networks[0].ipv4_address.as_deref(), Some("10.5.0.3"));

        let swarm = stack(true);
        assert!(swarm.swarm && !compose.swarm);
        assert_eq!(swarm.services["node"].addresses[1]["n"], "node-2");
        let node2 = &swarm.outputs[0].services[1];
        assert_eq!(node2.command, ["--announce node-2 --as node-2"]);
    }
}
