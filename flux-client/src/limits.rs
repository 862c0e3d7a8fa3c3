//! What the client's limiter is told: how many generations may be in flight, how many may start
//! per unit of time, and whether it adapts to `429 Too Many Requests`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A number of requests per period, such as `600/min` or `10/s`.
///
/// Requests are paced evenly: `600/min` starts one request every 100 ms (two may go together
/// after a quiet time, or to make up for a late one), never a minute's budget at once (an
/// account that counts over shorter windows would answer 429).
///
/// ```
/// use std::time::Duration;
/// use flux_client::Rate;
///
/// let rate: Rate = "600/min".parse()?;
/// assert_eq!(rate, Rate::per_minute(600));
/// assert_eq!(rate.interval(), Duration::from_millis(100));
/// assert_eq!("10/s".parse::<Rate>()?.interval(), Duration::from_millis(100));
/// assert_eq!(Rate::per_second(10).to_string(), "10/s");
/// assert!("0/s".parse::<Rate>().is_err());
/// assert!("ten/s".parse::<Rate>().unwrap_err().to_string().contains("ten"));
/// # Ok::<(), flux_client::RateParseError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    requests: u32,
    per: Duration,
}

impl Rate {
    /// `requests` per `per`. Both must be positive; [`Limits`] refuses a rate that is not (at
    /// [`build`](crate::FluxClientBuilder::build)).
    #[must_use]
    pub const fn new(requests: u32, per: Duration) -> Self {
        Self { requests, per }
    }

    /// `requests` per second.
    #[must_use]
    pub const fn per_second(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(1))
    }

    /// `requests` per minute.
    #[must_use]
    pub const fn per_minute(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(60))
    }

    /// The number of requests per [`period`](Self::period).
    #[must_use]
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The period the requests are counted over.
    #[must_use]
    pub fn period(&self) -> Duration {
        self.per
    }

    /// The time between two evenly paced requests (zero for a rate of zero requests).
    #[must_use]
    pub fn interval(&self) -> Duration {
        if self.requests == 0 {
            return Duration::ZERO;
        }
        self.per / self.requests
    }

    /// Requests per second, as a float.
    #[must_use]
    pub fn per_second_f64(&self) -> f64 {
        if self.per.is_zero() {
            return f64::INFINITY;
        }
        f64::from(self.requests) / self.per.as_secs_f64()
    }

    pub(crate) fn is_valid(&self) -> bool {
        self.requests > 0 && !self.per.is_zero()
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.per.as_secs() {
            1 if self.per.subsec_nanos() == 0 => "s".to_owned(),
            60 if self.per.subsec_nanos() == 0 => "min".to_owned(),
            3600 if self.per.subsec_nanos() == 0 => "h".to_owned(),
            _ => format!("{}ms", self.per.as_millis()),
        };
        write!(f, "{}/{unit}", self.requests)
    }
}

/// Why a rate's text (`600/min`, `10/s`) could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateParseError {
    text: String,
    reason: &'static str,
}

impl fmt::Display for RateParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid rate `{}`: {}", self.text, self.reason)
    }
}

impl std::error::Error for RateParseError {}

impl FromStr for Rate {
    type Err = RateParseError;

    /// `N/s`, `N/min` or `N/h` (also `sec`, `second`, `m`, `minute`, `hour`), N a positive
    /// integer.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |reason| RateParseError {
            text: text.to_owned(),
            reason,
        };
        let (count, unit) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| error("expected N/s, N/min or N/h, such as 600/min"))?;
        let requests: u32 = count
            .trim()
            .parse()
            .map_err(|_| error("the count must be a positive integer"))?;
        if requests == 0 {
            return Err(error("the count must be a positive integer"));
        }
        let per = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(error("the unit must be s, min or h")),
        };
        Ok(Self::new(requests, per))
    }
}

