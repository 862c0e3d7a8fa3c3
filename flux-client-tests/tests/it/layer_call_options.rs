//! What one request adds to or overrides of its client: undeclared body fields and headers,
//! its own timeout, retries and deadline, failing at the first 429, and the request ids the
//! mock answers with.

use std::time::{Duration, Instant};

use flux_client::mock::{Listener, MockServer};
use flux_client::{Error, FluxClient, Limits, RetryPolicy};

fn client(server: &MockServer) -> FluxClient {
    FluxClient::builder()
        .api_key(server.api_key())
        .base_url(server.base_url())
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .limits(Limits::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn undeclared_fields_and_headers_reach_the_wire_and_declared_ones_are_refused() {
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    client
        .generate("a red fox")
        .seed(3)
        .extra_body("x_client_tag", "t-7")
        .extra_body("x_client_options", serde_json::json!({"scale": 2.5}))
        .extra_header("x-trace-id", "trace-1")
        .send()
        .await
        .unwrap();
    let api = server.requests_on(Listener::Api);
    assert_eq!(api.len(), 1);
    let body = api[0].json().unwrap();
    assert_eq!(body["x_client_tag"], "t-7");
    assert_eq!(body["x_client_options"]["scale"], 2.5);
    assert_eq!(body["seed"], 3);
    assert_eq!(body["prompt"], "a red fox");
    assert_eq!(api[0].header("x-trace-id"), Some("trace-1"));
    assert_eq!(api[0].header("authorization"), Some(server.api_key()));

    // Nothing is sent for a refused extra.
    for (request, field) in [
        (
            client.generate("fox").extra_body("size", "9:16"),
            "extra_body",
        ),
        // A valid value set for the field afterwards does not clear the refusal.
        (
            client.generate("fox").extra_body("seed", 1).seed(1),
            "extra_body",
        ),
        (
            client.generate("fox").extra_body("prompt", "x"),
            "extra_body",
        ),
        (
            client
                .generate("fox")
                .extra_header("Authorization", "sk-other"),
            "extra_header",
        ),
        (
            client.generate("fox").extra_header("bad header", "x"),
            "extra_header",
        ),
        (
            client.generate("fox").extra_header("x-ok", "line\nbreak"),
            "extra_header",
        ),
    ] {
        match request.send().await {
            Err(Error::InvalidRequest { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected an invalid {field}, got {other:?}"),
        }
    }
    assert_eq!(server.requests_on(Listener::Api).len(), 1);
}

#[tokio::test]
async fn an_extra_headers_value_stays_out_of_debug() {
    let server = MockServer::start().await.unwrap();
    let request = client(&server)
        .generate("fox")
        .extra_header("x-provider-key", "secret-value");
    assert!(!format!("{request:?}").contains("secret-value"));
}

#[tokio::test]
async fn a_request_can_fail_at_the_first_429_with_its_retry_after() {
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    server.push_fault("status;code=429;retry-after=30".parse().unwrap());
    let started = Instant::now();
    let err = client
        .generate("fox")
        .wait_on_rate_limit(false)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(server.requests_on(Listener::Api).len(), 1);

    // The client's default waits a short hint out and succeeds.
    server.push_fault("status;code=429;retry-after=0".parse().unwrap());
    client.generate("fox").send().await.unwrap();
    assert_eq!(server.requests_on(Listener::Api).len(), 3);

    // Per client, through the policy.
    let fail_fast = FluxClient::builder()
        .api_key(server.api_key())
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().wait_on_rate_limit(false))
        .build()
        .unwrap();
    server.push_fault("status;code=429".parse().unwrap());
    let err = fail_fast.generate("fox").send().await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(server.requests_on(Listener::Api).len(), 4);
}

#[tokio::test]
async fn a_requests_retries_and_timeout_override_the_clients() {
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    // The client retries a 503 twice; this request not at all.
    server.push_fault("status;code=503".parse().unwrap());
    let err = client
        .generate("fox")
        .max_retries(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.requests_on(Listener::Api).len(), 1);

    // The client's timeout is 120 s; this request's 200 ms cuts a 5 s delay.
    server.push_fault("delay;ms=5000".parse().unwrap());
    let started = Instant::now();
    let err = client
        .generate("fox")
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(4));

    // A deadline shorter than the request's own timeout is refused before sending.
    let before = server.requests_on(Listener::Api).len();
    let err = client
        .generate("fox")
        .timeout(Duration::from_secs(60))
        .deadline(Duration::from_secs(1))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidRequest {
                field: "deadline",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests_on(Listener::Api).len(), before);
}

#[tokio::test]
async fn the_mocks_request_ids_reach_images_and_errors() {
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    let images = client.generate("fox").send().await.unwrap();
    let recorded = server.requests_on(Listener::Api);
    assert_eq!(images.request_id(), Some(recorded[0].request_id.as_str()));
    assert!(recorded[0].request_id.starts_with("mock-"));

    server.push_fault("status;code=403".parse().unwrap());
    let err = client.generate("fox").send().await.unwrap_err();
    let recorded = server.requests_on(Listener::Api);
    assert_eq!(err.request_id(), Some(recorded[1].request_id.as_str()));
    assert_ne!(recorded[0].request_id, recorded[1].request_id);
}
