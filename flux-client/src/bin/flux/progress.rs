//! Progress on stderr: shown only when stderr is a terminal and not asked to be quiet.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Clone, Copy, Debug)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// Progress display for this process: off when `quiet` or when stderr is not a terminal.
    pub fn new(quiet: bool) -> Self {
        Self {
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// A spinner with the elapsed time, for waiting on the API.
    pub fn spinner(&self, message: impl Into<String>) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner().with_message(message.into());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    }

    /// A bar counting `total` things, drawn with indicatif's `template`.
    pub fn bar(&self, total: u64, template: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(250));
        bar
    }
}

/// Prints a line on stderr without tearing the progress display (control characters removed,
/// the key redacted: lines quote what servers said).
pub fn note(bar: &ProgressBar, line: &str) {
    let line = format!("flux: {}", crate::output::clean(line));
    bar.suspend(|| crate::output::eprint_line(&line));
}
