//! The one place that builds `reqwest` clients.
//!
//! No client built here carries the API key: the key is added to API requests only, by the
//! request hook in `hooks.rs`, so the same client can download images from any host without
//! leaking it.

use std::time::Duration;

use crate::error::{Error, Result};

/// Builds the HTTP client used for API calls and downloads.
pub(crate) fn build_client(user_agent: &str, connect_timeout: Duration) -> Result<reqwest::Client> {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(connect_timeout)
        .build()
        .map_err(|e| Error::config("http_client", format!("cannot build the HTTP client: {e}")))
}

/// reqwest is built with `rustls-no-provider` (ring builds faster than aws-lc-rs), so a process
/// default must exist before the first client. Installing twice is harmless.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
