//! One integration-test binary; a module per concern.

mod generated_types;
mod host_program;
mod layer_answers;
mod layer_common;
mod layer_env;
mod layer_errors;
mod layer_images;
mod layer_limits;
mod layer_mock;
mod layer_recovery;
mod layer_retry;
mod layer_tracing;
mod layer_validation;
mod layer_wire;
mod mock_api;
mod mock_conformance;
mod mock_faults;
mod mock_server;
mod mock_support;
mod mock_tls;
mod mock_validation;
mod suite_concurrency;
mod suite_downloads;
mod suite_faults;
mod suite_support;
mod suite_tls;
