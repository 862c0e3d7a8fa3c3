//! Shared helpers of the `layer_*` tests (the hand-written layer against scripted servers).

use std::time::Duration;

use flux_client::{FluxClient, FluxClientBuilder, RetryPolicy};
use flux_client_tests::scripted::{Reply, ScriptedServer};
use serde_json::json;

/// A recognisable fake key: tests search for it wherever it must not appear.
pub const KEY: &str = "sk-test-KEY-0123456789abcdef";

/// The smallest bytes each format is recognised by, plus some payload.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n-png-payload-";
pub const JPEG: &[u8] = b"\xff\xd8\xff\xe0-jpeg-payload-";
pub const WEBP: &[u8] = b"RIFF\x10\0\0\0WEBPVP8 -webp-payload-";

/// The default policy with short waits, so retry tests run fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
}

/// The default download policy's rules with short waits.
pub fn fast_downloads() -> flux_client::DownloadPolicy {
    flux_client::DownloadPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
}

pub fn builder_for(server: &ScriptedServer) -> FluxClientBuilder {
    FluxClient::builder()
        .api_key(KEY)
        .base_url(server.url())
        .retry_policy(fast_retry())
        .download_policy(fast_downloads())
}

pub fn client_for(server: &ScriptedServer) -> FluxClient {
    builder_for(server).build().expect("a valid configuration")
}

/// A 200 with one image per URL, empty `b64_json` and `revised_prompt` as the docs show.
pub fn images_reply(urls: &[String]) -> Reply {
    let data: Vec<_> = urls
        .iter()
        .map(|url| json!({"url": url, "b64_json": "", "revised_prompt": ""}))
        .collect();
    Reply::json(200, &json!({"created": 1_700_000_000, "data": data}))
}

/// A 200 with one image given as base64 data.
pub fn b64_reply(bytes: &[u8]) -> Reply {
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Reply::json(
        200,
        &json!({"created": 1_700_000_000, "data": [{"url": "", "b64_json": data, "revised_prompt": "a fox, revised"}]}),
    )
}

/// The OneRouter error body.
pub fn error_reply(status: u16, code: i64, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message, "type": "upstream_error", "param": null}}),
    )
}

/// Names of the files in `dir`, sorted.
pub fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
