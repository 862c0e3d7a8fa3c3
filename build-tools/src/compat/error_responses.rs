//! `error-responses`: every operation answers its errors with the documented error body.

use serde_json::{Value, json};

use super::{ERROR_RESPONSES, operations};
use crate::{Fix, RepairError, pointer};

/// Name of the error body schema this repair declares.
pub const ERROR_BODY: &str = "ErrorBody";
/// Name of the schema of the body's `error` member.
pub const ERROR_DETAIL: &str = "ErrorDetail";

/// The documented error body: `{"error": {"code": 401, "message": "...", "type": "...",
/// "param": ...}}`. `param` is any JSON value (seen as `""` and `null`).
fn error_schemas() -> [(&'static str, Value); 2] {
    [
        (
            ERROR_BODY,
            json!({
                "description": "The error body OneRouter documents for failed requests.",
                "type": "object",
                "properties": {"error": {"$ref": format!("#/components/schemas/{ERROR_DETAIL}")}},
                "required": ["error"]
            }),
        ),
        (
            ERROR_DETAIL,
            json!({
                "description": "What went wrong, as the server reports it.",
                "type": "object",
                "properties": {
                    "code": {"type": "integer", "description": "The HTTP status the error stands for."},
                    "message": {"type": "string", "description": "A human-readable explanation."},
                    "type": {"type": "string", "description": "The error's category, such as `content_policy_violation`."},
                    "param": {"description": "The request field at fault, when the server names one."}
                },
                "required": ["code", "message"]
            }),
        ),
    ]
}

/// Upstream declares no error responses, so progenitor returns every failure as an
/// `UnexpectedResponse` with the body unread. Each operation that declares no error response
/// gets `4XX` and `5XX` answers with the documented error body. Both point at one schema:
/// progenitor panics when an operation has more than one error type.
pub fn declare_error_responses(doc: &mut Value, fixes: &mut Vec<Fix>) -> Result<(), RepairError> {
    let mut needing = Vec::new();
    for (at, _, _, operation) in operations(doc)? {
        let declares_errors = operation
            .get("responses")
            .and_then(Value::as_object)
            .is_some_and(|r| r.keys().any(|code| is_error_status(code)));
        if !declares_errors {
            needing.push(at);
        }
    }
    if needing.is_empty() {
        return Ok(());
    }
    for (name, schema) in error_schemas() {
        let at = pointer::child("/components/schemas", name);
        match doc.pointer(&at) {
            Some(existing) if *existing == schema => {}
            Some(_) => {
                return Err(RepairError::new(
                    at,
                    "the document already has a schema of this name that is not the documented error body; rename it",
                ));
            }
            None => {
                let root = doc
                    .as_object_mut()
                    .expect("repair checks the root is an object");
                let components = root.entry("components").or_insert_with(|| json!({}));
                let schemas = components
                    .as_object_mut()
                    .ok_or_else(|| RepairError::new("/components", "expected an object"))?
                    .entry("schemas")
                    .or_insert_with(|| json!({}));
                schemas
                    .as_object_mut()
                    .ok_or_else(|| RepairError::new("/components/schemas", "expected an object"))?
                    .insert(name.to_owned(), schema.clone());
                fixes.push(Fix {
                    fix: ERROR_RESPONSES,
                    pointer: at,
                    old: None,
                    new: Some(schema),
                });
            }
        }
    }
    let response = json!({
        "description": "The documented error body; the HTTP status equals `error.code`.",
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{ERROR_BODY}")}}}
    });
    for at in needing {
        let responses_at = pointer::child(&at, "responses");
        let responses = doc
            .pointer_mut(&at)
            .and_then(Value::as_object_mut)
            .expect("operations() only lists objects")
            .entry("responses")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| RepairError::new(&responses_at, "expected an object"))?;
        for range in ["4XX", "5XX"] {
            responses.insert(range.to_owned(), response.clone());
            fixes.push(Fix {
                fix: ERROR_RESPONSES,
                pointer: pointer::child(&responses_at, range),
                old: None,
                new: Some(response.clone()),
            });
        }
    }
    Ok(())
}

/// Whether a response key (`"404"`, `"4XX"`, `"default"`) stands for errors.
pub(crate) fn is_error_status(code: &str) -> bool {
    code == "default" || code.starts_with('4') || code.starts_with('5')
}
