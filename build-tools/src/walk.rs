//! A walk over every object of an OpenAPI document in which keys are keywords (schemas,
//! operations, parameters...), skipping maps whose keys are names (`properties`, `paths`,
//! `responses`...) as keyword holders, and never descending into literal data (`example`,
//! `default`, `const`, `enum`, `x-` extensions), so a property called `enum` or an example that
//! happens to contain `"enum"` is never mistaken for the keyword.

use serde_json::{Map, Value};

use crate::{RepairError, pointer};

/// The operations a path item may hold, by HTTP method, in the order OpenAPI lists them.
pub(crate) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What [`keyword_objects`] calls on each keyword object, with its pointer.
pub(crate) type Visitor<'a> =
    dyn FnMut(&mut Map<String, Value>, &str) -> Result<(), RepairError> + 'a;

/// Keys whose object value maps names to keyword objects.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "schemas",
    "paths",
    "responses",
    "content",
    "headers",
    "parameters",
    "requestBodies",
    "securitySchemes",
    "links",
    "callbacks",
    "encoding",
    "variables",
    "webhooks",
    "pathItems",
    "examples",
];

/// Keys whose value is data, not structure.
const LITERALS: &[&str] = &[
    "example",
    "default",
    "const",
    "enum",
    "value",
    "x-server-default",
];

/// Calls `visit` on every keyword object, parents before children, in key order.
pub(crate) fn keyword_objects(
    value: &mut Value,
    at: &str,
    visit: &mut Visitor<'_>,
) -> Result<(), RepairError> {
    walk(value, at, false, visit)
}

fn walk(
    value: &mut Value,
    at: &str,
    name_map: bool,
    visit: &mut Visitor<'_>,
) -> Result<(), RepairError> {
    match value {
        Value::Object(map) if name_map => {
            for (name, child) in map.iter_mut() {
                walk(child, &pointer::child(at, name), false, visit)?;
            }
        }
        Value::Object(map) => {
            visit(map, at)?;
            for (key, child) in map.iter_mut() {
                if key.starts_with("x-") || LITERALS.contains(&key.as_str()) {
                    continue;
                }
                // JSON Schema 2020-12 `examples` is a list of literals, not structure.
                if key == "examples" && child.is_array() {
                    continue;
                }
                let names = child.is_object() && NAME_MAPS.contains(&key.as_str());
                walk(child, &pointer::child(at, key), names, visit)?;
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                walk(child, &pointer::child(at, &index.to_string()), false, visit)?;
            }
        }
        _ => {}
    }
    Ok(())
}
