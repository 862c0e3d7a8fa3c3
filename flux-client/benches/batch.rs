//! `flux batch` against accounts the mock plays: how close to the account's limits a batch run
//! with the defaults gets, how many requests meet 429, and that every line is done exactly once.
//! With `--scale N`: a batch of N lines (`--no-download`), its resident memory over the run and
//! how soon a resume from its manifest starts sending.
//!
//! Run: `cargo run --release -p flux-client-build -- perf-batch` (or `... -- perf-batch --scale 100000`).
//! Nothing is asserted; figures are printed, `RESULT` lines last.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flux_client::mock::{Account, Fault, MockServer};
use flux_client::{Limits, Rate};

const FLUX: &str = env!("CARGO_BIN_EXE_flux");
/// The batch's own defaults (`flux batch` with no flags): the client's, the API's documented
/// limits.
const OWN_CONCURRENT: u32 = Limits::API_MAX_CONCURRENT;
const OWN_RATE: Rate = Limits::API_RATE;

struct Case {
    name: &'static str,
    concurrent: u32,
    rate: u32,
    latency: Duration,
    retry_after: Option<u64>,
    /// Whether the account matches the batch's defaults (goal: no 429, efficiency ≥ 0.95).
    matches: bool,
}

fn cases() -> Vec<Case> {
    let ms = Duration::from_millis;
    vec![
        Case {
            name: "documented limits (30, 10/s), 0.5 s",
            concurrent: 30,
            rate: 10,
            latency: ms(500),
            retry_after: None,
            matches: true,
        },
        Case {
            name: "documented limits, 4 s per generation",
            concurrent: 30,
            rate: 10,
            latency: ms(4000),
            retry_after: None,
            matches: true,
        },
        Case {
            name: "shared: 5/s left, 0.5 s",
            concurrent: 30,
            rate: 5,
            latency: ms(500),
            retry_after: None,
            matches: false,
        },
        Case {
            name: "shared: 8 concurrent left, 2 s",
            concurrent: 8,
            rate: 10,
            latency: ms(2000),
            retry_after: None,
            matches: false,
        },
        Case {
            name: "5/s left, Retry-After: 1, 0.5 s",
            concurrent: 30,
            rate: 5,
            latency: ms(500),
            retry_after: Some(1),
            matches: false,
        },
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lines = value(&args, "--lines").unwrap_or(120);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "flux batch with its defaults against accounts played by the mock; {}",
        machine()
    );
    if let Some(n) = value(&args, "--scale") {
        scale(&runtime, n);
        return;
    }
    let only: Option<usize> = value(&args, "--case");
    let mut results = Vec::new();
    for (index, case) in cases().into_iter().enumerate() {
        if only.is_some_and(|o| o != index + 1) {
            continue;
        }
        results.push(run_case(&runtime, &case, lines));
    }
    println!();
    for line in results {
        println!("RESULT {line}");
    }
}

fn value<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    let index = args.iter().position(|a| a == name)?;
    args.get(index + 1)?.parse().ok()
}

