//! Request overhead: `client.generate(..).send()` through the layer beside a raw `reqwest` POST of
//! the same pre-serialized body, against the same minimal loopback server, at concurrency 1 and
//! 64, in interleaved rounds. Prints requests/s, p50/p99 latency, CPU time per request and the
//! layer/raw and layer/typed throughput ratios per concurrency (goals: at least 0.94 of raw at
//! concurrency 1 and 0.93 at 64, and 0.97 of typed).
//!
//! A third variant, `typed`, is what a careful hand-written client does without the layer:
//! reqwest with `.json(&body)` of the generated request type and `.json::<CreateImageResponse>()`
//! of the answer. Layer vs typed isolates the layer's own machinery (validation, hooks, retry
//! and timeout wrappers, tracing spans) from the cost of JSON on each side. A fourth,
//! `openai`, is the peer a Rust user would otherwise pick: async-openai's bring-your-own-types
//! call (`images().generate_byot`) with the same generated request and answer types, on the same
//! reqwest client; the goal is that the layer costs no more CPU per request than it does.
//!
//! `cargo bench -p flux-client-tests --bench request [-- --rounds N --requests N --no-limiter]`

mod support;

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flux_client::FluxClient;
use support::{API_KEY, GENERATE_PATH, MinimalServer};

/// Goals for layer/raw throughput (issue 23): at concurrency 1, and at 64.
const GOALS: [(usize, f64); 2] = [(1, 0.94), (64, 0.93)];
/// Goal for layer/typed throughput.
const GOAL_TYPED: f64 = 0.97;
const PROMPT: &str = "a red fox in fresh snow, golden hour";

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Layer,
    Raw,
    Typed,
    OpenAi,
}

impl Variant {
    const ALL: [Variant; 4] = [
        Variant::Layer,
        Variant::Raw,
        Variant::Typed,
        Variant::OpenAi,
    ];

    fn name(self) -> &'static str {
        match self {
            Variant::Layer => "layer",
            Variant::Raw => "raw",
            Variant::Typed => "typed",
            Variant::OpenAi => "openai",
        }
    }
}

/// Everything both variants need, shared by the worker tasks of one batch.
struct Clients {
    layer: FluxClient,
    raw: reqwest::Client,
    raw_url: String,
    raw_body: bytes::Bytes,
    typed_body: flux_client::types::CreateImageBody,
    openai: async_openai::Client<async_openai::config::OpenAIConfig>,
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
                        Variant::OpenAi => {
                            let answer: flux_client::types::CreateImageResponse = clients
                                .openai
                                .images()
                                .generate_byot(&clients.typed_body)
                                .await
                                .expect("async-openai request");
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
    let openai = async_openai::Client::with_config(
        async_openai::config::OpenAIConfig::new()
            .with_api_key(API_KEY)
            .with_api_base(format!("{}/v1", server.base_url())),
    )
    .with_http_client(raw.clone());
    let clients = Arc::new(Clients {
        raw_url: format!("{}{GENERATE_PATH}", server.base_url()),
        layer,
        openai,
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
            Some("openai") => Variant::OpenAi,
            _ => Variant::Layer,
        }
    }) {
        // One variant alone, for a profiler: `--only layer|raw|typed|openai --concurrency N`.
        let concurrency = support::arg("--concurrency", 1);
        let (wall, _, latencies) =
            runtime.block_on(batch(&clients, variant, concurrency, per_batch));
        println!("{} requests in {wall:?}", latencies.len());
        return;
    }
    let mut summary = Vec::new();
    for (concurrency, goal) in GOALS {
        // Warm up every variant: connections opened, allocator and caches settled.
        runtime.block_on(async {
            for variant in Variant::ALL {
                batch(&clients, variant, concurrency, per_batch / 4 + concurrency).await;
            }
        });
        let mut tallies: Vec<Tally> = Variant::ALL.iter().map(|_| Tally::default()).collect();
        // Per round: layer/raw throughput, raw/layer CPU, layer/typed throughput, and
        // openai/layer CPU per request (above 1.0: the layer costs less than async-openai).
        let mut ratios: [Vec<f64>; 4] = Default::default();
        for round in 0..rounds {
            // Each variant goes first, second, ... in turn.
            let mut order = Variant::ALL;
            order.rotate_left(round % Variant::ALL.len());
            let mut rates = [(0.0, 0.0); 4];
            for variant in order {
                let slot = Variant::ALL.iter().position(|v| *v == variant).unwrap();
                let result = runtime.block_on(batch(&clients, variant, concurrency, per_batch));
                rates[slot] = tallies[slot].add(result);
            }
            let [layer, raw, typed, openai] = rates;
            ratios[0].push(layer.0 / raw.0);
            // raw CPU per request / layer CPU per request: 1.0 means the layer costs nothing.
            ratios[1].push(raw.1 / layer.1);
            ratios[2].push(layer.0 / typed.0);
            ratios[3].push(openai.1 / layer.1);
        }
        println!("\n  conc  variant     req/s    p50 µs    p99 µs  CPU µs/req");
        for (variant, tally) in Variant::ALL.iter().zip(&mut tallies) {
            tally.row(concurrency, variant.name());
        }
        let [ratio, cpu_ratio, typed_ratio, openai_ratio] =
            ratios.each_ref().map(|r| support::median(&mut r.clone()));
        println!(
            "  layer/raw throughput, concurrency {concurrency}: {}  goal >= {goal}: {}",
            support::ratio_summary(&ratios[0]),
            support::verdict(ratio, goal)
        );
        println!(
            "  raw/layer CPU time per request (steadier under load): {}",
            support::ratio_summary(&ratios[1])
        );
        println!(
            "  layer/typed throughput (the layer's own machinery): {}  goal >= {GOAL_TYPED}: {}",
            support::ratio_summary(&ratios[2]),
            support::verdict(typed_ratio, GOAL_TYPED)
        );
        println!(
            "  async-openai/layer CPU time per request: {}  goal >= 1: {}",
            support::ratio_summary(&ratios[3]),
            support::verdict(openai_ratio, 1.0)
        );
        summary.push(format!(
            "request c={concurrency}: layer/raw throughput {ratio:.3} ({}), layer/typed throughput {typed_ratio:.3} ({}), raw/layer CPU per request {cpu_ratio:.3}, async-openai/layer CPU per request {openai_ratio:.3} ({})",
            support::verdict(ratio, goal),
            support::verdict(typed_ratio, GOAL_TYPED),
            support::verdict(openai_ratio, 1.0)
        ));
    }
    println!();
    for line in summary {
        println!("RESULT {line}");
    }
}
