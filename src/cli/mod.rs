//! The command line: one clap definition, used for parsing, completions and the man page.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::assets;
use crate::compose::Target;
use crate::error::{Error, Result};
use crate::profile::load::{self, Layer, Loaded};
use crate::profile::schema::profile_schema;
use crate::render::{self, Mode, bundle};
use crate::schema;

pub mod check;
pub mod completions;
pub mod config;
pub mod env_file;
pub mod header;
pub mod lint;
pub mod report;

/// Generate and lint docker-compose files.
#[derive(Debug, Parser)]
#[command(name = "composegen", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// When to use colour: auto, always, never (NO_COLOR is honoured).
    #[arg(long, global = true, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
    /// No colour (same as --color never).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Print only findings, diffs and errors: no summaries, status lines or progress.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the built-in profiles.
    List,
    /// Print a profile after defaults and overrides are applied.
    Show(ProfileArgs),
    /// Render a profile into a compose file (stdout) or a bundle directory (-o).
    Render(RenderArgs),
    /// Scaffold an editable profile file from a built-in one.
    New {
        /// Name of the new profile (the file is NAME.yaml).
        name: String,
        /// Built-in profile to start from.
        #[arg(long, default_value = "locust")]
        from: String,
        /// Directory to write into.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Print a JSON schema.
    Schema {
        /// Which schema: `profile`, `config` (.composegen.yaml).
        #[arg(value_parser = ["profile", "config"])]
        which: String,
    },
    /// Lint compose files.
    Lint(lint::LintArgs),
    /// Print the merged, interpolated project as Docker Compose would run it (normalized like
    /// `docker compose config`).
    Config(config::ConfigArgs),
    /// List every lint rule.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: lint::RulesFormat,
    },
    /// Print a rule's documentation.
    Explain {
        /// Rule code or name, e.g. CG101 or host-port-collision.
        code: String,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write composegen.1, composegen-render.1, … into this directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

impl Cli {
    /// The colour choice after `--no-color`: auto, always or never.
    pub fn color_choice(&self) -> &str {
        if self.no_color { "never" } else { &self.color }
    }
}

/// Selecting a profile and its overrides.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// A built-in profile name (see `composegen list`) or a path to a profile file.
    pub profile: String,
    /// Values file deep-merged over the profile (repeatable; later files win).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Override one value: a knob (`replicas=3`) or a path (`services.kafka.resources.memory=2g`).
    /// Comma-separated settings are several (`a=1,b=2`; `\,` is a comma in a value).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Like --set, but the value is always a string (`--set-string services.x.image.tag=1.10`).
    #[arg(long = "set-string", value_name = "PATH=VALUE")]
    pub set_string: Vec<String>,
    /// Like --set, with the text of a file as the value (`--set-file motd=./motd.txt`).
    #[arg(long = "set-file", value_name = "PATH=FILE")]
    pub set_file: Vec<String>,
}

/// `render` options.
#[derive(Debug, Args)]
#[command(mut_arg("profile", |a| a.required(false).required_unless_present("check")))]
pub struct RenderArgs {
    /// The profile and overrides (absent only with `--check FILE…`, which reads them from headers).
    #[command(flatten)]
    pub profile: Option<ProfileArgs>,
    /// Write a bundle into this directory: compose file(s), config files, .env.example, .env.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// On stdout, print this part instead of the main file (see the profile's `parts`).
    #[arg(long)]
    pub part: Option<String>,
    /// What deploys the output: `compose` (Docker Compose) or `swarm` (stack files for
    /// `docker stack deploy`, with configs and secrets as files in the bundle; needs -o DIR).
    #[arg(long, value_enum, default_value_t = Target::Compose)]
    pub target: Target,
    /// Print or write the output even when linting it finds errors.
    #[arg(long)]
    pub no_lint: bool,
    /// With -o: overwrite files in DIR that composegen did not write or that were edited since
    /// (see its .composegen-manifest). `.env` is never overwritten.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Write nothing; exit 1 with a diff when FILE (or the -o bundle) differs from the render.
    /// Without a profile, each FILE's header says what to render (no FILE: every rendered
    /// compose file under the current directory).
    #[arg(long, value_name = "FILE", num_args = 0..)]
    pub check: Option<Vec<PathBuf>>,
}

