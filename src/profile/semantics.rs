//! Checks a schema cannot express: references between parts of a profile, knob constraints,
//! and the secure-by-default promises (pinned images, limits on every service).

use std::net::Ipv4Addr;

use super::model::{Arg, Count, EnvValue, KnobType, KnobValue, Mount, Profile, Service};
use crate::schema::Problem;
use crate::yaml::Path;

/// The most numbered instances or replicas of one service a render produces: every instance is
/// a full service definition in the output (docs/limits.md).
pub const MAX_COPIES: i64 = 1000;

/// A DNS host name (RFC 1123 labels), optionally `*.` wildcard-prefixed, or nginx's `_`.
pub fn is_hostname(s: &str) -> bool {
    if s == "_" {
        return true;
    }
    let name = s.strip_prefix("*.").unwrap_or(s);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Every problem of a deserialized profile, in document order.
pub fn check(p: &Profile) -> Vec<Problem> {
    let mut out = Vec::new();
    let root = Path::root();
    for (name, knob) in &p.knobs {
        let at = root.key("knobs").key(name);
        let (value, vpath) = match &knob.value {
            Some(v) => (v, at.key("value")),
            None => (&knob.default, at.key("default")),
        };
        let ok_type = matches!(
            (knob.kind, value),
            (KnobType::Integer, KnobValue::Int(_))
                | (KnobType::String | KnobType::Hostname, KnobValue::Str(_))
                | (KnobType::Boolean, KnobValue::Bool(_))
        );
        if !ok_type {
            out.push(Problem::new(
                vpath.clone(),
                format!(
                    "knob `{name}` is {:?}, but the value is {value:?}",
                    knob.kind
                )
                .to_lowercase(),
                Some(knob.description.clone()),
            ));
            continue;
        }
        if let (KnobType::Hostname, KnobValue::Str(v)) = (knob.kind, value)
            && !is_hostname(v)
        {
            out.push(Problem::new(
                vpath.clone(),
                format!("knob `{name}` takes a host name, got {v:?}"),
                Some(
                    "a DNS name such as example.com or *.example.com (letters, digits, `-`, \
                     dots; labels of at most 63 characters), localhost, or `_`"
                        .to_string(),
                ),
            ));
            continue;
        }
        if let KnobValue::Int(v) = value {
            let constraint =
                |msg: String| Problem::new(vpath.clone(), msg, Some(knob.description.clone()));
            if let Some(min) = knob.min
                && *v < min
            {
                out.push(constraint(format!(
                    "knob `{name}` must be at least {min}, got {v}"
                )));
            }
            if let Some(max) = knob.max
                && *v > max
            {
                out.push(constraint(format!(
                    "knob `{name}` must be at most {max}, got {v}"
                )));
            }
            if knob.odd && v % 2 == 0 {
                out.push(constraint(format!("knob `{name}` must be odd, got {v}")));
            }
            if knob.quorum && *v == 2 {
                out.push(constraint(format!(
                    "knob `{name}` must be 1 or at least 3, got 2: a cluster of two has no \
                     quorum (losing either member stops it)"
                )));
            }
        }
    }
    for (name, svc) in &p.services {
        check_service(p, name, svc, &root.key("services").key(name), &mut out);
    }
    for (name, net) in &p.networks {
        if let Some(subnet) = &net.subnet
            && parse_cidr(subnet).is_none()
        {
            out.push(Problem::new(
                root.key("networks").key(name).key("subnet"),
                format!("invalid subnet {subnet:?}"),
                Some("an IPv4 network in CIDR form, e.g. 172.19.0.0/16".to_string()),
            ));
        }
    }
    check_bundle_paths(p, &mut out);
    out
}

/// The compose file of the main part in an `-o DIR` bundle.
pub const MAIN_COMPOSE_FILE: &str = "docker-compose.yml";

/// Names at the top of a bundle that no profile file may take: the user's secrets, their
/// template, and the list of files composegen wrote (see `render::bundle`).
pub const RESERVED_BUNDLE_PATHS: [&str; 4] = [
    ".env",
    ".env.example",
    ".composegen-manifest",
    "README.composegen.md",
];

/// Why `path` cannot be the path of a file in an `-o DIR` bundle, if it cannot: it must be
/// relative, normalised (no empty, `.` or `..` component), free of control characters, and not
/// one of [`RESERVED_BUNDLE_PATHS`]. The bundle writer checks it again before writing.
pub fn bundle_path_problem(path: &str) -> Option<String> {
    if path.is_empty() {
        return Some("is empty".into());
    }
    if path.starts_with('/') {
        return Some("is absolute; bundle paths are relative to the output directory".into());
    }
    if path.chars().any(char::is_control) {
        return Some("contains a control character".into());
    }
    for component in path.split('/') {
        match component {
            "" => return Some("has an empty component (`//` or a trailing `/`)".into()),
            "." | ".." => {
                return Some(format!(
                    "has a `{component}` component; bundle paths must be normalised and stay \
                     inside the output directory"
                ));
            }
            c if c.len() > 200 => return Some("has a component longer than 200 bytes".into()),
            _ => {}
        }
    }
    if RESERVED_BUNDLE_PATHS.contains(&path) {
        return Some(format!(
            "is reserved: composegen keeps {path} for {}",
            if path == ".composegen-manifest" {
                "the list of files it wrote"
            } else if path == "README.composegen.md" {
                "what the user must provide (build contexts, starter files)"
            } else {
                "the stack's secrets, which a render never overwrites"
            }
        ));
    }
    None
}

/// Every file of a bundle has a valid path of its own: parts' compose files (a plain file name,
/// at the top of the bundle, where `render --check` looks for the rest of the bundle) and
/// config files; no two the same, and none inside another (a file cannot also be a directory).
fn check_bundle_paths(p: &Profile, out: &mut Vec<Problem>) {
    let root = Path::root();
    // (path, where it comes from, what it is)
    let mut seen: Vec<(&str, String)> = vec![(MAIN_COMPOSE_FILE, "the main compose file".into())];
    let mut candidates: Vec<(&str, Path, String, bool)> = Vec::new();
    for (name, part) in &p.parts {
        let at = root.key("parts").key(name).key("file");
        candidates.push((&part.file, at, format!("parts.{name}.file"), true));
    }
    for (name, f) in &p.files {
        let at = root.key("files").key(name).key("path");
        candidates.push((&f.path, at, format!("files.{name}.path"), false));
    }
    for (path, at, what, is_part) in candidates {
        let help = if is_part {
            "a part's compose file is a file name such as docker-compose.monitoring.yml"
        } else {
            "use a relative path inside the output directory, such as prometheus/prometheus.yml"
        };
        if let Some(why) = bundle_path_problem(path) {
            out.push(Problem::new(
                at,
                format!("bundle path {path:?} {why}"),
                Some(help.to_string()),
            ));
            continue;
        }
        if is_part && path.contains('/') {
            out.push(Problem::new(
                at,
                format!(
                    "bundle path {path:?}: a part's compose file is written at the top of the \
                     bundle, beside {MAIN_COMPOSE_FILE}"
                ),
                Some(help.to_string()),
            ));
            continue;
        }
        let clash = seen.iter().find_map(|(other, owner)| {
            if *other == path {
                Some(format!("is also the path of {owner}"))
            } else if other.starts_with(&format!("{path}/")) {
                Some(format!("is a directory of {owner} ({other})"))
            } else if path.starts_with(&format!("{other}/")) {
                Some(format!(
                    "would be inside {owner} ({other}), which is a file"
                ))
            } else {
                None
            }
        });
        if let Some(clash) = clash {
            out.push(Problem::new(
                at,
                format!("bundle path {path:?} {clash}"),
                Some("every file of a bundle needs a path of its own".to_string()),
            ));
            continue;
        }
        seen.push((path, what));
    }
}

fn knob_ref(p: &Profile, knob: &str, want_int: bool, at: Path, out: &mut Vec<Problem>) {
    match p.knobs.get(knob) {
        None => out.push(Problem::new(
            at,
            format!("unknown knob `{knob}`"),
            Some(format!(
                "declared knobs: {}",
                p.knobs.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
        )),
        Some(k) if want_int && k.kind != KnobType::Integer => out.push(Problem::new(
            at,
            format!("knob `{knob}` is not an integer"),
            None,
        )),
        Some(_) => {}
    }
}

/// Smallest sizes that make sense, per field: Docker refuses a memory limit under 6 MiB, and a
/// bare number is bytes (`memory: 2` is two bytes, not two gigabytes).
const MIN_SIZES: [(&str, u64, &str, &str); 3] = [
    (
        "memory",
        6 << 20,
        "6m",
        "Docker refuses memory limits under 6m",
    ),
    (
        "memory_reservation",
        4 << 20,
        "4m",
        "a reservation under 4m reserves nothing useful",
    ),
    (
        "size",
        4 << 10,
        "4k",
        "a tmpfs under one 4k page holds nothing",
    ),
];

fn check_sizes(s: &Service, at: &Path, out: &mut Vec<Problem>) {
    let mut sizes = Vec::new();
    if let Some(r) = &s.resources {
        sizes.push((at.key("resources").key("memory"), "memory", r.memory));
        if let Some(m) = r.memory_reservation {
            sizes.push((
                at.key("resources").key("memory_reservation"),
                "memory_reservation",
                m,
            ));
        }
    }
    for (i, m) in s.volumes.iter().enumerate() {
        if let Mount::Tmpfs {
            size: Some(size), ..
        } = m
        {
            sizes.push((at.key("volumes").index(i).key("size"), "size", *size));
        }
    }
    for (path, field, size) in sizes {
        let Some((_, min, min_text, why)) = MIN_SIZES.iter().find(|(f, ..)| *f == field) else {
            continue;
        };
        if size.0 < *min {
            out.push(Problem::new(
                path,
                format!("{} bytes is below the minimum of {min_text}", size.0),
                Some(format!(
                    "{why}; sizes take a unit (512m, 2g): a bare number is bytes"
                )),
            ));
        }
    }
}

fn check_service(p: &Profile, name: &str, s: &Service, at: &Path, out: &mut Vec<Problem>) {
    if s.image.is_none() && s.build.is_none() {
        out.push(Problem::new(
            at.clone(),
            "a service needs an `image` or a `build`",
            Some("add `image: {name: …, tag: …}`".to_string()),
        ));
    }
    if let Some(img) = &s.image
        && img.tag == "latest"
    {
        out.push(Problem::new(
            at.key("image").key("tag"),
            "`latest` is not a version",
            Some(
                "pin an explicit version tag so that every render runs the same image".to_string(),
            ),
        ));
    }
    if s.resources.is_none() {
        out.push(Problem::new(
            at.clone(),
            format!("service `{name}` has no resource limits"),
            Some(
                "add `resources: {memory: 512m, cpus: 0.5}`: every rendered service gets limits"
                    .to_string(),
            ),
        ));
    }
    check_sizes(s, at, out);
    if s.jvm.is_some() && s.resources.is_none() {
        out.push(Problem::new(
            at.key("jvm"),
            "a JVM heap is derived from `resources.memory`, which is missing",
            None,
        ));
    }
    if let Some(part) = &s.part
        && !p.parts.contains_key(part)
    {
        out.push(Problem::new(
            at.key("part"),
            format!("unknown part `{part}`"),
            Some("declare it under top-level `parts`".to_string()),
        ));
    }
    for (field, count) in [("instances", &s.instances), ("replicas", &s.replicas)] {
        if let Some(Count::Knob { knob }) = count {
            knob_ref(p, knob, true, at.key(field).key("knob"), out);
        }
        let n = match count {
            Some(Count::Fixed(n)) => i64::from(*n),
            Some(Count::Knob { knob }) => match p
                .knobs
                .get(knob)
                .map(|k| k.value.as_ref().unwrap_or(&k.default))
            {
                Some(KnobValue::Int(n)) => *n,
                _ => 0,
            },
            None => 0,
        };
        if n > MAX_COPIES {
            out.push(Problem::new(
                at.key(field),
                format!("{n} {field} is more than composegen renders (at most {MAX_COPIES})"),
                Some("a stack of that size needs an orchestrator; split it, or scale with `docker compose up --scale`".to_string()),
            ));
        }
    }
    if let Some(w) = &s.when {
        knob_ref(p, &w.knob, true, at.key("when").key("knob"), out);
    }
    if s.replicas.is_some() {
        if s.container_name.is_some() {
            out.push(Problem::new(
                at.key("container_name"),
                "a scalable service (`replicas`) cannot have a container_name",
                None,
            ));
        }
        if s.ports.iter().any(|port| port.host.is_some()) {
            out.push(Problem::new(
                at.key("ports"),
                "a scalable service (`replicas`) cannot publish a fixed host port",
                Some(
                    "replicas would collide on the host port; put a proxy in front or use `expose`"
                        .to_string(),
                ),
            ));
        }
    }
    if s.instances.is_some() && s.container_name.is_some() {
        out.push(Problem::new(
            at.key("container_name"),
            "numbered instances cannot share one container_name",
            None,
        ));
    }
    for (dep, _) in &s.depends_on {
        if !p.services.contains_key(dep) {
            out.push(Problem::new(
                at.key("depends_on").key(dep),
                format!("unknown service `{dep}`"),
                None,
            ));
        } else if dep == name {
            out.push(Problem::new(
                at.key("depends_on").key(dep),
                "a service cannot depend on itself",
                None,
            ));
        }
    }
    for (key, v) in &s.environment {
        let here = at.key("environment").key(key);
        match v {
            EnvValue::Secret { secret, .. } if !p.secrets.contains_key(secret) => {
                out.push(Problem::new(
                    here.key("secret"),
                    format!("unknown secret `{secret}`"),
                    Some("declare it under top-level `secrets`".to_string()),
                ))
            }
            EnvValue::Knob { knob, .. } => knob_ref(p, knob, false, here.key("knob"), out),
            _ => {}
        }
    }
    for (field, args) in [("command", &s.command), ("entrypoint", &s.entrypoint)] {
        for (i, a) in args.iter().flatten().enumerate() {
            if let Arg::Knob { knob, .. } = a {
                knob_ref(p, knob, false, at.key(field).index(i).key("knob"), out);
            }
        }
    }
    for (i, m) in s.volumes.iter().enumerate() {
        if let Mount::Volume { volume, .. } = m {
            match p.volumes.get(volume) {
                None => out.push(Problem::new(
                    at.key("volumes").index(i).key("volume"),
                    format!("volume `{volume}` is not declared"),
                    Some("declare it under top-level `volumes`".to_string()),
                )),
                Some(v) if v.per_instance && s.instances.is_none() => out.push(Problem::new(
                    at.key("volumes").index(i).key("volume"),
                    format!("volume `{volume}` is per_instance but `{name}` has no `instances`"),
                    None,
                )),
                _ => {}
            }
        }
    }
    for (i, f) in s.files.iter().enumerate() {
        if !p.files.contains_key(&f.file) {
            out.push(Problem::new(
                at.key("files").index(i).key("file"),
                format!("file `{}` is not declared", f.file),
                Some("declare it under top-level `files`".to_string()),
            ));
        }
    }
    for (net, attach) in &s.networks {
        let here = at.key("networks").key(net);
        let Some(decl) = p.networks.get(net) else {
            out.push(Problem::new(
                here,
                format!("network `{net}` is not declared"),
                None,
            ));
            continue;
        };
        if let Some(addr) = &attach.ipv4_address {
            let Some(subnet) = decl.subnet.as_deref().and_then(parse_cidr) else {
                out.push(Problem::new(
                    here.key("ipv4_address"),
                    format!("network `{net}` has no subnet to take a static address from"),
                    Some("set `subnet:` on the network".to_string()),
                ));
                continue;
            };
            if addr != "auto" {
                match addr.parse::<Ipv4Addr>() {
                    Ok(ip) if in_subnet(ip, subnet) => {}
                    Ok(_) => out.push(Problem::new(
                        here.key("ipv4_address"),
                        format!("{addr} is outside the subnet of `{net}`"),
                        None,
                    )),
                    Err(_) => out.push(Problem::new(
                        here.key("ipv4_address"),
                        format!("invalid IPv4 address {addr:?}"),
                        None,
                    )),
                }
            }
        }
    }
    for net in &p.defaults.networks {
        if !p.networks.contains_key(net) {
            out.push(Problem::new(
                Path::root().key("defaults").key("networks"),
                format!("network `{net}` is not declared"),
                None,
            ));
        }
    }
}

/// Parse `a.b.c.d/n`.
pub fn parse_cidr(s: &str) -> Option<(Ipv4Addr, u8)> {
    let (ip, len) = s.split_once('/')?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    (len <= 30).then_some((ip, len))
}

/// Whether `ip` is inside `(net, len)`.
pub fn in_subnet(ip: Ipv4Addr, (net, len): (Ipv4Addr, u8)) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(ip) & mask == u32::from(net) & mask
}
