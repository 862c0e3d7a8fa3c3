//! What the command writes: stdout that never panics (a closed pipe ends quietly, another
//! write error exits 1), and server-provided text made safe to show: control characters
//! removed, the API key redacted.

use std::io::Write;
use std::sync::OnceLock;

use crate::exit::{Failure, Status};

/// The key to redact from every text shown or recorded. Set once, when the client is built:
/// the command knows one key for its whole run.
static KEY: OnceLock<String> = OnceLock::new();

/// What replaces the key in text.
pub const REDACTED: &str = "[redacted]";

/// Remembers the key, so that [`clean`] redacts it.
pub fn redact_key(key: &str) {
    let key = key.trim();
    // A very short key would redact ordinary words; such keys are refused by the server anyway.
    if key.len() >= 8 {
        let _ = KEY.set(key.to_owned());
    }
}

/// `text` with the API key replaced.
fn redacted(text: &str) -> std::borrow::Cow<'_, str> {
    match KEY.get() {
        Some(key) if text.contains(key.as_str()) => text.replace(key.as_str(), REDACTED).into(),
        _ => text.into(),
    }
}

/// `text` as everything that leaves the process shows server text: control characters (escape
/// sequences, carriage returns, ...) and bidirectional overrides removed, line breaks and tabs
/// made spaces, and only then the API key redacted, so that a key split by a control character
/// (`sk-secret\u{7}-123456`) is still found.
pub fn clean(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .filter_map(|c| match c {
            '\n' | '\t' => Some(' '),
            c if c.is_control() => None,
            // Bidirectional overrides can reorder what a terminal shows.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => None,
            c => Some(c),
        })
        .collect();
    redacted(&cleaned).into_owned()
}

/// Writes `text` to stdout in one go and flushes it. A closed pipe (`| head -1`) is a quiet
/// failure with status 141 (as a shell reports a process ended by `SIGPIPE`); any other write
/// error (`> /dev/full`) is a failure with status 1.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    let result = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    result.map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Failure::quiet(Status::BrokenPipe),
        _ => Failure::failed(format!("cannot write to standard output: {e}")),
    })
}

/// Writes a line to stderr, ignoring failure (there is nowhere else to say it).
pub fn eprint_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A `tracing` writer to stderr that redacts the key from what it writes.
pub struct RedactingStderr;

impl Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr()
            .lock()
            .write_all(redacted(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_removed_and_the_key_redacted() {
        redact_key("sk-test-key-1234");
        assert_eq!(
            clean("bad key sk-test-key-1234\u{1b}[31m red\u{7}\r\nnext\u{202E}"),
            "bad key [redacted][31m red next"
        );
        // Split by a control character or a bidi override: found once they are removed.
        assert_eq!(
            clean("echo sk-test-\u{7}key-1234 and sk-test-key\u{202E}-1234"),
            "echo [redacted] and [redacted]"
        );
    }
}
