//! The client progenitor generates from `openapi/flux-pro.json` in `build.rs`. Never edited by
//! hand: change the document or the repair in `build-tools` instead.

#![allow(missing_docs, clippy::all, clippy::pedantic)]
// The document's prose ("FLUX1.1 [pro] ultra") is not meant as intra-doc links.
#![allow(rustdoc::broken_intra_doc_links)]

include!(concat!(env!("OUT_DIR"), "/flux_api.rs"));

/// The repaired OpenAPI document this client was generated from (pretty JSON), as `build.rs`
/// produced it from `openapi/flux-pro.json`.
pub const REPAIRED_DOCUMENT: &str =
    include_str!(concat!(env!("OUT_DIR"), "/flux-pro.patched.json"));
