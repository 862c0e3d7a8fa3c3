//! Why progenitor 0.15 cannot generate an operation: each check mirrors a place where
//! progenitor-impl's `method.rs` returns an error, panics (`todo!`, `assert!`) or writes code
//! that does not compile, and says which construct, where in the operation.

use serde_json::{Map, Value};

use crate::names::{Case, collision, sanitize};

/// Request body media types progenitor 0.15 can send (`BodyContentType` in progenitor-impl).
const SENDABLE: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
    "text/x-markdown",
];

/// Why progenitor 0.15 cannot generate `operation`, or `None` when it can. Each reason names
/// the construct and where it sits, relative to the operation.
pub(super) fn why_not_generated(
    doc: &Value,
    path: &str,
    item: &Map<String, Value>,
    operation: &Value,
) -> Option<String> {
    let shared = item.get("parameters").and_then(Value::as_array);
    let own = operation.get("parameters").and_then(Value::as_array);
    let parameters: Vec<&Value> = shared
        .into_iter()
        .flatten()
        .chain(own.into_iter().flatten())
        .map(|p| resolve(doc, p))
        .collect();
    for parameter in &parameters {
        if let Some(reason) = parameter_problem(parameter) {
            return Some(reason);
        }
    }
    // progenitor makes one builder method per parameter, named in snake case, and writes
    // two methods of one name for `X-Trace` and `x_trace`.
    let names: Vec<&str> = parameters
        .iter()
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .collect();
    if let Some((a, b)) = collision(&names, |name| sanitize(name, Case::Snake)) {
        return Some(format!(
            "its parameters `{a}` and `{b}` would both be the Rust method `{}`",
            sanitize(a, Case::Snake)
        ));
    }
    // progenitor panics (`missing path name mapping`) on a path variable nobody declares.
    for name in path_variables(path) {
        let declared = parameters.iter().any(|p| {
            p.get("in").and_then(Value::as_str) == Some("path")
                && p.get("name").and_then(Value::as_str) == Some(name)
        });
        if !declared {
            return Some(format!(
                "its path has `{{{name}}}` but no path parameter `{name}` is declared, so \
                 progenitor 0.15 cannot fill it in"
            ));
        }
    }
    if let Some(body) = operation.get("requestBody")
        && let Some(reason) = body_problem(doc, resolve(doc, body))
    {
        return Some(reason);
    }
    if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
        return responses_problem(doc, responses);
    }
    None
}

/// The `{name}` variables of a path template.
fn path_variables(path: &str) -> impl Iterator<Item = &str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

fn parameter_problem(parameter: &Value) -> Option<String> {
    let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
    let location = parameter.get("in").and_then(Value::as_str).unwrap_or("?");
    if location == "cookie" {
        return Some(format!(
            "its cookie parameter `{name}`: progenitor 0.15 does not support cookie parameters"
        ));
    }
    let default_style = match location {
        "query" => "form",
        _ => "simple",
    };
    let style = parameter
        .get("style")
        .and_then(Value::as_str)
        .unwrap_or(default_style);
    if style != default_style {
        return Some(format!(
            "its {location} parameter `{name}` has style `{style}`: progenitor 0.15 supports \
             only style `{default_style}` there"
        ));
    }
    if parameter.get("schema").is_none() {
        return Some(format!(
            "its {location} parameter `{name}` is described by `content`, not `schema`: \
             progenitor 0.15 needs a schema"
        ));
    }
    None
}

