//! `flux inspect`: what an image saved by flux carries (the request that made it).

use std::path::PathBuf;

use clap::Args;
use flux_client::ImageMetadata;
use serde_json::{Value, json};

use crate::exit::{Failure, Status};
use crate::output::{clean, print};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Images saved by flux (PNG, JPEG or WebP).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Print a JSON array on stdout, [{"file", "request": {...}, "model", "created",
    /// "request_id", "flux_client"}], one object per file that carries parameters.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: InspectArgs) -> Result<Status, Failure> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for file in &args.files {
        match ImageMetadata::read_file(file) {
            Ok(Some(metadata)) => found.push((file, metadata)),
            Ok(None) => missing.push(crate::repro::no_metadata(file)),
            Err(error) => missing.push(format!(
                "{}: {}",
                file.display(),
                crate::exit::describe(&error)
            )),
        }
    }
    let mut text = String::new();
    if args.json {
        let list: Vec<Value> = found
            .iter()
            .map(|(file, metadata)| {
                json!({
                    "file": file,
                    "request": metadata.request,
                    "model": metadata.model,
                    "created": metadata.created,
                    "request_id": metadata.request_id,
                    "flux_client": metadata.flux_client,
                })
            })
            .collect();
        text = format!("{}\n", Value::Array(list));
    } else {
        // Text from a file is shown without its control characters (escape sequences).
        for (index, (file, metadata)) in found.iter().enumerate() {
            if index > 0 {
                text.push('\n');
            }
            text.push_str(&format!("{}:\n", file.display()));
            for line in metadata.parameters().lines() {
                text.push_str(&format!("  {}\n", clean(line)));
            }
            text.push_str(&format!(
                "  request: {}\n",
                clean(&metadata.request.to_string())
            ));
        }
    }
    print(&text)?;
    if missing.is_empty() {
        return Ok(Status::Ok);
    }
    let last = missing.pop().unwrap_or_default();
    for message in missing {
        crate::output::eprint_line(&format!("flux: {}", clean(&message)));
    }
    Err(Failure::invalid(clean(&last)))
}
