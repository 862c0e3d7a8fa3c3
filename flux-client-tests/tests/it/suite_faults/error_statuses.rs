//! Error statuses: 500, 502 and 503 (retried or not), the documented 401/402/403 bodies, and
//! moderation.

use std::time::{Duration, Instant};

use flux_client::Error;
use flux_client::mock::{Fault, MockServer};

use super::{always, fails, status, with_request_id};
use crate::layer_common::fast_retry;
use crate::suite_support::*;

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
                // The mock answers every request with an id, as a real API does.
                let last = server.requests_on(flux_client::mock::Listener::Api);
                assert_eq!(
                    request_id.as_deref(),
                    Some(last.last().unwrap().request_id.as_str())
                );
            }
            other => panic!("{code}: {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            with_request_id(
                &server,
                format!("API error {code} ({error_type}): {message}")
            )
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
        with_request_id(
            &server,
            "API error 503 (service_unavailable): The model is unavailable: no provider can serve it right now."
        )
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
            with_request_id(
                &server,
                format!("API error {code} ({error_type}): {message}")
            )
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
            with_request_id(
                &server,
                format!("refused by moderation (HTTP 403, moderation_error): {message}")
            )
        );
        assert_eq!(
            attempts(&server),
            1,
            "{fault}: even when 403 is opted into retries"
        );
    }
}
