//! The client progenitor generates from `openapi/flux-pro.json` in `build.rs`, for anything the
//! hand-written layer does not cover. Never edited by hand: change the document or the repair in
//! `build-tools` instead.
//!
//! [`FluxClient::generated`](crate::FluxClient::generated) returns a [`Client`] ready to use:
//! the key on API requests (and only there), the client's timeouts, user agent and TLS, and the
//! answers read by progenitor as it generates them: a `200` whose body is OneRouter's
//! `{"error": {...}}`, or an error answer whose body is not the API's error JSON, arrives as
//! [`Error::InvalidResponsePayload`] with the bytes; the layer's own decoder (which keeps the
//! status, request id and `Retry-After` of such answers, and salvages paid images) serves only
//! [`FluxClient`](crate::FluxClient)'s calls. Its requests do not carry the `api-version`
//! header progenitor writes (the API does not use it).
//!
//! ```
//! # #[cfg(feature = "mock")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use flux_client::{FluxClient, types::CreateImageBody};
//!
//! let server = flux_client::mock::MockServer::start().await?;
//! let client = FluxClient::builder().base_url(server.base_url()).api_key(server.api_key()).build()?;
//! let body = CreateImageBody::builder().model("flux-pro-v1.1-ultra-text-to-image").prompt("fox");
//! let response = client.generated().create_image().body(body).send().await?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.into_inner().data.len(), 1);
//! # Ok(()) }
//! # #[cfg(not(feature = "mock"))]
//! # fn main() {}
//! ```

#![allow(missing_docs, clippy::all, clippy::pedantic)]
// The document's prose ("FLUX1.1 [pro] ultra") is not meant as intra-doc links.
#![allow(rustdoc::broken_intra_doc_links)]

pub use crate::session::Session;

// progenitor's output re-exports its `Error` (the error of calls made on the generated
// [`Client`]), `ResponseValue`, `ClientInfo` and `ByteStream` here.
include!(concat!(env!("OUT_DIR"), "/flux_api.rs"));

/// The repaired OpenAPI document this client was generated from (pretty JSON), as `build.rs`
/// produced it from `openapi/flux-pro.json`.
pub const REPAIRED_DOCUMENT: &str =
    include_str!(concat!(env!("OUT_DIR"), "/flux-pro.patched.json"));
