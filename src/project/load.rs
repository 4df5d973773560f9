//! Loading a compose project the way Docker Compose does: every file given with `-f` (or
//! discovered) is parsed with positions and interpolated; `extends` and `include` are resolved
//! (reading the files they name); then the files are merged in order. Every node of the result
//! keeps the file and span where it was written.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::merge;
use crate::compose::interpolate::{Env, interpolate_tree};
use crate::yaml::{Kind, Node, Path as YPath, Span};

/// A file that is part of a project.
#[derive(Debug, Clone)]
pub struct File {
    /// Name shown in diagnostics (as given, or relative to the including file).
    pub name: String,
    /// Where it is on disk (None for stdin).
    pub path: Option<PathBuf>,
    /// Its text (lossy when it is not UTF-8).
    pub text: String,
    /// Its own document (see [`File::root`]), parsed on first use.
    root: OnceLock<Option<Node>>,
    /// Its index in the project: the `file` of its nodes.
    index: u32,
    /// Whether it parsed into mappings (else it has no document of its own).
    usable: bool,
}

impl File {
    /// The document as parsed (its YAML documents merged, before interpolation, `extends` and
    /// `include`), when it parsed into mappings: where a problem or a suppressed block is in the
    /// file. Parsed again from the text on first use, so that a project keeps only its merged
    /// tree in memory (a file's own tree is needed only on those rarer paths).
    pub fn root(&self) -> &Option<Node> {
        self.root.get_or_init(|| {
            if !self.usable {
                return None;
            }
            parse(&self.text, true, self.index)
                .ok()
                .and_then(|docs| docs.into_iter().reduce(merge::merge))
        })
    }
}

/// The YAML documents of a file's text, each a mapping, or why the file cannot be used.
fn parse(text: &str, utf8: bool, index: u32) -> Result<Vec<Node>, FileError> {
    if !utf8 {
        return Err(FileError::NotUtf8);
    }
    match Node::parse_documents(text, index) {
        Err(e) if e.message.contains("duplicated key") => Err(FileError::DuplicateKey(e.span)),
        Err(e) => Err(FileError::Syntax(e.message, e.span)),
        // More than one YAML document: Compose merges them in order, like override files.
        Ok(docs) if docs.len() > 1 => match docs.iter().find(|d| !matches!(d.kind, Kind::Map(_))) {
            Some(d) => Err(FileError::NotMapping(d.span)),
            None => Ok(docs),
        },
        Ok(docs) => match docs.into_iter().next() {
            Some(
                node @ Node {
                    kind: Kind::Map(_), ..
                },
            ) if !matches!(&node.kind, Kind::Map(m) if m.is_empty()) => Ok(vec![node]),
            Some(Node {
                kind: Kind::Null | Kind::Map(_),
                ..
            })
            | None => Err(FileError::Empty),
            Some(node) => Err(FileError::NotMapping(node.span)),
        },
    }
}

/// Why a file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// Not UTF-8 text.
    NotUtf8,
    /// YAML syntax error.
    Syntax(String, Span),
    /// A key twice in one mapping.
    DuplicateKey(Span),
    /// Empty document.
    Empty,
    /// The document is not a mapping.
    NotMapping(Span),
}

/// A problem found while assembling the project (a missing file, an `extends` cycle …).
#[derive(Debug, Clone)]
pub struct LoadProblem {
    /// File index where the reference is written.
    pub file: usize,
    /// Path of the reference in that file's own document.
    pub path: YPath,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// One input file.
#[derive(Debug, Clone)]
pub struct Input {
    /// Name shown in diagnostics.
    pub name: String,
    /// Path on disk, if any (used to resolve relative `include` and `extends` files).
    pub path: Option<PathBuf>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Options of a load.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Variables.
    pub env: Env,
    /// Active compose profiles (`--profile`); empty means every service is kept.
    pub profiles: Vec<String>,
}

/// A loaded project.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// Every file read, in order: the inputs first, then included and extended files.
    pub files: Vec<File>,
    /// Per-file errors that stop the project from being assembled.
    pub errors: Vec<(usize, FileError)>,
    /// Problems assembling it.
    pub problems: Vec<LoadProblem>,
    /// The effective document, when every input parsed.
    pub root: Option<Node>,
}

