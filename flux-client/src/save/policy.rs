//! [`DownloadPolicy`]: how image downloads are timed, retried and bounded.

use std::time::Duration;

/// How image downloads behave: their own timeout, their retries and how many run at once.
///
/// Downloading an image that was already generated is idempotent (a GET of a finished image),
/// and the generation is already paid for, so downloads are retried more readily than
/// generations: on connection failures, connections that broke, timeouts, and `408`, `429` and
/// `5xx` answers, up to [`max_retries`](Self::max_retries) times with exponential backoff and
/// jitter (a `Retry-After` of at most [`max_backoff`](Self::max_backoff) is honoured). An
/// answer that cannot get better (a 404, a body that is not an image, one over the size cap, a
/// local disk error) is not retried.
///
/// ```
/// use std::time::Duration;
/// use flux_client::{DownloadPolicy, FluxClient};
///
/// let policy = DownloadPolicy::default()
///     .max_retries(5)
///     .timeout(Duration::from_secs(30))
///     .max_concurrent(4);
/// let client = FluxClient::builder().api_key("sk-test").download_policy(policy.clone()).build()?;
/// assert_eq!(client.config().download_policy(), &policy);
/// assert_eq!(policy.get_max_retries(), 5);
/// assert_eq!(DownloadPolicy::default().get_timeout(), Duration::from_secs(60));
/// # Ok::<(), flux_client::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    timeout: Duration,
    max_concurrent: usize,
    allow_any_host: bool,
}

impl Default for DownloadPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            timeout: Duration::from_secs(60),
            max_concurrent: 8,
            allow_any_host: false,
        }
    }
}

impl DownloadPolicy {
    /// How many times a failed download is tried again (default 3).
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The wait before the first retry (default 250 ms); each further retry doubles it.
    #[must_use]
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest wait between two attempts, and the longest `Retry-After` honoured
    /// (default 8 s).
    #[must_use]
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Time allowed for one download attempt, body included (default 60 s), independent of
    /// the generation's [`timeout`](crate::FluxClientBuilder::timeout).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many downloads of one client run at once (default 8, at least 1); more wait their
    /// turn. An answer with many images does not open as many connections and files at once.
    #[must_use]
    pub fn max_concurrent(mut self, downloads: usize) -> Self {
        self.max_concurrent = downloads.max(1);
        self
    }

    /// Whether image URLs on addresses a public API never uses are fetched (default `false`):
    /// link-local addresses (`169.254.169.254`, `fe80::/10`), loopback while the API is not on
    /// loopback, and the API's own origin are refused with an
    /// [`Error::Download`](crate::Error::Download) before anything is sent. Literal addresses
    /// are checked, not what a host name resolves to. A URL that carries the API key is never
    /// fetched, whatever this says.
    #[must_use]
    pub fn allow_any_host(mut self, allow: bool) -> Self {
        self.allow_any_host = allow;
        self
    }

    /// Whether any image host is allowed ([`allow_any_host`](Self::allow_any_host)).
    #[must_use]
    pub fn get_allow_any_host(&self) -> bool {
        self.allow_any_host
    }

    /// The configured number of retries.
    #[must_use]
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The per-attempt download timeout.
    #[must_use]
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    /// How many downloads run at once.
    #[must_use]
    pub fn get_max_concurrent(&self) -> usize {
        self.max_concurrent
    }

    /// The wait before retry number `retry` (1-based), from backoff or the host's hint; `None`
    /// when the hint is longer than [`max_backoff`](Self::max_backoff).
    pub(crate) fn wait_before(&self, retry: u32, hint: Option<Duration>) -> Option<Duration> {
        let backoff = crate::retry::backoff(self.initial_backoff, self.max_backoff, retry);
        match hint {
            Some(hint) if hint > self.max_backoff => None,
            Some(hint) => Some(hint.max(backoff)),
            None => Some(backoff),
        }
    }
}
