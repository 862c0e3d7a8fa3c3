//! `flux generate`: one request, its images saved (or listed), paths printed.

use std::path::PathBuf;

use flux_client::types::OutputFormat;
use flux_client::{Image, Images};
use serde::Serialize;

use crate::args::GenerateArgs;
use crate::connect::Connection;
use crate::exit::{Failure, Status, describe};
use crate::progress::{Progress, note};

/// The object `--json` prints.
#[derive(Serialize)]
struct Output {
    created: i64,
    images: Vec<OutputImage>,
}

#[derive(Serialize)]
struct OutputImage {
    url: Option<String>,
    path: Option<PathBuf>,
    revised_prompt: Option<String>,
}

pub async fn run(args: GenerateArgs) -> Result<Status, Failure> {
    if args.no_download && args.fields.output_format == Some(OutputFormat::B64Json) {
        return Err(Failure::invalid(
            "--no-download prints image URLs, but --output-format b64_json returns none",
        ));
    }
    let connection = Connection::open(&args.connection).await?;
    let request = args
        .fields
        .apply(connection.client.generate(&args.fields.prompt));
    // Checked here so that invalid input exits before anything is sent.
    request.body()?;

    let progress = Progress::new(args.json);
    let spinner = progress.spinner("generating");
    let images = tokio::select! {
        result = request.send() => result,
        _ = tokio::signal::ctrl_c() => {
            spinner.finish_and_clear();
            return Err(Failure { status: Status::Interrupted, message: "interrupted".into() });
        }
    };
    spinner.finish_and_clear();
    let images = images?;

    let paths = if args.no_download {
        vec![None; images.len()]
    } else {
        let bar = progress.bar(images.len() as u64, "saving");
        let saved = tokio::select! {
            saved = save_all(&images, &args, &bar) => saved,
            _ = tokio::signal::ctrl_c() => {
                bar.finish_and_clear();
                return Err(Failure { status: Status::Interrupted, message: "interrupted".into() });
            }
        };
        bar.finish_and_clear();
        saved
    };

    let failures = paths.iter().filter(|path| path.is_none()).count();
    if args.json {
        let output = Output {
            created: images.created(),
            images: images
                .iter()
                .zip(&paths)
                .map(|(image, path)| OutputImage {
                    url: image.url().map(str::to_owned),
                    path: path.clone(),
                    revised_prompt: image.revised_prompt().map(str::to_owned),
                })
                .collect(),
        };
        let text = serde_json::to_string(&output)
            .map_err(|e| Failure::failed(format!("cannot write JSON: {e}")))?;
        println!("{text}");
    } else {
        for (image, path) in images.iter().zip(&paths) {
            match (args.no_download, path) {
                (true, _) => println!("{}", image.url().unwrap_or_default()),
                (false, Some(path)) => println!("{}", path.display()),
                (false, None) => {}
            }
            if let Some(revised) = image.revised_prompt() {
                eprintln!(
                    "flux: image {}: prompt revised to: {revised}",
                    image.index() + 1
                );
            }
        }
    }
    if !args.no_download && failures > 0 {
        return Ok(Status::Failed);
    }
    Ok(Status::Ok)
}

/// Saves every image, reporting each failure on stderr; `None` where saving failed.
async fn save_all(
    images: &Images,
    args: &GenerateArgs,
    bar: &indicatif::ProgressBar,
) -> Vec<Option<PathBuf>> {
    let save = |image: &Image| {
        let image = image.clone();
        let dir = args.out.clone();
        let bar = bar.clone();
        async move {
            let result = image.save_in(&dir).await;
            bar.inc(1);
            match result {
                Ok(path) => Some(path),
                Err(error) => {
                    note(
                        &bar,
                        &format!("image {}: {}", image.index() + 1, describe(&error)),
                    );
                    None
                }
            }
        }
    };
    futures_util::future::join_all(images.iter().map(save)).await
}
