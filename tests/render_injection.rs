//! Render cannot inject: strings from a values file that reach the compose file (comments,
//! labels, environment values, logging options, commands) come out as exactly those strings
//! in the project the real Docker Compose reads, and add no key anywhere.
//!
//! The values file is written as JSON (valid YAML), so any Unicode string, line separators and
//! BOMs included, reaches composegen exactly. The oracle is `docker compose config --format
//! json` on the rendered file.

mod support;

use std::fs::File;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// The characters that broke out of comments and scalars before, and YAML's syntax.
const DANGEROUS: &[&str] = &[
    "\u{2028}",
    "\u{2029}",
    "\u{85}",
    "\u{feff}",
    "\n",
    "\r",
    "\r\n",
    "\t",
    ": ",
    "#",
    "\"",
    "'",
    "{",
    "}",
    "[",
    "]",
    "$",
    "$$",
    "${X}",
    "\\",
    "- ",
    "&a",
    "*a",
    "!!str",
    "%",
    "@",
    "`",
    "|",
    ">",
    "---",
    "...",
    "privileged: true",
    "    pid: host",
    "é",
    "€",
    "😀",
    "\u{0}",
    "\u{1b}",
    "\u{7f}",
    "\u{200b}",
    "  ",
];

/// xorshift64*: a reproducible stream of cases without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn string(&mut self) -> String {
        let n = 1 + self.next() % 8;
        let mut s = String::new();
        for _ in 0..n {
            match self.next() % 3 {
                0 => s.push_str(self.pick(&["a", "x y", "value", "1", "true", "null"])),
                _ => s.push_str(self.pick(DANGEROUS)),
            }
        }
        s
    }
}

