//! JSON pointers (RFC 6901), as used in fix reports and errors.

/// Appends one reference token to `base`, escaping `~` and `/`.
///
/// ```
/// assert_eq!(
///     build_tools::pointer::child("/paths", "/v1/images/generations"),
///     "/paths/~1v1~1images~1generations"
/// );
/// ```
pub fn child(base: &str, token: &str) -> String {
    format!("{base}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// How a pointer is shown to people: the root pointer (the empty string) is spelled out.
pub fn display(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(document root)"
    } else {
        pointer
    }
}

/// How a value on either side of a reported change is shown: JSON, or `(absent)`.
pub(crate) fn show_value(value: &Option<serde_json::Value>) -> String {
    match value {
        Some(value) => value.to_string(),
        None => "(absent)".to_owned(),
    }
}

/// Follows local `$ref`s (`#/components/schemas/X`) from `schema`: the schema they lead to, or
/// `None` when one does not resolve or the chain is longer than 16.
pub(crate) fn resolve_ref<'a>(
    doc: &'a serde_json::Value,
    mut schema: Option<&'a serde_json::Value>,
) -> Option<&'a serde_json::Value> {
    for _ in 0..16 {
        match schema?.get("$ref").and_then(serde_json::Value::as_str) {
            Some(target) => schema = doc.pointer(target.strip_prefix('#')?),
            None => return schema,
        }
    }
    None
}
