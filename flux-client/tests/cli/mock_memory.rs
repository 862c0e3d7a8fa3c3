//! `flux mock` keeps a bounded record of requests and images: a long-running mock's memory
//! stays flat. Sends 100,000 generations, so it is run on demand (see the figures in `build-tools/README.md`):
//! `cargo test --release -p flux-client --features cli --test cli mock_memory -- --ignored --nocapture`.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::batch::interrupt;
use crate::support::*;

/// The resident memory of process `pid`, in KiB (Linux).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

async fn generate(client: &flux_client::FluxClient, count: usize) {
    use futures_util::StreamExt;
    futures_util::stream::iter(0..count)
        .map(|i| {
            let request = client.generate(format!("prompt {i}"));
            async move { request.send().await.expect("the mock answers") }
        })
        .buffer_unordered(32)
        .for_each(|_| async {})
        .await;
}

#[test]
#[ignore = "sends 100,000 requests; run on demand"]
fn the_mock_s_memory_stays_flat_over_100_000_generations() {
    let mut child = flux()
        .args(["mock", "--port", "0", "--api-key", "sk-memory-test"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut api = None;
    let mut line = String::new();
    while api.is_none() {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0);
        api = line.strip_prefix("API:").map(|v| v.trim().to_owned());
    }
    // Without the account limiter: at its default 600/min, 100,000 generations would take hours.
    let client = flux_client::FluxClient::builder()
        .api_key("sk-memory-test")
        .base_url(api.unwrap())
        .limits(flux_client::Limits::none())
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let before = rss_kib(child.id());
    let started = std::time::Instant::now();
    runtime.block_on(generate(&client, 100_000));
    let after = rss_kib(child.id());
    let growth = after.saturating_sub(before);
    println!(
        "flux mock RSS: {before} KiB at start, {after} KiB after 100,000 generations \
         (growth {growth} KiB, {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    interrupt(child.id());
    let _ = child.wait();
    assert!(growth < 16 * 1024, "grew by {growth} KiB");
}
