//! `flux generate`: one request, its images saved (or listed), paths printed.

use std::path::{Path, PathBuf};

use flux_client::Images;
use serde::Serialize;

use crate::args::GenerateArgs;
use crate::connect::Connection;
use crate::exit::{Failure, Status};
use crate::output::{clean, print};
use crate::progress::Progress;

/// The object `--json` prints.
#[derive(Serialize)]
struct Output {
    created: i64,
    seed: Option<i64>,
    images: Vec<OutputImage>,
}

#[derive(Serialize)]
struct OutputImage {
    url: Option<String>,
    path: Option<PathBuf>,
    revised_prompt: Option<String>,
}

pub async fn run(args: GenerateArgs) -> Result<Status, Failure> {
    let mut resolved = crate::repro::resolve(&args)?;
    args.extra.add_to(&mut resolved.json)?;
    if args.no_download && resolved.json.get("output_format") == Some(&"b64_json".into()) {
        return Err(Failure::invalid(
            "--no-download prints image URLs, but --output-format b64_json returns none",
        ));
    }
    if args.extras.common.dry_run {
        let client = crate::dry_run::client(&args.connection)?;
        let body = crate::dry_run::body(&client, &resolved.json).map_err(Failure::invalid)?;
        crate::dry_run::print(&client, &body, None, args.json)?;
        return Ok(Status::Ok);
    }
    let connection = Connection::open(&args.connection).await?;
    let request = args
        .extra
        .headers(connection.client.generate_json(&resolved.json));
    // Checked here so that invalid input exits before anything is sent.
    request.body()?;
    if !args.no_download {
        check_out(&args.out)?;
    }

    let progress = Progress::new(args.json);
    let spinner = progress.spinner("generating");
    let images = tokio::select! {
        result = request.send() => result,
        _ = tokio::signal::ctrl_c() => {
            spinner.finish_and_clear();
            return Err(interrupted());
        }
    };
    spinner.finish_and_clear();
    let images = images?;
    if images.unrequested() > 0 {
        crate::output::eprint_line(&format!(
            "flux: the API returned {} more image(s) than requested; they were not downloaded",
            images.unrequested()
        ));
    }
    let images = if args.extras.common.no_metadata {
        images
    } else {
        images.with_metadata()
    };

    let bar = progress.spinner("saving");
    // All or nothing: on failure the library removes the images this call saved.
    let saved = tokio::select! {
        saved = save(&args, &images) => saved,
        _ = tokio::signal::ctrl_c() => {
            bar.finish_and_clear();
            return Err(interrupted());
        }
    };
    bar.finish_and_clear();
    let paths = saved.map_err(|failure| unsaved(failure, &images))?;

    // The images count as delivered only once their paths are: output that cannot be written
    // removes the files this command saved, so a failed command leaves no image.
    let text = render(&args, &images, &paths, resolved.seed)?;
    if let Err(failure) = print(&text) {
        for path in paths.iter().flatten() {
            let _ = std::fs::remove_file(path);
        }
        return Err(failure);
    }
    for image in &images {
        if let Some(revised) = image.revised_prompt() {
            crate::output::eprint_line(&format!(
                "flux: image {}: prompt revised to: {}",
                image.index() + 1,
                clean(revised)
            ));
        }
    }
    if !args.json
        && let Some(seed) = resolved.seed
    {
        // After the results, so that a failure stays one line on stderr; with --json the seed
        // is in the object.
        let picked = if resolved.picked {
            " (picked by flux)"
        } else {
            ""
        };
        crate::output::eprint_line(&format!("flux: seed {seed}{picked}"));
    }
    Ok(Status::Ok)
}

/// A save that failed after the generation was paid for: the failure names what it takes to
/// recover each image (its URL, while it lasts), on stderr, with `--json` too.
fn unsaved(failure: Failure, images: &Images) -> Failure {
    let recover: Vec<String> = images
        .iter()
        .map(|image| match image.url() {
            Some(url) if image.b64_json().is_none() => {
                format!("image {}: {}", image.index() + 1, clean(url))
            }
            _ => format!(
                "image {} came as base64 data and could not be written",
                image.index() + 1
            ),
        })
        .collect();
    Failure {
        message: format!(
            "{}; the generation was paid for, download its images before their URLs expire: {}",
            failure.message,
            recover.join("; ")
        ),
        ..failure
    }
}

fn interrupted() -> Failure {
    Failure {
        status: Status::Interrupted,
        message: "interrupted".into(),
    }
}

/// Checks that `--out` is (or can be made) a directory this command can write a file in,
/// before anything is sent: finding out after the generation was paid loses the images.
fn check_out(dir: &Path) -> Result<(), Failure> {
    let refuse = |reason: String| Failure::invalid(format!("--out {}: {reason}", dir.display()));
    if dir.exists() && !dir.is_dir() {
        return Err(refuse("is not a directory".into()));
    }
    std::fs::create_dir_all(dir).map_err(|e| refuse(format!("cannot be created: {e}")))?;
    tempfile::Builder::new()
        .prefix(".flux-check-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| refuse(format!("cannot be written: {e}")))
}

/// Saves the images, or with `--no-download` only those that came as data (base64): they
/// have no URL to print, and dropping them would drop paid images.
async fn save(args: &GenerateArgs, images: &Images) -> Result<Vec<Option<PathBuf>>, Failure> {
    if !args.no_download {
        return Ok(images
            .save_all_in(&args.out)
            .await?
            .into_iter()
            .map(Some)
            .collect());
    }
    let mut paths = Vec::with_capacity(images.len());
    // Removes what this loop saved if it fails or is dropped (Ctrl-C) before the end.
    let mut saved = Saved(Vec::new());
    for image in images {
        if image.url().is_some() {
            paths.push(None);
            continue;
        }
        check_out(&args.out).map_err(|failure| {
            Failure::failed(format!(
                "image {} came as base64 data, not a URL, so it must be saved, but {}",
                image.index() + 1,
                failure.message
            ))
        })?;
        let path = image.save_in(&args.out).await?;
        crate::output::eprint_line(&format!(
            "flux: image {} came as base64 data, not a URL: saved as {}",
            image.index() + 1,
            path.display()
        ));
        saved.0.push(path.clone());
        paths.push(Some(path));
    }
    saved.0.clear();
    Ok(paths)
}

/// Files removed when dropped.
struct Saved(Vec<PathBuf>);

impl Drop for Saved {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// What stdout gets: the paths (or URLs), one per line, or the `--json` object.
fn render(
    args: &GenerateArgs,
    images: &Images,
    paths: &[Option<PathBuf>],
    seed: Option<i64>,
) -> Result<String, Failure> {
    if args.json {
        let output = Output {
            created: images.created(),
            seed,
            images: images
                .iter()
                .zip(paths)
                .map(|(image, path)| OutputImage {
                    // Server text, cleaned (control characters, then the key) before JSON
                    // escapes what is left.
                    url: image.url().map(clean),
                    path: path.clone(),
                    revised_prompt: image.revised_prompt().map(clean),
                })
                .collect(),
        };
        let mut text = serde_json::to_string(&output)
            .map_err(|e| Failure::failed(format!("cannot write JSON: {e}")))?;
        text.push('\n');
        return Ok(clean_json(text));
    }
    let mut text = String::new();
    for (image, path) in images.iter().zip(paths) {
        let line = match path {
            Some(path) => path.display().to_string(),
            None => clean(image.url().unwrap_or_default()),
        };
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text)
}

/// JSON escapes control characters itself; only the key needs redacting.
fn clean_json(text: String) -> String {
    let body = crate::output::clean(text.trim_end());
    format!("{body}\n")
}
