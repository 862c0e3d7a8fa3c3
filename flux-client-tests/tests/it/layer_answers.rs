//! How the layer's decoder reads the API's answer (`flux-client/src/answer/`): errors under
//! HTTP 200 keep their headers, answers are bounded, readable images survive unreadable fields,
//! and the generated client is left to progenitor's own reading.

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

/// The layer's decoder serves the layer's calls only: the generated client reads a proxy page
/// as progenitor does, with the bytes as they came (no error body written for it, no marker
/// header), while `FluxClient` reports the status and the page's start.
#[tokio::test]
async fn the_generated_client_reads_a_proxy_page_as_progenitor_does() {
    let server = ScriptedServer::start().await;
    server.push(Reply::status(502).body("<html>Bad Gateway</html>"));
    server.push(Reply::status(502).body("<html>Bad Gateway</html>"));
    let client = builder_for(&server)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let body = flux_client::types::CreateImageBody::builder()
        .model("m")
        .prompt("fox");
    match client.generated().create_image().body(body).send().await {
        Err(flux_client::generated::Error::InvalidResponsePayload(bytes, _)) => {
            assert_eq!(&bytes[..], b"<html>Bad Gateway</html>");
        }
        other => panic!("expected progenitor's undecodable payload, got {other:?}"),
    }
    match client.generate("fox").send().await.unwrap_err() {
        Error::Api {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!((status, code), (502, None));
            assert_eq!(message, "Bad Gateway: <html>Bad Gateway</html>");
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Issue 22 case 12: a 200 whose image is readable keeps it when another field cannot be read at
/// all, even as JSON text: invalid UTF-8 in `revised_prompt`, or a `created` beyond every number
/// type (`1e309`). Both failed the whole answer (and lost the paid image) before the decoder was
/// made lenient inside.
#[tokio::test]
async fn an_unreadable_field_beside_a_readable_image_keeps_the_image() {
    let url = "https://cdn.example/a.png";
    let bodies: [Vec<u8>; 2] = [
        [
            br#"{"created": 1700000000, "data": [{"url": "https://cdn.example/a.png", "revised_prompt": "caf"#.as_slice(),
            b"\xff\xfe",
            br#""}]}"#.as_slice(),
        ]
        .concat(),
        br#"{"created": 1e309, "data": [{"url": "https://cdn.example/a.png"}]}"#.to_vec(),
    ];
    for body in bodies {
        let server = ScriptedServer::start().await;
        server.push(
            Reply::status(200)
                .header("content-type", "application/json")
                .body(body.clone()),
        );
        let client = builder_for(&server)
            .retry_policy(RetryPolicy::never())
            .build()
            .unwrap();
        let images = client
            .generate("fox")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(&body)));
        assert_eq!(images.len(), 1);
        assert_eq!(images.first().url(), Some(url));
    }
}
