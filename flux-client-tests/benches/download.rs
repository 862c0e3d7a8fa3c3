//! Download: saving a 64 MiB image from loopback to disk through the layer
//! (`Image::save_to`, with the `Image` obtained from a generate call against the same minimal
//! server) beside a raw streaming `reqwest` download to a file, in interleaved rounds; MiB/s and
//! the ratio (goal: at least 0.9). Both variants end with `fsync`, since the layer makes its file
//! durable before renaming it into place.
//!
//! Then the peak resident memory growth of one save (goal: under 16 MiB): each variant runs once
//! in a fresh child process (this binary re-executed with `--rss-child layer|raw`), which reads
//! `VmHWM` from /proc/self/status just before and just after the save, so that nothing the parent
//! did hides the growth.
//!
//! `cargo bench -p flux-client-tests --bench download [-- --rounds N --mib N]`

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flux_client::{FluxClient, Image};
use futures_util::StreamExt;
use support::MinimalServer;
use tokio::io::AsyncWriteExt;

const GOAL_RATIO: f64 = 0.9;
const GOAL_RSS_KIB: u64 = 16 * 1024;

/// The server, the layer's image and a raw client, in one process.
struct Setup {
    image: Image,
    /// The same image, saved with its request embedded (`Images::with_metadata`).
    tagged: Image,
    url: String,
    raw: reqwest::Client,
    size: usize,
}

fn setup(runtime: &tokio::runtime::Runtime, mib: usize) -> Setup {
    let size = mib * 1024 * 1024;
    let server = MinimalServer::start(
        |addr| support::url_answer(&MinimalServer::image_url(addr)),
        support::fake_png(size),
    );
    let layer = FluxClient::builder()
        .api_key(support::API_KEY)
        .base_url(server.base_url())
        .max_download_bytes(2 * size as u64)
        .build()
        .expect("layer client");
    let request = layer.generate("a red fox");
    let images = runtime.block_on(request.send()).expect("generate");
    let image = images.first().clone();
    let tagged = images.with_metadata().first().clone();
    let url = image.url().expect("an image URL").to_owned();
    let raw = flux_client::reqwest::Client::builder()
        .build()
        .expect("raw client");
    Setup {
        image,
        tagged,
        url,
        raw,
        size,
    }
}

async fn layer_save(image: &Image, path: &Path) {
    let saved = image.save_to(path).await.expect("layer save");
    assert_eq!(saved, path);
}

/// What a careful program writes without the layer: stream the body into a file, then sync it.
async fn raw_save(setup: &Setup, path: &Path) {
    let response = setup.raw.get(&setup.url).send().await.expect("raw get");
    assert!(response.status().is_success());
    let mut file = tokio::fs::File::create(path).await.expect("create");
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        file.write_all(&chunk.expect("chunk")).await.expect("write");
    }
    file.flush().await.expect("flush");
    file.sync_all().await.expect("sync");
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Variant {
    Layer,
    Raw,
    /// The layer, embedding the request (streamed: inserted after the PNG's IHDR).
    Metadata,
}

/// One save; returns its wall time and the process's CPU time spent on it.
fn run(
    runtime: &tokio::runtime::Runtime,
    setup: &Setup,
    variant: Variant,
    path: &Path,
) -> (Duration, u64) {
    let cpu = support::cpu_ns();
    let started = Instant::now();
    runtime.block_on(async {
        match variant {
            Variant::Layer => layer_save(&setup.image, path).await,
            Variant::Raw => raw_save(setup, path).await,
            Variant::Metadata => layer_save(&setup.tagged, path).await,
        }
    });
    let elapsed = started.elapsed();
    let cpu = support::cpu_ns() - cpu;
    let written = std::fs::metadata(path).expect("saved file").len();
    if variant == Variant::Metadata {
        assert!(written > setup.size as u64, "the image and its metadata");
    } else {
        assert_eq!(
            written, setup.size as u64,
            "{variant:?} wrote the whole image"
        );
    }
    std::fs::remove_file(path).expect("remove");
    (elapsed, cpu)
}

/// In a fresh child: one save, with VmHWM read right before and after. Prints `rss-growth-kib N`.
fn rss_child(variant: Variant, mib: usize, dir: &Path) {
    let runtime = support::client_runtime();
    let setup = setup(&runtime, mib);
    // `setup` already made one exchange (the generate call), so the runtime, the connection
    // pool and the allocator exist before the baseline; the server's image is resident too.
    let path = dir.join(format!("rss-{variant:?}.png"));
    let before = support::peak_rss_kib().expect("VmHWM");
    run(&runtime, &setup, variant, &path);
    let after = support::peak_rss_kib().expect("VmHWM");
    println!("rss-growth-kib {}", after.saturating_sub(before));
}

