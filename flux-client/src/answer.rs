//! Reads the API's answer once, bounded, and puts it in the shape the generated client decodes
//! without losing what a failure needs.
//!
//! progenitor decodes a 2xx body as `CreateImageResponse` and a 4xx/5xx body as `ErrorBody`; when
//! that fails it keeps only the bytes, not the status or the headers. So, before it decodes:
//!
//! - a 2xx whose body is `{"error": {...}}` with no `data` (or a `null` one; OneRouter reports
//!   most errors under HTTP 200) gets the status the body's `code` names, so it arrives as an
//!   error answer with its headers (request id, `Retry-After`);
//! - a 4xx/5xx whose body is not the API's error JSON (a proxy's HTML page, an empty 503, a body
//!   that broke off) gets one written from its status and the start of its body, marked with the
//!   [`SYNTHESIZED`] header so that the layer knows the server sent no `code`;
//! - a body larger than the configured cap is not read further: a 2xx is refused through the
//!   [`TooLarge`] extension (the post hook turns it into an error), a 4xx/5xx keeps its status.

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};

use crate::error::excerpt;
use crate::types::{ErrorBody, ErrorDetail};

/// Marks an error answer whose JSON body the client wrote itself (see the module docs).
pub static SYNTHESIZED: HeaderName = HeaderName::from_static("x-flux-client-synthesized");

/// Set (as a response extension) on a 2xx answer whose body passed the size cap: the post hook
/// turns it into an error before progenitor tries to decode the empty body left in its place.
#[derive(Clone, Debug)]
pub(crate) struct TooLarge(pub(crate) u64);

/// Reads `response`'s body (at most `max_bytes`) and returns an answer with the same status,
/// headers and URL, normalised as the module docs say. Statuses other than 2xx, 4xx and 5xx are
/// returned untouched, unread.
pub(crate) async fn normalize(
    mut response: reqwest::Response,
    max_bytes: u64,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    if !status.is_success() && !is_error {
        return Ok(response);
    }
    let url = response.url().clone();
    let version = response.version();
    let mut headers = std::mem::take(response.headers_mut());
    let (status, body) = match read(&mut response, max_bytes).await {
        Ok(Read::Whole(body)) if status.is_success() => {
            (error_status(&body).unwrap_or(status), body)
        }
        Ok(Read::Whole(body)) if is_error_body(&body) => (status, body),
        Ok(Read::Whole(body)) => {
            let text = excerpt(&body);
            let message = match text.trim() {
                "" => reason(status),
                text => format!("{}: {text}", reason(status)),
            };
            (status, synthesize(&mut headers, status, &message))
        }
        Ok(Read::TooLarge) if status.is_success() => {
            let mut answer = rebuild(status, version, url, headers, Bytes::new());
            answer.extensions_mut().insert(TooLarge(max_bytes));
            return Ok(answer);
        }
        Ok(Read::TooLarge) => {
            let message = format!(
                "{}; the body is larger than the {max_bytes}-byte limit (max_response_bytes)",
                reason(status)
            );
            (status, synthesize(&mut headers, status, &message))
        }
        Err(error) if is_error => {
            let message = format!(
                "{}; the body could not be read: {}",
                reason(status),
                crate::response::describe(&error)
            );
            (status, synthesize(&mut headers, status, &message))
        }
        // A 2xx that broke off: the layer reports it as an interrupted exchange.
        Err(error) => return Err(error),
    };
    Ok(rebuild(status, version, url, headers, body))
}

enum Read {
    Whole(Bytes),
    TooLarge,
}

