//! `build-tools perf-batch`: the batch benchmark alone (`flux-client/benches/batch.rs`, `flux
//! batch` with its defaults against accounts the mock plays), also run by `perf`.

use std::io::Write;
use std::path::Path;

/// Runs `cargo bench -p flux-client --features cli --bench batch -- ARGS`, streaming its report
/// to `out`. Returns its `RESULT` lines.
pub fn run(root: &Path, args: &[String], out: &mut dyn Write) -> Result<Vec<String>, String> {
    crate::perf::run_bench(
        root,
        &["-p", "flux-client", "--features", "cli", "--bench", "batch"],
        args,
        out,
    )
}
