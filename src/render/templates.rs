//! The minijinja environment: embedded templates (plus a profile's own directory), strict
//! undefined behaviour, and a YAML-aware formatter so that no value can inject YAML.
//!
//! In templates named `*.yml.j2` / `*.yaml.j2`, every `{{ value }}` is written as one YAML
//! scalar: a plain scalar when that reads back as the same string, otherwise a double-quoted
//! one. A value containing `: `, `#`, quotes, newlines, `{{` or a leading `*`, `&`, `!` therefore
//! renders as that literal string. Other templates (nginx.conf, redis.conf …) are written as is.

use minijinja::value::Value;
use minijinja::{
    AutoEscape, Environment, Error as JinjaError, ErrorKind, State, UndefinedBehavior,
};

use crate::assets;
use crate::yaml_emit::{is_yaml_break_like, yaml_block, yaml_string};

/// Build the template environment. `user_dir` is searched before the embedded templates.
pub fn environment(user_dir: Option<std::path::PathBuf>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_loader(move |name| {
        if name.split('/').any(|c| c == "..") {
            return Ok(None);
        }
        if let Some(dir) = &user_dir {
            let p = dir.join(name);
            if p.is_file() {
                return crate::fsio::read_input_string(&p).map(Some).map_err(|e| {
                    JinjaError::new(
                        ErrorKind::TemplateNotFound,
                        format!("cannot read {}: {e}", p.display()),
                    )
                });
            }
        }
        Ok(assets::template(name).map(str::to_string))
    });
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".yml.j2") || name.ends_with(".yaml.j2") {
            AutoEscape::Custom("yaml".into())
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), AutoEscape::Custom(n) if n == "yaml") && !value.is_safe() {
            out.write_str(&yaml_value(value))?;
            Ok(())
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env.add_filter("comment", comment);
    env.add_filter("trailing_comment", trailing_comment);
    env.add_filter("block", block);
    env.add_filter("multiline", multiline);
    // Config-file languages: each writes a value as one token of its language.
    env.add_filter("nginx", |s: String| {
        Value::from_safe_string(nginx_string(&s))
    });
    env.add_filter("redis", |s: String| {
        Value::from_safe_string(redis_string(&s))
    });
    env.add_filter("sql", |s: String| Value::from_safe_string(sql_string(&s)));
    env.add_filter("js", |s: String| Value::from_safe_string(js_string(&s)));
    env.add_filter("shell", |s: String| {
        Value::from_safe_string(shell_string(&s))
    });
    env.add_filter("yaml", |v: Value| Value::from_safe_string(yaml_value(&v)));
    env
}

/// A value as one YAML scalar (or JSON flow collection).
pub fn yaml_value(v: &Value) -> String {
    if let Some(s) = v.as_str() {
        return yaml_string(s);
    }
    if v.is_none() || v.is_undefined() {
        return "null".into();
    }
    match v.kind() {
        minijinja::value::ValueKind::Bool | minijinja::value::ValueKind::Number => v.to_string(),
        _ => serde_json::to_string(v).unwrap_or_else(|_| "null".into()),
    }
}

/// A character that may not appear in a comment line: it could end the comment for some reader.
fn unsafe_in_comment(c: char) -> bool {
    c.is_control() || is_yaml_break_like(c)
}

/// Text safe to place after `# ` on one line.
fn comment(s: String) -> Value {
    let one_line: String = s
        .chars()
        .map(|c| if unsafe_in_comment(c) { ' ' } else { c })
        .collect();
    Value::from_safe_string(one_line)
}

/// `  # text` after a value, or nothing.
fn trailing_comment(v: Value) -> Value {
    match v.as_str() {
        Some(s) if !s.is_empty() => {
            let one_line: String = s
                .chars()
                .map(|c| if unsafe_in_comment(c) { ' ' } else { c })
                .collect();
            Value::from_safe_string(format!("  # {one_line}"))
        }
        _ => Value::from_safe_string(String::new()),
    }
}

/// Multi-line content as a YAML block scalar indented by `indent` spaces, or a double-quoted
/// string when a block scalar could not hold it exactly.
fn block(_state: &State, s: String, indent: usize) -> Result<Value, JinjaError> {
    Ok(Value::from_safe_string(yaml_block(&s, indent)))
}

