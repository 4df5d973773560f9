//! composegen's verdict on compose files, one TSV line per file: `path`, number of problems, and
//! the first problem (`path: message`). Used by `scripts/conformance`, which compares it with
//! what Docker Compose says.
//!
//! ```text
//! cargo run --example conformance -- CORPUS_DIR RELATIVE_PATH...
//! ```

use composegen::compose::validate;
use composegen::yaml::Node;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: conformance CORPUS_DIR RELATIVE_PATH...");
        std::process::exit(2);
    };
    let dir = std::path::PathBuf::from(dir);
    println!("path\tproblems\tfirst_problem");
    for rel in args {
        let problems: Vec<String> = match std::fs::read_to_string(dir.join(&rel)) {
            Err(e) => vec![format!("cannot read the file: {e}")],
            Ok(text) => match Node::parse(&text) {
                Err(e) => vec![format!("invalid YAML: {}", e.message)],
                Ok(node) => validate::check_node(&node)
                    .into_iter()
                    .map(|p| format!("{}: {}", p.path, p.message))
                    .collect(),
            },
        };
        let first = problems
            .first()
            .map(|p| p.replace(['\t', '\n'], " "))
            .unwrap_or_default();
        println!("{rel}\t{}\t{first}", problems.len());
    }
}
