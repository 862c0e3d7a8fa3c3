//! [`FluxClientBuilder`]: every setting of a [`FluxClient`], checked by `build`.

use std::fmt;
use std::time::Duration;

use crate::client::FluxClient;
use crate::config::{
    API_KEY_ENV, ApiKey, AuthScheme, BASE_URL_ENV, Config, DEFAULT_BASE_URL,
    DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MODEL, parse_base_url,
};
use crate::error::{Error, Result};
use crate::generated::{Client, Session};
use crate::limiter::Limiter;
use crate::limits::Limits;
use crate::retry::RetryPolicy;
use crate::save::{DownloadPolicy, Downloader};

/// The per-attempt timeout used when none is set: generations take 10-60 s; this leaves room
/// for a slow one.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Configures a [`FluxClient`]. Setters never fail; [`build`](Self::build) reports the first
/// problem as [`Error::InvalidConfig`] naming the setting.
///
/// ```
/// use flux_client::{AuthScheme, Error, FluxClient};
///
/// let err = FluxClient::builder()
///     .api_key("sk-test")
///     .base_url("http://images.example.com")
///     .build()
///     .unwrap_err();
/// assert!(matches!(err, Error::InvalidConfig { field: "base_url", .. }));
///
/// let client = FluxClient::builder()
///     .api_key("sk-test")
///     .auth_scheme(AuthScheme::Bearer)
///     .base_url("http://images.example.com")
///     .allow_insecure_http(true)
///     .build()?;
/// assert_eq!(client.config().auth_scheme(), AuthScheme::Bearer);
/// # Ok::<(), flux_client::Error>(())
/// ```
///
/// Every setter returns the builder and is `#[must_use]`: a setter whose result is dropped sets
/// nothing, so the compiler says so.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let builder = flux_client::FluxClient::builder();
/// builder.timeout(std::time::Duration::from_secs(5));
/// ```
#[derive(Clone)]
pub struct FluxClientBuilder {
    api_key: Option<ApiKey>,
    auth_scheme: AuthScheme,
    base_url: String,
    model: String,
    connect_timeout: Duration,
    /// `None`: [`DEFAULT_TIMEOUT`], or the deadline when that is shorter.
    timeout: Option<Duration>,
    retry: RetryPolicy,
    limits: Limits,
    user_agent: String,
    max_download_bytes: u64,
    max_response_bytes: u64,
    download_policy: DownloadPolicy,
    allow_insecure_http: bool,
    http_client: Option<reqwest::Client>,
}

impl Default for FluxClientBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            auth_scheme: AuthScheme::default(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            model: DEFAULT_MODEL.to_owned(),
            connect_timeout: Duration::from_secs(10),
            timeout: None,
            retry: RetryPolicy::default(),
            limits: Limits::default(),
            user_agent: concat!("flux-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_download_bytes: DEFAULT_MAX_DOWNLOAD_BYTES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            download_policy: DownloadPolicy::default(),
            allow_insecure_http: false,
            http_client: None,
        }
    }
}

impl fmt::Debug for FluxClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FluxClientBuilder")
            .field("api_key", &self.api_key)
            .field("auth_scheme", &self.auth_scheme)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("limits", &self.limits)
            .field("user_agent", &self.user_agent)
            .field("max_download_bytes", &self.max_download_bytes)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("download_policy", &self.download_policy)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("http_client", &self.http_client.is_some())
            .finish()
    }
}

impl FluxClientBuilder {
    /// A builder with the key from `ONEROUTER_API_KEY` (required) and the base URL from
    /// `ONEROUTER_BASE_URL` (when set and not empty).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) when `ONEROUTER_API_KEY` is
    /// missing or empty, or `ONEROUTER_BASE_URL` is not a URL.
    pub fn from_env() -> Result<Self> {
        // `VarError`'s text quotes a non-UTF-8 value: never the key's.
        let key = std::env::var(API_KEY_ENV).map_err(|e| match e {
            std::env::VarError::NotPresent => Error::config(API_KEY_ENV, "is not set"),
            std::env::VarError::NotUnicode(_) => Error::config(API_KEY_ENV, "is not valid UTF-8"),
        })?;
        let mut builder = Self::default().api_key(key);
        if let Ok(url) = std::env::var(BASE_URL_ENV)
            && !url.trim().is_empty()
        {
            builder = builder.base_url(url);
        }
        Ok(builder)
    }

