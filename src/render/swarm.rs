//! The Docker Swarm target (`composegen render NAME --target swarm -o DIR`): the bundle's
//! compose files rewritten as stack files for `docker stack deploy`.
//!
//! It is a step on the resolved context, like [`super::inline`]: the templates and the
//! post-render check stay the ones of the compose target, and every value that depends on the
//! stack's size was computed once in [`super::context`]. What changes (docs/swarm.md):
//! - keys `docker stack deploy` ignores (`container_name`, `restart`, `security_opt`,
//!   `network_mode`, `expose`, `build`; docker/cli `cli/compose/types`) or refuses (a `name`,
//!   `depends_on` with conditions, `profiles`, `pids_limit`) are not written; what swarm honours
//!   stands in: `deploy.restart_policy`, `deploy.update_config`, `deploy.resources.limits.pids`;
//! - start-up order: without `depends_on`, a service that starts before what it needs fails its
//!   healthcheck or exits, and `restart_policy` starts it again until it is healthy;
//! - feature groups (compose profiles) are services with `deploy.replicas: 0`;
//! - ports published on 127.0.0.1 are not published: swarm's routing mesh has no host address
//!   and would open them on every interface of every node;
//! - a service with a named volume is pinned to the node carrying the label
//!   `STACK.INSTANCE=true` (its data stays on that node);
//! - networks are attachable overlays, without a fixed subnet (services reach each other by
//!   name; a subnet chosen here could overlap another network of the cluster);
//! - secrets are swarm secrets from files under `secrets/` in the bundle (generated once, 0600,
//!   never overwritten); a variable whose image reads `VAR_FILE` (the image table) gets the
//!   file, any other still reads `${VAR:?…}` from the environment of `docker stack deploy`.

use std::collections::BTreeSet;

use super::context::{Output, RConfig, RService, RSwarm, SecretInfo, Stack, secret_ref};
use crate::error::Result;
use crate::lint::images::ImageTable;
use crate::lint::view::repository;

/// The bundle directory holding the secret files.
pub const SECRETS_DIR: &str = "secrets";

/// The file of a secret in the bundle.
pub fn secret_path(secret: &SecretInfo) -> String {
    format!("{SECRETS_DIR}/{}", secret_name(secret))
}

/// The swarm secret's name: the variable, in lower case.
pub fn secret_name(secret: &SecretInfo) -> String {
    secret.env.to_ascii_lowercase()
}

/// The node label that pins `instance` of `stack` (with its volumes) to one node.
pub fn node_label(stack: &str, instance: &str) -> String {
    format!("{stack}.{instance}")
}

/// Rewrite every output of a bundle render as a swarm stack file.
pub fn apply(stack: &mut Stack) -> Result<()> {
    let images = ImageTable::new(&[])?;
    let name = stack.name.clone();
    let secrets = stack.secrets.clone();
    for out in &mut stack.outputs {
        apply_output(&name, out, &secrets, &images);
    }
    Ok(())
}

/// What the header says changed, collected while rewriting.
#[derive(Default)]
struct Notes {
    labels: Vec<String>,
    loopback: Vec<String>,
    built: Vec<String>,
    groups: Vec<String>,
    from_env: BTreeSet<String>,
    dropped_addresses: bool,
}

fn apply_output(stack: &str, out: &mut Output, secrets: &[SecretInfo], images: &ImageTable) {
    let mut notes = Notes::default();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for s in &mut out.services {
        service(
            stack,
            &out.project,
            s,
            secrets,
            images,
            &mut notes,
            &mut used,
        );
    }
    out.swarm = true;
    for n in &mut out.networks {
        if !n.external {
            n.driver = "overlay".to_string();
            n.attachable = true;
            // Peers find each other by name on a swarm: a fixed subnet would only risk
            // overlapping another network of the cluster.
            n.subnet = None;
        }
    }
    out.secrets = secrets
        .iter()
        .filter(|x| used.contains(&secret_name(x)))
        .map(|x| RConfig {
            name: secret_name(x),
            path: secret_path(x),
        })
        .collect();
    let lines = header(stack, &out.file, &notes);
    out.header.extend(lines);
}

