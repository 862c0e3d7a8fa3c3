//! `flux inspect`: what an image saved by flux carries (the request that made it).

use std::path::PathBuf;

use clap::Args;
use flux_client::ImageMetadata;
use serde_json::{Value, json};

use crate::exit::{Failure, Status};

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
        println!("{}", Value::Array(list));
    } else {
        for (index, (file, metadata)) in found.iter().enumerate() {
            if index > 0 {
                println!();
            }
            println!("{}:", file.display());
            for line in metadata.parameters().lines() {
                println!("  {line}");
            }
            println!("  request: {}", metadata.request);
        }
    }
    if missing.is_empty() {
        return Ok(Status::Ok);
    }
    let last = missing.pop().unwrap_or_default();
    for message in missing {
        eprintln!("flux: {message}");
    }
    Err(Failure::invalid(last))
}
