//! The quick schema check (`schema_fast`) against the compiled `jsonschema` validator: on every
//! compose file of the corpus and the fixtures, and on thousands of variants of them with one
//! value changed (another type, an out-of-range number, an unknown key, a duplicate list item),
//! the quick verdict is `jsonschema`'s whenever it gives one. A quick "valid" that `jsonschema`
//! rejects would hide a CG004 error, so that direction must never happen. The same for the
//! profile schema (the built-in profiles) and the configuration schema.
//!
//! The lint checks its YAML tree in place (`composegen::doc::Doc`) rather than a JSON copy: the
//! verdict on a tree must be the verdict on its JSON value, on the same documents and variants.

mod support;

use composegen::compose::validate::is_valid_compiled;
use composegen::schema_fast::{COMPOSE, CONFIG, J, PROFILE, is_valid};
use composegen::yaml::Node;
use serde_json::{Value, json};

/// Every compose file of the corpus and the fixtures, parsed.
fn trees() -> Vec<(String, Node)> {
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from("tests/fixtures")];
    if let Some(corpus) = support::corpus_dir() {
        dirs.push(corpus);
    }
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let node = Node::parse(&text).ok()?;
            Some((path.display().to_string(), node))
        })
        .collect()
}

/// [`trees`] as JSON values.
fn documents() -> Vec<(String, Value)> {
    trees()
        .into_iter()
        .map(|(name, node)| (name, node.to_json()))
        .collect()
}

/// Variants of `doc` with one change each, at every node (up to `limit` variants).
fn variants(doc: &Value, limit: usize) -> Vec<Value> {
    fn paths(v: &Value, at: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        out.push(at.clone());
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    at.push(Value::String(k.clone()));
                    paths(x, at, out);
                    at.pop();
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    at.push(json!(i));
                    paths(x, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    fn at_mut<'v>(v: &'v mut Value, path: &[Value]) -> &'v mut Value {
        path.iter().fold(v, |v, seg| match seg {
            Value::String(k) => &mut v[k.as_str()],
            Value::Number(i) => &mut v[i.as_u64().unwrap_or(0) as usize],
            _ => v,
        })
    }
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let replacements = [
        json!(null),
        json!(true),
        json!(-1),
        json!(0),
        json!(1.5),
        json!(70000),
        json!("text"),
        json!([]),
        json!({}),
        json!(["a", "a"]),
        json!({"unknown_key": 1}),
    ];
    let mut out = Vec::new();
    for (n, path) in all.iter().enumerate() {
        for (r, replacement) in replacements.iter().enumerate() {
            if (n + r) % 3 != 0 {
                continue; // a spread of changes, not every one everywhere
            }
            let mut changed = doc.clone();
            *at_mut(&mut changed, path) = replacement.clone();
            out.push(changed);
            if let Value::Object(_) = at_mut(&mut doc.clone(), path) {
                let mut extra = doc.clone();
                if let Value::Object(m) = at_mut(&mut extra, path) {
                    m.insert("zz_unknown".into(), json!(1));
                }
                out.push(extra);
            }
            if let Value::Array(a) = at_mut(&mut doc.clone(), path)
                && let Some(first) = a.first().cloned()
            {
                let mut extra = doc.clone();
                if let Value::Array(a) = at_mut(&mut extra, path) {
                    a.push(first);
                }
                out.push(extra);
            }
            if out.len() >= limit {
                return out;
            }
        }
    }
    out
}

