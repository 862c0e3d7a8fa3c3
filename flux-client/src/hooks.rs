//! progenitor's [`ClientHooks`] for the generated [`Client`]: the key, tracing, and the answer
//! read once (bounded) before progenitor decodes it (see `answer.rs`).
//!
//! Everything a hook needs is in the [`Session`] the client carries (progenitor's inner type),
//! so a request depends on nothing but the client that sends it: no task-local, no global.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use crate::answer::{self, TooLarge};
use crate::config::{ApiKey, AuthScheme, DEFAULT_MAX_RESPONSE_BYTES};
use crate::error::Result;
use crate::extras::Extras;
use crate::generated::Client;

/// What a generated [`Client`] carries besides its base URL and `reqwest::Client`: the
/// `Authorization` value its API requests get, and the largest answer it reads.
///
/// [`FluxClient::generated`](crate::FluxClient::generated) returns a client with this filled
/// in. Build one yourself only to call the generated client directly without a `FluxClient`.
///
/// ```
/// use flux_client::generated::{Client, Session};
/// use flux_client::{ApiKey, AuthScheme};
///
/// let session = Session::new(Some(&ApiKey::new("sk-test")), AuthScheme::RawKey)?;
/// let client = Client::new("http://127.0.0.1:4010", session);
/// assert!(!format!("{:?}", client.inner()).contains("sk-test"));
/// # use flux_client::generated::ClientInfo;
/// # Ok::<(), flux_client::Error>(())
/// ```
#[derive(Clone)]
pub struct Session {
    auth: Option<HeaderValue>,
    max_response_bytes: u64,
    /// Undeclared fields and headers of one request (a client made for that request).
    extras: Option<Arc<Extras>>,
}

impl Session {
    /// A session that sends `key` (when given) as `scheme` says, and reads answers up to
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]. Fails as [`Error::InvalidConfig`](crate::Error) for an
    /// empty key or one that cannot be a header value.
    pub fn new(key: Option<&ApiKey>, scheme: AuthScheme) -> Result<Self> {
        let auth = key.map(|key| key.header(scheme)).transpose()?;
        Ok(Self {
            auth,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            extras: None,
        })
    }

    /// The largest answer body read, in bytes; a larger one is an error.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The same session, for one request that sends `extras` too.
    pub(crate) fn with_extras(mut self, extras: Extras) -> Self {
        self.extras = (!extras.is_empty()).then(|| Arc::new(extras));
        self
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("auth", &self.auth.as_ref().map(|_| "<redacted>"))
            .field("max_response_bytes", &self.max_response_bytes)
            .field("extras", &self.extras)
            .finish()
    }
}

/// progenitor's generated requests carry `api-version: <info.version>`, which the API does not
/// use, so the hook drops it. progenitor's `accept: application/json` stays: without it reqwest
/// would send its own `accept: */*` (`docs/library.md`, "What goes on the wire").
static API_VERSION: HeaderName = HeaderName::from_static("api-version");

impl ClientHooks<Session> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> std::result::Result<(), progenitor_client::Error<E>> {
        if let Some(extras) = &self.inner().extras {
            extras
                .apply(request)
                .map_err(progenitor_client::Error::Custom)?;
        }
        let headers = request.headers_mut();
        headers.remove(&API_VERSION);
        if let Some(auth) = &self.inner().auth {
            headers.insert(AUTHORIZATION, auth.clone());
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // Headers are not logged: the Authorization value is sensitive.
        tracing::debug!(
            operation = info.operation_id,
            method = %request.method(),
            url = %request.url(),
            "sending request"
        );
        let started = Instant::now();
        let result = self.client().execute(request).await;
        let span = tracing::Span::current();
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        match result {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                tracing::debug!(status = response.status().as_u16(), "response received");
                answer::normalize(response, self.inner().max_response_bytes).await
            }
            Err(error) => {
                tracing::debug!(%error, "request failed");
                Err(error)
            }
        }
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> std::result::Result<(), progenitor_client::Error<E>> {
        match result {
            Ok(response) => match response.extensions().get::<TooLarge>() {
                Some(TooLarge(limit)) => Err(progenitor_client::Error::Custom(format!(
                    "the answer (HTTP {}) is larger than the {limit}-byte limit \
                     (max_response_bytes)",
                    response.status().as_u16()
                ))),
                None => Ok(()),
            },
            Err(_) => Ok(()),
        }
    }
}