    /// The API key. Surrounding whitespace (a trailing newline from a file) is ignored; an empty
    /// key or one with characters not allowed in a header is refused by [`build`](Self::build).
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }

    /// How the key is written in `Authorization` (default: the raw key, as OneRouter documents).
    #[must_use]
    pub fn auth_scheme(mut self, scheme: AuthScheme) -> Self {
        self.auth_scheme = scheme;
        self
    }

    /// The API's base URL (default [`DEFAULT_BASE_URL`](crate::DEFAULT_BASE_URL), the API document's
    /// first server). Plain `http` is refused
    /// except to loopback addresses, unless [`allow_insecure_http`](Self::allow_insecure_http).
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The model used when a request names none.
    #[must_use]
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Time allowed to open a connection (default 10 s). Ignored with
    /// [`http_client`](Self::http_client), whose own settings apply.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one generation attempt (default 120 s, or the
    /// [`deadline`](Self::deadline) when one shorter than that is set). Downloads have their
    /// own ([`DownloadPolicy::timeout`]).
    ///
    /// Every attempt gets its whole timeout: without a deadline set, the total deadline is
    /// 300 s or this timeout, whichever is longer; a deadline set shorter than this timeout is
    /// refused by [`build`](Self::build).
    ///
    /// ```
    /// use std::time::Duration;
    /// use flux_client::{Error, FluxClient};
    ///
    /// let builder = FluxClient::builder().api_key("sk-test").timeout(Duration::from_secs(600));
    /// let client = builder.clone().build()?;
    /// assert_eq!(client.config().deadline(), Duration::from_secs(600));
    ///
    /// let err = builder.deadline(Duration::from_secs(300)).build().unwrap_err();
    /// assert!(matches!(err, Error::InvalidConfig { field: "deadline", .. }));
    /// # Ok::<(), flux_client::Error>(())
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy (see [`RetryPolicy`] for the careful default).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Shortcut for the policy's [`max_retries`](RetryPolicy::max_retries).
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry = self.retry.max_retries(retries);
        self
    }

    /// Shortcut for the policy's total [`deadline`](RetryPolicy::deadline) across attempts
    /// (default: 300 s or the [`timeout`](Self::timeout), whichever is longer). It must not be
    /// shorter than a timeout set explicitly.
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.retry = self.retry.deadline(deadline);
        self
    }

    /// How many generations may be in flight and how fast they may start, for this client and
    /// all its clones (default: the API's 30 concurrent and 600 per minute, adapting to 429;
    /// see [`Limits`]).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The `User-Agent` header. Ignored with [`http_client`](Self::http_client).
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The largest image download accepted, in bytes (default 64 MiB).
    #[must_use]
    pub fn max_download_bytes(mut self, bytes: u64) -> Self {
        self.max_download_bytes = bytes;
        self
    }

    /// The largest API answer read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`](crate::DEFAULT_MAX_RESPONSE_BYTES), 256 MiB). A larger
    /// answer is not read further and fails as [`Error::Decode`].
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// How image downloads are timed, retried and bounded (see [`DownloadPolicy`]).
    #[must_use]
    pub fn download_policy(mut self, policy: DownloadPolicy) -> Self {
        self.download_policy = policy;
        self
    }

    /// Allows plain `http` base URLs to non-loopback hosts (the key then travels unencrypted).
    #[must_use]
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Uses your own `reqwest::Client` (proxies, custom TLS roots, ...) for API calls and
    /// downloads, instead of the one this crate builds (rustls with aws-lc-rs, see `docs/library.md`).
    /// It must not carry an `Authorization` default header: the layer adds the key to API
    /// requests itself, and your header would reach the image host.
    ///
    /// It is a **reqwest 0.13** `Client`: [`flux_client::reqwest`](crate::reqwest) re-exports
    /// the version this crate is built with, and a client from another reqwest major version is
    /// another type (a compile error). Depend on `reqwest = "0.13"` or use the re-export.
    ///
    /// ```
    /// let http = flux_client::reqwest::Client::builder()
    ///     .user_agent("my-app/1.0")
    ///     .build()
    ///     .expect("a client");
    /// let client = flux_client::FluxClient::builder()
    ///     .api_key("sk-test")
    ///     .http_client(http)
    ///     .build()?;
    /// # Ok::<(), flux_client::Error>(())
    /// ```
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks the configuration and builds the client. Sends nothing.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig), naming the setting and the
    /// reason, for a missing or empty key, a key that cannot be a header value, a base URL that
    /// is not `https` (nor loopback `http` with
    /// [`allow_insecure_http`](Self::allow_insecure_http)), an empty model, or limits and
    /// timeouts out of range. Nothing is sent.
    pub fn build(self) -> Result<FluxClient> {
        let api_key = self
            .api_key
            .ok_or_else(|| Error::config("api_key", format!("is not set (set {API_KEY_ENV})")))?;
        let session = Session::new(Some(&api_key), self.auth_scheme)?
            .max_response_bytes(self.max_response_bytes);
        let base_url = parse_base_url(&self.base_url, self.allow_insecure_http)?;
        if self.model.trim().is_empty() {
            return Err(Error::config("model", "is empty"));
        }
        let (timeout, deadline) = timing(self.timeout, &self.retry)?;
        self.limits
            .check()
            .map_err(|(field, reason)| Error::config(field, reason))?;
        let http = match self.http_client {
            Some(client) => client,
            None => crate::http::build_client(&self.user_agent, self.connect_timeout)?,
        };
        // The generated client appends `/v1/images/generations` to this string.
        let base = base_url.as_str().trim_end_matches('/');
        let generated = Client::new_with_client(base, http.clone(), session);
        let config = Config {
            api_key,
            auth_scheme: self.auth_scheme,
            base_url,
            model: self.model,
            connect_timeout: self.connect_timeout,
            timeout,
            deadline,
            retry: self.retry,
            limits: self.limits,
            user_agent: self.user_agent,
            max_download_bytes: self.max_download_bytes,
            max_response_bytes: self.max_response_bytes,
            download_policy: self.download_policy,
            allow_insecure_http: self.allow_insecure_http,
        };
        let guard = crate::save::HostGuard::new(
            &config.base_url,
            config.api_key.expose(),
            config.download_policy.get_allow_any_host(),
        );
        let downloader = Downloader::new(
            http,
            config.max_download_bytes,
            config.download_policy.clone(),
            guard,
        );
        let limiter = Limiter::new(config.limits);
        Ok(FluxClient::from_parts(
            config, generated, downloader, limiter,
        ))
    }
}

