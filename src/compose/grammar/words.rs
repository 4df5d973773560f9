//! A `command` (or `entrypoint`, `develop.watch.exec.command`) written as a string, split into
//! words as compose-go does it: mattn/go-shellwords `Parse` with its defaults (no environment or
//! backtick expansion).
//!
//! - Words are separated by unquoted spaces, tabs and line breaks.
//! - `'...'` is literal; `"..."` is literal but for `\`; outside single quotes `\` takes the next
//!   character as it is (`d\ e` is one word). `""` is an empty word.
//! - The words end at the first unquoted `;`, `&`, `|`, `<` or `>`: `sh -c "a" && b` is
//!   `[sh, -c, a]`.
//! - `$(...)` is kept as text; any other unquoted `(` is an error, as are an unterminated quote,
//!   backtick or `$(`, and a trailing `\`.
//!
//! [`shell_words`] is what Compose does with a `command` string. [`script_words`] reads on past
//! the operators, as go-shellwords' `Parser.Position` lets a caller do: every word of every
//! command of a shell script (`sh -c "a; b"`), for readers that look for words anywhere in it.

use std::fmt;

/// Why a line cannot be split (Compose rejects it), with the words read up to where it failed
/// (the last one unfinished), for readers that do not give up on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordsError {
    /// The words read before the error.
    pub words: Vec<String>,
}

impl fmt::Display for WordsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid command line string")
    }
}

impl std::error::Error for WordsError {}

/// Split `line` into words (mattn/go-shellwords `Parse`).
pub fn shell_words(line: &str) -> Result<Vec<String>, WordsError> {
    let parsed = parse(line);
    if parsed.ok {
        Ok(parsed.words)
    } else {
        Err(WordsError {
            words: parsed.words,
        })
    }
}

/// Every word of every command of a shell script: [`shell_words`] again after each `;`, `&`,
/// `|`, `<` or `>` that ends a command (the operators are not words). An error ends the script,
/// keeping the words read up to it.
pub fn script_words(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = script;
    loop {
        let parsed = parse(rest);
        out.extend(parsed.words);
        match parsed.stop {
            Some(at) if parsed.ok => rest = &rest[at + 1..],
            _ => return out,
        }
    }
}

/// One simple command of a shell script, as [`script_commands`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptCommand {
    /// Its words, without redirections (`curl -s x > /dev/null 2>&1` is `[curl, -s, x]`).
    pub words: Vec<String>,
    /// Its redirections: operator and target (`(">", "/dev/null")`, `(">&", "1")`).
    pub redirects: Vec<(String, String)>,
    /// The control operator that ends it (`;`, `&`, `&&`, `||`, `|`); None at the end.
    pub then: Option<String>,
}

/// The simple commands of a shell script in order, each with the control operator that ends
/// it, read like [`script_words`] ([`shell_words`] again after each operator). A redirection
/// (`>`, `2>&1`, `< file`) is not a command: it is kept apart with its target. None when the
/// script cannot be read to its end (an unterminated quote, an unquoted `(`). Line breaks are
/// white space, as in [`shell_words`]; compound commands (`if`, `while`) come out as words.
pub fn script_commands(script: &str) -> Option<Vec<ScriptCommand>> {
    let mut out = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut redirects: Vec<(String, String)> = Vec::new();
    let mut redirect: Option<String> = None;
    let mut rest = script;
    loop {
        let parsed = parse(rest);
        if !parsed.ok {
            return None;
        }
        let mut words = parsed.words.into_iter();
        if let Some(op) = redirect.take() {
            redirects.push((op, words.next().unwrap_or_default()));
        }
        current.extend(words);
        let Some(at) = parsed.stop else {
            if !current.is_empty() || !redirects.is_empty() {
                out.push(ScriptCommand {
                    words: current,
                    redirects,
                    then: None,
                });
            }
            return Some(out);
        };
        let op: String = rest[at..]
            .chars()
            .take_while(|c| matches!(c, ';' | '&' | '|' | '<' | '>'))
            .collect();
        if op.contains(['<', '>']) {
            // `2>&1`: the file descriptor written against the operator is not a word.
            if rest[..at].ends_with(|c: char| c.is_ascii_digit())
                && current
                    .last()
                    .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
            {
                current.pop();
            }
            // `>&2`, `2>&1`: the target is the descriptor after `&`; `> file`: the next word.
            redirect = Some(op.clone());
        } else {
            let then = if op == "|&" {
                "|".to_string()
            } else {
                op.clone()
            };
            out.push(ScriptCommand {
                words: std::mem::take(&mut current),
                redirects: std::mem::take(&mut redirects),
                then: Some(then),
            });
        }
        rest = &rest[at + op.len()..];
    }
}

/// What one go-shellwords `Parse` read.
struct Parsed {
    /// The words (on an error, up to it, the last one unfinished).
    words: Vec<String>,
    /// No error.
    ok: bool,
    /// The byte offset of the operator that ended the words (`Parser.Position`).
    stop: Option<usize>,
}

