//! A blocking client, for programs without an async runtime (cargo feature `blocking`), as
//! `reqwest::blocking` is for reqwest.
//!
//! The same builder ([`FluxClientBuilder`]) and the same request
//! ([`GenerateRequest`], every setter and check) as the async client:
//! [`FluxClient`] owns a small Tokio runtime (one worker thread, started when it is built) and
//! runs the async client on it, so everything the async client guarantees holds here too: the
//! key only on API requests, retries and the shared [`Limits`](crate::Limits), saves streamed
//! to a temporary file then renamed. Clones share the runtime and the limits.
//!
//! ```
//! # #[cfg(feature = "mock")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let mock_runtime = tokio::runtime::Runtime::new()?; // the mock is async; your program is not
//! # let server = mock_runtime.block_on(flux_client::mock::MockServer::start())?;
//! # let (base_url, api_key) = (server.base_url(), server.api_key().to_owned());
//! use flux_client::blocking::FluxClient;
//!
//! let client = FluxClient::new(
//!     flux_client::FluxClient::builder().base_url(base_url).api_key(api_key),
//! )?;
//! let images = client.send(client.generate("a red fox").seed(42).n(2))?;
//! assert_eq!(images.len(), 2);
//!
//! let dir = std::env::temp_dir().join(format!("flux-blocking-{}", std::process::id()));
//! let paths = images.save_all_in(&dir)?;
//! assert!(paths.iter().all(|p| p.is_file()));
//! std::fs::remove_dir_all(&dir)?;
//! # Ok(()) }
//! # #[cfg(not(feature = "mock"))]
//! # fn main() {}
//! ```

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::{Config, FluxClientBuilder, GenerateRequest, Image};

/// The blocking client: an async [`FluxClient`](crate::FluxClient) and the runtime it runs on.
/// Cheap to clone. Its methods must not be called from inside an async runtime (they return
/// [`Error::InvalidConfig`] for `blocking` there, instead of panicking as a nested runtime would):
/// use the async client in async code.
#[derive(Clone)]
pub struct FluxClient {
    client: crate::FluxClient,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl fmt::Debug for FluxClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::FluxClient")
            .field("config", self.client.config())
            .finish_non_exhaustive()
    }
}

impl FluxClient {
    /// Builds the client from the async client's builder, and starts its runtime.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for what [`FluxClientBuilder::build`] refuses, or when the
    /// runtime cannot be started (field `blocking`).
    pub fn new(builder: FluxClientBuilder) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("flux-client-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::config("blocking", format!("cannot start a runtime: {e}")))?;
        // Built inside the runtime: the limiter's clock and the connection pool are its.
        let client = runtime.block_on(async { builder.build() })?;
        Ok(Self {
            client,
            runtime: Arc::new(runtime),
        })
    }

    /// A client configured from `ONEROUTER_API_KEY` and, when set, `ONEROUTER_BASE_URL`.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), and [`Error::InvalidConfig`] when the key is not set.
    pub fn from_env() -> Result<Self> {
        Self::new(FluxClientBuilder::from_env()?)
    }

    /// The configuration in use (`Debug` redacts the key).
    #[must_use]
    pub fn config(&self) -> &Config {
        self.client.config()
    }

    /// Starts an image generation: the async client's [`GenerateRequest`], with every setter;
    /// send it with [`send`](Self::send).
    pub fn generate(&self, prompt: impl Into<String>) -> GenerateRequest {
        self.client.generate(prompt)
    }

    /// Starts a generation from a JSON object, as
    /// [`FluxClient::generate_json`](crate::FluxClient::generate_json).
    pub fn generate_json(&self, fields: &serde_json::Value) -> GenerateRequest {
        self.client.generate_json(fields)
    }

    /// Sends a request and waits for its images.
    ///
    /// # Errors
    ///
    /// What [`GenerateRequest::send`] returns, and [`Error::InvalidConfig`] for `blocking`
    /// when called from inside an async runtime.
    pub fn send(&self, request: GenerateRequest) -> Result<Images> {
        let images = self.block_on(request.send())?;
        Ok(Images {
            images,
            runtime: self.runtime.clone(),
        })
    }

    /// The async client underneath, sharing connections and limits.
    #[must_use]
    pub fn as_async(&self) -> &crate::FluxClient {
        &self.client
    }

    fn block_on<T>(&self, future: impl Future<Output = Result<T>>) -> Result<T> {
        block_on(&self.runtime, future)
    }
}

fn block_on<T>(
    runtime: &tokio::runtime::Runtime,
    future: impl Future<Output = Result<T>>,
) -> Result<T> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::config(
            "blocking",
            "the blocking client was called from inside an async runtime; use \
             flux_client::FluxClient there",
        ));
    }
    runtime.block_on(future)
}

/// The images of one generation, with blocking downloads and saves. The async
/// [`Images`](crate::Images) is reachable through [`as_async`](Self::as_async) for everything
/// that does not wait (URLs, request id, metadata).
#[derive(Clone, Debug)]
pub struct Images {
    images: crate::Images,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl Images {
    /// How many images there are (never zero).
    #[must_use]
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Always `false`: a response without images is [`Error::NoImages`].
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// The server's request id (`x-request-id`), when it sent one.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.images.request_id()
    }

    /// The images, for their URLs and other details.
    pub fn iter(&self) -> std::slice::Iter<'_, Image> {
        self.images.iter()
    }

    /// Embeds the request's parameters in the images saved from these, as
    /// [`Images::with_metadata`](crate::Images::with_metadata).
    #[must_use]
    pub fn with_metadata(mut self) -> Self {
        self.images = self.images.with_metadata();
        self
    }

    /// The async images.
    #[must_use]
    pub fn as_async(&self) -> &crate::Images {
        &self.images
    }

    /// Downloads one image's bytes (or decodes them, for base64 answers).
    ///
    /// # Errors
    ///
    /// As [`Image::bytes`]; [`Error::InvalidRequest`] for `index` when there is no such image.
    pub fn bytes(&self, index: usize) -> Result<Vec<u8>> {
        let image = self
            .images
            .get(index)
            .ok_or_else(|| Error::invalid("index", format!("is {index}, past the last image")))?;
        block_on(&self.runtime, image.bytes())
    }

    /// Saves every image in `dir`, as [`Images::save_all_in`](crate::Images::save_all_in):
    /// all or none.
    ///
    /// # Errors
    ///
    /// As [`Images::save_all_in`](crate::Images::save_all_in).
    pub fn save_all_in(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        block_on(&self.runtime, self.images.save_all_in(dir))
    }
}
