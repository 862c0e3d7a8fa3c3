//! The document drives the command: every enum field the document declares is an option of
//! `flux generate` and a key of batch lines, and reaches the wire as the document spells it.
//! The fields come from the generated table, so a field a new document adds is covered by
//! regeneration alone (`.ci/document-variants` runs these on a document that adds `style`).

use flux_client::fields::REQUEST_FIELDS;
use serde_json::json;

use crate::support::*;

/// Every enum field with the last value the document lists for it.
fn enum_fields() -> Vec<(&'static str, &'static str)> {
    REQUEST_FIELDS
        .iter()
        .filter(|f| !f.values.is_empty())
        .map(|f| (f.name, f.values[f.values.len() - 1]))
        .collect()
}

#[test]
fn every_enum_field_is_a_generate_option_that_reaches_the_wire() {
    let help = stdout(&run(flux().args(["generate", "--help"])));
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let mut checked = Vec::new();
    for (name, value) in enum_fields() {
        // The option is the field's name with anything but ASCII letters and digits as `-`.
        let long: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let option = format!("--{long}");
        assert!(
            help.contains(&option),
            "{option} missing from --help:\n{help}"
        );
        for listed in flux_client::fields::field(name).unwrap().values {
            assert!(
                help.contains(listed),
                "{name}'s {listed} missing from --help"
            );
        }
        let dir = out.path().to_str().unwrap();
        let output = run(mock.flux(&["generate", "a red fox", &option, value, "--out", dir]));
        assert_status(&output, 0);
        let sent = mock.generations().pop().unwrap();
        assert_eq!(sent[name], json!(value), "{sent}");
        checked.push(format!("{option} {value}"));
    }
    println!("generate options checked: {}", checked.join(", "));
}

#[test]
fn every_enum_field_is_a_batch_key_that_reaches_the_wire() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = enum_fields()
        .iter()
        .map(|(name, value)| json!({"prompt": "a red fox", *name: value}).to_string())
        .collect();
    let input = dir.path().join("lines.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    let output = run(mock
        .flux(&["batch"])
        .arg(&input)
        .arg("--out")
        .arg(dir.path().join("out")));
    assert_status(&output, 0);
    let sent = mock.generations();
    for (name, value) in enum_fields() {
        assert!(
            sent.iter().any(|body| body[name] == value),
            "no request carried {name}: {value}: {sent:?}"
        );
    }
    println!(
        "batch keys checked: {}",
        enum_fields()
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
