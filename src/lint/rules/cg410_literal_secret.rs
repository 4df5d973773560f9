use std::sync::{LazyLock, OnceLock};

use regex::Regex;

use crate::compose::grammar::words::script_words;
use crate::compose::interpolate::interpolate;
use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::rules::cg411_default_credentials::DefaultCredentials;
use crate::lint::view::{Service, Word, repository};
use crate::yaml::Path;

declare_rule! {
    /// ## What it does
    /// Reports a credential written in the compose file itself:
    ///
    /// - an environment variable or build argument whose name says it holds a secret
    ///   (`PASSWORD`, `PASSWD`, `PASS`, `PWD`, `SECRET`, `TOKEN`, `CREDENTIALS`,
    ///   `PASSPHRASE`, `API_KEY`, `PRIVATE_KEY`, `AUTH_KEY`, `ENCRYPTION_KEY`, `SIGNING_KEY`,
    ///   `MASTER_KEY`, `LICENSE_KEY`, `ERLANG_COOKIE` … as a word of the name, in any case,
    ///   or run together with other words: `MYAPIKEY`, `DBPASSWORD`) with a literal value
    ///   (`$$` is a literal `$`: `pa$$w0rd` is the password `pa$w0rd`; so is a `$` that no
    ///   name follows, `hunter2$`);
    /// - a password inside a URL (`postgres://app:s3cr3t@db/app`, also when the user is a
    ///   variable: `postgres://${DB_USER:?}:s3cr3t@db/app`) or a connection string
    ///   (`…;Password=s3cr3t;`, `?password=s3cr3t`) in an environment variable, build
    ///   argument, `command`, `entrypoint` or `healthcheck`;
    /// - a secret passed on a command line: `--password=…`, `--requirepass …`,
    ///   `--api-key …`, `redis-cli -a …`, `mysql -p…`, `curl -u user:…`, a variable set for
    ///   one command of a script (`PGPASSWORD=… psql`);
    /// - a value in the format of a well-known token anywhere in those places: AWS access
    ///   keys, GitHub, GitLab, Slack, Stripe, Google, OpenAI, Hugging Face, npm and SendGrid
    ///   tokens, JSON web tokens, PEM private keys;
    /// - as a **warning**: a long random-looking string (at least 20 characters of letters
    ///   and digits mixed, Shannon entropy of at least 4 bits per character) in an
    ///   environment variable or on a command line, which is probably a key. UUIDs, hex
    ///   digests (image and commit hashes) and variables named `…_ID`, `…_HASH`, `…_DIGEST`,
    ///   `…_VERSION` are left alone;
    /// - at **info**: the same in the files that `env_file` names (read from the compose
    ///   file's directory), reported at the `env_file` entry with the variable and its line.
    ///   An env file is where secrets belong, as long as it is not committed: the finding
    ///   says where they are, to check that.
    ///
    /// A value that is a variable reference (`${DB_PASSWORD}`, `${DB_PASSWORD:?set it}`,
    /// `$$VAR` for the container's shell), a file path (`POSTGRES_PASSWORD_FILE=/run/secrets/db`,
    /// `APP_SECRET: /run/secrets/app`, `./secrets/key`, `C:\secrets\key`),
    /// a flag value (`ALLOW_EMPTY_PASSWORD=yes`), a template placeholder (`<password>`,
    /// `{{ .Token }}`) or empty is not a secret. Under a name whose secret word is not a
    /// password's (`SECRET`, `…_KEY`, `TOKEN`, not `PASSWORD`, `PASS`, `PWD`, `PIN`), a language
    /// or locale code (`en`, `de-DE`, `pt_BR`) or a number of up to ten digits (`3600`,
    /// `1.5`) is a setting, not a secret, unless it is a well-known password (`123456`). A variable whose name qualifies the secret
    /// (`…_PASSWORD_FILE`, `…_TOKEN_URL`, `…_SECRET_NAME`, `…_PASSWORD_MIN_LENGTH`) is not
    /// one either. A default value (`${DB_PASSWORD:-s3cr3t}`) *is* a literal secret: it is
    /// what runs whenever the variable is not set.
    ///
    /// Variables that front-end build tools bundle into the code sent to browsers
    /// (`NEXT_PUBLIC_…`, `VITE_…`, `REACT_APP_…`, `PUBLIC_…`) are public by design and not
    /// looked at.
    ///
    /// A well-known or guessable value (`admin`, `changeme`, the user name) is CG411's; this
    /// rule reports it too when CG411 is turned off. Messages never repeat the secret.
    ///
    /// ## Why is this bad?
    /// A compose file is committed, copied into tickets and CI logs, and shared: a password
    /// in it is a password for everyone who ever sees the repository, forever (it stays in
    /// the history after it is removed). Build arguments are worse: they are stored in the
    /// image's history.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     environment:
    ///       POSTGRES_PASSWORD: Xk8vP2qLm9Rt
    ///   app:
    ///     image: example/app:2.0.1
    ///     environment:
    ///       DATABASE_URL: postgres://app:Xk8vP2qLm9Rt@db/app
    /// ```
    ///
    /// ## Use instead
    /// Take it from the environment or a `.env` file that is not committed, and fail when it
    /// is missing; better, use a Compose secret (a file mounted at `/run/secrets/NAME`):
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     environment:
    ///       POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    ///     secrets: [db_password]
    ///   app:
    ///     image: example/app:2.0.1
    ///     environment:
    ///       DATABASE_URL: postgres://app:${DB_PASSWORD:?set DB_PASSWORD in .env}@db/app
    /// secrets:
    ///   db_password:
    ///     file: ./secrets/db_password.txt
    /// ```
    pub struct LiteralSecret {
        code: "CG410",
        name: "literal-secret",
        category: Security,
        severity: Error,
        summary: "a password, token or key is written in the compose file",
    }
}

