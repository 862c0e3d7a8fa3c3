//! The one place that builds `reqwest` clients.
//!
//! No client built here carries the API key: the key is added to API requests only, by the
//! request hook in `hooks.rs`, so the same client can download images from any host without
//! leaking it.

use std::time::Duration;

use crate::error::{Error, Result};

/// A `reqwest` client builder ready for this crate's TLS setup, for
/// [`FluxClientBuilder::http_client`](crate::FluxClientBuilder::http_client) (proxies, custom
/// roots, ...).
///
/// This crate builds reqwest with rustls and the `ring` provider; a `reqwest::ClientBuilder`
/// made elsewhere in the process would panic without a provider installed. This function installs
/// it first.
///
/// ```
/// let http = flux_client::http_client_builder()
///     .user_agent("my-app/1.0")
///     .build()
///     .expect("a client");
/// let client = flux_client::FluxClient::builder()
///     .api_key("sk-test")
///     .http_client(http)
///     .build()?;
/// # Ok::<(), flux_client::Error>(())
/// ```
pub fn http_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// Builds the HTTP client used for API calls and downloads.
pub(crate) fn build_client(user_agent: &str, connect_timeout: Duration) -> Result<reqwest::Client> {
    http_client_builder()
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
