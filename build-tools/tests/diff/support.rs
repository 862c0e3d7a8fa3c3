//! Small hand-made documents, and their changes as the command sees them (after the repair).

use build_tools::diff::{Change, Kind, Verdict, diff};
use serde_json::{Value, json};

pub const BODY: &str = "/paths/~1images/post/requestBody/content/application~1json/schema";
pub const OK: &str = "/paths/~1images/post/responses/200/content/application~1json/schema";

/// A minimal OpenAPI document with one operation, `POST /images` (`create_image`), taking
/// `request` as its JSON body and answering 200 with `response`.
pub fn doc(request: Value, response: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/images": {"post": {
            "operationId": "create_image",
            "requestBody": {"content": {"application/json": {"schema": request}}},
            "responses": {"200": {
                "description": "",
                "content": {"application/json": {"schema": response}}
            }}
        }}}
    })
}

pub fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

/// A request with a required prompt and the given extra fields; a response with a required
/// `created` integer and the given extra fields.
pub fn pair(extra_request: Value, extra_response: Value) -> Value {
    let mut request = json!({"prompt": {"type": "string"}});
    let mut response = json!({"created": {"type": "integer"}});
    for (target, extra) in [
        (&mut request, extra_request),
        (&mut response, extra_response),
    ] {
        for (k, v) in extra.as_object().unwrap() {
            target[k] = v.clone();
        }
    }
    doc(object(request, &["prompt"]), object(response, &["created"]))
}

/// Repairs both documents (as the command does) and diffs them.
pub fn changes(old: Value, new: Value) -> Vec<Change> {
    let old = build_tools::repair(old).expect("old repairs").document;
    let new = build_tools::repair(new).expect("new repairs").document;
    diff(&old, &new)
}

/// The only change, with its kind, verdict and pointer checked.
pub fn only(changes: &[Change], kind: Kind, verdict: Verdict, pointer: &str) -> Change {
    assert_eq!(changes.len(), 1, "expected one change, got {changes:#?}");
    let change = changes[0].clone();
    assert_eq!(
        (change.kind, change.verdict, change.pointer.as_str()),
        (kind, verdict, pointer),
        "{change:#?}"
    );
    change
}
