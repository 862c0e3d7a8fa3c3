//! The response's fields, nested ones and those of the error responses: only read by callers,
//! so added ones are compatible.

use build_tools::diff::{Kind, Surface, Verdict};
use serde_json::{Value, json};

use crate::support::*;

#[test]
fn a_changed_response_default_is_breaking_on_the_wire() {
    let count = |default: i64| json!({"count": {"type": "integer", "default": default}});
    let change = only(
        &changes(pair(json!({}), count(1)), pair(json!({}), count(2))),
        Kind::DefaultChanged,
        Verdict::Breaking,
        &format!("{OK}/properties/count/default"),
    );
    assert_eq!(change.surface, Surface::Wire);
}

#[test]
fn response_fields_added_are_compatible_removed_are_breaking() {
    let old = pair(json!({}), json!({}));
    let new = pair(json!({}), json!({"url": {"type": "string"}}));
    only(
        &changes(old.clone(), new.clone()),
        Kind::FieldAdded,
        Verdict::Compatible,
        &format!("{OK}/properties/url"),
    );
    only(
        &changes(new, old.clone()),
        Kind::FieldRemoved,
        Verdict::Breaking,
        &format!("{OK}/properties/url"),
    );

    // Even a required response field is only read, never built, by callers.
    let mut required = pair(json!({}), json!({"id": {"type": "string"}}));
    required["paths"]["/images"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        ["required"] = json!(["created", "id"]);
    only(
        &changes(old, required),
        Kind::FieldAdded,
        Verdict::Compatible,
        &format!("{OK}/properties/id"),
    );
}

#[test]
fn response_field_made_optional_or_retyped_is_breaking() {
    let old = pair(json!({}), json!({}));
    let mut optional = old.clone();
    optional["paths"]["/images"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        ["required"] = json!([]);
    only(
        &changes(old.clone(), optional),
        Kind::FieldMadeOptional,
        Verdict::Breaking,
        &format!("{OK}/properties/created"),
    );

    let retyped = doc(
        object(json!({"prompt": {"type": "string"}}), &["prompt"]),
        object(json!({"created": {"type": "string"}}), &["created"]),
    );
    only(
        &changes(old, retyped),
        Kind::TypeChanged,
        Verdict::Breaking,
        &format!("{OK}/properties/created"),
    );
}

#[test]
fn nested_response_fields_are_compared() {
    let data = |item: Value| json!({"data": {"type": "array", "items": {"type": "object", "properties": item}}});
    let old = pair(json!({}), data(json!({"url": {"type": "string"}})));
    let new = pair(
        json!({}),
        data(json!({"url": {"type": "string"}, "nsfw": {"type": "boolean"}})),
    );
    only(
        &changes(old, new),
        Kind::FieldAdded,
        Verdict::Compatible,
        &format!("{OK}/properties/data/items/properties/nsfw"),
    );
}

#[test]
fn error_schema_changes_are_seen_through_the_error_responses() {
    // The repair declares 4XX/5XX with ErrorBody -> ErrorDetail; a document that declares its
    // own error body is compared like any response.
    let with_error = |detail: Value| {
        let mut d = pair(json!({}), json!({}));
        d["paths"]["/images"]["post"]["responses"]["4XX"] = json!({
            "description": "",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        });
        d["components"] = json!({"schemas": {"Error": object(detail, &["message"])}});
        d
    };
    let old = with_error(json!({"message": {"type": "string"}}));
    let new = with_error(json!({"message": {"type": "string"}, "code": {"type": "integer"}}));
    only(
        &changes(old.clone(), new.clone()),
        Kind::FieldAdded,
        Verdict::Compatible,
        "/components/schemas/Error/properties/code",
    );
    only(
        &changes(new, old),
        Kind::FieldRemoved,
        Verdict::Breaking,
        "/components/schemas/Error/properties/code",
    );
}
