//! [`FluxClient`]: configuration in, generated client underneath. Its constructors are with
//! the builder (`builder.rs`), its request starters with the request (`request.rs`), so this
//! module imports neither.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::answer::Answer;
use crate::call_options::Effective;
use crate::config::Config;
use crate::error::Result;
use crate::extras::Extras;
use crate::generated::Client;
use crate::images::Images;
use crate::limiter::Limiter;
use crate::retry;
use crate::retry::{Class, Failure};
use crate::save::Downloader;
use crate::session;
use crate::types::{self, CreateImageBody};

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
    /// The configuration in use (`Debug` redacts the key).
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The generated progenitor client: the escape hatch for anything this layer does not
    /// cover, not a third way to build a generation. Its API requests carry the key, and it
    /// shares this client's connections, timeouts, user agent and TLS (see
    /// [`generated`](crate::generated) for how its answers are read). It does not retry, and
    /// a body built with it skips the one validation [`generate`](Self::generate) and
    /// [`generate_json`](Self::generate_json) share (the document's types, enums and ranges,
    /// nested ones included, and the layer's own rules): use those to generate images.
    #[must_use]
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
    ///
    /// # Errors
    ///
    /// [`Error::NoImages`](crate::Error::NoImages) when the answer carries no image with a URL
    /// or base64 data.
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
        let extras = (!extras.is_empty()).then(|| Arc::new(extras));
        let extras = extras.as_ref();
        // The `n` the request set bounds the images kept, else the document's default for `n`
        // (what the server promises to make when none is sent): an answer with 10,000 URLs for
        // one image is a server fault, not 10,000 downloads. Read from the wire form by name,
        // so whatever integer type the document gives `n` (`NonZeroU64` for `minimum: 1`)
        // works, and a document that renames or drops it leaves no bound, not a build error.
        let requested_n = serde_json::to_value(&body)
            .ok()
            .and_then(|wire| wire.get("n")?.as_u64());
        let body_n = requested_n
            .or_else(|| {
                crate::fields::field("n")?
                    .server_default?
                    .parse::<u64>()
                    .ok()
            })
            .and_then(|n| usize::try_from(n).ok());
        let span = tracing::info_span!(
            "flux.generate",
            model = %body.model,
            n = requested_n.unwrap_or(1),
            base_url = %inner.config.base_url,
        );
        let attempt = || {
            let body = body.clone();
            async move {
                let (client, slot) = session::for_attempt(&inner.generated, extras);
                let result = client.create_image().body(body).send().await;
                drop(client);
                match Arc::into_inner(slot).and_then(OnceLock::into_inner) {
                    Some(decoded) => decoded,
                    // No answer arrived: progenitor's error is the HTTP stack's or the body's.
                    None => Err(Box::new(unanswered(result.err()))),
                }
            }
        };
        let Answer {
            response,
            request_id,
        } = tracing::Instrument::instrument(
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

/// A layer attempt that ended before the session's hook read an answer.
fn unanswered(error: Option<progenitor_client::Error<types::ErrorBody>>) -> Failure {
    use progenitor_client::Error as G;
    let error = match error {
        Some(G::CommunicationError(e) | G::InvalidUpgrade(e) | G::ResponseBodyError(e)) => {
            return crate::connection::failure(e);
        }
        Some(G::InvalidRequest(reason)) => crate::Error::invalid("body", reason),
        other => crate::Error::Connection {
            reason: other.map_or_else(
                || "no answer was read".to_owned(),
                |e| crate::connection::describe(&e),
            ),
            kind: crate::ConnectionFailure::Other,
            source: None,
        },
    };
    Failure {
        error,
        class: Class::Final,
        retry_after: None,
    }
}