impl Project {
    /// Parse and register a file; returns its index and its interpolated documents (none when
    /// it cannot be used: see `errors`).
    fn add(
        &mut self,
        name: String,
        path: Option<PathBuf>,
        bytes: Vec<u8>,
        env: &Env,
    ) -> (usize, Vec<Node>) {
        let index = self.files.len();
        let file = u32::try_from(index).unwrap_or(u32::MAX);
        let (text, utf8) = match String::from_utf8(bytes) {
            Ok(t) => (t, true),
            Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
        };
        let mut docs = match parse(&text, utf8, file) {
            Ok(docs) => docs,
            Err(e) => {
                self.errors.push((index, e));
                Vec::new()
            }
        };
        for doc in &mut docs {
            interpolate_tree(doc, env);
        }
        self.files.push(File {
            name,
            path,
            text,
            root: OnceLock::new(),
            index: file,
            usable: !docs.is_empty(),
        });
        (index, docs)
    }

    /// Index of an already loaded file with this path.
    fn find(&self, path: &Path) -> Option<usize> {
        let canon = path.canonicalize().ok();
        self.files.iter().position(|f| {
            f.path
                .as_deref()
                .is_some_and(|p| p == path || (canon.is_some() && p.canonicalize().ok() == canon))
        })
    }
}

