//! The faults the mock can inject, as people type them: one place for `flux --help`, the
//! fault table in `docs/mock.md` and the tests that check each example parses.

/// Every fault's syntax, an example that parses, and what the mock then does.
///
/// ```
/// use flux_client::mock::{FAULT_CATALOG, Fault};
///
/// for entry in FAULT_CATALOG {
///     assert!(entry.example.parse::<Fault>().is_ok(), "{}", entry.example);
/// }
/// assert!(flux_client::mock::fault_help().contains("image-status;code=C[;times=N]"));
/// ```
pub const FAULT_CATALOG: &[FaultEntry] = &[
    entry("delay;ms=N", "delay;ms=2000", "wait N ms, then answer"),
    entry(
        "status;code=C[;retry-after=S]",
        "status;code=503",
        "answer the documented error body with status C (401, 402, 403, 429, 500, 502, 503, ...)",
    ),
    entry(
        "rate-limit[;retry-after=S]",
        "rate-limit;retry-after=1",
        "answer 429",
    ),
    entry(
        "error-in-200;code=C",
        "error-in-200;code=402",
        "HTTP 200 whose body is the error body for C",
    ),
    entry(
        "empty-data",
        "empty-data",
        "HTTP 200 with \"data\": [] (no image made)",
    ),
    entry(
        "malformed-json",
        "malformed-json",
        "HTTP 200, application/json, not JSON",
    ),
    entry(
        "truncated",
        "truncated",
        "Content-Length larger than the body sent, then close",
    ),
    entry(
        "wrong-content-type",
        "wrong-content-type",
        "HTTP 200 with an HTML page",
    ),
    entry(
        "close-before-response",
        "close-before-response",
        "close the connection without answering",
    ),
    entry(
        "close-mid-response",
        "close-mid-response",
        "send half a chunked body, then close",
    ),
    entry("image-404", "image-404", "image URLs answer 404"),
    entry(
        "image-too-large;bytes=N[;chunked]",
        "image-too-large;bytes=100000000",
        "image URLs stream N bytes",
    ),
    entry(
        "image-redirect",
        "image-redirect",
        "image URLs redirect (302) to another origin",
    ),
    entry(
        "image-delay;ms=N",
        "image-delay;ms=2000",
        "image URLs wait N ms before answering",
    ),
    entry(
        "image-status;code=C[;times=N]",
        "image-status;code=503",
        "image URLs answer C the first N times (default 1), then the image",
    ),
    entry(
        "account;concurrent=N;rate=R/s[;burst=B][;retry-after=S]",
        "account;concurrent=8;rate=5/s",
        "play an account: beyond N in flight or R per second (/min, /h) answer 429",
    ),
];

/// One fault of [`FAULT_CATALOG`].
#[derive(Clone, Copy, Debug)]
pub struct FaultEntry {
    /// The syntax, with placeholders (`delay;ms=N`).
    pub syntax: &'static str,
    /// An example that parses as a [`Fault`](crate::mock::Fault).
    pub example: &'static str,
    /// What the mock does.
    pub effect: &'static str,
}

const fn entry(syntax: &'static str, example: &'static str, effect: &'static str) -> FaultEntry {
    FaultEntry {
        syntax,
        example,
        effect,
    }
}

/// The catalog as help text: each fault's syntax, and what it does on the line below.
#[must_use]
pub fn fault_help() -> String {
    let mut text = String::from("Faults (FAULT; repeat the option to combine them):\n");
    for entry in FAULT_CATALOG {
        text.push_str(&format!("  {}\n      {}\n", entry.syntax, entry.effect));
    }
    text
}
