use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match composegen::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let color = match cli.color_choice() {
        "always" => true,
        "never" => false,
        _ => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::IsTerminal::is_terminal(&std::io::stderr())
        }
    };
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(composegen::error::Handler::new(color))
    }));
    match composegen::cli::run(cli) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(e) => {
            // Not eprintln!: a closed stderr (`2>&1 | head`) must not turn an error into a panic.
            let _ = writeln!(std::io::stderr(), "{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}
