//! Every API fault the mock injects, through the layer: the exact [`Error`] users see (variant,
//! fields, one-line `Display`) and how many attempts reached the server under the default retry
//! policy and the opt-ins. The README's "What the client reports for each fault" table quotes the
//! `Display` strings asserted here.

use std::time::{Duration, Instant};

use flux_client::mock::{Fault, MockServer};
use flux_client::{Error, FluxClient, Limits};

use crate::layer_common::fast_retry;
use crate::suite_support::*;

const RATE_LIMITED: &str = "Rate limit exceeded: too many requests or concurrent tasks.";

/// A server that injects `fault` into every generation.
async fn always(fault: Fault) -> MockServer {
    MockServer::builder().fault(fault).start().await.unwrap()
}

fn status(status: u16, retry_after: Option<u64>) -> Fault {
    Fault::Status {
        status,
        retry_after,
    }
}

/// Sends one generation and returns its error (checking it is presentable).
async fn fails(client: &FluxClient, server: &MockServer) -> Error {
    let err = client.generate("a fox").send().await.unwrap_err();
    assert_presentable(&err, server);
    err
}

#[tokio::test]
async fn a_delay_within_the_timeout_is_only_slower() {
    let server = MockServer::start().await.unwrap();
    server.push_fault(Fault::Delay(Duration::from_millis(100)));
    let images = client(&server).generate("fox").send().await.unwrap();
    assert_eq!(images.len(), 1);
    assert_eq!(attempts(&server), 1);
}

