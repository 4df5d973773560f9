//! Conformance of compose validation with Docker Compose v2.40.3 over the corpus of real compose
//! files in `../shared/corpus` (override with `COMPOSEGEN_CORPUS`).
//!
//! `validity.tsv` records what the real `docker compose config -q` said about each file, run alone
//! in an empty directory (`scripts/conformance` re-checks that). Here:
//! - every file Compose accepts must get no problem from `validate` + `consistency`, and must
//!   deserialize into the typed model;
//! - every file Compose rejects for a structural reason must get at least one problem. Rejections
//!   caused by files missing next to the compose file (env files, `include`, `extends`, secrets)
//!   are not structural: composegen does not read other files.
//!
//! When the corpus is missing the test fails under CI (`CI` set) and is skipped otherwise.
//!
//! [`CASES`] adds edge cases (one per check and per accepted corner) whose verdicts were taken from
//! Docker Compose 2.40.3; a test re-checks them with the real binary when it is installed.

mod support;

use std::path::PathBuf;

use composegen::compose::model::ComposeFile;
use composegen::compose::validate;
use composegen::yaml::Node;

/// A rejection that comes from a file missing next to the compose file, not from the file itself.
fn missing_file_rejection(first_error_line: &str) -> bool {
    first_error_line.contains("no such file or directory")
}

fn corpus_dir() -> Option<PathBuf> {
    support::corpus_dir()
}

/// composegen's problems for one file, as `path: message` lines. Every problem must say what is
/// expected: a message, a label and a help line.
fn problems(text: &str) -> Vec<String> {
    match Node::parse(text) {
        Err(e) => vec![format!("invalid YAML: {}", e.message)],
        Ok(node) => validate::check_node(&node)
            .into_iter()
            .map(|p| {
                let help = p.help.as_deref().unwrap_or("");
                assert!(
                    !p.message.is_empty() && !p.label.is_empty() && !help.is_empty(),
                    "a problem without message, label or help: {p:?}\n{text}"
                );
                format!("{}: {}", p.path, p.message)
            })
            .collect(),
    }
}

/// Deserialize a valid file into the typed model (after interpolation).
fn deserialize(text: &str) -> Result<ComposeFile, String> {
    let doc = Node::parse(text).map_err(|e| e.message)?.to_json();
    let (doc, _) = validate::interpolate(&doc);
    let model = serde_path_to_error::deserialize::<_, ComposeFile>(&doc).map_err(|e| {
        format!(
            "valid, but does not deserialize into the model at {}: {}",
            e.path(),
            e.inner()
        )
    })?;
    // It serializes back to a document that reads as the same model, and that is still valid.
    let again = serde_json::to_value(&model).map_err(|e| format!("does not serialize: {e}"))?;
    let problems = validate::check(&again);
    if !problems.is_empty() {
        return Err(format!("serialized back, it is invalid: {problems:?}"));
    }
    let reread: ComposeFile = serde_json::from_value(again).map_err(|e| format!("re-read: {e}"))?;
    if reread != model {
        return Err("does not round-trip through the model".into());
    }
    Ok(model)
}

