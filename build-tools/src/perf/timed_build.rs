//! One timed `cargo build -v` of flux-client, and what its log and target directory say about
//! the build script.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::cargo;

/// One timed `cargo build -v`.
pub(super) struct Build {
    pub(super) time: Duration,
    /// Whether flux-client's build script ran.
    pub(super) build_script_ran: bool,
}

pub(super) fn build(
    copy: &Path,
    target: &Path,
    extra: &[String],
    timings: bool,
) -> Result<Build, String> {
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
pub(super) fn build_script_output(target: &Path) -> Result<PathBuf, String> {
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
}
