//! The record of every request the mock's listeners received.

use std::collections::VecDeque;
use std::sync::Mutex;

/// Which of the mock's listeners received a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Listener {
    /// The API host ([`MockServer::base_url`](super::MockServer::base_url)).
    Api,
    /// The image host ([`MockServer::image_base_url`](super::MockServer::image_base_url)).
    Images,
    /// The other origin that redirected image URLs lead to
    /// ([`MockServer::redirect_base_url`](super::MockServer::redirect_base_url)).
    Redirect,
}

/// One request as the mock received it, before any fault was applied.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The listener that received it.
    pub listener: Listener,
    /// The HTTP method.
    pub method: http::Method,
    /// The path, without the query.
    pub path: String,
    /// The query string, without the `?`.
    pub query: Option<String>,
    /// Every header, as sent.
    pub headers: http::HeaderMap,
    /// The body, as sent.
    pub body: Vec<u8>,
    /// The `x-request-id` the mock answered it with (`mock-1`, `mock-2`, ... in arrival order,
    /// on all listeners): what [`Images::request_id`](crate::Images::request_id) and
    /// [`Error::request_id`](crate::Error::request_id) report for it.
    pub request_id: String,
}

impl RecordedRequest {
    /// The value of header `name` (case-insensitive) if present and valid text.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed as JSON, or `None` if it is not JSON.
    #[must_use]
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A copy of `headers` that owns its bytes. hyper's parsed values are views into the
/// connection's read buffer: a plain clone would keep that whole buffer (kilobytes) alive per
/// recorded request.
pub(crate) fn owned_headers(headers: &http::HeaderMap) -> http::HeaderMap {
    let mut owned = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name = http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap_or(name.clone());
        let mut copy = http::HeaderValue::from_bytes(value.as_bytes()).unwrap_or(value.clone());
        copy.set_sensitive(value.is_sensitive());
        owned.append(name, copy);
    }
    owned
}

/// The most recent requests, at most `limit` of them: a long-running mock's memory stays flat.
pub(crate) struct Recorder {
    limit: usize,
    requests: Mutex<VecDeque<RecordedRequest>>,
}

impl Recorder {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            requests: Mutex::default(),
        }
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        if self.limit == 0 {
            return;
        }
        let mut requests = self.lock();
        while requests.len() >= self.limit {
            requests.pop_front();
        }
        requests.push_back(request);
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.lock().iter().cloned().collect()
    }

    pub(crate) fn take(&self) -> Vec<RecordedRequest> {
        std::mem::take(&mut *self.lock()).into()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RecordedRequest>> {
        // A panic while holding the lock cannot leave the Vec inconsistent: keep using it.
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }
}
