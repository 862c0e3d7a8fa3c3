//! `operation-id`: every operation gets a stable `operationId`, which names its generated method.

use serde_json::Value;

use super::{OPERATION_ID, operations};
use crate::{Fix, RepairError, pointer};

/// The operation id this project's one endpoint must have: it names the generated method
/// (`create_image`) and the derived types (`CreateImageBody`, `CreateImageResponse`).
pub const KNOWN_OPERATION_IDS: &[(&str, &str, &str)] =
    &[("post", "/v1/images/generations", "create_image")];
/// Upstream gives its operation no `operationId`, and progenitor refuses an operation without
/// one. The id names the generated method and types, so it must be stable: the known endpoint
/// gets `create_image`, any other one an id derived from its method and path
/// (`GET /v1/images/{id}` gives `get_v1_images_by_id`).
pub fn add_missing_operation_ids(doc: &mut Value, fixes: &mut Vec<Fix>) -> Result<(), RepairError> {
    let mut taken: Vec<(String, String)> = Vec::new();
    let mut missing = Vec::new();
    for (at, method, path, operation) in operations(doc)? {
        match operation.get("operationId") {
            Some(Value::String(id)) => {
                if let Some((other, _)) = taken.iter().find(|(_, t)| t == id) {
                    return Err(RepairError::new(
                        pointer::child(&at, "operationId"),
                        format!("operationId {id:?} is also used at {other}"),
                    ));
                }
                taken.push((at, id.clone()));
            }
            Some(other) => {
                return Err(RepairError::new(
                    pointer::child(&at, "operationId"),
                    format!("expected a string, found {other}"),
                ));
            }
            None => missing.push((at, derive_operation_id(&method, &path))),
        }
    }
    for (at, id) in missing {
        if let Some((other, _)) = taken.iter().find(|(_, t)| *t == id) {
            return Err(RepairError::new(
                at,
                format!(
                    "the derived operationId {id:?} is already used at {other}; give this operation an operationId"
                ),
            ));
        }
        let new = Value::String(id.clone());
        doc.pointer_mut(&at)
            .and_then(Value::as_object_mut)
            .expect("operations() only lists objects")
            .insert("operationId".to_owned(), new.clone());
        fixes.push(Fix {
            fix: OPERATION_ID,
            pointer: pointer::child(&at, "operationId"),
            old: None,
            new: Some(new),
        });
        taken.push((at, id));
    }
    Ok(())
}

/// The id for an operation without one: the known table first, else `method_path_words`.
pub fn derive_operation_id(method: &str, path: &str) -> String {
    if let Some((_, _, id)) = KNOWN_OPERATION_IDS
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
    {
        return (*id).to_owned();
    }
    let mut words = vec![method.to_ascii_lowercase()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let (prefix, name) = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => ("by_", param),
            None => ("", segment),
        };
        let word: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let word = word
            .split('_')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        if !word.is_empty() {
            words.push(format!("{prefix}{word}"));
        }
    }
    words.join("_")
}
