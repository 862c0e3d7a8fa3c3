//! One line of a batch: generated (or taken from its journal entry), journaled, saved, recorded.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use flux_client::Error;

use super::keep::{self, Unkept};
use super::{Context, Job, Outcome};
use crate::exit::{Failure, describe, is_invalid_input};
use crate::manifest::{ErrorRecord, ImageRecord, Input, RecordStatus};
use crate::progress::note;

pub(super) async fn run_line(context: Arc<Context>, job: Job) -> Outcome {
    if context.stop.load(Ordering::SeqCst) {
        return Outcome::NotStarted;
    }
    match attempt(&context, &job).await {
        Ok((created, images)) => {
            let mut record = job.input.record(job.line, RecordStatus::Done);
            record.created = Some(created);
            // The saved paths, or with --no-download the URLs (the server's text: cleaned).
            let shown: String = images
                .iter()
                .filter_map(|i| {
                    i.path
                        .as_ref()
                        .map(|path| path.display().to_string())
                        .or_else(|| i.url.as_deref().map(crate::output::clean))
                })
                .map(|shown| format!("{shown}\n"))
                .collect();
            let count = images.len();
            record.images = Some(images);
            // The paths are printed only once the `done` record is durable.
            let recorded = context.writer.append(&record).await;
            let bar = context.progress.bar();
            match recorded.and_then(|()| bar.suspend(|| crate::output::print(&shown))) {
                Ok(()) => {
                    context.progress.line_done(count);
                    context.show(&record);
                    Outcome::Done
                }
                Err(failure) => fatal(&context, failure),
            }
        }
        Err(LineError::Fatal(failure)) => fatal(&context, failure),
        Err(LineError::NotStarted) => Outcome::NotStarted,
        Err(LineError::Line {
            message,
            http_status,
            retry,
            account,
        }) => {
            let message = crate::output::clean(&message);
            context
                .progress
                .note(&format!("line {}: {message}", job.line));
            let mut record = job.input.record(job.line, RecordStatus::Failed);
            record.error = Some(ErrorRecord {
                message: message.clone(),
                http_status,
                retry,
            });
            let recorded = context.writer.append(&record).await;
            if recorded.is_ok() {
                context.progress.line_failed();
            }
            match recorded {
                // A refused key or used-up credits fail every other line the same way: stop
                // at once instead of sending them one by one.
                Ok(()) if account => {
                    context.show(&record);
                    fatal(
                        &context,
                        Failure::failed(format!(
                            "line {}: {message}; the batch stopped (the account, not the line, \
                             is at fault); fix it and run the same command again",
                            job.line
                        )),
                    )
                }
                Ok(()) => {
                    context.show(&record);
                    Outcome::Failed
                }
                Err(failure) => fatal(&context, failure),
            }
        }
    }
}

fn fatal(context: &Context, failure: Failure) -> Outcome {
    context.stop.store(true, Ordering::SeqCst);
    Outcome::Fatal(failure)
}

pub(super) enum LineError {
    Line {
        message: String,
        http_status: Option<u16>,
        retry: bool,
        /// The account is at fault (401, 402, quota): the batch stops.
        account: bool,
    },
    Fatal(Failure),
    /// The batch stopped while the line waited for its turn to generate.
    NotStarted,
}

impl LineError {
    fn invalid(message: String) -> Self {
        LineError::Line {
            message: format!("invalid input: {message}"),
            http_status: None,
            retry: false,
            account: false,
        }
    }
}

impl From<Error> for LineError {
    fn from(error: Error) -> Self {
        if is_invalid_input(&error) {
            return LineError::invalid(describe(&error));
        }
        LineError::Line {
            message: describe(&error),
            http_status: error.status(),
            // The server refused this request for what it says (bad field, moderation): sending
            // the same line again would fail the same way, and may be billed.
            retry: !error.is_rejected_request(),
            account: error.is_account_error(),
        }
    }
}

