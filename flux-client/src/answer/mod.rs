//! The one decoder of the API's answer: the body is read once (bounded, `body.rs`) and becomes
//! the images or a typed failure, keeping what a failure needs (status, request id,
//! `Retry-After`). progenitor builds and sends the request (`session.rs`); it does not read the
//! layer's answers, because its decoding keeps only the bytes of a body it cannot decode.
//!
//! - a 2xx is the generated `CreateImageResponse`; when that fails and its `data` can still be
//!   read, the images are kept with a warning (`lenient.rs`);
//! - a 2xx whose body is `{"error": {...}}` with no `data` (OneRouter reports most errors under
//!   HTTP 200) is that API error, with the status its `code` names;
//! - a 4xx/5xx is the API's error body, or, for a proxy's page, an empty 503 or a body that
//!   broke off, an error from its status and the start of its body (with no `code`).

mod api_error;
mod body;
mod lenient;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName};

use self::api_error::{Details, Headers};
use self::body::Body;
use crate::connection;
use crate::error::{Error, excerpt};
use crate::retry::{Class, Failure, retry_after};
use crate::types::{CreateImageResponse, ErrorBody, ErrorDetail};

/// A successful answer: the generated response and the request id the server gave it.
pub(crate) struct Answer {
    pub(crate) response: CreateImageResponse,
    pub(crate) request_id: Option<String>,
}

/// What one exchange came to.
pub(crate) type Decoded = Result<Answer, Box<Failure>>;

/// The request id header names, in order of preference. Built once: looking a header up by a
/// `&str` parses and validates the name on every call (measured ~650 instructions per request).
static REQUEST_ID: [HeaderName; 2] = [
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("request-id"),
];

fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID
        .iter()
        .find_map(|name| headers.get(name)?.to_str().ok())
        .map(str::to_owned)
}

/// Reads `response`'s body (at most `max_bytes`) and decodes it. The response is left with its
/// status and headers as they came and its body consumed.
pub(crate) async fn decode(response: &mut reqwest::Response, max_bytes: u64) -> Decoded {
    let status = response.status();
    let headers = response.headers();
    let request_id = request_id(headers);
    let read = body::read(response, max_bytes).await;
    if status.is_success() {
        return success(status, read, max_bytes, request_id, response.headers());
    }
    let headers = Headers {
        request_id,
        retry_after: retry_after(response.headers()),
    };
    let more = match read {
        _ if !(status.is_client_error() || status.is_server_error()) => String::new(),
        Ok(Body::Whole(body)) => match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(ErrorBody { error, .. }) => {
                return Err(from_body(status.as_u16(), error, headers));
            }
            Err(_) => match excerpt(&body).trim() {
                "" => String::new(),
                text => format!(": {text}"),
            },
        },
        Ok(Body::TooLarge) => {
            format!("; the body is larger than the {max_bytes}-byte limit (max_response_bytes)")
        }
        Err(error) => format!(
            "; the body could not be read: {}",
            connection::describe(&error)
        ),
    };
    let details = Details::from_status(status, &more);
    Err(Box::new(api_error::failure(
        status.as_u16(),
        details,
        headers,
    )))
}

fn success(
    status: StatusCode,
    read: reqwest::Result<Body>,
    max_bytes: u64,
    request_id: Option<String>,
    headers: &HeaderMap,
) -> Decoded {
    let body = match read {
        Ok(Body::Whole(body)) => body,
        Ok(Body::TooLarge) => {
            return Err(final_failure(Error::Decode {
                status: status.as_u16(),
                reason: format!(
                    "the answer (HTTP {}) is larger than the {max_bytes}-byte limit \
                     (max_response_bytes)",
                    status.as_u16()
                ),
                body: String::new(),
            }));
        }
        // A 2xx that broke off: an interrupted exchange.
        Err(error) => return Err(Box::new(connection::failure(error))),
    };
    let failed = |detail: ErrorDetail, status: u16, request_id| {
        let headers = Headers {
            request_id,
            retry_after: retry_after(headers),
        };
        Err(from_body(status, detail, headers))
    };
    if let Some((detail, code)) = error_in_success(&body) {
        return failed(detail, code, request_id);
    }
    let decode_error = match serde_json::from_slice::<CreateImageResponse>(&body) {
        Ok(response) => {
            return Ok(Answer {
                response,
                request_id,
            });
        }
        Err(error) => error,
    };
    if let Some(response) = lenient::salvage(&body, &decode_error) {
        return Ok(Answer {
            response,
            request_id,
        });
    }
    // An error body whose `code` is no error status: still the server's error, under its status.
    if let Ok(ErrorBody { error, .. }) = serde_json::from_slice::<ErrorBody>(&body) {
        return failed(error, status.as_u16(), request_id);
    }
    Err(final_failure(Error::Decode {
        status: status.as_u16(),
        reason: decode_error.to_string(),
        body: excerpt(&body),
    }))
}

/// The error a 2xx body carries instead of images, with the status its `code` names: only a
/// body with no `data` (absent or `null`) and an error `code`. Only a body with an `"error"` in
/// it is parsed here, so image answers are not parsed twice.
fn error_in_success(body: &[u8]) -> Option<(ErrorDetail, u16)> {
    #[derive(serde::Deserialize)]
    struct ErrorAnswer {
        error: ErrorDetail,
        #[serde(default)]
        data: Option<serde::de::IgnoredAny>,
    }
    memchr::memmem::find(body, b"\"error\"")?;
    let answer: ErrorAnswer = serde_json::from_slice(body).ok()?;
    if answer.data.is_some() {
        return None;
    }
    let code = u16::try_from(answer.error.code).ok()?;
    let status = StatusCode::from_u16(code).ok()?;
    (status.is_client_error() || status.is_server_error()).then_some((answer.error, code))
}

fn from_body(status: u16, detail: ErrorDetail, headers: Headers) -> Box<Failure> {
    Box::new(api_error::failure(
        status,
        Details::from_body(detail),
        headers,
    ))
}

fn final_failure(error: Error) -> Box<Failure> {
    Box::new(Failure {
        error,
        class: Class::Final,
        retry_after: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: &[u8]) -> Option<u16> {
        error_in_success(body).map(|(_, code)| code)
    }

    #[test]
    fn only_a_body_without_data_and_with_an_error_code_is_an_error() {
        assert_eq!(
            code(br#"{"error": {"code": 429, "message": "slow down"}}"#),
            Some(429)
        );
        let images = br#"{"created": 1, "data": [], "error": {"code": 429, "message": "x"}}"#;
        assert_eq!(code(images), None);
        assert_eq!(code(br#"{"error": {"code": 200, "message": "x"}}"#), None);
        assert_eq!(code(br#"{"error": {"code": 70000, "message": "x"}}"#), None);
        assert_eq!(code(b"<html>"), None);
    }

    #[test]
    fn an_error_beside_null_data_is_an_error() {
        let body = br#"{"data": null, "error": {"code": 429, "message": "slow down"}}"#;
        assert_eq!(code(body), Some(429));
    }
}
