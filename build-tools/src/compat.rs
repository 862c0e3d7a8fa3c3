//! Named compatibility fixes: what progenitor 0.15 needs that the upstream document lacks.
//!
//! Each fix is a small function with the upstream defect it answers in its comment. A fix that
//! changes nothing is reported by [`crate::repair`] in [`crate::Repaired::unused`], so it can be
//! deleted once upstream mends the document.

use serde_json::{Map, Value, json};

pub use crate::prose::{PROSE_CONSTRAINTS, constraints_from_prose};
pub use crate::required_body::{REQUEST_BODY_REQUIRED, require_bodies_with_required_properties};
use crate::{Fix, RepairError, pointer, walk};

/// A named fix: changes the document in place and records every change.
pub type FixFn = fn(&mut Value, &mut Vec<Fix>) -> Result<(), RepairError>;

/// Every named fix, in the order they run (after the generic repairs, [`crate::GENERIC`]).
pub const FIXES: &[(&str, FixFn)] = &[
    (OPENAPI_VERSION, relabel_openapi_31_as_30),
    (OPERATION_ID, add_missing_operation_ids),
    (AUTHORIZATION_HEADER, remove_authorization_header_parameters),
    (ERROR_RESPONSES, declare_error_responses),
    (OUTPUT_FORMAT, offer_base64_output_format),
    (REQUEST_DEFAULTS, leave_request_defaults_to_the_server),
    (PROSE_CONSTRAINTS, constraints_from_prose),
    (
        REQUEST_BODY_REQUIRED,
        require_bodies_with_required_properties,
    ),
];

/// Name of [`relabel_openapi_31_as_30`] in reports.
pub const OPENAPI_VERSION: &str = "openapi-version";
/// Name of [`add_missing_operation_ids`] in reports.
pub const OPERATION_ID: &str = "operation-id";
/// Name of [`remove_authorization_header_parameters`] in reports.
pub const AUTHORIZATION_HEADER: &str = "authorization-header";
/// Name of [`declare_error_responses`] in reports.
pub const ERROR_RESPONSES: &str = "error-responses";
/// Name of [`offer_base64_output_format`] in reports.
pub const OUTPUT_FORMAT: &str = "output-format";
/// Name of [`leave_request_defaults_to_the_server`] in reports.
pub const REQUEST_DEFAULTS: &str = "request-defaults";

/// The extension that keeps a request default the repair took out of the schema.
pub const SERVER_DEFAULT: &str = "x-server-default";

/// The operation id this project's one endpoint must have: it names the generated method
/// (`create_image`) and the derived types (`CreateImageBody`, `CreateImageResponse`).
pub const KNOWN_OPERATION_IDS: &[(&str, &str, &str)] =
    &[("post", "/v1/images/generations", "create_image")];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Upstream labels the document `openapi: 3.1.0`, and progenitor 0.15 accepts only `3.0.x`.
/// The document uses nothing that 3.1 added, so relabelling it `3.0.3` is the whole downgrade;
/// that is checked first, because relabelling a document that does use a 3.1 construct would
/// make progenitor misread it silently.
pub fn relabel_openapi_31_as_30(doc: &mut Value, fixes: &mut Vec<Fix>) -> Result<(), RepairError> {
    let version = match doc.get("openapi") {
        Some(Value::String(v)) => v.clone(),
        Some(other) => {
            return Err(RepairError::new(
                "/openapi",
                format!("expected a version string, found {other}"),
            ));
        }
        None => {
            return Err(RepairError::new(
                "/openapi",
                "missing: not an OpenAPI 3 document",
            ));
        }
    };
    if version.starts_with("3.0.") {
        return Ok(());
    }
    if !version.starts_with("3.1.") {
        return Err(RepairError::new(
            "/openapi",
            format!(
                "version {version:?} is not supported: progenitor reads OpenAPI 3.0.x and this repair can relabel 3.1.x"
            ),
        ));
    }
    if let Some((at, construct)) = first_31_construct(doc)? {
        return Err(RepairError::new(
            at,
            format!(
                "uses {construct}, which exists only in OpenAPI 3.1, so the document cannot be relabelled 3.0.3 for progenitor; rewrite it in 3.0 terms"
            ),
        ));
    }
    let new = Value::String("3.0.3".to_owned());
    let old = doc
        .as_object_mut()
        .expect("repair checks the root is an object")
        .insert("openapi".to_owned(), new.clone());
    fixes.push(Fix {
        fix: OPENAPI_VERSION,
        pointer: "/openapi".to_owned(),
        old,
        new: Some(new),
    });
    Ok(())
}