fn service(
    stack: &str,
    project: &str,
    s: &mut RService,
    secrets: &[SecretInfo],
    images: &ImageTable,
    notes: &mut Notes,
    used: &mut BTreeSet<String>,
) {
    s.container_name = None;
    s.depends_on.clear();
    s.expose.clear();
    s.network_mode = None;
    // `no-new-privileges` and other security options: swarm services have none.
    s.security_opt.clear();
    if s.build.take().is_some() && s.image.is_none() {
        let image = format!("{project}-{}", s.name);
        notes.built.push(image.clone());
        s.image = Some(image);
    }
    if !s.profiles.is_empty() {
        notes.groups.append(&mut s.profiles);
        s.replicas = Some(0);
    }
    let before = s.ports.len();
    s.ports.retain(|p| !p.spec.starts_with("127.0.0.1:"));
    if s.ports.len() != before {
        notes.loopback.push(s.name.clone());
    }
    for n in &mut s.networks {
        notes.dropped_addresses |= n.ipv4_address.take().is_some();
    }

    // Secrets: a file where the image reads one, else the deploy-time environment.
    let entry = s
        .image
        .as_deref()
        .and_then(|i| images.lookup(&repository(i)));
    let mut mounted: Vec<String> = Vec::new();
    let mut env = Vec::with_capacity(s.environment.len());
    for (key, value) in std::mem::take(&mut s.environment) {
        let secret = secrets
            .iter()
            .find(|x| value == secret_ref(&x.env, &x.description));
        let file_key = entry.and_then(|e| {
            [format!("{key}_FILE"), format!("{key}__FILE")]
                .into_iter()
                .find(|k| e.env.contains(k))
        });
        match (secret, file_key) {
            (Some(x), Some(file_key)) => {
                let name = secret_name(x);
                env.push((file_key, format!("/run/secrets/{name}")));
                if !mounted.contains(&name) {
                    mounted.push(name.clone());
                }
                used.insert(name);
            }
            _ => env.push((key, value)),
        }
    }
    s.environment = env;
    s.secrets = mounted;
    // What still reads a secret from the deploy-time environment: anywhere in the service
    // (environment, command, healthcheck, …).
    let text = serde_json::to_string(&*s).unwrap_or_default();
    for x in secrets {
        if text.contains(&format!("${{{}:?", x.env)) {
            notes.from_env.insert(x.env.clone());
        }
    }

    let stateful = s
        .volumes
        .iter()
        .filter_map(|m| m.spec.split(':').next())
        .any(|v| !v.starts_with('.') && !v.starts_with('/'));
    let mut placement = Vec::new();
    if stateful {
        let label = node_label(stack, &s.name);
        placement.push(format!("node.labels.{label} == true"));
        notes.labels.push(label);
    }
    let (condition, max_attempts) = match s.restart.as_str() {
        // A one-shot: retried until it succeeds, since nothing waits for what it needs.
        "no" | "on-failure" => ("on-failure", Some(10)),
        _ => ("any", None),
    };
    s.restart.clear();
    let pids = s.pids_limit.take().filter(|_| s.memory.is_some());
    if s.replicas.is_none() {
        s.replicas = Some(1);
    }
    s.swarm = Some(RSwarm {
        placement,
        // A service with data on one node cannot run twice during an update.
        update_order: if stateful {
            "stop-first"
        } else {
            "start-first"
        }
        .to_string(),
        update_delay: "10s".to_string(),
        failure_action: "rollback".to_string(),
        restart_condition: condition.to_string(),
        restart_delay: "5s".to_string(),
        max_attempts,
        pids,
    });
}

