//! Operations: derived and duplicate operation ids, and the error responses each gets.

use build_tools::{compat, repair};
use serde_json::json;

use crate::support::*;

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
fn a_document_that_already_declares_errors_keeps_its_own() {
    let doc = doc_with(json!({}));
    let repaired = repair(doc).unwrap();
    assert!(fixes_named(&repaired.fixes, compat::ERROR_RESPONSES).is_empty());
    assert!(repaired.unused.contains(&compat::ERROR_RESPONSES));
}
