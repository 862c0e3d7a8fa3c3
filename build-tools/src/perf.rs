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

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// The hand-written source file touched to show that `build.rs` does not rerun.
const HAND_WRITTEN: &str = "flux-client/src/request.rs";
/// The document `build.rs` generates from; touching it must rerun `build.rs`.
const DOCUMENT: &str = "openapi/flux-pro.json";

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
    writeln!(out, "==> cargo bench -p flux-client-tests").map_err(io)?;
    out.flush().map_err(io)?;
    let mut command = cargo();
    command
        .current_dir(root)
        .args(["bench", "-p", "flux-client-tests"]);
    if !bench_args.is_empty() {
        command.arg("--").args(bench_args);
    }
    // Stream the benchmarks' report as it comes, and keep it for the summary.
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    let mut report = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let line = line.map_err(io)?;
            writeln!(out, "{line}").map_err(io)?;
            out.flush().map_err(io)?;
            report.push_str(&line);
            report.push('\n');
        }
    }
    let status = child.wait().map_err(io)?;
    if !status.success() {
        return Err(format!("cargo bench failed ({status})"));
    }
    writeln!(out).map_err(io)?;
    let batch = crate::perf_batch::run(root, &[], out)?;
    writeln!(out, "\n==> build cost").map_err(io)?;
    let code = build_cost(root, options, out)?;
    let mut results: Vec<&str> = report
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .collect();
    results.extend(batch.iter().map(String::as_str));
    writeln!(out, "\n==> summary").map_err(io)?;
    for line in results {
        writeln!(out, "  {line}").map_err(io)?;
    }
    Ok(code)
}

/// One timed `cargo build -v`.
struct Build {
    time: Duration,
    /// Whether flux-client's build script ran.
    build_script_ran: bool,
}

/// Times cold and incremental builds of flux-client in a copy of the workspace. Returns 0 when
/// the build script reran exactly when it should, 1 otherwise.
pub fn build_cost(
    root: &Path,
    options: &BuildCostOptions,
    out: &mut dyn Write,
) -> Result<i32, String> {
    let io = |e: std::io::Error| e.to_string();
    let scratch = std::env::temp_dir().join(format!("flux-build-cost-{}", std::process::id()));
    let copy = scratch.join("workspace");
    let target = scratch.join("target");
    copy_tracked(root, &copy)?;
    let result = (|| {
        let features = if options.cargo_args.is_empty() {
            "default features".to_owned()
        } else {
            options.cargo_args.join(" ")
        };
        writeln!(
            out,
            "cargo build -p flux-client ({features}), debug profile, in a copy of the tracked files\n  {}",
            machine()
        )
        .map_err(io)?;
        out.flush().map_err(io)?;
        let cold = build(&copy, &target, &options.cargo_args, true)?;
        let output_file = build_script_output(&target)?;
        let stamp = modified(&output_file)?;
        let noop = build(&copy, &target, &options.cargo_args, false)?;
        touch(&copy.join(HAND_WRITTEN))?;
        let source = build(&copy, &target, &options.cargo_args, false)?;
        let stamp_after_source = modified(&output_file)?;
        touch(&copy.join(DOCUMENT))?;
        let document = build(&copy, &target, &options.cargo_args, false)?;
        let stamp_after_document = modified(&output_file)?;

        let ran = |b: bool| if b { "yes" } else { "no" };
        writeln!(
            out,
            "\n  build                              seconds  build.rs ran"
        )
        .map_err(io)?;
        for (name, build) in [
            ("cold", &cold),
            ("no change", &noop),
            ("touch flux-client/src/request.rs", &source),
            ("touch openapi/flux-pro.json", &document),
        ] {
            writeln!(
                out,
                "  {name:<34} {:>7.1}  {}",
                build.time.as_secs_f64(),
                ran(build.build_script_ran)
            )
            .map_err(io)?;
        }
        let source_ok = !source.build_script_ran && stamp_after_source == stamp;
        let document_ok = document.build_script_ran && stamp_after_document != stamp_after_source;
        writeln!(
            out,
            "  build script output ({}) unchanged after the source edit: {}; rewritten after the document edit: {}",
            output_file
                .strip_prefix(&target)
                .unwrap_or(&output_file)
                .display(),
            ran(stamp_after_source == stamp),
            ran(stamp_after_document != stamp_after_source),
        )
        .map_err(io)?;

        let units = timings(&target)?;
        let runtime = runtime_packages(&copy, &options.cargo_args)?;
        summarise(&units, &runtime, options.top.max(1), out).map_err(io)?;
        writeln!(
            out,
            "\nRESULT build cold {:.1} s, touch source {:.1} s (build.rs rerun: {}), touch document {:.1} s (build.rs rerun: {})",
            cold.time.as_secs_f64(),
            source.time.as_secs_f64(),
            ran(source.build_script_ran),
            document.time.as_secs_f64(),
            ran(document.build_script_ran),
        )
        .map_err(io)?;
        if options.keep {
            writeln!(out, "kept {}", scratch.display()).map_err(io)?;
        }
        Ok(if source_ok && document_ok { 0 } else { 1 })
    })();
    if !options.keep {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    result
}

/// Copies the files git tracks under `root` to `dest`.
fn copy_tracked(root: &Path, dest: &Path) -> Result<(), String> {
    let listing = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z"])
        .output()
        .map_err(|e| format!("cannot run git ls-files: {e}"))?;
    if !listing.status.success() {
        return Err(format!(
            "git ls-files failed in {}: {}",
            root.display(),
            String::from_utf8_lossy(&listing.stderr).trim()
        ));
    }
    for name in listing.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).map_err(|e| e.to_string())?;
        let from = root.join(name);
        let to = dest.join(name);
        if !from.is_file() {
            continue; // deleted in the work tree but not yet in the index
        }
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        // A link stays a link (flux-client/openapi/flux-pro.json points at the one document, so
        // touching openapi/flux-pro.json in the copy must reach the build script).
        #[cfg(unix)]
        if std::fs::symlink_metadata(&from).is_ok_and(|m| m.file_type().is_symlink()) {
            let link = std::fs::read_link(&from).map_err(|e| format!("cannot read {name}: {e}"))?;
            std::os::unix::fs::symlink(&link, &to)
                .map_err(|e| format!("cannot link {name}: {e}"))?;
            continue;
        }
        std::fs::copy(&from, &to).map_err(|e| format!("cannot copy {name}: {e}"))?;
    }
    Ok(())
}

