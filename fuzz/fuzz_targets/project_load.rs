//! Project loading as `composegen config` does it: the input is split into up to four files
//! (`compose.yaml`, `b.yaml`, `c.yaml`, `.env`) at `\n#---\n` lines, written into a temporary
//! directory, so that `include`, `extends: {file: b.yaml}` and env files resolve between them.
#![no_main]

use clap::Parser;
use composegen::cli::{Cli, Command, config};
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
    let file = dir.path().join("compose.yaml");
    for format in ["json", "yaml"] {
        // Parsed like the command line, so the fuzzer drives what users run.
        let Ok(cli) = Cli::try_parse_from([
            "composegen",
            "config",
            "-f",
            &file.display().to_string(),
            "--format",
            format,
        ]) else {
            return;
        };
        if let Command::Config(args) = cli.command {
            let _ = config::run(&args);
        }
    }
});