/// The per-attempt timeout and the total deadline in effect. Neither silently cuts a value the
/// user set: an unset one adapts to the other, two set values that contradict are refused.
fn timing(timeout: Option<Duration>, retry: &RetryPolicy) -> Result<(Duration, Duration)> {
    if timeout.is_some_and(|t| t.is_zero()) {
        return Err(Error::config("timeout", "is zero"));
    }
    let timeout = match (timeout, retry.get_deadline()) {
        (_, Some(deadline)) if deadline.is_zero() => {
            return Err(Error::config("deadline", "is zero"));
        }
        (Some(timeout), Some(deadline)) if deadline < timeout => {
            return Err(Error::config(
                "deadline",
                format!(
                    "({deadline:?}) is shorter than the per-attempt timeout ({timeout:?}), which \
                     could then never be used in full; raise the deadline or lower the timeout"
                ),
            ));
        }
        (Some(timeout), _) => timeout,
        (None, Some(deadline)) => DEFAULT_TIMEOUT.min(deadline),
        (None, None) => DEFAULT_TIMEOUT,
    };
    Ok((timeout, retry.deadline_for(timeout)))
}

impl FluxClient {
    /// Starts a configuration with the defaults (no key yet).
    #[must_use]
    pub fn builder() -> FluxClientBuilder {
        FluxClientBuilder::default()
    }

    /// A client configured from `ONEROUTER_API_KEY` and, when set, `ONEROUTER_BASE_URL`.
    /// Use [`FluxClientBuilder::from_env`] to change more settings.
    ///
    /// # Errors
    ///
    /// As [`FluxClientBuilder::from_env`] and [`FluxClientBuilder::build`].
    pub fn from_env() -> Result<Self> {
        FluxClientBuilder::from_env()?.build()
    }
}
