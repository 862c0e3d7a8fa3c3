//! The request surface: what the repaired document says about the generation request body, read
//! once at build time and emitted as Rust beside progenitor's output, so that every surface of
//! the crate follows the document by regeneration alone.
//!
//! [`read`] gives a [`Surface`]: the default base URL (the first `servers` URL) and, for every
//! property of the `create_image` request body, its wire name, JSON type, enum values,
//! description, server default, `minimum`/`maximum` and whether it is required. [`render`] pairs
//! it with the generated Rust types and writes two files that `flux-client` includes:
//!
//! * [`Rendered::fields`]: `DOCUMENT_BASE_URL` and `REQUEST_FIELDS`, a table of the properties
//!   (the client's range checks, the `flux` command's options and batch lines are built from it);
//! * [`Rendered::setters`]: one typed setter per body property on `GenerateRequest`, passing the
//!   value through to the generated body builder (`types::builder::CreateImageBody`).
//!
//! ```
//! let doc = serde_json::json!({
//!     "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
//!     "servers": [{"url": "https://api.example.com/"}],
//!     "paths": {"/v1/images/generations": {"post": {
//!         "operationId": "create_image",
//!         "requestBody": {"content": {"application/json": {"schema": {
//!             "type": "object", "required": ["prompt"],
//!             "properties": {
//!                 "prompt": {"type": "string"},
//!                 "n": {"type": "integer", "minimum": 1, "description": "How many."}
//!             }}}}},
//!         "responses": {"200": {"description": "ok"}}}}}
//! });
//! let surface = build_tools::surface::read(&doc).unwrap();
//! assert_eq!(surface.base_url, "https://api.example.com");
//! assert_eq!(surface.fields[0].name, "n");
//! assert_eq!(surface.fields[0].minimum, Some(1.0));
//! assert!(surface.fields[1].required);
//! ```

use std::fmt::Write as _;

use quote::ToTokens;
use serde_json::Value;
use syn::visit_mut::VisitMut;

use crate::compat::SERVER_DEFAULT;

/// The operation whose request body the hand-written layer builds (`GenerateRequest`).
pub const OPERATION_ID: &str = "create_image";

/// Body properties the layer sets itself, so no generated setter is emitted for them
/// (`FluxClient::generate(prompt)` takes the prompt).
pub const SET_BY_THE_LAYER: &[&str] = &["prompt"];

/// Methods `GenerateRequest` has of its own; a property with one of these names gets a setter
/// named `<name>_field` instead.
pub const LAYER_METHODS: &[&str] = &["body", "send", "fields", "client", "new"];

/// What the document says about the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Surface {
    /// The first `servers` URL, without a trailing `/`: the client's default base URL.
    pub base_url: String,
    /// The generated type of the request body (`CreateImageBody`).
    pub body_type: String,
    /// Every body property, in the document's (sorted) order.
    pub fields: Vec<Field>,
}

/// One property of the request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The name on the wire.
    pub name: String,
    /// The JSON type: `string`, `integer`, `number`, `boolean`, `array` or `object`.
    pub wire_type: String,
    /// The enum members, empty when the field is not an enum.
    pub values: Vec<String>,
    /// The description, trimmed (empty when there is none).
    pub description: String,
    /// The server's default (`x-server-default`, or a `default` the repair left), as JSON text.
    pub server_default: Option<String>,
    /// The inclusive lower bound.
    pub minimum: Option<f64>,
    /// The inclusive upper bound.
    pub maximum: Option<f64>,
    /// Whether the body must carry it.
    pub required: bool,
}

/// Reads the surface from a repaired document. Errors name the JSON pointer.
pub fn read(document: &Value) -> Result<Surface, String> {
    let base_url = base_url(document)?;
    let (at, operation) = find_operation(document)?;
    let schema_at = format!("{at}/requestBody/content/application~1json/schema");
    let schema = resolve(
        document,
        operation.pointer("/requestBody/content/application~1json/schema"),
    )
    .ok_or_else(|| {
        format!("{schema_at}: the {OPERATION_ID} operation has no JSON request body schema")
    })?;
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            format!("{schema_at}/properties: the request body declares no properties")
        })?;
    let mut fields = Vec::new();
    for (name, property) in properties {
        let at = crate::pointer::child(&format!("{schema_at}/properties"), name);
        let property = resolve(document, Some(property))
            .ok_or_else(|| format!("{at}: a `$ref` that does not resolve in this document"))?;
        let wire_type = match property.get("type").and_then(Value::as_str) {
            Some(t @ ("string" | "integer" | "number" | "boolean" | "array" | "object")) => t,
            Some(other) => return Err(format!("{at}/type: unsupported type {other:?}")),
            None if property.get("properties").is_some() => "object",
            None => return Err(format!("{at}: a request property needs a `type`")),
        };
        let values = property
            .get("enum")
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let server_default = property
            .get(SERVER_DEFAULT)
            .or_else(|| property.get("default"))
            .map(Value::to_string);
        fields.push(Field {
            name: name.clone(),
            wire_type: wire_type.to_owned(),
            values,
            description: property
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned(),
            server_default,
            minimum: property.get("minimum").and_then(Value::as_f64),
            maximum: property.get("maximum").and_then(Value::as_f64),
            required: required.contains(&name.as_str()),
        });
    }
    Ok(Surface {
        base_url,
        body_type: format!("{}Body", pascal_case(OPERATION_ID)),
        fields,
    })
}

fn base_url(document: &Value) -> Result<String, String> {
    let url = document
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .ok_or("/servers/0/url: the document names no server, and the client takes its default base URL from the first one")?;
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains('{') {
        return Err(format!(
            "/servers/0/url: {url:?} is not an absolute http(s) URL without variables; the client takes its default base URL from it"
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn find_operation(document: &Value) -> Result<(String, &Value), String> {
    for (path, item) in document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if operation.get("operationId").and_then(Value::as_str) == Some(OPERATION_ID) {
                let at = crate::pointer::child(&crate::pointer::child("/paths", path), method);
                return Ok((at, operation));
            }
        }
    }
    Err(format!(
        "/paths: no operation has operationId {OPERATION_ID:?}, which the client's GenerateRequest builds"
    ))
}

/// Follows local `$ref`s (`#/components/schemas/X`).
fn resolve<'a>(document: &'a Value, mut schema: Option<&'a Value>) -> Option<&'a Value> {
    for _ in 0..16 {
        match schema?.get("$ref").and_then(Value::as_str) {
            Some(target) => schema = document.pointer(target.strip_prefix('#')?),
            None => return schema,
        }
    }
    None
}

fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

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
        let _ = writeln!(
            fields,
            "RequestField {{ name: {:?}, wire_type: WireType::{}, values: &{:?}, description: {:?}, \
             server_default: {:?}, minimum: {:?}, maximum: {:?}, required: {} }},",
            field.name,
            pascal_case(&field.wire_type),
            field.values,
            field.description,
            field.server_default,
            field.minimum,
            field.maximum,
            field.required,
        );
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
        let values: Vec<String> = field.values.iter().map(|v| format!("`{v:?}`")).collect();
        lines.push(format!(
            "Values: {}; the typed enum or these strings are accepted.",
            values.join(", ")
        ));
    }
    if let Some(range) = crate_range(field.minimum, field.maximum) {
        lines.push(format!(
            "Allowed: {range}; other values are refused before sending."
        ));
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
