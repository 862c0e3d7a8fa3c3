//! Whole documents: the frozen 2026-11 copy gets every fix, and the committed patched copy is
//! the repair of the stored document.

use build_tools::{compat, enums, repair, to_canonical_json};
use serde_json::{Value, json};

use crate::support::*;

/// The live document and its committed repaired copy, whatever they hold.
const STORED: &str = include_str!("../../../openapi/flux-pro.json");
const PATCHED: &str = include_str!("../../../openapi/flux-pro.patched.json");

fn stored() -> Value {
    serde_json::from_str(STORED).unwrap()
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
