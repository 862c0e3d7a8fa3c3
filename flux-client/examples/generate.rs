//! The README's program, with arguments: generates two 9:16 images and saves them into a directory.
//!
//! Needs `ONEROUTER_API_KEY` (your OneRouter key; the example stops with an error without it).
//! `ONEROUTER_BASE_URL` is optional: it defaults to the real API (`https://image.onerouter.pro`,
//! which bills every generation); point it at a local mock server to try the client for free.
//!
//! ```sh
//! ONEROUTER_API_KEY=sk-... cargo run -p flux-client --example generate -- "a red fox in fresh snow" out/
//!
//! # Free, against the mock (`flux mock` prints its URL and key; run it in a second terminal):
//! cargo run -p flux-client --features cli -- mock --port 4010
//! ONEROUTER_API_KEY=sk-mock ONEROUTER_BASE_URL=http://127.0.0.1:4010 \
//!     cargo run -p flux-client --example generate -- "a red fox in fresh snow" out/
//! ```
//!
//! `examples/mock.rs` does the same against a mock started inside the program, with no
//! environment at all.

use std::process::ExitCode;

use flux_client::{FluxClient, types::AspectRatio};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `Display` is one line and never contains the key.
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), flux_client::Error> {
    let mut args = std::env::args().skip(1);
    let prompt = args
        .next()
        .unwrap_or_else(|| "a red fox in fresh snow, golden hour".to_owned());
    let dir = args.next().unwrap_or_else(|| "out".to_owned());

    let client = FluxClient::from_env()?; // ONEROUTER_API_KEY, optional ONEROUTER_BASE_URL
    let images = client
        .generate(prompt) // model: flux-pro-v1.1-ultra-text-to-image
        .size(AspectRatio::X916) // or .size("9:16")
        .seed(42)
        .n(2)
        .send()
        .await?;
    for path in images.save_all_in(&dir).await? {
        // flux-<created>-<n>.png|jpg|webp
        println!("{}", path.display());
    }
    Ok(())
}
