//! What the benchmarks share: a minimal loopback HTTP server, a runtime, statistics, tables and
//! the process's peak resident memory.
//!
//! Every figure the benchmarks print is a ratio of two variants measured side by side, in
//! interleaved rounds (the order alternates from round to round), because the machines these run
//! on are shared and noisy: an absolute time alone means little.

#![allow(dead_code)] // each bench uses its own part of this module

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// The API key both variants send (the server does not check it).
pub const API_KEY: &str = "sk-bench";
/// The generation path the layer posts to.
pub const GENERATE_PATH: &str = "/v1/images/generations";
/// The path the minimal server serves its image on.
pub const IMAGE_PATH: &str = "/image.png";

/// The 8-byte PNG signature: enough for the layer's format sniffing.
pub const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The `IHDR` chunk after the signature (a 2048x2048 RGB image), so that metadata can be
/// inserted after it as it streams (`Images::with_metadata`); its CRC is not checked there.
const PNG_IHDR: &[u8] = b"\0\0\0\x0dIHDR\0\0\x08\0\0\0\x08\0\x08\x02\0\0\0\0\0\0\0";

/// A "PNG" of `len` bytes: the signature and an `IHDR` chunk, then a non-zero pattern. Every
/// page is written here, so the buffer is resident before any measurement (untouched zero pages
/// would not be).
pub fn fake_png(len: usize) -> Vec<u8> {
    let mut image: Vec<u8> = (0..len).map(|i| (i % 251) as u8 | 1).collect();
    image[..PNG_SIGNATURE.len()].copy_from_slice(PNG_SIGNATURE);
    let end = PNG_SIGNATURE.len() + PNG_IHDR.len();
    image[PNG_SIGNATURE.len()..end].copy_from_slice(PNG_IHDR);
    image
}

/// A minimal HTTP/1.1 server on 127.0.0.1, on its own thread with its own single-threaded tokio
/// runtime: every POST gets the same fixed generation response, every GET the same image. No
/// validation, no routing beyond the method, no allocation per request beyond hyper's own.
pub struct MinimalServer {
    /// Where it listens.
    pub addr: SocketAddr,
}

impl MinimalServer {
    /// Starts the server. `answer` builds the generation response's JSON from the server's
    /// address (so that an image URL can point back at it).
    pub fn start(answer: impl FnOnce(SocketAddr) -> String, image: Vec<u8>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("local address");
        let json = Bytes::from(answer(addr));
        let image = Bytes::from(image);
        std::thread::Builder::new()
            .name("minimal-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("server runtime");
                runtime.block_on(serve(listener, json, image));
            })
            .expect("server thread");
        Self { addr }
    }

    /// The URL of the server's image.
    pub fn image_url(addr: SocketAddr) -> String {
        format!("http://{addr}{IMAGE_PATH}")
    }

    /// The base URL for the layer's client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn serve(listener: std::net::TcpListener, json: Bytes, image: Bytes) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (json, image) = (json.clone(), image.clone());
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let (json, image) = (json.clone(), image.clone());
                async move { Ok::<_, Infallible>(answer(request, json, image).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(request: Request<Incoming>, json: Bytes, image: Bytes) -> Response<Full<Bytes>> {
    let post = request.method() == hyper::Method::POST;
    // Read the request body whole, as any server would, so the connection stays reusable.
    let _ = request.into_body().collect().await;
    let (content_type, body) = if post {
        ("application/json", json)
    } else {
        ("image/png", image)
    };
    Response::builder()
        .header("content-type", content_type)
        .body(Full::new(body))
        .expect("a valid response")
}

/// A generation response with one image at `url`.
pub fn url_answer(url: &str) -> String {
    serde_json::json!({
        "created": 1_700_000_000,
        "data": [{"url": url, "b64_json": "", "revised_prompt": ""}],
    })
    .to_string()
}

/// A generation response with one image as base64 data.
pub fn b64_answer(data: &str) -> String {
    serde_json::json!({
        "created": 1_700_000_000,
        "data": [{"b64_json": data, "revised_prompt": ""}],
    })
    .to_string()
}

/// The single-threaded runtime the client side runs on (the server has its own thread, so on a
/// two-core machine each side gets a core).
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime")
}

/// The value of `--NAME N` on the command line, or `default`. Other arguments (`--bench`, which
/// cargo passes) are ignored.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether `--NAME` is on the command line.
pub fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// The nearest-rank percentile `p` (0..=100) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of some numbers (they are sorted in place).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Per-round ratios summarised: median, lowest and highest.
pub fn ratio_summary(ratios: &[f64]) -> String {
    let mut sorted = ratios.to_vec();
    let mid = median(&mut sorted);
    format!(
        "{mid:.3} (rounds: min {:.3}, max {:.3}, n {})",
        sorted.first().copied().unwrap_or(f64::NAN),
        sorted.last().copied().unwrap_or(f64::NAN),
        sorted.len()
    )
}

/// `met` or `MISSED by N%` for a ratio or rate against a floor.
pub fn verdict(value: f64, goal: f64) -> String {
    if value >= goal {
        "met".to_owned()
    } else {
        format!("MISSED by {:.1}%", (goal - value) / goal * 100.0)
    }
}

/// The process's peak resident set size so far (`VmHWM` in /proc/self/status), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The machine, for the header of each report.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

/// CPU time (user + system) used so far by all of this process's threads, the finished ones
/// included (client, server, tokio's blocking pool), in nanoseconds, from `getrusage`. Unlike
/// wall time, it barely moves when other processes compete for the cores, so the ratio of two
/// variants' CPU time per operation is the steadier measure of what one costs more than the other.
pub fn cpu_ns() -> u64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return 0;
        }
        usage
    };
    let ns = |t: libc::timeval| t.tv_sec as u64 * 1_000_000_000 + t.tv_usec as u64 * 1_000;
    ns(usage.ru_utime) + ns(usage.ru_stime)
}
