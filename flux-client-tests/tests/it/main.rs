//! One integration-test binary; a module per concern.

mod generated_types;
