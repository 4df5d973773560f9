//! No YAML injection: hostile values in every free-text field render as exactly that literal
//! string, as read back by serde_yaml and by the real Docker Compose.

mod support;

use assert_cmd::Command;

const HOSTILE: &[&str] = &[
    "a: b",
    "x # not a comment",
    "say \"hi\"",
    "it's",
    "line one\nline two",
    "{{ stack.name }}",
    "{% if true %}x{% endif %}",
    "*alias",
    "&anchor",
    "!!python/object:os.system",
    "- item",
    "? key",
    "[1, 2]",
    "{a: b}",
    "yes",
    "null",
    "~",
    "0x1F",
    "8080:80",
    "12:30:45",
    "1e3",
    "  padded  ",
    "$HOME and ${HOME} and $$",
    "tab\there",
    "trailing\\",
    "%percent",
    "@at",
    "`tick`",
    "ünïcödé ✓",
    "",
];

fn profile_with(values: &[&str]) -> String {
    let mut env = String::new();
    let mut labels = String::new();
    let mut command = String::new();
    for (i, v) in values.iter().enumerate() {
        let q = serde_json::to_string(v).expect("json");
        env.push_str(&format!("      VAR_{i}: {q}\n"));
        labels.push_str(&format!("      label.{i}: {q}\n"));
        command.push_str(&format!("      - {q}\n"));
    }
    let desc = serde_json::to_string(values.join(" | ").as_str()).expect("json");
    let secret_format =
        serde_json::to_string(&format!("db://u:{{}}@h/{}", values.join(" | "))).expect("json");
    format!(
        "name: hostile\n\
         description: {desc}\n\
         networks:\n  net: {{}}\n\
         defaults:\n  networks: [net]\n\
         secrets:\n  pw:\n    env: HOSTILE_PW\n    description: {desc}\n\
         services:\n  app:\n    description: {desc}\n\
         \x20   image: {{name: busybox, tag: \"1.36.1\"}}\n\
         \x20   resources: {{memory: 64m, cpus: 0.1}}\n\
         \x20   environment:\n{env}      SECRET_URL: {{secret: pw, format: {secret_format}}}\n\
         \x20   labels:\n{labels}\
         \x20   command:\n{command}\
         \x20   ports:\n      - {{container: 80, description: {desc}}}\n\
         \x20   volumes:\n      - {{bind: ./data, target: /data, reason: {desc}}}\n"
    )
}

#[test]
fn hostile_values_render_literally() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hostile.yaml");
    std::fs::write(&file, profile_with(HOSTILE)).expect("write");
    let out = Command::cargo_bin("composegen")
        .expect("binary")
        .args(["--color=never", "render"])
        .arg(&file)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
    let app = &doc["services"]["app"];
    // Exactly the keys the template writes: nothing injected at service level.
    let keys: Vec<&str> = app
        .as_mapping()
        .expect("map")
        .keys()
        .filter_map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "image",
            "command",
            "environment",
            "ports",
            "volumes",
            "networks",
            "restart",
            "security_opt",
            "labels",
            "logging",
            "deploy"
        ]
    );
    for (i, v) in HOSTILE.iter().enumerate() {
        // Compose interpolates `$`, so a literal `$` is written `$$`.
        let escaped = v.replace('$', "$$");
        assert_eq!(
            app["environment"][format!("VAR_{i}")].as_str(),
            Some(escaped.as_str()),
            "env {v:?}"
        );
        assert_eq!(
            app["labels"][format!("label.{i}")].as_str(),
            Some(escaped.as_str()),
            "label {v:?}"
        );
        assert_eq!(
            app["command"][i].as_str(),
            Some(escaped.as_str()),
            "command {v:?}"
        );
    }

    // The oracle: Docker Compose reads back exactly the original strings.
    let compose = dir.path().join("docker-compose.yml");
    std::fs::write(&compose, &text).expect("write");
    std::fs::create_dir_all(dir.path().join("data")).expect("mkdir");
    let env = vec![("HOSTILE_PW".to_string(), "s3cret".to_string())];
    let Some(result) = support::compose_config_json(&compose, &env) else {
        return;
    };
    let json = result
        .unwrap_or_else(|e| panic!("docker-compose rejected the hostile render:\n{e}\n{text}"));
    let app = &json["services"]["app"];
    // `config` prints a file Compose can read again, so it writes a literal `$` as `$$` too.
    let literal = |v: &serde_json::Value| v.as_str().map(|s| s.replace("$$", "$"));
    for (i, v) in HOSTILE.iter().enumerate() {
        let want = Some(v.to_string());
        assert_eq!(
            literal(&app["environment"][format!("VAR_{i}")]),
            want,
            "compose env {v:?}"
        );
        assert_eq!(
            literal(&app["labels"][format!("label.{i}")]),
            want,
            "compose label {v:?}"
        );
        assert_eq!(literal(&app["command"][i]), want, "compose command {v:?}");
    }
    let url = app["environment"]["SECRET_URL"]
        .as_str()
        .expect("secret url");
    assert!(
        url.contains("s3cret"),
        "the secret reference is interpolated by Compose: {url}"
    );
}

#[test]
fn hostile_knob_values_stay_literal() {
    for v in ["x\nmalicious: true", "a: b", "{{ 7*7 }}", "$(reboot)"] {
        let out = Command::cargo_bin("composegen")
            .expect("binary")
            .args(["render", "locust", "--set"])
            .arg(format!("retention={v}"))
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
        let cmd = doc["services"]["prometheus"]["command"]
            .as_sequence()
            .expect("command");
        let want = format!("--storage.tsdb.retention.time={}", v.replace('$', "$$"));
        assert!(
            cmd.iter().any(|a| a.as_str() == Some(want.as_str())),
            "{v:?} not literal in {cmd:?}"
        );
        assert!(doc["services"]["prometheus"].get("malicious").is_none());
    }
}
