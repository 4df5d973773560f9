use crate::compose::grammar::words::{ScriptCommand, script_commands, script_words};
use crate::declare_rule;
use crate::lint::context::Context;
use crate::lint::finding::Finding;
use crate::lint::rule::{Rule, RuleMeta};
use crate::lint::view::{HealthcheckSetting, Service, items, scalar};
use crate::yaml::{Kind, Path};

declare_rule! {
    /// ## What it does
    /// Reports a healthcheck `test` whose exit status does not depend on the service's health,
    /// in the list (`[CMD, …]`, `[CMD-SHELL, "…"]`) and string forms, and in `sh -c "…"`:
    ///
    /// - the test ends with a command that always succeeds after `||` or `;`: `|| true`,
    ///   `|| exit 0`, `|| echo unhealthy`, `; exit 0` (unless an earlier `exit 1` or `set -e`
    ///   can end it first), or the whole test is `true`, `:`, `exit 0` or `echo …`;
    /// - the command that decides the status is `curl` without `-f` (`--fail`,
    ///   `--fail-with-body`) on an HTTP URL: `curl -s http://localhost/health`,
    ///   `curl -s … || exit 1`. A `curl` whose output goes to another command
    ///   (`curl -s … | grep -q ok`) or whose status is not the last word (`curl -s …; test …`)
    ///   is not reported;
    /// - the command that decides the status is `redis-cli ping` (or `valkey-cli`) without a
    ///   password (`-a`, `--pass`, `--user`, `-u redis://…`, `REDISCLI_AUTH`) on a Redis
    ///   service that requires one: `--requirepass` in its command or `REDIS_ARGS`, or
    ///   `REDIS_PASSWORD`/`VALKEY_PASSWORD` on a Bitnami image (the official image does not
    ///   read `REDIS_PASSWORD`).
    ///
    /// Tests with variables that have no value, on several lines, or with compound commands
    /// (`if`, `while`) are not judged.
    ///
    /// ## Why is this bad?
    /// A healthcheck that cannot fail reports `healthy` while the service is broken:
    /// `depends_on: condition: service_healthy` starts dependants too early, `docker compose up
    /// --wait` returns success, and orchestrators never replace the container. `curl` exits 0
    /// on an HTTP 500 or 404 unless told to fail; `redis-cli` prints `NOAUTH Authentication
    /// required` and exits 0. Such a check only fails when nothing answers at all.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/example/api:2.3.1
    ///     healthcheck:
    ///       test: curl -s http://localhost:8080/health || exit 1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: ghcr.io/example/api:2.3.1
    ///     healthcheck:
    ///       test: [CMD, curl, -fsS, -o, /dev/null, http://localhost:8080/health]
    /// ```
    pub struct HealthcheckCannotFail {
        code: "CG609",
        name: "healthcheck-cannot-fail",
        category: Health,
        severity: Warning,
        summary: "a healthcheck that passes whatever the service's state (a final `true` or `exit 0`, `curl` without `-f`, `redis-cli ping` without the password)",
    }
}

/// Shell keywords: a test with compound commands is not judged.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "while", "until", "do", "done", "for", "case", "esac",
    "select", "function", "!", "{", "}", "[[", "]]", "trap",
];

/// What is wrong with a test.
struct Problem {
    message: String,
    label: String,
    help: String,
}

/// The service whose healthcheck is judged: what the rule asks about it is computed only
/// when a test needs it.
struct Facts<'s, 'a> {
    service: &'s Service<'a>,
}

/// The program of a simple command, after `exec`, `command`, `env`, variable assignments and
/// `timeout DURATION`: its index in `words`.
fn program(words: &[String]) -> Option<usize> {
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let assignment = w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        match w.as_str() {
            _ if assignment => i += 1,
            "exec" | "command" | "env" | "nohup" => i += 1,
            "timeout" => {
                i += 1;
                while words.get(i).is_some_and(|w| w.starts_with('-')) {
                    i += 1;
                }
                i += 1; // the duration
            }
            _ => return Some(i),
        }
    }
    None
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// A redirection that cannot fail: to `/dev/null`, or standard output and error swapped.
fn harmless(redirect: &(String, String)) -> bool {
    let (op, target) = redirect;
    target == "/dev/null" || (op.ends_with('&') && matches!(target.as_str(), "1" | "2"))
}