/// A value as one nginx token: a double-quoted string (`\\` and `"` escaped), so `;`, `{`, `}`,
/// spaces and `#` stay inside it. nginx has no escape for a line break: those are refused by
/// replacing them with spaces (a value that needs one is not a token nginx can take).
pub fn nginx_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || is_yaml_break_like(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A value as one redis.conf argument: double-quoted with the escapes Redis's parser
/// (`sdssplitargs`) reads: `\\`, `\"`, `\n`, `\r`, `\t`, and `\xHH` for other control bytes.
pub fn redis_string(s: &str) -> String {
    let mut text = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => text.push_str("\\\""),
            '\\' => text.push_str("\\\\"),
            '\n' => text.push_str("\\n"),
            '\r' => text.push_str("\\r"),
            '\t' => text.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                text.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => text.push(c),
        }
    }
    text.push('"');
    text
}

/// A value as one SQL string literal: single quotes, a quote doubled.
pub fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A value as one JavaScript string literal: JSON, plus the characters JSON leaves raw that end
/// a JS line or a `<script>` (U+2028, U+2029, `</`).
pub fn js_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
        .replace("</", "<\\/")
}

/// A value as one POSIX shell word: single quotes, a quote as `'\''`.
pub fn shell_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A string with line breaks as a block scalar (see [`block`]), anything else as one scalar.
fn multiline(state: &State, v: Value, indent: usize) -> Result<Value, JinjaError> {
    match v.as_str() {
        Some(s) if s.contains('\n') => block(state, s.to_string(), indent),
        _ => Ok(Value::from_safe_string(yaml_value(&v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads_back(s: &str) {
        let doc = format!("k: {}\n", yaml_string(s));
        let v: serde_yaml::Value =
            serde_yaml::from_str(&doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
        assert_eq!(v["k"].as_str(), Some(s), "{doc}");
        let node = crate::yaml::Node::parse(&doc).unwrap();
        assert_eq!(node.get("k").and_then(|n| n.as_str()), Some(s), "{doc}");
    }

    #[test]
    fn hostile_strings_stay_literal() {
        for s in [
            "a: b",
            "a #b",
            "#x",
            "\"q\"",
            "'q'",
            "line\nbreak",
            "{{ x }}",
            "*alias",
            "&anchor",
            "!tag",
            "yes",
            "no",
            "on",
            "off",
            "true",
            "null",
            "~",
            "",
            " lead",
            "trail ",
            "8080:80",
            "12:30",
            "0o17",
            "1e3",
            "- item",
            "? key",
            "[a]",
            "{a: b}",
            "a,b",
            "|",
            ">",
            "%x",
            "@x",
            "`x",
            "a: b\n- c",
            "\t",
            "x\u{0}y",
            "é",
            "redis:7.2",
            "http://a:b@c/d",
            "${VAR:?set it}",
            "$$x",
            "=",
            ".5",
            "-1",
            "0x1F",
            "./x",
            "../y",
            ".inf",
            ".NaN",
        ] {
            reads_back(s);
        }
    }

    #[test]
    fn config_language_tokens_hold_hostile_text() {
        let hostile = "x; location /leak { alias /etc/; } # \"q\" \\ $v\nnext";
        assert_eq!(
            nginx_string(hostile),
            r#""x; location /leak { alias /etc/; } # \"q\" \\ $v next""#
        );
        assert_eq!(redis_string("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\x01""#);
        assert_eq!(
            sql_string("it's'; DROP TABLE x; --"),
            "'it''s''; DROP TABLE x; --'"
        );
        assert_eq!(
            js_string("a\"b</script>\u{2028}"),
            r#""a\"b<\/script>\u2028""#
        );
        assert_eq!(shell_string("it's $(x)"), r"'it'\''s $(x)'");
    }

    #[test]
    fn ordinary_values_are_plain() {
        assert_eq!(yaml_string("redis:7.2-alpine"), "redis:7.2-alpine");
        assert_eq!(yaml_string("/data"), "/data");
        assert_eq!(yaml_string("8080:80"), "\"8080:80\"");
        assert_eq!(yaml_string("yes"), "\"yes\"");
        assert_eq!(yaml_string("10s"), "10s");
        assert_eq!(yaml_string("--config.file=/etc/x"), "--config.file=/etc/x");
        assert_eq!(yaml_string("-1"), "\"-1\"");
    }

    #[test]
    fn block_scalars_round_trip() {
        let env = environment(None);
        for content in [
            "a: 1\nb: 2\n",
            "  leading\n",
            "no newline",
            "x\n\n",
            "tab\tin\n",
            "trail \n",
        ] {
            let tmpl = "c: {{ content|block(2) }}\n";
            let out = env
                .render_str(tmpl, minijinja::context! { content })
                .unwrap();
            let v: serde_yaml::Value =
                serde_yaml::from_str(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
            assert_eq!(v["c"].as_str(), Some(content), "{out}");
        }
    }
}