/// Keywords of JSON Schema 2020-12 that OpenAPI 3.0's schema object does not have.
const SCHEMA_KEYWORDS_31: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$defs",
    "$vocabulary",
    "const",
    "prefixItems",
    "contains",
    "minContains",
    "maxContains",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedItems",
    "unevaluatedProperties",
    "patternProperties",
    "propertyNames",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
];

/// Finds the first construct only OpenAPI 3.1 has, with its pointer.
fn first_31_construct(doc: &mut Value) -> Result<Option<(String, String)>, RepairError> {
    for (at, what) in [
        ("/webhooks", "`webhooks`"),
        ("/jsonSchemaDialect", "`jsonSchemaDialect`"),
        ("/components/pathItems", "`components.pathItems`"),
        ("/info/summary", "`info.summary`"),
        ("/info/license/identifier", "`info.license.identifier`"),
    ] {
        if doc.pointer(at).is_some() {
            return Ok(Some((at.to_owned(), what.to_owned())));
        }
    }
    if doc.get("paths").is_none() {
        return Ok(Some((
            "/paths".to_owned(),
            "a document without `paths`".to_owned(),
        )));
    }
    let mut found = None;
    walk::keyword_objects(doc, "", &mut |object, at| {
        if found.is_some() {
            return Ok(());
        }
        let construct =
            if let Some(key) = SCHEMA_KEYWORDS_31.iter().find(|k| object.contains_key(**k)) {
                Some((pointer::child(at, key), format!("the `{key}` keyword")))
            } else if let Some(Value::Array(_)) = object.get("type") {
                Some((
                    pointer::child(at, "type"),
                    "a list of types (`type: [...]`)".to_owned(),
                ))
            } else if object.get("type").and_then(Value::as_str) == Some("null") {
                Some((pointer::child(at, "type"), "`type: \"null\"`".to_owned()))
            } else if let Some(Value::Array(_)) = object.get("examples") {
                Some((
                    pointer::child(at, "examples"),
                    "a schema `examples` list".to_owned(),
                ))
            } else {
                ["exclusiveMinimum", "exclusiveMaximum"]
                    .into_iter()
                    .find(|k| object.get(*k).is_some_and(Value::is_number))
                    .map(|k| (pointer::child(at, k), format!("a numeric `{k}`")))
            };
        found = construct;
        Ok(())
    })?;
    Ok(found)
}

/// Upstream gives its operation no `operationId`, and progenitor refuses an operation without
/// one. The id names the generated method and types, so it must be stable: the known endpoint
/// gets `create_image`, any other one an id derived from its method and path
/// (`GET /v1/images/{id}` gives `get_v1_images_by_id`).
pub fn add_missing_operation_ids(doc: &mut Value, fixes: &mut Vec<Fix>) -> Result<(), RepairError> {
    let mut taken: Vec<(String, String)> = Vec::new();
    let mut missing = Vec::new();
    for (at, method, path, operation) in operations(doc)? {
        match operation.get("operationId") {
            Some(Value::String(id)) => {
                if let Some((other, _)) = taken.iter().find(|(_, t)| t == id) {
                    return Err(RepairError::new(
                        pointer::child(&at, "operationId"),
                        format!("operationId {id:?} is also used at {other}"),
                    ));
                }
                taken.push((at, id.clone()));
            }
            Some(other) => {
                return Err(RepairError::new(
                    pointer::child(&at, "operationId"),
                    format!("expected a string, found {other}"),
                ));
            }
            None => missing.push((at, derive_operation_id(&method, &path))),
        }
    }
    for (at, id) in missing {
        if let Some((other, _)) = taken.iter().find(|(_, t)| *t == id) {
            return Err(RepairError::new(
                at,
                format!(
                    "the derived operationId {id:?} is already used at {other}; give this operation an operationId"
                ),
            ));
        }
        let new = Value::String(id.clone());
        doc.pointer_mut(&at)
            .and_then(Value::as_object_mut)
            .expect("operations() only lists objects")
            .insert("operationId".to_owned(), new.clone());
        fixes.push(Fix {
            fix: OPERATION_ID,
            pointer: pointer::child(&at, "operationId"),
            old: None,
            new: Some(new),
        });
        taken.push((at, id));
    }
    Ok(())
}