impl Rule for LiteralSecret {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Guessable values are CG411's when it runs: one finding per value.
        let weak_elsewhere =
            crate::lint::effective_level(&DefaultCredentials::META, cx.settings).is_some();
        let all = project_credentials(cx);
        let services = cx.compose().services();
        // Credentials in the compose file, then those of the files `env_file` names (at info:
        // an env file is where secrets belong, as long as it stays out of version control).
        let in_file = services
            .iter()
            .zip(all.iter())
            .flat_map(|(s, creds)| creds.iter().cloned().map(move |c| (s, c, false)));
        let in_env_files = services.iter().flat_map(|s| {
            env_file_credentials(cx, s)
                .into_iter()
                .map(move |c| (s, c, true))
        });
        for (s, c, from_env_file) in in_file.chain(in_env_files) {
            {
                if weak_elsewhere && c.weak.is_some() && !from_env_file {
                    continue;
                }
                let (message, label) = match (&c.kind, &c.default_of) {
                    (CredKind::Pattern(what), _) => (
                        format!("`{}` has {what} in {}", s.name, c.holder),
                        "a credential in the file",
                    ),
                    (CredKind::Entropy, _) => (
                        format!(
                            "`{}` has a random-looking string in {}: probably a key",
                            s.name, c.holder
                        ),
                        "looks like a generated secret",
                    ),
                    (_, Some(var)) => (
                        format!(
                            "`{}` has a literal {} as the default of `${{{var}:-…}}` in {}",
                            s.name,
                            c.kind.noun(),
                            c.holder
                        ),
                        "literal default in the file",
                    ),
                    (_, None) => (
                        format!(
                            "`{}` has a literal {} in {}",
                            s.name,
                            c.kind.noun(),
                            c.holder
                        ),
                        "literal secret in the file",
                    ),
                };
                let help = match &c.default_of {
                    _ if from_env_file => "keep the env file out of version control (`.gitignore`) and out of images, or use a Compose secret and the image's `_FILE` variable".to_string(),
                    Some(var) => format!("remove the default: `${{{var}:?set {var} in .env}}` fails loudly when it is missing; or use a Compose secret"),
                    None => "take it from a variable set outside the repository (`${NAME:?message}`, an uncommitted `.env`), or use a Compose secret and the image's `_FILE` variable".to_string(),
                };
                let label = if from_env_file {
                    "a credential in the env file"
                } else {
                    label
                };
                let mut f = self
                    .finding(cx, c.path.clone(), message)
                    .label(label)
                    .service(s.name)
                    .help(help)
                    .build();
                if from_env_file {
                    f.severity = Severity::Info;
                } else if c.kind == CredKind::Entropy {
                    f.severity = Severity::Warning;
                }
                out.push(f);
            }
        }
    }
}

/// The files a service's `env_file` names (`a.env`, `[a.env, {path: b.env}]`), with where
/// each is written.
fn env_files(s: &Service<'_>) -> Vec<(String, Path)> {
    let Some((node, at)) = s.node_at("env_file") else {
        return Vec::new();
    };
    let one = |n: &crate::yaml::Node, p: Path| -> Option<(String, Path)> {
        let target = n.get("path").unwrap_or(n);
        crate::lint::view::scalar(target, &crate::compose::interpolate::Env::empty())
            .filter(|v| v.known() && !v.value.is_empty())
            .map(|v| (v.value, p))
    };
    match &node.kind {
        crate::yaml::Kind::Seq(_) => crate::lint::view::items(node, &at)
            .into_iter()
            .filter_map(|(n, p)| one(n, p))
            .collect(),
        _ => one(node, at).into_iter().collect(),
    }
}

/// Literal credentials in the files of a service's `env_file`, read from the project's
/// directory (nothing for stdin; a file that cannot be read is CG007's and Compose's to
/// report), located at the `env_file` entry, the variable and its line in the message.
fn env_file_credentials(cx: &Context<'_>, s: &Service<'_>) -> Vec<Credential> {
    let Some(dir) = cx.dir else {
        return Vec::new();
    };
    let mut c = Collector {
        out: Vec::new(),
        users: Vec::new(),
        names: vec![s.name.to_ascii_lowercase()],
    };
    for (file, path) in env_files(s) {
        let Ok(text) = crate::fsio::read_input_string(&dir.join(&file)) else {
            continue;
        };
        for e in crate::compose::grammar::dotenv::parse_dotenv(&text) {
            let Some(value) = &e.value else { continue };
            let line = text[..e.line.start].matches('\n').count() + 1;
            c.variable(
                &path,
                &e.key,
                value,
                &format!("`{file}` (line {line}), variable"),
            );
        }
    }
    c.out
}

/// What kind of credential was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredKind {
    /// The value of a variable named like a secret.
    Named,
    /// The password of a URL.
    UrlPassword,
    /// A `password=` parameter of a connection string or query.
    Parameter,
    /// The value of a command-line option.
    Flag,
    /// A value in the format of a known token (what it is).
    Pattern(&'static str),
    /// A random-looking string.
    Entropy,
}

impl CredKind {
    /// "password", "secret" … for messages.
    pub fn noun(&self) -> &'static str {
        match self {
            CredKind::UrlPassword | CredKind::Parameter => "password",
            _ => "secret",
        }
    }
}

/// A credential written in the file.
#[derive(Debug, Clone)]
pub struct Credential {
    /// Where it is written.
    pub path: Path,
    /// What holds it, for messages: "`POSTGRES_PASSWORD`", "the URL in `DATABASE_URL`".
    pub holder: String,
    /// The literal value.
    pub value: String,
    /// The variable whose default it is (`${VAR:-value}`).
    pub default_of: Option<String>,
    /// What kind of credential.
    pub kind: CredKind,
    /// Why the value is guessable, if it is.
    pub weak: Option<String>,
}

/// What a value is, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// Literal text.
    Plain(String),
    /// The default of a variable reference that is the whole value: `${VAR:-value}`.
    Default(String, String),
    /// A variable reference, a reference for the container's shell (`$$VAR`), or text mixed
    /// with references: not a literal.
    Reference,
}

/// Classify a value as written (before interpolation).
pub fn literal_of(raw: &str) -> Literal {
    if !raw.contains('$') {
        return Literal::Plain(raw.to_string());
    }
    if let Some(inner) = raw.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
        && braces_balanced(inner)
    {
        let name_end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, op) = inner.split_at(name_end);
        if let Some(default) = op.strip_prefix(":-").or_else(|| op.strip_prefix('-')) {
            return match literal_of(default) {
                Literal::Plain(v) => Literal::Default(name.to_string(), v),
                other => other,
            };
        }
        return Literal::Reference;
    }
    // `$$` is a literal `$`, and so is a `$` that no name follows (`secret$`, `a$ b`): Compose
    // keeps both. A `$NAME` left after unescaping is for the container's shell, unless it
    // continues a word (`pa$$w0rd` is the password `pa$w0rd`).
    let unescaped = raw.replace("$$", "\u{0}");
    if unescaped
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'$' && (w[1] == b'{' || w[1] == b'_' || w[1].is_ascii_alphabetic()))
    {
        return Literal::Reference;
    }
    let value = unescaped.replace('\u{0}', "$");
    if shell_reference(&value) {
        return Literal::Reference;
    }
    Literal::Plain(value)
}

fn braces_balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// A `$NAME`, `${…}` or `$(…)` for a shell to expand; a `$` inside a word (`pa$w0rd`) is
/// taken as part of it.
fn shell_reference(v: &str) -> bool {
    v.contains("$(")
        || v.contains('`')
        || v.as_bytes().windows(3).any(|w| {
            w[1] == b'$'
                && !w[0].is_ascii_alphanumeric()
                && (w[2] == b'{' || w[2] == b'_' || w[2].is_ascii_alphabetic())
        })
        || v.as_bytes().get(..2).is_some_and(|w| {
            w[0] == b'$' && (w[1] == b'{' || w[1] == b'_' || w[1].is_ascii_alphabetic())
        })
}

