//! [`FluxClient`]: configuration in, generated client underneath (its builder is in
//! `builder.rs`).

use std::fmt;
use std::sync::Arc;

use crate::builder::FluxClientBuilder;
use crate::call_options::Effective;
use crate::config::Config;
use crate::error::Result;
use crate::extras::Extras;
use crate::generated::Client;
use crate::images::Images;
use crate::limiter::Limiter;
use crate::request::GenerateRequest;
use crate::retry;
use crate::save::Downloader;
use crate::types::{self, CreateImageBody};
use progenitor_client::ClientInfo as _;

/// The client for the FLUX1.1 \[pro\] ultra image API. Cheap to clone (one `Arc`); clones share
/// connections, and the futures of its requests own what they need, so they can be spawned.
///
/// ```
/// use flux_client::FluxClient;
/// use std::time::Duration;
///
/// let client = FluxClient::builder()
///     .api_key("sk-test")
///     .base_url("http://127.0.0.1:4010")
///     .timeout(Duration::from_secs(120))
///     .max_retries(2)
///     .build()?;
/// assert_eq!(client.config().base_url().as_str(), "http://127.0.0.1:4010/");
/// assert!(!format!("{client:?}").contains("sk-test"));
/// # Ok::<(), flux_client::Error>(())
/// ```
#[derive(Clone)]
pub struct FluxClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    generated: Client,
    downloader: Downloader,
    /// One for the client and all its clones.
    limiter: Limiter,
}

impl FluxClient {
    /// Assembles a client from what [`FluxClientBuilder::build`] checked and built.
    pub(crate) fn from_parts(
        config: Config,
        generated: Client,
        downloader: Downloader,
        limiter: Limiter,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                generated,
                downloader,
                limiter,
            }),
        }
    }
}

impl fmt::Debug for FluxClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FluxClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl FluxClient {
    /// Starts a configuration with the defaults (no key yet).
    pub fn builder() -> FluxClientBuilder {
        FluxClientBuilder::default()
    }

    /// A client configured from `ONEROUTER_API_KEY` and, when set, `ONEROUTER_BASE_URL`.
    /// Use [`FluxClientBuilder::from_env`] to change more settings.
    pub fn from_env() -> Result<Self> {
        FluxClientBuilder::from_env()?.build()
    }

