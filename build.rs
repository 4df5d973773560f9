//! Build-time work, so that no run pays for it:
//! - the built-in profiles and templates are embedded with include_dir; rebuild when they change;
//! - `data/images.yaml` (written by hand, with comments) becomes compact JSON in `OUT_DIR`, which
//!   `lint::images` deserializes ~10× faster than the YAML;
//! - the committed schemas (`schema/{compose,config,profile}.schema.json`) without their
//!   annotations (descriptions, titles …) become Rust constants (`schema_fast::COMPOSE`, `CONFIG`,
//!   `PROFILE`) for the quick validity check: no run parses or compiles a schema for a valid
//!   document. The full schemas are used only to describe errors.

use std::path::Path;

use serde_json::Value;

fn main() {
    println!("cargo:rerun-if-changed=profiles");
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=data/images.yaml");
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out);

    let images = std::fs::read_to_string("data/images.yaml").expect("read data/images.yaml");
    let images: Value = serde_yaml::from_str(&images)
        .unwrap_or_else(|e| panic!("data/images.yaml is not valid YAML: {e}"));
    write(&out.join("images.json"), &images.to_string());

    // The committed schemas; tests keep each equal to what the Rust types generate.
    for name in ["compose", "config", "profile"] {
        let path = format!("schema/{name}.schema.json");
        println!("cargo:rerun-if-changed={path}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
        let mut schema: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid JSON: {e}"));
        strip_annotations(&mut schema, false);
        let mut code = String::new();
        rust_constant(&schema, &mut code);
        write(&out.join(format!("{name}_schema_quick.rs")), &code);
    }
}

/// `v` as a Rust expression of type `schema_fast::J`, object keys sorted.
fn rust_constant(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("J::Null"),
        Value::Bool(b) => out.push_str(&format!("J::Bool({b})")),
        Value::Number(n) => match n.as_i64() {
            Some(i) => out.push_str(&format!("J::Int({i})")),
            None => out.push_str(&format!("J::Float({:?})", n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => out.push_str(&format!("J::Str({s:?})")),
        Value::Array(items) => {
            out.push_str("J::Arr(&[");
            for item in items {
                rust_constant(item, out);
                out.push(',');
            }
            out.push_str("])");
        }
        Value::Object(members) => {
            let mut members: Vec<(&String, &Value)> = members.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push_str("J::Obj(&[");
            for (key, value) in members {
                out.push_str(&format!("({key:?},"));
                rust_constant(value, out);
                out.push_str("),");
            }
            out.push_str("])");
        }
    }
}

/// Remove the keywords that assert nothing. `named` is true for a mapping whose keys are names
/// (`properties`, `$defs` …), where a key called `description` is a property, not an annotation.
fn strip_annotations(v: &mut Value, named: bool) {
    match v {
        Value::Object(obj) => {
            if !named {
                for key in ["description", "title", "deprecated", "examples", "default"] {
                    obj.remove(key);
                }
            }
            for (key, value) in obj.iter_mut() {
                let names =
                    !named && matches!(key.as_str(), "properties" | "patternProperties" | "$defs");
                strip_annotations(value, names);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| strip_annotations(i, false)),
        _ => {}
    }
}

fn write(path: &Path, text: &str) {
    // Rewrite only on change, so that dependents are not rebuilt for nothing.
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}
