//! The retry loop: attempts paced by the limiter, retried as the policy says, within the deadline.

use std::future::Future;
use std::time::{Duration, Instant};

use tracing::Instrument;

use super::failure::{Class, Failure};
use super::policy::RetryPolicy;
use crate::error::{Error, Result};
use crate::limiter::{Limiter, Outcome};

/// Runs `attempt` until it succeeds, the policy says stop, or `deadline` (the one in effect,
/// from [`Config::deadline`](crate::Config::deadline)) passes. Each attempt gets at most
/// `per_attempt`, and never more than what is left of the deadline.
///
/// Every attempt first waits for the `limiter`; the deadline counts from the first attempt's
/// sending, not from the wait before it. A 429 that the limiter absorbs is not a retry: it is
/// sent again when the limiter lets it, for as long as the deadline allows.
pub(crate) async fn run<T, F, Fut>(
    limiter: &Limiter,
    policy: &RetryPolicy,
    per_attempt: Duration,
    deadline: Duration,
    mut attempt: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Box<Failure>>>,
{
    // Set when the first attempt is sent: waiting for the limiter before it is not counted.
    // A deadline too far to represent (`Duration::MAX`) is no deadline.
    let mut clock: Option<(Instant, Option<Instant>)> = None;
    let (mut number, mut retries) = (0u32, 0u32);
    // The failure being retried: what the caller gets if the limiter holds the retry too long.
    let mut last: Option<Error> = None;
    loop {
        number += 1;
        let permit = match clock {
            Some((started, Some(deadline))) => {
                // A retry must still have its whole timeout once the limiter lets it go.
                let latest = deadline.checked_sub(per_attempt).unwrap_or(started);
                let latest = tokio::time::Instant::from_std(latest);
                match tokio::time::timeout_at(latest, limiter.acquire()).await {
                    Ok(permit) => permit,
                    Err(_) => {
                        return Err(last.unwrap_or_else(|| Error::timeout(started.elapsed())));
                    }
                }
            }
            _ => limiter.acquire().await,
        };
        let (started, deadline) = *clock.get_or_insert_with(|| {
            let now = Instant::now();
            (now, now.checked_add(deadline))
        });
        let left =
            |now: Instant| deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(now));
        let span = tracing::info_span!(
            "flux.attempt",
            attempt = number,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let budget = per_attempt.min(left(Instant::now()));
        tracing::debug!(parent: &span, attempt = number, timeout_ms = millis(budget), "attempt");
        let outcome = tokio::time::timeout(budget, attempt())
            .instrument(span)
            .await;
        permit.finish(match &outcome {
            Ok(Ok(_)) => Outcome::Success,
            Ok(Err(failure)) if failure.class == Class::Status(429) => {
                Outcome::RateLimited(failure.retry_after)
            }
            _ => Outcome::Other,
        });
        let failure = match outcome {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(failure)) => {
                let mut failure = *failure;
                if let Error::Timeout { elapsed } = &mut failure.error {
                    *elapsed = started.elapsed();
                }
                failure
            }
            Err(_) => Failure {
                error: Error::timeout(started.elapsed()),
                class: Class::Timeout,
                retry_after: None,
            },
        };
        // A 429 the limiter absorbs is not a retry: the limiter slows down, the hint is waited
        // for, and the request goes again while the deadline allows.
        let absorbed = failure.class == Class::Status(429)
            && limiter.absorbs_429()
            && policy.retries_status(429);
        let wait = if absorbed {
            policy.wait_for_hint(failure.retry_after)
        } else {
            retries += 1;
            policy.wait_before(retries, &failure)
        };
        let Some(wait) = wait else {
            tracing::debug!(attempt = number, error = %failure.error, "not retried");
            return Err(failure.error);
        };
        // A billed attempt is only started when it can have its whole timeout: one cut short
        // by the deadline may be paid for and then abandoned. The real failure is reported,
        // not a timeout.
        let needed = wait.saturating_add(per_attempt);
        if needed > left(Instant::now()) {
            tracing::warn!(
                attempt = number,
                wait_ms = millis(wait),
                error = %failure.error,
                "not retried: the deadline leaves too little time for another attempt"
            );
            return Err(failure.error);
        }
        tracing::warn!(
            attempt = number,
            wait_ms = millis(wait),
            error = %failure.error,
            "retrying"
        );
        last = Some(failure.error);
        tokio::time::sleep(wait).await;
    }
}

/// A duration in whole milliseconds, for logs.
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
