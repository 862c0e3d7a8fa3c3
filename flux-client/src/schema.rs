//! The request body's JSON Schema ([`GenerateRequest::json_schema`]), from the generated types
//! through schemars, with what the derive does not carry added from the document's field table.
//!
//! For a language model that calls the generator as a tool (async-openai's and rig's function
//! calling take a schemars schema), and for editors checking `flux batch` files.
//!
//! [`GenerateRequest::json_schema`]: crate::GenerateRequest::json_schema

use serde_json::{Map, Value, json};

use crate::fields::{REQUEST_FIELDS, RequestField};
use crate::types::CreateImageBody;

/// The schema of the body [`GenerateRequest::send`](crate::GenerateRequest::send) puts on the
/// wire: `schemars::schema_for!(CreateImageBody)` (draft 2020-12; the document's descriptions
/// and enums, which the generated types carry), with two changes for the wire: an optional
/// field is left out rather than sent as `null`, so `null` is not offered; and each field's
/// `minimum`/`maximum` from the document is stated (the derive states only what the Rust type
/// implies, such as `minimum: 1` for a `NonZeroU64`).
pub(crate) fn request_body() -> Value {
    let schema = schemars::schema_for!(CreateImageBody);
    let mut schema = schema.to_value();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in properties.iter_mut() {
            remove_null(property);
            if let Some(field) = REQUEST_FIELDS.iter().find(|f| f.name == name) {
                add_range(property, field);
            }
        }
    }
    schema
}

/// The schema of a `flux batch` line ([`FluxClient::generate_json`](crate::FluxClient)): the
/// body's, where `model` may be left out (the client's model is used), plus `extra`, an
/// object of fields the document does not declare, sent as they are.
pub(crate) fn batch_line() -> Value {
    let mut schema = request_body();
    if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
        required.retain(|name| name != "model");
    }
    if let Some(title) = schema.get_mut("title") {
        *title = Value::from("flux batch line");
    }
    let declares_extra = REQUEST_FIELDS.iter().any(|f| f.name == EXTRA_KEY);
    if let (false, Some(properties)) = (
        declares_extra,
        schema.get_mut("properties").and_then(Value::as_object_mut),
    ) {
        properties.insert(
            EXTRA_KEY.to_owned(),
            json!({
                "type": "object",
                "description": "Fields the API document does not declare, sent in the body \
                                as they are (each must not be a declared field)."
            }),
        );
    }
    schema
}

/// The key of a JSON request (a batch line) that holds undeclared fields, unless the document
/// declares a field of that name.
pub(crate) const EXTRA_KEY: &str = "extra";

/// `{"type": ["integer", "null"]}` → `{"type": "integer"}`; `{"anyOf": [X, {"type": "null"}]}`
/// → X (with the property's own keys, such as its description, kept).
fn remove_null(property: &mut Value) {
    let Some(object) = property.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".to_owned(), only);
        }
    }
    if let Some(Value::Array(branches)) = object.get("anyOf") {
        let kept: Vec<Value> = branches
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
            .cloned()
            .collect();
        if let [only] = kept.as_slice() {
            let only = only.clone();
            object.remove("anyOf");
            if let Value::Object(members) = only {
                for (key, value) in members {
                    object.entry(key).or_insert(value);
                }
            }
        }
    }
    if let Some(Value::Array(members)) = object.get_mut("enum") {
        members.retain(|m| !m.is_null());
    }
}

fn add_range(property: &mut Value, field: &RequestField) {
    let Some(object) = property.as_object_mut() else {
        return;
    };
    let set = |key: &str, bound: Option<f64>, object: &mut Map<String, Value>| {
        if let Some(number) = bound.and_then(|b| bound_value(b, field)) {
            object.insert(key.to_owned(), number);
        }
    };
    set("minimum", field.minimum, object);
    set("maximum", field.maximum, object);
}

/// A bound as JSON: an integer for an integer field (`1`, not `1.0`).
fn bound_value(bound: f64, field: &RequestField) -> Option<Value> {
    if field.wire_type == crate::fields::WireType::Integer && bound.fract() == 0.0 {
        #[allow(clippy::cast_possible_truncation)]
        return Some(Value::from(bound as i64));
    }
    serde_json::Number::from_f64(bound).map(Value::Number)
}
