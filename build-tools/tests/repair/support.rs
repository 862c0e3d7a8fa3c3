//! The frozen upstream document, a hand-made one, and the fixes of one name.

use build_tools::Fix;
use serde_json::{Value, json};

/// A frozen copy of the document as OneRouter published it in 2026-11, with its defects (the
/// comma-joined `size`, `"5,"` and `" 6"`): the tests of the repair stand on it, so a new
/// upstream document in `openapi/` changes none of them.
const FROZEN: &str = include_str!("../fixtures/flux-pro-2026-11.json");
pub const BODY: &str =
    "/paths/~1v1~1images~1generations/post/requestBody/content/application~1json/schema";

pub fn frozen() -> Value {
    serde_json::from_str(FROZEN).unwrap()
}

pub fn fixes_named<'a>(fixes: &'a [Fix], name: &str) -> Vec<&'a Fix> {
    fixes.iter().filter(|f| f.fix == name).collect()
}

/// A minimal 3.0 document with the given request-body properties on one operation.
pub fn doc_with(properties: Value) -> Value {
    doc_with_paths(properties, json!({}))
}

/// [`doc_with`], with the path items of `extra` beside the operation.
pub fn doc_with_paths(properties: Value, extra: Value) -> Value {
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/v1/images/generations": {"post": {
            "operationId": "create_image",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": properties
            }}}},
            "responses": {"200": {"description": ""}, "4XX": {"description": ""}}
        }}}
    });
    for (path, item) in extra.as_object().unwrap() {
        doc["paths"][path] = item.clone();
    }
    doc
}