/// Render `locust` with `values` to a file (so the `.env` is generated beside it) and return
/// Compose's view of it, or `None` when Compose is missing.
fn compose_view(values: &Value) -> Option<Result<Value, String>> {
    let dir = tempfile::tempdir().unwrap();
    let values_path = dir.path().join("values.json");
    // JSON leaves NEL, LS and PS raw, and YAML 1.1 readers (composegen reads values as Compose
    // reads YAML) take raw ones as line breaks; escaped, they reach composegen exactly.
    let json = serde_json::to_string(values)
        .unwrap()
        .replace('\u{85}', "\\u0085")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    std::fs::write(&values_path, json).unwrap();
    let out_path = dir.path().join("docker-compose.yml");
    let out = Command::new(env!("CARGO_BIN_EXE_composegen"))
        .args(["render", "locust", "-f"])
        .arg(&values_path)
        .current_dir(dir.path())
        .stdout(Stdio::from(File::create(&out_path).unwrap()))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    if !out.status.success() {
        return Some(Err(format!(
            "render refused: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    // Compose runs in the file's directory and reads the generated `.env` itself.
    support::compose_config_json(&out_path, &[])
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

/// Hostile strings in every field that reaches the compose file, checked against Compose.
#[test]
fn hostile_strings_reach_compose_exactly() {
    let Some(baseline) = compose_view(&json!({})) else {
        return;
    };
    let baseline = baseline.expect("the plain render is accepted");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..40 {
        let (desc, port_desc, label, env, log_opt, arg, reason) = (
            rng.string(),
            rng.string(),
            rng.string(),
            rng.string(),
            rng.string(),
            rng.string(),
            rng.string(),
        );
        let values = json!({
            "services": {
                "locust": {
                    "description": desc,
                    "ports": [{"container": 8089, "description": port_desc}],
                    "labels": {"io.example.note": label},
                    "environment": {"NOTE": env},
                    "logging": {"driver": "json-file", "options": {"tag": log_opt}},
                    "command": ["-f", "/mnt/locust/locustfile.py", "--tags", arg],
                },
                "locust-metrics-exporter": {
                    "exceptions": [{"rule": "CG601", "reason": reason}],
                },
            }
        });
        let view = match compose_view(&values).expect("compose present") {
            Ok(v) => v,
            // Refusing a value is allowed (and must be explained); injecting is not.
            Err(e) if e.starts_with("render refused") => {
                assert!(
                    e.contains("help") || e.contains("error"),
                    "case {case}: refused without a reason: {e}"
                );
                continue;
            }
            Err(e) => panic!("case {case}: compose rejected the render: {e}\nvalues: {values}"),
        };
        let ctx = format!("case {case}: values {values}");
        assert_eq!(keys(&view), keys(&baseline), "{ctx}");
        assert_eq!(
            keys(&view["services"]),
            keys(&baseline["services"]),
            "{ctx}"
        );
        for (name, svc) in view["services"].as_object().unwrap() {
            let mut want = keys(&baseline["services"][name]);
            let got = keys(svc);
            if name == "locust" {
                want.extend(["labels".to_string(), "environment".to_string()]);
                want.sort();
                want.dedup();
            }
            assert_eq!(got, want, "{ctx}: keys of service {name}");
        }
        // `config` prints values re-escaped (`$` as `$$`) so that its output loads again.
        let printed = |s: &str| json!(s.replace('$', "$$"));
        let locust = &view["services"]["locust"];
        assert_eq!(
            locust["labels"]["io.example.note"],
            printed(&label),
            "{ctx}"
        );
        assert_eq!(locust["environment"]["NOTE"], printed(&env), "{ctx}");
        assert_eq!(
            locust["logging"]["options"]["tag"],
            printed(&log_opt),
            "{ctx}"
        );
        assert_eq!(
            locust["command"],
            json!([
                "-f",
                "/mnt/locust/locustfile.py",
                "--tags",
                arg.replace('$', "$$")
            ]),
            "{ctx}"
        );
        for (name, svc) in view["services"].as_object().unwrap() {
            for key in ["privileged", "pid", "ipc", "devices", "network_mode"] {
                assert_eq!(
                    svc.get(key),
                    baseline["services"][name].get(key),
                    "{ctx}: {name}.{key} changed"
                );
            }
        }
    }
}

/// The report's case: a description with U+2028 followed by keys, which go-yaml reads as new
/// lines under the previous service.
#[test]
fn line_separator_in_a_description_stays_a_comment() {
    let values = json!({
        "services": {
            "locust-metrics-exporter": {
                "description": "note\u{2028}    privileged: true\u{2028}    pid: host\u{2029}    ipc: host\u{85}    devices: [/dev/mem]"
            }
        }
    });
    let Some(view) = compose_view(&values) else {
        return;
    };
    let view = view.expect("compose accepts the render");
    for (name, svc) in view["services"].as_object().unwrap() {
        for key in ["privileged", "pid", "ipc", "devices"] {
            assert!(svc.get(key).is_none(), "{name}.{key} was injected");
        }
    }
}

/// Config-file injection: a values file that sets `server_name` so that the rendered nginx.conf
/// would gain `location /leak { alias /etc/; }` is refused at its line (the knob is a typed host
/// name), and a valid name reaches nginx as one quoted token that the real `nginx -t` accepts.
#[test]
fn server_name_cannot_inject_nginx_directives() {
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    std::fs::write(
        &values,
        "knobs:\n  server_name:\n    value: \"x; location /leak { alias /etc/; }\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_composegen"))
        .args(["render", "elk", "-o"])
        .arg(dir.path().join("out"))
        .arg("-f")
        .arg(&values)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("takes a host name"), "{err}");
    assert!(err.contains("values.yaml:3"), "points at the line: {err}");
    assert!(!dir.path().join("out").exists(), "nothing written");

    let bundle = dir.path().join("ok");
    let out = Command::new(env!("CARGO_BIN_EXE_composegen"))
        .args(["render", "elk", "--set", "server_name=*.example.com", "-o"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conf = bundle.join("nginx/nginx.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(
        text.contains("server_name \"*.example.com\";"),
        "one quoted token:\n{text}"
    );
    let Some(result) = support::nginx_check(&conf, &[]) else {
        return;
    };
    result.expect("nginx -t accepts the rendered config");
}
