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
