//! `flux batch`: one generation per JSONL line, bounded concurrency, a manifest to resume from.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flux_client::{Error, FluxClient, Images, Limits};
use futures_util::StreamExt;

use crate::args::BatchArgs;
use crate::batch_progress::BatchProgress;
use crate::connect::Connection;
use crate::exit::{Failure, Status, describe, is_invalid_input};
use crate::manifest::{ErrorRecord, History, ImageRecord, Input, Manifest, Plan, RecordStatus};
use crate::progress::{Progress, note};
use crate::writer::ManifestWriter;

/// One line to work on.
struct Job {
    line: usize,
    input: Input,
    /// A "generated" record whose images are not saved yet.
    journal: Option<crate::manifest::Record>,
}

enum Outcome {
    Done,
    Failed,
    NotStarted,
    /// The manifest cannot be written: the batch stops.
    Fatal(Failure),
}

struct Context {
    client: FluxClient,
    writer: ManifestWriter,
    dir: PathBuf,
    progress: BatchProgress,
    stop: Arc<AtomicBool>,
    /// `DIR/index.html`, when it could be written.
    gallery: Option<crate::gallery::Gallery>,
    /// Embed each request in its images (not with --no-metadata).
    metadata: bool,
    no_download: bool,
    /// Generations the batch lets start at once (the client's limiter paces them further):
    /// lines beyond wait here, where a stopped batch can still leave them unsent.
    starts: tokio::sync::Semaphore,
}

impl Context {
    /// Shows a finished line in the gallery; a gallery that cannot be written is reported, and
    /// the batch goes on (the manifest, not the page, is the record).
    fn show(&self, record: &crate::manifest::Record) {
        if let Some(gallery) = &self.gallery
            && let Err(message) = gallery.record(record)
        {
            self.progress.note(&message);
        }
    }

    fn tag(&self, images: Images, body: &flux_client::types::CreateImageBody) -> Images {
        if self.metadata {
            images.with_metadata(body)
        } else {
            images
        }
    }
}

