//! Never lose a paid image, never pay twice: downloads that recover, errors a program can act
//! on, retries that respect money and time, answers that deviate but carry images.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use flux_client::mock::{Fault, Listener, MockServer};
use flux_client::{ConnectionFailure, Error, RetryPolicy};
use flux_client_tests::scripted::{Reply, ScriptedServer};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::layer_common::*;

fn image_reply(bytes: &[u8]) -> Reply {
    Reply::status(200)
        .header("content-type", "image/png")
        .body(bytes.to_vec())
}

#[tokio::test]
async fn an_image_host_503_once_is_retried_and_the_image_saved_with_one_generation() {
    let server = MockServer::start().await.unwrap();
    server.push_fault(Fault::ImageStatus {
        status: 503,
        times: 1,
    });
    let images = crate::suite_support::client(&server)
        .generate("a fox")
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = images.save_all_in(dir.path()).await.unwrap();
    assert_eq!(paths.len(), 1);
    assert!(std::fs::read(&paths[0]).unwrap().starts_with(b"\x89PNG"));
    assert_eq!(crate::suite_support::attempts(&server), 1, "one generation");
    assert_eq!(
        server.requests_on(Listener::Images).len(),
        2,
        "503, then the image"
    );
}

#[tokio::test]
async fn downloads_are_retried_on_408_429_5xx_and_broken_connections_but_not_on_404() {
    let host = ScriptedServer::start().await;
    for reply in [
        Reply::status(408),
        Reply::status(429).header("retry-after", "0"),
        Reply::drop_connection(),
        image_reply(PNG),
    ] {
        host.push(reply);
    }
    let api = ScriptedServer::start().await;
    api.push(images_reply(&[format!("{}/a.png", host.url())]));
    let client = builder_for(&api)
        .download_policy(fast_downloads().max_retries(3))
        .build()
        .unwrap();
    let images = client.generate("fox").send().await.unwrap();
    assert_eq!(images.first().bytes().await.unwrap(), PNG);
    assert_eq!(host.requests().len(), 4);

    host.push(Reply::status(404));
    let err = images.first().bytes().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Download {
                status: Some(404),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(host.requests().len(), 5, "a 404 is not retried");
    assert_eq!(api.requests().len(), 1, "never a second generation");
}

#[tokio::test]
async fn an_exhausted_quota_is_not_retried_and_keeps_type_and_code() {
    let api = ScriptedServer::start().await;
    api.push(Reply::json(
        429,
        &json!({"error": {"code": 429, "message": "You exceeded your quota", "type": "insufficient_quota", "param": null}}),
    ));
    let err = client_for(&api).generate("fox").send().await.unwrap_err();
    assert!(
        matches!(&err, Error::RateLimited { error_type: Some(t), code: Some(c), .. }
            if t == "insufficient_quota" && c == "429"),
        "{err:?}"
    );
    assert!(err.is_quota_exhausted() && err.is_account_error() && !err.is_retryable());
    assert_eq!(api.requests().len(), 1, "a used-up quota is not retried");
    assert_eq!(err.status(), Some(429));
}

#[tokio::test]
async fn content_policy_violation_is_moderation_never_retried() {
    let api = ScriptedServer::start().await;
    api.push(
        Reply::json(
            422,
            &json!({"error": {"code": 422, "message": "prompt rejected", "type": "content_policy_violation", "param": ""}}),
        )
        .header("x-request-id", "req-7"),
    );
    let client = builder_for(&api)
        .retry_policy(fast_retry().retry_status(422))
        .build()
        .unwrap();
    let err = client.generate("fox").send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Moderated { status: 422, .. }),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("req-7"));
    assert_eq!(
        err.to_string(),
        "refused by moderation (HTTP 422, content_policy_violation): prompt rejected [request id req-7]"
    );
    assert_eq!(api.requests().len(), 1);
}

#[tokio::test]
async fn an_attempt_the_deadline_cannot_fit_is_not_started_and_the_real_failure_is_returned() {
    let api = ScriptedServer::start().await;
    api.push(
        error_reply(503, 503, "overloaded")
            .header("x-request-id", "r1")
            .delay(Duration::from_millis(1500)),
    );
    let client = builder_for(&api)
        .timeout(Duration::from_secs(2))
        .deadline(Duration::from_secs(3))
        .build()
        .unwrap();
    let err = client.generate("fox").send().await.unwrap_err();
    assert!(matches!(&err, Error::Api { status: 503, .. }), "{err:?}");
    assert!(!err.is_timeout() && err.is_retryable());
    assert_eq!(err.request_id(), Some("r1"));
    assert_eq!(
        api.requests().len(),
        1,
        "no attempt that would be cut short"
    );
}

