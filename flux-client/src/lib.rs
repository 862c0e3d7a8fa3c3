//! A typed client for the FLUX1.1 \[pro\] ultra text-to-image API served by OneRouter.

mod generated;

pub use generated::*;