fn run_case(runtime: &tokio::runtime::Runtime, case: &Case, lines: usize) -> String {
    let mut account = Account::new()
        .concurrent(case.concurrent)
        .rate(Rate::per_second(case.rate));
    if let Some(secs) = case.retry_after {
        account = account.retry_after(secs);
    }
    let server = runtime
        .block_on(
            MockServer::builder()
                .fault(Fault::Account(account))
                .fault(Fault::Delay(case.latency))
                .start(),
        )
        .expect("mock");
    let dir = scratch(case.name);
    let input = dir.join("in.jsonl");
    write_input(&input, 1..=lines);
    let out = dir.join("out");
    let started = Instant::now();
    let status = flux(&server, &input, &out, &[])
        .stdout(Stdio::null())
        .status()
        .expect("run flux");
    let wall = started.elapsed().as_secs_f64();
    let stats = server.account_stats();
    let manifest = read_manifest(&out);
    let done_once = (1..=lines).all(|line| manifest.get(&(line, "done".into())) == Some(&1));
    let failed: usize = manifest
        .iter()
        .filter(|((_, status), _)| status == "failed")
        .map(|(_, n)| n)
        .sum();
    let latency = case.latency.as_secs_f64();
    let burst = case.rate.max(1);
    let steady = (f64::from(case.concurrent.min(OWN_CONCURRENT)) / latency)
        .min(f64::from(case.rate))
        .min(OWN_RATE.per_second_f64());
    let ideal = ideal_makespan(
        lines,
        latency,
        case.concurrent.min(OWN_CONCURRENT),
        case.rate,
        burst,
    );
    let requests = stats.admitted + stats.refused();
    let share_429 = stats.refused() as f64 / requests.max(1) as f64;
    let efficiency = ideal / wall;
    let steady_efficiency = lines as f64 / wall / steady;
    let (goal_eff, goal_429) = if case.matches {
        (0.95, 0.0)
    } else {
        (0.90, 0.05)
    };
    let met = efficiency >= goal_eff
        && share_429 <= goal_429 + 1e-9
        && done_once
        && failed == 0
        && status.code() == Some(0);
    println!(
        "\n{}\n  {lines} lines in {wall:.2} s (exit {:?}); best possible {ideal:.2} s; steady bound {steady:.2} lines/s\n  \
         requests {requests}: {} admitted, {} answered 429 ({} concurrent, {} rate); most in flight {}\n  \
         every line done exactly once: {done_once}; failed records: {failed}",
        case.name,
        status.code(),
        stats.admitted,
        stats.refused(),
        stats.refused_concurrent,
        stats.refused_rate,
        stats.max_in_flight,
    );
    let _ = std::fs::remove_dir_all(&dir);
    format!(
        "batch {}: efficiency {efficiency:.3} (vs best possible schedule; lines/s ÷ steady bound {steady_efficiency:.3}), 429 {:.1}% of {requests} requests, done once {done_once}, failed {failed} -> goal (≥{goal_eff}, ≤{:.0}% 429) {}",
        case.name,
        share_429 * 100.0,
        goal_429 * 100.0,
        if met { "met" } else { "MISSED" }
    )
}

/// The shortest time any client could take for `n` lines of `latency` each under the limits:
/// the batch's own 10/s (evenly paced, two together at first) and the account's concurrent limit and token bucket
/// (`rate`/s holding `burst`). Each line starts as early as every limit allows (optimal for
/// lines of equal length); the last one ends a latency after it starts.
fn ideal_makespan(n: usize, latency: f64, concurrent: u32, rate: u32, burst: u32) -> f64 {
    let (concurrent, burst) = (concurrent as usize, burst as usize);
    let mut starts: Vec<f64> = Vec::with_capacity(n);
    for i in 0..n {
        // The batch's pacer lets two go together, then one per interval.
        let mut t = i.saturating_sub(1) as f64 / OWN_RATE.per_second_f64();
        if i >= burst {
            t = t.max((i + 1 - burst) as f64 / f64::from(rate));
        }
        if i >= concurrent {
            t = t.max(starts[i - concurrent] + latency);
        }
        starts.push(t);
    }
    starts.last().map_or(0.0, |t| t + latency)
}

fn flux(server: &MockServer, input: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(FLUX);
    command
        .arg("batch")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("ONEROUTER_BASE_URL", server.base_url())
        .env("ONEROUTER_API_KEY", server.api_key())
        .stdin(Stdio::null());
    command
}

