//! The `build-tools` command line: `patch`, `check`, `diff`, `build-cost`, `perf`, `perf-batch`.
//!
//! Lives in the library so tests can run it in-process; `main.rs` only forwards to [`run`].

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit status when everything is fine.
pub const EXIT_OK: i32 = 0;
/// Exit status when `check` finds the committed patched copy stale.
pub const EXIT_STALE: i32 = 1;
/// Exit status when `diff` finds a change that breaks callers of the generated crate.
pub const EXIT_BREAKING: i32 = 1;
/// Exit status for bad usage, unreadable files and unrepairable documents.
pub const EXIT_ERROR: i32 = 2;

const USAGE: &str = "\
build-tools: repair the OneRouter OpenAPI document for progenitor

Usage:
  build-tools patch INPUT [--out FILE]
      Repair INPUT and write it as pretty JSON with sorted keys to stdout, or to FILE
      (written whole or not at all). Every fix is reported on stderr, one line each:
      fix-name JSON-pointer: old -> new
  build-tools check [--document FILE] [--patched FILE]
      Repair the stored document (default openapi/flux-pro.json) in memory and compare it with
      the committed patched copy (default openapi/flux-pro.patched.json). Exits 1 with a diff
      when the copy is stale; refresh it with
      cargo run -p flux-client-build -- patch openapi/flux-pro.json --out openapi/flux-pro.patched.json
  build-tools diff OLD NEW [--json]
      Repair both documents, then list what NEW changes against OLD, one line per change
      (verdict, api or wire, JSON pointer, kind, old -> new), grouped as breaking and
      compatible, and end with the suggested semver bump of the crate. --json prints one JSON
      document instead: {\"changes\": [...], \"suggested_bump\": ...}.
      Before regenerating, compare with the committed version:
      git show HEAD:openapi/flux-pro.json > /tmp/old.json
      cargo run -p flux-client-build -- diff /tmp/old.json openapi/flux-pro.json

  build-tools build-cost [--features F] [--no-default-features] [--top N] [--keep]
      Copy the tracked files into a temporary directory and time, with a target directory of
      its own: a cold `cargo build -p flux-client` (with --timings; the N slowest units are
      listed, default 12), a no-op rebuild, a rebuild after touching flux-client/src/request.rs
      (build.rs must not rerun) and one after touching openapi/flux-pro.json (it must).
      Exits 1 when build.rs reran when it should not, or did not when it should.
  build-tools perf [build-cost options]
      Run the benchmarks (cargo bench -p flux-client-tests), then build-cost, then print the
      RESULT lines together. Run it as: cargo run --release -p flux-client-build -- perf
  build-tools perf-batch [--case K] [--lines N] [--scale N]
      Only the batch benchmark: `flux batch` with its defaults against the five accounts the
      mock plays (efficiency, share of 429, every line done once); --scale N instead runs an
      N-line batch (--no-download) for its memory, then a resume from its manifest.

Exit status: 0 success (diff: nothing breaking), 1 stale patched copy (diff: something breaks
callers; build-cost: build.rs reran wrongly), 2 bad usage, a document that cannot be read or
repaired, or a build or benchmark that failed.
";

/// The workspace root, where `openapi/` lives.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("build-tools sits inside the workspace")
        .to_path_buf()
}

/// The stored upstream document.
pub fn stored_document() -> PathBuf {
    workspace_root().join("openapi/flux-pro.json")
}

/// The committed repaired copy.
pub fn patched_document() -> PathBuf {
    workspace_root().join("openapi/flux-pro.patched.json")
}

/// Runs the command line with `args` (without the program name) and returns the exit status.
pub fn run(args: Vec<OsString>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match dispatch(args, out, err) {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            EXIT_ERROR
        }
    }
}