#[tokio::test]
async fn a_delay_beyond_the_timeout_is_a_timeout_retried_only_when_opted_in() {
    let server = MockServer::start().await.unwrap();
    server.push_fault(Fault::Delay(Duration::from_secs(5)));
    let client = builder(&server)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = fails(&client, &server).await;
    assert!(
        matches!(err, Error::Timeout { elapsed, .. } if elapsed >= Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("timed out after 0."), "{err}");
    assert_eq!(
        attempts(&server),
        1,
        "a timed-out generation may bill: not retried"
    );

    server.take_requests();
    server.push_fault(Fault::Delay(Duration::from_secs(5)));
    builder(&server)
        .timeout(Duration::from_millis(200))
        .retry_policy(fast_retry().retry_timeouts(true))
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap();
    assert_eq!(attempts(&server), 2);
}

/// A client without the limiter: a 429 is then an ordinary retry, counted by the policy.
fn unlimited(server: &MockServer) -> FluxClient {
    builder(server).limits(Limits::none()).build().unwrap()
}

#[tokio::test]
async fn a_429_without_retry_after_is_retried_then_rate_limited() {
    let server = always(status(429, None)).await;
    let err = fails(&unlimited(&server), &server).await;
    assert!(
        matches!(&err, Error::RateLimited { retry_after: None, message, request_id: None, .. }
            if message == RATE_LIMITED),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(429));
    assert_eq!(
        err.to_string(),
        format!("rate limited (rate_limit_error): {RATE_LIMITED}")
    );
    assert_eq!(attempts(&server), 3, "the first attempt and two retries");

    let server = MockServer::start().await.unwrap();
    server.push_fault(status(429, None));
    client(&server).generate("fox").send().await.unwrap();
    assert_eq!(attempts(&server), 2);
}

#[tokio::test]
async fn a_429s_retry_after_is_waited_for_and_reported() {
    let server = MockServer::start().await.unwrap();
    server.push_fault(status(429, Some(1)));
    let started = Instant::now();
    client(&server).generate("fox").send().await.unwrap();
    assert_eq!(attempts(&server), 2);
    // The policy's own backoff is at most 40 ms here: only the hint explains a 1 s wait.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );

    let server = always(status(429, Some(1))).await;
    let client = builder(&server)
        .max_retries(1)
        .limits(Limits::none())
        .build()
        .unwrap();
    let err = fails(&client, &server).await;
    assert!(
        matches!(&err, Error::RateLimited { retry_after: Some(d), message, .. }
            if *d == Duration::from_secs(1) && message == RATE_LIMITED),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("rate limited (rate_limit_error): {RATE_LIMITED} (retry after 1 s)")
    );
    assert_eq!(attempts(&server), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_bound_or_the_deadline_is_not_waited_for() {
    let server = always(status(429, Some(120))).await;
    let err = fails(&client(&server), &server).await;
    assert!(
        matches!(&err, Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(120)),
        "{err:?}"
    );
    assert_eq!(attempts(&server), 1, "120 s is beyond the 60 s bound");

    let server = always(status(429, Some(5))).await;
    let started = Instant::now();
    let err = fails(
        &builder(&server)
            .deadline(Duration::from_secs(2))
            .build()
            .unwrap(),
        &server,
    )
    .await;
    assert!(
        matches!(&err, Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(5)),
        "{err:?}"
    );
    assert_eq!(attempts(&server), 1, "a 5 s wait cannot fit a 2 s deadline");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it did not wait"
    );
}

#[tokio::test]
async fn a_500_and_a_502_are_api_errors_not_retried_by_default() {
    for (code, message, error_type) in [
        (
            500,
            "The server had an error processing the request.",
            "server_error",
        ),
        (
            502,
            "The upstream model provider returned an invalid response.",
            "upstream_error",
        ),
    ] {
        let server = always(status(code, None)).await;
        let err = fails(&client(&server), &server).await;
        match &err {
            Error::Api {
                status,
                code: body_code,
                message: m,
                error_type: t,
                param,
                retry_after,
                request_id,
                ..
            } => {
                assert_eq!(*status, code);
                assert_eq!(*body_code, Some(i64::from(code)));
                assert_eq!(m, message);
                assert_eq!(t.as_deref(), Some(error_type));
                assert_eq!(*param, None);
                assert_eq!(*retry_after, None);
                assert_eq!(*request_id, None);
            }
            other => panic!("{code}: {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            format!("API error {code} ({error_type}): {message}")
        );
        assert_eq!(attempts(&server), 1, "{code} may have started work");
    }
}

#[tokio::test]
async fn a_502_is_retried_when_opted_in() {
    let server = always(status(502, None)).await;
    let client = builder(&server)
        .retry_policy(fast_retry().retry_status(502))
        .build()
        .unwrap();
    let err = fails(&client, &server).await;
    assert!(matches!(err, Error::Api { status: 502, .. }), "{err:?}");
    assert_eq!(attempts(&server), 3);
}

#[tokio::test]
async fn a_503_is_retried_by_default() {
    let server = always(status(503, None)).await;
    let err = fails(&client(&server), &server).await;
    assert!(
        matches!(&err, Error::Api { status: 503, code: Some(503), error_type: Some(t), .. }
            if t == "service_unavailable"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "API error 503 (service_unavailable): The model is unavailable: no provider can serve it right now."
    );
    assert_eq!(attempts(&server), 3);

    let server = MockServer::start().await.unwrap();
    server.push_fault(status(503, None));
    client(&server).generate("fox").send().await.unwrap();
    assert_eq!(attempts(&server), 2);
}

#[tokio::test]
async fn a_503s_retry_after_is_waited_for() {
    let server = MockServer::start().await.unwrap();
    server.push_fault(status(503, Some(1)));
    let started = Instant::now();
    client(&server).generate("fox").send().await.unwrap();
    assert_eq!(attempts(&server), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_503s_retry_after_beyond_the_bound_ends_the_retries() {
    let server = always(status(503, Some(120))).await;
    let err = fails(&client(&server), &server).await;
    assert!(
        matches!(err, Error::Api { status: 503, retry_after: Some(hint), .. } if hint == Duration::from_secs(120)),
        "{err:?}"
    );
    assert!(err.to_string().contains("(retry after 120 s)"), "{err}");
    assert_eq!(attempts(&server), 1);
}

#[tokio::test]
async fn the_documented_401_402_403_bodies_reach_the_user_unretried() {
    for (code, error_type, message) in [
        (
            401,
            "authentication_error",
            "Invalid API key: pass a valid key in the Authorization header.",
        ),
        (
            402,
            "insufficient_quota",
            "Insufficient credits: add credits to your account to continue.",
        ),
    ] {
        let server = always(status(code, None)).await;
        let err = fails(&client(&server), &server).await;
        assert!(
            matches!(&err, Error::Api { status, code: Some(c), message: m, error_type: Some(t), param: None, .. }
                if *status == code && *c == i64::from(code) && m == message && t == error_type),
            "{code}: {err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("API error {code} ({error_type}): {message}")
        );
        assert_eq!(attempts(&server), 1, "{code}");
    }
}

#[tokio::test]
async fn moderation_is_its_own_outcome_never_retried_with_or_without_http_200() {
    let message = "Your input was flagged by moderation.";
    for fault in [status(403, None), Fault::ErrorIn200 { code: 403 }] {
        let server = always(fault.clone()).await;
        let client = builder(&server)
            .retry_policy(crate::layer_common::fast_retry().retry_status(403))
            .build()
            .unwrap();
        let err = fails(&client, &server).await;
        assert!(
            matches!(&err, Error::Moderated { status: 403, message: m, error_type: Some(t), .. }
                if m == message && t == "moderation_error"),
            "{fault}: {err:?}"
        );
        assert!(err.is_moderation() && !err.is_retryable() && err.is_rejected_request());
        assert_eq!(
            err.to_string(),
            format!("refused by moderation (HTTP 403, moderation_error): {message}")
        );
        assert_eq!(
            attempts(&server),
            1,
            "{fault}: even when 403 is opted into retries"
        );
    }
}

#[tokio::test]
async fn an_error_in_a_200_is_the_error_it_names() {
    for code in [402] {
        let server = always(Fault::ErrorIn200 { code }).await;
        let err = fails(&client(&server), &server).await;
        assert!(
            matches!(&err, Error::Api { status, code: Some(c), .. } if *status == code && *c == i64::from(code)),
            "{code}: {err:?}"
        );
        assert_eq!(attempts(&server), 1, "{code}");
    }
    let server = always(Fault::ErrorIn200 { code: 402 }).await;
    assert_eq!(
        fails(&client(&server), &server).await.to_string(),
        "API error 402 (insufficient_quota): Insufficient credits: add credits to your account to continue."
    );

    // A 429 or a 503 reported inside a 200 is retried like the status itself.
    let server = always(Fault::ErrorIn200 { code: 429 }).await;
    let err = fails(&unlimited(&server), &server).await;
    assert!(
        matches!(&err, Error::RateLimited { retry_after: None, message, .. } if message == RATE_LIMITED),
        "{err:?}"
    );
    assert_eq!(attempts(&server), 3);
    let server = always(Fault::ErrorIn200 { code: 503 }).await;
    let err = fails(&client(&server), &server).await;
    assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
    assert_eq!(attempts(&server), 3);
}

#[tokio::test]
async fn empty_data_is_no_images_not_retried() {
    let server = always(Fault::EmptyData).await;
    let err = fails(&client(&server), &server).await;
    assert!(
        matches!(
            err,
            Error::NoImages {
                request_id: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.to_string(), "the API returned no image");
    assert_eq!(attempts(&server), 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_the_body() {
    let server = always(Fault::MalformedJson).await;
    let err = fails(&client(&server), &server).await;
    match &err {
        Error::Decode {
            status,
            reason,
            body,
            ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(reason, "key must be a string at line 1 column 35");
            assert!(
                body.starts_with("{\"created\": 1700000000, \"data\": [{'url'"),
                "{body}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        r#"cannot decode the API response (HTTP 200): key must be a string at line 1 column 35; body starts with "{\"created\": 1700000000, \"data\": [{'url': 'http://127.0.0.1/x.png',}]""#
    );
    assert_eq!(attempts(&server), 1);
}

#[tokio::test]
async fn a_wrong_content_type_is_a_decode_error_showing_the_page() {
    let server = always(Fault::WrongContentType).await;
    let err = fails(&client(&server), &server).await;
    assert!(
        matches!(&err, Error::Decode { status: 200, reason, body, .. }
            if reason == "expected value at line 1 column 1"
                && body.starts_with("<!DOCTYPE html>") && body.contains("Please sign in")),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(
            r#"cannot decode the API response (HTTP 200): expected value at line 1 column 1; body starts with "<!DOCTYPE html><html><head><title>Gateway</title>"#
        ),
        "{err}"
    );
    assert_eq!(attempts(&server), 1);
}

/// The faults that break the connection after the request was read: the server may have started
/// (and billed) the work, so they are retried only with `retry_interrupted(true)`.
#[tokio::test]
async fn broken_connections_are_connection_errors_retried_only_when_opted_in() {
    for (fault, cause) in [
        (
            Fault::CloseBeforeResponse,
            "connection closed before message completed",
        ),
        (
            Fault::TruncatedBody,
            "end of file before message length reached",
        ),
        (
            Fault::CloseMidResponse,
            "unexpected EOF during chunk size line",
        ),
    ] {
        let server = always(fault.clone()).await;
        let err = fails(&client(&server), &server).await;
        match &err {
            Error::Connection { reason, .. } => {
                assert!(reason.ends_with(cause), "{fault}: {reason}")
            }
            other => panic!("{fault}: {other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("connection to the API failed: "),
            "{err}"
        );
        assert_eq!(err.status(), None);
        assert_eq!(attempts(&server), 1, "{fault}");

        let server = MockServer::start().await.unwrap();
        server.push_fault(fault.clone());
        builder(&server)
            .retry_policy(fast_retry().retry_interrupted(true))
            .build()
            .unwrap()
            .generate("fox")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert_eq!(attempts(&server), 2, "{fault}");
    }
}

/// A body that breaks off after a 200 is reported as a broken answer, not as a decoding problem
/// (reqwest's own text for it starts "error decoding response body").
#[tokio::test]
async fn a_body_that_breaks_off_says_so() {
    for (fault, cause) in [
        (
            Fault::TruncatedBody,
            "error reading a body from connection: end of file before message length reached",
        ),
        (
            Fault::CloseMidResponse,
            "error reading a body from connection: unexpected EOF during chunk size line",
        ),
    ] {
        let server = always(fault.clone()).await;
        let err = fails(&client(&server), &server).await;
        assert_eq!(
            err.to_string(),
            format!("connection to the API failed: the answer (HTTP 200) broke off: {cause}"),
            "{fault}"
        );
    }
}

#[tokio::test]
async fn the_deadline_bounds_the_attempts() {
    // Every answer is a retryable 503 after 150 ms; ten retries would take over 1.5 s.
    let server = MockServer::builder()
        .fault(Fault::Delay(Duration::from_millis(150)))
        .fault(status(503, None))
        .start()
        .await
        .unwrap();
    let client = builder(&server)
        .retry_policy(
            fast_retry()
                .max_retries(10)
                .deadline(Duration::from_millis(500)),
        )
        .build()
        .unwrap();
    let err = fails(&client, &server).await;
    assert!(
        matches!(err, Error::Timeout { .. } | Error::Api { status: 503, .. }),
        "{err:?}"
    );
    let sent = attempts(&server);
    assert!(
        (1..=4).contains(&sent),
        "{sent} attempts of 150 ms within 500 ms"
    );

    // A hanging attempt is cut by the deadline and, though timeouts are retried here, no time
    // is left for another.
    let server = always(Fault::Delay(Duration::from_secs(30))).await;
    let client = builder(&server)
        .retry_policy(
            fast_retry()
                .retry_timeouts(true)
                .max_retries(10)
                .deadline(Duration::from_millis(300)),
        )
        .build()
        .unwrap();
    let err = fails(&client, &server).await;
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(attempts(&server), 1);
}
