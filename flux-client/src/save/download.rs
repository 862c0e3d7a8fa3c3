//! [`Downloader`]: fetches images from the image host (never with the key), with retries, its
//! own timeout and a bound on how many run at once; `data:` URLs are decoded instead.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use futures_util::StreamExt;
use reqwest::Url;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::{DownloadPolicy, HostGuard, Part, Saved, Target};
use crate::connection::{connection_failure, describe};
use crate::error::{Error, Result, TIMED_OUT, transient_status};
use crate::format::ImageFormat;
use crate::metadata::{ImageMetadata, Inserter};

/// Fetches images. The client it holds carries no `Authorization` header (see `http.rs`), and
/// none is added here.
#[derive(Clone, Debug)]
pub(crate) struct Downloader {
    http: reqwest::Client,
    max_bytes: u64,
    policy: DownloadPolicy,
    slots: Arc<Semaphore>,
    guard: HostGuard,
}

/// One failed attempt, and whether another may succeed.
struct Failed {
    error: Error,
    retry: bool,
    hint: Option<Duration>,
}

impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Self {
            error,
            retry: false,
            hint: None,
        }
    }
}

impl Downloader {
    pub(crate) fn new(
        http: reqwest::Client,
        max_bytes: u64,
        policy: DownloadPolicy,
        guard: HostGuard,
    ) -> Self {
        let slots = Arc::new(Semaphore::new(policy.get_max_concurrent()));
        Self {
            http,
            max_bytes,
            policy,
            slots,
            guard,
        }
    }

    /// The URL to fetch, or the bytes of a `data:` URL; a URL the [`HostGuard`] refuses is an
    /// error before anything is sent.
    fn source(&self, text: &str) -> Result<Source> {
        let source = Source::parse(text)?;
        if let Source::Http(url) = &source {
            self.guard.check(url, text)?;
        }
        Ok(source)
    }

    /// How many downloads run at once.
    pub(crate) fn concurrency(&self) -> usize {
        self.policy.get_max_concurrent()
    }

    /// Downloads the whole image into memory.
    pub(crate) async fn fetch(&self, url: &str) -> Result<Vec<u8>> {
        let url = match self.source(url)? {
            Source::Data(bytes) => return Ok(bytes),
            Source::Http(url) => url,
        };
        self.with_retries(&url, |response, host| async move {
            let mut body = Vec::new();
            let mut stream = response.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| broke(&host, e))?;
                self.check_size(&host, body.len() as u64 + chunk.len() as u64)?;
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        })
        .await
    }

    /// Streams the image to `target` without holding it in memory, embedding `metadata` on the
    /// way when given (see [`Inserter`]).
    pub(crate) async fn save(
        &self,
        url: &str,
        target: &Target,
        metadata: Option<&ImageMetadata>,
    ) -> Result<Saved> {
        let url = match self.source(url)? {
            Source::Data(bytes) => {
                let bytes = match metadata {
                    Some(metadata) => crate::metadata::embed_or_keep(metadata, bytes),
                    None => bytes,
                };
                return super::write_bytes(target, bytes).await;
            }
            Source::Http(url) => url,
        };
        self.with_retries(&url, |response, host| async move {
            let mut part = Part::open(target).await?;
            let mut stream = response.bytes_stream();
            let mut inserter = metadata.map(Inserter::new);
            let mut received = 0;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| broke(&host, e))?;
                received += chunk.len() as u64;
                self.check_size(&host, received)?;
                match &mut inserter {
                    Some(inserter) => part.write(&inserter.push(&chunk)).await?,
                    None => part.write(&chunk).await?,
                }
            }
            if let Some(inserter) = &mut inserter {
                part.write(&inserter.finish()).await?;
                if let Some(reason) = inserter.skipped() {
                    tracing::warn!(%reason, "the image is saved without its metadata");
                }
            }
            let format = ImageFormat::sniff(&part.head).ok_or_else(|| {
                Error::download(&host, None, "the body is not a PNG, JPEG or WebP image")
            })?;
            Ok(part.finish(target, format).await?)
        })
        .await
    }

    /// Runs `read` on each successful answer until it succeeds or a failure is final.
    async fn with_retries<T, F, Fut>(&self, url: &Url, read: F) -> Result<T>
    where
        F: Fn(reqwest::Response, String) -> Fut,
        Fut: Future<Output = Result<T, Failed>>,
    {
        let host = url.host_str().unwrap_or_default().to_owned();
        let span = tracing::info_span!("flux.download", host = %host);
        async {
            let mut retry = 0u32;
            loop {
                let outcome = {
                    // Released during the backoff, so a waiting download is not held up.
                    let _slot = self.slots.acquire().await;
                    tracing::debug!(attempt = retry + 1, "downloading");
                    let attempt = async {
                        let response = self.get(url, &host).await?;
                        read(response, host.clone()).await
                    };
                    // The per-attempt timeout covers the body too (the request's own
                    // timeout does as well; this also bounds a slow disk).
                    match tokio::time::timeout(self.policy.get_timeout(), attempt).await {
                        Ok(outcome) => outcome,
                        Err(_) => Err(Failed {
                            error: Error::download(&host, None, TIMED_OUT),
                            retry: true,
                            hint: None,
                        }),
                    }
                };
                let failed = match outcome {
                    Ok(value) => {
                        tracing::debug!(attempt = retry + 1, "downloaded");
                        return Ok(value);
                    }
                    Err(failed) => failed,
                };
                retry += 1;
                let wait = (failed.retry && retry <= self.policy.get_max_retries())
                    .then(|| self.policy.wait_before(retry, failed.hint))
                    .flatten();
                let Some(wait) = wait else {
                    tracing::debug!(error = %failed.error, "download failed, not retried");
                    return Err(failed.error);
                };
                tracing::warn!(
                    retry,
                    wait_ms = crate::retry::millis(wait),
                    error = %failed.error,
                    "retrying the download"
                );
                tokio::time::sleep(wait).await;
            }
        }
        .instrument(span)
        .await
    }

    async fn get(&self, url: &Url, host: &str) -> Result<reqwest::Response, Failed> {
        let response = self
            .http
            .get(url.clone())
            .timeout(self.policy.get_timeout())
            .send()
            .await
            .map_err(|e| broke(host, e))?;
        let status = response.status();
        if !status.is_success() {
            let hint = crate::retry::retry_after(response.headers());
            return Err(Failed {
                error: Error::download(
                    host,
                    Some(status.as_u16()),
                    format!("the image host answered {status}"),
                ),
                retry: transient_status(status.as_u16()),
                hint,
            });
        }
        if let Some(length) = response.content_length() {
            self.check_size(host, length)?;
        }
        Ok(response)
    }

    fn check_size(&self, host: &str, size: u64) -> Result<()> {
        if size > self.max_bytes {
            return Err(Error::download(
                host,
                None,
                format!("the image is larger than the {} byte cap", self.max_bytes),
            ));
        }
        Ok(())
    }
}

