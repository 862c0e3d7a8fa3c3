//! The generic enum repair.
//!
//! Upstream writes string enums by hand and gets them wrong in ways that compile silently:
//! `["21:9, 16:9, 4:3"]` (one comma-joined member), `["5,", " 6"]` (a stray comma, a leading
//! space). progenitor either rejects the whole document with a bare `InvalidValue` or, worse,
//! generates variants that send `"5,"` on the wire. Every string enum anywhere in the document
//! is therefore split on commas, trimmed and de-duplicated in order; enums that are already
//! clean are left byte-for-byte alone.

use serde_json::{Map, Value};

use crate::{Fix, RepairError, pointer, walk};

/// Name of this fix in reports.
pub const FIX: &str = "enum-repair";

/// Repairs every string enum in `document`, appending one [`Fix`] per changed enum.
///
/// Errors (with the pointer of the enum or its default) when an enum has no usable member after
/// cleaning, mixes strings with other values in a `type: string` schema, or has a `default`
/// that is not one of its members.
pub fn repair_enums(document: &mut Value, fixes: &mut Vec<Fix>) -> Result<(), RepairError> {
    walk::keyword_objects(document, "", &mut |object, at| {
        repair_one(object, at, fixes)
    })
}

fn repair_one(
    object: &mut Map<String, Value>,
    at: &str,
    fixes: &mut Vec<Fix>,
) -> Result<(), RepairError> {
    let Some(members) = object.get("enum") else {
        return Ok(());
    };
    let enum_at = pointer::child(at, "enum");
    let declared_string = object.get("type").and_then(Value::as_str) == Some("string");
    // OpenAPI 3.0 lets a nullable enum list `null` among its members (it must, for null to be
    // valid); it is kept, last, and the strings are repaired as usual.
    let nullable = object.get("nullable") == Some(&Value::Bool(true));
    let lists_null = nullable && members.as_array().is_some_and(|m| m.contains(&Value::Null));
    let cleaned = match members {
        // `"enum": "a, b"` is the comma-joined mistake without even the array around it.
        Value::String(joined) => clean([joined.as_str()]),
        Value::Array(items)
            if items
                .iter()
                .all(|item| item.is_string() || (nullable && item.is_null())) =>
        {
            clean(items.iter().filter_map(Value::as_str))
        }
        Value::Array(items) => {
            if declared_string {
                let (index, bad) = items
                    .iter()
                    .enumerate()
                    .find(|(_, item)| !item.is_string())
                    .expect("not every item is a string");
                return Err(RepairError::new(
                    pointer::child(&enum_at, &index.to_string()),
                    format!(
                        "enum member {bad} is not a string, but the schema has type \"string\""
                    ),
                ));
            }
            // typify panics on an enum without a `type` whose members are of several JSON
            // types (`[1, "a"]`): say where instead. Typed ones are not ours to judge.
            if object.get("type").is_none() {
                let kinds: Vec<&str> = items
                    .iter()
                    .filter(|item| !item.is_null())
                    .map(json_type)
                    .fold(Vec::new(), |mut kinds, kind| {
                        if !kinds.contains(&kind) {
                            kinds.push(kind);
                        }
                        kinds
                    });
                if kinds.len() > 1 {
                    return Err(RepairError::new(
                        enum_at,
                        format!(
                            "enum {members} mixes {} members and has no `type`, which typify \
                             cannot generate; give the schema one type",
                            kinds.join(" and ")
                        ),
                    ));
                }
            }
            return Ok(());
        }
        other => {
            return Err(RepairError::new(
                enum_at,
                format!("enum must be an array of values, found {other}"),
            ));
        }
    };
    if cleaned.is_empty() {
        return Err(RepairError::new(
            enum_at,
            format!("enum {members} has no usable member once commas and whitespace are removed"),
        ));
    }
    let mut new: Vec<Value> = cleaned.iter().cloned().map(Value::String).collect();
    if lists_null {
        new.push(Value::Null);
    }
    let new = Value::Array(new);
    if let Some(default) = object.get("default") {
        let is_member = (lists_null && default.is_null())
            || default
                .as_str()
                .is_some_and(|d| cleaned.iter().any(|m| m == d));
        if !is_member {
            return Err(RepairError::new(
                pointer::child(at, "default"),
                format!("default {default} is not one of the enum members {new} (after repair)"),
            ));
        }
    }
    if object["enum"] != new {
        let old = object.insert("enum".to_owned(), new.clone());
        fixes.push(Fix {
            fix: FIX,
            pointer: enum_at,
            old,
            new: Some(new),
        });
    }
    Ok(())
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Splits every member on commas, trims the pieces, drops empty ones and repeats, keeping the
/// first occurrence's position.
fn clean<'a>(members: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in members.into_iter().flat_map(|m| m.split(',')) {
        let piece = piece.trim();
        if !piece.is_empty() && !out.iter().any(|seen| seen == piece) {
            out.push(piece.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn clean_splits_trims_and_dedups_in_order() {
        assert_eq!(clean(["b, a", " a ", "c,", ",", "b"]), ["b", "a", "c"]);
        assert!(clean([" , ", ""]).is_empty());
    }
}
