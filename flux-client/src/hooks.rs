//! progenitor's [`ClientHooks`] for the generated [`Client`]: one place for the cross-cutting
//! concerns of every generated call (the key, tracing, and capturing the answer's status and
//! headers, which the generated error loses when a body cannot be decoded).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

use crate::generated::Client;

tokio::task_local! {
    static EXCHANGE: Arc<Exchange>;
}

/// What one attempt shares with the hooks: the key to send and the answer's head (its status,
/// and only the headers a failure needs: see [`kept_headers`](crate::response::kept_headers)).
#[derive(Debug, Default)]
pub(crate) struct Exchange {
    auth: Option<HeaderValue>,
    head: Mutex<Option<(StatusCode, HeaderMap)>>,
}

impl Exchange {
    pub(crate) fn new(auth: HeaderValue) -> Arc<Self> {
        Arc::new(Self {
            auth: Some(auth),
            head: Mutex::default(),
        })
    }

    /// Runs `future` (a generated call) with this exchange visible to the hooks.
    pub(crate) async fn scope<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        EXCHANGE.scope(Arc::clone(self), future).await
    }

    /// The status and headers of the last answer received in this exchange, taken out (not
    /// copied: a success never needs them, so only failures pay for them once).
    pub(crate) fn take_head(&self) -> Option<(StatusCode, HeaderMap)> {
        self.head.lock().map(|mut h| h.take()).unwrap_or_default()
    }
}

impl ClientHooks<()> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let _ = EXCHANGE.try_with(|exchange| {
            if let Some(auth) = &exchange.auth {
                request.headers_mut().insert(AUTHORIZATION, auth.clone());
            }
        });
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
        match &result {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                tracing::debug!(status = response.status().as_u16(), "response received");
                let _ = EXCHANGE.try_with(|exchange| {
                    if let Ok(mut head) = exchange.head.lock() {
                        let kept = crate::response::kept_headers(response.headers());
                        *head = Some((response.status(), kept));
                    }
                });
            }
            Err(error) => tracing::debug!(%error, "request failed"),
        }
        result
    }
}
