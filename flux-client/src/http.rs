//! The one place that builds the `reqwest` client a [`FluxClient`](crate::FluxClient) uses when
//! none is given.
//!
//! TLS is configured here, explicitly: rustls with the aws-lc-rs provider and the platform's
//! certificate verifier, handed to reqwest as a finished `ClientConfig`. Nothing is installed
//! process-wide, so the host program's own rustls and reqwest clients keep whatever provider
//! they had, whether they are built before or after this one.
//!
//! The client carries no `Authorization` header: the key is added to API requests only, by the
//! generated client's hook (`session.rs`), so the same client downloads images from any host
//! without leaking it.

use std::sync::Arc;
use std::time::Duration;

use rustls_platform_verifier::BuilderVerifierExt;

use crate::error::{Error, Result};

/// Builds the HTTP client used for API calls and downloads.
pub(crate) fn build_client(user_agent: &str, connect_timeout: Duration) -> Result<reqwest::Client> {
    let fail = |e: &dyn std::fmt::Display| {
        Error::config("http_client", format!("cannot build the HTTP client: {e}"))
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config().map_err(|e| fail(&e))?)
        .user_agent(user_agent)
        .connect_timeout(connect_timeout)
        .build()
        .map_err(|e| fail(&e))
}

/// rustls with aws-lc-rs and the platform verifier, offering the HTTP versions reqwest speaks
/// in this build (ALPN).
fn tls_config() -> std::result::Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    config.alpn_protocols = if cfg!(feature = "http2") {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(config)
}