/// The id for an operation without one: the known table first, else `method_path_words`.
pub fn derive_operation_id(method: &str, path: &str) -> String {
    if let Some((_, _, id)) = KNOWN_OPERATION_IDS
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
    {
        return (*id).to_owned();
    }
    let mut words = vec![method.to_ascii_lowercase()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let (prefix, name) = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => ("by_", param),
            None => ("", segment),
        };
        let word: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let word = word
            .split('_')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        if !word.is_empty() {
            words.push(format!("{prefix}{word}"));
        }
    }
    words.join("_")
}

/// Upstream declares `Authorization` as a required header parameter of every operation, so
/// progenitor would make the key an argument of every call. The client sets it once, as a
/// sensitive default header, so the parameter is removed from operations and path items.
pub fn remove_authorization_header_parameters(
    doc: &mut Value,
    fixes: &mut Vec<Fix>,
) -> Result<(), RepairError> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let item_at = pointer::child("/paths", path);
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        remove_authorization(item, &item_at, fixes);
        for method in METHODS {
            if let Some(Value::Object(operation)) = item.get_mut(*method) {
                remove_authorization(operation, &pointer::child(&item_at, method), fixes);
            }
        }
    }
    Ok(())
}

fn remove_authorization(holder: &mut Map<String, Value>, at: &str, fixes: &mut Vec<Fix>) {
    let Some(Value::Array(parameters)) = holder.get_mut("parameters") else {
        return;
    };
    let is_authorization = |p: &Value| {
        p.get("in").and_then(Value::as_str) == Some("header")
            && p.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
    };
    // Walk backwards so the reported indexes are those of the document as it was.
    for index in (0..parameters.len()).rev() {
        if is_authorization(&parameters[index]) {
            let old = parameters.remove(index);
            fixes.push(Fix {
                fix: AUTHORIZATION_HEADER,
                pointer: pointer::child(&pointer::child(at, "parameters"), &index.to_string()),
                old: Some(old),
                new: None,
            });
        }
    }
    if parameters.is_empty() {
        holder.remove("parameters");
    }
}

/// Name of the error body schema this repair declares.
pub const ERROR_BODY: &str = "ErrorBody";
/// Name of the schema of the body's `error` member.
pub const ERROR_DETAIL: &str = "ErrorDetail";

