//! The retry policy: which failures are sent again, and how long to wait before each retry.

use std::time::Duration;

use super::failure::{Class, Failure};

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
///
/// [`Error::Moderated`]: crate::Error::Moderated
/// [`Error::is_quota_exhausted`]: crate::Error::is_quota_exhausted
/// [`Error::RateLimited`]: crate::Error::RateLimited
/// [`Error::Api`]: crate::Error::Api
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
    wait_on_rate_limit: bool,
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
            wait_on_rate_limit: true,
        }
    }
}

impl RetryPolicy {
    /// The total deadline used when none is set, unless the per-attempt timeout is longer
    /// (see [`deadline`](Self::deadline)).
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);

    /// A policy that never retries (the deadline still applies).
    #[must_use]
    pub fn never() -> Self {
        Self::default().max_retries(0)
    }

    /// How many times a request may be sent again after the first attempt.
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The wait before the first retry; each further retry doubles it.
    #[must_use]
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest wait between two attempts computed from backoff.
    #[must_use]
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// The longest `Retry-After` the client will wait for; a longer hint stops retrying.
    #[must_use]
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
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Also retry answers with this HTTP status (for example 502 or 504). The request may have
    /// started work on the server, so this can bill twice.
    #[must_use]
    pub fn retry_status(mut self, status: u16) -> Self {
        if !self.statuses.contains(&status) {
            self.statuses.push(status);
        }
        self
    }

    /// Retry attempts that timed out. The server may still be generating (and billing) the
    /// abandoned image.
    #[must_use]
    pub fn retry_timeouts(mut self, retry: bool) -> Self {
        self.retry_timeouts = retry;
        self
    }

    /// Retry connections that broke after the request was sent. The server may have received it.
    #[must_use]
    pub fn retry_interrupted(mut self, retry: bool) -> Self {
        self.retry_interrupted = retry;
        self
    }

    /// Whether a `429 Too Many Requests` is waited out (the default: the limiter slows down and
    /// the request goes again while the deadline allows, which can take minutes on a busy
    /// account). With `false` the first 429 ends the request as
    /// [`Error::RateLimited`](crate::Error::RateLimited), with the server's
    /// [`retry_after`](crate::Error::retry_after), for a script that would rather fail fast.
    /// The limiter still paces requests before they are sent.
    ///
    /// ```
    /// let policy = flux_client::RetryPolicy::default().wait_on_rate_limit(false);
    /// assert!(!policy.retries_status(429) && policy.retries_status(503));
    /// ```
    #[must_use]
    pub fn wait_on_rate_limit(mut self, wait: bool) -> Self {
        self.wait_on_rate_limit = wait;
        self
    }

    /// Whether a 429 is waited out (see [`wait_on_rate_limit`](Self::wait_on_rate_limit)).
    #[must_use]
    pub fn get_wait_on_rate_limit(&self) -> bool {
        self.wait_on_rate_limit
    }

    /// The configured number of retries.
    #[must_use]
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The total deadline set with [`deadline`](Self::deadline), or `None` for the default
    /// (see there; [`Config::deadline`](crate::Config::deadline) has the value in effect).
    #[must_use]
    pub fn get_deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The deadline in effect for a client whose attempts may each take `per_attempt`.
    pub(crate) fn deadline_for(&self, per_attempt: Duration) -> Duration {
        self.deadline
            .unwrap_or_else(|| Self::DEFAULT_DEADLINE.max(per_attempt))
    }

    /// Whether an answer with this status is retried.
    #[must_use]
    pub fn retries_status(&self, status: u16) -> bool {
        self.max_retries > 0
            && self.statuses.contains(&status)
            && (status != 429 || self.wait_on_rate_limit)
    }

    pub(super) fn backoff(&self, retry: u32) -> Duration {
        super::backoff(self.initial_backoff, self.max_backoff, retry)
    }

    /// The wait before sending a 429 again that the limiter absorbs: the server's hint, or
    /// nothing (the limiter paces), or `None` when the hint is too long to wait for.
    pub(super) fn wait_for_hint(&self, hint: Option<Duration>) -> Option<Duration> {
        match hint {
            Some(hint) if hint > self.max_retry_after => None,
            hint => Some(hint.unwrap_or_default()),
        }
    }

    /// The wait before retry number `retry` (1-based), or `None` when the failure is final.
    pub(super) fn wait_before(&self, retry: u32, failure: &Failure) -> Option<Duration> {
        if retry > self.max_retries {
            return None;
        }
        let eligible = match failure.class {
            Class::ConnectFailed => true,
            Class::Interrupted => self.retry_interrupted,
            Class::Timeout => self.retry_timeouts,
            Class::Status(429) => self.wait_on_rate_limit && self.statuses.contains(&429),
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