/// Parses, checks, generates (or takes the journal) and saves one line.
async fn attempt(context: &Context, job: &Job) -> Result<(i64, Vec<ImageRecord>), LineError> {
    let value = match &job.input {
        Input::Json(value) if value.is_object() => value,
        Input::Json(_) => return Err(LineError::invalid("the line is not a JSON object".into())),
        Input::Text(text) => {
            let reason = serde_json::from_str::<serde_json::Value>(text)
                .err()
                .map_or_else(String::new, |e| e.to_string());
            return Err(LineError::invalid(format!(
                "the line is not JSON ({reason})"
            )));
        }
    };
    // A seed for every line, from the line itself, so every image can be made again.
    let value = &crate::repro::with_line_seed(value.clone(), job.line);
    // The line deserializes into the generated body (`generate_json`): every field the document
    // declares, an unknown key refused by name.
    let request = context.client.generate_json(value);
    let body = request.body()?;

    let mut paid = 1;
    if let Some(journal) = &job.journal {
        paid = journal.paid.unwrap_or(1);
        match resume(context, job, journal, &body).await {
            Ok(kept) => return Ok((kept.created, kept.images)),
            Err(Unkept::Line(error)) => return Err(error),
            // The image host says the URLs are gone: paying again is the only way to the
            // images, and it is done once; a second expiry fails the line for good.
            Err(Unkept::Expired(error)) if paid >= 2 => {
                return Err(LineError::Line {
                    message: format!(
                        "the images generated for this line cannot be downloaded any more ({}), \
                         and it was paid for {paid} times already; not paying again (remove \
                         its records from the manifest to generate it anew)",
                        describe(&error)
                    ),
                    http_status: error.status(),
                    retry: false,
                    account: false,
                });
            }
            Err(Unkept::Expired(error)) => {
                paid += 1;
                note(
                    context.progress.bar(),
                    &format!(
                        "line {}: the images generated earlier cannot be downloaded any more ({}); generating again",
                        job.line,
                        describe(&error)
                    ),
                );
            }
        }
    }

    let turn = context.starts.acquire().await.ok();
    if context.stop.load(Ordering::SeqCst) {
        return Err(LineError::NotStarted);
    }
    let sent = request.send().await;
    // A refused key or used-up credits stop the batch before the next line takes the turn.
    if sent.as_ref().is_err_and(Error::is_account_error) {
        context.stop.store(true, Ordering::SeqCst);
    }
    drop(turn);
    let images = context.tag(sent?, &body);
    match keep::fresh(context, job, &images, paid).await {
        Ok(kept) => Ok((kept.created, kept.images)),
        Err(Unkept::Line(error)) => Err(error),
        // Fresh URLs already gone: the line fails, its journal keeps what was saved, and a
        // rerun pays once more at most.
        Err(Unkept::Expired(error)) => Err(error.into()),
    }
}

/// Takes up a journaled answer: what is on disk stays, the rest is written or downloaded.
async fn resume(
    context: &Context,
    job: &Job,
    journal: &crate::manifest::Record,
    body: &flux_client::types::CreateImageBody,
) -> Result<keep::Kept, Unkept> {
    let kept = keep::journaled(&context.dir, journal);
    let missing: Vec<(usize, &ImageRecord)> = kept
        .images
        .iter()
        .enumerate()
        .filter(|(_, image)| image.path.is_none())
        .collect();
    if missing.is_empty() {
        return Ok(kept);
    }
    if let Some((slot, _)) = missing.iter().find(|(_, image)| image.url.is_none()) {
        return Err(Unkept::Expired(Error::InvalidRequest {
            field: "journal",
            reason: format!("image {} was base64 and its file is gone", slot + 1),
        }));
    }
    let images = match crate::resume::from_journal(&context.client, kept.created, &missing) {
        Ok(images) => context.tag(images, body),
        Err(error) => {
            note(
                context.progress.bar(),
                &format!(
                    "line {}: its journal entry is unusable ({}); generating again",
                    job.line,
                    describe(&error)
                ),
            );
            return Err(Unkept::Expired(error));
        }
    };
    let slots: Vec<(usize, &flux_client::Image)> = missing
        .iter()
        .map(|(slot, _)| *slot)
        .zip(images.iter())
        .collect();
    keep::resumed(context, job, &slots, kept, journal.paid.unwrap_or(1)).await
}