#[test]
fn the_quick_check_agrees_with_jsonschema() {
    let docs = documents();
    assert!(docs.len() > 20, "too few documents: {}", docs.len());
    let (mut checked, mut undecided, mut invalid) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for (name, doc) in &docs {
        for (i, v) in std::iter::once(doc.clone())
            .chain(variants(doc, 150))
            .enumerate()
        {
            let full = is_valid_compiled(&v);
            checked += 1;
            invalid += usize::from(!full);
            match is_valid(&COMPOSE, &v) {
                Some(quick) if quick != full => disagreements.push(format!(
                    "{name} variant {i}: quick {quick}, jsonschema {full}: {v}"
                )),
                Some(_) => {}
                None => undecided += 1,
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {checked} disagree; first: {}",
        disagreements.len(),
        disagreements[0]
    );
    // The quick check decides (nearly) everything: composegen's schema uses no keyword it lacks.
    assert_eq!(undecided, 0, "{undecided} of {checked} undecided");
    // The variants exercise the error side too.
    assert!(invalid * 4 > checked, "{invalid} of {checked} invalid");
    eprintln!("{checked} documents, {invalid} invalid, all verdicts agree");
}

/// Every document and its variants against one schema: the quick verdict is `jsonschema`'s.
fn agree(quick: &'static J, schema_file: &str, docs: &[Value]) {
    let text = std::fs::read_to_string(schema_file).expect("committed schema");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let (mut checked, mut invalid) = (0, 0);
    for doc in docs {
        for v in std::iter::once(doc.clone()).chain(variants(doc, 2_000)) {
            let full = validator.is_valid(&v);
            checked += 1;
            invalid += usize::from(!full);
            assert_eq!(
                is_valid(quick, &v),
                Some(full),
                "{schema_file}: quick verdict differs from jsonschema's ({full}) on {v}"
            );
        }
    }
    assert!(invalid * 4 > checked, "{invalid} of {checked} invalid");
    eprintln!("{schema_file}: {checked} documents, {invalid} invalid, all verdicts agree");
}

#[test]
fn the_quick_check_agrees_on_profiles() {
    let mut docs = Vec::new();
    for entry in std::fs::read_dir("profiles").expect("profiles/").flatten() {
        let text = std::fs::read_to_string(entry.path()).expect("profile");
        docs.push(Node::parse(&text).expect("profile YAML").to_json());
    }
    assert!(docs.len() >= 5);
    agree(&PROFILE, "schema/profile.schema.json", &docs);
}

#[test]
fn the_quick_check_agrees_on_configurations() {
    let docs = [
        json!({}),
        json!({"rules": {"CG301": "off", "CG410": {"level": "warning"}}}),
        json!({"select": ["CG4"], "ignore": ["CG703"], "fail-on": "warning", "exclude": ["vendor/**"]}),
        json!({"images": [{"images": ["corp/db"], "kind": "database", "data": ["/data"], "ports": [5432], "sensitive_ports": [5432]}]}),
    ];
    agree(&CONFIG, "schema/config.schema.json", &docs);
}

/// A tree and its JSON value (`Node::to_json`) get the same verdict: on every corpus file and
/// fixture, on variants of them written back as YAML, and on trees whose keys or numbers JSON
/// writes differently (keys that are not strings or that repeat once written as text,
/// non-finite floats).
#[test]
fn a_tree_gets_the_verdict_of_its_json() {
    let same = |name: &str, node: &Node| {
        let json = node.to_json();
        assert_eq!(
            is_valid(&COMPOSE, node),
            is_valid(&COMPOSE, &json),
            "{name}: the tree and its JSON disagree: {json}"
        );
    };
    let trees = trees();
    assert!(trees.len() > 20, "too few documents: {}", trees.len());
    let mut checked = 0;
    for (name, node) in &trees {
        same(name, node);
        checked += 1;
        for (i, v) in variants(&node.to_json(), 30).iter().enumerate() {
            let text = serde_yaml::to_string(v).expect("YAML of a JSON value");
            if let Ok(tree) = Node::parse(&text) {
                same(&format!("{name} variant {i}"), &tree);
                checked += 1;
            }
        }
    }
    let odd = [
        "services:\n  a:\n    image: x\n    labels:\n      1: one\n      \"1\": also one\n",
        "services:\n  a:\n    image: x\n    labels:\n      true: t\n      null: n\n      1.5: f\n",
        "services:\n  a:\n    image: x\n    cpus: .nan\n    mem_swappiness: .inf\n",
        "services:\n  a:\n    image: x\n    ports: [80, 80.0]\n    dns: [a, a]\n",
        "services:\n  a:\n    image: x\n    networks: {n: {}, !t n: {aliases: 1}}\nnetworks: {n: {}}\n",
        "services:\n  a:\n    image: x\n    ulimits: {1: 5, \"1\": {soft: 1, hard: 2}}\n",
        "services:\n  ? [a]\n  : {image: x}\n",
        "services:\n  a: {image: x, build: .nan}\n",
        "x-a: &a {image: x}\nservices:\n  a: {<<: *a}\n  b: {image: x, \"<<\": 1}\n",
        "",
    ];
    for text in odd {
        same(text, &Node::parse(text).expect(text));
        checked += 1;
    }
    eprintln!("{checked} trees, all verdicts agree with their JSON's");
}
