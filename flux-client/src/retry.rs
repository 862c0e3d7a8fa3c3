//! The one place that knows when to retry, and how long to wait.

use std::future::Future;
use std::time::{Duration, Instant};

use tracing::Instrument;

use crate::error::{Error, Result};
use crate::limiter::{Limiter, Outcome};

/// When failed generations are sent again.
///
/// Image generation is billed per request and the API has no idempotency key, so the default
/// retries only what surely did not start work: a connection that failed before the request was
/// sent, `429 Too Many Requests` and `503 Service Unavailable`, at most twice, within a total
/// [`deadline`](Self::deadline) of five minutes (or the per-attempt timeout, when that is
/// longer). A certificate the TLS handshake refuses is not retried (it would be
/// refused again), nor is moderation ([`Error::Moderated`]) or an exhausted quota
/// ([`Error::is_quota_exhausted`]), whatever the policy says. Opt into more with
/// [`retry_status`](Self::retry_status), [`retry_timeouts`](Self::retry_timeouts) and
/// [`retry_interrupted`](Self::retry_interrupted).
///
/// Waits grow exponentially from [`initial_backoff`](Self::initial_backoff) up to
/// [`max_backoff`](Self::max_backoff), with random jitter. A server's `Retry-After` (seconds or
/// an HTTP date) is honoured, plus up to 20 % jitter, when it is at most
/// [`max_retry_after`](Self::max_retry_after); a longer hint ends the retries at once, and is
/// reported in the error: [`Error::RateLimited`] for a 429, [`Error::Api`] for a 503.
///
/// A retry is only started when the deadline leaves it the wait and a whole per-attempt
/// timeout: an attempt cut short by the deadline may be billed and then abandoned. Otherwise
/// the previous failure is returned (the real 429 or 503, not a timeout).
///
/// ```
/// use std::time::Duration;
/// use flux_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_retries(4)
///     .retry_status(502)
///     .deadline(Duration::from_secs(120));
/// assert_eq!(policy.get_max_retries(), 4);
/// assert!(policy.retries_status(502) && policy.retries_status(429));
/// assert!(!RetryPolicy::never().retries_status(429));
/// assert_eq!(policy.get_deadline(), Some(Duration::from_secs(120)));
/// assert_eq!(RetryPolicy::default().get_deadline(), None); // the default, see `deadline`
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    /// `None`: [`RetryPolicy::DEFAULT_DEADLINE`] or the per-attempt timeout, whichever is longer.
    deadline: Option<Duration>,
    statuses: Vec<u16>,
    retry_timeouts: bool,
    retry_interrupted: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            deadline: None,
            statuses: vec![429, 503],
            retry_timeouts: false,
            retry_interrupted: false,
        }
    }
}

impl RetryPolicy {
    /// The total deadline used when none is set, unless the per-attempt timeout is longer
    /// (see [`deadline`](Self::deadline)).
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);

    /// A policy that never retries (the deadline still applies).
    pub fn never() -> Self {
        Self::default().max_retries(0)
    }

    /// How many times a request may be sent again after the first attempt.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The wait before the first retry; each further retry doubles it.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest wait between two attempts computed from backoff.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// The longest `Retry-After` the client will wait for; a longer hint stops retrying.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The total time allowed for all attempts and the waits between them.
    ///
    /// Unset, it is [`DEFAULT_DEADLINE`](Self::DEFAULT_DEADLINE) (300 s) or the client's
    /// per-attempt [`timeout`](crate::FluxClientBuilder::timeout), whichever is longer, so
    /// that one attempt always gets its whole timeout. A deadline set here that is shorter than
    /// a timeout set on the builder is refused by [`build`](crate::FluxClientBuilder::build)
    /// (`Error::InvalidConfig` for `deadline`); with the timeout left at its default, the
    /// timeout shrinks to the deadline instead. [`FluxClient::config`](crate::FluxClient::config)
    /// reports the deadline in effect ([`Config::deadline`](crate::Config::deadline)).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Also retry answers with this HTTP status (for example 502 or 504). The request may have
    /// started work on the server, so this can bill twice.
    pub fn retry_status(mut self, status: u16) -> Self {
        if !self.statuses.contains(&status) {
            self.statuses.push(status);
        }
        self
    }

    /// Retry attempts that timed out. The server may still be generating (and billing) the
    /// abandoned image.
    pub fn retry_timeouts(mut self, retry: bool) -> Self {
        self.retry_timeouts = retry;
        self
    }

    /// Retry connections that broke after the request was sent. The server may have received it.
    pub fn retry_interrupted(mut self, retry: bool) -> Self {
        self.retry_interrupted = retry;
        self
    }

    /// The configured number of retries.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The total deadline set with [`deadline`](Self::deadline), or `None` for the default
    /// (see there; [`Config::deadline`](crate::Config::deadline) has the value in effect).
    pub fn get_deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The deadline in effect for a client whose attempts may each take `per_attempt`.
    pub(crate) fn deadline_for(&self, per_attempt: Duration) -> Duration {
        self.deadline
            .unwrap_or_else(|| Self::DEFAULT_DEADLINE.max(per_attempt))
    }

    /// Whether an answer with this status is retried.
    pub fn retries_status(&self, status: u16) -> bool {
        self.max_retries > 0 && self.statuses.contains(&status)
    }

    fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let capped = exp.min(self.max_backoff);
        // Jitter in [50 %, 100 %] so that many clients limited at once do not retry in step.
        capped.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    /// The wait before sending a 429 again that the limiter absorbs: the server's hint, or
    /// nothing (the limiter paces), or `None` when the hint is too long to wait for.
    fn wait_for_hint(&self, hint: Option<Duration>) -> Option<Duration> {
        match hint {
            Some(hint) if hint > self.max_retry_after => None,
            hint => Some(hint.unwrap_or_default()),
        }
    }

    /// The wait before retry number `retry` (1-based), or `None` when the failure is final.
    fn wait_before(&self, retry: u32, failure: &Failure) -> Option<Duration> {
        if retry > self.max_retries {
            return None;
        }
        let eligible = match failure.class {
            Class::ConnectFailed => true,
            Class::Interrupted => self.retry_interrupted,
            Class::Timeout => self.retry_timeouts,
            Class::Status(status) => self.statuses.contains(&status),
            Class::Final => false,
        };
        if !eligible {
            return None;
        }
        let backoff = self.backoff(retry);
        match failure.retry_after {
            Some(hint) if hint > self.max_retry_after => None,
            // Up to 20 % more than the hint, so that clients told the same second do not all
            // come back in it.
            Some(hint) => Some(
                hint.saturating_add(hint.mul_f64(fastrand::f64() * 0.2))
                    .max(backoff),
            ),
            None => Some(backoff),
        }
    }
}

/// How a failed attempt may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// The connection failed before the request was sent.
    ConnectFailed,
    /// The connection broke after the request may have been sent.
    Interrupted,
    /// The attempt ran out of time.
    Timeout,
    /// The server answered with this status (or this `error.code` inside a 200).
    Status(u16),
    /// Never retried (bad answers, invalid requests, ...).
    Final,
}

/// A failed attempt: the error to report and what it says about retrying.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    pub(crate) class: Class,
    pub(crate) retry_after: Option<Duration>,
}

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

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Parses `Retry-After`: delay seconds or an HTTP date (a date in the past means now). A
/// number of seconds too large for a `u64` is taken as the largest one (a hint that long is
/// never waited for).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
