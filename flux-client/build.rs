//! Generates the API client from the stored OpenAPI document:
//! `openapi/flux-pro.json` (as received; inside this package a symbolic link to the workspace's
//! `openapi/flux-pro.json`, stored as a file by `cargo package`) → `build_tools::repair` → progenitor
//! (`build_tools::generate`) → `$OUT_DIR/flux_api.rs`, included by `src/generated.rs`.
//! The build stops with the JSON pointer and the reason when that fails.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let document = manifest.join("openapi/flux-pro.json");
    println!("cargo::rerun-if-changed={}", document.display());
    println!("cargo::rerun-if-changed=build.rs");

    if let Err(message) = generate(&document) {
        // `cargo::error` shows the message without a backtrace and fails the build.
        println!("cargo::error={}", message.replace('\n', " "));
    }
}

fn generate(document: &Path) -> Result<(), String> {
    let repaired = build_tools::cli::read_and_repair(document)?;
    for name in &repaired.unused {
        println!(
            "cargo::warning=repair fix `{name}` changed nothing in {}; if upstream mended the defect, delete the fix",
            document.display()
        );
    }
    // An operation progenitor cannot generate (a multipart upload, say) is left out of the
    // client by the repair; say which, and why, whenever the client is regenerated.
    for left_out in repaired.left_out() {
        println!("cargo::warning={}: {left_out}", document.display());
    }
    let source = build_tools::generate::generate_client(&repaired.document)
        .map_err(|e| format!("{}: {e}", document.display()))?;
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let write = |name: &str, text: &str| {
        let out = out_dir.join(name);
        std::fs::write(&out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))
    };
    write("flux_api.rs", &source)?;
    // The request surface (field table, default base URL, typed setters): the document drives
    // `GenerateRequest`, the range checks and the `flux` command's options.
    let surface = build_tools::surface::read(&repaired.document)
        .and_then(|surface| build_tools::surface::render(&surface, &source))
        .map_err(|e| format!("{}: {e}", document.display()))?;
    write("request_fields.rs", &surface.fields)?;
    write("request_setters.rs", &surface.setters)?;
    // The document the client was generated from, for the mock's validation: the same bytes
    // as the committed `openapi/flux-pro.patched.json` once that is refreshed.
    write(
        "flux-pro.patched.json",
        &build_tools::to_canonical_json(&repaired.document),
    )
}
