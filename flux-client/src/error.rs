//! The one error type of the hand-written layer.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong when configuring the client, generating images or saving them.
///
/// `Display` is one line and never contains the API key.
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
    Api {
        /// The HTTP status, or the body's `code` when the error came with a 200.
        status: u16,
        /// The body's `code`, when the body could be read.
        code: Option<i64>,
        /// The server's explanation.
        message: String,
        /// The body's `type`, e.g. `content_policy_violation`.
        error_type: Option<String>,
        /// The body's `param` (the field at fault), when non-empty.
        param: Option<String>,
        /// The server's `Retry-After` hint (a 503 may send one), when present and readable.
        retry_after: Option<Duration>,
        /// The `x-request-id` response header, when present.
        request_id: Option<String>,
    },

    /// The server refused the request because of rate limits (429) and retries, if any, did not
    /// help.
    #[error("rate limited: {message}{}{}", retry_after_suffix(.retry_after), request_id_suffix(.request_id))]
    RateLimited {
        /// The server's hint (`Retry-After`) for when to try again.
        retry_after: Option<Duration>,
        /// The server's explanation.
        message: String,
        /// The `x-request-id` response header, when present.
        request_id: Option<String>,
    },

    /// The request (or the total deadline across attempts) timed out.
    #[error("timed out after {:.1} s", elapsed.as_secs_f64())]
    Timeout {
        /// How long the call ran before it was abandoned.
        elapsed: Duration,
    },

    /// The server could not be reached or the connection broke.
    #[error("connection to the API failed: {reason}")]
    Connection {
        /// What failed, as reported by the HTTP stack.
        reason: String,
    },

    /// The server's answer could not be understood.
    #[error("cannot decode the API response (HTTP {status}): {reason}; body starts with {body:?}")]
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
    NoImages {
        /// The `x-request-id` response header, when present.
        request_id: Option<String>,
    },

    /// An image could not be downloaded or is not an image.
    #[error("download from {host} failed: {reason}")]
    Download {
        /// The host of the image URL (never the full URL, which may carry a signature).
        host: String,
        /// The HTTP status, when the host answered with an error status (not for a 200 whose body
        /// is too large, breaks off or is not an image).
        status: Option<u16>,
        /// What went wrong.
        reason: String,
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

/// The layer's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status the error stands for, when the server answered.
    ///
    /// ```
    /// let err = flux_client::Error::NoImages { request_id: None };
    /// assert_eq!(err.status(), Some(200));
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            Error::Decode { status, .. } => Some(*status),
            Error::NoImages { .. } => Some(200),
            Error::Download { status, .. } => *status,
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidConfig {
            field,
            reason: reason.into(),
        }
    }
}

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

/// At most this many bytes of an undecodable body are kept in [`Error::Decode`].
const BODY_EXCERPT: usize = 512;

pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT)];
    String::from_utf8_lossy(cut).into_owned()
}