/// A command that always exits 0: `true`, `:`, `exit 0`, `echo …`, `printf …`, without a
/// redirection that can fail (`echo > /dev/tcp/host/80` is a connection test).
fn always_succeeds(c: &ScriptCommand) -> bool {
    c.redirects.iter().all(harmless) && always_succeeds_words(&c.words)
}

fn always_succeeds_words(words: &[String]) -> bool {
    let Some(p) = program(words) else {
        return false;
    };
    match basename(&words[p]) {
        "true" | ":" | "echo" | "printf" => true,
        "exit" => words.get(p + 1).map(String::as_str) == Some("0") && words.len() == p + 2,
        _ => false,
    }
}

/// A command after which the status is what it was: `&& echo ok`, `|| exit 1`, `|| false`.
fn transparent(op: &str, c: &ScriptCommand) -> bool {
    let words = &c.words;
    let Some(p) = program(words) else {
        return false;
    };
    let prog = basename(&words[p]);
    match op {
        "&&" => always_succeeds(c),
        "||" => {
            prog == "false"
                || (prog == "exit"
                    && words
                        .get(p + 1)
                        .is_none_or(|n| n != "0" && n.chars().all(|c| c.is_ascii_digit())))
        }
        _ => false,
    }
}

/// Whether a command can end the shell with a failure before the end of the script:
/// `exit 1`, `exit`, `set -e`, `exec …`.
fn can_end_early(words: &[String]) -> bool {
    let Some(p) = program(words) else {
        return false;
    };
    match basename(&words[p]) {
        "exit" | "return" => words.get(p + 1).map(String::as_str) != Some("0"),
        "set" => words[p + 1..].iter().any(|w| {
            (w.starts_with('-') && !w.starts_with("--") && w.contains('e')) || w == "errexit"
        }),
        _ => words[..p].iter().any(|w| w == "exec"),
    }
}

/// One and-or list: pipelines, each with the operator before it (`&&`, `||`; None first).
type AndOr<'a> = Vec<(Option<&'a str>, Vec<&'a ScriptCommand>)>;