/// The documented error body: `{"error": {"code": 401, "message": "...", "type": "...",
/// "param": ...}}`. `param` is any JSON value (seen as `""` and `null`).
fn error_schemas() -> [(&'static str, Value); 2] {
    [
        (
            ERROR_BODY,
            json!({
                "description": "The error body OneRouter documents for failed requests.",
                "type": "object",
                "properties": {"error": {"$ref": format!("#/components/schemas/{ERROR_DETAIL}")}},
                "required": ["error"]
            }),
        ),
        (
            ERROR_DETAIL,
            json!({
                "description": "What went wrong, as the server reports it.",
                "type": "object",
                "properties": {
                    "code": {"type": "integer", "description": "The HTTP status the error stands for."},
                    "message": {"type": "string", "description": "A human-readable explanation."},
                    "type": {"type": "string", "description": "The error's category, such as `content_policy_violation`."},
                    "param": {"description": "The request field at fault, when the server names one."}
                },
                "required": ["code", "message"]
            }),
        ),
    ]
}

/// Upstream declares no error responses, so progenitor returns every failure as an
/// `UnexpectedResponse` with the body unread. Each operation that declares no error response
/// gets `4XX` and `5XX` answers with the documented error body. Both point at one schema:
/// progenitor panics when an operation has more than one error type.
pub fn declare_error_responses(doc: &mut Value, fixes: &mut Vec<Fix>) -> Result<(), RepairError> {
    let mut needing = Vec::new();
    for (at, _, _, operation) in operations(doc)? {
        let declares_errors = operation
            .get("responses")
            .and_then(Value::as_object)
            .is_some_and(|r| r.keys().any(|code| is_error_status(code)));
        if !declares_errors {
            needing.push(at);
        }
    }
    if needing.is_empty() {
        return Ok(());
    }
    for (name, schema) in error_schemas() {
        let at = pointer::child("/components/schemas", name);
        match doc.pointer(&at) {
            Some(existing) if *existing == schema => {}
            Some(_) => {
                return Err(RepairError::new(
                    at,
                    "the document already has a schema of this name that is not the documented error body; rename it",
                ));
            }
            None => {
                let root = doc
                    .as_object_mut()
                    .expect("repair checks the root is an object");
                let components = root.entry("components").or_insert_with(|| json!({}));
                let schemas = components
                    .as_object_mut()
                    .ok_or_else(|| RepairError::new("/components", "expected an object"))?
                    .entry("schemas")
                    .or_insert_with(|| json!({}));
                schemas
                    .as_object_mut()
                    .ok_or_else(|| RepairError::new("/components/schemas", "expected an object"))?
                    .insert(name.to_owned(), schema.clone());
                fixes.push(Fix {
                    fix: ERROR_RESPONSES,
                    pointer: at,
                    old: None,
                    new: Some(schema),
                });
            }
        }
    }
    let response = json!({
        "description": "The documented error body; the HTTP status equals `error.code`.",
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{ERROR_BODY}")}}}
    });
    for at in needing {
        let responses_at = pointer::child(&at, "responses");
        let responses = doc
            .pointer_mut(&at)
            .and_then(Value::as_object_mut)
            .expect("operations() only lists objects")
            .entry("responses")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| RepairError::new(&responses_at, "expected an object"))?;
        for range in ["4XX", "5XX"] {
            responses.insert(range.to_owned(), response.clone());
            fixes.push(Fix {
                fix: ERROR_RESPONSES,
                pointer: pointer::child(&responses_at, range),
                old: None,
                new: Some(response.clone()),
            });
        }
    }
    Ok(())
}

fn is_error_status(code: &str) -> bool {
    code == "default" || code.starts_with('4') || code.starts_with('5')
}

/// Upstream's `output_format` enum lists only `url`, yet its response carries `b64_json` and
/// the description calls `url` merely the default: like every OpenAI-images-compatible API,
/// the alternative is base64 in `b64_json`. Without the value the typed client could never ask
/// for it, so `b64_json` is added to a request body's `output_format` enum that holds only
/// `url` when the operation's success response has a `b64_json` field.
pub fn offer_base64_output_format(
    doc: &mut Value,
    fixes: &mut Vec<Fix>,
) -> Result<(), RepairError> {
    let mut targets = Vec::new();
    for (at, _, _, operation) in operations(doc)? {
        let answers_base64 = operation
            .get("responses")
            .and_then(Value::as_object)
            .is_some_and(|r| {
                r.iter().filter(|(code, _)| code.starts_with('2')).any(|(_, response)| {
                    response.pointer("/content/application~1json/schema/properties/data/items/properties/b64_json").is_some()
                })
            });
        if !answers_base64 {
            continue;
        }
        let at = format!(
            "{at}/requestBody/content/application~1json/schema/properties/output_format/enum"
        );
        if doc.pointer(&at) == Some(&json!(["url"])) {
            targets.push(at);
        }
    }
    for at in targets {
        let new = json!(["url", "b64_json"]);
        let old = doc
            .pointer_mut(&at)
            .map(|v| std::mem::replace(v, new.clone()));
        fixes.push(Fix {
            fix: OUTPUT_FORMAT,
            pointer: at,
            old,
            new: Some(new),
        });
    }
    Ok(())
}

