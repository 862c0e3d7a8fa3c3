//! The repair on the stored document and on hand-made malformed ones.

mod documents;
mod enums;
mod generic;
mod never_panics;
mod operations;
mod prose_constraints;
mod support;
mod unsupported;
