//! The server's `Retry-After` hint.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The `Retry-After` hint of an answer's `headers`, if it has a readable one.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?)
}

/// Parses `Retry-After`: delay seconds or an HTTP date (a date in the past means now). A
/// number of seconds too large for a `u64` is taken as the largest one (a hint that long is
/// never waited for).
pub(super) fn parse_retry_after(value: &str) -> Option<Duration> {
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
