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
mod builder;
mod catalog;
mod fault_text;
mod faults;
mod image_host;
mod images;
mod listener;
mod recording;
mod request_log;
mod shared;
mod tls;
mod validation;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use account::{Account, AccountStats};
pub use builder::MockServerBuilder;
pub use catalog::{FAULT_CATALOG, FaultEntry, fault_help};
pub use fault_text::FaultParseError;
pub use faults::Fault;
pub use recording::{Listener, RecordedRequest};

use listener::Connections;
use shared::Shared;

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
    ///
    /// # Errors
    ///
    /// As [`MockServerBuilder::start`](crate::mock::MockServerBuilder::start).
    pub async fn start() -> io::Result<MockServer> {
        Self::builder().start().await
    }

    /// Settings for a server.
    #[must_use]
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The API's base URL, such as `http://127.0.0.1:41234`, to pass to
    /// [`Client::new_with_client`](crate::generated::Client::new_with_client).
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.api)
    }

    /// The image host's base URL: every image URL the API returns starts with it.
    #[must_use]
    pub fn image_base_url(&self) -> String {
        self.shared.image_base_url.clone()
    }

    /// The base URL of the third listener, where [`Fault::ImageRedirect`] sends image requests.
    #[must_use]
    pub fn redirect_base_url(&self) -> String {
        self.shared.redirect_base_url.clone()
    }

    /// The API listener's address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.api
    }

    /// The image host's address.
    #[must_use]
    pub fn image_addr(&self) -> SocketAddr {
        self.images
    }

    /// The key the API accepts.
    #[must_use]
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// With [`MockServerBuilder::tls`], the PEM of the authority that signed the server's
    /// certificate, for `reqwest::Certificate::from_pem`; `None` for plain HTTP.
    #[must_use]
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Every request received so far (the most recent
    /// [`history`](MockServerBuilder::history) of them), on all listeners, in arrival order.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.all()
    }

    /// The requests received so far by one listener.
    #[must_use]
    pub fn requests_on(&self, listener: Listener) -> Vec<RecordedRequest> {
        let mut requests = self.requests();
        requests.retain(|r| r.listener == listener);
        requests
    }

    /// Returns the requests received so far and forgets them (call it and drop the result to
    /// start counting afresh).
    #[allow(clippy::must_use_candidate)] // called for its effect too: forgetting what came before
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
    #[must_use]
    pub fn account_stats(&self) -> AccountStats {
        self.shared.accounts.stats()
    }

    /// The number of queued faults not yet used.
    #[must_use]
    pub fn queued_faults(&self) -> usize {
        self.shared.queue().len()
    }

    /// The number of connections accepted so far, on all listeners.
    #[must_use]
    pub fn connections_accepted(&self) -> usize {
        self.connections.accepted.load(Ordering::SeqCst)
    }

    /// The number of connections open now, on all listeners.
    #[must_use]
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
