//! Project loading as `composegen config` does it: the input is split into up to four files
//! (`compose.yaml`, `b.yaml`, `c.yaml`, `.env`) at `\n#---\n` lines, written into a temporary
//! directory, so that `include`, `extends: {file: b.yaml}` and env files resolve between them.
#![no_main]

use composegen::cli::config::{ConfigArgs, run};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let names = ["compose.yaml", "b.yaml", "c.yaml", ".env"];
    let text = String::from_utf8_lossy(data);
    for (name, part) in names.iter().zip(text.split("\n#---\n")) {
        if std::fs::write(dir.path().join(name), part).is_err() {
            return;
        }
    }
    for format in ["json", "yaml"] {
        let args = ConfigArgs {
            files: vec![dir.path().join("compose.yaml")],
            profiles: Vec::new(),
            env_files: Vec::new(),
            format: format.to_string(),
        };
        let _ = run(&args);
    }
});
