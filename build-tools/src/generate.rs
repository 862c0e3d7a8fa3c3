//! Generation of the client source from a repaired document with progenitor 0.15, as
//! `flux-client/build.rs` runs it. Here rather than in `build.rs` so tests can generate from
//! hand-made documents.

use progenitor::{GenerationSettings, Generator, InterfaceStyle, TypePatch};
use serde_json::Value;
use syn::visit_mut::VisitMut;

/// Readable names for the generated types that progenitor would name after their position
/// (`CreateImageBodySize`). A name that no longer matches a generated type is an error, so a
/// renamed upstream field cannot silently bring the positional names back.
pub const RENAMES: &[(&str, &str)] = &[
    ("CreateImageBodySize", "AspectRatio"),
    ("CreateImageBodySafetyTolerance", "SafetyTolerance"),
    ("CreateImageBodyOutputFormat", "OutputFormat"),
    ("CreateImageResponseDataItem", "ImageData"),
];

/// The type the generated `Client` carries as progenitor's inner value (`ClientInfo::inner`),
/// defined by the hand-written layer of `flux-client` and public there as
/// `flux_client::generated::Session` (the generated code is included in that module).
pub const INNER_TYPE: &str = "crate::generated::Session";

/// Generates the client's Rust source from a repaired document.
///
/// Errors name the JSON pointer when the document is not OpenAPI 3.0 as progenitor reads it,
/// and the type when a rename in [`RENAMES`] no longer applies.
pub fn generate_client(repaired: &Value) -> Result<String, String> {
    let spec: openapiv3::OpenAPI = serde_path_to_error::deserialize(repaired).map_err(|e| {
        let (at, reason) = locate_deeper(repaired)
            .unwrap_or_else(|| (json_pointer(e.path()), e.inner().to_string()));
        format!(
            "{}: the repaired document is not OpenAPI 3.0 as progenitor reads it: {reason}",
            crate::pointer::display(&at),
        )
    })?;

    renamed_types_are_free(repaired)?;

    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq")
        // Per-client state for the hooks (the key, the answer size cap): each generated
        // `Client` carries its own, so no request ever needs task-local or global state.
        .with_inner_type(INNER_TYPE.parse().expect("a Rust path"));
    for (from, to) in RENAMES {
        settings.with_patch(from, TypePatch::default().with_rename(to));
    }
    // progenitor has `todo!`s and asserts for constructs it does not support; the repair
    // leaves out every operation known to reach one, and a panic still reaching here becomes
    // an error rather than a crashed build script.
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Generator::new(&settings).generate_tokens(&spec)
    }))
    .map_err(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("a panic");
        format!(
            "progenitor 0.15 stopped on a construct it does not support ({what}); find the \
             operation with `cargo run -p flux-client-build -- patch <document>` and report it, so \
             build-tools/src/unsupported/reasons.rs can leave such operations out"
        )
    })?;
    let tokens = generated.map_err(|e| {
        format!(
            "progenitor cannot generate a client from the repaired document: {e} \
             (`cargo run -p flux-client-build -- patch <document>` shows what progenitor was given)"
        )
    })?;

    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    crate::schemars1::port_schemars_impls(&mut file)?;
    let mut marker = NonExhaustive::default();
    marker.visit_file_mut(&mut file);
    for (from, to) in RENAMES {
        if !marker.types.iter().any(|t| t == to) {
            return Err(format!(
                "no generated type is named {from} any more, so it cannot be renamed {to}; \
                 update RENAMES in build-tools/src/generate.rs (types generated now: {})",
                marker.types.join(", ")
            ));
        }
    }
    Ok(prettyplease::unparse(&file))
}

/// A component schema named like a [`RENAMES`] target (`image-data` is typify's `ImageData`)
/// would take the name, and the renamed type the hand-written layer uses would silently be
/// another; name the schema instead.
fn renamed_types_are_free(repaired: &Value) -> Result<(), String> {
    let Some(schemas) = repaired
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Ok(());
    };
    for name in schemas.keys() {
        let rust = crate::names::sanitize(name, crate::names::Case::Pascal);
        if let Some((from, to)) = RENAMES.iter().find(|(_, to)| *to == rust) {
            return Err(format!(
                "{}: this schema would be the Rust type {to}, the name the client gives to \
                 {from} (RENAMES in build-tools/src/generate.rs); rename one of them",
                crate::pointer::child("/components/schemas", name)
            ));
        }
    }
    Ok(())
}

/// Marks every generated type in `mod types` `#[non_exhaustive]`, so that a new value or field
/// in the next document is a compatible change for programs that use the crate; construction
/// goes through the generated builders.
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

    /// progenitor documents each method with a ```` ```ignore ```` example that is never
    /// compiled; it is an illustration, so it is marked as text rather than as a skipped test.
    fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
        if let syn::Meta::NameValue(doc) = &mut attr.meta
            && doc.path.is_ident("doc")
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &mut doc.value
            && text.value().contains("```ignore")
        {
            *text = syn::LitStr::new(&text.value().replace("```ignore", "```text"), text.span());
        }
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

/// serde cannot track paths through the flattened maps of `openapiv3` (`paths`, `responses`),
/// so an error there names only `/paths`. Deserializing operation by operation, and response by
/// response, finds the pointer a person needs.
fn locate_deeper(document: &Value) -> Option<(String, String)> {
    fn parse<T: serde::de::DeserializeOwned>(value: &Value, at: &str) -> Option<(String, String)> {
        serde_path_to_error::deserialize::<_, T>(value)
            .err()
            .map(|e| {
                (
                    format!("{at}{}", json_pointer(e.path())),
                    e.inner().to_string(),
                )
            })
    }
    for (path, item) in document.get("paths")?.as_object()? {
        let item_at = crate::pointer::child("/paths", path);
        for (method, operation) in item.as_object()? {
            let at = crate::pointer::child(&item_at, method);
            let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (code, response) in responses {
                let at = crate::pointer::child(&crate::pointer::child(&at, "responses"), code);
                if let Some(found) =
                    parse::<openapiv3::ReferenceOr<openapiv3::Response>>(response, &at)
                {
                    return Some(found);
                }
            }
            if method != "parameters"
                && method != "summary"
                && method != "description"
                && let Some(found) = parse::<openapiv3::Operation>(operation, &at)
            {
                return Some(found);
            }
        }
    }
    None
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|segment| match segment {
            Segment::Seq { index } => crate::pointer::child("", &index.to_string()),
            Segment::Map { key } => crate::pointer::child("", key),
            Segment::Enum { variant } => crate::pointer::child("", variant),
            Segment::Unknown => "/?".to_owned(),
        })
        .collect()
}
