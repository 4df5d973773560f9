//! The post-render check: the rendered text is parsed back (with serde_yaml, a different parser
//! from the one the templates were written against) and compared with what the context said
//! it should contain. A template bug or an injected value becomes an error, never a silently
//! broken file.

use serde_yaml::Value;

use super::context::Output;

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn seq(items: impl IntoIterator<Item = String>) -> Value {
    Value::Sequence(items.into_iter().map(Value::String).collect())
}

fn expect(what: &str, got: Option<&Value>, want: &Value) -> Result<(), String> {
    match got {
        Some(g) if g == want => Ok(()),
        Some(g) => Err(format!(
            "{what}: rendered {} but the profile says {}",
            serde_json::to_string(g).unwrap_or_default(),
            serde_json::to_string(want).unwrap_or_default()
        )),
        None => Err(format!("{what}: missing from the rendered file")),
    }
}

fn keys(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_mapping)
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Compare a rendered compose file with its output description.
pub fn verify(out: &Output, text: &str) -> Result<(), String> {
    let doc: Value =
        serde_yaml::from_str(text).map_err(|e| format!("rendered file is not valid YAML: {e}"))?;
    if !doc.is_mapping() {
        return Err("rendered file is not a mapping".into());
    }
    expect("name", doc.get("name"), &s(&out.project))?;
    let want: Vec<String> = out.services.iter().map(|x| x.name.clone()).collect();
    let got = keys(doc.get("services"));
    if got != want {
        return Err(format!("services: rendered {got:?}, expected {want:?}"));
    }
    let services = doc.get("services");
    for svc in &out.services {
        let d = services.and_then(|m| m.get(svc.name.as_str()));
        let at = |field: &str| format!("services.{}.{field}", svc.name);
        let get = |field: &str| d.and_then(|d| d.get(field));
        if let Some(image) = &svc.image {
            expect(&at("image"), get("image"), &s(image))?;
        }
        if let Some(build) = &svc.build {
            expect(
                &at("build.context"),
                get("build").and_then(|b| b.get("context")),
                &s(&build.context),
            )?;
        }
        if !svc.environment.is_empty() {
            let mut m = serde_yaml::Mapping::new();
            for (k, v) in &svc.environment {
                m.insert(s(k), s(v));
            }
            expect(&at("environment"), get("environment"), &Value::Mapping(m))?;
        }
        let list = |field: &str, want: Vec<String>| -> Result<(), String> {
            if want.is_empty() {
                match get(field) {
                    None => Ok(()),
                    Some(_) => Err(format!("{}: rendered but the profile has none", at(field))),
                }
            } else {
                expect(&at(field), get(field), &seq(want))
            }
        };
        list("ports", svc.ports.iter().map(|p| p.spec.clone()).collect())?;
        list(
            "volumes",
            svc.volumes.iter().map(|m| m.spec.clone()).collect(),
        )?;
        list("tmpfs", svc.tmpfs.clone())?;
        list("command", svc.command.clone())?;
        list("entrypoint", svc.entrypoint.clone())?;
        list("cap_drop", svc.cap_drop.clone())?;
        list("cap_add", svc.cap_add.clone())?;
        if let Some(h) = &svc.healthcheck {
            expect(
                &at("healthcheck.test"),
                get("healthcheck").and_then(|x| x.get("test")),
                &seq(h.test.clone()),
            )?;
        }
        let nets = keys(get("networks"));
        let want_nets: Vec<String> = svc.networks.iter().map(|n| n.name.clone()).collect();
        if nets != want_nets {
            return Err(format!(
                "{}: rendered {nets:?}, expected {want_nets:?}",
                at("networks")
            ));
        }
        let deps = keys(get("depends_on"));
        let want_deps: Vec<String> = svc.depends_on.iter().map(|d| d.0.clone()).collect();
        if deps != want_deps {
            return Err(format!(
                "{}: rendered {deps:?}, expected {want_deps:?}",
                at("depends_on")
            ));
        }
        if let Some(mem) = &svc.memory {
            let got = get("deploy")
                .and_then(|x| x.get("resources"))
                .and_then(|x| x.get("limits"))
                .and_then(|x| x.get("memory"));
            expect(&at("deploy.resources.limits.memory"), got, &s(mem))?;
        }
    }
    let top = |k: &str, want: Vec<String>| -> Result<(), String> {
        let got = keys(doc.get(k));
        if got != want {
            return Err(format!("{k}: rendered {got:?}, expected {want:?}"));
        }
        Ok(())
    };
    top(
        "networks",
        out.networks.iter().map(|n| n.key.clone()).collect(),
    )?;
    top("volumes", out.volumes.clone())?;
    top(
        "configs",
        out.configs.iter().map(|c| c.name.clone()).collect(),
    )?;
    for c in &out.configs {
        let d = doc.get("configs").and_then(|m| m.get(c.name.as_str()));
        match &c.content {
            Some(content) => expect(
                &format!("configs.{}.content", c.name),
                d.and_then(|x| x.get("content")),
                &s(content),
            )?,
            None => expect(
                &format!("configs.{}.file", c.name),
                d.and_then(|x| x.get("file")),
                &s(&format!("./{}", c.path)),
            )?,
        }
    }
    Ok(())
}
