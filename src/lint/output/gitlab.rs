//! GitLab code quality report: the subset of the Code Climate issue format that GitLab reads from
//! `artifacts:reports:codequality` (a JSON array of issues with `description`, `check_name`,
//! `fingerprint`, `severity` and `location.path` / `location.lines.begin`).
//!
//! The fingerprint identifies a finding across commits, so GitLab can tell new findings from old
//! ones in a merge request: it hashes the rule, the file, the symbolic route
//! (`services.web.ports[0]`, stable when lines move) and the message, plus an occurrence number
//! for the rare identical pair.

use std::collections::HashMap;

use super::super::Report;
use super::super::finding::Severity;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "info",
    }
}

/// 128-bit FNV-1a as 32 hex digits (two 64-bit hashes with different offsets).
fn fingerprint(key: &str) -> String {
    let fnv = |offset: u64| {
        key.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}

pub(super) fn gitlab(report: &Report) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<serde_json::Value> = report
        .diagnostics()
        .map(|(file, d)| {
            let key = format!(
                "{}\0{}\0{}\0{}",
                d.code, file.name, d.primary.route, d.message
            );
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            let mut issue = serde_json::json!({
                "type": "issue",
                "check_name": d.code,
                "description": format!("{} {}: {}", d.code, d.name, d.message),
                "severity": severity(d.severity),
                "fingerprint": fingerprint(&format!("{key}\0{n}")),
                "location": {
                    "path": file.name,
                    "lines": {"begin": d.primary.pos.line, "end": d.primary.pos.end_line.max(d.primary.pos.line)},
                },
            });
            if let Some(help) = &d.help {
                issue["content"] = serde_json::json!({"body": help});
            }
            issue
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fingerprint("a"), fingerprint("a"));
        assert_ne!(fingerprint("a"), fingerprint("b"));
        assert_eq!(fingerprint("").len(), 32);
    }
}
