//! An error the API (or something in front of it) answered, as the layer's [`Error`]: the
//! documented error body when there is one, else what the status says.

use std::time::Duration;

use reqwest::StatusCode;

use crate::error::Error;
use crate::retry::{Class, Failure};
use crate::types::ErrorDetail;

/// What the answer's headers say that a failure keeps.
pub(super) struct Headers {
    pub(super) request_id: Option<String>,
    pub(super) retry_after: Option<Duration>,
}

/// What an error body said, as far as it could be read.
pub(super) struct Details {
    code: Option<i64>,
    message: String,
    error_type: Option<String>,
    param: Option<String>,
}

impl Details {
    /// An answer without the API's error body: its status's reason phrase, then `more` (what
    /// was read of the body, or why it was not).
    pub(super) fn from_status(status: StatusCode, more: &str) -> Self {
        Self {
            code: None,
            message: format!("{}{more}", reason(status)),
            error_type: None,
            param: None,
        }
    }

    /// The API's documented error body.
    pub(super) fn from_body(detail: ErrorDetail) -> Self {
        let param = match detail.param {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) if s.is_empty() => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(other) => Some(other.to_string()),
        };
        Self {
            code: Some(detail.code),
            message: detail.message,
            error_type: detail.type_.filter(|t| !t.is_empty()),
            param,
        }
    }
}

/// The status's reason phrase (`Bad Gateway`), or `HTTP 599` for a status without one.
fn reason(status: StatusCode) -> String {
    status
        .canonical_reason()
        .map_or_else(|| format!("HTTP {}", status.as_u16()), str::to_owned)
}

/// The `type`s (or text `code`s) that mean the content was refused.
const MODERATION_TYPES: [&str; 2] = ["moderation_error", "content_policy_violation"];

/// The failure for an error answered with `status` (the HTTP status, or the `code` of an error
/// under HTTP 200).
pub(super) fn failure(status: u16, details: Details, headers: Headers) -> Failure {
    let Headers {
        request_id,
        retry_after,
    } = headers;
    let moderated = details
        .error_type
        .as_deref()
        .is_some_and(|t| MODERATION_TYPES.contains(&t));
    let (error, class) = if moderated {
        let error = Error::Moderated {
            status,
            message: details.message,
            error_type: details.error_type,
            request_id,
        };
        (error, Class::Final)
    } else if status == 429 {
        let error = Error::RateLimited {
            retry_after,
            message: details.message,
            error_type: details.error_type,
            code: details.code.map(|c| c.to_string()),
            request_id,
        };
        // Waiting does not refill a quota: sending again only adds failed (or billed) calls.
        let class = if error.is_quota_exhausted() {
            Class::Final
        } else {
            Class::Status(status)
        };
        (error, class)
    } else {
        let error = Error::Api {
            status,
            code: details.code,
            message: details.message,
            error_type: details.error_type,
            param: details.param,
            retry_after,
            request_id,
        };
        (error, Class::Status(status))
    };
    Failure {
        error,
        class,
        retry_after,
    }
}