    /// The configuration in use (`Debug` redacts the key).
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Starts an image generation for `prompt`; set options on the request, then
    /// [`send`](GenerateRequest::send) it. The request holds a clone of this client, so its
    /// future is `Send + 'static`:
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = flux_client::mock::MockServer::start().await?;
    /// let client = flux_client::FluxClient::builder()
    ///     .base_url(server.base_url())
    ///     .api_key(server.api_key())
    ///     .build()?;
    /// let task = tokio::spawn(client.generate("a red fox").send());
    /// let images = task.await??;
    /// assert_eq!(images.len(), 1);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn generate(&self, prompt: impl Into<String>) -> GenerateRequest {
        GenerateRequest::new(self.clone(), prompt.into())
    }

    /// Starts an image generation from a JSON object holding the request body's fields as the
    /// API names them (a `flux batch` line, a form): `prompt` is required, `model` defaults to
    /// the client's, every field the document declares is accepted, and an `extra` object (unless
    /// the document declares a field `extra`) holds fields it does not declare, sent as
    /// [`extra_body`](GenerateRequest::extra_body) sends them. An unknown key, a value of
    /// the wrong type or outside the document's range is reported by
    /// [`body`](GenerateRequest::body) and [`send`](GenerateRequest::send) as
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest).
    ///
    /// ```
    /// let client = flux_client::FluxClient::builder().api_key("sk-test").build()?;
    /// let fields = serde_json::json!({"prompt": "a red fox", "size": "9:16", "n": 2});
    /// let body = client.generate_json(&fields).body()?;
    /// assert_eq!(body.model, flux_client::DEFAULT_MODEL);
    ///
    /// let typo = serde_json::json!({"prompt": "a red fox", "sise": "9:16"});
    /// assert!(client.generate_json(&typo).body().unwrap_err().to_string().contains("`sise`"));
    ///
    /// let extra = serde_json::json!({"prompt": "a red fox", "extra": {"style": "photo"}});
    /// assert!(client.generate_json(&extra).body().is_ok());
    /// # Ok::<(), flux_client::Error>(())
    /// ```
    pub fn generate_json(&self, fields: &serde_json::Value) -> GenerateRequest {
        GenerateRequest::from_json(self.clone(), fields)
    }

    /// The generated progenitor client, for anything this layer does not cover, ready to use:
    /// its API requests carry the key, and it shares this client's connections, timeouts, user
    /// agent and TLS (see [`generated`](crate::generated) for how its answers are read). It
    /// does not retry.
    pub fn generated(&self) -> &Client {
        &self.inner.generated
    }

    /// Rebuilds [`Images`] from a response kept earlier (a journal written between generating
    /// and saving), so its images can be downloaded without paying for a new generation. Image
    /// URLs may expire (signed URLs often after minutes); a download that fails then is an
    /// [`Error::Download`](crate::Error::Download).
    ///
    /// ```
    /// use flux_client::{Error, FluxClient, types::CreateImageResponse};
    ///
    /// let client = FluxClient::builder().api_key("sk-test").build()?;
    /// let kept: CreateImageResponse = serde_json::from_str(
    ///     r#"{"created": 1700000000, "data": [{"url": "https://cdn.example.com/a.png"}]}"#,
    /// ).unwrap();
    /// let images = client.images_from_response(kept)?;
    /// assert_eq!(images.first().url(), Some("https://cdn.example.com/a.png"));
    ///
    /// let empty: CreateImageResponse = serde_json::from_str(r#"{"created": 1, "data": []}"#).unwrap();
    /// assert!(matches!(client.images_from_response(empty), Err(Error::NoImages { .. })));
    /// # Ok::<(), flux_client::Error>(())
    /// ```
    pub fn images_from_response(&self, response: types::CreateImageResponse) -> Result<Images> {
        Images::from_response(response, None, None, None, self.inner.downloader.clone())
    }

    /// Sends a checked body through the generated client, retrying per the policy.
    pub(crate) async fn create_image(
        &self,
        body: CreateImageBody,
        effective: Effective,
        extras: Extras,
    ) -> Result<Images> {
        let inner = &self.inner;
        // Extras travel in the session of a client made for this request (one `Arc` clone of
        // the connection pool); without them the shared one is used.
        let per_request;
        let generated = if extras.is_empty() {
            &inner.generated
        } else {
            let shared = &inner.generated;
            per_request = Client::new_with_client(
                shared.baseurl(),
                shared.client().clone(),
                shared.inner().clone().with_extras(extras),
            );
            &per_request
        };
        // Only an `n` the request set bounds the images kept: the server's default may change.
        // Read through JSON, so whatever integer type the document gives `n` (`NonZeroU64` for
        // `minimum: 1`) works.
        let requested_n = serde_json::to_value(body.n).ok().and_then(|n| n.as_u64());
        let body_n = requested_n.and_then(|n| usize::try_from(n).ok());
        let span = tracing::info_span!(
            "flux.generate",
            model = %body.model,
            n = requested_n.unwrap_or(1),
            base_url = %inner.config.base_url,
        );
        let attempt = || {
            let body = body.clone();
            async move {
                let result = generated.create_image().body(body).send().await;
                crate::response::classify(result)
            }
        };
        let (response, request_id) = tracing::Instrument::instrument(
            retry::run(
                &inner.limiter,
                &effective.policy,
                effective.timeout,
                effective.deadline,
                attempt,
            ),
            span,
        )
        .await?;
        Images::from_response(
            response,
            Some(body),
            request_id,
            body_n,
            inner.downloader.clone(),
        )
    }
}
