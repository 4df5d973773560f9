//! `composegen lint` on arbitrary bytes, with every rule on (`--select ALL`-like settings), so
//! that inputs which parse reach the rules, not only the YAML errors.
#![no_main]

use composegen::lint::config::{Level, Settings};
use composegen::compose::interpolate::Env;
use composegen::lint::{self, Input, images::ImageTable, registry::RULES};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn images() -> &'static ImageTable {
    static T: OnceLock<ImageTable> = OnceLock::new();
    T.get_or_init(|| ImageTable::new(&[]).expect("the built-in image table loads"))
}

/// Every rule on, at its own severity or info: what the fuzzer reaches is what users can enable.
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

fuzz_target!(|data: &[u8]| {
    let mut env = Env::empty();
    env.set("TAG", "1.2.3");
    env.set("PORT", "8080");
    let input = Input {
        name: "fuzz.yaml".to_string(),
        bytes: data.to_vec(),
        env,
    };
    let report = lint::lint(vec![input], settings(), images());
    let _ = report.worst();
});