#[test]
fn corpus_agrees_with_docker_compose() {
    let Some(dir) = corpus_dir() else { return };
    let rows = support::corpus_rows(&dir);
    assert!(!rows.is_empty(), "validity.tsv lists no files");
    let mut failures = Vec::new();
    let (mut accepted, mut structural, mut missing_files) = (0, 0, 0);
    for row in &rows {
        let text = std::fs::read_to_string(dir.join(&row.path))
            .unwrap_or_else(|e| panic!("read {}: {e}", row.path));
        let found = problems(&text);
        if row.exit == 0 {
            accepted += 1;
            if !found.is_empty() {
                failures.push(format!(
                    "{}: Docker Compose accepts it, composegen reports:\n    {}",
                    row.path,
                    found.join("\n    ")
                ));
                continue;
            }
            // The typed model reads every accepted file.
            if let Err(e) = deserialize(&text) {
                failures.push(format!("{}: {e}", row.path));
            }
        } else if missing_file_rejection(&row.first_error_line) {
            missing_files += 1;
        } else {
            structural += 1;
            if found.is_empty() {
                failures.push(format!(
                    "{}: Docker Compose rejects it ({}), composegen reports nothing",
                    row.path, row.first_error_line
                ));
            }
        }
    }
    eprintln!(
        "compose corpus: {accepted} accepted, {structural} rejected for structural reasons, \
         {missing_files} rejected for missing files (not checked)"
    );
    assert!(
        failures.is_empty(),
        "{} disagreement(s) with Docker Compose:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_files_never_panic_whatever_the_profiles() {
    let Some(dir) = corpus_dir() else { return };
    for row in support::corpus_rows(&dir) {
        let text = std::fs::read_to_string(dir.join(&row.path)).unwrap_or_default();
        if let Ok(node) = Node::parse(&text) {
            let doc = node.to_json();
            let _ = validate::consistency_with_profiles(&doc, &["*"]);
            let _ = validate::check(&doc);
        }
    }
}

/// The lint checks a file's tree in place (`composegen::doc::Doc`), `config` and `check` its JSON
/// value: on every corpus file and edge case, both get the same problems, whatever the profiles.
#[test]
fn a_tree_and_its_json_get_the_same_problems() {
    fn lines(problems: Vec<composegen::schema::Problem>) -> Vec<String> {
        problems
            .into_iter()
            .map(|p| {
                format!(
                    "{} {}: {} [{}] {:?}",
                    p.path, p.at_key, p.message, p.label, p.help
                )
            })
            .collect()
    }
    let mut texts: Vec<(String, String)> = cases().into_iter().map(|c| (c.name, c.text)).collect();
    if let Some(dir) = corpus_dir() {
        for row in support::corpus_rows(&dir) {
            let text = std::fs::read_to_string(dir.join(&row.path)).unwrap_or_default();
            texts.push((row.path, text));
        }
    }
    let mut checked = 0;
    for (name, text) in &texts {
        let Ok(node) = Node::parse(text) else {
            continue;
        };
        let doc = node.to_json();
        for profiles in [&[][..], &["*"][..]] {
            assert_eq!(
                lines(validate::consistency_with_profiles(&node, profiles)),
                lines(validate::consistency_with_profiles(&doc, profiles)),
                "{name}, profiles {profiles:?}"
            );
        }
        assert_eq!(
            lines(validate::validate_tree(&node)),
            lines(validate::validate(&doc)),
            "{name}"
        );
        checked += 1;
    }
    assert!(checked > 200, "{checked} documents");
}

/// Edge cases, with the verdict of Docker Compose 2.40.3 (`config -q`, the file alone in an empty
/// directory, no environment) and where composegen reports the first problem. Each case starts
/// with `--- NAME: accepted` or `--- NAME: rejected at PATH`; when its first line is indented,
/// the lines are the body of a service `a` (they follow `services:`, `  a:`, `    image: x`).
const CASES: &str = r##"--- ext_int: rejected at services.a.extends
    extends: 5
--- ext_local_unknown: accepted
    extends:
      service: b
      foo: 1
  b:
    image: y
--- ext_noservice: rejected at services.a.extends
    extends:
      file: ./x.yaml
--- ext_service_int: rejected at services.a.extends.service
    extends:
      service: 5
--- hc_retries_zero: accepted
    healthcheck:
      retries: 0
--- neg_blkio_config.weight: rejected at services.a.blkio_config.weight
    blkio_config:
      weight: -1
--- neg_cpu_period: accepted
    cpu_period: -1
--- neg_cpu_quota: accepted
    cpu_quota: -1
--- neg_cpu_rt_period: accepted
    cpu_rt_period: -1
--- neg_cpu_rt_runtime: accepted
    cpu_rt_runtime: -1
--- neg_cpu_shares: accepted
    cpu_shares: -1
--- neg_cpus: accepted
    cpus: -1
--- neg_deploy.placement.max_replicas_per_node: rejected at services.a.deploy.placement.max_replicas_per_node
    deploy:
      placement:
        max_replicas_per_node: -1
--- neg_deploy.resources.limits.cpus: accepted
    deploy:
      resources:
        limits:
          cpus: -1
--- neg_deploy.resources.limits.pids: accepted
    deploy:
      resources:
        limits:
          pids: -1
--- neg_deploy.restart_policy.max_attempts: rejected at services.a.deploy.restart_policy.max_attempts
    deploy:
      restart_policy:
        max_attempts: -1
--- neg_deploy.rollback_config.parallelism: rejected at services.a.deploy.rollback_config.parallelism
    deploy:
      rollback_config:
        parallelism: -1
--- neg_deploy.update_config.max_failure_ratio: accepted
    deploy:
      update_config:
        max_failure_ratio: -1
--- neg_deploy.update_config.parallelism: rejected at services.a.deploy.update_config.parallelism
    deploy:
      update_config:
        parallelism: -1
--- neg_healthcheck.retries: rejected at services.a.healthcheck.retries
    healthcheck:
      retries: -1
--- neg_mem_limit: accepted
    mem_limit: -1
--- neg_mem_reservation: accepted
    mem_reservation: -1
--- neg_mem_swappiness: accepted
    mem_swappiness: -1
--- neg_memswap_limit: accepted
    memswap_limit: -1
--- neg_oom_score_adj: accepted
    oom_score_adj: -1
--- neg_ports_published: accepted
    ports:
      - target: 80
        published: -1
--- neg_secrets_mode: accepted
    secrets:
      - source: s
        mode: -1
secrets:
  s:
    file: ./x
--- neg_shm_size: accepted
    shm_size: -1
--- neg_ulimits.nofile: accepted
    ulimits:
      nofile: -1
--- ulimit_upper_obj: accepted
    ulimits:
      NOFILE:
        soft: 1
        hard: 2
--- ulimit_upper_str: rejected at services.a.ulimits.NOFILE
    ulimits:
      NOFILE: abc
--- expose_big: accepted
    expose: [70000]
--- expose_float: rejected at services.a.expose[0]
    expose: [1.5]
--- expose_neg: accepted
    expose: [-1]
--- group_add_float: rejected at services.a.group_add[0]
    group_add: [1.5]
--- model_odd_null: accepted
services:
  a:
    image: x
models:
  "a b":
--- model_odd_obj: accepted
services:
  a:
    image: x
models:
  "a b":
    foo: 1
--- model_odd_str: rejected at models.a b
services:
  a:
    image: x
models:
  "a b": x
--- net_odd_int: rejected at networks.a b
services:
  a:
    image: x
networks:
  "a b": 5
--- net_odd_list: rejected at networks.a b
services:
  a:
    image: x
networks:
  "a b": [1]
--- net_odd_obj_unknown: accepted
services:
  a:
    image: x
networks:
  "a b":
    foo: 1
--- ssh_list_=x: accepted
    build:
      context: .
      ssh: ["=x"]
--- ssh_list_a,b: rejected at services.a.build.ssh[0]
    build:
      context: .
      ssh: ["a,b"]
--- ssh_list_a:b: rejected at services.a.build.ssh[0]
    build:
      context: .
      ssh: ["a:b"]
--- ssh_list_default: accepted
    build:
      context: .
      ssh: ["default"]
--- ssh_list_foo: rejected at services.a.build.ssh[0]
    build:
      context: .
      ssh: ["foo"]
--- ssh_list_foo=: accepted
    build:
      context: .
      ssh: ["foo="]
--- ssh_list_foo=bar: accepted
    build:
      context: .
      ssh: ["foo=bar"]
--- ssh_map: accepted
    build:
      context: .
      ssh:
        default:
        foo: /x
--- ssh_str: rejected at services.a.build.ssh
    build:
      context: .
      ssh: default
--- ulim_upper_list: rejected at services.a.ulimits.NOFILE
    ulimits:
      NOFILE: [1]
--- ulim_upper_objx: accepted
    ulimits:
      NOFILE:
        foo: 1
--- addctx_list_ok: accepted
    build:
      context: .
      additional_contexts: ["a=./x"]
--- addctx_map: accepted
    build:
      context: .
      additional_contexts:
        a: ./x
--- ann_noeq: accepted
    annotations: ["A"]
--- args_noeq: accepted
    build:
      context: .
      args: ["A"]
--- bind_nosrc_abs: rejected at services.a.volumes[0]
    volumes:
      - type: bind
        target: /data
--- bind_nosrc_rel: rejected at services.a.volumes[0]
    volumes:
      - type: bind
        target: data
--- bind_src_empty_abs: accepted
    volumes:
      - type: bind
        source: ""
        target: /data
--- bind_src_empty_rel: accepted
    volumes:
      - type: bind
        source: ""
        target: data
--- build_labels_noeq: accepted
    build:
      context: .
      labels: ["A"]
--- deplabel_noeq: accepted
    deploy:
      labels: ["A"]
--- dev_opts_noeq: accepted
    deploy:
      resources:
        reservations:
          devices:
            - capabilities: [gpu]
              options: ["A"]
--- net_labels_noeq: accepted
services:
  a:
    image: x
networks:
  n:
    labels: ["A"]
--- sysctl_noeq: accepted
    sysctls: ["A"]
--- vol_labels_noeq: accepted
services:
  a:
    image: x
volumes:
  v:
    labels: ["A"]
--- addctx_map_int: rejected at services.a.build.additional_contexts.a
    build:
      context: .
      additional_contexts:
        a: 1
--- addctx_map_null: rejected at services.a.build.additional_contexts.a
    build:
      context: .
      additional_contexts:
        a:
--- args_map_int: accepted
    build:
      context: .
      args:
        a: 1
        b:
--- configs_extname_diff: rejected at configs.n.external.name
services:
  a:
    image: x
configs:
  n:
    name: bar
    external:
      name: foo
--- configs_extname_same: accepted
services:
  a:
    image: x
configs:
  n:
    name: foo
    external:
      name: foo
--- networks_extname_diff: rejected at networks.n.external.name
services:
  a:
    image: x
networks:
  n:
    name: bar
    external:
      name: foo
--- networks_extname_same: accepted
services:
  a:
    image: x
networks:
  n:
    name: foo
    external:
      name: foo
--- prof_empty: rejected at services.b
services:
  a:
    image: x
  b:
    profiles: [""]
--- secrets_extname_diff: rejected at secrets.n.external.name
services:
  a:
    image: x
secrets:
  n:
    name: bar
    external:
      name: foo
--- secrets_extname_same: accepted
services:
  a:
    image: x
secrets:
  n:
    name: foo
    external:
      name: foo
--- volumes_extname_diff: rejected at volumes.n.external.name
services:
  a:
    image: x
volumes:
  n:
    name: bar
    external:
      name: foo
--- volumes_extname_same: accepted
services:
  a:
    image: x
volumes:
  n:
    name: foo
    external:
      name: foo
--- i_bad_name: rejected at services.a.environment.A
    environment:
      A: ${1X}
--- i_bool_default: accepted
    read_only: ${RO:-true}
--- i_bool_unset: rejected at services.a.read_only
    read_only: ${RO}
--- i_bracket_op: rejected at services.a.environment.A
    environment:
      A: ${X:=y}
--- i_cpus_default: accepted
    cpus: ${CPUS:-0.5}
--- i_cpus_unset: rejected at services.a.cpus
    cpus: ${CPUS}
--- i_dash_nocolon: accepted
    environment:
      A: ${X-default}
--- i_dollar_brace_dollar: accepted
    environment:
      A: ${X:-$$}
--- i_dollar_digit: accepted
    environment:
      A: $1abc
--- i_dollar_end: accepted
    command: echo $
--- i_empty_braces: rejected at services.a.environment.A
    environment:
      A: ${}
--- i_in_key: accepted
    environment:
      ${K}: v
--- i_lower: accepted
    environment:
      A: ${abc:-x}
--- i_mem_unset: rejected at services.a.mem_limit
    mem_limit: ${MEM}
--- i_nested: accepted
    environment:
      A: ${X:-${Y:-z}}
--- i_plus: accepted
    environment:
      A: ${X:+set}
--- i_port_default: accepted
    ports:
      - target: ${P:-80}
        published: ${Q:-8080}
--- i_port_unset: rejected at services.a.ports[0].target
    ports:
      - target: ${P}
--- i_sgp_unset: rejected at services.a.stop_grace_period
    stop_grace_period: ${T}
--- i_space: rejected at services.a.environment.A
    environment:
      A: ${A B}
--- i_unclosed_nested: rejected at services.a.environment.A
    environment:
      A: ${X:-${Y}
--- i_vol_default: accepted
    volumes:
      - ${SRC:-./data}:/data
--- cfg_content_empty: accepted
services:
  a:
    image: x
configs:
  c:
    content: ""
--- cfg_file_empty: accepted
services:
  a:
    image: x
configs:
  c:
    file: ""
--- eh_colon_nohost: rejected at services.a.extra_hosts[0]
    extra_hosts: [":1.2.3.4"]
--- eh_dcolon: rejected at services.a.extra_hosts[0]
    extra_hosts: ["::"]
--- eh_eq_nohost: rejected at services.a.extra_hosts[0]
    extra_hosts: ["=1.2.3.4"]
--- eh_map_empty_host: rejected at services.a.extra_hosts.
    extra_hosts:
      "": 1.2.3.4
--- eh_v6_host: accepted
    extra_hosts: ["h:::1", "h2=::1", "h3:[::1]"]
--- sec_env_empty: rejected at secrets.s
services:
  a:
    image: x
secrets:
  s:
    environment: ""
--- sec_ext_false: rejected at secrets.s
services:
  a:
    image: x
secrets:
  s:
    external: false
--- sec_file_empty: accepted
services:
  a:
    image: x
secrets:
  s:
    file: ""
--- sec_file_empty_env: rejected at secrets.s.environment
services:
  a:
    image: x
secrets:
  s:
    file: ""
    environment: X
--- tmpfs_mode_neg: rejected at services.a.volumes[0].tmpfs.mode
    volumes:
      - type: tmpfs
        target: /x
        tmpfs:
          mode: -1
--- prof_bad_dep: accepted
services:
  a:
    image: x
  b:
    image: x
    profiles: [x]
    depends_on: [nope]
--- prof_bad_vol: rejected at services.b.volumes[1]
services:
  a:
    image: x
  b:
    image: x
    profiles: [x]
    volumes: ["nope:/x", ":/y"]
--- prof_cycle: accepted
services:
  a:
    image: x
  b:
    image: x
    profiles: [x]
    depends_on: [c]
  c:
    image: x
    profiles: [x]
    depends_on: [b]
--- prof_dep_on_disabled_notreq: accepted
    depends_on:
      b:
        condition: service_started
        required: false
  b:
    image: x
    profiles: [x]
--- prof_mem: accepted
services:
  a:
    image: x
  b:
    image: x
    profiles: [x]
    mem_limit: 1g
    deploy:
      resources:
        limits:
          memory: 2g
--- prof_noimage: accepted
services:
  a:
    image: x
  b:
    profiles: [x]
--- prof_undef_net: accepted
services:
  a:
    image: x
  b:
    image: x
    profiles: [x]
    networks: [nope]
--- bind_missing: accepted
    volumes: ["./nope:/x"]
--- build_ctx_missing: accepted
services:
  a:
    build: ./nope
--- capdup: accepted
    cap_add: [NET_ADMIN, NET_ADMIN]
--- deplistdup: rejected at services.a.depends_on[1]
    depends_on: [b, b]
  b:
    image: x
--- dnsdup: accepted
    dns: [1.1.1.1, 1.1.1.1]
--- env_int_item: rejected at services.a.environment[0]
    environment: [1]
--- labeldup: accepted
    labels: [a=1, a=1]
--- name_bad: accepted
name: "Foo Bar!"
services:
  a:
    image: x
--- name_empty_norm: rejected at name
name: "!!!"
services:
  a:
    image: x
--- netdup: rejected at services.a.networks[1]
    networks: [default, default]
--- port_big: rejected at services.a.ports[0]
    ports: ["70000:80"]
--- port_float: rejected at services.a.ports[0]
    ports: [80.5]
--- port_int_big: rejected at services.a.ports[0]
    ports: [70000]
--- port_long_pub_range: accepted
    ports:
      - target: 80
        published: "8000-8010"
        protocol: foo
        mode: bar
--- port_proto_bad: rejected at services.a.ports[0]
    ports: ["80/foo"]
--- port_range: accepted
    ports: ["8000-8010:8000-8010", "127.0.0.1:80:80/udp", "[::1]:81:81", "9000", "9001/tcp", "127.0.0.1::82", "8000-8001:9000"]
--- port_range_bad: rejected at services.a.ports[0]
    ports: ["8000-8002:9000-9001"]
--- profdup: accepted
    profiles: [a, a]
--- secret_file_missing: accepted
    secrets: [s]
secrets:
  s:
    file: ./nope
--- sgp_int: rejected at services.a.stop_grace_period
    stop_grace_period: 10
--- sgp_ok: rejected at services.a.healthcheck.timeout
    stop_grace_period: 1m30s
    healthcheck:
      interval: 1.5s
      timeout: 0
      start_period: 10ms
--- top_list: rejected at (root)
- a
--- top_scalar: rejected at (root)
foo
--- unknown_top: rejected at foo
services:
  a:
    image: x
foo: 1
--- version_int: rejected at version
version: 3
services:
  a:
    image: x
--- vol_long_bind_volume_opts: accepted
    volumes:
      - type: bind
        source: /a
        target: /data
        volume:
          nocopy: true
--- vol_long_tmpfs_source: accepted
    volumes:
      - type: tmpfs
        source: foo
        target: /data
--- vol_long_volume_anon: accepted
    volumes:
      - type: volume
        target: /data
--- vol_long_volume_undefined: rejected at services.a.volumes[0]
    volumes:
      - type: volume
        source: data
        target: /data
--- vol_named_ok: accepted
    volumes: ["data:/data:ro,nocopy", "/a:/b:rw,z", "c:/x:/y", "/tmp", "~/x:/y"]
volumes:
  data:
--- vol_target_relative_long: accepted
    volumes:
      - type: bind
        source: /a
        target: data
--- aliases: accepted
    networks:
      default:
        aliases: [x, x]
--- annotations: accepted
    annotations: ["a=1", "a=1"]
  b:
    image: x
--- buildargs: accepted
services:
  a:
    build:
      context: .
      args: [a=1, a=1]
      cache_from: [a, a]
--- cap_add: accepted
    cap_add: ["x", "x"]
  b:
    image: x
--- cap_drop: accepted
    cap_drop: ["x", "x"]
  b:
    image: x
--- dep_labels: accepted
    deploy:
      labels: [a=1, a=1]
--- device_cgroup_rules: rejected at services.a.device_cgroup_rules[1]
    device_cgroup_rules: ["x", "x"]
  b:
    image: x
--- dns: accepted
    dns: ["x", "x"]
  b:
    image: x
--- dns_opt: accepted
    dns_opt: ["x", "x"]
  b:
    image: x
--- dns_search: accepted
    dns_search: ["x", "x"]
  b:
    image: x
--- environment: accepted
    environment: ["a=1", "a=1"]
  b:
    image: x
--- expose: accepted
    expose: ["80", "80"]
  b:
    image: x
--- external_links: rejected at services.a.external_links[1]
    external_links: ["b", "b"]
  b:
    image: x
--- extra_hosts: rejected at services.a.extra_hosts[1]
    extra_hosts: ["a=1.2.3.4", "a=1.2.3.4"]
  b:
    image: x
--- group_add: rejected at services.a.group_add[1]
    group_add: ["x", "x"]
  b:
    image: x
--- labels: accepted
    labels: ["a=1", "a=1"]
  b:
    image: x
--- links: accepted
    links: ["b", "b"]
  b:
    image: x
--- net_labels: accepted
services:
  a:
    image: x
networks:
  n:
    labels: [a=1, a=1]
--- ports: accepted
    ports: ["80", "80"]
  b:
    image: x
--- profiles: accepted
    profiles: ["x", "x"]
  b:
    image: x
--- security_opt: rejected at services.a.security_opt[1]
    security_opt: ["x", "x"]
  b:
    image: x
--- sysctls: accepted
    sysctls: ["a=1", "a=1"]
  b:
    image: x
--- tmpfs: accepted
    tmpfs: ["/x", "/x"]
  b:
    image: x
--- volumes: accepted
    volumes: ["/x", "/x"]
  b:
    image: x
--- volumes_from: rejected at services.a.volumes_from[1]
    volumes_from: ["b", "b"]
  b:
    image: x
--- build_secret_undef: rejected at services.a.build.secrets[0]
services:
  a:
    build:
      context: .
      secrets: [s]
--- cfg_ext_file: accepted
services:
  a:
    image: x
configs:
  c:
    external: true
    file: ./x
--- cfg_mode_str: rejected at services.a.configs[0].mode
    configs:
      - source: s
        mode: "abc"
configs:
  s:
    file: ./s
--- cn_dup: rejected at services.b.container_name
    container_name: foo
  b:
    image: x
    container_name: foo
--- cpus_str: rejected at services.a.cpu_period
    cpus: "0.5"
    cpu_shares: "512"
    cpu_quota: 50000
    cpu_period: "1ms"
--- cycle_links: rejected at services.a.links[0]
    links: [b]
  b:
    image: x
    volumes_from: [a]
--- dep_cond_missing: rejected at services.a.depends_on.b
    depends_on:
      b: {}
  b:
    image: x
--- dep_null: rejected at services.a.depends_on.b
    depends_on:
      b:
  b:
    image: x
--- devices_ok: accepted
    devices: ["/dev/a", "/dev/a:/dev/b", "/dev/a:/dev/b:rwm", "nvidia.com/gpu=all"]
--- empty_map: rejected at (root)
{}
--- ext_bad_str: rejected at networks.n.external
services:
  a:
    image: x
networks:
  n:
    external: "maybe"
--- ext_str: rejected at volumes.v.driver
services:
  a:
    image: x
volumes:
  v:
    external: "yes"
    driver: local
--- extends_cycle: rejected at services.a.extends
services:
  a:
    extends: b
  b:
    extends: a
--- extends_self_file: accepted
    extends:
      service: b
  b:
    image: y
--- extra_hosts_map: accepted
    extra_hosts:
      a: 1.2.3.4
      b: ["1.2.3.4", "::1"]
--- extra_hosts_ok: accepted
    extra_hosts: ["a:1.2.3.4", "b=1.2.3.4", "c:::1", "d=::1"]
--- gpus_bad: rejected at services.a.gpus
    gpus: some
--- hc_retries_str: rejected at services.a.healthcheck.retries
    healthcheck:
      retries: "x"
--- init_str: rejected at services.a.init
    init: "maybe"
--- ipc_svc: rejected at services.a.ipc
    ipc: "service:b"
--- mem_float: accepted
    mem_limit: 1.5
--- mem_units: accepted
    mem_limit: 1.5g
    memswap_limit: -1
    shm_size: 64M
    mem_reservation: 512kb
--- net_ext_driver: accepted
services:
  a:
    image: x
networks:
  n:
    external: true
    driver: bridge
--- oom_str: rejected at services.a.oom_score_adj
    oom_score_adj: "abc"
--- pid_svc: rejected at services.a.pid
    pid: "service:b"
--- published_str: accepted
    ports:
      - target: 80
        published: "abc"
--- readonly_yes: accepted
    read_only: "yes"
    tty: "on"
--- replicas_str: accepted
    deploy:
      replicas: "2"
--- res_cpus_bad: rejected at services.a.deploy.resources.limits.cpus
    deploy:
      resources:
        limits:
          cpus: abc
--- res_mem_bad: rejected at services.a.deploy.resources.limits.memory
    deploy:
      resources:
        limits:
          memory: abc
--- res_mem_int: rejected at services.a.deploy.resources.limits.memory
    deploy:
      resources:
        limits:
          memory: 1000000
--- restart_delay_bad: rejected at services.a.deploy.restart_policy.delay
    deploy:
      restart_policy:
        delay: abc
      update_config:
        delay: abc
--- scale_str: rejected at services.a.scale
    scale: "two"
--- secret_driver: rejected at secrets.s
services:
  a:
    image: x
secrets:
  s:
    driver: foo
--- secret_mode_str: accepted
    secrets:
      - source: s
        mode: "0440"
secrets:
  s:
    file: ./s
--- ulimit_softhard: accepted
    ulimits:
      nofile:
        soft: 100
        hard: 10
--- vol_ext_name: accepted
services:
  a:
    image: x
volumes:
  v:
    external: true
    name: foo
  w:
    external:
      name: bar
--- vol_ro_str: rejected at services.a.volumes[0].read_only
    volumes:
      - type: bind
        source: /a
        target: /b
        read_only: "maybe"
--- x_only: accepted
x-foo: 1
--- anon_vol_name: rejected at services.a.volumes[0]
    volumes: ["ab:/x"]
--- blkio_rate: rejected at services.a.blkio_config.device_read_bps[0].rate
    blkio_config:
      device_read_bps:
        - path: /dev/sda
          rate: abc
--- cpus_limits_mem_only: rejected at services.a.cpus
    cpus: 1
    deploy:
      resources:
        limits:
          memory: 1g
--- dollar_brace_bad: rejected at services.a.command
    command: echo ${foo
--- dollar_lone: accepted
    command: echo $ foo $1 $@
--- dur_units: accepted
    stop_grace_period: "1h2m3.5s"
    healthcheck:
      interval: ".5s"
      timeout: "0"
      start_period: "-1s"
--- extends_file_img: accepted
services:
  a:
    extends:
      service: b
  b:
    image: x
--- extra_hosts_noip: accepted
    extra_hosts: ["a:"]
--- gpus_count_all: accepted
    gpus:
      - driver: nvidia
        count: all
        foo: bar
--- hc_disable_str: accepted
    healthcheck:
      disable: "yes"
--- hc_test_empty: accepted
    healthcheck:
      test: []
--- links_disabled: rejected at services.a.links[0]
    links: [b]
  b:
    image: x
    profiles: [p]
--- mem_limits_cpus_only: rejected at services.a.mem_limit
    mem_limit: 1g
    deploy:
      resources:
        limits:
          cpus: "1"
--- mem_str_space: accepted
    mem_limit: "1 GiB"
    shm_size: "1.5gb"
--- memswap_str_neg: rejected at services.a.memswap_limit
    memswap_limit: "-1"
--- name_emptystr: accepted
name: ""
services:
  a:
    image: x
--- port_colon: accepted
    ports: [":80"]
--- port_empty: rejected at services.a.ports[0]
    ports: [""]
--- port_ip6: accepted
    ports: ["::1:80:80"]
--- provider_noimg_prof: accepted
services:
  a:
    provider:
      type: foo
--- scale_zero_cn: rejected at services.a.container_name
    container_name: foo
    deploy:
      replicas: 2
--- sgp_empty: rejected at services.a.stop_grace_period
    stop_grace_period: ""
--- tmpfs_size_str: accepted
    volumes:
      - type: tmpfs
        target: /a
        tmpfs:
          size: 64m
--- vf_container: accepted
    volumes_from: ["container:foo", "b:ro"]
  b:
    image: x
--- vol_tilde: rejected at services.a.volumes[2]
    volumes: ["~/x:/y", "C:\\x:/y", "a/b:/c"]
--- volume_ext_false_driver: accepted
services:
  a:
    image: x
volumes:
  v:
    external: false
    driver: local
--- volume_ext_name_only: rejected at volumes.v.labels
    volumes: [v:/x]
volumes:
  v:
    external: true
    labels: {a: b}
--- blkio_iops_str: rejected at services.a.blkio_config.device_read_iops[0].rate
    blkio_config:
      device_read_iops:
        - path: /dev/sda
          rate: abc
--- blkio_wd_str: rejected at services.a.blkio_config.weight_device[0].weight
    blkio_config:
      weight_device:
        - path: /dev/sda
          weight: abc
--- blkio_weight_str: rejected at services.a.blkio_config.weight
    blkio_config:
      weight: abc
--- build_shm_str: rejected at services.a.build.shm_size
    build:
      context: .
      shm_size: abc
--- cgroup_bad: rejected at services.a.cgroup
    cgroup: foo
--- cn_one_char: rejected at services.a.container_name
    container_name: a
--- cn_weird: accepted
    container_name: "--ab"
--- cpu_count_str: rejected at services.a.cpu_count
    cpu_count: abc
--- cpuperiod_float: accepted
    cpu_period: 1.5
--- cpurt: rejected at services.a.cpu_rt_runtime
    cpu_rt_runtime: 10ms
--- dev_count_all: accepted
    deploy:
      resources:
        reservations:
          devices:
            - capabilities: [gpu]
              count: all
--- dev_count_str: rejected at services.a.deploy.resources.reservations.devices[0].count
    deploy:
      resources:
        reservations:
          devices:
            - capabilities: [gpu]
              count: abc
--- driver_opts_bool: rejected at services.a.networks.n.driver_opts.a
    networks:
      n:
        driver_opts:
          a: true
networks:
  n:
--- env_bool: accepted
    environment:
      A: true
      B: 1.5
--- expose_bad: accepted
    expose: ["abc", "80/xyz"]
--- generic_value_str: rejected at services.a.deploy.resources.reservations.generic_resources[0].discrete_resource_spec.value
    deploy:
      resources:
        reservations:
          generic_resources:
            - discrete_resource_spec:
                kind: gpu
                value: abc
--- gpu_count_str: rejected at services.a.gpus[0].count
    gpus:
      - count: abc
--- hc_retries_float: accepted
    healthcheck:
      retries: 1.5
--- hook_nocmd: rejected at services.a.post_start[0]
    post_start:
      - user: root
--- hook_ok: accepted
    post_start:
      - command: echo hi
        user: root
    pre_stop:
      - command: ["echo"]
--- log_opts_bool: rejected at services.a.logging.options.a
    logging:
      options:
        a: true
--- mem_float_str: accepted
    mem_limit: "1.5"
--- memswappiness_str: rejected at services.a.mem_swappiness
    mem_swappiness: abc
--- oom_float: rejected at services.a.oom_score_adj
    oom_score_adj: 1.5
--- pids_limits_str: rejected at services.a.deploy.resources.limits.pids
    deploy:
      resources:
        limits:
          pids: abc
--- published_range_bad: accepted
    ports:
      - target: 80
        published: "abc-def"
--- pull_every: accepted
    pull_policy: every_12h
--- pull_prefix: accepted
    pull_policy: xalwaysx
--- replicas_float: rejected at services.a.deploy.replicas
    deploy:
      replicas: 1.5
--- scale_neg: rejected at services.a.scale
    scale: -1
--- secret_mode_abc: rejected at services.a.secrets[0].mode
    secrets:
      - source: s
        mode: abc
secrets:
  s:
    file: ./x
--- stop_signal_int: rejected at services.a.stop_signal
    stop_signal: 9
--- sysctls_int: accepted
    sysctls:
      net.core.somaxconn: 1024
--- target_neg: rejected at services.a.ports[0].target
    ports:
      - target: -1
--- tmpfs_mode_str: rejected at services.a.volumes[0].tmpfs.mode
    volumes:
      - type: tmpfs
        target: /x
        tmpfs:
          mode: abc
--- ulimit_float: rejected at services.a.ulimits.nofile
    ulimits:
      nofile: 1.5
--- ulimit_upper: accepted
    ulimits:
      NOFILE: 5
--- user_int: rejected at services.a.user
    user: 1000
--- vol_bind_create_str: rejected at services.a.volumes[0].bind.create_host_path
    volumes:
      - type: bind
        source: /a
        target: /b
        bind:
          create_host_path: maybe
--- vol_nocopy_str: rejected at services.a.volumes[0].volume.nocopy
    volumes:
      - type: volume
        target: /b
        volume:
          nocopy: maybe
--- watch_action_bad: rejected at services.a.develop.watch[0].action
    develop:
      watch:
        - path: ./src
          action: foo
          target: /app
--- watch_ok: accepted
    develop:
      watch:
        - path: ./src
          action: sync+exec
          target: /app
          exec:
            command: ls
--- attach_bad: rejected at services.a.attach
    attach: maybe
--- bprivileged_bad: rejected at services.a.build.privileged
    build:
      context: .
      privileged: maybe
--- cfg_env_content: rejected at configs.c.content
services:
  a:
    image: x
configs:
  c:
    environment: FOO
    content: x
--- cpu_shares_float: accepted
    cpu_shares: 1.5
--- cpus_str_bad_res: rejected at services.a.deploy.resources.reservations.cpus
    deploy:
      resources:
        reservations:
          cpus: abc
--- dep_restart_bad: rejected at services.a.depends_on.b.restart
    depends_on:
      b:
        condition: service_started
        restart: maybe
  b:
    image: y
--- envfile_req_bad: rejected at services.a.env_file[0].required
    env_file:
      - path: ./x.env
        required: maybe
--- generic_value_float: accepted
    deploy:
      resources:
        reservations:
          generic_resources:
            - discrete_resource_spec:
                kind: gpu
                value: 1.5
--- generic_value_numstr: accepted
    deploy:
      resources:
        reservations:
          generic_resources:
            - discrete_resource_spec:
                kind: gpu
                value: "2"
--- gpu_count_num: accepted
    gpus:
      - count: 2
      - count: "3"
      - count: all
--- hook_priv_bad: rejected at services.a.post_start[0].privileged
    post_start:
      - command: ls
        privileged: maybe
--- ipv4_bad: rejected at networks.n.enable_ipv4
services:
  a:
    image: x
networks:
  n:
    enable_ipv4: maybe
--- max_fail_ratio: rejected at services.a.deploy.update_config.max_failure_ratio
    deploy:
      update_config:
        max_failure_ratio: abc
--- mem_reservation_float: rejected at services.a.mem_reservation
    mem_reservation: 1.5
--- mode_octal: accepted
    configs:
      - source: c
        mode: 0440
configs:
  c:
    content: x
--- models_map: accepted
    models:
      m:
        endpoint_var: E
      n:
models:
  m:
    model: ai/x
  n:
    model: ai/y
--- net_ext_obj: accepted
services:
  a:
    image: x
networks:
  n:
    external:
      name: foo
--- nocache_bad: rejected at services.a.build.no_cache
    build:
      context: .
      no_cache: maybe
--- pids_neg: accepted
    pids_limit: -1
--- provenance_str: accepted
    build:
      context: .
      provenance: mode=max
      sbom: "generator=x"
--- pull_bad: rejected at services.a.build.pull
    build:
      context: .
      pull: maybe
--- replicas_neg: rejected at services.a.deploy.replicas
    deploy:
      replicas: -1
--- sec_environment: accepted
services:
  a:
    image: x
secrets:
  s:
    environment: FOO
--- sec_ext_obj_other: accepted
services:
  a:
    image: x
secrets:
  s:
    external:
      name: foo
      other: 1
--- shm_float: accepted
    shm_size: 1.5
--- target_big: accepted
    ports:
      - target: 70000
--- tmpfs_mode_float: accepted
    volumes:
      - type: tmpfs
        target: /x
        tmpfs:
          mode: 1.5
--- tmpfs_mode_numstr: rejected at services.a.volumes[0].tmpfs.mode
    volumes:
      - type: tmpfs
        target: /x
        tmpfs:
          mode: "1777"
--- uid_int: rejected at services.a.secrets[0].uid
    secrets:
      - source: s
        uid: 1000
secrets:
  s:
    file: ./x
--- vol_ext_obj_bad: rejected at volumes.v.external.other
services:
  a:
    image: x
volumes:
  v:
    external:
      name: foo
      other: 1
--- weight_int: accepted
    blkio_config:
      weight: 500
      weight_device:
        - path: /dev/sda
          weight: 400
--- weight_numstr: rejected at services.a.blkio_config.weight
    blkio_config:
      weight: "500"
--- anchors: accepted
x-common: &common
  image: x
  restart: always
services:
  a:
    <<: *common
    environment:
      A: 1
--- attach_str: accepted
    attach: "false"
--- build_platforms: accepted
services:
  a:
    build:
      context: .
      platforms: [linux/amd64]
    platform: linux/amd64
--- command_null: accepted
    command:
--- config_nofile: rejected at configs.s
services:
  a:
    image: x
configs:
  s:
    name: foo
--- config_two: rejected at configs.s.content
services:
  a:
    image: x
configs:
  s:
    file: ./a
    content: foo
--- config_undefined: rejected at services.a.configs[0]
    configs: [s]
--- container_name_bad: rejected at services.a.container_name
    container_name: "-"
--- cpus_bad: rejected at services.a.cpus
    cpus: abc
--- cpus_deploy: rejected at services.a.cpus
    cpus: 1
    deploy:
      resources:
        limits:
          cpus: "2"
--- cpus_deploy_same: accepted
    cpus: 1.5
    deploy:
      resources:
        limits:
          cpus: "1.5"
--- dep_not_required: rejected at services.a.depends_on.b
    depends_on:
      b:
        condition: service_started
        required: false
--- dep_profile: rejected at services.a.depends_on[0]
    depends_on: [b]
  b:
    image: x
    profiles: [debug]
--- deploy_null: accepted
    deploy:
--- devices_bad: rejected at services.a.devices[0]
    devices: ["/dev/a:/dev/b:rwm:x"]
--- dockerfile_both: rejected at services.a.build.dockerfile_inline
services:
  a:
    build:
      context: .
      dockerfile: Dockerfile
      dockerfile_inline: FROM x
--- dup_vol_target: accepted
    volumes: ["/a:/b", "/c:/b"]
--- empty_file: rejected at (root)
--- env_file_missing_optional: accepted
    env_file:
      - path: ./nope.env
        required: false
--- env_list_dup: accepted
    environment: [A=1, A=1]
--- env_list_noeq: accepted
    environment: ["FOO"]
--- env_null: accepted
    environment:
      A:
      B: 1
      C: true
--- expose_range: accepted
    expose: ["80-90", 70, "abc"]
--- ext_volume_conflict: rejected at volumes.v.driver
services:
  a:
    image: x
volumes:
  v:
    external: true
    driver: local
--- extends_local: accepted
services:
  a:
    extends: b
  b:
    image: x
--- extends_local_missing: rejected at services.a.extends
    extends: b
--- extra_hosts_bad: rejected at services.a.extra_hosts[0]
    extra_hosts: ["foo"]
--- gpus_all: accepted
    gpus: all
--- hc_interval_bad: rejected at services.a.healthcheck.interval
    healthcheck:
      test: ["CMD", "true"]
      interval: abc
--- hc_test_bad: rejected at services.a.healthcheck.test[0]
    healthcheck:
      test: ["foo", "true"]
--- hc_test_str: accepted
    healthcheck:
      test: "curl x"
--- image_int: rejected at services.a
services:
  a:
    image: 5
--- int_key: rejected at services.a.environment.1
    environment:
      1: x
--- labels_list_noeq: accepted
    labels: ["FOO"]
--- links_unknown: rejected at services.a.links[0]
    links: [b]
--- links_unknown_alias: rejected at services.a.links[0]
    links: ["b:c"]
--- mem_same: accepted
    mem_limit: 1g
    deploy:
      resources:
        limits:
          memory: 1024m
--- memlimit_bad: rejected at services.a.mem_limit
    mem_limit: abc
--- memres: rejected at services.a.mem_reservation
    mem_reservation: 1g
    deploy:
      resources:
        reservations:
          memory: 2g
--- memswap: accepted
    memswap_limit: 1g
    deploy:
      resources:
        limits:
          memory: 2g
--- models_top: accepted
    models: [m]
models:
  m:
    model: ai/smollm2
--- models_undefined: rejected at services.a.models[0]
    models: [m]
--- net_default: accepted
    networks: [default]
--- net_undefined: rejected at services.a.networks[0]
    networks: [foo]
--- netmode_and_networks: rejected at services.a.networks
    network_mode: host
    networks: [default]
--- netmode_container: accepted
    network_mode: "container:b"
--- netmode_svc: rejected at services.a.network_mode
    network_mode: "service:b"
--- netname_space: accepted
services:
  a:
    image: x
networks:
  "a b":
--- no_services: accepted
name: foo
--- only_version: rejected at (root)
version: "3"
--- pids: rejected at services.a.pids_limit
    pids_limit: 10
    deploy:
      resources:
        limits:
          pids: 20
--- port_bad: rejected at services.a.ports[0]
    ports: ["abc"]
--- port_bad2: rejected at services.a.ports[0]
    ports: ["80:80:80:80"]
--- port_no_target: rejected at services.a.ports[0]
    ports:
      - published: 80
--- port_target_str: rejected at services.a.ports[0].target
    ports:
      - target: abc
--- pre_start: rejected at services.a.pre_start
    pre_start:
      - command: echo
--- provider: accepted
services:
  a:
    provider:
      type: model
      options:
        model: ai/smollm2
--- pull_policy_bad: rejected at services.a.pull_policy
    pull_policy: sometimes
--- restart_bad: accepted
    restart: sometimes
--- scale_replicas: rejected at services.a.scale
    scale: 2
    deploy:
      replicas: 3
--- secret_content: rejected at secrets.s
services:
  a:
    image: x
secrets:
  s:
    content: foo
--- secret_nofile: rejected at secrets.s
services:
  a:
    image: x
secrets:
  s:
    name: foo
--- secret_null: rejected at secrets.s
services:
  a:
    image: x
secrets:
  s:
--- secret_undefined: rejected at services.a.secrets[0]
    secrets: [s]
--- self_dep: rejected at services.a.depends_on[0]
    depends_on: [a]
--- service_null: rejected at services.a
services:
  a:
--- services_null: rejected at services
services:
--- sgp_bad: rejected at services.a.stop_grace_period
    stop_grace_period: abc
--- shm_bad: rejected at services.a.shm_size
    shm_size: abc
--- svcname_space: rejected at services.a b
services:
  "a b":
    image: x
--- sysctls_list_bad: accepted
    sysctls: ["foo"]
--- tmpfs_size_bad: rejected at services.a.volumes[0].tmpfs.size
    volumes:
      - type: tmpfs
        target: /a
        tmpfs:
          size: abc
--- ulimit_bad: rejected at services.a.ulimits.nofile
    ulimits:
      nofile: abc
--- use_api_socket_str: rejected at services.a.use_api_socket
    use_api_socket: "true"
--- vol_empty: rejected at services.a.volumes[0]
    volumes: [""]
--- vol_long_bind_no_source: rejected at services.a.volumes[0]
    volumes:
      - type: bind
        target: /a
--- vol_long_no_target: rejected at services.a.volumes[0]
    volumes:
      - type: bind
        source: /a
--- vol_relative_target: accepted
    volumes: ["/a:b"]
--- vol_too_many: rejected at services.a.volumes[0]
    volumes: ["/a:/b:ro:z"]
--- vol_undefined: rejected at services.a.volumes[0]
    volumes: ["data:/data"]
--- watch_empty_path: rejected at services.a.develop.watch[0].path
    develop:
      watch:
        - path: ""
          action: rebuild
--- watch_no_target: rejected at services.a.develop.watch[0]
    develop:
      watch:
        - path: ./src
          action: sync
--- x_in_blkio: rejected at services.a.blkio_config.x-foo
    blkio_config:
      x-foo: 1
--- x_in_ports: accepted
    ports:
      - target: 80
        x-foo: 1
--- x_in_service: accepted
    x-foo: 1
x-bar:
  a: 1
"##;

/// Valid cases the typed model does not represent: values that Compose accepts without checking
/// them (networks and models named outside `^[a-zA-Z0-9._-]+$`, ulimits with uppercase names).
const UNTYPED: &[&str] = &[
    "model_odd_null",
    "model_odd_obj",
    "net_odd_obj_unknown",
    "ulim_upper_objx",
];

struct Case {
    name: String,
    text: String,
    accepted: bool,
    at: String,
}

fn cases() -> Vec<Case> {
    CASES
        .split("--- ")
        .filter(|c| !c.is_empty())
        .map(|c| {
            let (head, body) = c.split_once('\n').unwrap_or((c, ""));
            let (name, verdict) = head.split_once(": ").expect("--- NAME: VERDICT");
            let text = if body.starts_with("    ") {
                format!("services:\n  a:\n    image: x\n{body}")
            } else {
                body.to_string()
            };
            Case {
                name: name.to_string(),
                text,
                accepted: verdict == "accepted",
                at: verdict
                    .strip_prefix("rejected at ")
                    .unwrap_or("")
                    .to_string(),
            }
        })
        .collect()
}

#[test]
fn edge_cases_get_the_verdict_of_docker_compose() {
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() > 200, "{} cases", cases.len());
    for case in &cases {
        let found = problems(&case.text);
        match (case.accepted, found.first()) {
            (true, None) => {
                if let Err(e) = deserialize(&case.text)
                    && !UNTYPED.contains(&case.name.as_str())
                {
                    failures.push(format!("{}: {e}", case.name));
                }
            }
            (true, Some(_)) => failures.push(format!(
                "{}: Docker Compose accepts it, composegen reports:\n    {}",
                case.name,
                found.join("\n    ")
            )),
            (false, None) => failures.push(format!(
                "{}: Docker Compose rejects it, composegen reports nothing",
                case.name
            )),
            (false, Some(first)) => {
                if !first.starts_with(&format!("{}: ", case.at)) {
                    failures.push(format!(
                        "{}: expected the first problem at {}, got {first}",
                        case.name, case.at
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The verdicts in [`CASES`] are what the real Docker Compose says (skipped when it is not
/// installed, fails under CI; see tests/support).
#[test]
fn edge_case_verdicts_are_docker_composes() {
    let cases = cases();
    let dir = tempfile::tempdir().expect("temp dir");
    let probe = dir.path().join("probe.yaml");
    std::fs::write(&probe, "services:\n  a:\n    image: x\n").expect("write");
    if support::compose_config(&probe, &[]).is_none() {
        return;
    }
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for (t, chunk) in cases.chunks(cases.len().div_ceil(4)).enumerate() {
            let dir = dir.path().join(format!("t{t}"));
            let failures = &failures;
            scope.spawn(move || {
                for case in chunk {
                    let case_dir = dir.join(&case.name);
                    std::fs::create_dir_all(&case_dir).expect("mkdir");
                    let file = case_dir.join("compose.yaml");
                    std::fs::write(&file, &case.text).expect("write");
                    let Some(result) = support::compose_config(&file, &[]) else {
                        return;
                    };
                    if result.is_ok() != case.accepted {
                        failures.lock().expect("lock").push(format!(
                            "{}: recorded as {}, Docker Compose says {:?}",
                            case.name,
                            if case.accepted {
                                "accepted"
                            } else {
                                "rejected"
                            },
                            result
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().expect("lock");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
