//! The corpus of upstream variants in `tests/corpus/`: every document either generates a
//! client (with the operations progenitor cannot generate left out, each reported by pointer)
//! or is refused with a message naming the JSON pointer and the construct.
//!
//! Each corpus file is `{"about", "merge", "expect", "uses"}`: `merge` is a JSON merge patch
//! (RFC 7396) over `openapi/flux-pro.json`. `.ci/regenerate-smoke` builds `flux-client` from
//! every generating document, compiling `uses` as an example against the generated crate; this
//! test checks the repair and the generation, fast.

use std::path::{Path, PathBuf};

use build_tools::{generate::generate_client, repair};
use serde_json::Value;

const STORED: &str = include_str!("../../openapi/flux-pro.json");

fn corpus() -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, value)
        })
        .collect()
}

/// RFC 7396: objects merge key by key, `null` removes, anything else replaces.
fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let target = target.as_object_mut().unwrap();
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

fn document(entry: &Value) -> Value {
    let mut doc: Value = serde_json::from_str(STORED).unwrap();
    merge(&mut doc, &entry["merge"]);
    doc
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Every corpus document generates parseable Rust with exactly the expected operations left
/// out, each recorded with a reason, or is refused naming the expected pointer and construct.
#[test]
fn every_corpus_document_generates_or_is_refused_by_name() {
    let corpus = corpus();
    assert!(corpus.len() >= 5, "the corpus is in tests/corpus/");
    for (path, entry) in corpus {
        let name = path.file_name().unwrap().to_string_lossy();
        let expect = &entry["expect"];
        let repaired = repair(document(&entry));
        if let Some(refused) = expect.get("refused") {
            // Refused by the repair, or by the generation (which the repair's output feeds).
            let message = match repaired {
                Err(err) => err.to_string(),
                Ok(repaired) => generate_client(&repaired.document).expect_err(&name),
            };
            let pointer = refused["pointer"].as_str().unwrap();
            assert!(
                message.starts_with(&format!("{pointer}: ")),
                "{name}: {message}"
            );
            assert!(
                message.contains(refused["contains"].as_str().unwrap()),
                "{name}: {message}"
            );
            continue;
        }
        let repaired = repaired.unwrap_or_else(|e| panic!("{name}: {e}"));
        let left_out: Vec<String> = repaired.left_out().into_iter().map(|l| l.pointer).collect();
        assert_eq!(left_out, strings(&expect["left_out"]), "{name}");
        for operation in repaired.left_out() {
            assert!(!operation.reason.is_empty(), "{name}: {operation}");
            assert!(
                repaired.document.pointer(&operation.pointer).is_none(),
                "{name}: {operation} is still in the document"
            );
        }
        let source = generate_client(&repaired.document).unwrap_or_else(|e| panic!("{name}: {e}"));
        syn::parse_file(&source).unwrap_or_else(|e| panic!("{name}: {e}"));
        for item in strings(&expect["contains"]) {
            assert!(source.contains(item), "{name}: the client has no `{item}`");
        }
        // The request surface build.rs renders beside it reads every document that generates
        // (nested items and properties included) and renders Rust that parses.
        let surface = build_tools::surface::read(&repaired.document)
            .unwrap_or_else(|e| panic!("{name}: the request surface: {e}"));
        build_tools::surface::render(&surface, &source)
            .unwrap_or_else(|e| panic!("{name}: the request surface: {e}"));
        // Nothing of schemars 0.8 or of a crate the client does not depend on is left.
        for foreign in ["schemars::gen", "::chrono::", "::uuid::"] {
            assert!(
                !source.contains(foreign),
                "{name}: generated code uses {foreign}"
            );
        }
    }
}
