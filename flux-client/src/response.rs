//! Turns what the generated client returns into [`Images`] or the layer's [`Error`].

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName};

use crate::answer::SYNTHESIZED;
use crate::error::{ConnectionFailure, Error, excerpt};
use crate::retry::{Class, Failure, retry_after};
use crate::types::{CreateImageResponse, ErrorBody, ErrorDetail};

type Generated = Result<
    progenitor_client::ResponseValue<CreateImageResponse>,
    progenitor_client::Error<ErrorBody>,
>;

/// The request id header names, in order of preference. Built once: looking a header up by a
/// `&str` parses and validates the name on every call (measured ~650 instructions per request).
static REQUEST_ID: [HeaderName; 2] = [
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("request-id"),
];

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID
        .iter()
        .find_map(|name| headers.get(name)?.to_str().ok())
        .map(str::to_owned)
}

/// Maps one attempt's result. The hooks have read the answer (`answer.rs`): every 4xx/5xx
/// arrives as an `ErrorResponse` with its status and headers, so a body that cannot be decoded
/// is always a 2xx.
pub(crate) fn classify(
    result: Generated,
) -> Result<(CreateImageResponse, Option<String>), Box<Failure>> {
    use progenitor_client::Error as G;
    let error = match result {
        Ok(value) => {
            let id = request_id(value.headers());
            return Ok((value.into_inner(), id));
        }
        Err(error) => error,
    };
    Err(Box::new(match error {
        G::ErrorResponse(value) => {
            let status = value.status().as_u16();
            let synthesized = value.headers().contains_key(&SYNTHESIZED);
            let headers = value.headers().clone();
            let detail = value.into_inner().error;
            if synthesized {
                api(status, Details::message_only(detail.message), &headers)
            } else {
                from_detail(status, detail, &headers)
            }
        }
        G::InvalidResponsePayload(body, decode_error) => {
            // `data` readable, something else not: the paid images are kept (with a warning).
            if let Some(response) = crate::lenient::salvage(&body, &decode_error) {
                return Ok((response, None));
            }
            undecodable(&body, &decode_error)
        }
        G::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            api(
                status.as_u16(),
                Details::message_only(crate::answer::reason(status)),
                &headers,
            )
        }
        // A 2xx answer whose body broke off (the hook reads error bodies itself).
        G::ResponseBodyError(e) => broken_off(e),
        G::CommunicationError(e) if e.is_body() || e.is_decode() => broken_off(e),
        G::CommunicationError(e) | G::InvalidUpgrade(e) => communication(e),
        G::InvalidRequest(reason) => final_failure(Error::invalid("body", reason)),
        // Only the post hook raises these: an answer over `max_response_bytes`.
        G::Custom(reason) => final_failure(Error::Decode {
            status: 200,
            reason,
            body: String::new(),
        }),
    }))
}

fn final_failure(error: Error) -> Failure {
    Failure {
        error,
        class: Class::Final,
        retry_after: None,
    }
}

fn communication(error: reqwest::Error) -> Failure {
    // A connect timeout is still "never sent", so check `is_connect` first. A refused
    // certificate fails the same way on every attempt: not worth a retry.
    let kind = connection_failure(&error);
    let class = match kind {
        ConnectionFailure::Certificate => Class::Final,
        _ if error.is_connect() => Class::ConnectFailed,
        _ if error.is_timeout() => Class::Timeout,
        _ => Class::Interrupted,
    };
    let error = if class == Class::Timeout {
        Error::timeout(Duration::ZERO)
    } else {
        Error::Connection {
            reason: describe(&error),
            kind,
            source: Some(Box::new(error)),
        }
    };
    Failure {
        error,
        class,
        retry_after: None,
    }
}

/// What kind of failure a reqwest error is: a certificate refusal, a DNS failure, a refused
/// connection, another failure to connect, or a connection that broke.
pub(crate) fn connection_failure(error: &reqwest::Error) -> ConnectionFailure {
    if is_certificate_refusal(error) {
        return ConnectionFailure::Certificate;
    }
    if !error.is_connect() {
        return if error.is_request() || error.is_body() || error.is_decode() {
            ConnectionFailure::Interrupted
        } else {
            ConnectionFailure::Other
        };
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return ConnectionFailure::Refused;
        }
        // hyper-util's resolver failure reads "dns error" (its `ConnectError` is private).
        if cause.to_string().starts_with("dns error") {
            return ConnectionFailure::Dns;
        }
        source = cause.source();
    }
    ConnectionFailure::Connect
}

/// A success whose body broke off: the request was answered, so it is an interrupted exchange.
/// reqwest words this "error decoding response body" or "error reading a body from connection",
/// which reads like a JSON problem; name what happened and keep only the causes.
fn broken_off(error: reqwest::Error) -> Failure {
    if error.is_timeout() {
        return communication(error);
    }
    let causes = std::error::Error::source(&error).map_or_else(|| describe(&error), describe);
    Failure {
        error: Error::Connection {
            reason: format!("the answer (HTTP 200) broke off: {causes}"),
            kind: ConnectionFailure::Interrupted,
            source: Some(Box::new(error)),
        },
        class: Class::Interrupted,
        retry_after: None,
    }
}

/// Whether the TLS handshake refused the server's certificate (unknown issuer, expired, wrong
/// name, ...). rustls's error sits inside nested `io::Error`s, whose `source` skips the error they
/// wrap, so those are opened with `get_ref`.
fn is_certificate_refusal(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(mut cause) = source {
        while let Some(inner) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            cause = inner;
        }
        if let Some(rustls::Error::InvalidCertificate(_)) = cause.downcast_ref::<rustls::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The error and its causes on one line ("error sending request: connection refused").
pub(crate) fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A 2xx body that is not the expected JSON (the hook already turned OneRouter's 200
/// `{"error": ...}` with an error `code` into an error answer).
fn undecodable(body: &[u8], decode_error: &serde_json::Error) -> Failure {
    // An error body whose `code` is no error status: still the server's error, under HTTP 200.
    if let Ok(ErrorBody { error, .. }) = serde_json::from_slice::<ErrorBody>(body) {
        return from_detail(200, error, &HeaderMap::new());
    }
    final_failure(Error::Decode {
        status: 200,
        reason: decode_error.to_string(),
        body: excerpt(body),
    })
}

fn from_detail(status: u16, detail: ErrorDetail, headers: &HeaderMap) -> Failure {
    let param = match detail.param {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.is_empty() => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    let details = Details {
        code: Some(detail.code),
        message: detail.message,
        error_type: detail.type_.filter(|t| !t.is_empty()),
        param,
    };
    api(status, details, headers)
}

/// What an error body said, as far as it could be read.
struct Details {
    code: Option<i64>,
    message: String,
    error_type: Option<String>,
    param: Option<String>,
}

impl Details {
    fn message_only(message: String) -> Self {
        Self {
            code: None,
            message,
            error_type: None,
            param: None,
        }
    }
}

/// The `type`s (or text `code`s) that mean the content was refused.
const MODERATION_TYPES: [&str; 2] = ["moderation_error", "content_policy_violation"];

fn api(status: u16, details: Details, headers: &HeaderMap) -> Failure {
    let request_id = request_id(headers);
    let retry_after = retry_after(headers);
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
