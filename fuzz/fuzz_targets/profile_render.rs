//! Profile loading with a values file and render, in both modes: the input is split at a
//! `\n#---\n` line into a profile and a values file. Starting from a built-in profile (when the
//! input's first line names one, e.g. `locust`) lets the fuzzer mutate values, not only syntax.
#![no_main]

use composegen::profile::load::{Layer, load};
use composegen::render::{Mode, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(2, "\n#---\n");
    let first = parts.next().unwrap_or_default();
    let values = parts.next();
    let base = match composegen::assets::profile(first.trim()) {
        Some(builtin) => builtin.to_string(),
        None => first.to_string(),
    };
    let Ok(profile) = Layer::yaml("fuzz-profile.yaml".to_string(), base) else {
        return;
    };
    let mut layers = vec![profile];
    if let Some(v) = values {
        match Layer::yaml("fuzz-values.yaml".to_string(), v.to_string()) {
            Ok(l) => layers.push(l),
            Err(_) => return,
        }
    }
    let Ok(loaded) = load(layers, None) else {
        return;
    };
    for mode in [Mode::Inline, Mode::Bundle] {
        let _ = render(&loaded, mode, &["fuzz".to_string()]);
    }
});
