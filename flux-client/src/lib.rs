//! A typed client for the FLUX1.1 \[pro\] ultra text-to-image API served by OneRouter.

mod generated;

pub use generated::*;

#[cfg(feature = "mock")]
pub mod mock;
