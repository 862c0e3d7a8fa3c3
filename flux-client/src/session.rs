//! What the generated [`Client`] carries (progenitor's inner type, [`Session`]) and its
//! [`ClientHooks`]: the key on API requests, no `api-version` header, tracing, and, for the
//! layer's own calls, the answer handed to the layer's decoder (`answer/`).
//!
//! Everything a hook needs is in the client that sends the request: no task-local, no global.
//! The layer sends each attempt through a client whose session holds that attempt's [`Slot`];
//! the exec hook decodes the answer into it, and the post hook then ends progenitor's part of
//! the call, so the body is read and decoded exactly once. A [`Session`] built with
//! [`Session::new`] has no slot: its client is progenitor's, answers and all.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use crate::answer::{self, Decoded};
use crate::config::{ApiKey, AuthScheme, DEFAULT_MAX_RESPONSE_BYTES};
use crate::error::Result;
use crate::extras::Extras;
use crate::generated::Client;

/// Where one attempt's decoded answer is put.
pub(crate) type Slot = Arc<OnceLock<Decoded>>;

/// What a generated [`Client`] carries besides its base URL and `reqwest::Client`: the
/// `Authorization` value its API requests get, and the largest answer the layer reads.
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
    /// Set only on the per-attempt clients of the layer's own calls.
    answer: Option<Slot>,
    /// Undeclared fields and headers of the request an attempt belongs to.
    extras: Option<Arc<Extras>>,
}

impl Session {
    /// A session that sends `key` (when given) as `scheme` says. Fails as
    /// [`Error::InvalidConfig`](crate::Error) for an empty key or one that cannot be a header
    /// value.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`](crate::Error) as said above.
    pub fn new(key: Option<&ApiKey>, scheme: AuthScheme) -> Result<Self> {
        let auth = key.map(|key| key.header(scheme)).transpose()?;
        Ok(Self {
            auth,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            answer: None,
            extras: None,
        })
    }

    /// The largest answer body the layer reads, in bytes; a larger one is an error.
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

/// A client for one attempt of the layer's: `generated`'s connections and key, with a slot
/// the answer is decoded into, and the request's undeclared fields and headers (merged into
/// the request by the `pre` hook).
pub(crate) fn for_attempt(generated: &Client, extras: Option<&Arc<Extras>>) -> (Client, Slot) {
    let slot = Slot::default();
    let session = Session {
        answer: Some(Arc::clone(&slot)),
        extras: extras.cloned(),
        ..generated.inner().clone()
    };
    let client = Client::new_with_client(generated.baseurl(), generated.client().clone(), session);
    (client, slot)
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("auth", &self.auth.as_ref().map(|_| "<redacted>"))
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
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
        let mut response = match result {
            Ok(response) => response,
            Err(error) => {
                tracing::debug!(%error, "request failed");
                return Err(error);
            }
        };
        span.record("status", response.status().as_u16());
        tracing::debug!(status = response.status().as_u16(), "response received");
        if let Some(slot) = &self.inner().answer {
            let decoded = answer::decode(&mut response, self.inner().max_response_bytes).await;
            // Each attempt's client sends one request, so the slot is empty here.
            let _ = slot.set(decoded);
        }
        Ok(response)
    }

    async fn post<E>(
        &self,
        _result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> std::result::Result<(), progenitor_client::Error<E>> {
        match &self.inner().answer {
            // The layer has the answer: nothing is left for progenitor to read.
            Some(slot) if slot.get().is_some() => {
                Err(progenitor_client::Error::Custom(String::new()))
            }
            _ => Ok(()),
        }
    }
}
