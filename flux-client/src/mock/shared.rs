//! What the listeners share: the server's key, faults, records and images, and the reading and
//! dispatching of every request.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::account::Accounts;
use super::faults::Fault;
use super::image_host::{self, ImageStore};
use super::listener::{Abort, Answer};
use super::recording::{self, Listener, RecordedRequest, Recorder};
use super::request_log;
use super::{MockServer, api};

/// The header every answer carries, as a real API's do (`mock-1`, `mock-2`, ... in arrival order).
pub(crate) const REQUEST_ID_HEADER: &str = "x-request-id";

/// The largest request body the mock reads; larger ones get a 413 error body.
const MAX_REQUEST_BODY: usize = 1 << 20;

/// What the listeners share.
pub(crate) struct Shared {
    pub(super) api_key: String,
    pub(super) default_faults: Vec<Fault>,
    pub(super) queue: Mutex<VecDeque<Fault>>,
    pub(super) recorder: Recorder,
    pub(super) images: ImageStore,
    pub(super) image_base_url: String,
    pub(super) redirect_base_url: String,
    pub(super) seeds: AtomicU64,
    /// Numbers the requests, for their `x-request-id`.
    pub(super) request_ids: AtomicU64,
    pub(super) accounts: Accounts,
}

impl Shared {
    pub(super) fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Fault>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The faults for one generation request: its header's, else the next queued one, else the
    /// defaults. A header that does not parse is an error message for a 400.
    pub(super) fn faults_for(&self, headers: &http::HeaderMap) -> Result<Vec<Fault>, String> {
        if let Some(value) = headers.get(MockServer::FAULT_HEADER) {
            let text = value.to_str().map_err(|_| {
                format!(
                    "Invalid '{}' header: not visible ASCII.",
                    MockServer::FAULT_HEADER
                )
            })?;
            return Fault::parse_list(text)
                .map_err(|e| format!("Invalid '{}' header: {e}.", MockServer::FAULT_HEADER));
        }
        if let Some(fault) = self.queue().pop_front() {
            return Ok(vec![fault]);
        }
        Ok(self.default_faults.clone())
    }

    /// A seed for a request that sets none: different for every request.
    pub(super) fn fresh_seed(&self) -> i64 {
        let count = self.seeds.fetch_add(1, Ordering::SeqCst);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        (count.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(nanos)) as i64 & i64::MAX
    }

    /// Reads and records a request, then answers it as `listener`.
    pub(super) async fn answer(
        &self,
        listener: Listener,
        request: http::Request<Incoming>,
    ) -> Answer {
        let (parts, body) = request.into_parts();
        let Some((body, too_large)) = read_body(body).await else {
            // The client went away while sending.
            return Err(Abort);
        };
        let request_id = format!(
            "mock-{}",
            self.request_ids.fetch_add(1, Ordering::SeqCst) + 1
        );
        self.recorder.record(RecordedRequest {
            listener,
            method: parts.method.clone(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: recording::owned_headers(&parts.headers),
            body: body.to_vec(),
            request_id: request_id.clone(),
        });
        let mut answer = self.dispatch(listener, &parts, &body, too_large).await;
        request_log::log(listener, &parts, &body, &answer, &request_id, &self.api_key);
        if let Ok(response) = &mut answer
            && let Ok(value) = http::HeaderValue::from_str(&request_id)
        {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        answer
    }

    async fn dispatch(
        &self,
        listener: Listener,
        parts: &http::request::Parts,
        body: &Bytes,
        too_large: bool,
    ) -> Answer {
        if too_large {
            let message = format!(
                "The request body is larger than the mock's limit of {MAX_REQUEST_BODY} bytes."
            );
            return Ok(api::error_response(
                413,
                &message,
                "invalid_request_error",
                None,
            ));
        }
        match listener {
            Listener::Api => api::handle(self, parts, body).await,
            Listener::Images | Listener::Redirect => {
                image_host::handle(&self.images, listener, &self.redirect_base_url, parts).await
            }
        }
    }
}

/// Reads a request body, keeping at most [`MAX_REQUEST_BODY`] bytes; the rest of a larger one is
/// read and dropped (up to 16 times the limit), so the client can read the 413 instead of
/// meeting a reset connection. `None` if the body fails or is larger still.
async fn read_body(mut body: Incoming) -> Option<(Bytes, bool)> {
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.ok()?.into_data() else {
            continue;
        };
        total += data.len();
        if total > 16 * MAX_REQUEST_BODY {
            return None;
        }
        if total <= MAX_REQUEST_BODY {
            kept.extend_from_slice(&data);
        }
    }
    if total > MAX_REQUEST_BODY {
        Some((Bytes::new(), true))
    } else {
        Some((Bytes::from(kept), false))
    }
}
