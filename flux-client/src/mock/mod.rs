//! A mock of the API for tests and offline use, built from the same repaired OpenAPI document as
//! the client (cargo feature `mock`).
//!
//! [`MockServer`] listens on `127.0.0.1` and answers `POST /v1/images/generations` like OneRouter:
//! it checks the `Authorization` header, validates the body against the document's request schema
//! with a JSON Schema validator, and answers with `n` images, as URLs on a second listener (the
//! image host) or as base64. The images are small real PNGs whose width:height is the requested
//! `size`, the same bytes for the same prompt and seed. [`Fault`]s make it misbehave on purpose,
//! chosen per request by header, from a queue, or as the server's default; every request any of
//! its listeners receives is recorded ([`MockServer::requests`]).
//!
//! ```
//! use flux_client::mock::{Listener, MockServer};
//! use flux_client::{FluxClient, types};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start().await?;
//! let client = FluxClient::builder()
//!     .base_url(server.base_url())
//!     .api_key(server.api_key())
//!     .build()?;
//!
//! let images = client
//!     .generate("a lighthouse at dusk")
//!     .size(types::AspectRatio::X11)
//!     .send()
//!     .await?;
//! let url = images.first().url().unwrap();
//! assert!(url.starts_with(&server.image_base_url()));
//! // Downloaded from the mock's image host, without the key.
//! let png = images.first().bytes().await?;
//! assert!(png.starts_with(b"\x89PNG"));
//!
//! // The generated client works too, with the key on its API requests only.
//! let body = types::CreateImageBody::builder()
//!     .model(flux_client::DEFAULT_MODEL)
//!     .prompt("a lighthouse at dawn");
//! let response = client
//!     .generated()
//!     .create_image()
//!     .body(body)
//!     .send()
//!     .await?
//!     .into_inner();
//! assert_eq!(response.data.len(), 1);
//!
//! let recorded = server.requests();
//! assert_eq!(recorded.len(), 3); // two generations, one image download
//! for request in &recorded {
//!     let is_api = request.listener == Listener::Api;
//!     assert_eq!(request.header("authorization").is_some(), is_api);
//! }
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod account;
mod api;
mod body;
mod catalog;
mod faults;
mod image_host;
mod images;
mod listener;
mod recording;
mod tls;
mod validation;

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use account::{Account, AccountStats};
pub use catalog::{FAULT_CATALOG, FaultEntry, fault_help};
pub use faults::{Fault, FaultParseError};
pub use recording::{Listener, RecordedRequest};

use account::Accounts;
use image_host::ImageStore;
use listener::{Abort, Answer, Connections};
use recording::Recorder;

/// The largest request body the mock reads; larger ones get a 413 error body.
const MAX_REQUEST_BODY: usize = 1 << 20;

/// How long [`MockServer::shutdown`] lets open exchanges finish before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running mock of the API: an API listener, an image host, and a redirect target, each on its
/// own `127.0.0.1` port. Stops on [`shutdown`](MockServer::shutdown) or when dropped.
///
/// See the [module documentation](self) for an example.
pub struct MockServer {
    shared: Arc<Shared>,
    api: SocketAddr,
    images: SocketAddr,
    scheme: &'static str,
    ca_pem: Option<String>,
    connections: Arc<Connections>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Settings for a [`MockServer`], from [`MockServer::builder`].
#[derive(Clone, Debug)]
pub struct MockServerBuilder {
    api_key: Option<String>,
    port: u16,
    tls: bool,
    faults: Vec<Fault>,
    history: usize,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            port: 0,
            tls: false,
            faults: Vec::new(),
            history: MockServer::DEFAULT_HISTORY,
        }
    }
}

impl MockServerBuilder {
    /// How many recent requests the server records, and how many recent images its image host
    /// keeps (default [`MockServer::DEFAULT_HISTORY`]). Older ones are forgotten (an older
    /// image URL answers 404, like an expired one), so a long-running mock's memory stays flat.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = flux_client::mock::MockServer::builder().history(100).start().await?;
    /// # Ok(()) }
    /// ```
    pub fn history(mut self, requests: usize) -> Self {
        self.history = requests;
        self
    }