/// Split a name into upper-case words: `spring.datasource.password` → SPRING DATASOURCE
/// PASSWORD, `dbPassword` → DB PASSWORD.
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Words that name a secret on their own.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "PASSPHRASE",
    "APIKEY",
    "PRIVATEKEY",
    "SECRETKEY",
    "AUTHTOKEN",
    "ACCESSTOKEN",
    "REQUIREPASS",
    "MASTERAUTH",
    "PSK",
];

/// Words that make `…_KEY` a secret.
const KEY_QUALIFIERS: &[&str] = &[
    "API",
    "PRIVATE",
    "AUTH",
    "ENCRYPTION",
    "ENCRYPT",
    "SIGNING",
    "MASTER",
    "LICENSE",
    "HMAC",
    "JWT",
    "SESSION",
    "SHARED",
    "SET",
    "CIPHER",
    "ENC",
    "CRYPTO",
];

/// Words after the secret's word that say the variable is about the secret, not the secret.
const NOT_THE_SECRET: &[&str] = &[
    "FILE",
    "FILES",
    "PATH",
    "DIR",
    "DIRECTORY",
    "LOCATION",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "HOSTNAME",
    "PORT",
    "NAME",
    "USER",
    "USERNAME",
    "LOGIN",
    "EMAIL",
    "ID",
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "SIZE",
    "TTL",
    "EXPIRY",
    "EXPIRE",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "TIMEOUT",
    "DURATION",
    "AGE",
    "INTERVAL",
    "PERIOD",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "DISABLE",
    "REQUIRED",
    "REQUIRE",
    "MODE",
    "TYPE",
    "METHOD",
    "ALGORITHM",
    "ALGO",
    "POLICY",
    "PROVIDER",
    "HEADER",
    "FIELD",
    "PARAM",
    "VERSION",
    "HASH",
    "COUNT",
    "RETRIES",
    "ATTEMPTS",
    "STRENGTH",
    "COMPLEXITY",
    "ROTATION",
    "CHARS",
    "CHARSET",
    "PREFIX",
    "SUFFIX",
    "LABEL",
    "KIND",
    "FORMAT",
    "ENCODING",
    "ENCRYPTION",
    "SCHEME",
    "ITERATIONS",
    "ROUNDS",
    "COST",
    "SALT",
    "STDIN",
    "COMMAND",
    "CMD",
    "SCRIPT",
    "PROMPT",
    "HINT",
    "REGEX",
    "PATTERN",
    "REF",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "STORE",
    "BACKEND",
    "CACHE",
    "STRATEGY",
    "RESET",
    "REFRESH",
    "THROUGH",
];

/// Secret words that are also recognised run together with others in one word
/// (`MYAPIKEY`, `DBPASSWORD`, `AWSSECRETKEY`).
const COMPOUND_SECRETS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "APIKEY",
    "SECRETKEY",
    "PRIVATEKEY",
    "AUTHTOKEN",
    "ACCESSTOKEN",
    "SECRETTOKEN",
];

/// Whether a variable or option name says it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let words = name_words(name);
    if matches!(words.as_slice(), [w] if w == "PWD" || w == "OLDPWD") {
        return false;
    }
    let mut last = None;
    for (i, w) in words.iter().enumerate() {
        let secret = SECRET_WORDS.contains(&w.as_str())
            || COMPOUND_SECRETS.iter().any(|c| w.contains(c))
            || (w == "KEY" && i > 0 && KEY_QUALIFIERS.contains(&words[i - 1].as_str()))
            || (w == "COOKIE" && i > 0 && words[i - 1] == "ERLANG");
        if secret {
            last = Some(i);
        }
    }
    let Some(last) = last else { return false };
    !words[last + 1..]
        .iter()
        .any(|w| NOT_THE_SECRET.contains(&w.as_str()))
}

/// Whether a variable name says it holds a password (not just a "secret" or a "key"):
/// a number or a short word there can be the password itself.
fn password_name(name: &str) -> bool {
    name_words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "PASSWORD"
                | "PASSWORDS"
                | "PASSWD"
                | "PASS"
                | "PWD"
                | "PASSPHRASE"
                | "REQUIREPASS"
                | "MASTERAUTH"
                | "PIN"
                | "PSK"
        )
    })
}

/// A language or locale code: `en`, `deu`, `de-DE`, `pt_BR`, `zh-Hans`, `es-419`.
pub fn is_language_code(value: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[a-z]{2,3}(?:[-_](?:[A-Za-z]{2}|[0-9]{3}|[A-Z][a-z]{3}))?$").expect("regex")
    });
    RE.is_match(value.trim())
}

/// A plain number of at most ten digits: `3600`, `-1`, `1.5`.
pub fn is_number(value: &str) -> bool {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[+-]?[0-9]{1,10}(?:\.[0-9]+)?$").expect("regex"));
    RE.is_match(value.trim())
}

/// Values that are not a secret even under a secret's name.
pub fn not_a_secret(value: &str) -> bool {
    let v = value.trim();
    // One letter is a (very weak) password; one digit is a flag (`1`), one other character a
    // placeholder.
    if v.chars().count() <= 1 && !v.chars().all(|c| c.is_ascii_alphabetic()) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    const FLAGS: &[&str] = &[
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "none",
        "null",
        "nil",
        "undefined",
        "unset",
        "disabled",
        "enabled",
        "disable",
        "enable",
        "empty",
        "required",
        "optional",
        "random",
        "auto",
        "generate",
        "generated",
    ];
    if FLAGS.contains(&lower.as_str()) {
        return true;
    }
    // A Windows path (`C:\\secrets\\key`, `C:/secrets/key`) or a network share.
    let b = v.as_bytes();
    if (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/'))
        || v.starts_with("\\\\")
    {
        return true;
    }
    if v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with("~/")
        || lower.starts_with("file:")
        || lower.starts_with("arn:")
        || lower.starts_with("op://")
        || lower.starts_with("vault:")
    {
        return true;
    }
    if (v.starts_with('<') && v.ends_with('>')) || (v.starts_with("{{") && v.ends_with("}}")) {
        return true;
    }
    if v.chars()
        .all(|c| matches!(c, '*' | '.' | 'x' | 'X' | '-' | '_' | '#' | '?'))
    {
        return true;
    }
    // A URL without credentials (those are looked at separately).
    if let Some(i) = v.find("://")
        && v[..i]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
    {
        return true;
    }
    false
}

/// Well-known passwords: defaults of images and tools, examples from image documentation,
/// and the most common passwords.
const WELL_KNOWN: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "admin",
    "administrator",
    "root",
    "toor",
    "secret",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "changethis",
    "replaceme",
    "replace_me",
    "default",
    "guest",
    "test",
    "testing",
    "demo",
    "example",
    "user",
    "master",
    "super",
    "superuser",
    "login",
    "letmein",
    "welcome",
    "qwerty",
    "qwertyuiop",
    "asdf",
    "asdfgh",
    "zxcvbn",
    "1q2w3e",
    "qazwsx",
    "abc",
    "abcd",
    "abcdef",
    "iloveyou",
    "monkey",
    "dragon",
    "foobar",
    "foo",
    "bar",
    "hello",
    "hunter",
    "sa",
    "oracle",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mongo",
    "mongodb",
    "redis",
    "rabbit",
    "rabbitmq",
    "minio",
    "minioadmin",
    "miniosecret",
    "elastic",
    "kibana",
    "grafana",
    "bitnami",
    "jenkins",
    "keycloak",
    "docker",
    "compose",
    "db",
    "database",
    "dbpass",
    "dbpassword",
    "mypassword",
    "my_password",
    "mysecret",
    "mysecretpassword",
    "my-secret-pw",
    "my_root_password",
    "repl_password",
    "supersecret",
    "topsecret",
    "secretpassword",
    "rootpassword",
    "root_password",
    "adminpassword",
    "admin_password",
    "adminadmin",
    "password_here",
    "your_password",
    "yourpassword",
    "your-password",
    "somewordpress",
    "insecure",
    "private",
    "temp",
    "temporary",
    "dev",
    "development",
    "local",
    "localhost",
    "app",
    "guest_password",
    "123456",
    "1234",
    "12345",
    "1234567",
    "12345678",
    "123456789",
    "1234567890",
    "111111",
    "000000",
    "654321",
    "123123",
    "112233",
    "121212",
    "pa55word",
    "p4ssword",
];

