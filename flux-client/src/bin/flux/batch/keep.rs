//! Keeping what a batch line paid for, whatever the answer carries: its base64 images are
//! written at once (their bytes are already here), then every URL and every saved path is
//! journaled before any download starts, then each URL image is downloaded and kept when whole,
//! whatever its siblings do. A resumed line downloads only what its journal does not have on
//! disk; a local disk error stops the batch instead of paying for lines it cannot hold.

use std::path::PathBuf;

use flux_client::{Error, Image, Images};

use super::line::LineError;
use super::{Context, Job};
use crate::exit::{Failure, describe};
use crate::manifest::{ImageRecord, Record, RecordStatus};

/// A line's paid answer: when it was made, and per image its URL, revised prompt and path.
pub(super) struct Kept {
    pub(super) created: i64,
    pub(super) images: Vec<ImageRecord>,
}

/// Why images of a paid answer are not all on disk.
pub(super) enum Unkept {
    /// The image host says a URL is gone (or a base64 image's file was removed): only paying
    /// again brings the image back.
    Expired(Error),
    /// Anything else: the line fails (a rerun downloads again without paying) or the batch
    /// stops (a local disk error, the manifest).
    Line(LineError),
}

impl From<LineError> for Unkept {
    fn from(error: LineError) -> Self {
        Unkept::Line(error)
    }
}

/// The images of a fresh answer, from 0 to `images.len()`: written and journaled (answer
/// number `paid` of the line) before anything is downloaded.
pub(super) async fn fresh(
    context: &Context,
    job: &Job,
    images: &Images,
    paid: u32,
) -> Result<Kept, Unkept> {
    let mut kept = Kept {
        created: images.created(),
        images: images.iter().map(image_record).collect(),
    };
    let slots: Vec<(usize, &Image)> = images.iter().enumerate().collect();
    let disk = write_base64(context, job, &slots, &mut kept).await;
    // The journal: every URL and every path, before anything else happens to the answer.
    journal(context, job, &kept, paid).await?;
    if let Some(error) = disk {
        return Err(disk_full(job, &kept, &error).into());
    }
    if context.no_download {
        return Ok(kept);
    }
    download(context, job, &slots, kept, paid).await
}

/// The rest of a journaled answer: `slots` are the images (with their index in the answer)
/// whose file is not on disk.
pub(super) async fn resumed(
    context: &Context,
    job: &Job,
    slots: &[(usize, &Image)],
    mut kept: Kept,
    paid: u32,
) -> Result<Kept, Unkept> {
    if let Some(error) = write_base64(context, job, slots, &mut kept).await {
        return Err(disk_full(job, &kept, &error).into());
    }
    download(context, job, slots, kept, paid).await
}

/// Writes the base64 images of `slots` that are not saved yet; the first error, if any.
async fn write_base64(
    context: &Context,
    job: &Job,
    slots: &[(usize, &Image)],
    kept: &mut Kept,
) -> Option<Error> {
    let mut failed = None;
    for &(slot, image) in slots {
        if image.b64_json().is_none() || kept.images[slot].path.is_some() {
            continue;
        }
        match image
            .save_as(&context.dir, &crate::resume::stem(job.line, slot))
            .await
        {
            Ok(path) => kept.images[slot].path = Some(path),
            Err(error) => {
                failed.get_or_insert(error);
            }
        }
    }
    failed
}

/// Downloads the URL images of `slots` not saved yet, each kept when whole. When some fail,
/// the paths saved so far are journaled, so that a rerun downloads only the others.
async fn download(
    context: &Context,
    job: &Job,
    slots: &[(usize, &Image)],
    mut kept: Kept,
    paid: u32,
) -> Result<Kept, Unkept> {
    let pending: Vec<(usize, &Image)> = slots
        .iter()
        .copied()
        .filter(|(slot, _)| kept.images[*slot].path.is_none())
        .collect();
    let saves = pending.iter().map(|&(slot, image)| async move {
        let stem = crate::resume::stem(job.line, slot);
        (slot, image.save_as(&context.dir, &stem).await)
    });
    let mut first: Option<Error> = None;
    let mut saved_now = 0;
    for (slot, result) in futures_util::future::join_all(saves).await {
        match result {
            Ok(path) => {
                kept.images[slot].path = Some(path);
                saved_now += 1;
            }
            Err(error) => {
                first.get_or_insert(error);
            }
        }
    }
    let Some(error) = first else {
        return Ok(kept);
    };
    if saved_now > 0 {
        journal(context, job, &kept, paid).await?;
    }
    if matches!(error, Error::Io { .. }) {
        return Err(disk_full(job, &kept, &error).into());
    }
    if crate::resume::expired(&error) {
        return Err(Unkept::Expired(error));
    }
    Err(LineError::from(error).into())
}

/// Appends a `generated` record of `kept`; when it cannot be written, the batch stops and the
/// failure names what it takes to recover the paid images.
async fn journal(context: &Context, job: &Job, kept: &Kept, paid: u32) -> Result<(), LineError> {
    let mut record = job.input.record(job.line, RecordStatus::Generated);
    record.created = Some(kept.created);
    record.images = Some(kept.images.clone());
    record.paid = Some(paid);
    context
        .writer
        .append(&record)
        .await
        .map_err(|failure| LineError::Fatal(recovery(&failure.message, job, kept)))
}

/// A local disk error: the batch stops (every further line would be paid for and lost), and
/// the failure names what was kept and where the rest can still be fetched.
fn disk_full(job: &Job, kept: &Kept, error: &Error) -> LineError {
    LineError::Fatal(recovery(
        &format!(
            "{}; the batch stopped: the output cannot hold what it pays for",
            describe(error)
        ),
        job,
        kept,
    ))
}

/// `why`, then line `N` was paid for and, per image, its path or its URL.
fn recovery(why: &str, job: &Job, kept: &Kept) -> Failure {
    let images: Vec<String> = kept
        .images
        .iter()
        .enumerate()
        .map(|(index, image)| match (&image.path, &image.url) {
            (Some(path), _) => format!("image {} saved as {}", index + 1, path.display()),
            (None, Some(url)) => format!(
                "image {} not saved, its URL: {}",
                index + 1,
                crate::output::clean(url)
            ),
            (None, None) => format!("image {} (base64) could not be written", index + 1),
        })
        .collect();
    Failure::failed(format!(
        "{why}; line {} was paid for: {}",
        job.line,
        images.join("; ")
    ))
}

/// What the manifest keeps of an image: its URL and revised prompt as the output boundary
/// shows them (cleaned, the key redacted), not yet a path.
pub(super) fn image_record(image: &Image) -> ImageRecord {
    ImageRecord {
        url: image.url().map(crate::output::clean),
        path: None,
        revised_prompt: image.revised_prompt().map(crate::output::clean),
    }
}

/// The journaled images of `record`, each with its path when that file is on disk whole (a
/// file saved but not yet journaled, when the run was killed, is found by its name).
pub(super) fn journaled(dir: &std::path::Path, record: &Record) -> Kept {
    let images = record
        .images
        .iter()
        .flatten()
        .enumerate()
        .map(|(slot, image)| {
            let path: Option<PathBuf> = image
                .path
                .clone()
                .filter(|path| crate::resume::is_complete_image(path))
                .or_else(|| crate::resume::complete_on_disk(dir, record.line, slot));
            ImageRecord {
                path,
                ..image.clone()
            }
        })
        .collect();
    Kept {
        created: record.created.unwrap_or(0),
        images,
    }
}
