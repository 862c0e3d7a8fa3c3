//! `build-tools build-cost`: cold and incremental builds of flux-client timed in a copy of the
//! tracked files, with whether the build script reran when it should.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use super::timed_build::{build, build_script_output};
use super::timings::{runtime_packages, summarise, timings};
use super::{BuildCostOptions, machine};

/// The hand-written source file touched to show that `build.rs` does not rerun.
const HAND_WRITTEN: &str = "flux-client/src/request.rs";
/// The document `build.rs` generates from; touching it must rerun `build.rs`.
const DOCUMENT: &str = "openapi/flux-pro.json";

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