/// Why a value is guessable, given what else the file says.
pub fn weak_reason(value: &str, var: &str, users: &[String], names: &[String]) -> Option<String> {
    let lower = value.trim().to_ascii_lowercase();
    if WELL_KNOWN.contains(&lower.as_str()) {
        return Some("a well-known default password".into());
    }
    if users.iter().any(|u| !u.is_empty() && *u == lower) {
        return Some("the same as the user name".into());
    }
    if names.iter().any(|n| n.len() >= 3 && *n == lower) {
        return Some("the name of the service or image".into());
    }
    // A common word with digits or symbols appended, or written in leetspeak.
    let base: String = lower
        .trim_end_matches(|c: char| c.is_ascii_digit() || "!@#$%^&*._-".contains(c))
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            c => c,
        })
        .collect();
    if !base.is_empty() && base != lower && WELL_KNOWN.contains(&base.as_str()) {
        return Some(format!(
            "the common password `{base}` with a suffix or in leetspeak"
        ));
    }
    if base.len() >= 3 && base != lower && names.contains(&base) {
        return Some("the name of the service or image with a suffix".into());
    }
    // The variable's own name (`replicasetkey123` for `REPLICA_SET_KEY`).
    let letters: String = base.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let words = name_words(var);
    for start in 0..words.len() {
        let tail: String = words[start..].concat().to_ascii_lowercase();
        if letters.len() >= 4 && tail == letters {
            return Some("the variable's own name".into());
        }
    }
    None
}

/// A known token format: what it is, literal text one of which every match contains (checked
/// before the regex, which is compiled only when a value could match), and the pattern.
struct TokenFormat {
    what: &'static str,
    needles: &'static [&'static str],
    pattern: &'static str,
}

/// Known token formats.
const TOKEN_FORMATS: [TokenFormat; 13] = [
    TokenFormat {
        what: "an AWS access key",
        needles: &[
            "AKIA", "ASIA", "A3T", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA",
        ],
        pattern: r"\b(AKIA|ASIA|A3T[A-Z0-9]|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b",
    },
    TokenFormat {
        what: "a GitHub token",
        needles: &["gh", "github_pat_"],
        pattern: r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b",
    },
    TokenFormat {
        what: "a GitLab token",
        needles: &["glpat-"],
        pattern: r"\bglpat-[A-Za-z0-9_-]{20,}",
    },
    TokenFormat {
        what: "a Slack token",
        needles: &["xox"],
        pattern: r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    },
    TokenFormat {
        what: "a Slack webhook",
        needles: &["hooks.slack.com/services/"],
        pattern: r"hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]{20,}",
    },
    TokenFormat {
        what: "a Stripe key",
        needles: &["k_live_"],
        pattern: r"\b[sr]k_live_[A-Za-z0-9]{20,}",
    },
    TokenFormat {
        what: "a Google API key",
        needles: &["AIza"],
        pattern: r"\bAIza[0-9A-Za-z_-]{35}",
    },
    TokenFormat {
        what: "an OpenAI key",
        needles: &["sk-"],
        pattern: r"\bsk-(proj-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}|\bsk-proj-[A-Za-z0-9_-]{40,}",
    },
    TokenFormat {
        what: "a Hugging Face token",
        needles: &["hf_"],
        pattern: r"\bhf_[A-Za-z]{34,}\b",
    },
    TokenFormat {
        what: "an npm token",
        needles: &["npm_"],
        pattern: r"\bnpm_[A-Za-z0-9]{36}\b",
    },
    TokenFormat {
        what: "a SendGrid key",
        needles: &["SG."],
        pattern: r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
    },
    TokenFormat {
        what: "a JSON web token",
        needles: &["eyJ"],
        pattern: r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
    },
    TokenFormat {
        what: "a private key",
        needles: &["PRIVATE KEY"],
        pattern: r"-----BEGIN ([A-Z]+ )*PRIVATE KEY( BLOCK)?-----",
    },
];

/// What known token format `text` contains, if any.
fn token_format(text: &str) -> Option<&'static str> {
    static COMPILED: [OnceLock<Regex>; TOKEN_FORMATS.len()] =
        [const { OnceLock::new() }; TOKEN_FORMATS.len()];
    TOKEN_FORMATS
        .iter()
        .zip(&COMPILED)
        .find_map(|(format, compiled)| {
            (format.needles.iter().any(|n| text.contains(n))
                && compiled
                    .get_or_init(|| Regex::new(format.pattern).expect("regex"))
                    .is_match(text))
            .then_some(format.what)
        })
}

/// `scheme://user:password@` (the userinfo of a URL).
static URL_USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z][A-Za-z0-9+.-]{1,30}://((?:\$\{[^}]*\}|[^/?#@\s])+)@").expect("regex")
});

/// `password=…` in a connection string or a query.
static PARAMETER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[;?&\s])(password|passwd|pwd|pass|secret|token|api_?key|access_?token|accountkey|sharedaccesskey)\s*=\s*([^;&\s'\x22]+)")
        .expect("regex")
});

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        .expect("regex")
});

