//! `flux batch`: one generation per JSONL line, bounded concurrency, a manifest to resume from.

mod input;
mod keep;
mod line;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flux_client::{FluxClient, Images, Limits};
use futures_util::StreamExt;

use crate::args::BatchArgs;
use crate::batch_progress::BatchProgress;
use crate::connect::Connection;
use crate::exit::{Failure, Status};
use crate::manifest::{History, Input, Manifest, Plan};
use crate::progress::{Progress, note};
use crate::writer::ManifestWriter;
use line::run_line;

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
            // Images resumed from the journal do not know their request; fresh ones do.
            match images.request() {
                Some(_) => images.with_metadata(),
                None => images.with_request(body.clone()).with_metadata(),
            }
        } else {
            images
        }
    }
}

pub async fn run(args: BatchArgs) -> Result<Status, Failure> {
    let text = input::read(&args.file)?;
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
    crate::resume::remove_parts(&args.out, crate::resume::LINE_PARTS);
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
    let gallery = crate::gallery::Gallery::open(&args.out, &lines, history.finished())
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
