//! The post-render check: the rendered text is parsed back (with serde_yaml, a different parser
//! from the one the templates were written against) and compared, key for key and value for
//! value, with the document the context describes. A template bug or an injected value becomes
//! an error, never a silently broken file: the rendered project has exactly the intended keys.
//!
//! [`expected`] is the one statement of what `compose.yml.j2` must produce; it mirrors the
//! template's conditions (what is omitted when empty) so that any extra, missing or changed key
//! is caught.

use serde_yaml::{Mapping, Value};

use super::context::{Output, RService};

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn seq<'a>(items: impl IntoIterator<Item = &'a String>) -> Value {
    Value::Sequence(items.into_iter().map(|x| s(x)).collect())
}

fn map<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    Value::Mapping(pairs.into_iter().map(|(k, v)| (s(k), s(v))).collect())
}

/// A mapping builder that skips what the template omits.
#[derive(Default)]
struct M(Mapping);

impl M {
    fn set(&mut self, k: &str, v: Value) -> &mut Self {
        self.0.insert(s(k), v);
        self
    }
    fn opt(&mut self, k: &str, v: Option<&String>) -> &mut Self {
        if let Some(v) = v {
            self.set(k, s(v));
        }
        self
    }
    fn list(&mut self, k: &str, v: &[String]) -> &mut Self {
        if !v.is_empty() {
            self.set(k, seq(v));
        }
        self
    }
    fn done(&mut self) -> Value {
        Value::Mapping(std::mem::take(&mut self.0))
    }
}

fn service(svc: &RService) -> Value {
    let mut m = M::default();
    m.opt("image", svc.image.as_ref());
    if let Some(b) = &svc.build {
        let mut bm = M::default();
        bm.set("context", s(&b.context))
            .opt("dockerfile", b.dockerfile.as_ref())
            .opt("target", b.target.as_ref());
        if !b.args.is_empty() {
            bm.set("args", map(b.args.iter().map(|(k, v)| (k, v))));
        }
        m.set("build", bm.done());
    }
    m.opt("container_name", svc.container_name.as_ref())
        .opt("hostname", svc.hostname.as_ref())
        .list("profiles", &svc.profiles)
        .opt("user", svc.user.as_ref())
        .list("entrypoint", &svc.entrypoint)
        .opt("network_mode", svc.network_mode.as_ref())
        .list("command", &svc.command);
    if !svc.environment.is_empty() {
        m.set(
            "environment",
            map(svc.environment.iter().map(|(k, v)| (k, v))),
        );
    }
    let ports: Vec<String> = svc.ports.iter().map(|p| p.spec.clone()).collect();
    m.list("ports", &ports).list("expose", &svc.expose);
    if !svc.volumes.is_empty() || !svc.file_mounts.is_empty() {
        let mut vols: Vec<Value> = svc.volumes.iter().map(|v| s(&v.spec)).collect();
        for f in &svc.file_mounts {
            vols.push(
                M::default()
                    .set("type", s("volume"))
                    .set("source", s(&f.volume))
                    .set("target", s(&f.target))
                    .set("read_only", Value::Bool(true))
                    .set(
                        "volume",
                        M::default()
                            .set("nocopy", Value::Bool(true))
                            .set("subpath", s(&f.subpath))
                            .done(),
                    )
                    .done(),
            );
        }
        m.set("volumes", Value::Sequence(vols));
    }
    m.list("tmpfs", &svc.tmpfs);
    if !svc.configs.is_empty() {
        let items = svc
            .configs
            .iter()
            .map(|(name, target)| {
                M::default()
                    .set("source", s(name))
                    .set("target", s(target))
                    .done()
            })
            .collect();
        m.set("configs", Value::Sequence(items));
    }
    m.list("secrets", &svc.secrets);
    if !svc.networks.is_empty() {
        let mut nets = M::default();
        for n in &svc.networks {
            let mut a = M::default();
            a.opt("ipv4_address", n.ipv4_address.as_ref())
                .list("aliases", &n.aliases);
            nets.set(&n.name, a.done());
        }
        m.set("networks", nets.done());
    }
    if !svc.depends_on.is_empty() {
        let mut deps = M::default();
        for (name, cond) in &svc.depends_on {
            deps.set(name, M::default().set("condition", s(cond)).done());
        }
        m.set("depends_on", deps.done());
    }
    if let Some(h) = &svc.healthcheck {
        let mut hm = M::default();
        hm.set("test", seq(&h.test))
            .set("interval", s(&h.interval))
            .set("timeout", s(&h.timeout))
            .set("retries", Value::Number(h.retries.into()))
            .opt("start_period", h.start_period.as_ref());
        m.set("healthcheck", hm.done());
    }
    if !svc.restart.is_empty() {
        m.set("restart", s(&svc.restart));
    }
    if svc.read_only {
        m.set("read_only", Value::Bool(true));
    }
    m.list("cap_drop", &svc.cap_drop)
        .list("cap_add", &svc.cap_add)
        .list("security_opt", &svc.security_opt);
    if !svc.ulimits.is_empty() {
        let mut u = M::default();
        for (k, v) in &svc.ulimits {
            u.set(k, Value::Number((*v).into()));
        }
        m.set("ulimits", u.done());
    }
    if let Some(p) = svc.pids_limit.filter(|p| *p != 0) {
        m.set("pids_limit", Value::Number(p.into()));
    }
    m.opt("stop_grace_period", svc.stop_grace_period.as_ref());
    if !svc.labels.is_empty() {
        m.set("labels", map(svc.labels.iter().map(|(k, v)| (k, v))));
    }
    if let Some(l) = &svc.logging {
        let mut lm = M::default();
        lm.set("driver", s(&l.driver));
        if !l.options.is_empty() {
            lm.set("options", map(l.options.iter()));
        }
        m.set("logging", lm.done());
    }
    if svc.memory.is_some() || svc.replicas.is_some() || svc.swarm.is_some() {
        let mut d = M::default();
        if let Some(r) = svc.replicas {
            d.set("replicas", Value::Number(r.into()));
        }
        if let Some(mem) = &svc.memory {
            let mut r = M::default();
            let mut limits = M::default();
            limits
                .set("cpus", svc.cpus.as_deref().map_or(Value::Null, s))
                .set("memory", s(mem));
            if let Some(pids) = svc.swarm.as_ref().and_then(|w| w.pids) {
                limits.set("pids", Value::Number(pids.into()));
            }
            r.set("limits", limits.done());
            if let Some(res) = &svc.memory_reservation {
                r.set("reservations", M::default().set("memory", s(res)).done());
            }
            d.set("resources", r.done());
        }
        if let Some(w) = &svc.swarm {
            if !w.placement.is_empty() {
                d.set(
                    "placement",
                    M::default().set("constraints", seq(&w.placement)).done(),
                );
            }
            d.set(
                "update_config",
                M::default()
                    .set("parallelism", Value::Number(1.into()))
                    .set("delay", s(&w.update_delay))
                    .set("failure_action", s(&w.failure_action))
                    .set("order", s(&w.update_order))
                    .done(),
            );
            let mut rp = M::default();
            rp.set("condition", s(&w.restart_condition))
                .set("delay", s(&w.restart_delay));
            if let Some(n) = w.max_attempts.filter(|n| *n != 0) {
                rp.set("max_attempts", Value::Number(n.into()));
            }
            d.set("restart_policy", rp.done());
        }
        m.set("deploy", d.done());
    }
    m.done()
}

