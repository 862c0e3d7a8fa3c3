//! The real HTTPS path: the mock with its generated authority, trusted through
//! `FluxClientBuilder::http_client`, for the API, the image host and faults; and refused without it.

use flux_client::mock::{Fault, Listener, MockServer};
use flux_client::{Error, FluxClient, RetryPolicy};

use crate::suite_support::*;

#[tokio::test]
async fn https_generation_download_and_retry_with_the_mocks_root() {
    let server = MockServer::builder().tls(true).start().await.unwrap();
    assert!(server.base_url().starts_with("https://"));
    assert!(server.image_base_url().starts_with("https://"));
    let client = client(&server);

    server.push_fault(Fault::Status {
        status: 503,
        retry_after: None,
    });
    let images = client.generate("a fox").n(2).send().await.unwrap();
    assert_eq!(attempts(&server), 2, "the 503 was retried over TLS");
    assert!(images.first().url().unwrap().starts_with("https://"));
    let dir = tempfile::tempdir().unwrap();
    let paths = images.save_all_in(dir.path()).await.unwrap();
    for path in &paths {
        assert!(std::fs::read(path).unwrap().starts_with(b"\x89PNG"));
    }
    assert_eq!(server.requests_on(Listener::Images).len(), 2);
    assert_no_key_on_image_hosts(&server);

    server.push_fault(Fault::ImageRedirect);
    let images = client.generate("a fox").send().await.unwrap();
    images.first().bytes().await.unwrap();
    assert_eq!(server.requests_on(Listener::Redirect).len(), 1);
    assert_no_key_on_image_hosts(&server);
}

#[tokio::test]
async fn without_the_root_the_certificate_is_refused_and_nothing_is_sent() {
    let server = MockServer::builder().tls(true).start().await.unwrap();
    let client = FluxClient::builder()
        .api_key(server.api_key())
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client.generate("a fox").send().await.unwrap_err();
    assert_presentable(&err, &server);
    match &err {
        Error::Connection { reason, .. } => {
            assert!(reason.contains("certificate"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        attempts(&server),
        0,
        "no HTTP request got through the handshake"
    );
}

#[tokio::test]
async fn a_refused_certificate_is_not_retried() {
    let server = MockServer::builder().tls(true).start().await.unwrap();
    let client = FluxClient::builder()
        .api_key(server.api_key())
        .base_url(server.base_url())
        .build()
        .unwrap();
    assert!(client.config().retry_policy().get_max_retries() > 0);
    let err = client.generate("a fox").send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Connection { reason, .. } if reason.contains("UnknownIssuer")),
        "{err:?}"
    );
    assert_eq!(server.connections_accepted(), 1, "one handshake, no retry");
    assert_eq!(
        err.connection_failure(),
        Some(flux_client::ConnectionFailure::Certificate)
    );
    assert!(!err.is_retryable());
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is kept"
    );
}
