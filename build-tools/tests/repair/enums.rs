//! Malformed string enums: split, trimmed and deduplicated wherever they are, or an error naming
//! their pointer.

use build_tools::{enums, repair};
use serde_json::json;

use crate::support::*;

#[test]
fn already_correct_document_passes_through_without_enum_fixes() {
    let doc = doc_with(json!({"size": {"type": "string", "enum": ["1:1", "16:9"]}}));
    let repaired = repair(doc.clone()).unwrap();
    assert!(fixes_named(&repaired.fixes, enums::FIX).is_empty());
    assert_eq!(
        repaired
            .document
            .pointer(&format!("{BODY}/properties/size")),
        doc.pointer(&format!("{BODY}/properties/size"))
    );
}

#[test]
fn new_malformed_fields_odd_spacing_and_duplicates_are_repaired() {
    let doc = doc_with(json!({
        "style": {"type": "string", "enum": ["photo ,  anime,,", "photo", "\tsketch "], "default": "anime"},
        "quality": {"type": "string", "enum": "low, high"},
        "nested": {"type": "object", "properties": {"mode": {"type": "string", "enum": ["a", "a", "b"]}}}
    }));
    let repaired = repair(doc).unwrap();
    let d = &repaired.document;
    assert_eq!(
        d.pointer(&format!("{BODY}/properties/style/enum")).unwrap(),
        &json!(["photo", "anime", "sketch"])
    );
    assert_eq!(
        d.pointer(&format!("{BODY}/properties/quality/enum"))
            .unwrap(),
        &json!(["low", "high"])
    );
    assert_eq!(
        d.pointer(&format!("{BODY}/properties/nested/properties/mode/enum"))
            .unwrap(),
        &json!(["a", "b"])
    );
    assert_eq!(fixes_named(&repaired.fixes, enums::FIX).len(), 3);
}

#[test]
fn enums_in_parameters_responses_and_components_are_repaired() {
    let mut doc = doc_with(json!({}));
    doc["paths"]["/v1/images/generations"]["post"]["parameters"] = json!([
        {"name": "quality", "in": "query", "schema": {"type": "string", "enum": ["hd, sd"]}}
    ]);
    doc["paths"]["/v1/images/generations"]["post"]["responses"]["200"] = json!({
        "description": "", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"status": {"type": "string", "enum": ["ok ,done"]}}
        }}}
    });
    doc["components"] = json!({"schemas": {"Kind": {"type": "string", "enum": [" x", "y "]}}});
    let repaired = repair(doc).unwrap();
    let pointers: Vec<_> = fixes_named(&repaired.fixes, enums::FIX)
        .iter()
        .map(|f| f.pointer.clone())
        .collect();
    assert_eq!(
        pointers,
        [
            "/components/schemas/Kind/enum",
            "/paths/~1v1~1images~1generations/post/parameters/0/schema/enum",
            "/paths/~1v1~1images~1generations/post/responses/200/content/application~1json/schema/properties/status/enum",
        ]
    );
}

#[test]
fn a_property_named_enum_and_example_data_are_not_mistaken_for_the_keyword() {
    let doc = doc_with(json!({
        "enum": {"type": "string", "description": "a field called enum", "example": {"enum": "a, b"}}
    }));
    let repaired = repair(doc.clone()).unwrap();
    assert!(fixes_named(&repaired.fixes, enums::FIX).is_empty());
}

#[test]
fn default_outside_the_repaired_enum_is_an_error_naming_its_pointer() {
    let doc =
        doc_with(json!({"size": {"type": "string", "enum": ["1:1, 4:3"], "default": "16:9"}}));
    let err = repair(doc).unwrap_err();
    assert_eq!(err.pointer, format!("{BODY}/properties/size/default"));
    assert!(err.reason.contains("\"16:9\""), "{err}");
}

#[test]
fn enums_that_cannot_be_made_sane_are_errors_naming_their_pointer() {
    let empty = doc_with(json!({"size": {"type": "string", "enum": [" , ", ""]}}));
    let err = repair(empty).unwrap_err();
    assert_eq!(err.pointer, format!("{BODY}/properties/size/enum"));

    let mixed = doc_with(json!({"size": {"type": "string", "enum": ["1:1", 3]}}));
    let err = repair(mixed).unwrap_err();
    assert_eq!(err.pointer, format!("{BODY}/properties/size/enum/1"));

    let scalar = doc_with(json!({"size": {"type": "string", "enum": 7}}));
    let err = repair(scalar).unwrap_err();
    assert_eq!(err.pointer, format!("{BODY}/properties/size/enum"));
}

#[test]
fn non_string_enums_are_left_alone() {
    let doc = doc_with(json!({"n": {"type": "integer", "enum": [1, 2, 2]}}));
    let repaired = repair(doc).unwrap();
    assert!(fixes_named(&repaired.fixes, enums::FIX).is_empty());
}
