//! The retry policy's waits and the `Retry-After` parser.

use std::time::Duration;

use super::retry_after::parse_retry_after;
use super::*;
use crate::error::Error;

#[test]
fn retry_after_seconds_and_dates() {
    assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(Duration::ZERO)
    );
    let future = std::time::SystemTime::now() + Duration::from_secs(30);
    let parsed = parse_retry_after(&httpdate::fmt_http_date(future)).unwrap();
    assert!(parsed > Duration::from_secs(25) && parsed <= Duration::from_secs(30));
    assert_eq!(parse_retry_after("soon"), None);
    assert_eq!(
        parse_retry_after("99999999999999999999999"),
        Some(Duration::from_secs(u64::MAX))
    );
}

#[test]
fn hostile_hints_and_settings_never_overflow() {
    let policy = RetryPolicy::default()
        .max_retry_after(Duration::MAX)
        .max_backoff(Duration::MAX)
        .initial_backoff(Duration::MAX);
    let failure = Failure {
        error: Error::timeout(Duration::ZERO),
        class: Class::Status(429),
        retry_after: Some(Duration::from_secs(u64::MAX)),
    };
    assert_eq!(policy.wait_before(1, &failure), Some(Duration::MAX));
    assert!(policy.backoff(40) <= Duration::MAX);
}

#[test]
fn retry_after_gets_jitter_above_the_hint() {
    let policy = RetryPolicy::default().initial_backoff(Duration::from_millis(1));
    let failure = Failure {
        error: Error::timeout(Duration::ZERO),
        class: Class::Status(503),
        retry_after: Some(Duration::from_secs(10)),
    };
    let waits: Vec<Duration> = (0..50)
        .map(|_| policy.wait_before(1, &failure).unwrap())
        .collect();
    assert!(
        waits
            .iter()
            .all(|w| *w >= Duration::from_secs(10) && *w <= Duration::from_secs(12))
    );
    assert!(waits.iter().any(|w| *w != waits[0]), "jittered");
}

#[test]
fn the_default_deadline_leaves_room_for_a_long_attempt() {
    let policy = RetryPolicy::default();
    let secs = Duration::from_secs;
    assert_eq!(policy.deadline_for(secs(120)), secs(300));
    assert_eq!(policy.deadline_for(secs(600)), secs(600));
    let set = policy.deadline(secs(30));
    assert_eq!(set.deadline_for(secs(600)), secs(30), "checked by build()");
}

#[test]
fn backoff_grows_and_is_capped() {
    let policy = RetryPolicy::default()
        .initial_backoff(Duration::from_millis(100))
        .max_backoff(Duration::from_millis(300));
    for _ in 0..50 {
        let first = policy.backoff(1);
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
        let third = policy.backoff(3);
        assert!(third >= Duration::from_millis(150) && third <= Duration::from_millis(300));
    }
}

#[test]
fn default_policy_retries_only_what_did_not_start_work() {
    let policy = RetryPolicy::default();
    let failure = |class| Failure {
        error: Error::NoImages { request_id: None },
        class,
        retry_after: None,
    };
    assert!(
        policy
            .wait_before(1, &failure(Class::ConnectFailed))
            .is_some()
    );
    assert!(
        policy
            .wait_before(1, &failure(Class::Status(429)))
            .is_some()
    );
    assert!(
        policy
            .wait_before(1, &failure(Class::Status(503)))
            .is_some()
    );
    assert!(
        policy
            .wait_before(3, &failure(Class::Status(503)))
            .is_none()
    );
    for class in [
        Class::Interrupted,
        Class::Timeout,
        Class::Status(500),
        Class::Status(502),
        Class::Final,
    ] {
        assert!(
            policy.wait_before(1, &failure(class)).is_none(),
            "{class:?}"
        );
    }
}