    /// The key the API accepts (default [`MockServer::DEFAULT_API_KEY`]).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The API listener's port (default 0: any free port). The other listeners always take a
    /// free port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serve HTTPS on every listener with a certificate for `127.0.0.1` and `localhost`, signed by
    /// an authority generated at start ([`MockServer::ca_certificate_pem`]).
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// Adds a default fault, applied to every generation request that selects none by header or
    /// queue.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Binds the listeners and starts serving on the current Tokio runtime.
    pub async fn start(self) -> io::Result<MockServer> {
        let localhost = |port| TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
        let api_listener = localhost(self.port).await?;
        let image_listener = localhost(0).await?;
        let redirect_listener = localhost(0).await?;
        let (api, images, redirect) = (
            api_listener.local_addr()?,
            image_listener.local_addr()?,
            redirect_listener.local_addr()?,
        );
        let tls = if self.tls {
            Some(tls::generate()?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };

        let shared = Arc::new(Shared {
            api_key: self
                .api_key
                .unwrap_or_else(|| MockServer::DEFAULT_API_KEY.to_owned()),
            default_faults: self.faults,
            queue: Mutex::default(),
            recorder: Recorder::new(self.history),
            images: ImageStore::new(self.history),
            image_base_url: format!("{scheme}://{images}"),
            redirect_base_url: format!("{scheme}://{redirect}"),
            seeds: AtomicU64::new(0),
            accounts: Accounts::default(),
        });
        let connections = Arc::new(Connections::default());
        let (stop, stopped) = watch::channel(false);
        let acceptor = tls.as_ref().map(|tls| tls.acceptor.clone());

        let mut tasks = Vec::new();
        for (listener, role) in [
            (api_listener, Listener::Api),
            (image_listener, Listener::Images),
            (redirect_listener, Listener::Redirect),
        ] {
            let shared = shared.clone();
            let handler = move |request| {
                let shared = shared.clone();
                async move { shared.answer(role, request).await }
            };
            tasks.push(tokio::spawn(listener::serve(
                listener,
                acceptor.clone(),
                handler,
                connections.clone(),
                stopped.clone(),
            )));
        }

        Ok(MockServer {
            shared,
            api,
            images,

            scheme,
            ca_pem: tls.map(|tls| tls.ca_pem),
            connections,
            stop,
            tasks,
        })
    }
}

impl MockServer {
    /// The API key a server accepts unless [`MockServerBuilder::api_key`] sets another.
    pub const DEFAULT_API_KEY: &'static str = "sk-mock";

    /// How many recent requests and images a server keeps unless told otherwise
    /// ([`MockServerBuilder::history`]).
    pub const DEFAULT_HISTORY: usize = 1024;

    /// The request header that selects faults for one request: a comma-separated list of
    /// faults in their textual form, such as `delay;ms=200, status;code=503` (see [`Fault`]).
    pub const FAULT_HEADER: &'static str = "x-mock-fault";

    /// A prompt containing this text is refused with 422 `content_policy_violation`, as the real
    /// API refuses prompts its content policy flags.
    pub const BLOCKED_PROMPT_MARKER: &'static str = "[mock:blocked]";

    /// The most images one answer carries. The document sets no upper bound on `n`, so the mock
    /// accepts any `n` it allows (it rejects exactly what the document rejects) and answers a
    /// larger one with this many images, as a provider capping its batch would.
    pub const MAX_IMAGES: i64 = 10;

    /// The path of the one operation the API serves.
    pub const GENERATIONS_PATH: &'static str = api::GENERATIONS_PATH;

    /// Starts a server with the default settings: plain HTTP, any free ports, key
    /// [`DEFAULT_API_KEY`](Self::DEFAULT_API_KEY), no default faults.
    pub async fn start() -> io::Result<MockServer> {
        Self::builder().start().await
    }