/// The header of stack file `file`: every file of the bundle deploys into the one stack
/// `stack` (a second file, such as a monitoring part, adds its services to it).
fn header(stack: &str, file: &str, notes: &Notes) -> Vec<String> {
    let mut h = vec![
        format!("Docker Swarm stack: docker stack deploy -c {file} {stack}"),
        "Compared with the compose target (docs/swarm.md): no depends_on, so start-up order relies on healthchecks and deploy.restart_policy;".to_string(),
        "no container_name, restart, security_opt or network_mode (swarm ignores them); networks are attachable overlays.".to_string(),
    ];
    if !notes.labels.is_empty() {
        h.push(format!(
            "Services with volumes run on the node labelled for them (docker node update --label-add LABEL=true NODE): {}",
            notes.labels.join(", ")
        ));
    }
    if !notes.loopback.is_empty() {
        h.push(format!(
            "Not published (127.0.0.1 only in the compose target; swarm would open them on every node): {}; reach them with docker run --network on an attachable network",
            notes.loopback.join(", ")
        ));
    }
    if !notes.built.is_empty() {
        h.push(format!(
            "Build and push these images to a registry every node can pull from: {}",
            notes.built.join(", ")
        ));
    }
    if !notes.groups.is_empty() {
        let mut g: Vec<&String> = notes.groups.iter().collect();
        g.sort();
        g.dedup();
        h.push(format!(
            "Feature groups ({}) are services with 0 replicas: docker service scale {stack}_SERVICE=1",
            g.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if notes.dropped_addresses {
        h.push("Fixed container addresses are not kept: swarm assigns the addresses.".to_string());
    }
    if !notes.from_env.is_empty() {
        let vars: Vec<String> = notes
            .from_env
            .iter()
            .map(|v| format!("{v}=\"$(cat secrets/{})\"", v.to_ascii_lowercase()))
            .collect();
        h.push(format!(
            "Secrets under secrets/; these images read theirs from the environment, export it for docker stack deploy: export {}",
            vars.join(" ")
        ));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::context::{RAttach, RMount, RPort};

    fn secret(env: &str) -> SecretInfo {
        SecretInfo {
            env: env.into(),
            description: format!("{env} for tests"),
            value: None,
            length: 16,
        }
    }

    fn svc() -> RService {
        RService {
            name: "db".into(),
            image: Some("postgres:16.4".into()),
            container_name: Some("db".into()),
            restart: "unless-stopped".into(),
            depends_on: vec![("x".into(), "service_healthy".into())],
            security_opt: vec!["no-new-privileges:true".into()],
            ports: vec![
                RPort {
                    spec: "127.0.0.1:5432:5432".into(),
                    comment: None,
                },
                RPort {
                    spec: "80:80".into(),
                    comment: None,
                },
            ],
            volumes: vec![RMount {
                spec: "db-data:/var/lib/postgresql/data".into(),
                comment: None,
            }],
            networks: vec![RAttach {
                name: "n".into(),
                ipv4_address: Some("10.0.0.2".into()),
                aliases: vec![],
            }],
            environment: vec![
                (
                    "POSTGRES_PASSWORD".into(),
                    secret_ref("PG_PW", "PG_PW for tests"),
                ),
                (
                    "URL".into(),
                    format!("pg://u:{}@db", secret_ref("PG_PW", "PG_PW for tests")),
                ),
            ],
            memory: Some("1g".into()),
            pids_limit: Some(100),
            ..Default::default()
        }
    }

    #[test]
    fn stateful_service_becomes_a_pinned_swarm_service() {
        let mut s = svc();
        let mut notes = Notes::default();
        let mut used = BTreeSet::new();
        let images = ImageTable::new(&[]).unwrap();
        service(
            "st",
            "st",
            &mut s,
            &[secret("PG_PW")],
            &images,
            &mut notes,
            &mut used,
        );
        assert_eq!(s.container_name, None);
        assert!(s.depends_on.is_empty() && s.security_opt.is_empty() && s.restart.is_empty());
        assert_eq!(s.ports.len(), 1);
        assert_eq!(s.ports[0].spec, "80:80");
        assert_eq!(s.networks[0].ipv4_address, None);
        let w = s.swarm.as_ref().unwrap();
        assert_eq!(w.placement, ["node.labels.st.db == true"]);
        assert_eq!(w.update_order, "stop-first");
        assert_eq!(w.restart_condition, "any");
        assert_eq!(w.pids, Some(100));
        assert_eq!(s.pids_limit, None);
        assert_eq!(s.replicas, Some(1));
        // postgres reads POSTGRES_PASSWORD_FILE; the URL still needs the variable.
        assert_eq!(
            s.environment[0],
            (
                "POSTGRES_PASSWORD_FILE".to_string(),
                "/run/secrets/pg_pw".to_string()
            )
        );
        assert!(s.environment[1].1.contains("${PG_PW:?"));
        assert_eq!(s.secrets, ["pg_pw"]);
        assert!(used.contains("pg_pw"));
        assert!(notes.from_env.contains("PG_PW"));
        assert_eq!(notes.loopback, ["db"]);
    }

    #[test]
    fn one_shots_retry_and_stateless_services_start_first() {
        let mut s = RService {
            name: "init".into(),
            image: Some("busybox:1.36.1".into()),
            restart: "no".into(),
            profiles: vec!["extra".into()],
            ..Default::default()
        };
        let mut notes = Notes::default();
        let images = ImageTable::new(&[]).unwrap();
        service(
            "st",
            "st",
            &mut s,
            &[],
            &images,
            &mut notes,
            &mut BTreeSet::new(),
        );
        let w = s.swarm.as_ref().unwrap();
        assert_eq!(
            (w.restart_condition.as_str(), w.max_attempts),
            ("on-failure", Some(10))
        );
        assert_eq!(w.update_order, "start-first");
        assert!(w.placement.is_empty());
        assert!(s.profiles.is_empty());
        assert_eq!(s.replicas, Some(0));
    }
}
