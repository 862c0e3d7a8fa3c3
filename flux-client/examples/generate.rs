//! Generates images and saves them into a directory.
//!
//! ```sh
//! ONEROUTER_API_KEY=sk-... ONEROUTER_BASE_URL=http://127.0.0.1:4010 \
//!     cargo run -p flux-client --example generate -- "a red fox in fresh snow" out/
//! ```
//!
//! `ONEROUTER_BASE_URL` defaults to the real API; point it at a local (mock) server to try the
//! client without spending credits.

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
