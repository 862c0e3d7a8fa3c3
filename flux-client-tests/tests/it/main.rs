//! One integration-test binary; a module per concern.

mod generated_types;
mod mock_api;
mod mock_conformance;
mod mock_faults;
mod mock_server;
mod mock_support;
mod mock_tls;
mod mock_validation;
