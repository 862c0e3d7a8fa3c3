// The crate's documentation is its README (also the crates.io page). Its examples run against the
// mock, so they are doctests only where the mock is built (`--all-features`, docs.rs); without it
// the docs say where the guide is.
#![cfg_attr(feature = "mock", doc = include_str!("../README.md"))]
#![cfg_attr(
    not(feature = "mock"),
    doc = "A typed client for the FLUX1.1 \\[pro\\] ultra text-to-image API served by OneRouter: \
           start at [`FluxClient`]. The guide (`README.md`) is these docs with the `mock` feature \
           on, as on docs.rs, because its examples run against the mock."
)]
#![deny(missing_docs)]
// The pedantic lints a caller feels (issue 26): a result they may drop by mistake, and fallible
// functions that say how they fail. CI's clippy runs with `-D warnings`, so new items keep them.
#![warn(
    clippy::must_use_candidate,
    clippy::return_self_not_must_use,
    clippy::missing_errors_doc
)]
// docs.rs (nightly, `--cfg docsrs`): "Available on crate feature ... only" on feature-gated items.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod answer;
mod builder;
mod call_options;
mod client;
mod config;
mod connection;
mod error;
mod extras;
pub mod fields;
mod format;
pub mod generated;
mod http;
mod images;
mod limiter;
mod limits;
mod metadata;
mod request;
mod retry;
mod save;
mod schema;
mod session;

pub use builder::FluxClientBuilder;
pub use client::FluxClient;
pub use config::{
    API_KEY_ENV, ApiKey, AuthScheme, BASE_URL_ENV, Config, DEFAULT_BASE_URL,
    DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MODEL,
};
pub use error::{BoxError, ConnectionFailure, Error, Result};
pub use format::ImageFormat;
pub use generated::{REPAIRED_DOCUMENT, types};
pub use images::{Image, Images};
pub use limits::{Limits, Rate, RateParseError};
pub use metadata::{ImageMetadata, METADATA_KEYWORD, PARAMETERS_KEYWORD};
pub use request::GenerateRequest;
/// The `reqwest` this crate is built with, for [`FluxClientBuilder::http_client`].
pub use reqwest;
pub use retry::RetryPolicy;
pub use save::DownloadPolicy;

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