/// A generated-looking secret: long, letters and digits mixed, high entropy; not a UUID or a
/// hex digest.
pub fn looks_random(s: &str) -> bool {
    let len = s.chars().count();
    if !(20..=512).contains(&len) {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-'))
    {
        return false;
    }
    if (s.len() == 36 && UUID.is_match(s)) || s.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return false;
    }
    // Paths and names with separators (`org-example-service-name`) are not keys.
    if s.starts_with('/') || s.matches(['/', '-', '_']).count() * 6 > len {
        return false;
    }
    let upper = s.chars().any(|c| c.is_ascii_uppercase());
    let lower = s.chars().any(|c| c.is_ascii_lowercase());
    let digit = s.chars().filter(|c| c.is_ascii_digit()).count();
    if !(upper && lower && digit >= 1) {
        return false;
    }
    // Words glued together (`MyServiceName2024Edition`) have long runs of lower-case letters.
    let longest_lower_run = s
        .split(|c: char| !c.is_ascii_lowercase())
        .map(str::len)
        .max()
        .unwrap_or(0);
    if longest_lower_run >= 7 {
        return false;
    }
    entropy(s) >= 4.0
}

/// Names of identifiers, digests and versions: random-looking but not secret.
fn id_like(name: &str) -> bool {
    name_words(name).last().is_some_and(|w| {
        matches!(
            w.as_str(),
            "ID" | "IDS"
                | "UUID"
                | "GUID"
                | "HASH"
                | "DIGEST"
                | "SHA"
                | "CHECKSUM"
                | "VERSION"
                | "TAG"
                | "IMAGE"
                | "COMMIT"
                | "REF"
                | "REVISION"
                | "BUILD"
                | "FINGERPRINT"
                | "NAME"
                | "HOST"
                | "URL"
                | "PATH"
                | "DIR"
                | "FILE"
                | "REGION"
                | "BUCKET"
        )
    })
}

/// Collects the credentials of one service.
struct Collector {
    out: Vec<Credential>,
    users: Vec<String>,
    names: Vec<String>,
}

impl Collector {
    fn push(&mut self, path: &Path, holder: String, literal: Literal, var: &str, kind: CredKind) {
        let (value, default_of) = match literal {
            Literal::Plain(v) => (v, None),
            Literal::Default(name, v) => (v, Some(name)),
            Literal::Reference => return,
        };
        if not_a_secret(&value) {
            return;
        }
        // Under a `…SECRET…`/`…KEY…` name that is not a password's, a language code or a
        // number is a setting (`SECRET_KEY_LANG: de-DE`, `SESSION_SECRET: 3600`), unless it
        // is a well-known password (`123456`, CG411's).
        if matches!(kind, CredKind::Named)
            && !password_name(var)
            && (is_language_code(&value) || is_number(&value))
            && !WELL_KNOWN.contains(&value.trim().to_ascii_lowercase().as_str())
        {
            return;
        }
        let weak = match kind {
            CredKind::Pattern(_) | CredKind::Entropy => None,
            _ => weak_reason(&value, var, &self.users, &self.names),
        };
        self.out.push(Credential {
            path: path.clone(),
            holder,
            value,
            default_of,
            kind,
            weak,
        });
    }

    /// URL passwords, connection-string parameters and token formats in a text as written.
    /// Returns whether something was found.
    fn scan_text(&mut self, path: &Path, raw: &str, holder: &str) -> bool {
        let before = self.out.len();
        // Each regex is compiled (and run) only when the text has what its matches contain.
        let urls = if raw.contains("://") && raw.contains('@') {
            URL_USERINFO.captures_iter(raw).collect()
        } else {
            Vec::new()
        };
        for caps in urls {
            let userinfo = caps.get(1).map_or("", |m| m.as_str());
            if let Some((_, password)) = split_userinfo(userinfo) {
                self.push(
                    path,
                    format!("the URL in {holder}"),
                    literal_of(password),
                    "PASSWORD",
                    CredKind::UrlPassword,
                );
            }
        }
        let named = |lower: String| {
            ["pass", "pwd", "secret", "token", "key"]
                .iter()
                .any(|k| lower.contains(k))
        };
        let parameters = if raw.contains('=') && named(raw.to_ascii_lowercase()) {
            PARAMETER.captures_iter(raw).collect()
        } else {
            Vec::new()
        };
        for caps in parameters {
            let key = caps.get(1).map_or("", |m| m.as_str());
            let value = caps.get(2).map_or("", |m| m.as_str());
            self.push(
                path,
                format!("the `{key}=` parameter in {holder}"),
                literal_of(value),
                key,
                CredKind::Parameter,
            );
        }
        if !raw.contains("${") {
            let value = literal_of(raw);
            if let Literal::Plain(text) = &value
                && let Some(what) = token_format(text)
            {
                self.push(
                    path,
                    holder.to_string(),
                    value.clone(),
                    "",
                    CredKind::Pattern(what),
                );
            }
        }
        self.out.len() > before
    }

    /// One environment variable or build argument.
    fn variable(&mut self, path: &Path, name: &str, raw: &str, what: &str) {
        if PUBLIC_PREFIXES.iter().any(|p| name.starts_with(p)) {
            return; // bundled into the browser's code: public by design
        }
        let holder = format!("{what} `{name}`");
        if is_secret_name(name) {
            let literal = literal_of(raw);
            // A URL under a secret's name: its password is the secret.
            if let Literal::Plain(v) = &literal
                && v.contains("://")
            {
                self.scan_text(path, raw, &holder);
                return;
            }
            self.push(path, holder, literal, name, CredKind::Named);
            return;
        }
        if self.scan_text(path, raw, &holder) {
            return;
        }
        // Options in a value (`JAVA_OPTS: -Djavax.net.ssl.keyStorePassword=…`).
        if let Literal::Plain(v) = literal_of(raw)
            && v.split_whitespace()
                .any(|w| w.starts_with('-') && w.contains('='))
        {
            let before = self.out.len();
            let words: Vec<Word> = script_words(&v)
                .into_iter()
                .map(|r| word(r, path))
                .collect();
            self.words(&words, &holder);
            if self.out.len() > before {
                return;
            }
        }
        if !id_like(name)
            && let Literal::Plain(v) = literal_of(raw)
            && looks_random(v.trim())
        {
            self.push(path, holder, Literal::Plain(v), name, CredKind::Entropy);
        }
    }

