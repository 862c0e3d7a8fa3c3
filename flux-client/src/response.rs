//! Turns what the generated client returns into [`Images`] or the layer's [`Error`].

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, RETRY_AFTER};

use crate::error::{ConnectionFailure, Error, excerpt};
use crate::retry::{Class, Failure, parse_retry_after};
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

/// The headers a failure may need later (request id, `Retry-After`), copied out of `headers`:
/// what the hooks keep of each answer instead of the whole map.
pub(crate) fn kept_headers(headers: &HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in REQUEST_ID.iter().chain([&RETRY_AFTER]) {
        for value in headers.get_all(name) {
            kept.append(name.clone(), value.clone());
        }
    }
    kept
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?)
}

/// Maps one attempt's result. `head` is the status and headers the hooks captured, which the
/// generated error drops when a body cannot be decoded.
pub(crate) fn classify(
    result: Generated,
    head: Option<(StatusCode, HeaderMap)>,
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
            let status = value.status();
            let headers = value.headers().clone();
            from_detail(status.as_u16(), value.into_inner().error, &headers)
        }
        G::InvalidResponsePayload(body, decode_error) => {
            let (status, headers) = head.unwrap_or((StatusCode::OK, HeaderMap::new()));
            if status.is_success()
                && let Some(response) = crate::lenient::salvage(&body, &decode_error)
            {
                return Ok((response, request_id(&headers)));
            }
            undecodable(status, &headers, &body, &decode_error)
        }
        G::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            api(
                status.as_u16(),
                Details::message_only(unexpected(status)),
                &headers,
            )
        }
        // An error answer whose body broke off still stands for its status (429 stays retryable).
        G::ResponseBodyError(e) => match head {
            Some((status, headers)) if !status.is_success() => {
                let message = format!(
                    "{}; the body could not be read: {}",
                    unexpected(status),
                    describe(&e)
                );
                api(status.as_u16(), Details::message_only(message), &headers)
            }
            Some((status, _)) => broken_off(status, e),
            None => communication(e),
        },
        G::CommunicationError(e) | G::InvalidUpgrade(e) => communication(e),
        G::InvalidRequest(reason) => final_failure(Error::invalid("body", reason)),
        G::Custom(reason) => final_failure(Error::connection(reason, ConnectionFailure::Other)),
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
/// reqwest words this "error decoding response body for url (...)", which reads like a JSON
/// problem; name what happened and keep only the causes.
fn broken_off(status: StatusCode, error: reqwest::Error) -> Failure {
    if error.is_timeout() {
        return communication(error);
    }
    let causes = std::error::Error::source(&error).map_or_else(|| describe(&error), describe);
    Failure {
        error: Error::Connection {
            reason: format!("the answer (HTTP {}) broke off: {causes}", status.as_u16()),
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

/// A body that is not the expected JSON: a 200 `{"error": ...}`, or a proxy's HTML page.
fn undecodable(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    decode_error: &serde_json::Error,
) -> Failure {
    if let Ok(ErrorBody { error, .. }) = serde_json::from_slice::<ErrorBody>(body) {
        // OneRouter answers many errors with HTTP 200 and the real status in `code`.
        let effective = match u16::try_from(error.code) {
            Ok(code @ 400..=599) if status.is_success() => code,
            _ => status.as_u16(),
        };
        return from_detail(effective, error, headers);
    }
    if status.is_success() {
        return final_failure(Error::decode(
            status.as_u16(),
            decode_error.to_string(),
            excerpt(body),
        ));
    }
    let text = excerpt(body);
    let message = if text.trim().is_empty() {
        unexpected(status)
    } else {
        format!("{}: {}", unexpected(status), text.trim())
    };
    api(status.as_u16(), Details::message_only(message), headers)
}

fn unexpected(status: StatusCode) -> String {
    status
        .canonical_reason()
        .map_or_else(|| format!("HTTP {}", status.as_u16()), str::to_owned)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hooks_keep_only_the_request_id_and_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        headers.insert("set-cookie", "session=1".parse().unwrap());
        headers.insert("request-id", "req-2".parse().unwrap());
        headers.insert("x-request-id", "req-1".parse().unwrap());
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        let kept = kept_headers(&headers);
        assert_eq!(kept.len(), 3);
        assert_eq!(request_id(&kept).as_deref(), Some("req-1"));
        assert_eq!(retry_after(&kept), Some(Duration::from_secs(7)));
        assert!(kept.get("set-cookie").is_none() && kept.get("content-type").is_none());
        assert!(kept_headers(&HeaderMap::new()).is_empty());
    }
}