/// Reads the whole body, refusing more than `max_bytes`. A body that arrives in one chunk (the
/// usual small JSON answer) is kept as it came, without a copy.
async fn read(response: &mut reqwest::Response, max_bytes: u64) -> reqwest::Result<Read> {
    if response
        .content_length()
        .is_some_and(|length| length > max_bytes)
    {
        return Ok(Read::TooLarge);
    }
    let Some(first) = response.chunk().await? else {
        return Ok(Read::Whole(Bytes::new()));
    };
    if first.len() as u64 > max_bytes {
        return Ok(Read::TooLarge);
    }
    let Some(second) = response.chunk().await? else {
        return Ok(Read::Whole(first));
    };
    let capacity = response.content_length().unwrap_or(0).min(max_bytes);
    let mut body = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
    body.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
            return Ok(Read::TooLarge);
        }
        body.extend_from_slice(&chunk);
        next = response.chunk().await?;
    }
    Ok(Read::Whole(body.freeze()))
}

fn rebuild(
    status: StatusCode,
    version: reqwest::Version,
    url: reqwest::Url,
    headers: reqwest::header::HeaderMap,
    body: Bytes,
) -> reqwest::Response {
    use reqwest::ResponseBuilderExt;
    let mut answer = http::Response::builder()
        .status(status)
        .version(version)
        .url(url)
        .body(body)
        .expect("status, version and URL come from a valid response");
    *answer.headers_mut() = headers;
    reqwest::Response::from(answer)
}

/// The status a 2xx error body stands for: its `code` when that is an error status and the body
/// has no `data` (absent or `null`). Only a body with an `"error"` in it is parsed here, so image
/// answers are not parsed twice.
fn error_status(body: &[u8]) -> Option<StatusCode> {
    #[derive(serde::Deserialize)]
    struct ErrorAnswer {
        error: ErrorDetail,
        #[serde(default)]
        data: Option<serde::de::IgnoredAny>,
    }
    if !contains(body, b"\"error\"") {
        return None;
    }
    let answer: ErrorAnswer = serde_json::from_slice(body).ok()?;
    if answer.data.is_some() {
        return None;
    }
    let code = u16::try_from(answer.error.code).ok()?;
    let status = StatusCode::from_u16(code).ok()?;
    (status.is_client_error() || status.is_server_error()).then_some(status)
}

fn is_error_body(body: &[u8]) -> bool {
    serde_json::from_slice::<ErrorBody>(body).is_ok()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// The status's reason phrase (`Bad Gateway`), or `HTTP 599` for a status without one.
pub(crate) fn reason(status: StatusCode) -> String {
    status
        .canonical_reason()
        .map_or_else(|| format!("HTTP {}", status.as_u16()), str::to_owned)
}

/// An `ErrorBody` for `status` with `message`, and the headers that say so.
fn synthesize(
    headers: &mut reqwest::header::HeaderMap,
    status: StatusCode,
    message: &str,
) -> Bytes {
    headers.insert(SYNTHESIZED.clone(), HeaderValue::from_static("1"));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.remove(CONTENT_LENGTH);
    let body = serde_json::json!({"error": {"code": status.as_u16(), "message": message}});
    serde_json::to_vec(&body)
        .expect("a JSON value serializes")
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_body_without_data_and_with_an_error_code_changes_the_status() {
        let error = br#"{"error": {"code": 429, "message": "slow down"}}"#;
        assert_eq!(error_status(error), Some(StatusCode::TOO_MANY_REQUESTS));
        let images = br#"{"created": 1, "data": [], "error": {"code": 429, "message": "x"}}"#;
        assert_eq!(error_status(images), None);
        assert_eq!(
            error_status(br#"{"error": {"code": 200, "message": "x"}}"#),
            None
        );
        assert_eq!(
            error_status(br#"{"error": {"code": 70000, "message": "x"}}"#),
            None
        );
        assert_eq!(error_status(b"<html>"), None);
    }

    #[test]
    fn an_error_beside_null_data_changes_the_status() {
        let body = br#"{"data": null, "error": {"code": 429, "message": "slow down"}}"#;
        assert_eq!(error_status(body), Some(StatusCode::TOO_MANY_REQUESTS));
    }
}
