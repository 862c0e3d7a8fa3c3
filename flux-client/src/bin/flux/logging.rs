//! `flux -v` and `RUST_LOG`: the library's spans and events (requests, attempts, retry
//! decisions with their waits, downloads) on stderr, with the key redacted.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::output::RedactingStderr;

/// Installs the subscriber: `RUST_LOG` when set, else `-v` (the library's debug events) or
/// `-vv` (everything at trace level). With neither, nothing is installed, so the command's
/// own one-line messages stay the only output on stderr.
pub fn init(verbose: u8) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => EnvFilter::new(value),
        _ => match verbose {
            0 => return,
            1 => EnvFilter::new("flux_client=debug,flux=debug"),
            _ => EnvFilter::new("trace"),
        },
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| RedactingStderr)
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(true)
        .try_init();
}
