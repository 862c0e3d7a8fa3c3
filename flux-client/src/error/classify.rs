//! What an error says: the status, request id and hint it carries, and whether trying again
//! may help.

use std::time::Duration;

use super::{ConnectionFailure, Error};

impl Error {
    /// The HTTP status the error stands for, when the server (or the image host) answered.
    ///
    /// ```
    /// let err = flux_client::FluxClient::builder().build().unwrap_err();
    /// assert_eq!(err.status(), None); // refused before anything was sent
    /// ```
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Moderated { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            Error::Decode { status, .. } => Some(*status),
            Error::NoImages { .. } => Some(200),
            Error::Download { status, .. } => *status,
            _ => None,
        }
    }

    /// The server's request id (`x-request-id`), when it sent one: quote it to support.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. }
            | Error::Moderated { request_id, .. }
            | Error::RateLimited { request_id, .. }
            | Error::NoImages { request_id } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The server's `Retry-After` hint, when it sent a readable one.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } | Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether sending the same request again later may succeed: network failures (not a
    /// refused certificate), timeouts, 408, 429 (not an exhausted quota), 5xx, an answer
    /// without images, and downloads that failed that way. Not: invalid input, moderation,
    /// other 4xx (401, 402, ...), undecodable answers, local disk errors.
    ///
    /// This says what a program may try, not what the client's [`RetryPolicy`](crate::RetryPolicy)
    /// retried: a retried POST may be billed twice.
    ///
    /// ```
    /// let err = flux_client::FluxClient::builder().build().unwrap_err();
    /// assert!(!err.is_retryable() && !err.is_timeout() && err.request_id().is_none());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connection { kind, .. } => *kind != ConnectionFailure::Certificate,
            Error::Timeout { .. } | Error::NoImages { .. } => true,
            Error::RateLimited { .. } => !self.is_quota_exhausted(),
            Error::Api { status, .. } => transient_status(*status),
            Error::Download {
                status,
                source,
                reason,
                ..
            } => match status {
                Some(status) => transient_status(*status),
                // A transport failure (it has a cause) or a timeout; not a body that is no
                // image or is over the cap.
                None => source.is_some() || reason == TIMED_OUT,
            },
            _ => false,
        }
    }

    /// Whether the call (or the whole deadline) ran out of time.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::Download { reason, .. } => reason == TIMED_OUT,
            _ => false,
        }
    }

    /// Whether the server refused the content ([`Error::Moderated`]).
    #[must_use]
    pub fn is_moderation(&self) -> bool {
        matches!(self, Error::Moderated { .. })
    }

    /// Whether a 429 says the account's quota is used up (`insufficient_quota`), which waiting
    /// a few seconds does not fix.
    #[must_use]
    pub fn is_quota_exhausted(&self) -> bool {
        match self {
            Error::RateLimited {
                error_type, code, ..
            } => [error_type, code]
                .iter()
                .any(|v| v.as_deref() == Some("insufficient_quota")),
            _ => false,
        }
    }

    /// Whether the account, not the request, is at fault: the key is refused (401), the
    /// credits are used up (402), or the quota is exhausted. Every other request with this key
    /// fails the same way until the account is fixed.
    #[must_use]
    pub fn is_account_error(&self) -> bool {
        matches!(
            self,
            Error::Api {
                status: 401 | 402,
                ..
            }
        ) || self.is_quota_exhausted()
    }

    /// Whether the request itself is at fault: refused before it was sent (invalid input or
    /// configuration), or by the server for what it contains (400, 413, 422, moderation).
    /// Sending it unchanged fails the same way (and may be billed).
    #[must_use]
    pub fn is_rejected_request(&self) -> bool {
        match self {
            Error::InvalidConfig { .. }
            | Error::InvalidRequest { .. }
            | Error::Moderated { .. } => true,
            Error::Api { status, .. } => matches!(status, 400 | 413 | 422),
            _ => false,
        }
    }

    /// What kind of connection failure this is, for [`Error::Connection`].
    #[must_use]
    pub fn connection_failure(&self) -> Option<ConnectionFailure> {
        match self {
            Error::Connection { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// The reason of a download that timed out.
pub(crate) const TIMED_OUT: &str = "timed out";

/// 408, 429 and 5xx: the server may answer differently later.
pub(crate) fn transient_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}