    /// Settings for a server.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The API's base URL, such as `http://127.0.0.1:41234`, to pass to
    /// [`Client::new_with_client`](crate::Client::new_with_client).
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.api)
    }

    /// The image host's base URL: every image URL the API returns starts with it.
    pub fn image_base_url(&self) -> String {
        self.shared.image_base_url.clone()
    }

    /// The base URL of the third listener, where [`Fault::ImageRedirect`] sends image requests.
    pub fn redirect_base_url(&self) -> String {
        self.shared.redirect_base_url.clone()
    }

    /// The API listener's address.
    pub fn addr(&self) -> SocketAddr {
        self.api
    }

    /// The image host's address.
    pub fn image_addr(&self) -> SocketAddr {
        self.images
    }

    /// The key the API accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// With [`MockServerBuilder::tls`], the PEM of the authority that signed the server's
    /// certificate, for `reqwest::Certificate::from_pem`; `None` for plain HTTP.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Every request received so far (the most recent
    /// [`history`](MockServerBuilder::history) of them), on all listeners, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.all()
    }

    /// The requests received so far by one listener.
    pub fn requests_on(&self, listener: Listener) -> Vec<RecordedRequest> {
        let mut requests = self.requests();
        requests.retain(|r| r.listener == listener);
        requests
    }

    /// Returns the requests received so far and forgets them.
    pub fn take_requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.take()
    }

    /// Queues a fault for the next generation request that selects none by header. Queued
    /// faults are used once each, in order, before the server's default faults.
    pub fn push_fault(&self, fault: Fault) {
        self.shared.queue().push_back(fault);
    }

    /// What the accounts played by [`Fault::Account`] admitted and refused so far, summed over
    /// all of them.
    pub fn account_stats(&self) -> AccountStats {
        self.shared.accounts.stats()
    }

    /// The number of queued faults not yet used.
    pub fn queued_faults(&self) -> usize {
        self.shared.queue().len()
    }

    /// The number of connections accepted so far, on all listeners.
    pub fn connections_accepted(&self) -> usize {
        self.connections.accepted.load(Ordering::SeqCst)
    }

    /// The number of connections open now, on all listeners.
    pub fn open_connections(&self) -> usize {
        self.connections.open.load(Ordering::SeqCst)
    }

    /// Stops accepting connections, lets open exchanges finish (for up to 5 seconds), then
    /// closes everything.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let tasks = std::mem::take(&mut self.tasks);
        let aborts: Vec<_> = tasks.iter().map(JoinHandle::abort_handle).collect();
        let all = async {
            for task in tasks {
                let _ = task.await;
            }
        };
        if tokio::time::timeout(SHUTDOWN_GRACE, all).await.is_err() {
            aborts.iter().for_each(|task| task.abort());
        }
    }
}

impl Drop for MockServer {
    /// Stops the listeners at once; open connections are cut.
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.base_url())
            .field("image_base_url", &self.image_base_url())
            .field("tls", &self.ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

/// What the listeners share.
pub(crate) struct Shared {
    api_key: String,
    default_faults: Vec<Fault>,
    queue: Mutex<VecDeque<Fault>>,
    recorder: Recorder,
    images: ImageStore,
    image_base_url: String,
    redirect_base_url: String,
    seeds: AtomicU64,
    accounts: Accounts,
}

impl Shared {
    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Fault>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The faults for one generation request: its header's, else the next queued one, else the
    /// defaults. A header that does not parse is an error message for a 400.
    fn faults_for(&self, headers: &http::HeaderMap) -> Result<Vec<Fault>, String> {
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
    fn fresh_seed(&self) -> i64 {
        let count = self.seeds.fetch_add(1, Ordering::SeqCst);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        (count.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(nanos)) as i64 & i64::MAX
    }

    /// Reads and records a request, then answers it as `listener`.
    async fn answer(&self, listener: Listener, request: http::Request<Incoming>) -> Answer {
        let (parts, body) = request.into_parts();
        let Some((body, too_large)) = read_body(body).await else {
            // The client went away while sending.
            return Err(Abort);
        };
        self.recorder.record(RecordedRequest {
            listener,
            method: parts.method.clone(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: recording::owned_headers(&parts.headers),
            body: body.to_vec(),
        });
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
            Listener::Api => api::handle(self, &parts, &body).await,
            Listener::Images | Listener::Redirect => {
                image_host::handle(&self.images, listener, &self.redirect_base_url, &parts).await
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