fn child_growth(variant: &str, mib: usize, dir: &Path) -> u64 {
    let output = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["--rss-child", variant, "--mib", &mib.to_string(), "--dir"])
        .arg(dir)
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("rss-growth-kib "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the child's figure")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let mib = support::arg("--mib", 64);
    if let Some(variant) = value("--rss-child") {
        let dir = PathBuf::from(value("--dir").expect("--dir"));
        let variant = match variant.as_str() {
            "layer" => Variant::Layer,
            "metadata" => Variant::Metadata,
            _ => Variant::Raw,
        };
        rss_child(variant, mib, &dir);
        return;
    }
    let rounds = support::arg("--rounds", 6);
    let dir = tempfile::tempdir().expect("temporary directory");
    let runtime = support::client_runtime();
    let setup = setup(&runtime, mib);

    println!(
        "\n== download: {mib} MiB image, loopback to disk, layer save_to vs raw streaming reqwest"
    );
    println!(
        "   {} | files in {} | {rounds} interleaved rounds, each variant writes then fsyncs",
        support::machine(),
        dir.path().display()
    );
    for variant in [Variant::Layer, Variant::Raw] {
        run(&runtime, &setup, variant, &dir.path().join("warm-up.png"));
    }
    let (mut layer, mut raw) = (Duration::ZERO, Duration::ZERO);
    let (mut layer_cpu, mut raw_cpu) = (0u64, 0u64);
    let (mut ratios, mut cpu_ratios) = (Vec::new(), Vec::new());
    let mib_s = |d: Duration| mib as f64 / d.as_secs_f64();
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [Variant::Layer, Variant::Raw]
        } else {
            [Variant::Raw, Variant::Layer]
        };
        let (mut l, mut r) = ((Duration::ZERO, 0), (Duration::ZERO, 0));
        for variant in order {
            let path = dir.path().join(format!("round-{round}.png"));
            match variant {
                Variant::Layer => l = run(&runtime, &setup, variant, &path),
                Variant::Raw => r = run(&runtime, &setup, variant, &path),
                Variant::Metadata => unreachable!("measured for memory only, not timed"),
            }
        }
        layer += l.0;
        raw += r.0;
        layer_cpu += l.1;
        raw_cpu += r.1;
        ratios.push(mib_s(l.0) / mib_s(r.0));
        cpu_ratios.push(r.1 as f64 / l.1 as f64);
    }
    let n = rounds as u32;
    let cpu_ms = |ns: u64| ns as f64 / 1e6 / f64::from(n);
    println!("\n  variant      MiB/s   CPU ms/save");
    println!(
        "  layer   {:>10.1} {:>13.1}",
        mib_s(layer / n),
        cpu_ms(layer_cpu)
    );
    println!(
        "  raw     {:>10.1} {:>13.1}",
        mib_s(raw / n),
        cpu_ms(raw_cpu)
    );
    let mut sorted = ratios.clone();
    let ratio = support::median(&mut sorted);
    println!(
        "  layer/raw throughput: {}  goal >= {GOAL_RATIO}: {}",
        support::ratio_summary(&ratios),
        support::verdict(ratio, GOAL_RATIO)
    );
    let mut sorted = cpu_ratios.clone();
    let cpu_ratio = support::median(&mut sorted);
    println!(
        "  raw/layer CPU time per save (steadier under load): {}",
        support::ratio_summary(&cpu_ratios)
    );

    let layer_kib = child_growth("layer", mib, dir.path());
    let raw_kib = child_growth("raw", mib, dir.path());
    let metadata_kib = child_growth("metadata", mib, dir.path());
    let rss_verdict = if layer_kib < GOAL_RSS_KIB {
        "met".to_owned()
    } else {
        format!(
            "MISSED by {:.1} MiB",
            (layer_kib - GOAL_RSS_KIB) as f64 / 1024.0
        )
    };
    println!(
        "  peak RSS growth during one save (fresh child, VmHWM): layer {:.1} MiB, raw {:.1} MiB  goal < 16 MiB: {rss_verdict}",
        layer_kib as f64 / 1024.0,
        raw_kib as f64 / 1024.0
    );
    println!(
        "\nRESULT download {mib} MiB: layer/raw throughput {ratio:.3} ({}), raw/layer CPU per save {cpu_ratio:.3}",
        support::verdict(ratio, GOAL_RATIO)
    );
    println!(
        "RESULT download peak RSS growth: layer {:.1} MiB, raw {:.1} MiB ({rss_verdict}); layer with metadata embedded {:.1} MiB",
        layer_kib as f64 / 1024.0,
        raw_kib as f64 / 1024.0,
        metadata_kib as f64 / 1024.0
    );
}
