//! Rendering a [`Surface`] as the Rust `flux-client` includes: the field table and the typed
//! setters, each typed like the generated body's field.

use std::fmt::Write as _;

use quote::ToTokens;
use syn::visit_mut::VisitMut;

use super::{Field, LAYER_METHODS, SET_BY_THE_LAYER, Surface, pascal_case};

/// The Rust source [`render`] writes.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// `DOCUMENT_BASE_URL` and `REQUEST_FIELDS` (items of `flux_client::fields`).
    pub fields: String,
    /// `impl crate::GenerateRequest { ... }`: a setter per body property.
    pub setters: String,
}

/// Renders the surface as Rust, with each setter typed like the generated body's field.
/// `client_source` is progenitor's output for the same document.
pub fn render(surface: &Surface, client_source: &str) -> Result<Rendered, String> {
    let file: syn::File = syn::parse_file(client_source)
        .map_err(|e| format!("the generated client does not parse: {e}"))?;
    let types = generated_types(&file);
    let members = body_members(&file, &surface.body_type)?;

    let mut fields = String::new();
    let _ = writeln!(
        fields,
        "/// The API's base URL: the first `servers` URL of the document this client was generated from.\n\
         pub const DOCUMENT_BASE_URL: &str = {:?};",
        surface.base_url
    );
    fields.push_str(
        "/// Every property of the generation request body, as the document declares it.\n\
         pub static REQUEST_FIELDS: &[RequestField] = &[\n",
    );
    for field in &surface.fields {
        let _ = writeln!(fields, "{},", field_literal(field));
    }
    fields.push_str("];\n");

    let mut setters = String::from("impl crate::GenerateRequest {\n");
    for field in &surface.fields {
        if SET_BY_THE_LAYER.contains(&field.name.as_str()) {
            continue;
        }
        let (ident, ty, optional) = members
            .iter()
            .find(|m| m.0 == field.name)
            .map(|m| (m.1.clone(), m.2.clone(), m.3))
            .ok_or_else(|| {
                format!(
                    "the generated {} has no field for the property {:?}",
                    surface.body_type, field.name
                )
            })?;
        let mut ty = ty;
        Qualify(&types).visit_type_mut(&mut ty);
        let ty = ty.to_token_stream().to_string();
        let method = if LAYER_METHODS.contains(&ident.trim_start_matches("r#")) {
            format!("{}_field", ident.trim_start_matches("r#"))
        } else {
            ident.clone()
        };
        let name = &field.name;
        let store = if optional {
            format!("self.with_body(|b| b.{ident}(value))")
        } else {
            format!(
                "match value {{ Some(value) => self.with_body(|b| b.{ident}(value)), None => self }}"
            )
        };
        for line in doc_lines(field) {
            let _ = writeln!(setters, "#[doc = {line:?}]");
        }
        let _ = match field.wire_type.as_str() {
            "integer" => writeln!(
                setters,
                "pub fn {method}(mut self, value: impl ::std::convert::Into<i64>) -> Self {{\n\
                 let value: ::std::option::Option<{ty}> = self.integer({name:?}, value.into());\n\
                 {store}\n}}"
            ),
            "number" => writeln!(
                setters,
                "pub fn {method}(mut self, value: f64) -> Self {{\n\
                 let value: ::std::option::Option<{ty}> = self.number({name:?}, value);\n\
                 {store}\n}}"
            ),
            _ => writeln!(
                setters,
                "pub fn {method}<V>(mut self, value: V) -> Self\n\
                 where V: ::std::convert::TryInto<{ty}>, V::Error: ::std::fmt::Display {{\n\
                 let value: ::std::option::Option<{ty}> = self.convert({name:?}, value);\n\
                 {store}\n}}"
            ),
        };
    }
    setters.push_str("}\n");
    let setters = syn::parse_file(&setters)
        .map(|f| prettyplease::unparse(&f))
        .map_err(|e| format!("the generated setters do not parse: {e}"))?;
    let fields = syn::parse_file(&fields)
        .map(|f| prettyplease::unparse(&f))
        .map_err(|e| format!("the generated field table does not parse: {e}"))?;
    Ok(Rendered { fields, setters })
}