#[tokio::test]
async fn a_hostile_retry_after_neither_overflows_nor_panics() {
    let api = ScriptedServer::start().await;
    api.push(error_reply(429, 429, "later").header("retry-after", "99999999999999999999999"));
    let client = builder_for(&api)
        .retry_policy(fast_retry().max_retry_after(Duration::MAX))
        .build()
        .unwrap();
    let err = client.generate("fox").send().await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(u64::MAX)));
    assert_eq!(api.requests().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_keeps_its_cause() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = flux_client::FluxClient::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client.generate("fox").send().await.unwrap_err();
    assert_eq!(
        err.connection_failure(),
        Some(ConnectionFailure::Refused),
        "{err:?}"
    );
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is kept"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_refused_image_connection_keeps_its_cause() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let api = ScriptedServer::start().await;
    api.push(images_reply(&[format!("http://127.0.0.1:{port}/a.png")]));
    let images = client_for(&api).generate("fox").send().await.unwrap();
    let err = images.first().bytes().await.unwrap_err();
    assert!(
        matches!(&err, Error::Download { status: None, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .to_lowercase()
            .contains("connection refused"),
        "{err}"
    );
    assert!(std::error::Error::source(&err).is_some());
    assert!(err.is_retryable(), "retried, then reported");
}

#[tokio::test]
async fn data_urls_are_decoded_without_any_download() {
    let data = base64::engine::general_purpose::STANDARD.encode(PNG);
    let api = ScriptedServer::start().await;
    api.push(images_reply(&[format!("data:image/png;base64,{data}")]));
    let images = client_for(&api).generate("fox").send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = images.first().save_in(dir.path()).await.unwrap();
    assert_eq!(std::fs::read(path).unwrap(), PNG);

    api.push(images_reply(&["data:image/png,%89PNG".to_owned()]));
    let images = client_for(&api).generate("fox").send().await.unwrap();
    let err = images.first().bytes().await.unwrap_err();
    assert!(err.to_string().contains("not base64"), "{err}");
}

#[tokio::test]
async fn images_beyond_the_requested_n_are_reported_not_fetched() {
    let host = ScriptedServer::start().await;
    host.push(image_reply(PNG));
    let urls: Vec<String> = (0..5).map(|i| format!("{}/{i}.png", host.url())).collect();
    let api = ScriptedServer::start().await;
    api.push(images_reply(&urls));
    let images = client_for(&api).generate("fox").n(1).send().await.unwrap();
    assert_eq!((images.len(), images.unrequested()), (1, 4));
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(images.save_all_in(dir.path()).await.unwrap().len(), 1);
    assert_eq!(host.requests().len(), 1);
}

#[tokio::test]
async fn an_answer_with_a_missing_or_mistyped_created_still_yields_its_images() {
    for created in [json!(null), json!("yesterday")] {
        let api = ScriptedServer::start().await;
        let mut body =
            json!({"data": [{"url": "https://cdn.example/a.png", "revised_prompt": ""}]});
        if !created.is_null() {
            body["created"] = created;
        }
        api.push(Reply::json(200, &body));
        let images = client_for(&api).generate("fox").send().await.unwrap();
        assert_eq!(images.first().url(), Some("https://cdn.example/a.png"));
        assert_eq!(images.created(), 0);
    }
}

#[tokio::test]
async fn a_failed_save_all_never_removes_a_file_that_replaced_an_older_one() {
    let host = ScriptedServer::start().await;
    host.push(image_reply(PNG));
    host.push(Reply::status(404));
    let api = ScriptedServer::start().await;
    api.push(images_reply(&[
        format!("{}/1.png", host.url()),
        format!("{}/2.png", host.url()),
    ]));
    let client = builder_for(&api)
        .download_policy(fast_downloads().max_concurrent(1))
        .build()
        .unwrap();
    let images = client.generate("fox").n(2).send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("img-1.png"), b"old").unwrap();
    images
        .save_all_as(dir.path(), |image| format!("img-{}", image.index() + 1))
        .await
        .unwrap_err();
    assert_eq!(
        std::fs::read(dir.path().join("img-1.png")).unwrap(),
        PNG,
        "the new image stays: removing it would lose both"
    );
}

#[tokio::test]
async fn downloads_at_once_are_bounded() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (now, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    {
        let (now, peak) = (now.clone(), peak.clone());
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let (now, peak) = (now.clone(), peak.clone());
                tokio::spawn(async move {
                    let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(inside, Ordering::SeqCst);
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        PNG.len()
                    );
                    now.fetch_sub(1, Ordering::SeqCst);
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(PNG).await;
                });
            }
        });
    }
    let urls: Vec<String> = (0..8).map(|i| format!("{base}/{i}.png")).collect();
    let api = ScriptedServer::start().await;
    api.push(images_reply(&urls));
    let client = builder_for(&api)
        .download_policy(fast_downloads().max_concurrent(2))
        .build()
        .unwrap();
    let images = client.generate("fox").n(8).send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(images.save_all_in(dir.path()).await.unwrap().len(), 8);
    let peak = peak.load(Ordering::SeqCst);
    assert!((1..=2).contains(&peak), "at most 2 at once, saw {peak}");
}
