//! The repair on the stored document and on hand-made malformed ones.

use build_tools::{Fix, compat, enums, repair, repair_str, to_canonical_json};
use serde_json::{Value, json};

/// A frozen copy of the document as OneRouter published it in 2026-11, with its defects (the
/// comma-joined `size`, `"5,"` and `" 6"`): the tests of the repair stand on it, so a new
/// upstream document in `openapi/` changes none of them.
const FROZEN: &str = include_str!("fixtures/flux-pro-2026-11.json");
/// The live document and its committed repaired copy, whatever they hold.
const STORED: &str = include_str!("../../openapi/flux-pro.json");
const PATCHED: &str = include_str!("../../openapi/flux-pro.patched.json");
const BODY: &str =
    "/paths/~1v1~1images~1generations/post/requestBody/content/application~1json/schema";

fn frozen() -> Value {
    serde_json::from_str(FROZEN).unwrap()
}

fn stored() -> Value {
    serde_json::from_str(STORED).unwrap()
}

fn fixes_named<'a>(fixes: &'a [Fix], name: &str) -> Vec<&'a Fix> {
    fixes.iter().filter(|f| f.fix == name).collect()
}

#[test]
fn frozen_document_enums_become_the_nine_ratios_and_six_tolerances() {
    let repaired = repair(frozen()).unwrap();
    let doc = &repaired.document;
    assert_eq!(
        doc.pointer(&format!("{BODY}/properties/size/enum"))
            .unwrap(),
        &json!([
            "21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21"
        ])
    );
    assert_eq!(
        doc.pointer(&format!("{BODY}/properties/safety_tolerance/enum"))
            .unwrap(),
        &json!(["1", "2", "3", "4", "5", "6"])
    );
    let enum_fixes = fixes_named(&repaired.fixes, enums::FIX);
    assert_eq!(enum_fixes.len(), 2, "{enum_fixes:#?}");
    assert_eq!(
        enum_fixes[0].pointer,
        format!("{BODY}/properties/safety_tolerance/enum")
    );
    assert_eq!(
        enum_fixes[0].old,
        Some(json!(["1", "2", "3", "4", "5,", " 6"]))
    );
}

#[test]
fn frozen_document_gets_every_compatibility_fix() {
    let repaired = repair(frozen()).unwrap();
    assert!(repaired.unused.is_empty(), "{:?}", repaired.unused);
    let doc = &repaired.document;
    assert_eq!(doc["openapi"], "3.0.3");
    let op = doc
        .pointer("/paths/~1v1~1images~1generations/post")
        .unwrap();
    assert_eq!(op["operationId"], "create_image");
    assert!(
        op.get("parameters").is_none(),
        "Authorization parameter left: {op}"
    );
    assert_eq!(
        op["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    assert_eq!(op["responses"]["4XX"], op["responses"]["5XX"]);
    assert_eq!(
        doc.pointer(&format!("{BODY}/properties/output_format/enum"))
            .unwrap(),
        &json!(["url", "b64_json"])
    );
    // Defaults are left to the server but kept for documentation.
    let size = doc.pointer(&format!("{BODY}/properties/size")).unwrap();
    assert!(size.get("default").is_none());
    assert_eq!(size[compat::SERVER_DEFAULT], "16:9");
    let defaults = fixes_named(&repaired.fixes, compat::REQUEST_DEFAULTS);
    let moved: Vec<_> = defaults
        .iter()
        .map(|f| f.pointer.rsplit('/').nth(1).unwrap())
        .collect();
    assert_eq!(
        moved,
        [
            "enable_safety_checker",
            "image_prompt_strength",
            "n",
            "output_format",
            "safety_tolerance",
            "size"
        ]
    );
}

#[test]
fn committed_patched_copy_is_the_repair_of_the_stored_document() {
    assert_eq!(
        to_canonical_json(&repair(stored()).unwrap().document),
        PATCHED
    );
}

#[test]
fn repair_is_idempotent() {
    let once = repair(stored()).unwrap().document;
    let twice = repair(once.clone()).unwrap();
    assert_eq!(twice.document, once);
    assert!(twice.fixes.is_empty(), "{:#?}", twice.fixes);
}

#[test]
fn fix_report_lines_name_pointer_old_and_new() {
    let repaired = repair(frozen()).unwrap();
    let line = repaired
        .fixes
        .iter()
        .find(|f| f.fix == enums::FIX)
        .unwrap()
        .to_string();
    assert_eq!(
        line,
        format!(
            r#"enum-repair {BODY}/properties/safety_tolerance/enum: ["1","2","3","4","5,"," 6"] -> ["1","2","3","4","5","6"]"#
        )
    );
}

/// A minimal 3.0 document with the given request-body properties on one operation.
fn doc_with(properties: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/v1/images/generations": {"post": {
            "operationId": "create_image",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": properties
            }}}},
            "responses": {"200": {"description": ""}, "4XX": {"description": ""}}
        }}}
    })
}

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

