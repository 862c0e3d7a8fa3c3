//! Each error kind, produced by a real server answer.

use std::time::Duration;

use flux_client::{Error, RetryPolicy};
use flux_client_tests::scripted::{Reply, ScriptedServer};
use serde_json::json;

use crate::layer_common::*;

async fn answer(reply: Reply) -> (Error, ScriptedServer) {
    let server = ScriptedServer::start().await;
    server.push(reply);
    let client = builder_for(&server)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client.generate("fox").send().await.unwrap_err();
    assert_no_key(&err);
    (err, server)
}

fn assert_no_key(err: &Error) {
    assert!(!err.to_string().contains(KEY), "{err}");
    assert!(!format!("{err:?}").contains(KEY), "{err:?}");
    assert!(!err.to_string().contains('\n'), "one line: {err}");
}

#[tokio::test]
async fn an_error_status_keeps_the_servers_details_and_request_id() {
    let reply = Reply::json(
        422,
        &json!({"error": {"code": 422, "message": "prompt rejected", "type": "invalid_request_error", "param": "prompt"}}),
    )
    .header("x-request-id", "req-123");
    let (err, _server) = answer(reply).await;
    match &err {
        Error::Api {
            status,
            code,
            message,
            error_type,
            param,
            retry_after,
            request_id,
            ..
        } => {
            assert_eq!(*retry_after, None);
            assert_eq!(*status, 422);
            assert_eq!(*code, Some(422));
            assert_eq!(message, "prompt rejected");
            assert_eq!(error_type.as_deref(), Some("invalid_request_error"));
            assert_eq!(param.as_deref(), Some("prompt"));
            assert_eq!(request_id.as_deref(), Some("req-123"));
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "API error 422 (invalid_request_error): prompt rejected [request id req-123]"
    );
}

#[tokio::test]
async fn documented_statuses_become_api_errors() {
    for status in [400, 401, 402, 403, 408, 500, 502, 503] {
        let (err, _server) = answer(error_reply(status, status.into(), "nope")).await;
        assert!(
            matches!(&err, Error::Api { status: s, code: Some(c), message, param: None, .. }
                if *s == status && *c == i64::from(status) && message == "nope"),
            "{status}: {err:?}"
        );
        assert_eq!(err.status(), Some(status));
    }
}

#[tokio::test]
async fn an_empty_param_counts_as_absent() {
    let reply = Reply::json(
        400,
        &json!({"error": {"code": 400, "message": "bad", "type": "", "param": ""}}),
    );
    let (err, _server) = answer(reply).await;
    assert!(
        matches!(
            err,
            Error::Api {
                param: None,
                error_type: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_error_inside_a_200_is_an_api_error_with_its_code() {
    let (err, _server) = answer(error_reply(200, 403, "moderation: flagged")).await;
    assert!(
        matches!(&err, Error::Api { status: 403, code: Some(403), message, .. } if message == "moderation: flagged"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_rate_limit_inside_a_200_is_rate_limited() {
    let (err, _server) = answer(error_reply(200, 429, "slow down")).await;
    assert!(
        matches!(&err, Error::RateLimited { message, .. } if message == "slow down"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_undecodable_error_body_keeps_its_status() {
    let reply = Reply::status(502)
        .header("content-type", "text/html")
        .body("<html>Bad Gateway</html>");
    let (err, _server) = answer(reply).await;
    assert!(
        matches!(&err, Error::Api { status: 502, code: None, message, .. } if message.contains("<html>Bad Gateway")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_429_is_rate_limited_with_the_servers_hint() {
    let reply = error_reply(429, 429, "too many requests")
        .header("retry-after", "7")
        .header("x-request-id", "req-9");
    let (err, _server) = answer(reply).await;
    assert!(
        matches!(&err, Error::RateLimited { retry_after: Some(d), message, request_id: Some(id), .. }
            if *d == Duration::from_secs(7) && message == "too many requests" && id == "req-9"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "rate limited (upstream_error): too many requests (retry after 7 s) [request id req-9]"
    );
}

#[tokio::test]
async fn a_429_with_a_plain_text_body_is_still_rate_limited() {
    let (err, _server) = answer(Reply::status(429).body("slow down")).await;
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
}

#[tokio::test]
async fn a_200_without_images_is_an_error() {
    let reply = Reply::json(200, &json!({"created": 1, "data": []})).header("x-request-id", "r1");
    let (err, _server) = answer(reply).await;
    assert!(
        matches!(&err, Error::NoImages { request_id: Some(id), .. } if id == "r1"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_image_without_url_or_data_is_a_decode_error() {
    let reply = Reply::json(
        200,
        &json!({"created": 1, "data": [{"url": "", "b64_json": "", "revised_prompt": "x"}]}),
    );
    let (err, _server) = answer(reply).await;
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
}

#[tokio::test]
async fn an_undecodable_200_keeps_a_body_excerpt() {
    let body = format!("<html>maintenance {}</html>", "x".repeat(2000));
    let (err, _server) = answer(Reply::status(200).body(body)).await;
    match &err {
        Error::Decode { status, body, .. } => {
            assert_eq!(*status, 200);
            assert!(body.starts_with("<html>maintenance"));
            assert!(body.len() < 1000, "an excerpt, not the whole body");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server = ScriptedServer::start().await;
    server.push(images_reply(&["https://cdn.example/a.png".into()]).delay(Duration::from_secs(10)));
    let client = builder_for(&server)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client.generate("fox").send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "timeouts are not retried by default"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error() {
    let port = free_port().await;
    let client = flux_client::FluxClient::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client.generate("fox").send().await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert_no_key(&err);
}

#[tokio::test]
async fn a_dropped_connection_is_a_connection_error() {
    let (err, server) = answer(Reply::drop_connection()).await;
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

/// A port nothing listens on (bound, then released).
pub async fn free_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn an_error_answer_whose_body_breaks_off_keeps_its_status() {
    let body = json!({"error": {"code": 503, "message": "x".repeat(500)}}).to_string();
    let (err, _server) = answer(Reply::status(503).body(body).truncate_at(20)).await;
    assert!(
        matches!(
            &err,
            Error::Api {
                status: 503,
                code: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_success_whose_body_breaks_off_is_a_connection_error() {
    let body = json!({"created": 1, "data": [{"url": "x".repeat(500)}]}).to_string();
    let (err, server) = answer(Reply::status(200).body(body).truncate_at(20)).await;
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}
