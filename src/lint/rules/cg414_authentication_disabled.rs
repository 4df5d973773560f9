use crate::compose::grammar::words::script_words;
use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg103_sensitive_port_on_all_interfaces::{SENSITIVE, image_is};
use crate::lint::view::{EnvVar, Service, repository};
use crate::yaml::Path;

declare_rule! {
    /// ## What it does
    /// Reports a database or search engine whose authentication the file turns off:
    ///
    /// - Elasticsearch with `xpack.security.enabled=false` (environment, or `-E` on the
    ///   command line);
    /// - OpenSearch with `DISABLE_SECURITY_PLUGIN=true` or `plugins.security.disabled=true`;
    /// - a Bitnami database or cache (`bitnami/postgresql`, `bitnami/mysql`,
    ///   `bitnami/mariadb`, `bitnami/mongodb`, `bitnami/redis`, `bitnami/valkey`) with
    ///   `ALLOW_EMPTY_PASSWORD=yes` and no password variable;
    /// - PostgreSQL with `POSTGRES_HOST_AUTH_METHOD=trust`;
    /// - MySQL or MariaDB with `MYSQL_ALLOW_EMPTY_PASSWORD` or
    ///   `MARIADB_ALLOW_EMPTY_ROOT_PASSWORD` (any non-empty value, even `no`) and no root
    ///   password.
    ///
    /// These are **errors** when the service's port is reachable from other machines
    /// (published with no host address, `0.0.0.0` or `::`, or on another non-loopback
    /// address, including `ports: ["5432"]` with a random host port; or `network_mode: host`),
    /// and **warnings** otherwise (every container on its networks, and the host when
    /// published on loopback, reaches it).
    ///
    /// It also reports, as errors and only when the port is reachable from other machines,
    /// images that run without authentication unless told otherwise: the official `mongo`
    /// image (and `mongodb/mongodb-community-server`) without `MONGO_INITDB_ROOT_USERNAME` /
    /// `MONGO_INITDB_ROOT_PASSWORD`, `--auth` or a configuration file; and the official
    /// `redis`, `valkey/valkey` and `redis/redis-stack` images (which turn Redis's protected
    /// mode off) without `requirepass`, an ACL file or a configuration file. Only when the
    /// image's entrypoint starts the server (no command, options only, or `mongod` /
    /// `redis-server` first): a server started from a shell script listens as the script says.
    ///
    /// Services with an `env_file` or `extends` may set the password elsewhere and are not
    /// reported for a missing one.
    ///
    /// ## Why is this bad?
    /// Without authentication anyone who reaches the port reads, changes or deletes every
    /// record, and often runs code on the server (PostgreSQL `COPY … FROM PROGRAM`, Redis
    /// `MODULE LOAD`/`CONFIG SET dir`). Bots scan the internet for open Elasticsearch,
    /// MongoDB and Redis ports and empty them (ransom notes) within hours. Docker publishes
    /// ports ahead of the host firewall.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   search:
    ///     image: elasticsearch:8.15.3
    ///     environment:
    ///       discovery.type: single-node
    ///       xpack.security.enabled: "false"
    ///     ports: ["9200:9200"]
    /// ```
    ///
    /// ## Use instead
    /// Keep authentication on and give the password through a variable without default:
    /// ```yaml
    /// services:
    ///   search:
    ///     image: elasticsearch:8.15.3
    ///     environment:
    ///       discovery.type: single-node
    ///       ELASTIC_PASSWORD: ${ELASTIC_PASSWORD:?set ELASTIC_PASSWORD in .env}
    ///     ports: ["127.0.0.1:9200:9200"]
    /// ```
    pub struct AuthenticationDisabled {
        code: "CG414",
        name: "authentication-disabled",
        category: Security,
        severity: Error,
        summary: "a database or search engine runs without authentication (`xpack.security.enabled=false`, `POSTGRES_HOST_AUTH_METHOD=trust`, a Redis without a password on a published port)",
    }
}

/// The last entry of a variable (Compose keeps the last of a list that repeats one).
fn var<'e>(env: &'e [EnvVar], name: &str) -> Option<&'e EnvVar> {
    env.iter().rev().find(|v| v.name == name)
}

/// The value of a variable, when it is known.
fn value<'e>(env: &'e [EnvVar], name: &str) -> Option<(&'e str, &'e EnvVar)> {
    let v = var(env, name)?;
    let x = v.value.as_ref().filter(|x| x.known())?;
    Some((x.value.trim(), v))
}

