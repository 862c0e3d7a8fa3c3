//! How the hooks read the API's answer (`flux-client/src/answer.rs`): errors under HTTP 200 keep
//! their headers, answers are bounded, and the generated client gets the same treatment.

use std::time::Duration;

use flux_client::{Error, RetryPolicy};
use flux_client_tests::scripted::{Reply, ScriptedServer};
use serde_json::json;

use crate::layer_common::*;

#[tokio::test]
async fn an_error_under_http_200_keeps_its_request_id_and_retry_after() {
    let server = ScriptedServer::start().await;
    let busy = json!({"error": {"code": 503, "message": "scaling up", "type": "unavailable"}});
    server.push(
        Reply::json(200, &busy)
            .header("x-request-id", "req-200")
            .header("retry-after", "120"),
    );
    let client = builder_for(&server)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    match client.generate("fox").send().await.unwrap_err() {
        Error::Api {
            status,
            code,
            request_id,
            retry_after,
            ..
        } => {
            assert_eq!(status, 503);
            assert_eq!(code, Some(503));
            assert_eq!(request_id.as_deref(), Some("req-200"));
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_answer_over_the_cap_is_refused_without_reading_it_all() {
    let server = ScriptedServer::start().await;
    let url = "https://cdn.example/a.png";
    let big = images_reply(&vec![url.to_owned(); 200]);
    server.push(big);
    let client = builder_for(&server)
        .max_response_bytes(1024)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    assert_eq!(client.config().max_response_bytes(), 1024);
    match client.generate("fox").send().await.unwrap_err() {
        Error::Decode { status, reason, .. } => {
            assert_eq!(status, 200);
            assert!(
                reason.contains("1024-byte limit (max_response_bytes)"),
                "{reason}"
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // An answer within the cap goes through.
    server.push(images_reply(&[url.into()]));
    assert_eq!(client.generate("fox").send().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_error_answer_over_the_cap_keeps_its_status() {
    let server = ScriptedServer::start().await;
    server.push(Reply::status(503).body(vec![b'x'; 4096]));
    let client = builder_for(&server)
        .max_response_bytes(1024)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    match client.generate("fox").send().await.unwrap_err() {
        Error::Api {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(status, 503);
            assert_eq!(code, None, "the server sent no code");
            assert!(
                message.contains("larger than the 1024-byte limit"),
                "{message}"
            );
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_generated_client_gets_a_written_error_body_for_a_proxy_page() {
    let server = ScriptedServer::start().await;
    server.push(Reply::status(502).body("<html>Bad Gateway</html>"));
    let client = client_for(&server);
    let body = flux_client::types::CreateImageBody::builder()
        .model("m")
        .prompt("fox");
    match client.generated().create_image().body(body).send().await {
        Err(flux_client::generated::Error::ErrorResponse(response)) => {
            assert_eq!(response.status(), 502);
            assert_eq!(
                response.headers()["x-flux-client-synthesized"],
                "1",
                "marked as written by the client"
            );
            assert!(response.error.message.contains("<html>Bad Gateway"));
        }
        other => panic!("expected an error response, got {other:?}"),
    }
}
