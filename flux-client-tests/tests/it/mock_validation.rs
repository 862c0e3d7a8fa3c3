//! Bad input gets the documented error body, with the status and the field named, as the real
//! API answers it: 401 for the key, 400 for schema violations, 422 for the content policy, 404
//! for unknown paths.

use flux_client::generated::Error;
use flux_client::mock::MockServer;
use serde_json::{Value, json};

use crate::mock_support::{MODEL, api_client, assert_error_body, body, minimal, post, raw_client};

async fn post_with_auth(server: &MockServer, authorization: Option<&str>) -> (u16, Value) {
    let mut request = raw_client(server)
        .post(format!("{}/v1/images/generations", server.base_url()))
        .json(&minimal("a key test"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn the_key_is_accepted_raw_or_as_bearer() {
    let server = MockServer::start().await.unwrap();
    assert_eq!(post_with_auth(&server, Some("sk-mock")).await.0, 200);
    assert_eq!(post_with_auth(&server, Some("Bearer sk-mock")).await.0, 200);
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_401_with_the_documented_body() {
    let server = MockServer::start().await.unwrap();
    for authorization in [None, Some("sk-other"), Some("Bearer sk-other"), Some("")] {
        let (status, value) = post_with_auth(&server, authorization).await;
        assert_eq!(status, 401, "{authorization:?}");
        assert_error_body(&value, 401);
        assert_eq!(value["error"]["type"], "authentication_error");
    }
    // The generated client surfaces it as a typed error response.
    let client = flux_client::generated::Client::new_with_client(
        &server.base_url(),
        raw_client(&server),
        crate::mock_support::session(),
    );
    match client.create_image().body(body("x")).send().await {
        Err(Error::ErrorResponse(response)) => {
            assert_eq!(response.status(), 401);
            assert_eq!(response.error.code, 401);
        }
        other => panic!("expected a 401 error response, got {other:?}"),
    }
}

#[tokio::test]
async fn a_custom_key_replaces_the_default() {
    let server = MockServer::builder()
        .api_key("sk-custom")
        .start()
        .await
        .unwrap();
    assert_eq!(server.api_key(), "sk-custom");
    assert_eq!(post_with_auth(&server, Some("sk-mock")).await.0, 401);
    assert_eq!(post_with_auth(&server, Some("sk-custom")).await.0, 200);
}

#[tokio::test]
async fn schema_violations_are_400_naming_the_field() {
    let server = MockServer::start().await.unwrap();
    let cases = [
        (json!({"model": MODEL}), "prompt"),
        (json!({"prompt": "p"}), "model"),
        (json!({"model": MODEL, "prompt": 5}), "prompt"),
        (
            json!({"model": MODEL, "prompt": "p", "size": "5:4"}),
            "size",
        ),
        (
            json!({"model": MODEL, "prompt": "p", "size": "16:9, 4:3"}),
            "size",
        ),
        // The upstream document's broken enum members are not accepted.
        (
            json!({"model": MODEL, "prompt": "p", "safety_tolerance": "5,"}),
            "safety_tolerance",
        ),
        (
            json!({"model": MODEL, "prompt": "p", "safety_tolerance": 2}),
            "safety_tolerance",
        ),
        (
            json!({"model": MODEL, "prompt": "p", "output_format": "png"}),
            "output_format",
        ),
        (json!({"model": MODEL, "prompt": "p", "n": "two"}), "n"),
        (json!({"model": MODEL, "prompt": "p", "n": 1.5}), "n"),
        (json!({"model": MODEL, "prompt": "p", "seed": "7"}), "seed"),
        (json!({"model": MODEL, "prompt": "p", "raw": "yes"}), "raw"),
        (
            json!({"model": MODEL, "prompt": "p", "image_prompt_strength": "high"}),
            "image_prompt_strength",
        ),
        // The bounds the repair reads from the document's prose.
        (json!({"model": MODEL, "prompt": "p", "n": 0}), "n"),
        (
            json!({"model": MODEL, "prompt": "p", "image_prompt_strength": 1.5}),
            "image_prompt_strength",
        ),
    ];
    for (request, field) in cases {
        let (status, _, value) = post(&server, &request, &[]).await;
        assert_eq!(status, 400, "{request}");
        assert_error_body(&value, 400);
        assert_eq!(value["error"]["type"], "invalid_request_error");
        assert_eq!(value["error"]["param"], field, "{request}: {value}");
        let message = value["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{request}: {message}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_400() {
    let server = MockServer::start().await.unwrap();
    let client = crate::mock_support::authed_client(&server);
    let url = format!("{}/v1/images/generations", server.base_url());
    for raw in ["{not json", "", "null", "[1, 2]", "\"prompt\""] {
        let response = client
            .post(&url)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{raw:?}");
        let value: Value = response.json().await.unwrap();
        assert_error_body(&value, 400);
        assert_eq!(value["error"]["param"], Value::Null, "{raw:?}");
    }
}

#[tokio::test]
async fn a_flagged_prompt_is_422_content_policy_violation() {
    let server = MockServer::start().await.unwrap();
    let prompt = format!("a scene {}", MockServer::BLOCKED_PROMPT_MARKER);
    match api_client(&server)
        .create_image()
        .body(body(&prompt))
        .send()
        .await
    {
        Err(Error::ErrorResponse(response)) => {
            assert_eq!(response.status(), 422);
            assert_eq!(response.error.code, 422);
            assert_eq!(
                response.error.type_.as_deref(),
                Some("content_policy_violation")
            );
            assert_eq!(response.error.param, Some(json!("prompt")));
        }
        other => panic!("expected a 422 error response, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_paths_are_404_and_other_methods_405() {
    let server = MockServer::start().await.unwrap();
    let client = crate::mock_support::authed_client(&server);
    for path in ["/", "/v1/images/edits", "/v1/images/generations/x"] {
        let response = client
            .post(format!("{}{path}", server.base_url()))
            .json(&minimal("p"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert_error_body(&response.json().await.unwrap(), 404);
    }
    let response = client
        .get(format!("{}/v1/images/generations", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert_error_body(&response.json().await.unwrap(), 405);
    // Every request, refused or not, was recorded.
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn an_oversized_request_body_is_413_and_recorded() {
    let server = MockServer::start().await.unwrap();
    let prompt = "x".repeat(2 << 20);
    let (status, _, value) = post(&server, &minimal(&prompt), &[]).await;
    assert_eq!(status, 413);
    assert_error_body(&value, 413);
    assert_eq!(server.requests().len(), 1);
}
