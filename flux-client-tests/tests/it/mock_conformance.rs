//! Every JSON answer the mock produces validates against the repaired document: successes against
//! the 200 response schema, errors against `components/schemas/ErrorBody`.

use flux_client::mock::{Fault, MockServer};
use serde_json::{Value, json};

use crate::mock_support::{
    MODEL, assert_conforms_to_response, assert_error_body, authed_client, error_body_violations,
    minimal, post, raw_client, response_violations,
};

#[test]
fn the_schemas_reject_what_they_should() {
    // Guards the checks below against a validator that accepts anything.
    assert!(!response_violations(&json!({"data": "x", "created": 1})).is_empty());
    assert!(!response_violations(&json!({"data": []})).is_empty());
    assert!(!response_violations(&json!({"created": 1, "data": [{"url": 3}]})).is_empty());
    assert!(!error_body_violations(&json!({"error": {"message": "m"}})).is_empty());
    assert!(!error_body_violations(&json!({"code": 400, "message": "m"})).is_empty());
    assert!(
        error_body_violations(&json!({"error": {"code": 400, "message": "m", "param": null}}))
            .is_empty()
    );
}

#[tokio::test]
async fn every_success_conforms_to_the_response_schema() {
    let server = MockServer::start().await.unwrap();
    let requests = [
        minimal("plain"),
        json!({"model": MODEL, "prompt": "many", "n": MockServer::MAX_IMAGES}),
        // The document sets no upper bound on `n`: valid, answered with MAX_IMAGES images.
        json!({"model": MODEL, "prompt": "more", "n": 1_000_000_000_000_i64}),
        json!({"model": MODEL, "prompt": "b64", "n": 2, "output_format": "b64_json"}),
        json!({"model": MODEL, "prompt": "all", "size": "9:21", "seed": 1, "raw": true,
               "safety_tolerance": "6", "enhance_prompt": true, "enable_safety_checker": false,
               "image_prompt_strength": 0.5, "image_url": "https://example.invalid/a.png",
               "output_format": "url", "n": 1}),
    ];
    for request in &requests {
        let (status, headers, value) = post(&server, request, &[]).await;
        assert_eq!(status, 200, "{request}");
        assert_eq!(headers["content-type"], "application/json");
        assert_conforms_to_response(&value);
        let expected = request
            .get("n")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .min(MockServer::MAX_IMAGES as u64);
        assert_eq!(value["data"].as_array().unwrap().len() as u64, expected);
    }
    for fault in [
        "empty-data",
        "image-404",
        "image-redirect",
        "image-too-large;bytes=10",
        "delay;ms=1",
    ] {
        let (status, _, value) =
            post(&server, &minimal("p"), &[(MockServer::FAULT_HEADER, fault)]).await;
        assert_eq!(status, 200, "{fault}");
        assert_conforms_to_response(&value);
    }
}

#[tokio::test]
async fn every_error_conforms_to_the_error_body() {
    let server = MockServer::start().await.unwrap();
    let url = format!("{}/v1/images/generations", server.base_url());
    let mut answers: Vec<(u16, Value)> = Vec::new();

    // 400 (schema, JSON, the document's bound on n, fault header), 422, 401, 404, 405.
    for request in [
        json!({"model": MODEL}),
        json!({"model": MODEL, "prompt": "p", "size": "7:5"}),
        json!({"model": MODEL, "prompt": "p", "n": 0}),
        minimal(&format!("x {}", MockServer::BLOCKED_PROMPT_MARKER)),
    ] {
        let (status, _, value) = post(&server, &request, &[]).await;
        answers.push((status, value));
    }
    let (status, _, value) = post(
        &server,
        &minimal("p"),
        &[(MockServer::FAULT_HEADER, "bogus")],
    )
    .await;
    answers.push((status, value));
    let client = raw_client(&server);
    for response in [
        authed_client(&server)
            .post(&url)
            .body("{")
            .send()
            .await
            .unwrap(),
        client.post(&url).json(&minimal("p")).send().await.unwrap(),
        client.get(&url).send().await.unwrap(),
        client
            .post(format!("{}/nope", server.base_url()))
            .send()
            .await
            .unwrap(),
    ] {
        let status = response.status().as_u16();
        answers.push((status, response.json().await.unwrap()));
    }
    // Every error status a fault can produce.
    for code in [400, 401, 402, 403, 408, 422, 429, 500, 502, 503, 504] {
        let fault = Fault::Status {
            status: code,
            retry_after: Some(1),
        }
        .to_string();
        let (status, _, value) = post(
            &server,
            &minimal("p"),
            &[(MockServer::FAULT_HEADER, &fault)],
        )
        .await;
        answers.push((status, value));
    }

    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        &statuses[..9],
        &[400, 400, 400, 422, 400, 400, 401, 405, 404]
    );
    for (status, value) in &answers {
        assert_error_body(value, *status);
        assert!(value["error"]["type"].is_string(), "{value}");
    }

    // The error inside a 200 is the same body.
    let (status, _, value) = post(
        &server,
        &minimal("p"),
        &[(MockServer::FAULT_HEADER, "error-in-200;code=503")],
    )
    .await;
    assert_eq!(status, 200);
    assert_error_body(&value, 503);
}
