//! What a failed attempt says about retrying it.

use std::time::Duration;

use crate::error::Error;

/// How a failed attempt may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// The connection failed before the request was sent.
    ConnectFailed,
    /// The connection broke after the request may have been sent.
    Interrupted,
    /// The attempt ran out of time.
    Timeout,
    /// The server answered with this status (or this `error.code` inside a 200).
    Status(u16),
    /// Never retried (bad answers, invalid requests, ...).
    Final,
}

/// A failed attempt: the error to report and what it says about retrying.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    pub(crate) class: Class,
    pub(crate) retry_after: Option<Duration>,
}
