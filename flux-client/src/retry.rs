//! The one place that knows when to retry, and how long to wait.

mod attempts;
mod backoff;
mod failure;
mod policy;
mod retry_after;
#[cfg(test)]
mod tests;

pub(crate) use attempts::{millis, run};
pub(crate) use backoff::backoff;
pub(crate) use failure::{Class, Failure};
pub use policy::RetryPolicy;
pub(crate) use retry_after::retry_after;
