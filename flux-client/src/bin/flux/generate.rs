//! `flux generate`: one request, its images saved (or listed), paths printed.

use std::path::PathBuf;

use serde::Serialize;

use crate::args::GenerateArgs;
use crate::connect::Connection;
use crate::exit::{Failure, Status};
use crate::progress::Progress;

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
    if args.no_download && args.fields.get("output_format") == Some(&"b64_json".into()) {
        return Err(Failure::invalid(
            "--no-download prints image URLs, but --output-format b64_json returns none",
        ));
    }
    let connection = Connection::open(&args.connection).await?;
    let request = args.fields.request(&connection.client);
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

    let paths: Vec<Option<PathBuf>> = if args.no_download {
        vec![None; images.len()]
    } else {
        let bar = progress.spinner("saving");
        // All or nothing: on failure the library removes the images this call saved.
        let saved = tokio::select! {
            saved = images.save_all_in(&args.out) => saved,
            _ = tokio::signal::ctrl_c() => {
                bar.finish_and_clear();
                return Err(Failure { status: Status::Interrupted, message: "interrupted".into() });
            }
        };
        bar.finish_and_clear();
        saved?.into_iter().map(Some).collect()
    };

    if args.json {
        let output = Output {
            created: images.created(),
            images: images
                .iter()
                .zip(paths)
                .map(|(image, path)| OutputImage {
                    url: image.url().map(str::to_owned),
                    path,
                    revised_prompt: image.revised_prompt().map(str::to_owned),
                })
                .collect(),
        };
        let text = serde_json::to_string(&output)
            .map_err(|e| Failure::failed(format!("cannot write JSON: {e}")))?;
        println!("{text}");
    } else {
        for (image, path) in images.iter().zip(paths) {
            match path {
                Some(path) => println!("{}", path.display()),
                None => println!("{}", image.url().unwrap_or_default()),
            }
            if let Some(revised) = image.revised_prompt() {
                eprintln!(
                    "flux: image {}: prompt revised to: {revised}",
                    image.index() + 1
                );
            }
        }
    }
    Ok(Status::Ok)
}