/// The script's and-or lists, and the separator after the last one (`;`, `&`, or None).
fn lists(commands: &[ScriptCommand]) -> Vec<(AndOr<'_>, Option<&str>)> {
    let mut out: Vec<(AndOr<'_>, Option<&str>)> = Vec::new();
    let mut list: AndOr<'_> = Vec::new();
    let mut pipeline: Vec<&ScriptCommand> = Vec::new();
    let mut before: Option<&str> = None;
    for c in commands {
        pipeline.push(c);
        match c.then.as_deref() {
            Some("|") => {}
            Some(op @ ("&&" | "||")) => {
                list.push((before, std::mem::take(&mut pipeline)));
                before = Some(op);
            }
            sep => {
                list.push((before, std::mem::take(&mut pipeline)));
                before = None;
                out.push((std::mem::take(&mut list), sep));
            }
        }
    }
    if !pipeline.is_empty() {
        list.push((before, pipeline));
    }
    if !list.is_empty() {
        out.push((list, None));
    }
    out
}

/// How a test ends without failing, if it does: `|| true`, `; exit 0`, or the whole test.
fn masked_ending(commands: &[ScriptCommand]) -> Option<String> {
    let all = lists(commands);
    let (last, sep) = all.last()?;
    if *sep == Some("&") {
        return None;
    }
    let (op, pipeline) = last.last()?;
    let [command] = pipeline.as_slice() else {
        return None;
    };
    if !always_succeeds(command) {
        return None;
    }
    let shown = command.words.join(" ");
    let shown = if shown.chars().count() > 30 {
        format!("{} …", command.words[0])
    } else {
        shown
    };
    // The final command is the script's last; an earlier one may end it with a failure.
    if commands[..commands.len() - 1]
        .iter()
        .any(|c| can_end_early(&c.words))
    {
        return None;
    }
    match op {
        Some("||") => Some(format!("|| {shown}")),
        Some(_) => None,
        None if all.len() > 1 => Some(format!("; {shown}")),
        None => Some(shown),
    }
}

/// The command whose exit status is the test's: the last pipeline of the last list (its last
/// command), past a suffix that keeps the status (`&& echo ok`, `|| exit 1`), when it runs
/// first or after `&&`.
fn deciding(commands: &[ScriptCommand]) -> Option<&ScriptCommand> {
    let all = lists(commands);
    let (last, sep) = all.last()?;
    if *sep == Some("&") {
        return None;
    }
    let mut k = last.len().checked_sub(1)?;
    while k > 0 {
        let (op, pipeline) = &last[k];
        match (op, pipeline.as_slice()) {
            (Some(op), [c]) if transparent(op, c) => k -= 1,
            _ => break,
        }
    }
    let (op, pipeline) = &last[k];
    if matches!(op, Some("||")) {
        return None;
    }
    pipeline.last().copied()
}

/// Options of curl that take a value in the next word (short ones: the rest of the word).
const CURL_SHORT_WITH_VALUE: &str = "AbcCdDeEFHKmoPQrTtuUwxXyYz";
const CURL_LONG_WITH_VALUE: &[&str] = &[
    "cacert",
    "capath",
    "cert",
    "connect-timeout",
    "connect-to",
    "cookie",
    "cookie-jar",
    "data",
    "data-binary",
    "data-raw",
    "data-urlencode",
    "dns-servers",
    "form",
    "header",
    "interface",
    "key",
    "limit-rate",
    "max-filesize",
    "max-redirs",
    "max-time",
    "output",
    "proxy",
    "range",
    "referer",
    "request",
    "resolve",
    "retry",
    "retry-delay",
    "retry-max-time",
    "speed-limit",
    "speed-time",
    "unix-socket",
    "abstract-unix-socket",
    "upload-file",
    "user",
    "user-agent",
    "write-out",
    "noproxy",
    "proxy-user",
    "oauth2-bearer",
    "expect100-timeout",
    "ipfs-gateway",
];

/// Why a `curl` command passes on HTTP errors, if it does.
fn curl_without_fail(words: &[String]) -> Option<Problem> {
    let p = program(words)?;
    if basename(&words[p]) != "curl" {
        return None;
    }
    let mut fail = false;
    let mut urls = Vec::new();
    let mut i = p + 1;
    while let Some(w) = words.get(i) {
        i += 1;
        if let Some(long) = w.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or(long);
            match name {
                "fail" | "fail-with-body" => fail = true,
                "no-fail" => fail = false,
                "config" => return None, // the options are elsewhere
                "url" => match long.split_once('=') {
                    Some((_, url)) => urls.push(url.to_string()),
                    None => {
                        urls.extend(words.get(i).cloned());
                        i += 1;
                    }
                },
                _ if CURL_LONG_WITH_VALUE.contains(&name) && !long.contains('=') => i += 1,
                _ => {}
            }
            continue;
        }
        if let Some(short) = w.strip_prefix('-').filter(|s| !s.is_empty()) {
            for (n, c) in short.char_indices() {
                if c == 'f' {
                    fail = true;
                }
                if c == 'K' {
                    return None;
                }
                if CURL_SHORT_WITH_VALUE.contains(c) {
                    if n + c.len_utf8() == short.len() {
                        i += 1; // the value is the next word
                    }
                    break;
                }
            }
            continue;
        }
        urls.push(w.clone());
    }
    if fail {
        return None;
    }
    // curl's `-f` is about HTTP; another scheme (`telnet://`, `file://`) is not judged.
    let url = urls.iter().find(|u| u.contains("://")).or_else(|| {
        urls.iter()
            .find(|u| u.contains([':', '/']) || u.starts_with("localhost"))
    })?;
    if urls.iter().any(|u| {
        u.split_once("://").is_some_and(|(scheme, _)| {
            !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
        })
    }) {
        return None;
    }
    Some(Problem {
        message: format!("runs `curl` without `--fail` ({url}): curl exits 0 when the server answers with an HTTP error (500, 404), so the check passes as long as anything answers"),
        label: "`curl` without `-f`".to_string(),
        help: "add `-f` (`curl -fsS -o /dev/null http://…`), or pipe the response to a command that checks it (`| grep -q ok`)".to_string(),
    })
}