    /// The words of `command`, `entrypoint` or `healthcheck.test`; `what` names the setting
    /// in messages ("`command`").
    fn words(&mut self, words: &[Word], what: &str) {
        let mut program = String::new();
        let mut i = 0;
        while i < words.len() {
            let w = &words[i];
            let raw = w.raw.as_str();
            // A shell script in one word (`sh -c "…"`, `CMD-SHELL`): its own words. Each is
            // shorter than the script, so this ends even when a word keeps a space
            // (`--password="$(cat file)"` splits into itself).
            if raw.trim().contains(char::is_whitespace) {
                let inner: Vec<Word> = script_words(raw)
                    .into_iter()
                    .map(|r| word(r, &w.path))
                    .collect();
                if inner.iter().all(|x| x.raw.len() < raw.len()) {
                    self.words(&inner, what);
                    i += 1;
                    continue;
                }
            }
            let base = raw.rsplit('/').next().unwrap_or(raw);
            // A variable set for one command: `PGPASSWORD=hunter2 psql …`.
            if let Some((name, value)) = raw.split_once('=')
                && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && is_secret_name(name)
            {
                self.push(
                    &w.path,
                    format!("`{name}=` in {what}"),
                    literal_of(value),
                    name,
                    CredKind::Flag,
                );
                i += 1;
                continue;
            }
            if !raw.starts_with('-') {
                if PROGRAMS.contains(&base) {
                    program = base.to_string();
                }
                if !self.scan_text(&w.path, raw, what)
                    && let Literal::Plain(v) = literal_of(raw)
                    && looks_random(&v)
                {
                    self.push(
                        &w.path,
                        what.to_string(),
                        Literal::Plain(v),
                        "",
                        CredKind::Entropy,
                    );
                }
                i += 1;
                continue;
            }
            let next = words.get(i + 1).filter(|n| !n.raw.starts_with('-'));
            // `--name=value` and `--name value`.
            let (flag, inline) = match raw.split_once('=') {
                Some((f, v)) => (f, Some(v)),
                None => (raw, None),
            };
            let flag_name = flag.trim_start_matches('-');
            let holder = format!("`{flag}` in {what}");
            let client = matches!(program.as_str(), "redis-cli" | "valkey-cli" | "keydb-cli");
            let mysql = MYSQL_CLIENTS.contains(&program.as_str());
            let mongo = matches!(program.as_str(), "mongosh" | "mongo");
            let curl = program == "curl";
            if is_secret_name(flag_name) && !(mysql && inline.is_none()) {
                match (inline, next) {
                    (Some(v), _) => {
                        self.push(&w.path, holder, literal_of(v), flag_name, CredKind::Flag)
                    }
                    (None, Some(n)) => {
                        self.push(
                            &n.path,
                            holder,
                            literal_of(&n.raw),
                            flag_name,
                            CredKind::Flag,
                        );
                        i += 1;
                    }
                    _ => {}
                }
            } else if (client && flag == "-a") || (mongo && flag == "-p") {
                if let Some(n) = next {
                    self.push(
                        &n.path,
                        holder,
                        literal_of(&n.raw),
                        "PASSWORD",
                        CredKind::Flag,
                    );
                    i += 1;
                }
            } else if mysql && raw.starts_with("-p") && raw.len() > 2 && !raw.starts_with("--") {
                self.push(
                    &w.path,
                    format!("`-p` in {what}"),
                    literal_of(&raw[2..]),
                    "PASSWORD",
                    CredKind::Flag,
                );
            } else if curl
                && (flag == "-u"
                    || flag == "--user"
                    || (raw.starts_with("-u") && raw.len() > 2 && !raw.starts_with("--")))
            {
                let userinfo = match (flag == "-u" || flag == "--user", inline, next) {
                    (true, Some(v), _) => Some((v.to_string(), &w.path)),
                    (true, None, Some(n)) => {
                        i += 1;
                        Some((n.raw.clone(), &n.path))
                    }
                    (false, _, _) => Some((raw[2..].to_string(), &w.path)),
                    _ => None,
                };
                if let Some((userinfo, path)) = userinfo
                    && let Some((_, password)) = split_userinfo(&userinfo)
                {
                    let path = path.clone();
                    self.push(
                        &path,
                        format!("`-u` in {what}"),
                        literal_of(password),
                        "PASSWORD",
                        CredKind::Flag,
                    );
                }
            } else if let Some(v) = inline
                && !self.scan_text(&w.path, v, &holder)
                && let Literal::Plain(v) = literal_of(v)
                && looks_random(&v)
            {
                self.push(&w.path, holder, Literal::Plain(v), "", CredKind::Entropy);
            }
            i += 1;
        }
    }
}

/// Prefixes of variables that front-end build tools put into the code sent to browsers.
const PUBLIC_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "NUXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "EXPO_PUBLIC_",
    "PUBLIC_",
    "GATSBY_",
    "VUE_APP_",
];

/// Programs whose password options are not spelled `--password`.
const PROGRAMS: &[&str] = &[
    "redis-cli",
    "valkey-cli",
    "keydb-cli",
    "mysql",
    "mysqladmin",
    "mysqldump",
    "mariadb",
    "mariadb-admin",
    "mariadb-dump",
    "mongosh",
    "mongo",
    "curl",
];

const MYSQL_CLIENTS: &[&str] = &[
    "mysql",
    "mysqladmin",
    "mysqldump",
    "mariadb",
    "mariadb-admin",
    "mariadb-dump",
];

/// `user:password` split at the first `:` outside `${…}`.
fn split_userinfo(userinfo: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    for (i, c) in userinfo.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ':' if depth == 0 => return Some((&userinfo[..i], &userinfo[i + 1..])),
            _ => {}
        }
    }
    None
}

/// A word found inside another one (a shell script, an options variable).
fn word(raw: String, path: &Path) -> Word {
    Word {
        value: interpolate(&raw, &crate::compose::interpolate::Env::empty()),
        raw,
        path: path.clone(),
    }
}

/// The credentials of every service, in service order, computed once per project (CG410 and
/// CG411 both read them).
pub fn project_credentials(cx: &Context<'_>) -> std::rc::Rc<Vec<Vec<Credential>>> {
    cx.index.memo("credentials", || {
        cx.compose().services().iter().map(credentials).collect()
    })
}

