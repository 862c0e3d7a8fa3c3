//! The compatibility fix `request-body-required`: a request body whose schema requires
//! properties is marked `required: true`.
//!
//! Upstream's `POST /v1/images/generations` body requires `model` and `prompt`, but the
//! `requestBody` does not say `required: true`, and OpenAPI's default is `false`: read literally,
//! the document allows a request with no body at all. Schemathesis sends one as valid data, and
//! a request without a prompt cannot be a valid generation. A body whose (local) schema lists
//! `required` properties therefore becomes required; a body whose schema requires nothing, or
//! that already says `required`, is left alone.

use serde_json::Value;

use crate::{Fix, RepairError, pointer};

/// Name of [`require_bodies_with_required_properties`] in reports.
pub const REQUEST_BODY_REQUIRED: &str = "request-body-required";

/// Marks `requestBody` objects `required: true` when their JSON schema requires properties.
pub fn require_bodies_with_required_properties(
    doc: &mut Value,
    fixes: &mut Vec<Fix>,
) -> Result<(), RepairError> {
    let mut found = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let Some(body) = operation.get("requestBody") else {
                continue;
            };
            if body.get("required").is_some() {
                continue;
            }
            let requires = body
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .any(|(_, media)| {
                    let schema = crate::pointer::resolve_ref(doc, media.get("schema"));
                    schema
                        .and_then(|s| s.get("required"))
                        .and_then(Value::as_array)
                        .is_some_and(|r| !r.is_empty())
                });
            if requires {
                let at = pointer::child(&pointer::child("/paths", path), method);
                found.push(pointer::child(&at, "requestBody"));
            }
        }
    }
    for at in found {
        if let Some(Value::Object(body)) = doc.pointer_mut(&at) {
            body.insert("required".to_owned(), Value::Bool(true));
            fixes.push(Fix {
                fix: REQUEST_BODY_REQUIRED,
                pointer: pointer::child(&at, "required"),
                old: None,
                new: Some(Value::Bool(true)),
            });
        }
    }
    Ok(())
}
