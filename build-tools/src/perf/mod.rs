//! `build-tools build-cost` and `build-tools perf`: what building and running the client costs.
//!
//! `build-cost` copies the workspace's tracked files (`git ls-files`) into a temporary directory
//! and, with a target directory of its own there, times a cold `cargo build -p flux-client`
//! (default features), summarises what dominated it from cargo's `--timings` report, then times
//! incremental builds after touching a hand-written source file (which must not rerun
//! `build.rs`) and after touching the OpenAPI document (which must). `perf` runs the benchmarks
//! (`cargo bench -p flux-client-tests`, then the batch benchmark, see `perf_batch`) and then
//! `build-cost`.
//!
//! Only the standard library and serde_json are used: build-tools is a build-dependency of
//! flux-client, so anything added here lengthens every cold build of the client.

mod build_cost;
mod timed_build;
mod timings;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

pub use build_cost::build_cost;
pub use timings::{Unit, parse_timings};

/// Options of `build-cost`.
#[derive(Debug, Default, Clone)]
pub struct BuildCostOptions {
    /// Extra arguments for every `cargo build` (`--features X`, `--no-default-features`, ...).
    pub cargo_args: Vec<String>,
    /// Keep the temporary directory (and its timings report) instead of deleting it.
    pub keep: bool,
    /// How many of the slowest compilation units to list.
    pub top: usize,
}

/// The cargo to run: the one that started us (`$CARGO`), else `cargo` from `PATH`.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs the benchmarks, then [`build_cost`]. Returns the exit status.
pub fn perf(
    root: &Path,
    bench_args: &[String],
    options: &BuildCostOptions,
    out: &mut dyn Write,
) -> Result<i32, String> {
    let io = |e: std::io::Error| e.to_string();
    let mut results = run_bench(root, &["-p", "flux-client-tests"], bench_args, out)?;
    writeln!(out).map_err(io)?;
    results.extend(crate::perf_batch::run(root, &[], out)?);
    writeln!(out, "\n==> build cost").map_err(io)?;
    let code = build_cost(root, options, out)?;
    writeln!(out, "\n==> summary").map_err(io)?;
    for line in results {
        writeln!(out, "  {line}").map_err(io)?;
    }
    Ok(code)
}

/// Runs `cargo bench CARGO_ARGS -- BENCH_ARGS`, streaming its report to `out` as it comes.
/// Returns its `RESULT` lines (the figures the summary repeats).
pub(crate) fn run_bench(
    root: &Path,
    cargo_args: &[&str],
    bench_args: &[String],
    out: &mut dyn Write,
) -> Result<Vec<String>, String> {
    let io = |e: std::io::Error| e.to_string();
    let shown = cargo_args.join(" ");
    writeln!(out, "==> cargo bench {shown}").map_err(io)?;
    out.flush().map_err(io)?;
    let mut child = cargo()
        .current_dir(root)
        .arg("bench")
        .args(cargo_args)
        .arg("--")
        .args(bench_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    let mut results = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let line = line.map_err(io)?;
            writeln!(out, "{line}").map_err(io)?;
            out.flush().map_err(io)?;
            if let Some(result) = line.strip_prefix("RESULT ") {
                results.push(result.to_owned());
            }
        }
    }
    let status = child.wait().map_err(io)?;
    if !status.success() {
        return Err(format!("cargo bench {shown} failed ({status})"));
    }
    Ok(results)
}

/// `N cores, CPU model, memory` from /proc.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or_else(
            || "unknown memory".into(),
            |kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0),
        );
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}, {memory}")
}
