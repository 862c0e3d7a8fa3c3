//! The request surface: what the repaired document says about the generation request body, read
//! once at build time and emitted as Rust beside progenitor's output, so that every surface of
//! the crate follows the document by regeneration alone.
//!
//! [`read`] gives a [`Surface`]: the default base URL (the first `servers` URL) and, for every
//! property of the `create_image` request body, its wire name, JSON type, enum values,
//! description, server default, `minimum`/`maximum`, whether it is required and, for arrays and
//! objects, the same of their items and properties (so nested values get the same checks). [`render`] pairs
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

use serde_json::Value;

use crate::compat::SERVER_DEFAULT;

mod render;

pub use render::{Rendered, render};

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

/// One property of the request body (or, nested, of an object in it, or an array's items).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The name on the wire.
    pub name: String,
    /// The JSON type: `string`, `integer`, `number`, `boolean`, `array`, `object`, or `any`
    /// when the schema does not give one.
    pub wire_type: String,
    /// The enum members, empty when the field is not an enum: a string member as itself, a
    /// number member (an integer enum's) as its JSON text.
    pub values: Vec<String>,
    /// The description, trimmed (empty when there is none).
    pub description: String,
    /// The server's default (`x-server-default`, or a `default` the repair left), as JSON text.
    pub server_default: Option<String>,
    /// The inclusive lower bound.
    pub minimum: Option<f64>,
    /// The inclusive upper bound.
    pub maximum: Option<f64>,
    /// Whether the body (or the object it is a property of) must carry it.
    pub required: bool,
    /// For an array: what each item is.
    pub items: Option<Box<Field>>,
    /// For an object: its declared properties, in the document's (sorted) order.
    pub properties: Vec<Field>,
}

/// Reads the surface from a repaired document. Errors name the JSON pointer.
pub fn read(document: &Value) -> Result<Surface, String> {
    let base_url = base_url(document)?;
    let (at, operation) = find_operation(document)?;
    let schema_at = format!("{at}/requestBody/content/application~1json/schema");
    let schema = crate::pointer::resolve_ref(
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
        let required = required.contains(&name.as_str());
        fields.push(read_field(document, name, property, &at, required, 0)?);
    }
    Ok(Surface {
        base_url,
        body_type: format!("{}Body", pascal_case(OPERATION_ID)),
        fields,
    })
}

/// How deep nested objects and arrays are described; below that (a recursive `$ref`, say) a
/// value is `any`, checked only by deserialization.
const NESTING: usize = 6;

/// One property (or array item, `name` empty), with what its items or properties are.
fn read_field(
    document: &Value,
    name: &str,
    property: &Value,
    at: &str,
    required: bool,
    depth: usize,
) -> Result<Field, String> {
    let property = crate::pointer::resolve_ref(document, Some(property))
        .ok_or_else(|| format!("{at}: a `$ref` that does not resolve in this document"))?;
    // A schema without one JSON type (`{}`, `oneOf`, ...) is `any`: its setter takes the
    // generated type, its option JSON.
    let wire_type = match property.get("type").and_then(Value::as_str) {
        Some(t @ ("string" | "integer" | "number" | "boolean" | "array" | "object")) => t,
        None if property.get("properties").is_some() => "object",
        _ => "any",
    };
    // Members as text: a string as itself, a number (an integer enum's) as its JSON.
    let values = property
        .get("enum")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(|member| match member {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let server_default = property
        .get(SERVER_DEFAULT)
        .or_else(|| property.get("default"))
        .map(Value::to_string);
    let mut items = None;
    let mut properties = Vec::new();
    if depth < NESTING {
        if wire_type == "array"
            && let Some(item) = property.get("items")
        {
            let item = read_field(document, "", item, &format!("{at}/items"), false, depth + 1)?;
            items = Some(Box::new(item));
        }
        let required: Vec<&str> = property
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (member, schema) in property
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let member_at = crate::pointer::child(&format!("{at}/properties"), member);
            let required = required.contains(&member.as_str());
            properties.push(read_field(
                document,
                member,
                schema,
                &member_at,
                required,
                depth + 1,
            )?);
        }
    }
    Ok(Field {
        name: name.to_owned(),
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
        required,
        items,
        properties,
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

pub(crate) fn pascal_case(snake: &str) -> String {
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
