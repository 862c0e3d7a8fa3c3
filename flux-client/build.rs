//! Generates the API client from the stored OpenAPI document.
//!
//! `openapi/flux-pro.json` (as received) → `build_tools::repair` → progenitor (builder
//! interface) → `$OUT_DIR/flux_api.rs`, included by `src/generated.rs`. The build stops with the
//! JSON pointer and the reason when the document cannot be repaired or generated from.

use std::path::{Path, PathBuf};

use progenitor::{GenerationSettings, Generator, InterfaceStyle, TypePatch};
use syn::visit_mut::VisitMut;

/// Readable names for the generated types that progenitor would name after their position
/// (`CreateImageBodySize`). A name that no longer matches a generated type fails the build, so a
/// renamed upstream field cannot silently bring the positional names back.
const RENAMES: &[(&str, &str)] = &[
    ("CreateImageBodySize", "AspectRatio"),
    ("CreateImageBodySafetyTolerance", "SafetyTolerance"),
    ("CreateImageBodyOutputFormat", "OutputFormat"),
    ("CreateImageResponseDataItem", "ImageData"),
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let document = manifest.join("../openapi/flux-pro.json");
    println!("cargo::rerun-if-changed={}", document.display());
    println!("cargo::rerun-if-changed=build.rs");

    if let Err(message) = generate(&document) {
        // `cargo::error` shows the message without a backtrace; exit non-zero to stop the build.
        for line in message.lines() {
            println!("cargo::error={line}");
        }
        std::process::exit(1);
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

    let spec: openapiv3::OpenAPI =
        serde_path_to_error::deserialize(&repaired.document).map_err(|e| {
            format!(
                "{}: the repaired document is not OpenAPI 3.0 at {}: {}",
                document.display(),
                json_pointer(e.path()),
                e.inner()
            )
        })?;

    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    for (from, to) in RENAMES {
        settings.with_patch(from, TypePatch::default().with_rename(to));
    }
    let mut generator = Generator::new(&settings);
    let tokens = generator.generate_tokens(&spec).map_err(|e| {
        format!(
            "{}: progenitor cannot generate a client from the repaired document: {e}\n\
             (run `cargo run -p build-tools -- patch {}` to see the document progenitor was given)",
            document.display(),
            document.display()
        )
    })?;

    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    let mut marker = NonExhaustive::default();
    marker.visit_file_mut(&mut file);
    for (from, to) in RENAMES {
        if !marker.types.iter().any(|t| t == to) {
            return Err(format!(
                "{}: no generated type is named {from} any more, so it cannot be renamed {to}; \
                 update RENAMES in flux-client/build.rs to the new name (types generated now: {})",
                document.display(),
                marker.types.join(", ")
            ));
        }
    }

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("flux_api.rs");
    std::fs::write(&out, prettyplease::unparse(&file))
        .map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// Marks every generated type in `mod types` `#[non_exhaustive]`, so that a new value or field
/// in the next document is a compatible change for programs that use the crate; construction
/// goes through the generated builders and `Default`.
#[derive(Default)]
struct NonExhaustive {
    in_types: bool,
    types: Vec<String>,
}

impl VisitMut for NonExhaustive {
    fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
        let outer = self.in_types;
        self.in_types = module.ident == "types";
        syn::visit_mut::visit_item_mod_mut(self, module);
        self.in_types = outer;
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        if self.in_types {
            self.types.push(item.ident.to_string());
            item.attrs.push(syn::parse_quote!(#[non_exhaustive]));
        }
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if self.in_types && matches!(item.fields, syn::Fields::Named(_)) {
            self.types.push(item.ident.to_string());
            item.attrs.push(syn::parse_quote!(#[non_exhaustive]));
        }
    }
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|segment| match segment {
            Segment::Seq { index } => format!("/{index}"),
            Segment::Map { key } => format!("/{}", key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => format!("/{variant}"),
            Segment::Unknown => "/?".to_owned(),
        })
        .collect()
}