fn scratch(name: &str) -> PathBuf {
    let slug: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let dir = std::env::temp_dir().join(format!("flux-batch-bench-{}-{slug}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn write_input(path: &Path, lines: std::ops::RangeInclusive<usize>) {
    use std::io::Write;
    let mut file = std::io::BufWriter::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("input"),
    );
    for line in lines {
        writeln!(
            file,
            r#"{{"prompt": "a lighthouse at dusk, study {line}", "seed": {line}, "size": "1:1"}}"#
        )
        .expect("write input");
    }
}

/// `(line, status)` → number of records.
fn read_manifest(out: &Path) -> HashMap<(usize, String), usize> {
    let text = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap_or_default();
    let mut counts = HashMap::new();
    for record in text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    {
        let line = record["line"].as_u64().unwrap_or(0) as usize;
        let status = record["status"].as_str().unwrap_or("").to_owned();
        *counts.entry((line, status)).or_insert(0) += 1;
    }
    counts
}

/// A batch of `n` lines at a pace the mock can take (`--no-download`), its resident memory
/// sampled over the run, then a resume from its manifest with 100 lines appended.
fn scale(runtime: &tokio::runtime::Runtime, n: usize) {
    let server = runtime.block_on(MockServer::start()).expect("mock");
    let dir = scratch("scale");
    let input = dir.join("in.jsonl");
    write_input(&input, 1..=n);
    let out = dir.join("out");
    let flags = ["--no-download", "--rate", "5000/s", "--concurrency", "64"];
    let started = Instant::now();
    let child = flux(&server, &input, &out, &flags)
        .stdout(Stdio::null())
        .spawn()
        .expect("run flux");
    let run = watch(child, &server);
    let wall = started.elapsed().as_secs_f64();
    let manifest = read_manifest(&out);
    let done = (1..=n)
        .filter(|l| manifest.get(&(*l, "done".into())) == Some(&1))
        .count();
    println!(
        "\nscale: {n} lines ({}) in {wall:.1} s, exit {:?}, {done} done exactly once, {} requests\n  \
         RSS of flux: {:.1} MiB at its first request, peak {:.1} MiB (growth over the run {:.1} MiB; {:.1} MiB from the first sample)",
        flags.join(" "),
        run.status,
        run.requests,
        mib(run.rss_at_first_request),
        mib(run.peak),
        mib(run.peak.saturating_sub(run.rss_at_first_request)),
        mib(run.peak.saturating_sub(run.first_sample)),
    );

    // Resume: the manifest holds n done records; 100 new lines are appended to the input.
    write_input(&input, n + 1..=n + 100);
    let started = Instant::now();
    let child = flux(&server, &input, &out, &flags)
        .stdout(Stdio::null())
        .spawn()
        .expect("run flux");
    let resumed = watch(child, &server);
    let total = started.elapsed().as_secs_f64();
    let first = resumed.first_request.map_or(f64::NAN, |d| d.as_secs_f64());
    println!(
        "  resume from the {n}-record manifest with 100 lines appended: first request after {first:.2} s, done in {total:.2} s, exit {:?}, {} requests",
        resumed.status, resumed.requests
    );
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "\nRESULT batch scale {n} lines: {:.0} lines/s, RSS growth {:.1} MiB (goal < 64: {}); resume from {n}-line manifest sends after {first:.2} s (goal < 2 s: {})",
        n as f64 / wall,
        mib(run.peak.saturating_sub(run.rss_at_first_request)),
        if run.peak.saturating_sub(run.rss_at_first_request) < 64 << 20 {
            "met"
        } else {
            "MISSED"
        },
        if first < 2.0 { "met" } else { "MISSED" },
    );
}

struct Watched {
    status: Option<i32>,
    requests: usize,
    first_request: Option<Duration>,
    first_sample: u64,
    rss_at_first_request: u64,
    peak: u64,
}

/// Samples the child's resident memory every 20 ms and counts the mock's requests until it exits.
fn watch(mut child: Child, server: &MockServer) -> Watched {
    let started = Instant::now();
    let mut watched = Watched {
        status: None,
        requests: 0,
        first_request: None,
        first_sample: 0,
        rss_at_first_request: 0,
        peak: 0,
    };
    loop {
        let rss = rss(child.id());
        if watched.first_sample == 0 {
            watched.first_sample = rss;
        }
        watched.peak = watched.peak.max(rss);
        // Forget the recorded requests as they come, so the mock's record stays small.
        watched.requests += server.take_requests().len();
        if watched.requests > 0 && watched.first_request.is_none() {
            watched.first_request = Some(started.elapsed());
            watched.rss_at_first_request = rss;
        }
        if let Some(status) = child.try_wait().expect("wait") {
            watched.status = status.code();
            watched.requests += server.take_requests().len();
            return watched;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Resident memory of a process, in bytes (`VmRSS`), 0 once it is gone.
fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores, {cpu}")
}
