//! `request-defaults`: request-body defaults left to the server, kept as `x-server-default`.

use serde_json::Value;

use super::{REQUEST_DEFAULTS, SERVER_DEFAULT, operations};
use crate::{Fix, RepairError, pointer};

/// progenitor turns every schema `default` into a plain field that is always serialized, so a
/// request built with only a prompt would also send `size`, `n`, `safety_tolerance`,
/// `output_format`, ... as the document's authors last wrote them, pinning today's defaults
/// into every client and overriding the server's own. Request-body defaults are therefore moved
/// to `x-server-default` (kept for documentation and `build-tools diff`): the fields become
/// optional and are sent only when the caller sets them.
pub fn leave_request_defaults_to_the_server(
    doc: &mut Value,
    fixes: &mut Vec<Fix>,
) -> Result<(), RepairError> {
    let mut schemas = Vec::new();
    for (at, _, _, operation) in operations(doc)? {
        let Some(content) = operation
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
        else {
            continue;
        };
        let content_at = pointer::child(&pointer::child(&at, "requestBody"), "content");
        for (media, body) in content {
            if body.get("schema").is_some() {
                schemas.push(pointer::child(
                    &pointer::child(&content_at, media),
                    "schema",
                ));
            }
        }
    }
    let mut seen = Vec::new();
    while let Some(at) = schemas.pop() {
        if seen.contains(&at) {
            continue;
        }
        seen.push(at.clone());
        let Some(schema) = doc.pointer_mut(&at).and_then(Value::as_object_mut) else {
            continue;
        };
        if let Some(default) = schema.remove("default") {
            schema.insert(SERVER_DEFAULT.to_owned(), default.clone());
            fixes.push(Fix {
                fix: REQUEST_DEFAULTS,
                pointer: pointer::child(&at, "default"),
                old: Some(default),
                new: None,
            });
        }
        if let Some(Value::String(target)) = schema.get("$ref")
            && let Some(local) = target.strip_prefix('#')
        {
            schemas.push(local.to_owned());
        }
        for (key, child) in schema.iter() {
            match (key.as_str(), child) {
                ("properties", Value::Object(properties)) => schemas.extend(
                    properties
                        .keys()
                        .map(|name| pointer::child(&pointer::child(&at, key), name)),
                ),
                ("items" | "additionalProperties" | "not", Value::Object(_)) => {
                    schemas.push(pointer::child(&at, key));
                }
                ("allOf" | "anyOf" | "oneOf", Value::Array(items)) => schemas.extend(
                    (0..items.len())
                        .map(|i| pointer::child(&pointer::child(&at, key), &i.to_string())),
                ),
                _ => {}
            }
        }
    }
    // Report in document order, whatever order the walk found them in.
    let first = fixes
        .iter()
        .position(|f| f.fix == REQUEST_DEFAULTS)
        .unwrap_or(fixes.len());
    fixes[first..].sort_by(|a, b| a.pointer.cmp(&b.pointer));
    Ok(())
}
