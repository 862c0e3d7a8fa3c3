//! Exit statuses and the one line printed for a failure.

use std::process::ExitCode;

/// How the command ended; the numbers are documented in `flux --help` and the README (`docs/flux-command.md` in full).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Everything asked for was done.
    Ok = 0,
    /// The API, the network, the image host or the disk failed.
    Failed = 1,
    /// The command line or the input was invalid; nothing was sent.
    Invalid = 2,
    /// A batch finished, but some of its lines failed (see the manifest).
    Partial = 3,
    /// Interrupted by Ctrl-C.
    Interrupted = 130,
    /// Standard output was closed (`| head -1`): ended quietly, as a shell reports a process
    /// ended by `SIGPIPE`.
    BrokenPipe = 141,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        ExitCode::from(status as u8)
    }
}

/// A failure that ends the command: its status and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    pub status: Status,
    pub message: String,
}

impl Failure {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: Status::Invalid,
            message: message.into(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            status: Status::Failed,
            message: message.into(),
        }
    }

    /// A failure that prints nothing.
    pub fn quiet(status: Status) -> Self {
        Self {
            status,
            message: String::new(),
        }
    }

    /// Prints the line (unless quiet; control characters removed, the key redacted) and
    /// returns the status.
    pub fn report(self) -> ExitCode {
        if !self.message.is_empty() {
            crate::output::eprint_line(&format!("flux: {}", crate::output::clean(&self.message)));
        }
        self.status.into()
    }
}

/// Invalid configuration and invalid requests were refused before anything was sent (status 2);
/// everything else is a failure of the API, the network or the disk (status 1).
impl From<flux_client::Error> for Failure {
    fn from(error: flux_client::Error) -> Self {
        let status = if is_invalid_input(&error) {
            Status::Invalid
        } else {
            Status::Failed
        };
        Self {
            status,
            message: describe(&error),
        }
    }
}

pub fn is_invalid_input(error: &flux_client::Error) -> bool {
    matches!(
        error,
        flux_client::Error::InvalidConfig { .. } | flux_client::Error::InvalidRequest { .. }
    )
}

/// The error and its causes, on one line.
pub fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    one_line(&text)
}

/// Joins the non-empty lines of `text` with spaces.
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Prints clap's help and version on stdout (status 0), and its errors as one line (status 2).
pub fn clap_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // A closed pipe (`flux --help | head -1`) is not an error worth a panic.
            let _ = error.print();
            Status::Ok.into()
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            Status::Invalid.into()
        }
        _ => {
            let text = error.render().to_string();
            let text = text
                .lines()
                .filter(|line| !line.starts_with("For more information"))
                .collect::<Vec<_>>()
                .join("\n");
            let text = one_line(&text);
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            crate::output::eprint_line(&format!("flux: {text} (see `flux --help`)"));
            Status::Invalid.into()
        }
    }
}