/// Run the CLI; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let color = use_color(cli.color_choice());
    report::set_quiet(cli.quiet);
    match cli.command {
        Command::List => list(),
        Command::Show(args) => {
            let loaded = load_profile(&args)?;
            let value = serde_json::to_value(&loaded.profile)
                .map_err(|e| Error::msg(format!("cannot print profile: {e}"), None))?;
            print(&crate::profile::show::to_yaml(&value))
        }
        Command::Render(args) => render_cmd(&args, color),
        Command::New { name, from, dir } => new_profile(&name, &from, &dir),
        Command::Schema { which } => match which.as_str() {
            "config" => print(&schema::to_pretty(&crate::lint::config::config_schema())),
            _ => print(&schema::to_pretty(
                &crate::profile::schema::generated_profile_schema(),
            )),
        },
        Command::Lint(args) => {
            let (text, code) = lint::run(&args, color)?;
            print(&text)?;
            Ok(code)
        }
        Command::Config(args) => print(&config::run(&args)?),
        Command::Rules { format } => print(&lint::rules(format)),
        Command::Explain { code } => print(&lint::explain(&code)?),
        Command::Completions { shell } => print(&completions::completions(shell)),
        Command::Man { dir: None } => print(&completions::man_page()?),
        Command::Man { dir: Some(dir) } => {
            for path in completions::man_pages_to(&dir)? {
                report::status(format_args!("wrote {}", path.display()));
            }
            Ok(0)
        }
    }
}

/// Whether to colour output: `--color`, then NO_COLOR, then whether stdout is a terminal.
pub fn use_color(choice: &str) -> bool {
    match choice {
        "always" => true,
        "never" => false,
        _ => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::IsTerminal::is_terminal(&std::io::stdout())
        }
    }
}

fn print(text: &str) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::io("cannot write", "stdout", e)),
    }
}

