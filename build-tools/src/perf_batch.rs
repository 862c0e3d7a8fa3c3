//! `build-tools perf-batch`: the batch benchmark alone (`flux-client/benches/batch.rs`, `flux
//! batch` with its defaults against accounts the mock plays), also run by `perf`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `cargo bench -p flux-client --features cli --bench batch -- ARGS`, streaming its report
/// to `out`. Returns its `RESULT` lines.
pub fn run(root: &Path, args: &[String], out: &mut dyn Write) -> Result<Vec<String>, String> {
    let io = |e: std::io::Error| e.to_string();
    writeln!(
        out,
        "==> cargo bench -p flux-client --features cli --bench batch"
    )
    .map_err(io)?;
    out.flush().map_err(io)?;
    let mut child = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(root)
        .args([
            "bench",
            "-p",
            "flux-client",
            "--features",
            "cli",
            "--bench",
            "batch",
            "--",
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    let mut results = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
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
        return Err(format!("the batch benchmark failed ({status})"));
    }
    Ok(results)
}