/// Why a `redis-cli ping` passes without checking anything, if it does.
fn rediscli_without_password(words: &[String], facts: &Facts<'_, '_>) -> Option<Problem> {
    let p = program(words)?;
    let cli = basename(&words[p]);
    if !matches!(cli, "redis-cli" | "valkey-cli" | "keydb-cli") {
        return None;
    }
    if words[..p]
        .iter()
        .any(|w| w.starts_with("REDISCLI_AUTH=") || w.starts_with("VALKEYCLI_AUTH="))
        || facts
            .service
            .environment()
            .iter()
            .any(|v| v.name == "REDISCLI_AUTH")
        || !redis_requires_password(facts.service)
    {
        return None;
    }
    let args = &words[p + 1..];
    let mut host_is_local = true;
    for (i, w) in args.iter().enumerate() {
        match w.as_str() {
            "-a" | "--pass" | "--user" | "--askpass" | "-e" => return None,
            "-u" | "--uri" => return None, // a URI may carry the password
            "-h" => {
                host_is_local = args.get(i + 1).is_some_and(|h| {
                    matches!(h.as_str(), "localhost" | "127.0.0.1" | "::1" | "0.0.0.0")
                });
            }
            _ if w.starts_with("-a") && w.len() > 2 => return None,
            _ => {}
        }
    }
    if !host_is_local {
        return None; // another server
    }
    if !args.iter().any(|w| w.eq_ignore_ascii_case("ping")) {
        return None;
    }
    Some(Problem {
        message: format!("runs `{cli} ping` without the password this Redis requires: it prints `NOAUTH Authentication required` and exits 0, so the check passes as long as anything answers"),
        label: format!("`{cli}` without a password"),
        help: "set `REDISCLI_AUTH` to the password in the service's environment, and check the answer: `[CMD-SHELL, \"redis-cli ping | grep -q PONG\"]`".to_string(),
    })
}

/// Judge a command: the list form after `CMD` (`exec`: run without a shell), or the command
/// that decides a script's status.
fn judge_words(words: &[String], facts: &Facts<'_, '_>, depth: u8, exec: bool) -> Option<Problem> {
    // `sh -c "script"`: judge the script.
    if let Some(p) = program(words)
        && matches!(basename(&words[p]), "sh" | "bash" | "ash" | "dash" | "zsh")
    {
        let flag = words.get(p + 1)?;
        if !(flag.starts_with('-') && flag.contains('c')) || depth > 1 {
            return None;
        }
        return judge_script(words.get(p + 2)?, facts, depth + 1);
    }
    // Without a shell, `exit` and `:` are not programs; `true` and `echo` are.
    if exec
        && words
            .first()
            .is_some_and(|w| matches!(basename(w), "true" | "echo" | "printf"))
    {
        return Some(masked(&words.join(" ")));
    }
    curl_without_fail(words).or_else(|| rediscli_without_password(words, facts))
}

fn masked(ending: &str) -> Problem {
    let whole = !ending.starts_with("||") && !ending.starts_with(';');
    Problem {
        message: if whole {
            format!(
                "is `{ending}`, which always succeeds: the container is reported healthy whatever its state"
            )
        } else {
            format!(
                "ends with `{ending}`: it exits 0 whatever the check found, so the container is always reported healthy"
            )
        },
        label: "always exits 0".to_string(),
        help: if whole {
            "test that the service answers (`[CMD, curl, -fsS, http://localhost:8080/health]`); if only the start order matters, use `depends_on` with `condition: service_started`".to_string()
        } else {
            format!(
                "remove `{ending}`: the check's own status is what Docker needs (write `|| exit 1` to make it explicit)"
            )
        },
    }
}

fn judge_script(script: &str, facts: &Facts<'_, '_>, depth: u8) -> Option<Problem> {
    let script = script.trim();
    if script.contains('\n') {
        return None;
    }
    let commands = script_commands(script)?;
    if commands.iter().any(|c| {
        c.words
            .first()
            .is_some_and(|w| KEYWORDS.contains(&w.as_str()))
    }) {
        return None;
    }
    if let Some(ending) = masked_ending(&commands) {
        return Some(masked(&ending));
    }
    let c = deciding(&commands)?;
    judge_words(&c.words, facts, depth, false)
}

/// Whether the service is a Redis that requires a password.
fn redis_requires_password(s: &Service<'_>) -> bool {
    let mut words = s.entrypoint_words();
    words.extend(s.command_words());
    let mut all = Vec::new();
    for w in &words {
        if w.contains(char::is_whitespace) {
            all.extend(script_words(w));
        } else {
            all.push(w.clone());
        }
    }
    let env = s.environment();
    if let Some(args) = env.iter().find(|v| v.name == "REDIS_ARGS")
        && let Some(v) = &args.value
    {
        all.extend(script_words(&v.value));
    }
    if all
        .windows(2)
        .any(|w| w[0] == "--requirepass" && !w[1].is_empty() && !w[1].starts_with("--"))
    {
        return true;
    }
    let bitnami = s
        .image_repository()
        .is_some_and(|r| r.starts_with("bitnami/redis") || r.starts_with("bitnami/valkey"));
    bitnami
        && env.iter().any(|v| {
            matches!(
                v.name.as_str(),
                "REDIS_PASSWORD"
                    | "REDIS_PASSWORD_FILE"
                    | "VALKEY_PASSWORD"
                    | "VALKEY_PASSWORD_FILE"
            ) && v
                .value
                .as_ref()
                .is_some_and(|x| x.known() && !x.value.is_empty())
        })
}

