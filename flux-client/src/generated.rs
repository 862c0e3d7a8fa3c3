//! The client progenitor generates from `openapi/flux-pro.json` in `build.rs`. Never edited by
//! hand: change the document or the repair in `build-tools` instead.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

include!(concat!(env!("OUT_DIR"), "/flux_api.rs"));
