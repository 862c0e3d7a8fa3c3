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

/// Every value the document lists parses, serializes and displays exactly as listed, and the
/// type's own schema lists the same values in the same order.
fn assert_enum_matches_document<T>(property: &str, expected: &[&str])
where
    T: Serialize + DeserializeOwned + std::fmt::Display + std::str::FromStr + schemars::JsonSchema,
    <T as std::str::FromStr>::Err: std::fmt::Debug,
{
    let listed = request_property(property)["enum"].clone();
    assert_eq!(listed, json!(expected), "document's {property} enum");
    for value in expected {
        let parsed: T = value.parse().unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), json!(value));
        assert_eq!(parsed.to_string(), *value);
        let decoded: T = serde_json::from_value(json!(value)).unwrap();
        assert_eq!(serde_json::to_value(decoded).unwrap(), json!(value));
    }
    let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap();
    assert_eq!(
        schema["enum"], listed,
        "generated {property} type's variants"
    );
}

#[test]
fn the_client_was_generated_from_the_committed_patched_document() {
    assert!(
        flux_client::REPAIRED_DOCUMENT == PATCHED,
        "openapi/flux-pro.patched.json is stale: cargo run -p flux-client-build -- patch openapi/flux-pro.json --out openapi/flux-pro.patched.json"
    );
}

#[test]
fn aspect_ratio_has_exactly_the_nine_ratios() {
    assert_enum_matches_document::<AspectRatio>(
        "size",
        &[
            "21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21",
        ],
    );
    assert_eq!(serde_json::to_value(AspectRatio::X916).unwrap(), "9:16");
}

#[test]
fn safety_tolerance_has_exactly_one_to_six() {
    assert_enum_matches_document::<SafetyTolerance>(
        "safety_tolerance",
        &["1", "2", "3", "4", "5", "6"],
    );
}

#[test]
fn output_format_is_url_or_base64() {
    assert_enum_matches_document::<OutputFormat>("output_format", &["url", "b64_json"]);
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
    let body: CreateImageBody = CreateImageBody::builder()
        .model("m")
        .prompt("p")
        .size(Some(AspectRatio::X219))
        .safety_tolerance(Some(SafetyTolerance::X5))
        .output_format(Some(OutputFormat::B64Json))
        .n(Some(2))
        .seed(Some(7))
        .try_into()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"model": "m", "prompt": "p", "size": "21:9", "safety_tolerance": "5",
               "output_format": "b64_json", "n": 2, "seed": 7})
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