/// The test as the rule reads it: a shell script or the words of `CMD`, and where the part
/// to point at is written.
enum Test {
    Script(String, Path),
    Words(Vec<String>, Path),
}

fn read_test(s: &Service<'_>, cx: &Context<'_>) -> Option<Test> {
    let (node, path) = s.node_at("healthcheck.test")?;
    match &node.kind {
        Kind::Str(_) => {
            let v = scalar(node, cx.env).filter(|v| v.known())?;
            let first = v.value.split_whitespace().next()?;
            if matches!(first, "CMD" | "CMD-SHELL" | "NONE") {
                return None; // CG603
            }
            Some(Test::Script(v.value, path))
        }
        Kind::Seq(_) => {
            let list = items(node, &path);
            let mut values = Vec::with_capacity(list.len());
            for (n, _) in &list {
                values.push(scalar(n, cx.env).filter(|v| v.known())?.value);
            }
            match values.first().map(String::as_str) {
                Some("CMD-SHELL") => {
                    let (_, at) = list.get(1)?;
                    Some(Test::Script(values.get(1)?.clone(), at.clone()))
                }
                Some("CMD") if values.len() > 1 => {
                    let (_, at) = &list[1];
                    Some(Test::Words(values[1..].to_vec(), at.clone()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

impl Rule for HealthcheckCannotFail {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.compose().services() {
            if s.healthcheck_setting() != HealthcheckSetting::Test {
                continue;
            }
            let Some(test) = read_test(&s, cx) else {
                continue;
            };
            let facts = Facts { service: &s };
            let (problem, path) = match test {
                Test::Script(script, path) => (judge_script(&script, &facts, 0), path),
                Test::Words(words, path) => (judge_words(&words, &facts, 0, true), path),
            };
            let Some(p) = problem else { continue };
            out.push(
                self.finding(
                    cx,
                    path,
                    format!("the healthcheck of `{}` {}", s.name, p.message),
                )
                .label(p.label)
                .service(s.name)
                .help(p.help)
                .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{codes, lint_rule};

    fn run(test: &str) -> Vec<String> {
        codes(&lint_rule(
            "CG609",
            &format!("services:\n  a:\n    image: x:1\n    healthcheck:\n      test: {test}\n"),
        ))
    }

    fn reported(test: &str) -> bool {
        !run(test).is_empty()
    }

    #[test]
    fn masked_endings() {
        for t in [
            "'pg_isready -U postgres || true'",
            "'wget -q --spider http://localhost || true'",
            "[CMD-SHELL, 'curl -f http://localhost/health || exit 0']",
            "[CMD-SHELL, 'curl -f http://localhost/health; exit 0']",
            "[CMD-SHELL, 'curl -f http://localhost/health || echo unhealthy']",
            "[CMD, sh, -c, 'nc -z localhost 80 || true']",
            "[CMD, 'true']",
            "'exit 0'",
            "[CMD-SHELL, 'echo ok > /dev/null']",
        ] {
            assert!(reported(t), "{t} cannot fail");
        }
        let d = lint_rule(
            "CG609",
            "services:\n  a:\n    image: x:1\n    healthcheck:\n      test: 'nc -z localhost 80 || true'\n",
        );
        assert!(
            d[0].message.contains("ends with `|| true`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn curl_and_redis() {
        for t in [
            "[CMD, curl, -s, http://localhost:8080/health]",
            "'curl --silent localhost:8080 || exit 1'",
            "[CMD-SHELL, 'curl -sS -o /dev/null http://localhost/ && echo ok']",
            "[CMD-SHELL, 'sleep 1; timeout 5 curl -s http://localhost/']",
            "[CMD-SHELL, 'curl -s localhost:8080 > /dev/null 2>&1 && echo OK || exit 1']",
            "[CMD-SHELL, 'curl -so /dev/null http://localhost:3000/ || exit 1']",
            "[CMD, curl, -s, -o, /dev/null, -w, '%{http_code}', http://localhost]",
            "'curl --max-time 3 localhost:8123/ping'",
        ] {
            assert!(reported(t), "{t} passes on HTTP errors");
        }
        let yaml = |cmd: &str, env: &str, test: &str| {
            format!(
                "services:\n  r:\n    image: redis:7.4.1\n    command: {cmd}\n    environment: {env}\n    healthcheck:\n      test: {test}\n"
            )
        };
        assert_eq!(
            codes(&lint_rule(
                "CG609",
                &yaml(
                    "redis-server --requirepass s3cret-pass",
                    "{}",
                    "[CMD, redis-cli, ping]"
                )
            )),
            ["CG609@7"]
        );
        assert_eq!(
            codes(&lint_rule(
                "CG609",
                &yaml(
                    "[sh, -c, 'exec redis-server --requirepass \"$$REDIS_PASSWORD\"']",
                    "{REDIS_PASSWORD: x}",
                    "'redis-cli ping || exit 1'"
                )
            )),
            ["CG609@7"]
        );
        // With the password, checking the answer, or no password required.
        for (cmd, env, test) in [
            (
                "redis-server --requirepass p",
                "{}",
                "[CMD, redis-cli, -a, p, ping]",
            ),
            (
                "redis-server --requirepass p",
                "{REDISCLI_AUTH: p}",
                "[CMD, redis-cli, ping]",
            ),
            (
                "redis-server --requirepass p",
                "{}",
                "[CMD-SHELL, 'redis-cli ping | grep -q PONG']",
            ),
            (
                "redis-server",
                "{REDIS_PASSWORD: p}",
                "[CMD, redis-cli, ping]",
            ),
            (
                "redis-server --requirepass p",
                "{}",
                "[CMD, redis-cli, -h, cache2, ping]",
            ),
        ] {
            assert!(
                codes(&lint_rule("CG609", &yaml(cmd, env, test))).is_empty(),
                "{cmd} / {env} / {test}"
            );
        }
        // Bitnami reads REDIS_PASSWORD.
        assert_eq!(
            codes(&lint_rule(
                "CG609",
                "services:\n  r:\n    image: bitnami/redis:7.4.1\n    environment:\n      - REDIS_PASSWORD=p4ss-w0rd-x\n    healthcheck:\n      test: [CMD, redis-cli, ping]\n"
            )),
            ["CG609@7"]
        );
    }

    #[test]
    fn checks_that_can_fail() {
        for t in [
            "[CMD, curl, -f, http://localhost:8080/health]",
            "[CMD, curl, -fsS, -o, /dev/null, http://localhost/]",
            "[CMD, curl, --fail-with-body, http://localhost/]",
            "[CMD, curl, -sSf, http://localhost/]",
            "'curl -s http://localhost/health | grep -q ok'",
            "[CMD-SHELL, \"curl -s -o /dev/null -w '%{http_code}' http://localhost/ | grep -q 200\"]",
            "'curl -s http://localhost/ > /tmp/out; grep -q ok /tmp/out'",
            "'curl -fs http://localhost/ || exit 1'",
            "'curl -f http://localhost/ || exit 1; exit 0'",
            "'set -e; pg_isready; exit 0'",
            "[CMD, curl, -s, 'telnet://localhost:25']",
            "[CMD, curl, -K, /etc/curlrc, http://localhost/]",
            "'if curl -s http://x; then exit 0; else exit 1; fi'",
            "'wget -q --spider http://localhost/ || exit 1'",
            "[CMD, redis-cli, ping]",
            "[CMD-SHELL, 'pg_isready -U $${POSTGRES_USER}']",
            "'curl -s http://localhost/ &'",
            "[CMD, echo-server-check]",
            // Connection tests: the redirection fails when nothing listens.
            "[CMD, bash, -c, 'echo > /dev/tcp/localhost/8080']",
            "[CMD-SHELL, 'exec 3<>/dev/tcp/127.0.0.1/2181 && printf ruok >&3 && grep -q imok <&3']",
            "[CMD-SHELL, \"curl -s -k https://localhost:9200 | grep -q 'missing authentication credentials'\"]",
            "[CMD-SHELL, 'test \"$$(curl -s -o /dev/null -w %{http_code} http://localhost)\" = 200']",
            "[NONE]",
        ] {
            assert!(!reported(t), "{t} can fail");
        }
    }
}
