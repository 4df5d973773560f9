use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg410_literal_secret::project_credentials;
use crate::lint::view::{
    HostScope, MountKind, Service, normalize_container_path, path_covers, repository,
};

declare_rule! {
    /// ## What it does
    /// Reports a well-known or guessable password, wherever CG410 finds a literal one
    /// (environment variables and build arguments named like a secret, URLs, connection
    /// strings, command-line options), **including the default of a variable**
    /// (`${DB_PASSWORD:-changeme}`):
    ///
    /// - a default or common password: `admin`, `password`, `changeme`, `changeit`, `secret`,
    ///   `root`, `postgres`, `minioadmin`, `guest`, `123456`, `qwerty` …, the example
    ///   passwords of image documentation (`mysecretpassword`, `my-secret-pw`, `example`,
    ///   `somewordpress`), and these with digits or symbols appended or in leetspeak
    ///   (`admin123`, `Passw0rd!`);
    /// - the user name of the same service (`POSTGRES_USER: gitea`,
    ///   `POSTGRES_PASSWORD: gitea`), the service's name or its image's name;
    /// - the variable's own name (`MONGODB_REPLICA_SET_KEY: replicasetkey123`).
    ///
    /// It also reports an image that keeps its built-in administrator password because the
    /// file does not set one, when the service publishes a port: MinIO (`minioadmin` /
    /// `minioadmin` without `MINIO_ROOT_PASSWORD`) and Grafana (`admin` / `admin` without
    /// `GF_SECURITY_ADMIN_PASSWORD`). A service with an `env_file`, `extends`, or (Grafana) a
    /// mounted `grafana.ini` may set it elsewhere and is not reported.
    ///
    /// ## Why is this bad?
    /// These are the first passwords anyone tries, by hand or by the bots that scan the
    /// internet for open databases, object stores and dashboards. A database reachable with
    /// `postgres`/`postgres` is taken over (and often ransomed) within hours of being
    /// exposed; inside a network, it is the first step of lateral movement. A password that
    /// falls back to a default does so silently whenever the variable is missing.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     environment:
    ///       POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}
    /// ```
    ///
    /// ## Use instead
    /// Require the variable (and set a strong value outside the repository), or use a secret:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     environment:
    ///       POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}
    /// ```
    pub struct DefaultCredentials {
        code: "CG411",
        name: "default-credentials",
        category: Security,
        severity: Error,
        summary: "a well-known or guessable password (`admin`, `changeme`, the user name …), also as a variable's default",
    }
}

/// Images that come with an administrator password of their own.
struct ImageDefault {
    repositories: &'static [&'static str],
    product: &'static str,
    credentials: &'static str,
    /// Variables any of which sets the password.
    variables: &'static [&'static str],
    /// The variable to tell the user about.
    variable: &'static str,
    /// Configuration paths that may set it instead (mounting one makes it unknown).
    config: &'static [&'static str],
}

const IMAGE_DEFAULTS: &[ImageDefault] = &[
    ImageDefault {
        repositories: &["minio/minio", "quay.io/minio/minio"],
        product: "MinIO",
        credentials: "minioadmin / minioadmin",
        variables: &[
            "MINIO_ROOT_PASSWORD",
            "MINIO_ROOT_PASSWORD_FILE",
            "MINIO_SECRET_KEY",
            "MINIO_SECRET_KEY_FILE",
        ],
        variable: "MINIO_ROOT_PASSWORD",
        config: &[],
    },
    ImageDefault {
        repositories: &[
            "grafana/grafana",
            "grafana/grafana-oss",
            "grafana/grafana-enterprise",
        ],
        product: "Grafana",
        credentials: "admin / admin",
        variables: &[
            "GF_SECURITY_ADMIN_PASSWORD",
            "GF_SECURITY_ADMIN_PASSWORD__FILE",
            "GF_PATHS_CONFIG",
        ],
        variable: "GF_SECURITY_ADMIN_PASSWORD",
        config: &["/etc/grafana/grafana.ini"],
    },
];

impl DefaultCredentials {
    fn image_default(&self, cx: &Context<'_>, s: &Service<'_>, out: &mut Vec<Finding>) {
        let Some(repo) = s.image_repository().map(|r| repository(&r)) else {
            return;
        };
        let Some(d) = IMAGE_DEFAULTS
            .iter()
            .find(|d| d.repositories.contains(&repo.as_str()))
        else {
            return;
        };
        if s.get("env_file").is_some() || s.extends() {
            return;
        }
        if s.environment()
            .iter()
            .any(|v| d.variables.contains(&v.name.as_str()))
        {
            return;
        }
        let mounts = s.mounts();
        if mounts.iter().any(|m| {
            m.unknown
                || (m.kind != MountKind::Tmpfs
                    && d.config
                        .iter()
                        .any(|c| path_covers(&normalize_container_path(&m.target), c)))
        }) {
            return;
        }
        let published = s.ports().into_iter().find(|p| {
            p.published.is_some()
                && p.host_scope()
                    .is_some_and(|scope| scope != HostScope::Loopback)
        });
        let Some(port) = published else { return };
        let Some((_, image_path)) = s.image() else {
            return;
        };
        out.push(
            self.finding(
                cx,
                image_path,
                format!(
                    "`{}` keeps {}'s default login {}: `{}` is not set",
                    s.name, d.product, d.credentials, d.variable
                ),
            )
            .label("default administrator password")
            .related(cx.file, port.path, "published here")
            .service(s.name)
            .help(format!(
                "set `{}` from a variable without default (`${{{}:?set it in .env}}`) or a secret file",
                d.variable, d.variable
            ))
            .build(),
        );
    }
}