/// A `RequestField { .. }` literal, its items and properties nested (static promotion makes
/// the references `'static`).
fn field_literal(field: &Field) -> String {
    let items = field.items.as_ref().map_or("None".to_owned(), |item| {
        format!("Some(&{})", field_literal(item))
    });
    let properties: Vec<String> = field.properties.iter().map(field_literal).collect();
    format!(
        "RequestField {{ name: {:?}, wire_type: WireType::{}, values: &{:?}, description: {:?}, \
         server_default: {:?}, minimum: {:?}, maximum: {:?}, required: {}, items: {items}, \
         properties: &[{}] }}",
        field.name,
        pascal_case(&field.wire_type),
        field.values,
        field.description,
        field.server_default,
        field.minimum,
        field.maximum,
        field.required,
        properties.join(", "),
    )
}

/// A setter's documentation: the description, then what the document says about the values.
fn doc_lines(field: &Field) -> Vec<String> {
    let mut lines: Vec<String> = if field.description.is_empty() {
        vec![format!("Sets `{}`.", field.name)]
    } else {
        field
            .description
            .replace("```", "`")
            .lines()
            .map(|l| l.trim_end().to_owned())
            .collect()
    };
    lines.push(String::new());
    lines.push(format!(
        "`{}` on the wire ({}{}), generated from the API document.",
        field.name,
        field.wire_type,
        if field.required {
            ", required"
        } else {
            ", optional: unset means the server's default"
        }
    ));
    if !field.values.is_empty() {
        if matches!(field.wire_type.as_str(), "integer" | "number") {
            let values: Vec<String> = field.values.iter().map(|v| format!("`{v}`")).collect();
            lines.push(format!(
                "Values: {}; other values are refused before sending.",
                values.join(", ")
            ));
        } else {
            let values: Vec<String> = field.values.iter().map(|v| format!("`{v:?}`")).collect();
            lines.push(format!(
                "Values: {}; the typed enum or these strings are accepted.",
                values.join(", ")
            ));
        }
    }
    if let Some(range) = crate_range(field.minimum, field.maximum) {
        lines.push(format!(
            "Allowed: {range}; other values are refused before sending."
        ));
    }
    if field.items.is_some() || !field.properties.is_empty() {
        lines.push(
            "Nested values are checked against the document's types, enums and ranges before sending."
                .to_owned(),
        );
    }
    if let Some(default) = &field.server_default {
        lines.push(format!("Server default: `{default}`."));
    }
    lines
}

fn crate_range(minimum: Option<f64>, maximum: Option<f64>) -> Option<String> {
    match (minimum, maximum) {
        (Some(lo), Some(hi)) => Some(format!("{lo} to {hi}")),
        (Some(lo), None) => Some(format!("at least {lo}")),
        (None, Some(hi)) => Some(format!("at most {hi}")),
        (None, None) => None,
    }
}

/// The names of the types in the generated `mod types`.
fn generated_types(file: &syn::File) -> Vec<String> {
    types_module(file)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| match item {
                    syn::Item::Struct(s) => Some(s.ident.to_string()),
                    syn::Item::Enum(e) => Some(e.ident.to_string()),
                    syn::Item::Type(t) => Some(t.ident.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn types_module(file: &syn::File) -> Option<&Vec<syn::Item>> {
    file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    })
}

/// The body struct's fields: `(wire name, Rust ident, inner type, optional)`.
fn body_members(
    file: &syn::File,
    body: &str,
) -> Result<Vec<(String, String, syn::Type, bool)>, String> {
    let strukt = types_module(file)
        .into_iter()
        .flatten()
        .find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == body => Some(s),
            _ => None,
        })
        .ok_or_else(|| format!("progenitor generated no type {body}"))?;
    let mut out = Vec::new();
    for field in &strukt.fields {
        let Some(ident) = &field.ident else { continue };
        let ident = ident.to_string();
        let mut wire = ident.trim_start_matches("r#").to_owned();
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    wire = lit.value();
                } else if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
        }
        let (inner, optional) = match option_inner(&field.ty) {
            Some(inner) => (inner.clone(), true),
            None => (field.ty.clone(), false),
        };
        out.push((wire, ident, inner, optional));
    }
    Ok(out)
}

fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.first()? {
            syn::GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// Writes generated types (bare names inside `mod types`) as `crate::types::Name`.
struct Qualify<'a>(&'a [String]);

impl VisitMut for Qualify<'_> {
    fn visit_type_path_mut(&mut self, path: &mut syn::TypePath) {
        if path.qself.is_none()
            && path.path.leading_colon.is_none()
            && path.path.segments.len() == 1
            && self.0.contains(&path.path.segments[0].ident.to_string())
        {
            let name = path.path.segments[0].clone();
            *path = syn::parse_quote!(crate::types::#name);
        }
        syn::visit_mut::visit_type_path_mut(self, path);
    }
}