fn parse(line: &str) -> Parsed {
    let mut args = Vec::new();
    let mut buf = String::new();
    let (mut escaped, mut double, mut single, mut back, mut dollar) =
        (false, false, false, false, false);
    let mut got = false;
    let mut stop = None;
    let fail = |mut words: Vec<String>, buf: String, got: bool| {
        if got || !buf.is_empty() {
            words.push(buf);
        }
        Parsed {
            words,
            ok: false,
            stop: None,
        }
    };
    for (i, r) in line.char_indices() {
        if escaped {
            buf.push(r);
            escaped = false;
            got = true;
            continue;
        }
        if r == '\\' {
            if single {
                buf.push(r);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(r, ' ' | '\t' | '\r' | '\n') {
            if single || double || back || dollar {
                buf.push(r);
            } else if got {
                args.push(std::mem::take(&mut buf));
                got = false;
            }
            continue;
        }
        match r {
            '`' if !single && !double && !dollar => back = !back,
            ')' if !single && !double && !back => dollar = false,
            '(' if !single && !double && !back => {
                if !dollar && buf.ends_with('$') {
                    dollar = true;
                    buf.push('(');
                    continue;
                }
                return fail(args, buf, got);
            }
            '"' if !single && !dollar => {
                if double {
                    got = true;
                }
                double = !double;
                continue;
            }
            '\'' if !double && !dollar => {
                if single {
                    got = true;
                }
                single = !single;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if !(single || double || back || dollar) => {
                stop = Some(i);
                break;
            }
            _ => {}
        }
        got = true;
        buf.push(r);
    }
    if escaped || single || double || back || dollar {
        return fail(args, buf, got);
    }
    if got {
        args.push(buf);
    }
    Parsed {
        words: args,
        ok: true,
        stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shellwords_like_compose_go() {
        let w = |s: &str| shell_words(s).unwrap();
        assert_eq!(
            w(r#"sh -c "echo a && echo b" && echo c"#),
            ["sh", "-c", "echo a && echo b"]
        );
        assert_eq!(
            w(r#"a "b\"c" d\ e 'f g' """#),
            ["a", "b\"c", "d e", "f g", ""]
        );
        assert_eq!(w("  spaced   out  "), ["spaced", "out"]);
        assert_eq!(
            w(r#"redis-server --save "" --appendonly 'yes'"#),
            ["redis-server", "--save", "", "--appendonly", "yes"]
        );
        assert_eq!(w("echo $(date) x"), ["echo", "$(date)", "x"]);
        assert!(w("").is_empty());
    }

    #[test]
    fn errors_keep_what_was_read() {
        let e = shell_words("echo 'unterminated here").unwrap_err();
        assert_eq!(e.words, ["echo", "unterminated here"]);
        assert_eq!(shell_words("a (b)").unwrap_err().words, ["a"]);
        assert!(shell_words("trailing\\").is_err());
    }

    #[test]
    fn scripts_read_past_operators() {
        assert_eq!(
            script_words("echo start; while true; do sleep 1; done"),
            ["echo", "start", "while", "true", "do", "sleep", "1", "done"]
        );
        assert_eq!(
            script_words("mysql -u root -p'x y' && echo ok | cat > /dev/null"),
            [
                "mysql",
                "-u",
                "root",
                "-px y",
                "echo",
                "ok",
                "cat",
                "/dev/null"
            ]
        );
        assert_eq!(script_words("a 'b;c' \"d\""), ["a", "b;c", "d"]);
        assert_eq!(script_words("x 'open"), ["x", "open"]);
        assert!(script_words("").is_empty());
    }

    #[test]
    fn script_commands_keep_their_operators() {
        let c = |s: &str| -> Vec<(Vec<String>, Option<String>)> {
            script_commands(s)
                .expect("readable")
                .into_iter()
                .map(|c| (c.words, c.then))
                .collect()
        };
        let w = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let op = |x: &str| Some(x.to_string());
        assert_eq!(
            c("curl -s http://x > /dev/null 2>&1 || exit 1; echo 'a;b' | grep -q a && true"),
            [
                (w(&["curl", "-s", "http://x"]), op("||")),
                (w(&["exit", "1"]), op(";")),
                (w(&["echo", "a;b"]), op("|")),
                (w(&["grep", "-q", "a"]), op("&&")),
                (w(&["true"]), None),
            ]
        );
        assert_eq!(
            c("redis-cli ping |& grep PONG;"),
            [
                (w(&["redis-cli", "ping"]), op("|")),
                (w(&["grep", "PONG"]), op(";")),
            ]
        );
        assert_eq!(c("a >>log b"), [(w(&["a", "b"]), None)]);
        let r = script_commands("echo > /dev/tcp/localhost/80 2>&1").expect("readable");
        assert_eq!(
            r[0].redirects,
            [
                (">".to_string(), "/dev/tcp/localhost/80".to_string()),
                (">&".to_string(), "1".to_string())
            ]
        );
        assert!(script_commands("").expect("empty").is_empty());
        assert!(script_commands("echo 'open").is_none());
        assert!(script_commands("(exit 0)").is_none());
    }

    #[test]
    fn where_the_copies_disagreed_compose_go_decides() {
        // The lint reader kept backslashes, and (for a command) read past `;`, `&&`, `|`, `>`.
        assert_eq!(shell_words(r"a\b").unwrap(), ["ab"]);
        assert_eq!(
            shell_words("java -jar app.jar > log").unwrap(),
            ["java", "-jar", "app.jar"]
        );
        assert_eq!(shell_words("a;b").unwrap(), ["a"]);
    }
}
