//! Helpers of the `suite_*` modules: the layer ([`FluxClient`]) against the spec-driven mock.

use std::time::Duration;

use flux_client::mock::{Listener, MockServer};
use flux_client::{Error, FluxClient, FluxClientBuilder};

use crate::layer_common::{fast_downloads, fast_retry};

/// A builder pointed at `server` with its key, trusting its authority when it serves HTTPS,
/// with the default retry policy's rules but short waits.
pub fn builder(server: &MockServer) -> FluxClientBuilder {
    let mut http = flux_client::reqwest::Client::builder();
    if let Some(pem) = server.ca_certificate_pem() {
        let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("the mock's CA is PEM");
        http = http.add_root_certificate(ca);
    }
    FluxClient::builder()
        .api_key(server.api_key())
        .base_url(server.base_url())
        .http_client(http.build().expect("an HTTP client"))
        .retry_policy(fast_retry())
        .download_policy(fast_downloads())
}

/// [`builder`], built.
pub fn client(server: &MockServer) -> FluxClient {
    builder(server).build().expect("a valid configuration")
}

/// How many generation requests reached the API listener (one per attempt).
pub fn attempts(server: &MockServer) -> usize {
    server.requests_on(Listener::Api).len()
}

/// The image host and the redirect target never saw an `Authorization` header or the key, in
/// any header, path or query.
pub fn assert_no_key_on_image_hosts(server: &MockServer) {
    let key = server.api_key();
    for listener in [Listener::Images, Listener::Redirect] {
        for request in server.requests_on(listener) {
            assert_eq!(request.header("authorization"), None, "{listener:?}");
            for (name, value) in &request.headers {
                let value = String::from_utf8_lossy(value.as_bytes());
                assert!(!value.contains(key), "{listener:?} saw the key in {name}");
            }
            assert!(!request.path.contains(key), "{listener:?}");
            assert!(
                !request.query.unwrap_or_default().contains(key),
                "{listener:?}"
            );
        }
    }
}

/// The error reads on one line and never shows the key, in `Display` or `Debug`.
pub fn assert_presentable(err: &Error, server: &MockServer) {
    let text = err.to_string();
    assert!(!text.contains('\n'), "one line: {text}");
    assert!(!text.contains(server.api_key()), "{text}");
    assert!(!format!("{err:?}").contains(server.api_key()), "{err:?}");
}

/// Polls `condition` every 10 ms until it holds or `limit` passes; returns whether it held.
pub async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let end = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < end {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    condition()
}
