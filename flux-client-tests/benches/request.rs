//! Request overhead: `client.generate(..).send()` through the layer beside a raw `reqwest` POST of
//! the same pre-serialized body, against the same minimal loopback server, at concurrency 1 and
//! 64, in interleaved rounds. Prints requests/s, p50/p99 latency, CPU time per request and the
//! layer/raw and layer/typed throughput ratios per concurrency (goals: at least 0.90 of raw and
//! 0.97 of typed).
//!
//! A third variant, `typed`, is what a careful hand-written client does without the layer:
//! reqwest with `.json(&body)` of the generated request type and `.json::<CreateImageResponse>()`
//! of the answer. Layer vs typed isolates the layer's own machinery (validation, hooks, retry
//! and timeout wrappers, tracing spans) from the cost of JSON on each side.
//!
//! `cargo bench -p flux-client-tests --bench request [-- --rounds N --requests N --no-limiter]`

mod support;

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flux_client::FluxClient;
use support::{API_KEY, GENERATE_PATH, MinimalServer};

/// Goal for layer/raw throughput.
const GOAL: f64 = 0.90;
/// Goal for layer/typed throughput.
const GOAL_TYPED: f64 = 0.97;
const PROMPT: &str = "a red fox in fresh snow, golden hour";

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Layer,
    Raw,
    Typed,
}

/// Everything both variants need, shared by the worker tasks of one batch.
struct Clients {
    layer: FluxClient,
    raw: reqwest::Client,
    raw_url: String,
    raw_body: bytes::Bytes,
    typed_body: flux_client::types::CreateImageBody,
}