/// The document `compose.yml.j2` must produce for `out`.
pub fn expected(out: &Output) -> Value {
    let mut doc = M::default();
    if !out.swarm {
        doc.set("name", s(&out.project));
    }
    let mut services = M::default();
    for svc in &out.services {
        services.set(&svc.name, service(svc));
    }
    doc.set("services", services.done());
    if !out.networks.is_empty() {
        let mut nets = M::default();
        for n in &out.networks {
            let mut nm = M::default();
            if n.external {
                nm.set("external", Value::Bool(true))
                    .set("name", n.name.as_deref().map_or(Value::Null, s));
            } else {
                nm.opt("name", n.name.as_ref()).set("driver", s(&n.driver));
                if n.attachable {
                    nm.set("attachable", Value::Bool(true));
                }
                if n.internal {
                    nm.set("internal", Value::Bool(true));
                }
                if let Some(subnet) = &n.subnet {
                    nm.set(
                        "ipam",
                        M::default()
                            .set(
                                "config",
                                Value::Sequence(vec![M::default().set("subnet", s(subnet)).done()]),
                            )
                            .done(),
                    );
                }
            }
            nets.set(&n.key, nm.done());
        }
        doc.set("networks", nets.done());
    }
    if !out.volumes.is_empty() {
        let mut vols = M::default();
        for v in &out.volumes {
            vols.set(v, Value::Mapping(Mapping::new()));
        }
        doc.set("volumes", vols.done());
    }
    if !out.configs.is_empty() {
        let mut cfgs = M::default();
        for c in &out.configs {
            cfgs.set(
                &c.name,
                M::default().set("file", s(&format!("./{}", c.path))).done(),
            );
        }
        doc.set("configs", cfgs.done());
    }
    if !out.secrets.is_empty() {
        let mut secrets = M::default();
        for c in &out.secrets {
            secrets.set(
                &c.name,
                M::default().set("file", s(&format!("./{}", c.path))).done(),
            );
        }
        doc.set("secrets", secrets.done());
    }
    doc.done()
}

/// The first place where `got` and `want` differ, as `path: rendered X, expected Y`.
fn difference(path: &str, got: &Value, want: &Value) -> Option<String> {
    let show = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    match (got, want) {
        (Value::Mapping(g), Value::Mapping(w)) => {
            // Key order is layout, not meaning: compare the sets, then each value.
            let mut gk: Vec<&Value> = g.keys().collect();
            let mut wk: Vec<&Value> = w.keys().collect();
            let order = |a: &&Value, b: &&Value| show(a).cmp(&show(b));
            gk.sort_by(order);
            wk.sort_by(order);
            if gk != wk {
                return Some(format!(
                    "{path}: rendered keys {}, expected {}",
                    show(&Value::Sequence(gk.into_iter().cloned().collect())),
                    show(&Value::Sequence(wk.into_iter().cloned().collect()))
                ));
            }
            w.iter().find_map(|(k, wv)| {
                let key = k.as_str().map_or_else(|| show(k), str::to_string);
                let sub = if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                };
                difference(&sub, g.get(k)?, wv)
            })
        }
        (Value::Sequence(g), Value::Sequence(w)) if g.len() == w.len() => g
            .iter()
            .zip(w)
            .enumerate()
            .find_map(|(i, (gv, wv))| difference(&format!("{path}[{i}]"), gv, wv)),
        _ if got == want => None,
        _ => Some(format!(
            "{}: rendered {} but the profile says {}",
            if path.is_empty() { "document" } else { path },
            show(got),
            show(want)
        )),
    }
}

/// Compare a rendered compose file with its output description: every key, every value.
pub fn verify(out: &Output, text: &str) -> Result<(), String> {
    let doc: Value =
        serde_yaml::from_str(text).map_err(|e| format!("rendered file is not valid YAML: {e}"))?;
    match difference("", &doc, &expected(out)) {
        None => Ok(()),
        Some(d) => Err(d),
    }
}
