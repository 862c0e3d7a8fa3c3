//! Operations progenitor 0.15 cannot generate are left out, so one new endpoint upstream adds
//! (a `multipart/form-data` image edit, a cookie parameter, two success bodies) costs that
//! endpoint only, not the whole client.
//!
//! progenitor stops the whole generation on such an operation, often without saying which one
//! (`unexpected content type: multipart/form-data`), and for some it panics (`todo!`) or writes
//! code that does not compile. [`leave_out_unsupported_operations`] removes each one before
//! generation and records why in the path item's [`NOT_GENERATED`] extension, which the build
//! turns into a warning and `build-tools diff` into an `operation-not-generated` change.
//!
//! An operation the hand-written layer calls ([`crate::compat::KNOWN_OPERATION_IDS`]) cannot be
//! left out: the document is refused with the operation's pointer and the reason instead.

use std::fmt;

use serde_json::{Map, Value};

use crate::compat::{KNOWN_OPERATION_IDS, derive_operation_id};
use crate::{Fix, RepairError, pointer};

mod reasons;

use crate::walk::METHODS;
use reasons::why_not_generated;

/// Name of this repair in reports.
pub const FIX: &str = "unsupported-operation";

/// The path-item extension that records, per method, why an operation was left out:
/// `"x-not-generated": {"post": "its request body is multipart/form-data, ..."}`.
pub const NOT_GENERATED: &str = "x-not-generated";

/// An operation the repair left out of the generated client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// JSON pointer of the operation in the document (`/paths/~1v1~1images~1edits/post`).
    pub pointer: String,
    /// HTTP method, lower case.
    pub method: String,
    /// The path template.
    pub path: String,
    /// Why progenitor cannot generate it.
    pub reason: String,
}

impl fmt::Display for LeftOut {
    /// `POST /v1/images/edits (/paths/~1v1~1images~1edits/post) is not generated: reason`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}) is not generated: {}",
            self.method.to_ascii_uppercase(),
            self.path,
            self.pointer,
            self.reason
        )
    }
}

/// The operations a repaired document records as left out, in path then method order.
pub fn left_out(repaired: &Value) -> Vec<LeftOut> {
    let Some(paths) = repaired.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, item) in paths {
        let Some(marks) = item.get(NOT_GENERATED).and_then(Value::as_object) else {
            continue;
        };
        for (method, reason) in marks {
            out.push(LeftOut {
                pointer: pointer::child(&pointer::child("/paths", path), method),
                method: method.clone(),
                path: path.clone(),
                reason: reason.as_str().unwrap_or_default().to_owned(),
            });
        }
    }
    out
}

/// Removes every operation progenitor 0.15 cannot generate, reporting the removed operation
/// (old value) and the recorded reason (new value under [`NOT_GENERATED`]).
///
/// Errors when such an operation is one the hand-written layer calls (`create_image`).
pub fn leave_out_unsupported_operations(
    doc: &mut Value,
    fixes: &mut Vec<Fix>,
) -> Result<(), RepairError> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(());
    };
    let mut doomed = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for method in METHODS {
            let Some(operation @ Value::Object(_)) = item.get(*method) else {
                continue;
            };
            let at = pointer::child(&pointer::child("/paths", path), method);
            if let Some(reason) = why_not_generated(doc, path, item, operation) {
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map_or_else(|| derive_operation_id(method, path), str::to_owned);
                if KNOWN_OPERATION_IDS.iter().any(|(_, _, known)| *known == id) {
                    return Err(RepairError::new(
                        at,
                        format!(
                            "{reason}; the crate's hand-written layer calls this operation \
                             ({id}), so it cannot be left out"
                        ),
                    ));
                }
                doomed.push((path.clone(), *method, at, reason));
            }
        }
    }
    for (path, method, at, reason) in doomed {
        let item = doc
            .pointer_mut(&pointer::child("/paths", &path))
            .and_then(Value::as_object_mut)
            .expect("the path item was read above");
        let old = item.remove(method);
        fixes.push(Fix {
            fix: FIX,
            pointer: at,
            old,
            new: None,
        });
        let marks = item
            .entry(NOT_GENERATED)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(marks) = marks {
            marks.insert(method.to_owned(), Value::String(reason.clone()));
        }
        fixes.push(Fix {
            fix: FIX,
            pointer: pointer::child(
                &pointer::child(&pointer::child("/paths", &path), NOT_GENERATED),
                method,
            ),
            old: None,
            new: Some(Value::String(reason)),
        });
    }
    Ok(())
}