#[test]
fn a_second_operation_gets_a_stable_derived_operation_id_and_error_responses() {
    let mut doc = frozen();
    doc["paths"]["/v1/images/{image_id}"] = json!({"get": {
        "parameters": [
            {"name": "Authorization", "in": "header", "required": true, "schema": {"type": "string"}},
            {"name": "image_id", "in": "path", "required": true, "schema": {"type": "string"}}
        ],
        "responses": {"200": {"description": ""}}
    }});
    let repaired = repair(doc).unwrap();
    let op = &repaired.document["paths"]["/v1/images/{image_id}"]["get"];
    assert_eq!(op["operationId"], "get_v1_images_by_image_id");
    assert_eq!(op["parameters"].as_array().unwrap().len(), 1);
    assert_eq!(op["parameters"][0]["name"], "image_id");
    assert!(op["responses"].get("4XX").is_some());
    let ids = fixes_named(&repaired.fixes, compat::OPERATION_ID);
    assert_eq!(ids.len(), 2);
}

#[test]
fn derived_operation_ids_are_snake_case_words_of_method_and_path() {
    assert_eq!(
        compat::derive_operation_id("post", "/v1/images/generations"),
        "create_image"
    );
    assert_eq!(
        compat::derive_operation_id("DELETE", "/v1/images/{image-id}/tags.json"),
        "delete_v1_images_by_image_id_tags_json"
    );
}

#[test]
fn duplicate_operation_ids_are_errors() {
    let mut doc = doc_with(json!({}));
    doc["paths"]["/other"] = json!({"get": {"operationId": "create_image", "responses": {}}});
    let err = repair(doc).unwrap_err();
    assert_eq!(
        err.pointer,
        "/paths/~1v1~1images~1generations/post/operationId"
    );
    assert!(err.reason.contains("/paths/~1other/get"), "{err}");
}