fn build(copy: &Path, target: &Path, extra: &[String], timings: bool) -> Result<Build, String> {
    let mut command = cargo();
    command
        .current_dir(copy)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTC_WRAPPER")
        .args(["build", "--locked", "-v", "-p", "flux-client"])
        .args(extra);
    if timings {
        command.arg("--timings");
    }
    let started = Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo build: {e}"))?;
    let time = started.elapsed();
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("cargo build failed:\n{log}"));
    }
    Ok(Build {
        time,
        build_script_ran: build_script_ran(&log),
    })
}

/// Whether a `cargo build -v` log shows flux-client's build script being run (not compiled):
/// ``Running `…/build/flux-client-<hash>/build-script-build` ``.
fn build_script_ran(log: &str) -> bool {
    log.lines().any(|line| {
        let line = line.trim();
        line.starts_with("Running")
            && line.contains("flux-client-")
            && line.trim_end_matches('`').ends_with("build-script-build")
    })
}

/// The `output` file of flux-client's build-script run (cargo rewrites it on every run).
fn build_script_output(target: &Path) -> Result<PathBuf, String> {
    let dir = target.join("debug/build");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    entries
        .filter_map(Result::ok)
        .map(|e| e.path().join("output"))
        .find(|p| {
            p.is_file()
                && p.parent()
                    .and_then(Path::file_name)
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("flux-client-"))
        })
        .ok_or_else(|| format!("no flux-client build script output under {}", dir.display()))
}

fn modified(path: &Path) -> Result<SystemTime, String> {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| format!("cannot read the time of {}: {e}", path.display()))
}

/// Sets a file's modification time to now without changing its contents.
fn touch(path: &Path) -> Result<(), String> {
    // Let the clock move past the last build's file times (coarse file systems).
    std::thread::sleep(Duration::from_millis(20));
    std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .map_err(|e| format!("cannot touch {}: {e}", path.display()))
}

/// One compilation unit of cargo's timings report.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Crate name.
    pub name: String,
    /// Crate version.
    pub version: String,
    /// What was built (`lib`, `build-script`, `run-custom-build`, ...).
    pub target: String,
    /// Seconds from start to end.
    pub duration: f64,
}

/// Reads the units of the newest `cargo-timing-*.html` under `target/cargo-timings`.
fn timings(target: &Path) -> Result<Vec<Unit>, String> {
    let dir = target.join("cargo-timings");
    let newest = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("cargo-timing-") && n.ends_with(".html"))
        })
        .max()
        .ok_or_else(|| format!("no timings report in {}", dir.display()))?;
    let html = std::fs::read_to_string(&newest)
        .map_err(|e| format!("cannot read {}: {e}", newest.display()))?;
    parse_timings(&html).ok_or_else(|| format!("no UNIT_DATA in {}", newest.display()))
}