/// A transport failure: retried unless the certificate was refused.
fn broke(host: &str, error: reqwest::Error) -> Failed {
    let certificate = connection_failure(&error) == crate::ConnectionFailure::Certificate;
    // Without the URL: image URLs may carry signatures.
    let error = if error.is_timeout() {
        Error::Download {
            host: host.to_owned(),
            status: None,
            reason: TIMED_OUT.to_owned(),
            source: Some(Box::new(error.without_url())),
        }
    } else {
        let error = error.without_url();
        Error::Download {
            host: host.to_owned(),
            status: None,
            reason: describe(&error),
            source: Some(Box::new(error)),
        }
    };
    Failed {
        error,
        retry: !certificate,
        hint: None,
    }
}

/// Where an image URL leads.
enum Source {
    Http(Url),
    /// A `data:` URL's decoded bytes.
    Data(Vec<u8>),
}

impl Source {
    fn parse(text: &str) -> Result<Self> {
        if let Some(data) = text.trim().strip_prefix("data:") {
            return decode_data_url(data).map(Source::Data);
        }
        let url = Url::parse(text)
            .map_err(|e| Error::download("", None, format!("the image URL is malformed: {e}")))?;
        let host = url.host_str().unwrap_or_default().to_owned();
        if !matches!(url.scheme(), "http" | "https") || host.is_empty() {
            return Err(Error::download(
                &host,
                None,
                format!(
                    "only http(s) and data: image URLs are fetched, not `{}:`",
                    url.scheme()
                ),
            ));
        }
        Ok(Source::Http(url))
    }
}

/// Decodes the part after `data:`: `[<media type>][;base64],<data>`. Only base64 is taken:
/// images are binary, and a percent-encoded one is refused by name.
fn decode_data_url(data: &str) -> Result<Vec<u8>> {
    let refuse = |reason: String| Error::download("data: URL", None, reason);
    let (meta, payload) = data
        .split_once(',')
        .ok_or_else(|| refuse("the `data:` URL has no `,` before its data".into()))?;
    if !meta
        .split(';')
        .any(|part| part.trim().eq_ignore_ascii_case("base64"))
    {
        return Err(refuse(
            "the `data:` URL is not base64 (`;base64,`); only base64 images are decoded".into(),
        ));
    }
    let payload: String = payload.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(payload.as_bytes())
        .map_err(|e| refuse(format!("the `data:` URL's base64 is invalid: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_are_decoded_or_refused_by_name() {
        let bytes = decode_data_url("image/png;base64,iVBORw0K\nGgo=").unwrap();
        assert!(bytes.starts_with(b"\x89PNG"));
        let err = decode_data_url("image/png,%89PNG").unwrap_err().to_string();
        assert!(err.contains("not base64"), "{err}");
        let err = decode_data_url("image/png;base64").unwrap_err().to_string();
        assert!(err.contains("no `,`"), "{err}");
    }
}