fn list() -> Result<i32> {
    let mut rows = Vec::new();
    for name in assets::profile_names() {
        let loaded = load_layers(vec![builtin_layer(name)?], None)?;
        let p = &loaded.profile;
        rows.push((name.to_string(), p.services.len(), p.description.clone()));
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(4);
    let mut text = format!("{:width$}  {:>8}  DESCRIPTION\n", "NAME", "SERVICES");
    for (name, n, desc) in rows {
        text.push_str(&format!("{name:width$}  {n:>8}  {desc}\n"));
    }
    print(&text)
}

fn builtin_layer(name: &str) -> Result<Layer> {
    let text = assets::profile(name).ok_or_else(|| unknown_profile(name))?;
    Layer::yaml(format!("builtin:{name}"), text.to_string())
}

fn unknown_profile(name: &str) -> Error {
    Error::msg(
        format!("unknown profile {name:?}"),
        Some(format!(
            "built-in profiles: {}; or give a path to a profile file (./{name}.yaml)",
            assets::profile_names().join(", ")
        )),
    )
}

fn read(path: &Path) -> Result<String> {
    let bytes = crate::fsio::read_input(path).map_err(|e| Error::io("cannot read", path, e))?;
    String::from_utf8(bytes).map_err(|_| {
        Error::msg(
            format!("{} is not valid UTF-8 text", path.display()),
            Some("profiles and values files are YAML text in UTF-8".to_string()),
        )
    })
}

fn looks_like_path(s: &str) -> bool {
    s.contains('/') || s.ends_with(".yaml") || s.ends_with(".yml") || Path::new(s).is_file()
}

/// Load a profile with its values files and `--set` overrides.
pub fn load_profile(args: &ProfileArgs) -> Result<Loaded> {
    let mut layers = Vec::new();
    let mut base_dir = None;
    if looks_like_path(&args.profile) && assets::profile(&args.profile).is_none() {
        let path = Path::new(&args.profile);
        layers.push(Layer::yaml(path.display().to_string(), read(path)?)?);
        base_dir = Some(
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        );
    } else {
        layers.push(builtin_layer(&args.profile)?);
    }
    for v in &args.values {
        layers.push(Layer::yaml(v.display().to_string(), read(v)?)?);
    }
    layers.extend(load::set_layers(
        &args.set,
        &args.set_string,
        &args.set_file,
        &|p| read(Path::new(p)),
    )?);
    load_layers(layers, base_dir)
}

fn load_layers(layers: Vec<Layer>, base_dir: Option<PathBuf>) -> Result<Loaded> {
    load::load(layers, base_dir)
}

/// The header comment recording how a file printed on stdout in the current directory was
/// rendered (see `header.rs`).
pub fn header(args: &ProfileArgs) -> Vec<String> {
    header::lines(args, None, false, Target::Compose, Path::new("."))
}

/// The post-render lint: one `lint::lint` of the rendered compose files with `settings` and the
/// built-in image table (also what `benches/lint.rs` measures).
pub fn post_render_lint(
    rendered: &render::Rendered,
    settings: &crate::lint::config::Settings,
) -> Result<crate::lint::Report> {
    use crate::compose::interpolate::Env;
    use crate::lint::{Input, images::ImageTable};
    let images = ImageTable::new(&[])?;
    let inputs = rendered
        .compose
        .iter()
        .map(|(_, file, text)| Input {
            name: format!("<rendered {file}>"),
            bytes: text.as_bytes().to_vec(),
            env: Env::empty(),
        })
        .collect();
    Ok(crate::lint::lint(inputs, settings, &images))
}

/// Lint rendered compose files with the default rules; error-level findings stop the render.
fn lint_rendered(rendered: &render::Rendered, color: bool) -> Result<()> {
    use crate::lint::{finding::Severity, output};
    // A swarm render is also held to what `docker stack deploy` accepts (CG902).
    let settings = crate::lint::config::Settings {
        target: match rendered.mode {
            Mode::Swarm => Target::Swarm,
            Mode::Inline | Mode::Bundle => Target::Compose,
        },
        ..crate::lint::config::Settings::default()
    };
    let report = post_render_lint(rendered, &settings)?;
    if report.worst() == Some(Severity::Error) {
        eprint!(
            "{}",
            output::render(&report, output::Format::Human, &settings, color)
        );
        return Err(rendered_findings_error(rendered, &report));
    }
    Ok(())
}

/// Error-level findings on the rendered file, pointed back at the profile entry (in the profile,
/// values file or `--set` that wrote it last) of the service that produced each.
fn rendered_findings_error(rendered: &render::Rendered, report: &crate::lint::Report) -> Error {
    use crate::lint::finding::Severity;
    let fix = "fix the profile, suppress the finding with an `exceptions` entry, or pass --no-lint";
    let problems: Vec<crate::schema::Problem> = report
        .diagnostics()
        .filter(|(_, d)| d.severity == Severity::Error)
        .map(|(_, d)| {
            let base = d.service.as_ref().and_then(|svc| {
                rendered
                    .stack
                    .services
                    .iter()
                    .find(|(_, info)| info.names.contains(svc))
                    .map(|(base, _)| base.clone())
            });
            crate::schema::Problem {
                path: match &base {
                    Some(b) => crate::yaml::Path::root().key("services").key(b),
                    None => crate::yaml::Path::root(),
                },
                at_key: true,
                message: format!("{} ({} in the rendered file)", d.message, d.code),
                label: "this service renders it".into(),
                help: Some(match &d.help {
                    Some(h) => format!("{h}; or {fix}"),
                    None => fix.to_string(),
                }),
            }
        })
        .collect();
    let n = problems.len();
    let located = match load::locate(&rendered.layers, problems, "") {
        Error::Many { errors, .. } => errors,
        one => vec![one],
    };
    Error::Many {
        summary: format!(
            "the rendered compose file has {n} error-level lint finding{}; nothing was written",
            if n == 1 { "" } else { "s" }
        ),
        errors: located,
    }
}

fn render_cmd(args: &RenderArgs, color: bool) -> Result<i32> {
    if args.target == Target::Swarm && args.output.is_none() {
        return Err(Error::msg(
            "the swarm target is a bundle: it needs -o DIR",
            Some(format!(
                "`composegen render {} --target swarm -o DIR{}`: docker stack deploy reads the \
                 config files and secrets from files beside the stack file (docs/swarm.md)",
                args.profile.as_ref().map_or("NAME", |p| p.profile.as_str()),
                if args.check.is_some() { " --check" } else { "" }
            )),
        ));
    }
    if args.check.is_some() {
        return check::run(args, color);
    }
    let Some(profile) = &args.profile else {
        return Err(Error::msg("render needs a profile", None));
    };
    let loaded = load_profile(profile)?;
    match &args.output {
        None => {
            let base = header::stdout_base();
            let header =
                header::lines(profile, args.part.as_deref(), false, Target::Compose, &base);
            let rendered = render::render(&loaded, Mode::Inline, &header)?;
            if !args.no_lint {
                lint_rendered(&rendered, color)?;
            }
            let key = args.part.as_deref().unwrap_or("main");
            let Some((_, _, text)) = rendered.compose.iter().find(|(k, _, _)| k == key) else {
                let parts: Vec<&str> = rendered
                    .compose
                    .iter()
                    .map(|(k, _, _)| k.as_str())
                    .collect();
                return Err(Error::msg(
                    format!("profile {} has no part {key:?}", loaded.profile.name),
                    Some(format!("parts: {}", parts.join(", "))),
                ));
            };
            let others: Vec<&str> = rendered
                .compose
                .iter()
                .filter(|(k, _, _)| k != key)
                .map(|(_, f, _)| f.as_str())
                .collect();
            if !others.is_empty() {
                report::status(format_args!(
                    "note: this profile also renders {} (use --part or -o DIR)",
                    others.join(", ")
                ));
            }
            stdout_secrets(&rendered.stack)?;
            if let Some(notice) = render::requirements::notice(&rendered.stack) {
                report::status(format_args!("{}", notice.trim_end()));
            }
            print(text)
        }
        Some(dir) => {
            if args.part.is_some() {
                return Err(Error::msg(
                    "--part selects what goes to stdout; -o writes every part",
                    None,
                ));
            }
            let header = header::lines(profile, None, true, args.target, dir);
            let mode = match args.target {
                Target::Compose => Mode::Bundle,
                Target::Swarm => Mode::Swarm,
            };
            let rendered = render::render(&loaded, mode, &header)?;
            if !args.no_lint {
                lint_rendered(&rendered, color)?;
            }
            let written = bundle::write(dir, &rendered, args.force)?;
            for f in &written.files {
                report::status(format_args!("wrote {}", dir.join(f).display()));
            }
            if written.env_created {
                report::status(format_args!(
                    "generated {} with fresh random secrets; keep it out of version control",
                    dir.join(".env").display()
                ));
            } else if !written.private_created.is_empty() {
                report::status(format_args!(
                    "generated {} with fresh random secrets (mode 0600); keep them out of version \
                     control",
                    written
                        .private_created
                        .iter()
                        .map(|p| dir.join(p).display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if args.target == Target::Swarm {
                report::status(format_args!(
                    "the header of {} lists the node labels, the images to push and the \
                     variables docker stack deploy needs (docs/swarm.md)",
                    dir.join("docker-compose.yml").display()
                ));
            }
            if let Some(notice) = render::requirements::notice(&rendered.stack) {
                report::status(format_args!(
                    "{}\n(also in {})",
                    notice.trim_end(),
                    dir.join(bundle::README).display()
                ));
            }
            Ok(0)
        }
    }
}

/// Before a single file goes to stdout: make the `.env` beside it define the stack's secrets
/// (see `env_file`), or say what the user must provide when stdout is not a file.
fn stdout_secrets(stack: &render::context::Stack) -> Result<()> {
    if stack.secrets.is_empty() {
        return Ok(());
    }
    let Some(dir) = header::stdout_file_dir() else {
        let names: Vec<&str> = stack.secrets.iter().map(|s| s.env.as_str()).collect();
        report::status(format_args!(
            "note: the file needs {} in the environment or a .env beside it; redirect it to a file \
             (> docker-compose.yml) and composegen writes that .env, or render a bundle with -o DIR",
            names.join(", ")
        ));
        return Ok(());
    };
    match env_file::ensure(&dir, &stack.name, &stack.secrets)? {
        env_file::EnvOutcome::Created(path, _) => report::status(format_args!(
            "generated {} with fresh random secrets (mode 0600); keep it out of version control",
            path.display()
        )),
        env_file::EnvOutcome::Appended(path, names) => report::status(format_args!(
            "added {} to {} with fresh random values",
            names.join(", "),
            path.display()
        )),
        env_file::EnvOutcome::Complete(_) | env_file::EnvOutcome::NotNeeded => {}
    }
    Ok(())
}

fn new_profile(name: &str, from: &str, dir: &Path) -> Result<i32> {
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        || name.is_empty()
    {
        return Err(Error::msg(
            format!("invalid profile name {name:?}"),
            Some("use lowercase letters, digits, `-` and `_`".to_string()),
        ));
    }
    let text = assets::profile(from).ok_or_else(|| {
        Error::msg(
            format!("unknown built-in profile {from:?}"),
            Some(format!(
                "--from takes a built-in profile: {}; to start from a profile file, copy it",
                assets::profile_names().join(", ")
            )),
        )
    })?;
    let path = dir.join(format!("{name}.yaml"));
    if path.exists() {
        return Err(Error::msg(
            format!("{} already exists", path.display()),
            Some("choose another name or remove the file".to_string()),
        ));
    }
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("# yaml-language-server:") {
            out.push_str("# yaml-language-server: $schema=./profile.schema.json\n");
        } else if line.starts_with("name: ") {
            out.push_str(&format!("name: {name}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    // Templates of the built-in profile stay available: they are embedded in the binary.
    // `write_new` never replaces a file, also one created since the check above.
    if !bundle::write_new(&path, &out, false)? {
        return Err(Error::msg(
            format!("{} already exists", path.display()),
            Some("choose another name or remove the file".to_string()),
        ));
    }
    let schema_path = dir.join("profile.schema.json");
    // An existing schema file is the user's: keep it.
    bundle::write_new(&schema_path, &schema::to_pretty(&profile_schema()), false)?;
    eprintln!(
        "wrote {} (from {from}); render it with: composegen render {}",
        path.display(),
        path.display()
    );
    Ok(0)
}
