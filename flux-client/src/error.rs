//! The one error type of the hand-written layer.

mod classify;
mod constructors;

use std::path::PathBuf;
use std::time::Duration;

pub(crate) use classify::{TIMED_OUT, transient_status};
pub(crate) use constructors::excerpt;

/// Everything that can go wrong when configuring the client, generating images or saving them.
///
/// `Display` is one line and never contains the API key. A program decides what to do with
/// the methods rather than with status tables: [`status`](Self::status),
/// [`request_id`](Self::request_id), [`retry_after`](Self::retry_after),
/// [`is_retryable`](Self::is_retryable), [`is_timeout`](Self::is_timeout),
/// [`is_moderation`](Self::is_moderation), [`is_quota_exhausted`](Self::is_quota_exhausted),
/// [`is_account_error`](Self::is_account_error),
/// [`is_rejected_request`](Self::is_rejected_request) and
/// [`connection_failure`](Self::connection_failure); causes stay reachable through
/// [`source`](std::error::Error::source).
///
/// ```
/// # async fn demo(client: flux_client::FluxClient) {
/// match client.generate("a red fox").send().await {
///     Ok(images) => println!("{} images", images.len()),
///     Err(err) if err.is_moderation() => eprintln!("refused: change the prompt"),
///     Err(err) if err.is_retryable() => eprintln!("try again later ({:?})", err.retry_after()),
///     Err(err) => eprintln!("{err} (request id {:?})", err.request_id()),
/// }
/// # }
/// ```
///
/// ```
/// let err = flux_client::FluxClient::builder().api_key("").build().unwrap_err();
/// assert!(matches!(err, flux_client::Error::InvalidConfig { field: "api_key", .. }));
/// assert_eq!(err.to_string(), "invalid configuration: `api_key` is empty");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot be used (no key, a malformed base URL, plain HTTP to a remote
    /// host, ...). Nothing was sent.
    #[error("invalid configuration: `{field}` {reason}")]
    InvalidConfig {
        /// The setting at fault, e.g. `base_url`, or the environment variable's name.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },

    /// The request was refused before any network traffic.
    #[error("invalid request: `{field}` {reason}")]
    InvalidRequest {
        /// The request field at fault, as named on the wire (e.g. `image_prompt_strength`).
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },

    /// The server answered with an error: a 4xx/5xx status, or a 200 whose body is
    /// `{"error": {...}}` (OneRouter reports many errors that way).
    #[error("API error {status}{}: {message}{}{}", type_suffix(.error_type), retry_after_suffix(.retry_after), request_id_suffix(.request_id))]
    #[non_exhaustive]
    Api {
        /// The HTTP status, or the body's `code` when the error came with a 200.
        status: u16,
        /// The body's `code`, when the body could be read.
        code: Option<i64>,
        /// The server's explanation.
        message: String,
        /// The body's `type`, e.g. `invalid_request_error`.
        error_type: Option<String>,
        /// The body's `param` (the field at fault), when non-empty.
        param: Option<String>,
        /// The server's `Retry-After` hint (a 503 may send one), when present and readable.
        retry_after: Option<Duration>,
        /// The `x-request-id` response header, when present.
        request_id: Option<String>,
    },

    /// The server refused the prompt or an input image on content grounds: a 403
    /// `moderation_error`, a 422 `content_policy_violation`, or the same inside a 200. Never
    /// retried: the same request is refused again (and may be billed).
    #[error("refused by moderation (HTTP {status}{}): {message}{}", .error_type.as_deref().map(|t| format!(", {t}")).unwrap_or_default(), request_id_suffix(.request_id))]
    #[non_exhaustive]
    Moderated {
        /// The HTTP status, or the body's `code` when the refusal came with a 200.
        status: u16,
        /// The server's explanation.
        message: String,
        /// The body's `type` (`moderation_error`, `content_policy_violation`).
        error_type: Option<String>,
        /// The `x-request-id` response header, when present.
        request_id: Option<String>,
    },

    /// The server refused the request because of rate limits or an exhausted quota (429) and
    /// retries, if any, did not help. An exhausted quota (`insufficient_quota`, see
    /// [`is_quota_exhausted`](Error::is_quota_exhausted)) is never retried.
    #[error("rate limited{}: {message}{}{}", type_suffix(.error_type), retry_after_suffix(.retry_after), request_id_suffix(.request_id))]
    #[non_exhaustive]
    RateLimited {
        /// The server's hint (`Retry-After`) for when to try again.
        retry_after: Option<Duration>,
        /// The server's explanation.
        message: String,
        /// The body's `type`, e.g. `rate_limit_exceeded` or `insufficient_quota`.
        error_type: Option<String>,
        /// The body's `code`, when the body could be read (a number or a word such as
        /// `insufficient_quota`, as text).
        code: Option<String>,
        /// The `x-request-id` response header, when present.
        request_id: Option<String>,
    },

    /// The request (or the total deadline across attempts) timed out.
    #[error("timed out after {:.1} s", elapsed.as_secs_f64())]
    #[non_exhaustive]
    Timeout {
        /// How long the call ran before it was abandoned.
        elapsed: Duration,
    },

    /// The server could not be reached or the connection broke. The HTTP stack's error is the
    /// [`source`](std::error::Error::source), so a program can tell a DNS failure, a refused
    /// connection and a refused certificate apart (see [`ConnectionFailure`]).
    #[error("connection to the API failed: {reason}")]
    #[non_exhaustive]
    Connection {
        /// What failed, with its causes, as reported by the HTTP stack.
        reason: String,
        /// What kind of failure it was.
        kind: ConnectionFailure,
        /// The HTTP stack's error.
        #[source]
        source: Option<BoxError>,
    },

    /// The server's answer could not be understood.
    #[error("cannot decode the API response (HTTP {status}): {reason}; body starts with {body:?}")]
    #[non_exhaustive]
    Decode {
        /// The HTTP status of the answer.
        status: u16,
        /// Why decoding failed.
        reason: String,
        /// The first bytes of the raw body (lossy UTF-8), so you can see what the server said.
        body: String,
    },

    /// The server answered 200 but produced no image (the model may be cold or scaling).
    #[error("the API returned no image{}", request_id_suffix(.request_id))]
    #[non_exhaustive]
    NoImages {
        /// The `x-request-id` response header, when present.
        request_id: Option<String>,
    },

    /// An image could not be downloaded or is not an image (after the download retries).
    #[error("download from {host} failed: {reason}")]
    #[non_exhaustive]
    Download {
        /// The host of the image URL (never the full URL, which may carry a signature).
        host: String,
        /// The HTTP status, when the host answered with an error status (not for a 200 whose body
        /// is too large, breaks off or is not an image).
        status: Option<u16>,
        /// What went wrong, with its causes.
        reason: String,
        /// The HTTP stack's error, when there was one.
        #[source]
        source: Option<BoxError>,
    },

    /// Writing an image to disk failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// Parameters could not be embedded in an image or read from one (see
    /// [`ImageMetadata`](crate::ImageMetadata)).
    #[error("image metadata: {reason}")]
    Metadata {
        /// What went wrong.
        reason: String,
    },
}

/// A boxed cause kept as an error's [`source`](std::error::Error::source).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What kind of connection failure an [`Error::Connection`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectionFailure {
    /// The host name could not be resolved.
    Dns,
    /// The server refused the connection (nothing listens there).
    Refused,
    /// The TLS handshake refused the server's certificate (unknown issuer, expired, wrong name).
    Certificate,
    /// Another failure while connecting (a TLS error, a connect timeout, ...): nothing was sent.
    Connect,
    /// The connection broke after the request may have been sent.
    Interrupted,
    /// Anything else (the HTTP stack refused the request, ...).
    Other,
}

/// The layer's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn type_suffix(error_type: &Option<String>) -> String {
    error_type
        .as_deref()
        .map(|t| format!(" ({t})"))
        .unwrap_or_default()
}

fn request_id_suffix(request_id: &Option<String>) -> String {
    request_id
        .as_deref()
        .map(|id| format!(" [request id {id}]"))
        .unwrap_or_default()
}

fn retry_after_suffix(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!(" (retry after {} s)", d.as_secs()))
        .unwrap_or_default()
}
