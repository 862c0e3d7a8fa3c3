//! Settings of a [`FluxClient`](crate::FluxClient), read from code or the environment.

use std::fmt;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::retry::RetryPolicy;
use crate::save::DownloadPolicy;

/// Environment variable holding the API key.
pub const API_KEY_ENV: &str = "ONEROUTER_API_KEY";
/// Environment variable overriding the base URL.
pub const BASE_URL_ENV: &str = "ONEROUTER_BASE_URL";
/// The API's base URL: the first `servers` URL of the API document the client was generated
/// from (read by `build.rs`, so a document that moves the API moves this default).
///
/// ```
/// assert!(flux_client::DEFAULT_BASE_URL.starts_with("https://"));
/// ```
pub const DEFAULT_BASE_URL: &str = crate::fields::DOCUMENT_BASE_URL;
/// The model requests use unless told otherwise.
pub const DEFAULT_MODEL: &str = "flux-pro-v1.1-ultra-text-to-image";
/// Largest image download accepted by default (64 MiB).
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 64 * 1024 * 1024;
/// Largest API answer read by default (256 MiB): room for many base64 images of the largest
/// size in one answer, while a runaway answer cannot exhaust memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;

/// How the key is written in the `Authorization` header.
///
/// ```
/// use flux_client::AuthScheme;
/// assert_eq!(AuthScheme::default(), AuthScheme::RawKey);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Authorization: sk-...`, as OneRouter's image API documents.
    #[default]
    RawKey,
    /// `Authorization: Bearer sk-...`.
    Bearer,
}

/// An API key. Its `Debug` never shows it, and it has no `Display`: only
/// [`expose`](Self::expose) gives the key itself.
///
/// ```
/// let key = flux_client::ApiKey::new("sk-secret");
/// assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
/// assert_eq!(key.expose(), "sk-secret");
/// ```
///
/// ```compile_fail
/// // No `Display`: a key cannot end up in a message by `{}`.
/// let key = flux_client::ApiKey::new("sk-secret");
/// println!("{key}");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, for the rare code that must see it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The `Authorization` value for `scheme`, marked sensitive so that HTTP tooling hides it.
    pub(crate) fn header(&self, scheme: AuthScheme) -> Result<HeaderValue> {
        let key = self.0.trim();
        if key.is_empty() {
            return Err(Error::config("api_key", "is empty"));
        }
        let text = match scheme {
            AuthScheme::RawKey => key.to_owned(),
            AuthScheme::Bearer => format!("Bearer {key}"),
        };
        // The error must not echo the key.
        let mut value = HeaderValue::from_str(&text).map_err(|_| {
            Error::config(
                "api_key",
                "contains characters not allowed in an HTTP header",
            )
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Everything a [`FluxClient`](crate::FluxClient) is configured with, after validation.
///
/// Built by [`FluxClientBuilder`](crate::FluxClientBuilder); read it back with
/// [`FluxClient::config`](crate::FluxClient::config). `Debug` redacts the key.
///
/// ```
/// let client = flux_client::FluxClient::builder().api_key("sk-secret").build()?;
/// let config = client.config();
/// // The first server of the API document, unless the builder was given another.
/// assert_eq!(config.base_url().as_str().trim_end_matches('/'), flux_client::DEFAULT_BASE_URL);
/// assert_eq!(config.model(), flux_client::DEFAULT_MODEL);
/// assert!(!format!("{config:?}").contains("sk-secret"));
/// # Ok::<(), flux_client::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) api_key: ApiKey,
    pub(crate) auth_scheme: AuthScheme,
    pub(crate) base_url: Url,
    pub(crate) model: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) limits: Limits,
    pub(crate) user_agent: String,
    pub(crate) max_download_bytes: u64,
    pub(crate) max_response_bytes: u64,
    pub(crate) download_policy: DownloadPolicy,
    pub(crate) allow_insecure_http: bool,
}

impl Config {
    /// The API's base URL.
    #[must_use]
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }
    /// The default model.
    #[must_use]
    pub fn model(&self) -> &str {
        &self.model
    }
    /// How the key is sent.
    #[must_use]
    pub fn auth_scheme(&self) -> AuthScheme {
        self.auth_scheme
    }
    /// Time allowed to open a connection.
    #[must_use]
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// Time allowed for one attempt, from sending to the last byte of the answer.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    /// The total time allowed for all attempts of one generation and the waits between them:
    /// the policy's [`deadline`](RetryPolicy::deadline) when set, else 300 s or
    /// [`timeout`](Self::timeout), whichever is longer.
    ///
    /// ```
    /// use std::time::Duration;
    /// use flux_client::FluxClient;
    ///
    /// let client = FluxClient::builder()
    ///     .api_key("sk-test")
    ///     .timeout(Duration::from_secs(600))
    ///     .build()?;
    /// assert_eq!(client.config().deadline(), Duration::from_secs(600));
    /// # Ok::<(), flux_client::Error>(())
    /// ```
    #[must_use]
    pub fn deadline(&self) -> Duration {
        self.deadline
    }
    /// The retry policy.
    #[must_use]
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }
    /// The limits the client keeps to (see [`Limits`]).
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
    /// The `User-Agent` sent with every request.
    #[must_use]
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
    /// The largest image download accepted, in bytes.
    #[must_use]
    pub fn max_download_bytes(&self) -> u64 {
        self.max_download_bytes
    }
    /// The largest API answer read, in bytes.
    #[must_use]
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }
    /// How image downloads are timed, retried and bounded.
    #[must_use]
    pub fn download_policy(&self) -> &DownloadPolicy {
        &self.download_policy
    }
    /// Whether plain `http` to non-loopback hosts was allowed.
    #[must_use]
    pub fn allow_insecure_http(&self) -> bool {
        self.allow_insecure_http
    }
    /// The API key (redacted in `Debug`).
    #[must_use]
    pub fn api_key(&self) -> &ApiKey {
        &self.api_key
    }
}

/// Parses and checks a base URL: http(s), a host, and plain HTTP only to loopback unless allowed.
pub(crate) fn parse_base_url(text: &str, allow_insecure_http: bool) -> Result<Url> {
    let field = "base_url";
    let url =
        Url::parse(text.trim()).map_err(|e| Error::config(field, format!("is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(&url) => {}
        "http" => {
            return Err(Error::config(
                field,
                format!(
                    "uses plain http to {}, which would send the API key unencrypted; use https or allow_insecure_http(true)",
                    url.host_str().unwrap_or_default()
                ),
            ));
        }
        other => {
            return Err(Error::config(
                field,
                format!("has scheme `{other}`, expected http or https"),
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(field, "has no host"));
    }
    // Credentials in the URL would show in tracing spans and `Debug`; the key goes in
    // `api_key`. The reason must not echo them.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            field,
            "must not contain a user name or password (`user:pass@`); set the key with api_key",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(field, "must not have a query or fragment"));
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}
