//! One line of a batch: generated (or taken from its journal entry), journaled, saved, recorded.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use flux_client::{Error, Images};

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

enum LineError {
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

    if let Some(journal) = &job.journal {
        match crate::resume::from_journal(&context.client, journal) {
            Ok(images) => match save(context, job, &context.tag(images.clone(), &body)).await {
                Ok(saved) => return Ok(saved),
                Err(error) if crate::resume::expired(&error) => {
                    // Paid for once already: look for the files before paying again.
                    if let Some(paths) =
                        crate::resume::complete_on_disk(&context.dir, job.line, images.len())
                    {
                        return Ok((images.created(), image_records(&images, &paths)));
                    }
                    note(
                        context.progress.bar(),
                        &format!(
                            "line {}: the images generated earlier cannot be downloaded any more ({}); generating again",
                            job.line,
                            describe(&error)
                        ),
                    );
                }
                // The disk, or an image host failing or answering with something that is not
                // the image: the URLs may still be good, so the journal is kept and the line
                // fails with the real cause, never paid for again.
                Err(error) => return Err(error.into()),
            },
            Err(error) => note(
                context.progress.bar(),
                &format!(
                    "line {}: its journal entry is unusable ({}); generating again",
                    job.line,
                    describe(&error)
                ),
            ),
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
    // --no-download: the URLs are the result (base64 images, already here, are still saved).
    if context.no_download && images.iter().all(|image| image.b64_json().is_none()) {
        return Ok((images.created(), image_records(&images, &[])));
    }
    // Keep the URLs before downloading, so that a line interrupted now is not paid for again.
    // Base64 images are in the response itself and are written at once; they are not journaled.
    if images.iter().all(|image| image.b64_json().is_none()) {
        let mut record = job.input.record(job.line, RecordStatus::Generated);
        record.created = Some(images.created());
        record.images = Some(image_records(&images, &[]));
        if let Err(failure) = context.writer.append(&record).await {
            return Err(LineError::Fatal(
                save_unjournaled(context, job, &images, failure).await,
            ));
        }
    }
    Ok(save(context, job, &images).await?)
}

/// The journal could not be written, but the response is paid for: save its images anyway
/// (not recorded, so their paths are named on stderr), then stop the batch.
async fn save_unjournaled(
    context: &Context,
    job: &Job,
    images: &Images,
    failure: Failure,
) -> Failure {
    let kept = match save(context, job, images).await {
        Ok((_, records)) => {
            let paths: Vec<String> = records
                .iter()
                .filter_map(|r| r.path.as_ref())
                .map(|p| p.display().to_string())
                .collect();
            format!("its images were saved as {}", paths.join(", "))
        }
        Err(error) => {
            let urls: Vec<&str> = images.iter().filter_map(|i| i.url()).collect();
            format!(
                "its images could not be saved either ({}); their URLs: {}",
                describe(&error),
                urls.join(" ")
            )
        }
    };
    Failure::failed(format!(
        "{}; line {} was generated and {kept}",
        failure.message, job.line
    ))
}

/// Saves every image of a line, or none (the library removes those saved when one fails).
async fn save(
    context: &Context,
    job: &Job,
    images: &Images,
) -> Result<(i64, Vec<ImageRecord>), Error> {
    // Named after the line and replacing what is there: a run killed after writing a file but
    // before recording it leaves a file that the resumed run overwrites, not a stray copy.
    let paths = images
        .save_all_as(&context.dir, |image| {
            crate::resume::stem(job.line, image.index())
        })
        .await?;
    Ok((images.created(), image_records(images, &paths)))
}

fn image_records(images: &Images, paths: &[PathBuf]) -> Vec<ImageRecord> {
    images
        .iter()
        .enumerate()
        .map(|(index, image)| ImageRecord {
            url: image.url().map(str::to_owned),
            path: paths.get(index).cloned(),
            revised_prompt: image.revised_prompt().map(str::to_owned),
        })
        .collect()
}
