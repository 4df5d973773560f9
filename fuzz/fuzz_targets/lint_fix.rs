//! `composegen lint --fix` on arbitrary bytes, with every rule on: the fixer never panics, a
//! file that parsed still parses once fixed, and fixing the fixed file changes nothing.
#![no_main]

use composegen::compose::interpolate::Env;
use composegen::lint::config::{Level, Settings};
use composegen::lint::{ProjectSpec, fix, images::ImageTable, registry::RULES};
use composegen::project::load::Input;
use composegen::yaml::Node;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn images() -> &'static ImageTable {
    static T: OnceLock<ImageTable> = OnceLock::new();
    T.get_or_init(|| ImageTable::new(&[]).expect("the built-in image table loads"))
}

/// Every rule on, at its own severity or info, so that every fix can be reached.
fn settings() -> &'static Settings {
    static S: OnceLock<Settings> = OnceLock::new();
    S.get_or_init(|| {
        let mut s = Settings::default();
        for rule in RULES {
            s.levels.insert(rule.meta().code.to_string(), Level::Info);
        }
        s
    })
}

fn spec(bytes: &[u8]) -> ProjectSpec {
    let mut env = Env::empty();
    env.set("TAG", "1.2.3");
    env.set("PORT", "8080");
    ProjectSpec {
        files: vec![Input {
            name: "fuzz.yaml".to_string(),
            path: None,
            bytes: bytes.to_vec(),
        }],
        env,
        profiles: Vec::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(fixed) = fix::fix_project(spec(data), settings(), images()) else {
        return;
    };
    if !fixed.changed() {
        return;
    }
    assert!(
        Node::parse_documents(&fixed.text, 0).is_ok(),
        "a fix made the file unparsable"
    );
    let again = fix::fix_project(spec(fixed.text.as_bytes()), settings(), images())
        .expect("the fixed text is UTF-8");
    assert_eq!(again.text, fixed.text, "a second --fix changed the file");
});
