//! `openapi-version`: a 3.1 document relabelled 3.0.3, once it is known to use nothing 3.1 added.

use serde_json::Value;

use super::OPENAPI_VERSION;
use crate::{Fix, RepairError, pointer, walk};

/// Upstream labels the document `openapi: 3.1.0`, and progenitor 0.15 accepts only `3.0.x`.
/// The document uses nothing that 3.1 added, so relabelling it `3.0.3` is the whole downgrade;
/// that is checked first, because relabelling a document that does use a 3.1 construct would
/// make progenitor misread it silently.
pub fn relabel_openapi_31_as_30(doc: &mut Value, fixes: &mut Vec<Fix>) -> Result<(), RepairError> {
    let version = match doc.get("openapi") {
        Some(Value::String(v)) => v.clone(),
        Some(other) => {
            return Err(RepairError::new(
                "/openapi",
                format!("expected a version string, found {other}"),
            ));
        }
        None => {
            return Err(RepairError::new(
                "/openapi",
                "missing: not an OpenAPI 3 document",
            ));
        }
    };
    if version.starts_with("3.0.") {
        return Ok(());
    }
    if !version.starts_with("3.1.") {
        return Err(RepairError::new(
            "/openapi",
            format!(
                "version {version:?} is not supported: progenitor reads OpenAPI 3.0.x and this repair can relabel 3.1.x"
            ),
        ));
    }
    if let Some((at, construct)) = first_31_construct(doc)? {
        return Err(RepairError::new(
            at,
            format!(
                "uses {construct}, which exists only in OpenAPI 3.1, so the document cannot be relabelled 3.0.3 for progenitor; rewrite it in 3.0 terms"
            ),
        ));
    }
    let new = Value::String("3.0.3".to_owned());
    let old = doc
        .as_object_mut()
        .expect("repair checks the root is an object")
        .insert("openapi".to_owned(), new.clone());
    fixes.push(Fix {
        fix: OPENAPI_VERSION,
        pointer: "/openapi".to_owned(),
        old,
        new: Some(new),
    });
    Ok(())
}

/// Keywords of JSON Schema 2020-12 that OpenAPI 3.0's schema object does not have.
const SCHEMA_KEYWORDS_31: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$defs",
    "$vocabulary",
    "const",
    "prefixItems",
    "contains",
    "minContains",
    "maxContains",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedItems",
    "unevaluatedProperties",
    "patternProperties",
    "propertyNames",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
];

/// Finds the first construct only OpenAPI 3.1 has, with its pointer.
fn first_31_construct(doc: &mut Value) -> Result<Option<(String, String)>, RepairError> {
    for (at, what) in [
        ("/webhooks", "`webhooks`"),
        ("/jsonSchemaDialect", "`jsonSchemaDialect`"),
        ("/components/pathItems", "`components.pathItems`"),
        ("/info/summary", "`info.summary`"),
        ("/info/license/identifier", "`info.license.identifier`"),
    ] {
        if doc.pointer(at).is_some() {
            return Ok(Some((at.to_owned(), what.to_owned())));
        }
    }
    if doc.get("paths").is_none() {
        return Ok(Some((
            "/paths".to_owned(),
            "a document without `paths`".to_owned(),
        )));
    }
    let mut found = None;
    walk::keyword_objects(doc, "", &mut |object, at| {
        if found.is_some() {
            return Ok(());
        }
        let construct =
            if let Some(key) = SCHEMA_KEYWORDS_31.iter().find(|k| object.contains_key(**k)) {
                Some((pointer::child(at, key), format!("the `{key}` keyword")))
            } else if let Some(Value::Array(_)) = object.get("type") {
                Some((
                    pointer::child(at, "type"),
                    "a list of types (`type: [...]`)".to_owned(),
                ))
            } else if object.get("type").and_then(Value::as_str) == Some("null") {
                Some((pointer::child(at, "type"), "`type: \"null\"`".to_owned()))
            } else if let Some(Value::Array(_)) = object.get("examples") {
                Some((
                    pointer::child(at, "examples"),
                    "a schema `examples` list".to_owned(),
                ))
            } else {
                ["exclusiveMinimum", "exclusiveMaximum"]
                    .into_iter()
                    .find(|k| object.get(*k).is_some_and(Value::is_number))
                    .map(|k| (pointer::child(at, k), format!("a numeric `{k}`")))
            };
        found = construct;
        Ok(())
    })?;
    Ok(found)
}
