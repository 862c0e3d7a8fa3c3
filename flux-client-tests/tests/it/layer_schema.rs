//! `GenerateRequest::json_schema`: it agrees with the repaired document on every field's type,
//! enum and range, and an object valid under it is accepted by the client and the mock.

use flux_client::mock::{Listener, MockServer};
use flux_client::{FluxClient, GenerateRequest, REPAIRED_DOCUMENT};
use serde_json::{Value, json};

/// The request body's schema in the repaired document.
fn documented() -> Value {
    let document: Value = serde_json::from_str(REPAIRED_DOCUMENT).unwrap();
    document["paths"]["/v1/images/generations"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"]
        .clone()
}

/// A property of the schemars schema with `$ref`s into `$defs` followed.
fn resolved<'a>(schema: &'a Value, property: &'a Value) -> &'a Value {
    match property.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            &schema["$defs"][name]
        }
        None => property,
    }
}

fn as_number(value: &Value) -> Option<f64> {
    value.as_f64()
}

#[test]
fn the_schema_agrees_with_the_document_on_every_field() {
    let schema = GenerateRequest::json_schema();
    let documented = documented();
    let ours = schema["properties"].as_object().unwrap();
    let theirs = documented["properties"].as_object().unwrap();
    let mut names: Vec<_> = ours.keys().collect();
    names.sort();
    let mut documented_names: Vec<_> = theirs.keys().collect();
    documented_names.sort();
    assert_eq!(names, documented_names);
    for (name, property) in theirs {
        let our = resolved(&schema, &ours[name]);
        let mut our_type = our["type"].clone();
        if our_type == "integer" && property["type"] == "integer" {
            our_type = json!("integer");
        }
        assert_eq!(our_type, property["type"], "{name}: type in {our}");
        match property.get("enum") {
            Some(values) => {
                let mut theirs: Vec<_> = values.as_array().unwrap().clone();
                let mut ours = our["enum"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{name}: no enum in {our}"))
                    .clone();
                theirs.sort_by_key(Value::to_string);
                ours.sort_by_key(Value::to_string);
                assert_eq!(ours, theirs, "{name}: enum");
            }
            None => assert!(
                our.get("enum").is_none(),
                "{name}: an enum the document lacks"
            ),
        }
        for bound in ["minimum", "maximum"] {
            assert_eq!(
                our.get(bound).and_then(as_number),
                property.get(bound).and_then(as_number),
                "{name}: {bound}"
            );
        }
        let description = property["description"].as_str().unwrap_or_default().trim();
        let our_description = ours[name]["description"]
            .as_str()
            .or(our["description"].as_str())
            .unwrap_or_default();
        assert!(
            our_description.contains(description.lines().next().unwrap_or_default()),
            "{name}: description {our_description:?} against {description:?}"
        );
    }
    let mut required: Vec<_> = schema["required"].as_array().unwrap().clone();
    let mut documented_required: Vec<_> = documented["required"].as_array().unwrap().clone();
    required.sort_by_key(Value::to_string);
    documented_required.sort_by_key(Value::to_string);
    assert_eq!(required, documented_required);
}

#[tokio::test]
async fn an_object_valid_under_the_schema_is_accepted_by_the_client_and_the_mock() {
    let schema = GenerateRequest::json_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let object = json!({
        "model": flux_client::DEFAULT_MODEL,
        "prompt": "a red fox",
        "size": "9:16",
        "n": 2,
        "seed": 42,
        "safety_tolerance": "5",
        "image_prompt_strength": 0.5,
        "output_format": "url",
        "raw": true,
        "enable_safety_checker": false,
        "enhance_prompt": false,
    });
    assert!(
        validator.is_valid(&object),
        "{:?}",
        validator
            .iter_errors(&object)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    for invalid in [
        json!({"model": "m", "prompt": "p", "n": 0}),
        json!({"model": "m", "prompt": "p", "image_prompt_strength": 1.5}),
        json!({"model": "m", "prompt": "p", "size": "16/9"}),
        json!({"model": "m", "prompt": "p", "seed": null}),
        json!({"prompt": "p"}),
    ] {
        assert!(!validator.is_valid(&invalid), "{invalid}");
    }

    let server = MockServer::start().await.unwrap();
    let client = FluxClient::builder()
        .api_key(server.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    let images = client.generate_json(&object).send().await.unwrap();
    assert_eq!(images.len(), 2);
    let sent = server.requests_on(Listener::Api)[0].json().unwrap();
    assert_eq!(sent, object);

    // A batch line may leave `model` out and carry `extra`.
    let line_schema = GenerateRequest::batch_line_schema();
    let line = json!({"prompt": "a red fox", "extra": {"x_client_tag": "t-7"}});
    assert!(
        jsonschema::validator_for(&line_schema)
            .unwrap()
            .is_valid(&line)
    );
    client.generate_json(&line).send().await.unwrap();
    let sent = server.requests_on(Listener::Api)[1].json().unwrap();
    assert_eq!(sent["x_client_tag"], "t-7");
    assert!(sent.get("extra").is_none());
}