/// Whether one of `names` may hold a value: set to something, from a variable, or taken from
/// the shell (`- NAME`).
fn may_be_set(env: &[EnvVar], names: &[&str]) -> bool {
    names.iter().any(|n| {
        var(env, n).is_some_and(|v| {
            v.value
                .as_ref()
                .is_none_or(|x| !x.known() || !x.value.trim().is_empty())
        })
    })
}

fn yes(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "yes" | "true" | "1")
}

/// The service is named like the product that usually serves `port` (CG103's table).
fn named_like(repo: &str, port: u32) -> bool {
    SENSITIVE
        .iter()
        .any(|(p, _, words)| *p == port && image_is(repo, words))
}

/// Authentication turned off by a setting: where, what, the ports it is about, the fix.
struct Switch {
    path: Path,
    setting: String,
    what: &'static str,
    ports: Vec<u32>,
    help: &'static str,
}

/// Every word of `command` and `entrypoint`, those of `sh -c` scripts too, with their paths.
fn command_words(s: &Service<'_>) -> Vec<(String, Path)> {
    let mut out = Vec::new();
    for key in ["entrypoint", "command"] {
        for w in s.raw_words(key) {
            if !w.value.known() {
                continue;
            }
            if w.value.value.contains(char::is_whitespace) {
                out.extend(
                    script_words(&w.value.value)
                        .into_iter()
                        .map(|x| (x, w.path.clone())),
                );
            } else {
                out.push((w.value.value, w.path));
            }
        }
    }
    out
}

/// `-Ekey=value` or `-E key=value` on the command line, when the value is `expected`.
fn e_flag(words: &[(String, Path)], key: &str, expected: &str) -> Option<(String, Path)> {
    words.iter().enumerate().find_map(|(i, (w, path))| {
        let setting = match w.strip_prefix("-E")? {
            "" => words.get(i + 1)?.0.as_str(),
            rest => rest,
        };
        let (k, v) = setting.split_once('=')?;
        (k == key && v.eq_ignore_ascii_case(expected)).then(|| (format!("-E{k}={v}"), path.clone()))
    })
}

/// The service may get variables from elsewhere: `env_file`, or the service it `extends`.
fn env_elsewhere(s: &Service<'_>) -> bool {
    s.get("env_file").is_some() || s.extends()
}

