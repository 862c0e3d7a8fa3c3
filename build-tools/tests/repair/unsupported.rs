//! What the repair refuses: OpenAPI 3.1 constructs, other versions, non-documents.

use build_tools::{repair, repair_str};
use serde_json::json;

use crate::support::*;

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
