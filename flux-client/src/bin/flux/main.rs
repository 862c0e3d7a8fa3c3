//! `flux`: generate images with the FLUX1.1 \[pro\] ultra API from the terminal, one at a time or
//! in resumable batches, against the real API or the built-in mock.

mod args;
mod batch;
mod batch_progress;
mod connect;
mod dry_run;
mod exit;
mod extra_fields;
mod extras;
mod gallery;
mod generate;
mod inspect;
mod lock;
mod logging;
mod manifest;
mod mock;
mod output;
mod progress;
mod repro;
mod request_options;
mod resume;
mod schema;
mod seed;
mod writer;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use exit::Failure;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return exit::clap_error(&error),
    };
    logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return Failure::failed(format!("cannot start the async runtime: {e}")).report();
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Generate(args) => generate::run(args).await,
            Command::Batch(args) => batch::run(args).await,
            Command::Mock(args) => mock::run(args).await,
            Command::Inspect(args) => inspect::run(args),
            Command::Schema(args) => schema::run(&args),
        }
    });
    match result {
        Ok(status) => status.into(),
        Err(failure) => failure.report(),
    }
}
