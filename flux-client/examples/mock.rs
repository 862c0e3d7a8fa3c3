//! Generates an image against the mock of the API started inside this program, saves it, and
//! prints its path. Offline and free: no key, no environment, nothing billed.
//!
//! ```sh
//! cargo run -p flux-client --features mock --example mock -- "a red fox in fresh snow" out/
//! ```
//!
//! The prompt and the directory are optional (default: a fox, and the system's temporary
//! directory). `examples/generate.rs` is the same program against the real API.

use flux_client::FluxClient;
use flux_client::mock::MockServer;
use flux_client::types::AspectRatio;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let prompt = args
        .next()
        .unwrap_or_else(|| "a red fox in fresh snow, golden hour".to_owned());
    let dir = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("flux-mock-example"));

    // A mock on 127.0.0.1 (API and image host), validating requests like the real API.
    let server = MockServer::start().await?;
    let client = FluxClient::builder()
        .base_url(server.base_url())
        .api_key(server.api_key())
        .build()?;

    let images = client
        .generate(prompt)
        .size(AspectRatio::X169)
        .seed(42)
        .send()
        .await?;
    for image in &images {
        let path = image.save_in(&dir).await?;
        println!("{}", path.display());
    }

    server.shutdown().await;
    Ok(())
}