impl Rule for DefaultCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let all = project_credentials(cx);
        for (s, creds) in cx.compose().services().iter().zip(all.iter()) {
            for c in creds {
                let Some(why) = &c.weak else { continue };
                let shown = if c.value.chars().count() > 40 {
                    "value".to_string()
                } else {
                    format!("`{}`", c.value)
                };
                let (message, help) = match &c.default_of {
                    Some(var) => (
                        format!("`{}` uses the guessable password {shown} as the default of `${{{var}:-…}}` in {} ({why})", s.name, c.holder),
                        format!("remove the default: `${{{var}:?set {var} in .env}}` fails loudly when it is missing, and set a strong value outside the repository"),
                    ),
                    None => (
                        format!("`{}` uses the guessable password {shown} for {} ({why})", s.name, c.holder),
                        "use a long random password, set outside the repository (`${NAME:?message}`, a Compose secret)".to_string(),
                    ),
                };
                out.push(
                    self.finding(cx, c.path.clone(), message)
                        .label("guessable credential")
                        .service(s.name)
                        .help(help)
                        .build(),
                );
            }
            self.image_default(cx, s, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG411", yaml))
    }

    #[test]
    fn guessable() {
        let yaml = "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_USER: gitea\n      POSTGRES_PASSWORD: gitea\n  app:\n    image: example/app:1.0\n    environment:\n      - DB_PASSWORD=${DB_PASSWORD:-changeme}\n      - DATABASE_URL=postgres://gitea:${DB_PASSWORD:-admin123}@db/gitea\n      - JAVA_OPTS=-Xmx1g -Djavax.net.ssl.trustStorePassword=changeit\n    healthcheck:\n      test: [CMD, redis-cli, -a, password, ping]\n";
        assert_eq!(
            run(yaml),
            ["CG411@6", "CG411@10", "CG411@11", "CG411@12", "CG411@14"]
        );
        let d = lint_rule("CG411", yaml);
        assert!(
            d[0].message.contains("the same as the user name"),
            "{}",
            d[0].message
        );
        assert!(
            d[1].message
                .contains("as the default of `${DB_PASSWORD:-…}`"),
            "{}",
            d[1].message
        );
    }

    #[test]
    fn strong_or_referenced() {
        assert!(run("services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?required}\n      OTHER_PASSWORD: Xk8vP2qLm9Rt\n      DB_PASSWORD: ${DB_PASSWORD}\n").is_empty());
    }

    #[test]
    fn image_defaults() {
        assert_eq!(
            run(
                "services:\n  minio:\n    image: minio/minio:RELEASE.2024-10-13T13-34-11Z\n    command: server /data\n    ports: ['9001:9001']\n"
            ),
            ["CG411@3"]
        );
        assert_eq!(
            run(
                "services:\n  grafana:\n    image: grafana/grafana-oss:11.3.0\n    ports: ['3000:3000']\n    environment:\n      GF_SECURITY_ADMIN_USER: admin\n"
            ),
            ["CG411@3"]
        );
        // Set, set elsewhere, not published, or published on loopback only.
        assert!(run("services:\n  minio:\n    image: minio/minio:RELEASE.2024-10-13T13-34-11Z\n    ports: ['9001:9001']\n    environment:\n      MINIO_ROOT_PASSWORD: ${MINIO_ROOT_PASSWORD:?x}\n").is_empty());
        assert!(run("services:\n  minio:\n    image: minio/minio:RELEASE.2024-10-13T13-34-11Z\n    ports: ['9001:9001']\n    env_file: minio.env\n").is_empty());
        assert!(
            run("services:\n  minio:\n    image: minio/minio:RELEASE.2024-10-13T13-34-11Z\n")
                .is_empty()
        );
        assert!(run("services:\n  g:\n    image: grafana/grafana:11.3.0\n    ports: ['127.0.0.1:3000:3000']\n").is_empty());
        assert!(run("services:\n  g:\n    image: grafana/grafana:11.3.0\n    ports: ['3000:3000']\n    volumes: ['./grafana.ini:/etc/grafana/grafana.ini:ro']\n").is_empty());
    }
}
