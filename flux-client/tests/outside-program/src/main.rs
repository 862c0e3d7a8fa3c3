//! A program outside the workspace that depends on flux-client by path (copied to a temporary
//! directory and built there by `tests/cli/outside_program.rs`). It has no async runtime of its
//! own: everything goes through `flux_client::blocking`, against the server named by
//! ONEROUTER_BASE_URL and ONEROUTER_API_KEY (`flux mock -v` in the test).

use std::time::Duration;

use flux_client::GenerateRequest;
use flux_client::blocking::FluxClient;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = FluxClient::from_env()?;

    // A field and a header the document lacks, and this call's own timeout and retries.
    let request = client
        .generate("a red fox in fresh snow")
        .seed(42)
        .extra_body("x_client_tag", "t-7")
        .extra_header("x-trace-id", "outside-1")
        .timeout(Duration::from_secs(90))
        .max_retries(0);
    let images = client.send(request)?;
    println!("generated request_id={}", images.request_id().unwrap_or("none"));
    let dir = std::env::temp_dir().join(format!("flux-outside-{}", std::process::id()));
    let saved = images.with_metadata().save_all_in(&dir)?;
    println!("saved {}", saved.len());
    std::fs::remove_dir_all(&dir)?;

    // A 429 (asked of the mock through its fault header), not waited out.
    let err = client
        .send(
            client
                .generate("a red fox")
                .extra_header("x-mock-fault", "status;code=429;retry-after=7")
                .wait_on_rate_limit(false),
        )
        .unwrap_err();
    println!(
        "rate_limited status={:?} retry_after={:?} request_id={}",
        err.status(),
        err.retry_after(),
        err.request_id().unwrap_or("none")
    );

    // The request's schema, for a tool definition.
    let schema = GenerateRequest::json_schema();
    let mut properties: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    properties.sort();
    println!("schema properties={properties:?}");
    Ok(())
}
