//! The request body's fields: added, removed, made required or optional, retyped, their enum
//! values, defaults and ranges.

use build_tools::diff::{Bump, Kind, Surface, Verdict, diff, suggested_bump};
use serde_json::{Value, json};

use crate::support::*;

#[test]
fn request_field_added_optional_is_compatible_required_is_breaking() {
    let old = pair(json!({}), json!({}));
    let optional = pair(json!({"seed": {"type": "integer"}}), json!({}));
    let change = only(
        &changes(old.clone(), optional),
        Kind::FieldAdded,
        Verdict::Compatible,
        &format!("{BODY}/properties/seed"),
    );
    assert_eq!(change.new, Some(json!("optional integer")));

    let mut required = pair(json!({"mask": {"type": "string"}}), json!({}));
    required["paths"]["/images"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        ["required"] = json!(["prompt", "mask"]);
    let change = only(
        &changes(old, required),
        Kind::FieldAdded,
        Verdict::Breaking,
        &format!("{BODY}/properties/mask"),
    );
    assert_eq!(change.new, Some(json!("required string")));
}

#[test]
fn request_field_with_a_default_added_is_compatible() {
    // The repair moves the default to `x-server-default`, so the field is an `Option`.
    let old = pair(json!({}), json!({}));
    let new = pair(json!({"n": {"type": "integer", "default": 1}}), json!({}));
    let found = changes(old, new);
    only(
        &found,
        Kind::FieldAdded,
        Verdict::Compatible,
        &format!("{BODY}/properties/n"),
    );
}

#[test]
fn request_field_removed_is_breaking() {
    let old = pair(json!({"seed": {"type": "integer"}}), json!({}));
    let new = pair(json!({}), json!({}));
    let change = only(
        &changes(old, new),
        Kind::FieldRemoved,
        Verdict::Breaking,
        &format!("{BODY}/properties/seed"),
    );
    assert_eq!(change.old, Some(json!("optional integer")));
}

#[test]
fn request_field_made_required_or_optional_is_breaking() {
    let optional = doc(
        object(json!({"prompt": {"type": "string"}}), &[]),
        json!({"type": "object"}),
    );
    let required = doc(
        object(json!({"prompt": {"type": "string"}}), &["prompt"]),
        json!({"type": "object"}),
    );
    let change = only(
        &changes(optional.clone(), required.clone()),
        Kind::FieldMadeRequired,
        Verdict::Breaking,
        &format!("{BODY}/properties/prompt"),
    );
    assert_eq!(
        (change.old, change.new),
        (Some(json!("optional")), Some(json!("required")))
    );
    only(
        &changes(required, optional),
        Kind::FieldMadeOptional,
        Verdict::Breaking,
        &format!("{BODY}/properties/prompt"),
    );
}

#[test]
fn type_changes_are_breaking() {
    for (before, after, old_text, new_text) in [
        (
            json!({"type": "integer"}),
            json!({"type": "number"}),
            "integer",
            "number",
        ),
        (
            json!({"type": "integer", "format": "int32"}),
            json!({"type": "integer", "format": "int64"}),
            "integer(int32)",
            "integer(int64)",
        ),
        (
            json!({"type": "string"}),
            json!({"type": "string", "enum": ["a", "b"]}),
            "string",
            "enum of string",
        ),
        (
            json!({"type": "string", "enum": ["a"]}),
            json!({"type": "string"}),
            "enum of string",
            "string",
        ),
    ] {
        let old = pair(json!({"seed": before}), json!({}));
        let new = pair(json!({"seed": after}), json!({}));
        let change = only(
            &changes(old, new),
            Kind::TypeChanged,
            Verdict::Breaking,
            &format!("{BODY}/properties/seed"),
        );
        assert_eq!(
            (change.old, change.new),
            (Some(json!(old_text)), Some(json!(new_text)))
        );
    }
}

#[test]
fn an_object_turned_into_a_string_is_one_type_change() {
    let old = pair(
        json!({"options": {"type": "object", "properties": {"a": {"type": "string"}}}}),
        json!({}),
    );
    let new = pair(json!({"options": {"type": "string"}}), json!({}));
    let change = only(
        &changes(old, new),
        Kind::TypeChanged,
        Verdict::Breaking,
        &format!("{BODY}/properties/options"),
    );
    assert_eq!(
        (change.old, change.new),
        (Some(json!("object")), Some(json!("string")))
    );
}

#[test]
fn enum_values_added_are_compatible_on_both_sides_removed_are_breaking() {
    let size = |values: Value| json!({"size": {"type": "string", "enum": values}});
    let old = pair(size(json!(["1:1", "16:9"])), size(json!(["1:1", "16:9"])));
    let wider = pair(
        size(json!(["1:1", "16:9", "4:3"])),
        size(json!(["1:1", "16:9", "4:3"])),
    );
    let added = changes(old.clone(), wider);
    assert_eq!(added.len(), 2, "{added:#?}");
    for (change, side) in added.iter().zip([BODY, OK]) {
        assert_eq!(change.kind, Kind::EnumValueAdded);
        assert_eq!(change.verdict, Verdict::Compatible);
        assert_eq!(change.pointer, format!("{side}/properties/size/enum/2"));
        assert_eq!(change.new, Some(json!("4:3")));
    }
    assert_eq!(suggested_bump(&added), Bump::Minor);

    // A comma-joined upstream enum is compared after the repair splits it.
    let narrower = pair(size(json!(["16:9"])), size(json!("1:1, 16:9")));
    let change = only(
        &changes(old, narrower),
        Kind::EnumValueRemoved,
        Verdict::Breaking,
        &format!("{BODY}/properties/size/enum/0"),
    );
    assert_eq!(change.old, Some(json!("1:1")));
}

#[test]
fn a_changed_request_default_is_a_compatible_server_side_change() {
    let size = |default: &str| json!({"size": {"type": "string", "enum": ["1:1", "16:9"], "default": default}});
    let found = changes(pair(size("16:9"), json!({})), pair(size("1:1"), json!({})));
    let change = only(
        &found,
        Kind::ServerDefaultChanged,
        Verdict::Compatible,
        &format!("{BODY}/properties/size/x-server-default"),
    );
    assert_eq!(change.surface, Surface::Wire);
    assert_eq!(
        (change.old, change.new),
        (Some(json!("16:9")), Some(json!("1:1")))
    );
    assert_eq!(suggested_bump(&found), Bump::Patch);
}

#[test]
fn a_tighter_request_range_is_breaking_and_a_looser_one_compatible() {
    let old = pair(
        json!({"n": {"type": "integer", "minimum": 1, "maximum": 10}}),
        json!({}),
    );
    let tighter = pair(
        json!({"n": {"type": "integer", "minimum": 1, "maximum": 4}}),
        json!({}),
    );
    let looser = pair(json!({"n": {"type": "integer", "minimum": 1}}), json!({}));
    let changes = diff(&old, &tighter);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].kind, Kind::RangeChanged);
    assert_eq!(changes[0].pointer, format!("{BODY}/properties/n/maximum"));
    assert_eq!(changes[0].verdict, Verdict::Breaking);
    let changes = diff(&old, &looser);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].verdict, Verdict::Compatible);
    assert_eq!(changes[0].new, None);
}

#[test]
fn a_bound_that_narrows_an_integers_rust_type_is_a_breaking_type_change() {
    let old = pair(json!({"n": {"type": "integer"}}), json!({}));
    let new = pair(json!({"n": {"type": "integer", "minimum": 1}}), json!({}));
    let changes = diff(&old, &new);
    let kinds: Vec<Kind> = changes.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&Kind::TypeChanged), "{changes:#?}");
    let typed = changes
        .iter()
        .find(|c| c.kind == Kind::TypeChanged)
        .unwrap();
    assert_eq!(typed.new, Some(json!("integer (NonZeroU64)")));
    assert_eq!(
        (typed.verdict, typed.surface),
        (Verdict::Breaking, Surface::Api)
    );
}
