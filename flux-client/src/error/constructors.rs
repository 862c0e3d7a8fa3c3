//! The crate's shorthands for building errors.

use std::time::Duration;

use super::Error;

impl Error {
    pub(crate) fn timeout(elapsed: Duration) -> Self {
        Error::Timeout { elapsed }
    }

    pub(crate) fn decode(status: u16, reason: impl Into<String>, body: String) -> Self {
        Error::Decode {
            status,
            reason: reason.into(),
            body,
        }
    }

    pub(crate) fn download(host: &str, status: Option<u16>, reason: impl Into<String>) -> Self {
        Error::Download {
            host: host.to_owned(),
            status,
            reason: reason.into(),
            source: None,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidConfig {
            field,
            reason: reason.into(),
        }
    }
}

/// At most this many bytes of an undecodable body are kept in [`Error::Decode`].
const BODY_EXCERPT: usize = 512;

pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT)];
    String::from_utf8_lossy(cut).into_owned()
}