/// One batch: `total` requests by `concurrency` workers. Returns the wall time and each
/// request's latency.
async fn batch(
    clients: &Arc<Clients>,
    variant: Variant,
    concurrency: usize,
    total: usize,
) -> (Duration, u64, Vec<Duration>) {
    let next = Rc::new(AtomicUsize::new(0));
    let cpu = support::cpu_ns();
    let started = Instant::now();
    let local = tokio::task::LocalSet::new();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let clients = Arc::clone(clients);
            let next = Rc::clone(&next);
            local.spawn_local(async move {
                let mut latencies = Vec::with_capacity(total / concurrency + 1);
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    let sent = Instant::now();
                    match variant {
                        Variant::Layer => {
                            let images = clients
                                .layer
                                .generate(PROMPT)
                                .send()
                                .await
                                .expect("layer request");
                            assert!(images.first().url().is_some());
                        }
                        Variant::Raw => {
                            let response = clients
                                .raw
                                .post(&clients.raw_url)
                                .header("content-type", "application/json")
                                .header("authorization", API_KEY)
                                .body(clients.raw_body.clone())
                                .send()
                                .await
                                .expect("raw request");
                            assert!(response.status().is_success());
                            let body = response.bytes().await.expect("raw body");
                            assert!(!body.is_empty());
                        }
                        Variant::Typed => {
                            let response = clients
                                .raw
                                .post(&clients.raw_url)
                                .header("authorization", API_KEY)
                                .json(&clients.typed_body)
                                .send()
                                .await
                                .expect("typed request");
                            assert!(response.status().is_success());
                            let answer: flux_client::types::CreateImageResponse =
                                response.json().await.expect("typed body");
                            assert!(!answer.data.is_empty());
                        }
                    }
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    local
        .run_until(async {
            for worker in workers {
                latencies.extend(worker.await.expect("worker"));
            }
        })
        .await;
    let wall = started.elapsed();
    (wall, support::cpu_ns() - cpu, latencies)
}

#[derive(Default)]
struct Tally {
    requests: usize,
    time: Duration,
    cpu_ns: u64,
    latencies: Vec<Duration>,
}

impl Tally {
    /// Adds a batch; returns its requests/s and CPU µs per request.
    fn add(&mut self, (time, cpu_ns, latencies): (Duration, u64, Vec<Duration>)) -> (f64, f64) {
        let n = latencies.len();
        self.requests += n;
        self.time += time;
        self.cpu_ns += cpu_ns;
        self.latencies.extend(latencies);
        (
            n as f64 / time.as_secs_f64(),
            cpu_ns as f64 / 1e3 / n as f64,
        )
    }

    fn row(&mut self, concurrency: usize, name: &str) {
        self.latencies.sort_unstable();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "{concurrency:>5}  {name:<6} {:>10.0} {:>10.1} {:>10.1} {:>13.1}",
            self.requests as f64 / self.time.as_secs_f64(),
            us(support::percentile(&self.latencies, 50.0)),
            us(support::percentile(&self.latencies, 99.0)),
            self.cpu_ns as f64 / 1e3 / self.requests as f64,
        );
    }
}

fn main() {
    let rounds = support::arg("--rounds", 10);
    let per_batch = support::arg("--requests", 2000);
    let server = MinimalServer::start(
        |addr| support::url_answer(&MinimalServer::image_url(addr)),
        support::fake_png(64),
    );
    let runtime = support::client_runtime();
    // The limiter stays in the path (its semaphore and pacer run for every request), with
    // limits far above what loopback reaches, so that it measures cost, not policy.
    // `--no-limiter` takes it out, to see what it costs.
    let limits = if std::env::args().any(|a| a == "--no-limiter") {
        flux_client::Limits::none()
    } else {
        flux_client::Limits::default()
            .max_concurrent(1_000)
            .rate(flux_client::Rate::per_second(1_000_000))
    };
    let layer = FluxClient::builder()
        .api_key(API_KEY)
        .base_url(server.base_url())
        .limits(limits)
        .build()
        .expect("layer client");
    // The same body the layer sends, serialized once, outside the timed loop.
    let typed_body = layer.generate(PROMPT).body().expect("body");
    let raw_body = serde_json::to_vec(&typed_body).expect("serialize").into();
    let raw = flux_client::reqwest::Client::builder()
        .build()
        .expect("raw client");
    let clients = Arc::new(Clients {
        raw_url: format!("{}{GENERATE_PATH}", server.base_url()),
        layer,
        raw,
        raw_body,
        typed_body,
    });

    println!(
        "\n== request overhead: generate().send() (layer) vs raw reqwest POST, loopback HTTP/1.1"
    );
    println!(
        "   {} | {rounds} rounds x {per_batch} requests per variant and concurrency, order rotated",
        support::machine()
    );
    if let Some(variant) = std::env::args().position(|a| a == "--only").map(|i| {
        match std::env::args().nth(i + 1).as_deref() {
            Some("raw") => Variant::Raw,
            Some("typed") => Variant::Typed,
            _ => Variant::Layer,
        }
    }) {
        // One variant alone, for a profiler: `--only layer|raw|typed --concurrency N`.
        let concurrency = support::arg("--concurrency", 1);
        let (wall, _, latencies) =
            runtime.block_on(batch(&clients, variant, concurrency, per_batch));
        println!("{} requests in {wall:?}", latencies.len());
        return;
    }
    let mut summary = Vec::new();
    for concurrency in [1, 64] {
        // Warm up both: connections opened, allocator and caches settled.
        runtime.block_on(async {
            for variant in [Variant::Layer, Variant::Raw, Variant::Typed] {
                batch(&clients, variant, concurrency, per_batch / 4 + concurrency).await;
            }
        });
        let (mut layer, mut raw, mut typed) =
            (Tally::default(), Tally::default(), Tally::default());
        let (mut ratios, mut cpu_ratios, mut typed_ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let order = match round % 3 {
                0 => [Variant::Layer, Variant::Raw, Variant::Typed],
                1 => [Variant::Raw, Variant::Typed, Variant::Layer],
                _ => [Variant::Typed, Variant::Layer, Variant::Raw],
            };
            let (mut layer_rate, mut raw_rate, mut typed_rate) =
                ((0.0, 0.0), (0.0, 0.0), (0.0, 0.0));
            for variant in order {
                let result = runtime.block_on(batch(&clients, variant, concurrency, per_batch));
                match variant {
                    Variant::Layer => layer_rate = layer.add(result),
                    Variant::Raw => raw_rate = raw.add(result),
                    Variant::Typed => typed_rate = typed.add(result),
                }
            }
            ratios.push(layer_rate.0 / raw_rate.0);
            // raw CPU per request / layer CPU per request: 1.0 means the layer costs nothing.
            cpu_ratios.push(raw_rate.1 / layer_rate.1);
            typed_ratios.push(layer_rate.0 / typed_rate.0);
        }
        println!("\n  conc  variant     req/s    p50 µs    p99 µs  CPU µs/req");
        layer.row(concurrency, "layer");
        raw.row(concurrency, "raw");
        typed.row(concurrency, "typed");
        let mut sorted = ratios.clone();
        let ratio = support::median(&mut sorted);
        println!(
            "  layer/raw throughput, concurrency {concurrency}: {}  goal >= {GOAL}: {}",
            support::ratio_summary(&ratios),
            support::verdict(ratio, GOAL)
        );
        let mut sorted = cpu_ratios.clone();
        let cpu_ratio = support::median(&mut sorted);
        println!(
            "  raw/layer CPU time per request (steadier under load): {}",
            support::ratio_summary(&cpu_ratios)
        );
        let mut sorted = typed_ratios.clone();
        let typed_ratio = support::median(&mut sorted);
        println!(
            "  layer/typed throughput (the layer's own machinery): {}  goal >= {GOAL_TYPED}: {}",
            support::ratio_summary(&typed_ratios),
            support::verdict(typed_ratio, GOAL_TYPED)
        );
        summary.push(format!(
            "request c={concurrency}: layer/raw throughput {ratio:.3} ({}), layer/typed throughput {typed_ratio:.3} ({}), raw/layer CPU per request {cpu_ratio:.3}",
            support::verdict(ratio, GOAL),
            support::verdict(typed_ratio, GOAL_TYPED)
        ));
    }
    println!();
    for line in summary {
        println!("RESULT {line}");
    }
}
