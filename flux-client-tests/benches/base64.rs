//! Base64: decoding a 16 MiB `b64_json` image through the layer's own decode path
//! (`Image::bytes()` on an image obtained from a generate call against the minimal server) beside
//! the raw `base64` crate's decode of the same text, in interleaved rounds. GiB/s of decoded
//! bytes (goal: at least 1 GiB/s) and the ratio.
//!
//! `cargo bench -p flux-client-tests --bench base64 [-- --rounds N --mib N]`

mod support;

use std::time::{Duration, Instant};

use base64::Engine;
use flux_client::FluxClient;
use support::MinimalServer;

const GOAL_GIB_S: f64 = 1.0;
const ITERATIONS: u32 = 4;

fn main() {
    let rounds = support::arg("--rounds", 10);
    let mib = support::arg("--mib", 16);
    let size = mib * 1024 * 1024;
    let image = support::fake_png(size);
    let text = base64::engine::general_purpose::STANDARD.encode(&image);
    let server = MinimalServer::start(|_| support::b64_answer(&text), Vec::new());
    let runtime = support::client_runtime();
    let client = FluxClient::builder()
        .api_key(support::API_KEY)
        .base_url(server.base_url())
        .build()
        .expect("layer client");
    let images = runtime
        .block_on(
            client
                .generate("a red fox")
                .output_format("b64_json")
                .send(),
        )
        .expect("generate");
    let layer_image = images.first();
    let data = layer_image.b64_json().expect("b64 data").to_owned();
    assert_eq!(
        runtime.block_on(layer_image.bytes()).expect("decode"),
        image
    );

    // Each variant returns its wall time and CPU time (the decode is single-threaded, so the
    // CPU time is the decode's own, whatever else runs on the machine).
    let layer = || {
        let cpu = support::cpu_ns();
        let started = Instant::now();
        for _ in 0..ITERATIONS {
            let bytes = runtime.block_on(layer_image.bytes()).expect("layer decode");
            assert_eq!(bytes.len(), size);
        }
        (started.elapsed(), support::cpu_ns() - cpu)
    };
    let raw = || {
        let cpu = support::cpu_ns();
        let started = Instant::now();
        for _ in 0..ITERATIONS {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&data)
                .expect("raw decode");
            assert_eq!(bytes.len(), size);
        }
        (started.elapsed(), support::cpu_ns() - cpu)
    };

    println!(
        "\n== base64: {mib} MiB image as b64_json, Image::bytes() (layer) vs base64::decode (raw)"
    );
    println!(
        "   {} | {rounds} interleaved rounds x {ITERATIONS} decodes per variant",
        support::machine()
    );
    layer();
    raw();
    let gib = size as f64 * f64::from(ITERATIONS) / (1u64 << 30) as f64;
    let gib_s = |(wall, _): (Duration, u64)| gib / wall.as_secs_f64();
    let gib_cpu_s = |(_, cpu): (Duration, u64)| gib / (cpu as f64 / 1e9);
    let (mut layer_rates, mut raw_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let (mut layer_cpu_rates, mut raw_cpu_rates) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let (l, r) = if round % 2 == 0 {
            let l = layer();
            (l, raw())
        } else {
            let r = raw();
            (layer(), r)
        };
        layer_cpu_rates.push(gib_cpu_s(l));
        raw_cpu_rates.push(gib_cpu_s(r));
        layer_rates.push(gib_s(l));
        raw_rates.push(gib_s(r));
        ratios.push(gib_s(l) / gib_s(r));
    }
    let layer_rate = support::median(&mut layer_rates);
    let raw_rate = support::median(&mut raw_rates);
    let layer_cpu_rate = support::median(&mut layer_cpu_rates);
    let raw_cpu_rate = support::median(&mut raw_cpu_rates);
    let mut sorted = ratios.clone();
    let ratio = support::median(&mut sorted);
    println!("\n  variant  GiB/s wall  GiB/s of CPU time  (decoded bytes, medians of rounds)");
    println!("  layer    {layer_rate:>10.2} {layer_cpu_rate:>18.2}");
    println!("  raw      {raw_rate:>10.2} {raw_cpu_rate:>18.2}");
    println!("  layer/raw: {}", support::ratio_summary(&ratios));
    println!(
        "  layer rate goal >= {GOAL_GIB_S} GiB/s: {}",
        support::verdict(layer_rate, GOAL_GIB_S)
    );
    println!(
        "\nRESULT base64 {mib} MiB: layer {layer_rate:.2} GiB/s ({}, {layer_cpu_rate:.2} GiB per CPU second), layer/raw {ratio:.3}",
        support::verdict(layer_rate, GOAL_GIB_S)
    );
}
