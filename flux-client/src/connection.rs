//! What a failure of the HTTP stack (`reqwest::Error`) means: the [`ConnectionFailure`] kind a
//! program sees, the retry [`Class`] and the one-line text. API calls and image downloads both
//! read their transport errors here.

use std::time::Duration;

use crate::error::{ConnectionFailure, Error};
use crate::retry::{Class, Failure};

/// An exchange that failed in the HTTP stack: it never connected, timed out, or broke before
/// or while its answer arrived.
pub(crate) fn failure(error: reqwest::Error) -> Failure {
    if !error.is_timeout() && (error.is_body() || error.is_decode()) {
        return broke_off(error);
    }
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

/// A success whose body broke off: the request was answered, so it is an interrupted exchange.
/// reqwest words this "error decoding response body" or "error reading a body from connection",
/// which reads like a JSON problem; name what happened and keep only the causes.
fn broke_off(error: reqwest::Error) -> Failure {
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