fn dispatch(args: Vec<OsString>, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, String> {
    let mut args = Args::new(args)?;
    match args.next_positional().as_deref() {
        Some("patch") => {
            let out_file = args.option("--out")?;
            let input = args.required("INPUT")?;
            args.finish()?;
            patch(
                Path::new(&input),
                out_file.as_deref().map(Path::new),
                out,
                err,
            )
        }
        Some("check") => {
            let document = args.option("--document")?.map(PathBuf::from);
            let patched = args.option("--patched")?.map(PathBuf::from);
            args.finish()?;
            check(
                &document.unwrap_or_else(stored_document),
                &patched.unwrap_or_else(patched_document),
                out,
                err,
            )
        }
        Some("diff") => {
            let json = args.flag("--json");
            let old = args.required("OLD")?;
            let new = args.required("NEW")?;
            args.finish()?;
            diff(Path::new(&old), Path::new(&new), json, out)
        }
        Some(command @ ("build-cost" | "perf")) => {
            let mut options = crate::perf::BuildCostOptions {
                keep: args.flag("--keep"),
                top: 12,
                ..Default::default()
            };
            if let Some(features) = args.option("--features")? {
                options
                    .cargo_args
                    .extend(["--features".to_owned(), features]);
            }
            if args.flag("--no-default-features") {
                options.cargo_args.push("--no-default-features".to_owned());
            }
            if let Some(top) = args.option("--top")? {
                options.top = top
                    .parse()
                    .map_err(|_| format!("--top needs a number, not {top:?}"))?;
            }
            args.finish()?;
            let root = workspace_root();
            if command == "perf" {
                crate::perf::perf(&root, &[], &options, out)
            } else {
                crate::perf::build_cost(&root, &options, out)
            }
        }
        Some("perf-batch") => {
            // Everything after the command goes to the benchmark (--scale N, --case K, --lines N).
            let rest = std::mem::take(&mut args.items);
            crate::perf_batch::run(&workspace_root(), &rest, out)?;
            Ok(EXIT_OK)
        }
        Some("help" | "--help" | "-h") => {
            write!(out, "{USAGE}").map_err(|e| e.to_string())?;
            Ok(EXIT_OK)
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
        None => Err(format!("a command is required\n\n{USAGE}")),
    }
}

fn patch(
    input: &Path,
    out_file: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let repaired = read_and_repair(input)?;
    for fix in &repaired.fixes {
        writeln!(err, "{fix}").map_err(|e| e.to_string())?;
    }
    for name in &repaired.unused {
        writeln!(
            err,
            "note: fix `{name}` changed nothing; if upstream mended the defect, delete it"
        )
        .map_err(|e| e.to_string())?;
    }
    let text = crate::to_canonical_json(&repaired.document);
    match out_file {
        Some(path) => write_atomically(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => out.write_all(text.as_bytes()).map_err(|e| e.to_string())?,
    }
    Ok(EXIT_OK)
}

fn check(
    document: &Path,
    patched: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let expected = crate::to_canonical_json(&read_and_repair(document)?.document);
    let committed = std::fs::read_to_string(patched)
        .map_err(|e| format!("cannot read {}: {e}", patched.display()))?;
    if committed == expected {
        writeln!(out, "{} is current", patched.display()).map_err(|e| e.to_string())?;
        return Ok(EXIT_OK);
    }
    let diff = similar::TextDiff::from_lines(&committed, &expected);
    write!(
        err,
        "{} is stale: repairing {} now gives\n{}\nrefresh it with: cargo run -p flux-client-build -- patch {} --out {}\n",
        patched.display(),
        document.display(),
        diff.unified_diff()
            .context_radius(3)
            .header("committed", "regenerated"),
        document.display(),
        patched.display(),
    )
    .map_err(|e| e.to_string())?;
    Ok(EXIT_STALE)
}

fn diff(old: &Path, new: &Path, json: bool, out: &mut dyn Write) -> Result<i32, String> {
    let old_doc = read_and_repair(old)?;
    let new_doc = read_and_repair(new)?;
    let changes = crate::diff::diff(&old_doc.document, &new_doc.document);
    let bump = crate::diff::suggested_bump(&changes);
    let io = |e: std::io::Error| e.to_string();
    if json {
        let document = serde_json::json!({
            "changes": changes.iter().map(crate::diff::Change::to_json).collect::<Vec<_>>(),
            "suggested_bump": bump.as_str(),
        });
        let text = serde_json::to_string_pretty(&document).expect("a Value always serializes");
        writeln!(out, "{text}").map_err(io)?;
    } else {
        if changes.is_empty() {
            writeln!(out, "no changes to the generated API or the wire").map_err(io)?;
        }
        for verdict in [
            crate::diff::Verdict::Breaking,
            crate::diff::Verdict::Compatible,
        ] {
            let group: Vec<_> = changes.iter().filter(|c| c.verdict == verdict).collect();
            if group.is_empty() {
                continue;
            }
            writeln!(out, "{} ({}):", verdict.as_str(), group.len()).map_err(io)?;
            for change in group {
                writeln!(out, "  {change}").map_err(io)?;
            }
        }
        writeln!(
            out,
            "suggested version bump: {} (a 0.x crate bumps its {} number)",
            bump.as_str(),
            bump.for_zero_x()
        )
        .map_err(io)?;
    }
    let breaking = changes
        .iter()
        .any(|c| c.verdict == crate::diff::Verdict::Breaking);
    Ok(if breaking { EXIT_BREAKING } else { EXIT_OK })
}

/// Reads and repairs one document; errors name the file and, for repair errors, the pointer.
pub fn read_and_repair(path: &Path) -> Result<crate::Repaired, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    crate::repair_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`, so a failure
/// never leaves a partial file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"))?;
    let mut tmp_name = OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A tiny argument reader: positionals in order, `--name VALUE` options and `--flag`s anywhere.
struct Args {
    items: Vec<String>,
}

impl Args {
    fn new(args: Vec<OsString>) -> Result<Self, String> {
        let items = args
            .into_iter()
            .map(|a| {
                a.into_string()
                    .map_err(|a| format!("argument {a:?} is not valid UTF-8"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { items })
    }

    fn option(&mut self, name: &str) -> Result<Option<String>, String> {
        let Some(index) = self.items.iter().position(|a| a == name) else {
            return Ok(None);
        };
        if index + 1 >= self.items.len() {
            return Err(format!("{name} needs a value"));
        }
        let value = self.items.remove(index + 1);
        self.items.remove(index);
        Ok(Some(value))
    }

    /// Removes `name` wherever it is and says whether it was there.
    fn flag(&mut self, name: &str) -> bool {
        let before = self.items.len();
        self.items.retain(|a| a != name);
        self.items.len() != before
    }

    fn next_positional(&mut self) -> Option<String> {
        let index = self
            .items
            .iter()
            .position(|a| !a.starts_with("--") || a == "--help")?;
        Some(self.items.remove(index))
    }

    fn required(&mut self, what: &str) -> Result<String, String> {
        self.next_positional()
            .ok_or_else(|| format!("{what} is required\n\n{USAGE}"))
    }

    fn finish(self) -> Result<(), String> {
        match self.items.first() {
            None => Ok(()),
            Some(extra) => Err(format!("unexpected argument {extra:?}\n\n{USAGE}")),
        }
    }
}
