//! The options that make results reproducible and inspectable: `--no-metadata`, `--dry-run`,
//! `--from` (flattened into `generate` and `batch`).

use std::path::PathBuf;

use clap::Args;

/// `flux generate`'s options for metadata, dry runs and resending an image's request.
#[derive(Debug, Args)]
pub struct GenerateExtras {
    /// Send the request embedded in this image again (saved by flux); options given on the
    /// command line (and PROMPT) replace its fields.
    #[arg(long, value_name = "IMAGE")]
    pub from: Option<PathBuf>,

    #[command(flatten)]
    pub common: Extras,
}

/// Options shared by `generate` and `batch`.
#[derive(Debug, Args)]
pub struct Extras {
    /// Do not embed the request's parameters in the saved images.
    #[arg(long)]
    pub no_metadata: bool,

    /// Send nothing: print each request body as JSON and a curl command that sends exactly it,
    /// reading the key from $ONEROUTER_API_KEY (the key is never printed).
    #[arg(long)]
    pub dry_run: bool,
}
