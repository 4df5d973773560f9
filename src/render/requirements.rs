//! What a render cannot contain and the user must provide before `docker compose up` works:
//! the build contexts of services built from source (unless a prebuilt image was given through
//! the service's `build.image_knob`) and starter files meant to be replaced. The list itself is
//! computed with the render context (`Stack::requirements`); this module only words it, once for
//! the terminal ([`notice`], for stderr) and once for a bundle ([`readme`], a short README.md).

use super::context::{Requirement, RequirementKind, Stack};

/// The terminal notice: one line per thing to provide, or `None` when the render is complete.
/// Plain text (no color), ending with a newline: print it with `eprint!`.
pub fn notice(stack: &Stack) -> Option<String> {
    if stack.requirements.is_empty() {
        return None;
    }
    let mut s = format!(
        "note: the {} stack needs what this render does not contain:\n",
        stack.name
    );
    for r in &stack.requirements {
        match r.kind {
            RequirementKind::Build => {
                s.push_str(&format!(
                    "  - {}: build context ({}) of {}{}\n",
                    r.path,
                    dockerfile(r),
                    r.services.join(", "),
                    group(r, "; needed only with --profile ", ""),
                ));
                if let Some(knob) = &r.knob {
                    s.push_str(&format!(
                        "    or run a prebuilt image instead: --set {knob}=REGISTRY/NAME:TAG\n"
                    ));
                }
            }
            RequirementKind::Starter => {
                s.push_str(&format!(
                    "  - {}: a starter to replace with your own{}; mounted into {}{}\n",
                    r.path,
                    description(r, ": ", ""),
                    mounts(r, ""),
                    group(r, " (needed only with --profile ", ")"),
                ));
            }
        }
    }
    if stack
        .requirements
        .iter()
        .any(|r| r.kind == RequirementKind::Build)
    {
        s.push_str(if swarm(stack) {
            "Swarm builds nothing: build each context, push the image (named STACK-SERVICE in the \
             stack file) to a registry every node can pull from, or render with the prebuilt-image \
             --set.\n"
        } else {
            "Build contexts are relative to the compose file; `docker compose up` stops at the \
             first one that is missing.\n"
        });
    }
    if stack
        .requirements
        .iter()
        .any(|r| r.kind == RequirementKind::Starter)
    {
        s.push_str("A bundle (`-o DIR`) holds each starter as a file to edit.\n");
    }
    Some(s)
}

/// A short README.md for a bundle: what to provide next to the rendered files, or `None` when
/// the render is complete.
pub fn readme(stack: &Stack) -> Option<String> {
    if stack.requirements.is_empty() {
        return None;
    }
    let compose = stack
        .outputs
        .first()
        .map_or("docker-compose.yml", |o| o.file.as_str());
    let up = if swarm(stack) {
        "docker stack deploy"
    } else {
        "docker compose up"
    };
    let mut s = format!(
        "# {}: what to provide\n\n`{up}` needs these besides the files composegen rendered.\n",
        stack.name
    );
    let builds: Vec<&Requirement> = stack
        .requirements
        .iter()
        .filter(|r| r.kind == RequirementKind::Build)
        .collect();
    if !builds.is_empty() {
        s.push_str(&format!(
            "\n## Build contexts\n\nDirectories relative to {}, each with its Dockerfile; {} To run a \
             prebuilt image instead, render again with the `--set` shown.\n\n\
             | Context | Services | Prebuilt image instead |\n| --- | --- | --- |\n",
            code(compose),
            if swarm(stack) {
                "swarm builds nothing: build each one, tag it with the `image` the stack file \
                 names (STACK-SERVICE) and push it to a registry every node can pull from."
            } else {
                "`docker compose up` builds them first and stops at the first one that is missing."
            }
        ));
        for r in builds {
            let mut context = code(&r.path);
            if let Some(d) = &r.dockerfile {
                context.push_str(&format!(" ({})", code(d)));
            }
            s.push_str(&format!(
                "| {} | {}{} | {} |\n",
                context,
                r.services.join(", "),
                group(r, " (only with `--profile ", "`)"),
                r.knob.as_ref().map_or_else(
                    || "-".to_string(),
                    |k| code(&format!("--set {k}=REGISTRY/NAME:TAG"))
                ),
            ));
        }
    }
    let starters: Vec<&Requirement> = stack
        .requirements
        .iter()
        .filter(|r| r.kind == RequirementKind::Starter)
        .collect();
    if !starters.is_empty() {
        s.push_str(
            "\n## Starter files\n\nRendered as a starting point: replace them with your own.\n\n",
        );
        for r in starters {
            s.push_str(&format!(
                "- {}{}; mounted into {}.\n",
                code(&r.path),
                description(r, ": ", ""),
                mounts(r, "`"),
            ));
        }
    }
    Some(s)
}

fn dockerfile(r: &Requirement) -> String {
    match &r.dockerfile {
        Some(d) => format!("a directory with {d}"),
        None => "a directory with a Dockerfile".to_string(),
    }
}

fn group(r: &Requirement, before: &str, after: &str) -> String {
    r.group
        .as_ref()
        .map_or_else(String::new, |g| format!("{before}{g}{after}"))
}

fn description(r: &Requirement, before: &str, after: &str) -> String {
    r.description
        .as_ref()
        .map_or_else(String::new, |d| format!("{before}{}{after}", one_line(d)))
}

/// `service at /path, other at /path`, each part quoted with `quote`.
fn mounts(r: &Requirement, quote: &str) -> String {
    r.mounts
        .iter()
        .map(|(svc, target)| format!("{quote}{svc}{quote} at {quote}{target}{quote}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stack was rendered for Docker Swarm (`render::swarm`).
fn swarm(stack: &Stack) -> bool {
    stack.outputs.first().is_some_and(|o| o.swarm)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Inline code that survives backticks in the text.
fn code(s: &str) -> String {
    let s = one_line(s);
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}
