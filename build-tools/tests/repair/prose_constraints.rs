//! Ranges stated in descriptions become `minimum`/`maximum` constraints.

use build_tools::{compat, repair};
use serde_json::json;

use crate::support::*;

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