fn dir_of(path: Option<&Path>) -> PathBuf {
    match path.and_then(Path::parent) {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn display_path(base_name: &str, rel: &str) -> String {
    let dir = Path::new(base_name)
        .parent()
        .filter(|p| !p.as_os_str().is_empty());
    let joined = match dir {
        Some(d) => d.join(rel),
        None => PathBuf::from(rel),
    };
    let s = joined.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Load a project from its input files.
pub fn load(inputs: Vec<Input>, options: &Options) -> Project {
    let mut project = Project::default();
    let mut docs = Vec::new();
    for input in inputs {
        let (index, doc) = project.add(input.name, input.path, input.bytes, &options.env);
        docs.push((index, doc));
    }
    if !project.errors.is_empty() {
        return project;
    }
    let mut merged: Option<Node> = None;
    // Each YAML document of each file in turn, as Docker Compose does: `extends` and `include`
    // are resolved within the document (a service extends a service of its own document), then
    // the document is merged into what came before.
    for (index, file_docs) in docs {
        for mut doc in file_docs {
            resolve_extends(&mut project, index, &mut doc, options, &mut Vec::new());
            let mut chain: Vec<PathBuf> = project.files[index]
                .path
                .as_deref()
                .map(canonical)
                .into_iter()
                .collect();
            resolve_includes(&mut project, index, &mut doc, options, &mut chain);
            merged = Some(match merged {
                None => merge::resolve_tags(doc),
                Some(base) => merge::merge(base, doc),
            });
        }
    }
    if let Some(root) = &mut merged
        && !options.profiles.is_empty()
    {
        keep_profiles(root, &options.profiles);
    }
    if project.errors.is_empty() {
        project.root = merged;
    }
    project
}

fn scalar_str(n: &Node) -> Option<String> {
    match &n.kind {
        Kind::Str(s) => Some(s.clone()),
        Kind::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// Replace every service's `extends` by the merge of the service it extends (recursively,
/// across files) with the service itself, as Docker Compose does.
fn resolve_extends(
    project: &mut Project,
    file: usize,
    doc: &mut Node,
    options: &Options,
    stack: &mut Vec<(usize, String)>,
) {
    let names: Vec<String> = doc
        .get("services")
        .map(|s| match &s.kind {
            // Only services that extend another have anything to resolve (each lookup by name
            // is a scan, so looking up every service would be quadratic).
            Kind::Map(m) => m
                .iter()
                .filter(|(_, v)| v.get("extends").is_some())
                .filter_map(|(k, _)| k.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    for name in names {
        resolve_service_extends(project, file, doc, &name, options, stack);
    }
}

fn service_mut<'a>(doc: &'a mut Node, name: &str) -> Option<&'a mut Node> {
    let Kind::Map(entries) = &mut doc.kind else {
        return None;
    };
    let (_, services) = entries
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some("services"))?;
    let Kind::Map(list) = &mut services.kind else {
        return None;
    };
    list.iter_mut()
        .find(|(k, _)| k.as_str() == Some(name))
        .map(|(_, v)| v)
}

fn take_key(node: &mut Node, key: &str) -> Option<Node> {
    let Kind::Map(entries) = &mut node.kind else {
        return None;
    };
    let i = entries.iter().position(|(k, _)| k.as_str() == Some(key))?;
    Some(entries.remove(i).1)
}

fn wrap_service(name: &str, key_template: &Node, service: Node) -> Node {
    let mut key = key_template.clone();
    key.kind = Kind::Str(name.to_string());
    let mut services_key = key_template.clone();
    services_key.kind = Kind::Str("services".into());
    let inner = Node {
        kind: Kind::Map(vec![(key, service)]),
        ..key_template.clone()
    };
    Node {
        kind: Kind::Map(vec![(services_key, inner)]),
        ..key_template.clone()
    }
}

fn unwrap_service(doc: Node, name: &str) -> Option<Node> {
    let Kind::Map(mut top) = doc.kind else {
        return None;
    };
    let i = top
        .iter()
        .position(|(k, _)| k.as_str() == Some("services"))?;
    let services = top.remove(i).1;
    let Kind::Map(mut list) = services.kind else {
        return None;
    };
    let j = list.iter().position(|(k, _)| k.as_str() == Some(name))?;
    Some(list.remove(j).1)
}

fn resolve_service_extends(
    project: &mut Project,
    file: usize,
    doc: &mut Node,
    name: &str,
    options: &Options,
    stack: &mut Vec<(usize, String)>,
) {
    let Some(service) = service_mut(doc, name) else {
        return;
    };
    let Some(ext) = service.get("extends").cloned() else {
        return;
    };
    let ext_path = YPath::root().key("services").key(name).key("extends");
    let (base_name, base_file) = match &ext.kind {
        Kind::Str(s) => (s.clone(), None),
        Kind::Map(_) => (
            ext.get("service").and_then(scalar_str).unwrap_or_default(),
            ext.get("file").and_then(scalar_str),
        ),
        _ => return,
    };
    if stack.iter().any(|(f, n)| *f == file && *n == name) {
        project.problems.push(LoadProblem {
            file,
            path: ext_path,
            message: format!("`extends` of service `{name}` loops back to itself"),
            help: "break the cycle: a service cannot extend itself, directly or through others"
                .into(),
        });
        take_key(service, "extends");
        return;
    }
    stack.push((file, name.to_string()));
    // The base service, resolved in its own file.
    let in_this_file = base_file.is_none();
    let base: Option<Node> = match base_file {
        None => {
            resolve_service_extends(project, file, doc, &base_name, options, stack);
            doc.get("services").and_then(|s| s.get(&base_name)).cloned()
        }
        Some(rel) => {
            let here = project.files[file].path.clone();
            let target = dir_of(here.as_deref()).join(&rel);
            // The whole file, its documents merged (Compose reads it so, then resolves its
            // `extends`).
            let loaded = match project.find(&target) {
                Some(i) => project.files[i].root().clone().map(|mut r| {
                    interpolate_tree(&mut r, &options.env);
                    (i, r)
                }),
                None => match crate::fsio::read_input(&target) {
                    Ok(bytes) => {
                        let shown = display_path(&project.files[file].name, &rel);
                        let (i, docs) =
                            project.add(shown, Some(target.clone()), bytes, &options.env);
                        docs.into_iter().reduce(merge::merge).map(|d| (i, d))
                    }
                    Err(e) => {
                        project.problems.push(LoadProblem {
                            file,
                            path: ext_path.key("file"),
                            message: format!("cannot read {rel}: {e}"),
                            help: "Docker Compose refuses to load a project whose `extends` file is missing".into(),
                        });
                        None
                    }
                },
            };
            loaded.and_then(|(i, mut other)| {
                resolve_service_extends(project, i, &mut other, &base_name, options, stack);
                other
                    .get("services")
                    .and_then(|s| s.get(&base_name))
                    .cloned()
            })
        }
    };
    stack.pop();
    let Some(service) = service_mut(doc, name) else {
        return;
    };
    let ext_node = take_key(service, "extends");
    let Some(mut base) = base else {
        if !project
            .problems
            .iter()
            .any(|p| p.path == ext_path.key("file"))
        {
            // Defined in another YAML document of the file: Compose looks in this one only.
            let elsewhere = in_this_file
                && project.files[file]
                    .root()
                    .as_ref()
                    .and_then(|r| r.get("services"))
                    .and_then(|s| s.get(&base_name))
                    .is_some();
            let problem = if elsewhere {
                let this = project.files[file]
                    .path
                    .as_deref()
                    .and_then(Path::file_name)
                    .map_or_else(|| "FILE".to_string(), |n| n.to_string_lossy().into_owned());
                LoadProblem {
                    file,
                    path: ext_path,
                    message: format!(
                        "service `{name}` extends `{base_name}`, which is defined in another \
                         YAML document of this file"
                    ),
                    help: format!(
                        "Docker Compose resolves `extends` within each document (`---`) before \
                         it merges them: define `{base_name}` in the same document, or write \
                         `extends: {{file: {this}, service: {base_name}}}`"
                    ),
                }
            } else {
                LoadProblem {
                    file,
                    path: ext_path,
                    message: format!(
                        "service `{name}` extends `{base_name}`, which does not exist"
                    ),
                    help: "name an existing service (and `file:` when it is in another file)"
                        .into(),
                }
            };
            project.problems.push(problem);
        }
        return;
    };
    // The base's own `extends` is resolved already; never inherit it.
    take_key(&mut base, "extends");
    let template = ext_node.unwrap_or_else(|| service.clone());
    let own = std::mem::replace(service, template.clone());
    let merged = merge::merge(
        wrap_service(name, &template, base),
        wrap_service(name, &template, own),
    );
    if let Some(result) = unwrap_service(merged, name) {
        *service = result;
    }
}

/// Import the resources of `include`d files into the document, as Docker Compose does.
/// `path` with links resolved where it exists (include cycles compare these).
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// `chain`: the files being included, outermost first (canonical paths), for cycle detection.
fn resolve_includes(
    project: &mut Project,
    file: usize,
    doc: &mut Node,
    options: &Options,
    chain: &mut Vec<PathBuf>,
) {
    let Some(include) = take_key(doc, "include") else {
        return;
    };
    let problems_before = project.problems.len();
    let keep = include.clone();
    let entries: Vec<(usize, Node)> = match include.kind {
        Kind::Seq(items) => items.into_iter().enumerate().collect(),
        _ => return,
    };
    let base_dir = dir_of(project.files[file].path.as_deref());
    for (i, entry) in entries {
        let at = YPath::root().key("include").index(i);
        let (paths, env_files): (Vec<String>, Vec<String>) = match &entry.kind {
            Kind::Str(s) => (vec![s.clone()], Vec::new()),
            Kind::Map(_) => {
                let list = |k: &str| -> Vec<String> {
                    match entry.get(k).map(|n| &n.kind) {
                        Some(Kind::Str(s)) => vec![s.clone()],
                        Some(Kind::Seq(items)) => items.iter().filter_map(scalar_str).collect(),
                        _ => Vec::new(),
                    }
                };
                (list("path"), list("env_file"))
            }
            _ => continue,
        };
        let mut env = options.env.clone();
        for ef in &env_files {
            match crate::fsio::read_input_string(&base_dir.join(ef)) {
                Ok(text) => env.add_dotenv(&text),
                Err(e) => project.problems.push(LoadProblem {
                    file,
                    path: at.clone(),
                    message: format!("cannot read env file {ef}: {e}"),
                    help:
                        "Docker Compose refuses to load a project whose include env_file is missing"
                            .into(),
                }),
            }
        }
        let mut included: Option<Node> = None;
        for rel in paths {
            let target = base_dir.join(&rel);
            let key = canonical(&target);
            if chain.contains(&key) {
                let cycle: Vec<String> = chain
                    .iter()
                    .chain(std::iter::once(&key))
                    .map(|p| p.display().to_string())
                    .collect();
                project.problems.push(LoadProblem {
                    file,
                    path: at.clone(),
                    message: format!("include cycle detected: {}", cycle.join(" -> ")),
                    help: "Docker Compose refuses a project whose includes loop; remove the include that leads back".into(),
                });
                continue;
            }
            let bytes = match crate::fsio::read_input(&target) {
                Ok(b) => b,
                Err(e) => {
                    project.problems.push(LoadProblem {
                        file,
                        path: at.clone(),
                        message: format!("cannot read included file {rel}: {e}"),
                        help: "Docker Compose refuses to load a project whose include target is missing".into(),
                    });
                    continue;
                }
            };
            let shown = display_path(&project.files[file].name, &rel);
            let (index, docs) = project.add(shown, Some(target), bytes, &env);
            let sub = Options {
                env: env.clone(),
                profiles: Vec::new(),
            };
            // Each document of the included file on its own, as in `load`.
            for mut d in docs {
                resolve_extends(project, index, &mut d, &sub, &mut Vec::new());
                chain.push(key.clone());
                resolve_includes(project, index, &mut d, &sub, chain);
                chain.pop();
                included = Some(match included {
                    None => merge::resolve_tags(d),
                    Some(b) => merge::merge(b, d),
                });
            }
        }
        if let Some(inc) = included {
            import(project, file, doc, inc, &at);
        }
    }
    // An include that could not be resolved stays in the document, so that rules see the project
    // is incomplete (and do not report what the missing file would have defined).
    if project.problems.len() > problems_before
        && let Kind::Map(top) = &mut doc.kind
    {
        let mut key = keep.clone();
        key.kind = Kind::Str("include".into());
        top.insert(0, (key, keep));
    }
}

/// Add the top-level resources of an included document that the including one does not define.
fn import(project: &mut Project, file: usize, doc: &mut Node, included: Node, at: &YPath) {
    let Kind::Map(inc_top) = included.kind else {
        return;
    };
    for (section_key, section) in inc_top {
        let Some(section_name) = section_key.as_str().map(str::to_string) else {
            continue;
        };
        if !matches!(
            section_name.as_str(),
            "services" | "networks" | "volumes" | "secrets" | "configs" | "models"
        ) {
            continue;
        }
        let Kind::Map(items) = section.kind else {
            continue;
        };
        let Kind::Map(top) = &mut doc.kind else {
            return;
        };
        let target = match top
            .iter()
            .position(|(k, _)| k.as_str() == Some(section_name.as_str()))
        {
            Some(i) => i,
            None => {
                top.push((
                    section_key.clone(),
                    Node {
                        kind: Kind::Map(Vec::new()),
                        ..section_key.clone()
                    },
                ));
                top.len() - 1
            }
        };
        let Kind::Map(existing) = &mut top[target].1.kind else {
            continue;
        };
        for (k, v) in items {
            if let Some((_, mine)) = existing.iter().find(|(x, _)| x.kind == k.kind) {
                if section_name == "services" && mine.kind != v.kind {
                    project.problems.push(LoadProblem {
                        file,
                        path: at.clone(),
                        message: format!("the included service `{}` conflicts with a service of this file", k.key_string()),
                        help: "Docker Compose refuses duplicate definitions from include; rename one or use extends".into(),
                    });
                }
                continue;
            }
            existing.push((k, v));
        }
    }
}

/// Keep only the services enabled by the active profiles (services without profiles always run).
fn keep_profiles(root: &mut Node, active: &[String]) {
    let Kind::Map(top) = &mut root.kind else {
        return;
    };
    let Some((_, services)) = top.iter_mut().find(|(k, _)| k.as_str() == Some("services")) else {
        return;
    };
    let Kind::Map(list) = &mut services.kind else {
        return;
    };
    list.retain(|(_, svc)| {
        let profiles: Vec<String> = match svc.get("profiles").map(|p| &p.kind) {
            Some(Kind::Seq(items)) => items.iter().filter_map(scalar_str).collect(),
            _ => return true,
        };
        profiles.is_empty() || active.iter().any(|a| a == "*" || profiles.contains(a))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, text: &str) -> Input {
        Input {
            name: name.into(),
            path: None,
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn merges_files_in_order_keeping_their_file_ids() {
        let p = load(
            vec![
                input(
                    "a.yaml",
                    "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n",
                ),
                input("b.yaml", "services:\n  web:\n    ports: [\"8080:80\"]\n"),
            ],
            &Options::default(),
        );
        let root = p.root.expect("merged");
        let ports = root
            .at(&YPath::parse_dotted("services.web.ports"))
            .expect("ports");
        let Kind::Seq(items) = &ports.kind else {
            panic!()
        };
        let files: Vec<u32> = items.iter().map(|n| n.file).collect();
        assert_eq!(files, [0, 1]);
        let image = root
            .at(&YPath::parse_dotted("services.web.image"))
            .expect("image");
        assert_eq!(image.file, 0);
    }

    #[test]
    fn extends_in_the_same_file() {
        let p = load(
            vec![input(
                "c.yaml",
                "services:\n  base:\n    image: app:1.0.0\n    environment: {A: '1'}\n  web:\n    extends: base\n    environment: {B: '2'}\n",
            )],
            &Options::default(),
        );
        let root = p.root.expect("root");
        let web = root.at(&YPath::parse_dotted("services.web")).expect("web");
        assert_eq!(web.get("image").and_then(Node::as_str), Some("app:1.0.0"));
        assert!(web.get("extends").is_none());
        // Merged environments come out in list form (`K=V`), as compose-go merges them.
        let env = web.get("environment").expect("env");
        let Kind::Seq(items) = &env.kind else {
            panic!("{env:?}")
        };
        let vars: Vec<&str> = items.iter().filter_map(Node::as_str).collect();
        assert_eq!(vars, ["A=1", "B=2"]);
    }

    #[test]
    fn extends_cycles_and_missing_targets_are_problems() {
        let p = load(
            vec![input(
                "c.yaml",
                "services:\n  a:\n    image: x:1\n    extends: b\n  b:\n    image: y:1\n    extends: a\n  c:\n    image: z:1\n    extends: nope\n",
            )],
            &Options::default(),
        );
        assert!(
            p.problems.iter().any(|x| x.message.contains("loops back")),
            "{:?}",
            p.problems
        );
        assert!(
            p.problems
                .iter()
                .any(|x| x.message.contains("does not exist")),
            "{:?}",
            p.problems
        );
    }

    #[test]
    fn profiles_select_services() {
        let p = load(
            vec![input(
                "c.yaml",
                "services:\n  a: {image: x}\n  b: {image: y, profiles: [dev]}\n  c: {image: z, profiles: [prod]}\n",
            )],
            &Options {
                profiles: vec!["dev".into()],
                ..Options::default()
            },
        );
        let root = p.root.expect("root");
        let services = root.get("services").expect("services");
        assert!(
            services.get("a").is_some()
                && services.get("b").is_some()
                && services.get("c").is_none()
        );
    }

    #[test]
    fn parse_errors_stop_the_project() {
        let p = load(
            vec![
                input("a.yaml", "services: [\n"),
                input("b.yaml", "services: {}\n"),
            ],
            &Options::default(),
        );
        assert!(p.root.is_none());
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].0, 0);
    }
}