pub async fn run(args: BatchArgs) -> Result<Status, Failure> {
    let text = tokio::fs::read_to_string(&args.file)
        .await
        .map_err(|e| Failure::invalid(format!("cannot read {}: {e}", args.file.display())))?;
    if args.extras.dry_run {
        return crate::dry_run::batch(&text, &args.connection);
    }
    tokio::fs::create_dir_all(&args.out)
        .await
        .map_err(|e| Failure::failed(format!("cannot create {}: {e}", args.out.display())))?;
    // Held until the batch ends (the manifest keeps it): a second batch on this directory would
    // pay for its lines again.
    let lock = crate::lock::DirLock::acquire(&args.out)?;
    let (manifest, history) = Manifest::open(&args.out, lock)?;
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    // Records are matched by line number: a finished line whose text changed (a line inserted
    // above it, an edit) would be billed again and its images overwritten by another request's.
    if let Some((line, _)) = lines
        .iter()
        .find(|(line, text)| history.changed(*line, &Input::parse(text)))
    {
        return Err(Failure::invalid(format!(
            "input line {line} changed since {} recorded it; restore it or use a new --out",
            manifest.path().display()
        )));
    }
    crate::resume::remove_own_parts(&args.out);
    // The client keeps to the account's limits; lines beyond them wait for the limiter, and a
    // line downloading its images no longer holds a generation's place.
    let limits = Limits::default()
        .max_concurrent(args.concurrency)
        .rate(args.rate);
    let connection = Connection::open_with_limits(&args.connection, limits).await?;
    let line_concurrency = (args.concurrency as usize).saturating_mul(2).max(4);

    let progress = BatchProgress::new(Progress::new(false), lines.len() as u64);
    let bar = progress.bar().clone();
    let (jobs, done_earlier, failed_earlier) = plan(&lines, &history, &bar);
    progress.skipped((done_earlier + failed_earlier) as u64);
    let gallery = crate::gallery::Gallery::open(
        &args.out,
        &lines,
        &crate::gallery::previous_records(manifest.path()),
    )
    .map_err(|message| note(&bar, &message))
    .ok();

    let stop = Arc::new(AtomicBool::new(false));
    let context = Arc::new(Context {
        client: connection.client.clone(),
        writer: ManifestWriter::start(manifest)?,
        dir: args.out.clone(),
        progress,
        stop: stop.clone(),
        gallery,
        metadata: !args.extras.no_metadata,
        no_download: args.no_download,
        starts: tokio::sync::Semaphore::new(args.concurrency as usize),
    });
    let (abandon_tx, abandon_rx) = tokio::sync::oneshot::channel::<()>();
    let watcher = {
        let bar = bar.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            stop.store(true, Ordering::SeqCst);
            note(
                &bar,
                "interrupted: finishing the lines in flight (Ctrl-C again abandons them)",
            );
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = abandon_tx.send(());
            }
        })
    };

    let work = futures_util::stream::iter(jobs)
        .map(|job| run_line(context.clone(), job))
        .buffer_unordered(line_concurrency)
        .collect::<Vec<Outcome>>();
    let outcomes = tokio::select! {
        outcomes = work => outcomes,
        _ = abandon_rx => {
            bar.finish_and_clear();
            return Err(Failure {
                status: Status::Interrupted,
                message: "interrupted; lines in flight were abandoned".into(),
            });
        }
    };
    watcher.abort();
    bar.finish_and_clear();

    let (mut done, mut failed, mut not_started) = (0, 0, 0);
    let mut fatal = None;
    for outcome in outcomes {
        match outcome {
            Outcome::Done => done += 1,
            Outcome::Failed => failed += 1,
            Outcome::NotStarted => not_started += 1,
            Outcome::Fatal(failure) => fatal = fatal.or(Some(failure)),
        }
    }
    if let Some(failure) = fatal {
        return Err(failure);
    }
    let manifest_path = context.writer.path().display().to_string();
    crate::output::eprint_line(&format!(
        "flux: {done} done, {done_earlier} done earlier, {} failed{}; {}; manifest: {manifest_path}",
        failed + failed_earlier,
        if not_started > 0 {
            format!(", {not_started} not started")
        } else {
            String::new()
        },
        context.progress.achieved(),
    ));
    Ok(if stop.load(Ordering::SeqCst) {
        Status::Interrupted
    } else if failed + failed_earlier > 0 {
        Status::Partial
    } else {
        Status::Ok
    })
}

/// Splits the lines into jobs and those a re-run skips.
fn plan(
    lines: &[(usize, &str)],
    history: &History,
    bar: &indicatif::ProgressBar,
) -> (Vec<Job>, usize, usize) {
    let (mut jobs, mut done, mut failed) = (Vec::new(), 0, 0);
    for &(line, text) in lines {
        let input = Input::parse(text);
        let journal = match history.plan(line, &input) {
            Plan::Done => {
                done += 1;
                continue;
            }
            Plan::FailedEarlier(message) => {
                note(
                    bar,
                    &format!(
                        "line {line}: failed earlier, not retried until the line changes: {message}"
                    ),
                );
                failed += 1;
                continue;
            }
            Plan::Resume(record) => Some(record),
            Plan::Run => None,
        };
        jobs.push(Job {
            line,
            input,
            journal,
        });
    }
    (jobs, done, failed)
}

async fn run_line(context: Arc<Context>, job: Job) -> Outcome {
    if context.stop.load(Ordering::SeqCst) {
        return Outcome::NotStarted;
    }
    match attempt(&context, &job).await {
        Ok((created, images)) => {
            let mut record = job.input.record(job.line, RecordStatus::Done);
            record.created = Some(created);
            // The saved paths, or with --no-download the URLs.
            let shown: String = images
                .iter()
                .filter_map(|i| {
                    i.path
                        .as_ref()
                        .map(|path| path.display().to_string())
                        .or_else(|| i.url.clone())
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
