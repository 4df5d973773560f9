//! Rendering: resolved profile → compose files and config files, checked before anything is
//! printed or written.

pub mod bundle;
pub mod check;
pub mod context;
pub mod inline;
pub mod requirements;
pub mod swarm;
pub mod templates;

use indexmap::IndexMap;
use minijinja::Value;

use crate::error::{Error, Result};
use crate::profile::load::Loaded;
use context::Stack;

/// Prefix of the header line of a rendered file that records the command (`composegen render
/// ...`); the CLI writes it, and a bundle recognises its own files by it.
pub const RENDERED_WITH: &str = "Rendered with: ";

/// How config files reach the containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One self-contained file: config files travel in a one-shot service (see [`inline`]).
    Inline,
    /// A bundle directory: configs written next to the compose file and referenced by `file:`.
    Bundle,
    /// A bundle for Docker Swarm (`--target swarm`): stack files for `docker stack deploy`,
    /// configs and secrets as swarm objects from files in the bundle (see [`swarm`]).
    Swarm,
}

/// The result of a render.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Compose files: (output key, file name, text), the main one first.
    pub compose: Vec<(String, String, String)>,
    /// Config files: bundle path → text.
    pub files: IndexMap<String, String>,
    /// The context it was rendered from.
    pub stack: Stack,
    /// The profile's layers (profile, values files, `--set`): where a finding on the rendered
    /// file is pointed back to.
    pub layers: std::rc::Rc<Vec<crate::profile::load::Layer>>,
    /// How it was rendered.
    pub mode: Mode,
}

/// The main compose template.
pub const COMPOSE_TEMPLATE: &str = "compose.yml.j2";

/// Render a loaded profile. `header` lines are written as comments at the top of each file.
pub fn render(loaded: &Loaded, mode: Mode, header: &[String]) -> Result<Rendered> {
    let mut stack = context::resolve(&loaded.profile, header, mode == Mode::Swarm)?;
    let env = templates::environment(loaded.base_dir.clone());

    // Config files first: their text is inlined into the compose files in Inline mode.
    // The stack becomes a template value once per phase (it holds every value of the profile,
    // which may be megabytes), and templates share it.
    let mut files = IndexMap::new();
    let stack_value = Value::from(minijinja::value::Serde(&stack));
    for (name, f) in &stack.files {
        let tmpl = env
            .get_template(&f.template)
            .map_err(|e| template_error(&f.template, &e))?;
        let text = tmpl
            .render(minijinja::context! { stack => stack_value.clone(), file => name })
            .map_err(|e| template_error(&f.template, &e))?;
        files.insert(name.clone(), text);
    }
    let paths: IndexMap<String, String> = stack
        .files
        .iter()
        .map(|(k, f)| (k.clone(), f.path.clone()))
        .collect();
    match mode {
        Mode::Inline => inline::apply(&mut stack, &files)?,
        Mode::Swarm => swarm::apply(&mut stack)?,
        Mode::Bundle => {}
    }

    let tmpl = env
        .get_template(COMPOSE_TEMPLATE)
        .map_err(|e| template_error(COMPOSE_TEMPLATE, &e))?;
    let mut compose = Vec::new();
    drop(stack_value);
    let stack_value = Value::from(minijinja::value::Serde(&stack));
    let outputs = stack_value
        .get_attr("outputs")
        .map_err(|e| template_error(COMPOSE_TEMPLATE, &e))?;
    for (i, out) in stack.outputs.iter().enumerate() {
        let out_value = outputs
            .get_item(&Value::from(i))
            .map_err(|e| template_error(COMPOSE_TEMPLATE, &e))?;
        let text = tmpl
            .render(minijinja::context! { out => out_value, stack => stack_value.clone() })
            .map_err(|e| template_error(COMPOSE_TEMPLATE, &e))?;
        check::verify(out, &text).map_err(|message| Error::Template {
            template: format!("{COMPOSE_TEMPLATE} ({})", out.file),
            message,
        })?;
        compose.push((out.key.clone(), out.file.clone(), text));
    }
    let files = files
        .into_iter()
        .filter_map(|(k, text)| paths.get(&k).map(|p| (p.clone(), text)))
        .collect();
    Ok(Rendered {
        compose,
        files,
        stack,
        layers: loaded.layers.clone(),
        mode,
    })
}

fn template_error(name: &str, e: &minijinja::Error) -> Error {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    if let Some(line) = e.line() {
        message.push_str(&format!(" (line {line})"));
    }
    Error::Template {
        template: name.to_string(),
        message,
    }
}
