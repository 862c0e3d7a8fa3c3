//! The generated types against the repaired document: names, enum values, and what a minimal
//! request puts on the wire.

use flux_client::types::{AspectRatio, CreateImageBody, OutputFormat, SafetyTolerance};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const PATCHED: &str = include_str!("../../../openapi/flux-pro.patched.json");

fn request_property(name: &str) -> Value {
    let doc: Value = serde_json::from_str(PATCHED).unwrap();
    doc.pointer(&format!(
        "/paths/~1v1~1images~1generations/post/requestBody/content/application~1json/schema/properties/{name}"
    ))
    .unwrap_or_else(|| panic!("no request property {name}"))
    .clone()
}

/// Every value the repaired document lists parses, serializes and displays exactly as listed,
/// and the type's own schema lists the same values in the same order: the generated enum is the
/// document's, whatever values it holds.
fn assert_enum_matches_document<T>(property: &str)
where
    T: Serialize + DeserializeOwned + std::fmt::Display + std::str::FromStr + schemars::JsonSchema,
    <T as std::str::FromStr>::Err: std::fmt::Debug,
{
    let listed = request_property(property)["enum"].clone();
    let values = listed.as_array().expect("an enum");
    assert!(!values.is_empty(), "{property} lists no value");
    for value in values {
        let value = value.as_str().unwrap();
        assert_eq!(
            value,
            value.trim(),
            "the repair trims {property}'s {value:?}"
        );
        let parsed: T = value.parse().unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), json!(value));
        assert_eq!(parsed.to_string(), value);
        let decoded: T = serde_json::from_value(json!(value)).unwrap();
        assert_eq!(serde_json::to_value(decoded).unwrap(), json!(value));
    }
    let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap();
    assert_eq!(
        schema["enum"], listed,
        "generated {property} type's variants"
    );
    let table = flux_client::fields::field(property).unwrap().values;
    assert_eq!(json!(table), listed, "the field table's {property} values");
}

#[test]
fn the_client_was_generated_from_the_committed_patched_document() {
    assert!(
        flux_client::REPAIRED_DOCUMENT == PATCHED,
        "openapi/flux-pro.patched.json is stale: cargo run -p flux-client-build -- patch openapi/flux-pro.json --out openapi/flux-pro.patched.json"
    );
}

#[test]
fn aspect_ratio_has_exactly_the_documents_ratios() {
    assert_enum_matches_document::<AspectRatio>("size");
}

#[test]
fn safety_tolerance_has_exactly_the_documents_levels() {
    assert_enum_matches_document::<SafetyTolerance>("safety_tolerance");
}

#[test]
fn output_format_has_exactly_the_documents_formats() {
    assert_enum_matches_document::<OutputFormat>("output_format");
}

#[test]
fn the_field_table_is_the_documents_request_body() {
    let doc: Value = serde_json::from_str(PATCHED).unwrap();
    let schema = doc
        .pointer(
            "/paths/~1v1~1images~1generations/post/requestBody/content/application~1json/schema",
        )
        .unwrap();
    let properties = schema["properties"].as_object().unwrap();
    let names: Vec<&str> = flux_client::fields::REQUEST_FIELDS
        .iter()
        .map(|f| f.name)
        .collect();
    let documented: Vec<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(names, documented);
    for field in flux_client::fields::REQUEST_FIELDS {
        let property = &properties[field.name];
        assert_eq!(
            field.minimum,
            property["minimum"].as_f64(),
            "{}",
            field.name
        );
        assert_eq!(
            field.maximum,
            property["maximum"].as_f64(),
            "{}",
            field.name
        );
        assert_eq!(
            field
                .server_default
                .map(|d| serde_json::from_str::<Value>(d).unwrap()),
            property.get("x-server-default").cloned(),
            "{}",
            field.name
        );
        // Members of any type (an integer enum's too), as they go on the wire.
        let members: Vec<Value> = field.values.iter().map(|v| field.wire_value(v)).collect();
        let listed = property.get("enum").cloned().unwrap_or(json!([]));
        assert_eq!(json!(members), listed, "{}'s values", field.name);
    }
    assert_eq!(
        flux_client::DEFAULT_BASE_URL,
        doc["servers"][0]["url"]
            .as_str()
            .unwrap()
            .trim_end_matches('/')
    );
}

#[test]
fn malformed_values_from_the_upstream_document_are_rejected() {
    for bad in ["5,", " 6", "16:9 ", "21:9, 16:9"] {
        assert!(bad.parse::<SafetyTolerance>().is_err(), "{bad:?}");
        assert!(bad.parse::<AspectRatio>().is_err(), "{bad:?}");
        assert!(
            serde_json::from_value::<SafetyTolerance>(json!(bad)).is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn a_request_with_only_model_and_prompt_sends_only_model_and_prompt() {
    let body: CreateImageBody = CreateImageBody::builder()
        .model("flux-pro-v1.1-ultra-text-to-image")
        .prompt("a red fox")
        .try_into()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"model": "flux-pro-v1.1-ultra-text-to-image", "prompt": "a red fox"})
    );
}

#[test]
fn chosen_fields_are_sent_with_the_documented_spelling() {
    // The first value of every enum the document lists, and plain values for the rest.
    let first = |field: &str| flux_client::fields::field(field).unwrap().values[0];
    let sent = json!({"model": "m", "prompt": "p", "size": first("size"),
                      "safety_tolerance": first("safety_tolerance"),
                      "output_format": first("output_format"), "n": 2, "seed": 7});
    let body: CreateImageBody = serde_json::from_value(sent.clone()).unwrap();
    assert_eq!(serde_json::to_value(&body).unwrap(), sent);
    assert_eq!(
        body.size,
        Some(first("size").parse::<AspectRatio>().unwrap())
    );
}

#[test]
fn model_and_prompt_are_required_by_the_builder() {
    let missing: Result<CreateImageBody, _> = CreateImageBody::builder().model("m").try_into();
    let err = missing.unwrap_err().to_string();
    assert!(err.contains("prompt"), "{err}");
}

#[test]
fn the_documented_error_body_decodes_with_string_or_null_param() {
    for param in [json!(""), Value::Null, json!("size")] {
        let body: flux_client::types::ErrorBody = serde_json::from_value(json!({
            "error": {"code": 403, "message": "blocked", "type": "moderation", "param": param}
        }))
        .unwrap();
        assert_eq!(body.error.code, 403);
        assert_eq!(body.error.message, "blocked");
    }
}