/// The settings of `s` that turn its authentication off.
fn switches(cx: &Context<'_>, s: &Service<'_>, repo: &str, env: &[EnvVar]) -> Vec<Switch> {
    let mut out = Vec::new();
    let entry = cx.images.lookup(repo);
    let image_ports = |fallback: &[u32]| -> Vec<u32> {
        match entry.map(|e| &e.sensitive_ports) {
            Some(p) if !p.is_empty() => p.iter().map(|x| u32::from(*x)).collect(),
            _ => fallback.to_vec(),
        }
    };
    let from_env = |name: &str, pred: &dyn Fn(&str) -> bool| -> Option<(String, Path)> {
        let (v, var) = value(env, name)?;
        pred(v).then(|| (format!("{name}={v}"), var.path.clone()))
    };
    let bitnami = repo.starts_with("bitnami/");

    // Elasticsearch: xpack.security.enabled=false.
    if image_is(repo, &["elasticsearch"]) {
        let off = |v: &str| v.eq_ignore_ascii_case("false");
        let found = from_env("xpack.security.enabled", &off)
            .or_else(|| from_env("ES_SETTING_XPACK_SECURITY_ENABLED", &off))
            .or_else(|| e_flag(&command_words(s), "xpack.security.enabled", "false"));
        if let Some((setting, path)) = found {
            out.push(Switch {
                path,
                setting,
                what: "Elasticsearch's security (users, passwords, roles) is off",
                ports: image_ports(&[9200, 9300]),
                help: "keep `xpack.security.enabled` on and set `ELASTIC_PASSWORD` from a variable without default",
            });
        }
    }
    // OpenSearch: the security plugin.
    if image_is(repo, &["opensearch"]) && !repo.contains("dashboards") {
        let on = |v: &str| v.eq_ignore_ascii_case("true");
        let found = from_env("DISABLE_SECURITY_PLUGIN", &on)
            .or_else(|| from_env("plugins.security.disabled", &on))
            .or_else(|| e_flag(&command_words(s), "plugins.security.disabled", "true"));
        if let Some((setting, path)) = found {
            out.push(Switch {
                path,
                setting,
                what: "OpenSearch's security plugin (users, passwords, TLS) is off",
                ports: image_ports(&[9200, 9600]),
                help: "keep the security plugin and set `OPENSEARCH_INITIAL_ADMIN_PASSWORD` from a variable without default",
            });
        }
    }
    // Bitnami databases and caches: ALLOW_EMPTY_PASSWORD=yes without a password.
    let bitnami_store =
        bitnami && entry.is_some_and(|e| matches!(e.kind.as_deref(), Some("database" | "cache")));
    if bitnami_store
        && let Some((setting, path)) = from_env("ALLOW_EMPTY_PASSWORD", &yes)
        && !env_elsewhere(s)
        && !env.iter().any(|v| {
            (v.name.ends_with("PASSWORD") || v.name.ends_with("PASSWORD_FILE"))
                && !v.name.contains("ALLOW_EMPTY")
                && may_be_set(env, &[v.name.as_str()])
        })
    {
        out.push(Switch {
            path,
            setting,
            what: "no password variable is set, and this lets it start without a password",
            ports: image_ports(&[]),
            help: "set the image's password variable from a variable without default (`${DB_PASSWORD:?set it in .env}`) and drop `ALLOW_EMPTY_PASSWORD`",
        });
    }
    // PostgreSQL: trust.
    if !bitnami
        && (named_like(repo, 5432)
            || entry.is_some_and(|e| e.env.iter().any(|v| v == "POSTGRES_HOST_AUTH_METHOD")))
        && let Some((setting, path)) = from_env("POSTGRES_HOST_AUTH_METHOD", &|v| {
            v.eq_ignore_ascii_case("trust")
        })
    {
        out.push(Switch {
            path,
            setting,
            what: "PostgreSQL lets every connection in as any user, `postgres` included",
            ports: vec![5432],
            help: "remove `POSTGRES_HOST_AUTH_METHOD: trust` and set `POSTGRES_PASSWORD` from a variable without default",
        });
    }
    // MySQL and MariaDB (official images): an empty root password.
    if !bitnami && named_like(repo, 3306) {
        let found = [
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
        ]
        .iter()
        .find_map(|name| from_env(name, &|v: &str| !v.is_empty()));
        let root_password = [
            "MYSQL_ROOT_PASSWORD",
            "MYSQL_ROOT_PASSWORD_FILE",
            "MARIADB_ROOT_PASSWORD",
            "MARIADB_ROOT_PASSWORD_FILE",
            "MARIADB_ROOT_PASSWORD_HASH",
            "MYSQL_RANDOM_ROOT_PASSWORD",
            "MARIADB_RANDOM_ROOT_PASSWORD",
        ];
        if let Some((setting, path)) = found
            && !env_elsewhere(s)
            && !may_be_set(env, &root_password)
        {
            out.push(Switch {
                path,
                setting,
                what: "`root` gets an empty password (any non-empty value allows it, even `no`), and no root password is set",
                ports: vec![3306, 33060],
                help: "set `MYSQL_ROOT_PASSWORD` (or `MARIADB_ROOT_PASSWORD`) from a variable without default and drop the empty-password variable",
            });
        }
    }
    out
}

/// A server that runs without authentication by default, when nothing in the file turns it
/// on: (product, port, why, help).
fn open_by_default(
    s: &Service<'_>,
    repo: &str,
    env: &[EnvVar],
) -> Option<(&'static str, u32, &'static str, &'static str)> {
    if env_elsewhere(s) || s.get("entrypoint").is_some() || s.get("build").is_some() {
        return None;
    }
    let words: Vec<String> = command_words(s).into_iter().map(|(w, _)| w).collect();
    // The image's entrypoint runs the server with the command's options (it then listens on
    // every address with protected mode off); a shell script or a client is not judged (the
    // entrypoint does not add `--bind_ip_all` or `--protected-mode no` to those).
    let first = s.command_words().into_iter().next();
    let runs = |servers: &[&str]| {
        first.as_deref().is_none_or(|w| {
            w.starts_with('-') || servers.contains(&w.rsplit('/').next().unwrap_or(w))
        })
    };
    match repo {
        "mongo" | "mongodb/mongodb-community-server" => {
            if !runs(&["mongod"]) {
                return None;
            }
            let configured = words.iter().any(|w| {
                let flag = w.split('=').next().unwrap_or(w);
                matches!(
                    flag,
                    "--auth" | "--keyFile" | "--config" | "-f" | "--transitionToAuth"
                ) || flag.starts_with("--bind_ip")
            });
            let root = [
                "MONGO_INITDB_ROOT_USERNAME",
                "MONGO_INITDB_ROOT_USERNAME_FILE",
                "MONGO_INITDB_ROOT_PASSWORD",
                "MONGO_INITDB_ROOT_PASSWORD_FILE",
            ];
            (!configured && !may_be_set(env, &root)).then_some((
                "MongoDB",
                27017,
                "neither `MONGO_INITDB_ROOT_USERNAME`/`MONGO_INITDB_ROOT_PASSWORD` nor `--auth` is set, so `mongod` runs without access control",
                "set `MONGO_INITDB_ROOT_USERNAME` and `MONGO_INITDB_ROOT_PASSWORD` (from variables without default): the image then starts `mongod --auth`",
            ))
        }
        "redis" | "valkey/valkey" | "redis/redis-stack" | "redis/redis-stack-server" => {
            if !runs(&["redis-server", "valkey-server", "redis-stack-server"]) {
                return None;
            }
            let mut all = words;
            if let Some((args, _)) = value(env, "REDIS_ARGS") {
                all.extend(script_words(args));
            }
            let configured = all.iter().any(|w| {
                w.contains("requirepass")
                    || w.ends_with(".conf")
                    || matches!(
                        w.as_str(),
                        "--aclfile" | "--user" | "--bind" | "--protected-mode"
                    )
            });
            (!configured).then_some((
                "Redis",
                6379,
                "no `requirepass` is set, and this image turns protected mode off: every client that reaches the port gets in",
                "start it with `--requirepass` from a variable (`[sh, -c, 'exec redis-server --requirepass \"$$REDIS_PASSWORD\"']`), or do not publish the port",
            ))
        }
        _ => None,
    }
}