/// progenitor turns every schema `default` into a plain field that is always serialized, so a
/// request built with only a prompt would also send `size`, `n`, `safety_tolerance`,
/// `output_format`, ... as the document's authors last wrote them, pinning today's defaults
/// into every client and overriding the server's own. Request-body defaults are therefore moved
/// to `x-server-default` (kept for documentation and `build-tools diff`): the fields become
/// optional and are sent only when the caller sets them.
pub fn leave_request_defaults_to_the_server(
    doc: &mut Value,
    fixes: &mut Vec<Fix>,
) -> Result<(), RepairError> {
    let mut schemas = Vec::new();
    for (at, _, _, operation) in operations(doc)? {
        let Some(content) = operation
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
        else {
            continue;
        };
        let content_at = pointer::child(&pointer::child(&at, "requestBody"), "content");
        for (media, body) in content {
            if body.get("schema").is_some() {
                schemas.push(pointer::child(
                    &pointer::child(&content_at, media),
                    "schema",
                ));
            }
        }
    }
    let mut seen = Vec::new();
    while let Some(at) = schemas.pop() {
        if seen.contains(&at) {
            continue;
        }
        seen.push(at.clone());
        let Some(schema) = doc.pointer_mut(&at).and_then(Value::as_object_mut) else {
            continue;
        };
        if let Some(default) = schema.remove("default") {
            schema.insert(SERVER_DEFAULT.to_owned(), default.clone());
            fixes.push(Fix {
                fix: REQUEST_DEFAULTS,
                pointer: pointer::child(&at, "default"),
                old: Some(default),
                new: None,
            });
        }
        if let Some(Value::String(target)) = schema.get("$ref")
            && let Some(local) = target.strip_prefix('#')
        {
            schemas.push(local.to_owned());
        }
        for (key, child) in schema.iter() {
            match (key.as_str(), child) {
                ("properties", Value::Object(properties)) => schemas.extend(
                    properties
                        .keys()
                        .map(|name| pointer::child(&pointer::child(&at, key), name)),
                ),
                ("items" | "additionalProperties" | "not", Value::Object(_)) => {
                    schemas.push(pointer::child(&at, key));
                }
                ("allOf" | "anyOf" | "oneOf", Value::Array(items)) => schemas.extend(
                    (0..items.len())
                        .map(|i| pointer::child(&pointer::child(&at, key), &i.to_string())),
                ),
                _ => {}
            }
        }
    }
    // Report in document order, whatever order the walk found them in.
    let first = fixes
        .iter()
        .position(|f| f.fix == REQUEST_DEFAULTS)
        .unwrap_or(fixes.len());
    fixes[first..].sort_by(|a, b| a.pointer.cmp(&b.pointer));
    Ok(())
}

/// Every operation: `(pointer, method, path, operation)`, in path then method order.
fn operations(doc: &Value) -> Result<Vec<(String, String, String, Value)>, RepairError> {
    let Some(paths) = doc.get("paths") else {
        return Ok(Vec::new());
    };
    let paths = paths
        .as_object()
        .ok_or_else(|| RepairError::new("/paths", "expected an object of path items"))?;
    let mut out = Vec::new();
    for (path, item) in paths {
        let item_at = pointer::child("/paths", path);
        let item = item
            .as_object()
            .ok_or_else(|| RepairError::new(&item_at, "expected a path item object"))?;
        for method in METHODS {
            match item.get(*method) {
                Some(op @ Value::Object(_)) => out.push((
                    pointer::child(&item_at, method),
                    (*method).to_owned(),
                    path.clone(),
                    op.clone(),
                )),
                Some(_) => {
                    return Err(RepairError::new(
                        pointer::child(&item_at, method),
                        "expected an operation object",
                    ));
                }
                None => {}
            }
        }
    }
    Ok(out)
}
