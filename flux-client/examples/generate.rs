//! Generates images with the real API and saves them into a directory.
//!
//! Needs `ONEROUTER_API_KEY` (your OneRouter key; the example stops with an error without it).
//! `ONEROUTER_BASE_URL` is optional: it defaults to the real API (`https://image.onerouter.pro`,
//! which bills every generation); point it at a local mock server to try the client for free.
//!
//! ```sh
//! ONEROUTER_API_KEY=sk-... cargo run -p flux-client --example generate -- "a red fox in fresh snow" out/
//!
//! # Against a local mock instead (`flux mock`, whose key is sk-mock):
//! cargo run -p flux-client --features cli --bin flux -- mock --port 4010 &
//! ONEROUTER_API_KEY=sk-mock ONEROUTER_BASE_URL=http://127.0.0.1:4010 \
//!     cargo run -p flux-client --example generate -- "a red fox in fresh snow" out/
//! ```
//!
//! `examples/mock.rs` does the same against a mock started inside the program, with no
//! environment at all.

use flux_client::FluxClient;
use flux_client::types::AspectRatio;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let prompt = args
        .next()
        .unwrap_or_else(|| "a red fox in fresh snow, golden hour".to_owned());
    let dir = args.next().unwrap_or_else(|| "out".to_owned());

    let client = FluxClient::from_env()?;
    let images = client
        .generate(prompt)
        .size(AspectRatio::X169)
        .seed(42)
        .send()
        .await?;

    for (image, path) in images.iter().zip(images.save_all_in(&dir).await?) {
        match image.revised_prompt() {
            Some(revised) => println!("{} (prompt revised to: {revised})", path.display()),
            None => println!("{}", path.display()),
        }
    }
    Ok(())
}
