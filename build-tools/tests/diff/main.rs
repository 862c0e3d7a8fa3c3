//! `build-tools diff`: each kind of change on small hand-made document pairs, both verdicts,
//! and the command's output and exit statuses through the real binary.

mod bump;
mod command;
mod document;
mod operations;
mod request_fields;
mod response_fields;
mod support;