/// Parses the `const UNIT_DATA = [...];` array that cargo's HTML timings report embeds.
pub fn parse_timings(html: &str) -> Option<Vec<Unit>> {
    let start = html.find("UNIT_DATA = ")? + "UNIT_DATA = ".len();
    let mut stream =
        serde_json::Deserializer::from_str(&html[start..]).into_iter::<serde_json::Value>();
    let data = stream.next()?.ok()?;
    let units = data
        .as_array()?
        .iter()
        .filter_map(|u| {
            Some(Unit {
                name: u.get("name")?.as_str()?.to_owned(),
                version: u
                    .get("version")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                target: u
                    .get("target")
                    .and_then(|t| t.as_str())
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
                duration: u.get("duration")?.as_f64()?,
            })
        })
        .collect();
    Some(units)
}

/// `name version` of every package in flux-client's normal (non-build) dependency graph, its
/// proc macros included: what a program using the crate links or needs to compile it.
fn runtime_packages(copy: &Path, extra: &[String]) -> Result<Vec<String>, String> {
    let output = cargo()
        .current_dir(copy)
        .args(["tree", "--locked", "-p", "flux-client", "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"])
        .args(extra)
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some(format!(
                "{} {}",
                words.next()?,
                words.next()?.trim_start_matches('v')
            ))
        })
        .collect())
}

/// Whether a unit is only there for flux-client's build script (the generator stack), not for
/// the client's own code.
fn build_time_only(unit: &Unit, runtime: &[String]) -> bool {
    let key = format!("{} {}", unit.name, unit.version);
    unit.target.contains("build-script") && unit.name == "flux-client" || !runtime.contains(&key)
}

fn summarise(
    units: &[Unit],
    runtime: &[String],
    top: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let total: f64 = units.iter().map(|u| u.duration).sum();
    let generator: f64 = units
        .iter()
        .filter(|u| build_time_only(u, runtime))
        .map(|u| u.duration)
        .sum();
    let mut sorted = units.to_vec();
    sorted.sort_by(|a, b| b.duration.total_cmp(&a.duration));
    writeln!(
        out,
        "\n  cold build: {} units, {total:.1} s of compiler time in all (2 cores run them in parallel); slowest:",
        units.len()
    )?;
    for unit in sorted.iter().take(top) {
        let what = if unit.target.is_empty() {
            String::new()
        } else {
            format!(" ({})", unit.target)
        };
        let side = if build_time_only(unit, runtime) {
            "generator"
        } else {
            "client"
        };
        writeln!(
            out,
            "    {:>6.1} s {:>5.1}%  {side:<9}  {} {}{what}",
            unit.duration,
            unit.duration / total * 100.0,
            unit.name,
            unit.version
        )?;
    }
    writeln!(
        out,
        "  compiler time only for build.rs (generator stack: build-tools, progenitor, typify, ...): {generator:.1} s ({:.0}%); for the client and its runtime dependencies: {:.1} s ({:.0}%)",
        generator / total * 100.0,
        total - generator,
        (total - generator) / total * 100.0
    )?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_script_runs_are_told_from_its_compilation() {
        let ran = "       Fresh syn v2\n     Running `/t/debug/build/flux-client-0a1b/build-script-build`\n";
        assert!(build_script_ran(ran));
        let compiled = "     Running `rustc --crate-name build_script_build --edition=2024 flux-client/build.rs`\n       Fresh flux-client v0.1.0\n";
        assert!(!build_script_ran(compiled));
        let other = "     Running `/t/debug/build/serde-0a1b/build-script-build`\n";
        assert!(!build_script_ran(other));
    }

    #[test]
    fn timings_units_are_read_from_the_html() {
        let html = r#"<script>
const UNIT_DATA = [{"i":0,"name":"syn","version":"2.0.1","mode":"todo","target":"","start":0.1,"duration":4.5,"rmeta_time":2.0,"unlocked_units":[],"unlocked_rmeta_units":[]},{"i":1,"name":"flux-client","version":"0.1.0","mode":"run-custom-build","target":" build script","start":5.0,"duration":0.5}];
const CONCURRENCY_DATA = [];
</script>"#;
        let units = parse_timings(html).expect("units");
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].name, "syn");
        assert_eq!(units[0].version, "2.0.1");
        assert_eq!(units[0].duration, 4.5);
        assert_eq!(units[1].target, "build script");
        assert!(parse_timings("<html>no data</html>").is_none());
    }
}