impl Rule for AuthenticationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            let Some((image, image_path)) = s.image().filter(|(i, _)| i.known()) else {
                continue;
            };
            let repo = repository(&image.value);
            let env = s.environment();
            for sw in switches(cx, &s, &repo, &env) {
                let how = s.reachable_from_network(&sw.ports);
                let (severity, reach) = match &how {
                    Some((how, _)) => (Severity::Error, format!("reachable through {how}")),
                    None => (
                        Severity::Warning,
                        "reachable from every container on its networks".to_string(),
                    ),
                };
                let mut f = self
                    .finding(
                        cx,
                        sw.path,
                        format!(
                            "`{}` runs without authentication (`{}`): {}; {reach}",
                            s.name, sw.setting, sw.what
                        ),
                    )
                    .label("authentication disabled")
                    .service(s.name)
                    .help(sw.help);
                if let Some((_, path)) = how {
                    f = f.related(cx.file, path, "reachable from other machines");
                }
                let mut f = f.build();
                f.severity = severity;
                out.push(f);
            }
            if let Some((product, port, why, help)) = open_by_default(&s, &repo, &env)
                && let Some((how, path)) = s.reachable_from_network(&[port])
            {
                out.push(
                    self.finding(
                        cx,
                        image_path,
                        format!(
                            "`{}` runs {product} without authentication, reachable through {how}: {why}",
                            s.name
                        ),
                    )
                    .label("no authentication")
                    .related(cx.file, path, "reachable from other machines")
                    .service(s.name)
                    .help(help)
                    .build(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::cg401_privileged_container::tests_support::severities;
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG414", yaml))
    }

    #[test]
    fn switches_by_reach() {
        let es = |ports: &str| {
            format!(
                "services:\n  es:\n    image: elasticsearch:8.15.3\n    environment:\n      - discovery.type=single-node\n      - xpack.security.enabled=false\n{ports}"
            )
        };
        assert_eq!(
            severities("CG414", &es("    ports: ['9200:9200']\n")),
            ["error"]
        );
        assert_eq!(severities("CG414", &es("    ports: ['9200']\n")), ["error"]);
        assert_eq!(
            severities("CG414", &es("    ports: ['192.168.1.5:9200:9200']\n")),
            ["error"]
        );
        assert_eq!(
            severities("CG414", &es("    ports: ['127.0.0.1:9200:9200']\n")),
            ["warning"]
        );
        assert_eq!(severities("CG414", &es("")), ["warning"]);
        assert_eq!(run(&es("")), ["CG414@6"]);
        assert_eq!(
            severities(
                "CG414",
                "services:\n  es:\n    image: docker.elastic.co/elasticsearch/elasticsearch:8.15.3\n    command: [elasticsearch, -Expack.security.enabled=false]\n    network_mode: host\n"
            ),
            ["error"]
        );
        assert_eq!(
            run(
                "services:\n  os:\n    image: opensearchproject/opensearch:2.18.0\n    environment:\n      DISABLE_SECURITY_PLUGIN: 'true'\n"
            ),
            ["CG414@5"]
        );
        assert_eq!(
            severities(
                "CG414",
                "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_HOST_AUTH_METHOD: trust\n    ports: ['5432:5432']\n"
            ),
            ["error"]
        );
        assert_eq!(
            run(
                "services:\n  db:\n    image: mysql:8.4.3\n    environment:\n      - MYSQL_ALLOW_EMPTY_PASSWORD=yes\n"
            ),
            ["CG414@5"]
        );
        assert_eq!(
            severities(
                "CG414",
                "services:\n  cache:\n    image: docker.io/bitnami/redis:7.4\n    environment:\n      - ALLOW_EMPTY_PASSWORD=yes\n    ports: ['6379:6379']\n"
            ),
            ["error"]
        );
    }

    #[test]
    fn switches_that_do_not_apply() {
        for yaml in [
            // Security on, or the setting on another image.
            "services:\n  es:\n    image: elasticsearch:8.15.3\n    environment:\n      xpack.security.enabled: 'true'\n    ports: ['9200:9200']\n",
            "services:\n  k:\n    image: kibana:8.15.3\n    environment:\n      xpack.security.enabled: 'false'\n    ports: ['5601:5601']\n",
            // A password is set, so ALLOW_EMPTY_PASSWORD changes nothing.
            "services:\n  db:\n    image: bitnami/postgresql:16\n    environment:\n      - ALLOW_EMPTY_PASSWORD=yes\n      - POSTGRESQL_PASSWORD=${PG_PASSWORD}\n    ports: ['5432:5432']\n",
            // An application image: ALLOW_EMPTY_PASSWORD is about its database connection.
            "services:\n  wp:\n    image: bitnami/wordpress:6\n    environment:\n      - ALLOW_EMPTY_PASSWORD=yes\n    ports: ['80:8080']\n",
            "services:\n  db:\n    image: mysql:8.4.3\n    environment:\n      MYSQL_ALLOW_EMPTY_PASSWORD: 'yes'\n      MYSQL_ROOT_PASSWORD_FILE: /run/secrets/root\n",
            "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_HOST_AUTH_METHOD: scram-sha-256\n",
            "services:\n  db:\n    image: mysql:8.4.3\n    env_file: db.env\n    environment:\n      MYSQL_ALLOW_EMPTY_PASSWORD: 'yes'\n",
        ] {
            assert!(run(yaml).is_empty(), "{yaml}");
        }
    }

    #[test]
    fn open_by_default_only_when_published() {
        assert_eq!(
            severities(
                "CG414",
                "services:\n  m:\n    image: mongo:7.0.14\n    ports: ['27017:27017']\n"
            ),
            ["error"]
        );
        assert_eq!(
            run(
                "services:\n  r:\n    image: redis:7.4.1\n    command: redis-server --appendonly yes\n    ports: ['6379:6379']\n"
            ),
            ["CG414@3"]
        );
        for yaml in [
            "services:\n  m:\n    image: mongo:7.0.14\n",
            "services:\n  m:\n    image: mongo:7.0.14\n    ports: ['127.0.0.1:27017:27017']\n",
            "services:\n  m:\n    image: mongo:7.0.14\n    environment:\n      MONGO_INITDB_ROOT_USERNAME: root\n      MONGO_INITDB_ROOT_PASSWORD: ${MONGO_PASSWORD:?x}\n    ports: ['27017:27017']\n",
            "services:\n  m:\n    image: mongo:7.0.14\n    command: [--auth]\n    ports: ['27017:27017']\n",
            "services:\n  r:\n    image: redis:7.4.1\n    command: redis-server --requirepass ${REDIS_PASSWORD:?x}\n    ports: ['6379:6379']\n",
            "services:\n  r:\n    image: redis:7.4.1\n    command: redis-server /usr/local/etc/redis/redis.conf\n    ports: ['6379:6379']\n",
            "services:\n  r:\n    image: redis/redis-stack:7.4.0-v1\n    environment:\n      REDIS_ARGS: --requirepass secret-pw\n    ports: ['6379:6379']\n",
            // Another image on the port, or the port not published.
            "services:\n  r:\n    image: redislabs/redismod:edge\n    ports: ['6379:6379']\n",
            "services:\n  r:\n    image: redis:7.4.1\n    ports: ['8001:8001']\n",
            // A shell runs the server: the entrypoint leaves protected mode (and mongod's
            // loopback-only default) alone.
            "services:\n  r:\n    image: redis:7.4.1\n    command: [sh, -c, 'redis-server --appendonly yes']\n    ports: ['6379:6379']\n",
            "services:\n  m:\n    image: mongo:7.0.14\n    command: [bash, -c, 'mongod --replSet rs0']\n    ports: ['27017:27017']\n",
        ] {
            assert!(run(yaml).is_empty(), "{yaml}");
        }
    }
}
