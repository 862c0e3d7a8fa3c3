//! The document drives the command: every enum field the document declares is an option of
//! `flux generate` and a key of batch lines, and reaches the wire as the document spells it.
//! The fields come from the generated table, so a field a new document adds is covered by
//! regeneration alone (`.ci/document-variants` runs these on a document that adds `style`).

use flux_client::fields::{REQUEST_FIELDS, RequestField, WireType};
use serde_json::{Value, json};

use crate::support::*;

/// Every enum field with the last value the document lists for it, as it goes on the wire (a
/// number for an integer enum).
fn enum_fields() -> Vec<(&'static str, Value)> {
    REQUEST_FIELDS
        .iter()
        .filter(|f| !f.values.is_empty())
        .map(|f| (f.name, f.wire_value(f.values[f.values.len() - 1])))
        .collect()
}

/// The option's name: the field's with anything but ASCII letters and digits as `-`.
fn option_of(name: &str) -> String {
    let long: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("--{long}")
}

/// A value as given on the command line: a string as itself, anything else as JSON.
fn argument(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

#[test]
fn every_enum_field_is_a_generate_option_that_reaches_the_wire() {
    let help = stdout(&run(flux().args(["generate", "--help"])));
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let mut checked = Vec::new();
    for (name, value) in enum_fields() {
        let option = option_of(name);
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
        let given = argument(&value);
        let output = run(mock.flux(&["generate", "a red fox", &option, &given, "--out", dir]));
        assert_status(&output, 0);
        let sent = mock.generations().pop().unwrap();
        assert_eq!(sent[name], value, "{sent}");
        checked.push(format!("{option} {given}"));
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
            .map(|(n, v)| format!("{n}={}", argument(v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// A value of `field` that is not a member of its enum: a word for a string enum, one past
/// the largest member for a numeric one.
fn not_a_member(field: &RequestField) -> Value {
    match field.wire_type {
        WireType::Integer | WireType::Number => {
            let largest = field
                .values
                .iter()
                .filter_map(|v| v.parse::<f64>().ok())
                .fold(0.0, f64::max);
            field.wire_value(&(largest as i64 + 1).to_string())
        }
        _ => json!("not-a-member"),
    }
}

#[test]
fn a_value_outside_an_enum_is_refused_listing_the_values_on_the_command_line_and_in_batch_lines() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let mut checked = Vec::new();
    for field in REQUEST_FIELDS.iter().filter(|f| !f.values.is_empty()) {
        let bad = not_a_member(field);
        let output = run(mock.flux(&[
            "generate",
            "a red fox",
            &option_of(field.name),
            &argument(&bad),
        ]));
        assert_status(&output, 2);
        let err = stderr(&output);
        for member in field.values {
            assert!(
                err.contains(member),
                "{}: {member} not listed in\n{err}",
                field.name
            );
        }

        let input = dir.path().join(format!("{}.jsonl", field.name));
        std::fs::write(
            &input,
            json!({"prompt": "a red fox", field.name: bad}).to_string(),
        )
        .unwrap();
        let output = run(mock
            .flux(&["batch"])
            .arg(&input)
            .arg("--out")
            .arg(dir.path().join(field.name)));
        assert_status(&output, 3);
        let err = stderr(&output);
        assert!(err.contains(&format!("`{}`", field.name)), "{err}");
        for member in field.values {
            assert!(
                err.contains(member),
                "{}: {member} not listed in\n{err}",
                field.name
            );
        }
        checked.push(format!("{}={}", field.name, argument(&bad)));
    }
    assert!(mock.generations().is_empty(), "a refused value was sent");
    println!("enum refusals checked: {}", checked.join(", "));
}

/// A valid value of `field`: an enum's first member, a number inside its range, an object
/// with its required properties, a list of one valid item.
fn sample(field: &RequestField) -> Value {
    if let Some(first) = field.values.first() {
        return field.wire_value(first);
    }
    let inside = field.minimum.or(field.maximum).unwrap_or(0.0);
    match field.wire_type {
        WireType::Integer => json!(inside.ceil() as i64),
        WireType::Number => json!(inside),
        WireType::Boolean => json!(true),
        WireType::String => json!("a"),
        WireType::Array => Value::Array(field.items.map(sample).into_iter().collect()),
        WireType::Object => Value::Object(
            field
                .properties
                .iter()
                .filter(|p| p.required)
                .map(|p| (p.name.to_owned(), sample(p)))
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// Values of `field` (at the JSON pointer `at`) that break one nested declaration each, with
/// the pointer of the value at fault: a range or an enum inside an item or a property, or a
/// required property left out.
fn nested_violations(field: &RequestField, at: &str, depth: usize) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    if depth > 0 {
        if !field.values.is_empty() {
            out.push((not_a_member(field), at.to_owned()));
        }
        let step = if field.wire_type == WireType::Integer {
            1.0
        } else {
            0.5
        };
        let number = |n: f64| match field.wire_type {
            WireType::Integer => json!(n as i64),
            _ => json!(n),
        };
        if let Some(min) = field.minimum {
            out.push((number(min - step), at.to_owned()));
        }
        if let Some(max) = field.maximum {
            out.push((number(max + step), at.to_owned()));
        }
    }
    if let Some(item) = field.items {
        for (bad, pointer) in nested_violations(item, &format!("{at}/0"), depth + 1) {
            out.push((json!([bad]), pointer));
        }
    }
    for property in field.properties {
        let property_at = format!("{at}/{}", property.name);
        for (bad, pointer) in nested_violations(property, &property_at, depth + 1) {
            let mut whole = sample(field);
            whole[property.name] = bad;
            out.push((whole, pointer));
        }
        if property.required {
            let mut whole = sample(field);
            whole.as_object_mut().unwrap().remove(property.name);
            out.push((whole, property_at));
        }
    }
    out
}

#[test]
fn nested_ranges_and_enums_are_refused_naming_the_pointer_on_the_command_line_and_in_batch_lines() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let mut checked = Vec::new();
    for field in REQUEST_FIELDS {
        for (bad, pointer) in nested_violations(field, &format!("/{}", field.name), 0) {
            let output = run(mock.flux(&[
                "generate",
                "a red fox",
                &option_of(field.name),
                &bad.to_string(),
            ]));
            assert_status(&output, 2);
            let err = stderr(&output);
            assert!(
                err.contains(&pointer),
                "{bad}: {pointer} not named in\n{err}"
            );

            let input = dir.path().join("nested.jsonl");
            std::fs::write(
                &input,
                json!({"prompt": "a red fox", field.name: bad}).to_string(),
            )
            .unwrap();
            let output = run(mock
                .flux(&["batch"])
                .arg(&input)
                .arg("--out")
                .arg(dir.path().join(format!("out-{}", checked.len()))));
            assert_status(&output, 3);
            let err = stderr(&output);
            assert!(
                err.contains(&pointer),
                "batch {bad}: {pointer} not named in\n{err}"
            );
            checked.push(format!("{pointer} {bad}"));
        }
    }
    assert!(mock.generations().is_empty(), "a refused value was sent");
    // Empty on a document without nested declarations; the CI's document variants look here.
    println!("nested refusals checked: {}", checked.join(", "));
}