#[test]
fn openapi_31_constructs_stop_the_relabelling_with_their_pointer() {
    let mut doc = frozen();
    doc["paths"]["/v1/images/generations"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"]["seed"]["type"] = json!(["integer", "null"]);
    let err = repair(doc).unwrap_err();
    assert_eq!(err.pointer, format!("{BODY}/properties/seed/type"));
    assert!(err.reason.contains("3.1"), "{err}");

    let mut doc = frozen();
    doc["webhooks"] = json!({});
    assert_eq!(repair(doc).unwrap_err().pointer, "/webhooks");

    let mut doc = frozen();
    doc["components"] = json!({"schemas": {"X": {"const": "a"}}});
    assert_eq!(
        repair(doc).unwrap_err().pointer,
        "/components/schemas/X/const"
    );
}

#[test]
fn unsupported_versions_and_non_documents_are_errors() {
    let mut doc = frozen();
    doc["openapi"] = json!("2.0");
    assert_eq!(repair(doc).unwrap_err().pointer, "/openapi");
    assert_eq!(repair(json!([1, 2])).unwrap_err().pointer, "");
    let err = repair_str("{\"openapi\": ").unwrap_err();
    assert!(err.reason.contains("line 1"), "{err}");
}

#[test]
fn a_document_that_already_declares_errors_keeps_its_own() {
    let doc = doc_with(json!({}));
    let repaired = repair(doc).unwrap();
    assert!(fixes_named(&repaired.fixes, compat::ERROR_RESPONSES).is_empty());
    assert!(repaired.unused.contains(&compat::ERROR_RESPONSES));
}

mod never_panics {
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    fn json_value() -> impl Strategy<Value = Value> {
        let key = prop_oneof![
            Just("enum".to_owned()),
            Just("default".to_owned()),
            Just("type".to_owned()),
            Just("properties".to_owned()),
            Just("paths".to_owned()),
            Just("openapi".to_owned()),
            Just("parameters".to_owned()),
            Just("responses".to_owned()),
            Just("requestBody".to_owned()),
            Just("post".to_owned()),
            Just("$ref".to_owned()),
            "[a-z/{}~ ]{0,6}",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            Just(Value::from("3.1.0")),
            Just(Value::from("string")),
            "[a-z0-9:, ]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn repair_returns_instead_of_panicking(doc in json_value()) {
            if let Ok(repaired) = build_tools::repair(doc) {
                // Whatever it accepted, it accepts again unchanged.
                let again = build_tools::repair(repaired.document.clone()).unwrap();
                prop_assert_eq!(again.document, repaired.document);
            }
        }
    }
}

#[test]
fn frozen_document_prose_ranges_become_constraints() {
    let repaired = repair(frozen()).unwrap();
    let doc = &repaired.document;
    let strength = doc
        .pointer(&format!("{BODY}/properties/image_prompt_strength"))
        .unwrap();
    assert_eq!(
        (&strength["minimum"], &strength["maximum"]),
        (&json!(0), &json!(1))
    );
    let n = doc.pointer(&format!("{BODY}/properties/n")).unwrap();
    assert_eq!(n["minimum"], json!(1));
    assert!(n.get("maximum").is_none(), "nothing states a maximum for n");
    let seed = doc.pointer(&format!("{BODY}/properties/seed")).unwrap();
    assert!(seed.get("minimum").is_none() && seed.get("maximum").is_none());
    let lines: Vec<String> = fixes_named(&repaired.fixes, compat::PROSE_CONSTRAINTS)
        .iter()
        .map(|f| f.to_string())
        .collect();
    assert_eq!(
        lines,
        [
            format!(
                "prose-constraints {BODY}/properties/image_prompt_strength/minimum: (absent) -> 0"
            ),
            format!(
                "prose-constraints {BODY}/properties/image_prompt_strength/maximum: (absent) -> 1"
            ),
            format!("prose-constraints {BODY}/properties/n/minimum: (absent) -> 1"),
        ]
    );
}

#[test]
fn a_new_field_whose_description_states_a_range_gets_it_as_constraints() {
    let mut doc = frozen();
    doc["paths"]["/v1/images/generations"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"]["guidance"] = json!({
        "type": "number",
        "description": "How closely to follow the prompt, from 1.5 to 5. Default value: `3`",
        "default": 3
    });
    let repaired = repair(doc).unwrap();
    let guidance = repaired
        .document
        .pointer(&format!("{BODY}/properties/guidance"))
        .unwrap();
    assert_eq!(guidance["minimum"], json!(1.5));
    assert_eq!(guidance["maximum"], json!(5));
}

#[test]
fn prose_constraints_that_changed_nothing_are_reported_unused() {
    let once = repair(frozen()).unwrap().document;
    let twice = repair(once).unwrap();
    assert!(
        twice.unused.contains(&compat::PROSE_CONSTRAINTS),
        "{:?}",
        twice.unused
    );
}

#[test]
fn a_body_whose_schema_requires_fields_is_required() {
    let repaired = repair(frozen()).unwrap();
    assert_eq!(
        repaired.document["paths"]["/v1/images/generations"]["post"]["requestBody"]["required"],
        json!(true)
    );
    let fixes = fixes_named(&repaired.fixes, compat::REQUEST_BODY_REQUIRED);
    assert_eq!(fixes.len(), 1);
    assert_eq!(
        fixes[0].pointer,
        "/paths/~1v1~1images~1generations/post/requestBody/required"
    );
    // A body that says it is optional is left as it says.
    let mut doc = frozen();
    doc["paths"]["/v1/images/generations"]["post"]["requestBody"]["required"] = json!(false);
    let repaired = repair(doc).unwrap();
    assert!(repaired.unused.contains(&compat::REQUEST_BODY_REQUIRED));
}