/// The limits a [`FluxClient`](crate::FluxClient) keeps to, shared by all its clones: at most
/// [`max_concurrent`](Self::max_concurrent) generations in flight and
/// [`rate`](Self::rate) generation requests started, evenly paced.
///
/// The default is the API's documented limits for an account, 30 concurrent tasks and 600
/// requests per minute, with [adaptation](Self::adapt_to_429) to `429 Too Many Requests` on:
///
/// - a 429 that looks like the concurrent limit (sent with more generations in flight than any
///   recent success) lowers the concurrent limit to the number that was in flight (requests
///   waiting for the pace give their places back without using the pace up); any
///   other 429 lowers the pace to 75 % of what it was (once per round of requests sent at that
///   pace). A `Retry-After` pauses every request of the client until it has passed (60 s at
///   most).
/// - Successes raise them again gradually: the pace by 1 % of the configured rate per second,
///   the concurrent limit by one after twice as many successes in a row (at least 32).
/// - A 429 then does not use up a request's retries: it is sent again when the limiter lets it,
///   until the request's [deadline](crate::RetryPolicy::deadline) (counted from when its first
///   attempt was sent, not from when it started waiting for the limiter).
///
/// ```
/// use std::time::Duration;
/// use flux_client::{FluxClient, Limits, Rate};
///
/// assert_eq!(Limits::default().get_max_concurrent(), Some(30));
/// assert_eq!(Limits::default().get_rate(), Some(Rate::per_minute(600)));
///
/// // A plan with more room, told to the client; every clone shares the limits.
/// let client = FluxClient::builder()
///     .api_key("sk-test")
///     .limits(Limits::default().max_concurrent(60).rate("1200/min".parse()?))
///     .build()?;
/// assert_eq!(client.config().limits().get_max_concurrent(), Some(60));
///
/// // Off: requests go out as fast as they are made (a 429 is then an ordinary retry).
/// let unlimited = Limits::none();
/// assert_eq!((unlimited.get_max_concurrent(), unlimited.get_rate()), (None, None));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    max_concurrent: Option<u32>,
    rate: Option<Rate>,
    adapt: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_concurrent: Some(Self::API_MAX_CONCURRENT),
            rate: Some(Self::API_RATE),
            adapt: true,
        }
    }
}

impl Limits {
    /// The API's documented concurrent tasks per account.
    pub const API_MAX_CONCURRENT: u32 = 30;
    /// The API's documented requests per minute per account.
    pub const API_RATE: Rate = Rate::per_minute(600);

    /// No limit and no adaptation: every request is sent at once.
    #[must_use]
    pub fn none() -> Self {
        Self {
            max_concurrent: None,
            rate: None,
            adapt: false,
        }
    }

    /// At most `n` generations in flight (from sending to the answer; image downloads do not
    /// count). Zero is refused by [`build`](crate::FluxClientBuilder::build).
    #[must_use]
    pub fn max_concurrent(mut self, n: u32) -> Self {
        self.max_concurrent = Some(n);
        self
    }

    /// No limit on generations in flight.
    #[must_use]
    pub fn unlimited_concurrency(mut self) -> Self {
        self.max_concurrent = None;
        self
    }

    /// At most this many generation requests started, evenly paced (retries included).
    #[must_use]
    pub fn rate(mut self, rate: Rate) -> Self {
        self.rate = Some(rate);
        self
    }

    /// No limit on the pace of requests.
    #[must_use]
    pub fn unlimited_rate(mut self) -> Self {
        self.rate = None;
        self
    }

    /// Whether a 429 lowers the limits that are set, and waits (not counted as a retry), as
    /// described on [`Limits`]. On by default; off, a 429 is retried like a 503.
    #[must_use]
    pub fn adapt_to_429(mut self, adapt: bool) -> Self {
        self.adapt = adapt;
        self
    }

    /// The concurrent limit, if any.
    #[must_use]
    pub fn get_max_concurrent(&self) -> Option<u32> {
        self.max_concurrent
    }

    /// The rate limit, if any.
    #[must_use]
    pub fn get_rate(&self) -> Option<Rate> {
        self.rate
    }

    /// Whether a 429 adapts the limits.
    #[must_use]
    pub fn adapts_to_429(&self) -> bool {
        self.adapt
    }

    /// The first setting that cannot work, as `(field, reason)`.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        if self.max_concurrent == Some(0) {
            return Err(("limits.max_concurrent", "is zero".into()));
        }
        if let Some(rate) = self.rate
            && !rate.is_valid()
        {
            return Err((
                "limits.rate",
                format!("({rate}) must be a positive count over a positive period"),
            ));
        }
        Ok(())
    }
}
