//! `authorization-header`: the key is the client's default header, not an argument of every call.

use serde_json::{Map, Value};

use super::AUTHORIZATION_HEADER;
use crate::walk::METHODS;
use crate::{Fix, RepairError, pointer};

/// Upstream declares `Authorization` as a required header parameter of every operation, so
/// progenitor would make the key an argument of every call. The client sets it once, as a
/// sensitive default header, so the parameter is removed from operations and path items.
pub fn remove_authorization_header_parameters(
    doc: &mut Value,
    fixes: &mut Vec<Fix>,
) -> Result<(), RepairError> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let item_at = pointer::child("/paths", path);
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        remove_authorization(item, &item_at, fixes);
        for method in METHODS {
            if let Some(Value::Object(operation)) = item.get_mut(*method) {
                remove_authorization(operation, &pointer::child(&item_at, method), fixes);
            }
        }
    }
    Ok(())
}

fn remove_authorization(holder: &mut Map<String, Value>, at: &str, fixes: &mut Vec<Fix>) {
    let Some(Value::Array(parameters)) = holder.get_mut("parameters") else {
        return;
    };
    let is_authorization = |p: &Value| {
        p.get("in").and_then(Value::as_str) == Some("header")
            && p.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
    };
    // Walk backwards so the reported indexes are those of the document as it was.
    for index in (0..parameters.len()).rev() {
        if is_authorization(&parameters[index]) {
            let old = parameters.remove(index);
            fixes.push(Fix {
                fix: AUTHORIZATION_HEADER,
                pointer: pointer::child(&pointer::child(at, "parameters"), &index.to_string()),
                old: Some(old),
                new: None,
            });
        }
    }
    if parameters.is_empty() {
        holder.remove("parameters");
    }
}
