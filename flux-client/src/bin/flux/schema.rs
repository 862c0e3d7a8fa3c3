//! `flux schema`: the JSON Schema of a `flux batch` line (or, with --body, of the request body),
//! for editors that check batch files and programs that hand the generator to a language model.

use clap::Args;

use crate::exit::{Failure, Status};

/// `flux schema`'s options.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the schema of the request body as sent (model required, no `extra`) instead of a
    /// batch line's.
    #[arg(long)]
    pub body: bool,
}

pub fn run(args: &SchemaArgs) -> Result<Status, Failure> {
    let schema = if args.body {
        flux_client::GenerateRequest::json_schema()
    } else {
        flux_client::GenerateRequest::batch_line_schema()
    };
    let text = serde_json::to_string_pretty(&schema)
        .map_err(|e| Failure::failed(format!("cannot write the schema: {e}")))?;
    crate::output::print(&format!("{text}\n"))?;
    Ok(Status::Ok)
}
