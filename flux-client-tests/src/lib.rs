//! Integration tests of the flux client (see tests/it) and the helpers they share.

pub mod scripted;
