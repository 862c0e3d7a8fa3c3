//! The `flux` binary, run as a user runs it, against mock servers on 127.0.0.1.
#![cfg(feature = "cli")]

mod batch;
mod batch_limits;
mod document;
mod exit_status;
mod faults;
mod gallery;
mod generate;
mod help;
mod library_surface;
mod mock;
mod mock_memory;
mod outside_program;
mod paid;
mod paid_output;
mod reproduce;
mod standin;
mod support;