fn body_problem(doc: &Value, body: &Value) -> Option<String> {
    let content = body.get("content").and_then(Value::as_object)?;
    if content.len() > 1 {
        let types: Vec<&str> = content.keys().map(String::as_str).collect();
        return Some(format!(
            "its request body offers {} media types ({}): progenitor 0.15 generates a body of \
             one media type only",
            types.len(),
            types.join(", ")
        ));
    }
    let (media, media_type) = content.iter().next()?;
    let essence = media.split(';').next().unwrap_or_default().trim();
    if !SENDABLE.contains(&essence) {
        return Some(format!(
            "its request body is {media}: progenitor 0.15 can send only {}",
            SENDABLE.join(", ")
        ));
    }
    let Some(schema) = media_type.get("schema") else {
        return Some(format!(
            "its {media} request body has no schema: progenitor 0.15 needs one"
        ));
    };
    if media_type
        .get("encoding")
        .and_then(Value::as_object)
        .is_some_and(|e| !e.is_empty())
    {
        return Some(format!(
            "its {media} request body has an `encoding`: progenitor 0.15 does not support one"
        ));
    }
    let schema = resolve(doc, schema);
    let plain_string = |format: Option<&str>| {
        schema.get("type").and_then(Value::as_str) == Some("string")
            && schema.get("format").and_then(Value::as_str) == format
            && ![
                "nullable",
                "default",
                "pattern",
                "enum",
                "minLength",
                "maxLength",
            ]
            .iter()
            .any(|k| schema.get(*k).is_some_and(|v| *v != Value::Bool(false)))
    };
    match essence {
        "application/octet-stream" if !plain_string(Some("binary")) => Some(format!(
            "its {media} request body's schema is not `{{\"type\": \"string\", \"format\": \
             \"binary\"}}`, the only one progenitor 0.15 accepts for raw bytes"
        )),
        "text/plain" | "text/x-markdown" if !plain_string(None) => Some(format!(
            "its {media} request body's schema is not a plain `{{\"type\": \"string\"}}`, the \
             only one progenitor 0.15 accepts for text"
        )),
        _ => None,
    }
}

/// progenitor gives an operation one success type and one error type, and panics
/// (`extract_responses`) when the JSON responses of either group have different schemas; a
/// JSON response without a schema is a `todo!` in progenitor.
fn responses_problem(doc: &Value, responses: &Map<String, Value>) -> Option<String> {
    for (group, in_group) in [
        ("success", is_success as fn(&str) -> bool),
        ("error", crate::compat::is_error_status as fn(&str) -> bool),
    ] {
        let mut first: Option<(&String, Body)> = None;
        for (code, response) in responses.iter().filter(|(code, _)| in_group(code)) {
            let content = resolve(doc, response)
                .get("content")
                .and_then(Value::as_object);
            let json = content.and_then(|c| {
                c.iter()
                    .find(|(media, _)| {
                        *media == "application/json" || media.starts_with("application/json;")
                    })
                    .map(|(_, m)| m)
            });
            let body = match json {
                Some(json) => match json.get("schema") {
                    Some(schema) => Body::Json(schema),
                    None => {
                        return Some(format!(
                            "its {code} response is application/json without a schema: \
                             progenitor 0.15 needs one"
                        ));
                    }
                },
                None if content.is_some_and(|c| !c.is_empty()) => Body::Raw,
                None => Body::Empty,
            };
            match first {
                None => first = Some((code, body)),
                Some((first_code, ref first_body)) if *first_body != body => {
                    return Some(format!(
                        "its {group} responses {first_code} ({}) and {code} ({}) have different \
                         bodies, and progenitor 0.15 allows one {group} type per operation (give \
                         them one schema, a shared `$ref`)",
                        first_body.describe(),
                        body.describe()
                    ));
                }
                Some(_) => {}
            }
        }
    }
    None
}

/// What progenitor makes of a response: a typed JSON body, a byte stream, or nothing.
#[derive(PartialEq)]
enum Body<'v> {
    Json(&'v Value),
    Raw,
    Empty,
}

impl Body<'_> {
    fn describe(&self) -> String {
        match self {
            Body::Json(schema) => match schema.get("$ref").and_then(Value::as_str) {
                Some(target) => format!("JSON {target}"),
                None => "JSON".to_owned(),
            },
            Body::Raw => "not JSON".to_owned(),
            Body::Empty => "no body".to_owned(),
        }
    }
}

fn is_success(code: &str) -> bool {
    code == "default" || code == "101" || code.starts_with('2')
}

/// Follows local `$ref`s (`#/components/parameters/Id`); an unresolvable one reads as itself.
fn resolve<'v>(doc: &'v Value, mut value: &'v Value) -> &'v Value {
    for _ in 0..32 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p))
        {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}