/// Every credential written in a service: environment, build arguments, command,
/// entrypoint and healthcheck.
pub fn credentials(s: &Service<'_>) -> Vec<Credential> {
    let env = s.environment();
    let mut users: Vec<String> = env
        .iter()
        .filter(|v| {
            let words = name_words(&v.name);
            words
                .last()
                .is_some_and(|w| matches!(w.as_str(), "USER" | "USERNAME" | "LOGIN"))
                && !is_secret_name(&v.name)
        })
        .filter_map(|v| {
            v.value
                .as_ref()
                .map(|x| x.value.trim().to_ascii_lowercase())
        })
        .collect();
    users.retain(|u| !u.is_empty());
    let mut names = vec![s.name.to_ascii_lowercase()];
    if let Some(repo) = s.image_repository() {
        let repo = repository(&repo);
        names.push(repo.rsplit('/').next().unwrap_or(&repo).to_string());
    }
    let mut c = Collector {
        out: Vec::new(),
        users,
        names,
    };
    for v in &env {
        if let Some(raw) = &v.raw {
            c.variable(&v.path, &v.name, raw, "variable");
        }
    }
    for v in s.key_values("build.args") {
        if let Some(raw) = &v.raw {
            c.variable(&v.path, &v.name, raw, "build argument");
        }
    }
    c.words(&s.raw_words("command"), "`command`");
    c.words(&s.raw_words("entrypoint"), "`entrypoint`");
    let test = s.raw_words("healthcheck.test");
    let skip = usize::from(
        test.first()
            .is_some_and(|w| matches!(w.raw.as_str(), "CMD" | "CMD-SHELL" | "NONE")),
    );
    c.words(&test[skip.min(test.len())..], "`healthcheck`");
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::config::Settings;
    use crate::lint::rules::cg401_privileged_container::tests_support::{
        findings_with, severities,
    };
    use crate::lint::testing::{codes, lint_rule};

    fn run(yaml: &str) -> Vec<String> {
        codes(&lint_rule("CG410", yaml))
    }

    fn env(vars: &str) -> String {
        format!("services:\n  app:\n    image: example/app:1.0\n    environment:\n{vars}")
    }

    #[test]
    fn a_word_that_splits_into_itself_ends() {
        // go-shellwords keeps `$(…)` in one word with its space: scanning it again must stop.
        let yaml = "services:\n  db:\n    image: mysql:8.4\n    healthcheck:\n      test: ['CMD-SHELL', 'mysqladmin ping --password=\"$$(cat /run/secrets/p)\" --silent']\n";
        assert!(run(yaml).is_empty(), "{:?}", run(yaml));
    }

    #[test]
    fn names() {
        for n in [
            "POSTGRES_PASSWORD",
            "DB_PASS",
            "db_passwd",
            "spring.datasource.password",
            "dbPassword",
            "API_KEY",
            "STRIPE_SECRET_KEY",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "RABBITMQ_ERLANG_COOKIE",
            "JWT_SIGNING_KEY",
            "SECRET_KEY_BASE",
            "MONGODB_REPLICA_SET_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS_JSON",
            "APIKEY",
            "DB_PWD",
            "MYAPIKEY",
            "DBPASSWORD",
            "GITLABAUTHTOKEN",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "POSTGRES_PASSWORD_FILE",
            "GF_SECURITY_ADMIN_PASSWORD__FILE",
            "OAUTH_TOKEN_URL",
            "POSTGRES_USER",
            "PWD",
            "AWS_ACCESS_KEY_ID",
            "MINIO_ACCESS_KEY",
            "PASSWORD_MIN_LENGTH",
            "TOKEN_EXPIRY",
            "SECRET_NAME",
            "PRIMARY_KEY",
            "PUBLIC_KEY",
            "BYPASS_CACHE",
            "POSTGRES_HOST_AUTH_METHOD",
            "xpack.security.authc.token.enabled",
            "PASSWORD_HASH",
            "MINIOACCESSKEY",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn literals() {
        assert_eq!(literal_of("s3cr3t"), Literal::Plain("s3cr3t".into()));
        assert_eq!(literal_of("${DB_PASSWORD}"), Literal::Reference);
        assert_eq!(literal_of("$DB_PASSWORD"), Literal::Reference);
        assert_eq!(literal_of("${DB_PASSWORD:?set it}"), Literal::Reference);
        assert_eq!(literal_of("$$DB_PASSWORD"), Literal::Reference);
        assert_eq!(literal_of("prefix-${X}"), Literal::Reference);
        assert_eq!(literal_of("pa$$1"), Literal::Plain("pa$1".into()));
        // `$$` inside a word, and a `$` that no name follows, are part of the password.
        assert_eq!(literal_of("pa$$w0rd"), Literal::Plain("pa$w0rd".into()));
        assert_eq!(literal_of("hunter2$"), Literal::Plain("hunter2$".into()));
        assert_eq!(literal_of("a$ b"), Literal::Plain("a$ b".into()));
        assert_eq!(literal_of("--pw=$$PW"), Literal::Reference);
        assert_eq!(
            literal_of("${DB_PASSWORD:-hunter2}"),
            Literal::Default("DB_PASSWORD".into(), "hunter2".into())
        );
        assert_eq!(
            literal_of("${A:-${B:-x}}"),
            Literal::Default("B".into(), "x".into())
        );
        assert_eq!(literal_of("${A:-${B}}"), Literal::Reference);
    }

    #[test]
    fn weak_values() {
        let users = vec!["gitea".to_string()];
        let names = vec!["db".to_string(), "postgres".to_string()];
        for v in [
            "admin",
            "Passw0rd!",
            "changeme",
            "123456",
            "example_123",
            "gitea",
            "secret1",
            "postgres",
            "p@ssw0rd",
        ] {
            assert!(
                weak_reason(v, "DB_PASSWORD", &users, &names).is_some(),
                "{v}"
            );
        }
        assert!(weak_reason("replicasetkey123", "MONGODB_REPLICA_SET_KEY", &[], &[]).is_some());
        for v in ["Xk8vP2qLm9Rt", "whalehello", "correct-horse-battery"] {
            assert!(
                weak_reason(v, "DB_PASSWORD", &users, &names).is_none(),
                "{v}"
            );
        }
    }

    #[test]
    fn randomness() {
        assert!(looks_random("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert!(looks_random("Zx9qL2vB7nW4kT8mR3pY6cH1"));
        assert!(!looks_random(
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ));
        assert!(!looks_random(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ));
        assert!(!looks_random("123e4567-e89b-12d3-a456-426614174000"));
        assert!(!looks_random("MyApplicationService2024Edition"));
        assert!(!looks_random("org.springframework.boot.loader.JarLauncher"));
        assert!(!looks_random("com-example-service-name-v2"));
        assert!(!looks_random("short1A"));
    }

    #[test]
    fn secrets_in_env_files_are_reported_at_info_on_the_env_file_entry() {
        use crate::lint::config::Settings;
        use crate::lint::finding::Severity;
        let dir = tempfile::tempdir().expect("tempdir");
        let compose = dir.path().join("compose.yaml");
        let yaml = "services:\n  app:\n    image: example/app:1.0\n    env_file:\n      - app.env\n      - path: absent.env\n        required: false\n";
        std::fs::write(&compose, yaml).expect("write");
        std::fs::write(
            dir.path().join("app.env"),
            "# settings\nDB_USER=app\nDB_PASSWORD=Xk8vP2qLm9Rt\nAPI_TOKEN=${API_TOKEN}\n",
        )
        .expect("write");
        let settings = Settings {
            select: vec!["CG410".into()],
            ..Settings::default()
        };
        let spec = crate::lint::ProjectSpec {
            files: vec![crate::project::load::Input {
                name: "compose.yaml".into(),
                path: Some(compose),
                bytes: yaml.as_bytes().to_vec(),
            }],
            env: crate::compose::interpolate::Env::empty(),
            profiles: Vec::new(),
        };
        let images = crate::lint::images::ImageTable::new(&[]).expect("images");
        let report = crate::lint::lint_projects(vec![spec], &settings, &images, &mut |_, _| {});
        let d: Vec<_> = report.diagnostics().map(|(_, d)| d).collect();
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].primary.pos.line, 5);
        assert_eq!(d[0].severity, Severity::Info);
        assert!(
            d[0].message.contains("`app.env` (line 3)") && d[0].message.contains("DB_PASSWORD"),
            "{}",
            d[0].message
        );
        assert!(
            !d[0].message.contains("Xk8vP2qLm9Rt"),
            "never repeat the secret"
        );
    }

    #[test]
    fn spellings_that_hid_a_secret() {
        // `$$` inside a password, a trailing `$`, a name run together, a URL with a variable
        // user, a one-letter password, a variable set for one command of a script.
        assert_eq!(
            run(&env(
                "      SMTP_PASSWORD: Tq8$$vLw2Kz\n      LDAP_PASSWORD: Wm4nR8pXq2Jt$\n      MYAPIKEY: c9Jf2LmQ8xRt4vNz\n      DB_URL: postgres://${DB_USER:?set it}:Hv7pL2mXq9Rt@db/app\n      JWT_SECRET: b\n"
            )),
            ["CG410@5", "CG410@6", "CG410@7", "CG410@8", "CG410@9"]
        );
        assert_eq!(
            run(
                "services:\n  a:\n    image: postgres:16.4\n    command: [sh, -c, 'PGPASSWORD=Hv7pL2mXq9Rt psql -h db']\n"
            ),
            ["CG410@4"]
        );
        // Still not secrets: a variable for the container's shell, a flag digit.
        assert!(run(&env("      DB_PASSWORD: $$DB_PASSWORD\n      RANDOM_ROOT_PASSWORD: 1\n      DB_URL: postgres://${DB_USER}:${DB_PASSWORD}@db/app\n")).is_empty());
    }

    #[test]
    fn environment_secrets() {
        assert_eq!(
            run(&env(
                "      POSTGRES_PASSWORD: Xk8vP2qLm9Rt\n      API_KEY: ${API_KEY:-Zx9qL2vB7nW4}\n      DATABASE_URL: postgres://app:Xk8vP2qLm9Rt@db/app\n      AWS_KEY: AKIAIOSFODNN7EXAMPLE\n"
            )),
            ["CG410@5", "CG410@6", "CG410@7", "CG410@8"]
        );
        assert_eq!(
            run(&env(
                "      - DB_PASSWORD=Xk8vP2qLm9Rt\n      - CONN=Server=db;User Id=sa;Password=Xk8vP2qLm9Rt;\n"
            )),
            ["CG410@5", "CG410@6"]
        );
    }

    #[test]
    fn not_secrets() {
        assert!(run(&env("      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n      DB_PASSWORD: ${DB_PASSWORD:?set it}\n      POSTGRES_PASSWORD_FILE: /run/secrets/db\n      DATABASE_PASSWORD: /run/secrets/db-password\n      ALLOW_EMPTY_PASSWORD: 'yes'\n      MYSQL_RANDOM_ROOT_PASSWORD: 1\n      GITHUB_TOKEN:\n      TOKEN_URL: https://auth.example.com/token\n      DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app\n      CACHE_URL: redis://cache:6379/0\n      IMAGE_DIGEST: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n      REQUEST_ID: 123e4567-e89b-12d3-a456-426614174000\n      OPTS: -Xmx512m -Dspring.profiles.active=prod\n      SECRET: <your secret here>\n")).is_empty());
        assert!(run(&env("      - NO_VALUE_PASSWORD\n      - EMPTY_TOKEN=\n")).is_empty());
        assert!(run(&env("      NEXT_PUBLIC_SUPABASE_ANON_KEY: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.dc_X5iR_VP_qT0zsiyj_I_OZ2T9FtRU2BB\n      SENTRY_DSN: https://abc123def456@o123456.ingest.sentry.io/1234567\n      CLUSTER_ID: MkU3OEVBNTcwNTJENDM2Qk\n")).is_empty());
    }

    #[test]
    fn settings_under_secret_names() {
        // Regression (issue 10): language codes, paths and numbers are not secrets.
        assert!(run(&env("      SECRET_KEY: de-DE\n      API_KEY_LANG: de_DE\n      TRANSLATION_KEY: en\n      APP_SECRET: /run/secrets/x\n      APP_KEY: ${APP_KEY:-/run/secrets/app_key}\n      SESSION_SECRET: 3600\n      MY_SECRET: '1.5'\n      SECRET: C:\\secrets\\x\n")).is_empty());
        assert!(is_language_code("zh-Hans"));
        assert!(is_language_code("es-419"));
        assert!(!is_language_code("Xk8vP2qLm9Rt"));
        assert!(is_number("-1"));
        assert!(!is_number("12345678901234567890"));
        // A password can be a number; a well-known one stays reported; so do real keys.
        assert_eq!(
            run(&env(
                "      DB_PASSWORD: '84729163'\n      SECRET_KEY: 123456\n      API_KEY: Zx9qL2vB7nW4\n"
            )),
            ["CG410@5", "CG410@6", "CG410@7"]
        );
    }

    #[test]
    fn command_line_secrets() {
        let yaml = "services:\n  r:\n    image: redis:7.4\n    command: redis-server --requirepass Xk8vP2qLm9Rt --maxmemory 100mb\n    healthcheck:\n      test: [CMD, redis-cli, -a, Xk8vP2qLm9Rt, ping]\n  m:\n    image: mysql:8.4\n    healthcheck:\n      test: [CMD-SHELL, 'mysqladmin ping -uroot -pXk8vP2qLm9Rt && curl -u admin:Xk8vP2qLm9Rt http://x']\n  ok:\n    image: mysql:8.4\n    command: ['--password-file=/run/secrets/pw', '--token', '$$TOKEN']\n    healthcheck:\n      test: [CMD-SHELL, 'mysqladmin ping -p$$MYSQL_ROOT_PASSWORD && redis-cli -a \"$$(cat /run/secrets/r)\" ping']\n";
        assert_eq!(run(yaml), ["CG410@4", "CG410@6", "CG410@10", "CG410@10"]);
    }

    #[test]
    fn entropy_is_a_warning_and_weak_values_are_cg411s() {
        let yaml = env(
            "      SOME_SETTING: Zx9qL2vB7nW4kT8mR3pY6cH1\n      POSTGRES_PASSWORD: changeme\n",
        );
        assert_eq!(severities("CG410", &yaml), ["warning"]);
        let mut settings = Settings::default();
        settings.ignore.push("CG411".into());
        let all = findings_with("CG410", &yaml, &settings);
        assert_eq!(all.len(), 2);
        assert!(
            all[1].message.contains("literal secret"),
            "{}",
            all[1].message
        );
        assert!(!all[1].message.contains("changeme"));
    }

    #[test]
    fn build_args() {
        assert_eq!(
            run(
                "services:\n  a:\n    build:\n      context: .\n      args:\n        NPM_TOKEN: npm_abcdefghijklmnopqrstuvwxyz0123456789\n        VERSION: 1.2.3\n"
            ),
            ["CG410@6"]
        );
    }
}
