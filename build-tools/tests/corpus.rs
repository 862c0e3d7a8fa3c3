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
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
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

#[test]
fn print_corpus() {
    for (path, entry) in corpus() {
        let doc = document(&entry);
        match repair(doc) {
            Err(e) => println!("{}: refused: {e}", path.display()),
            Ok(r) => {
                for f in &r.fixes { println!("  {f}"); }
                match generate_client(&r.document) {
                    Ok(src) => { println!("{}: generated {} bytes", path.display(), src.len()); std::fs::write(format!("/tmp/corpus-{}.rs", path.file_stem().unwrap().to_string_lossy()), src).unwrap(); }
                    Err(e) => println!("{}: generate failed: {e}", path.display()),
                }
            }
        }
    }
}
