//! 429s: retried, their `Retry-After` waited for within the bound and the deadline.

use std::time::{Duration, Instant};

use flux_client::mock::MockServer;
use flux_client::{Error, Limits};

use super::{RATE_LIMITED, always, fails, status, unlimited, with_request_id};
use crate::suite_support::*;

#[tokio::test]
async fn a_429_without_retry_after_is_retried_then_rate_limited() {
    let server = always(status(429, None)).await;
    let err = fails(&unlimited(&server), &server).await;
    assert!(
        matches!(&err, Error::RateLimited { retry_after: None, message, request_id: Some(_), .. }
            if message == RATE_LIMITED),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(429));
    assert_eq!(
        err.to_string(),
        with_request_id(
            &server,
            format!("rate limited (rate_limit_error): {RATE_LIMITED}")
        )
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
        with_request_id(
            &server,
            format!("rate limited (rate_limit_error): {RATE_LIMITED} (retry after 1 s)")
        )
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
