//! Delays, timeouts and the retry deadline.

use std::time::Duration;

use flux_client::Error;
use flux_client::mock::{Fault, MockServer};

use super::{always, fails, status};
use crate::layer_common::fast_retry;
use crate::suite_support::*;

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
