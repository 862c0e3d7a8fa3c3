//! The faults the mock can inject.

#[cfg(doc)]
use std::str::FromStr;
use std::time::Duration;

use super::account::Account;

/// A misbehaviour the mock server injects into one answer to `POST /v1/images/generations`.
///
/// Faults are chosen per request, first match wins:
/// 1. the request's [`FAULT_HEADER`](super::MockServer::FAULT_HEADER) (`x-mock-fault`), a
///    comma-separated list of faults in their textual form (see [`Fault::from_str`]);
/// 2. otherwise the next fault of the server's queue ([`MockServer::push_fault`](super::MockServer::push_fault));
/// 3. otherwise the server's default faults ([`MockServerBuilder::fault`](super::MockServerBuilder::fault)).
///
/// [`Account`](Fault::Account) decides first whether a request is let in (or answered 429);
/// [`Delay`](Fault::Delay) and [`ImageDelay`](Fault::ImageDelay) combine with the others (a
/// delay with an account is the generation's latency, spent holding the account's place); of the
/// remaining *response* faults the first one decides the answer, whatever the request holds
/// (they stand for a proxy or a failing server); *image* faults shape the image URLs of an
/// otherwise successful answer.
///
/// ```
/// use flux_client::mock::Fault;
/// use std::time::Duration;
///
/// let fault: Fault = "rate-limit;retry-after=2".parse().unwrap();
/// assert_eq!(fault, Fault::Status { status: 429, retry_after: Some(2) });
/// assert_eq!(Fault::Delay(Duration::from_millis(500)).to_string(), "delay;ms=500");
/// assert_eq!(Fault::parse_list("empty-data, delay;ms=10").unwrap().len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long before answering. Text: `delay;ms=N` (alias `slow`).
    Delay(Duration),
    /// Answer with the documented error body and this HTTP status (`error.code` equals it), with a
    /// `Retry-After: <seconds>` header when `retry_after` is set. Text: `status;code=503`,
    /// `status;code=503;retry-after=1`, and `rate-limit` / `rate-limit;retry-after=2` for 429.
    Status {
        /// The HTTP status, 400 to 599.
        status: u16,
        /// The `Retry-After` header's value in seconds, if any.
        retry_after: Option<u64>,
    },
    /// HTTP 200 whose body is the documented error body with this `error.code`, as OneRouter sends
    /// when a request fails after it was accepted. Text: `error-in-200;code=402`.
    ErrorIn200 {
        /// The `error.code` in the body.
        code: u16,
    },
    /// HTTP 200 with `"data": []`: the model made no image. Text: `empty-data`.
    EmptyData,
    /// HTTP 200, `application/json`, with a body that is not JSON. Text: `malformed-json`.
    MalformedJson,
    /// HTTP 200 whose `Content-Length` is larger than the body sent before the connection is
    /// closed. Text: `truncated`.
    TruncatedBody,
    /// HTTP 200 with `Content-Type: text/html` and an HTML page, as a captive proxy sends.
    /// Text: `wrong-content-type`.
    WrongContentType,
    /// Close the connection after reading the request, without any response. Text:
    /// `close-before-response`.
    CloseBeforeResponse,
    /// Send the status line, headers and part of a chunked body, then close the connection.
    /// Text: `close-mid-response`.
    CloseMidResponse,
    /// A successful answer whose image URLs answer 404. Text: `image-404`.
    ImageNotFound,
    /// A successful answer whose image URLs stream `bytes` bytes: a valid PNG header and padding,
    /// produced as it is sent (never held in memory). With `content_length` the size is announced
    /// in `Content-Length`, otherwise the body is chunked. Text: `image-too-large;bytes=N` (announced)
    /// or `image-too-large;bytes=N;chunked`.
    ImageTooLarge {
        /// The number of bytes sent.
        bytes: u64,
        /// Whether `Content-Length` announces them.
        content_length: bool,
    },
    /// A successful answer whose image URLs redirect (302) to the same image on a third listener,
    /// [`MockServer::redirect_base_url`](super::MockServer::redirect_base_url): another origin, so
    /// the recorded requests show whether a client forwarded `Authorization`. Text: `image-redirect`.
    ImageRedirect,
    /// A successful answer whose image URLs wait this long before answering. Text:
    /// `image-delay;ms=N`.
    ImageDelay(Duration),
    /// The server plays an account with these limits: beyond either it answers 429 with the
    /// documented error body (and `Retry-After` when set) at once; otherwise the request goes
    /// on, holding its place while a [`Delay`](Fault::Delay) (the generation's latency) runs.
    /// Requests naming the same limits share one account. Text:
    /// `account;concurrent=N;rate=R/s[;burst=B][;retry-after=S]` (rate per `s`, `min` or `h`;
    /// either limit may be left out), e.g. `account;concurrent=30;rate=600/min, delay;ms=500`.
    Account(Account),
    /// A successful answer whose image URLs answer `status` (the documented error body aside,
    /// a plain text one) the first `times` times each is fetched, then the image: a flaky image
    /// host. Text: `image-status;code=503` (once) or `image-status;code=503;times=2`.
    ImageStatus {
        /// The HTTP status, 400 to 599.
        status: u16,
        /// How many requests of each image get it before the image is served.
        times: u32,
    },
}

impl Fault {
    /// Whether this fault only adds a wait (and so combines with the others).
    pub(crate) fn is_delay(&self) -> bool {
        matches!(self, Fault::Delay(_) | Fault::ImageDelay(_))
    }

    /// Whether this fault admits requests rather than shaping an answer.
    pub(crate) fn is_account(&self) -> bool {
        matches!(self, Fault::Account(_))
    }

    /// Whether this fault shapes the image URLs rather than the API's answer.
    pub(crate) fn is_image_fault(&self) -> bool {
        matches!(
            self,
            Fault::ImageNotFound
                | Fault::ImageTooLarge { .. }
                | Fault::ImageRedirect
                | Fault::ImageDelay(_)
                | Fault::ImageStatus { .. }
        )
    }
}
