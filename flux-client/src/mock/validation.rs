//! Request validation against the repaired OpenAPI document, with a JSON Schema validator.

use std::sync::OnceLock;

use jsonschema::{ValidationError, Validator, error::ValidationErrorKind};
use serde_json::Value;

/// The repaired document the client was generated from (so the mock validates against the
/// same schema as the generated types, even before the committed copy is refreshed).
const DOCUMENT: &str = crate::generated::REPAIRED_DOCUMENT;

/// JSON pointer to the generation request body's schema in [`DOCUMENT`].
const REQUEST_SCHEMA: &str =
    "/paths/~1v1~1images~1generations/post/requestBody/content/application~1json/schema";

/// A request field that failed validation: the top-level field (the `param` of the error body)
/// and a message naming it.
#[derive(Debug, PartialEq)]
pub(crate) struct Invalid {
    pub(crate) param: Option<String>,
    pub(crate) message: String,
}

/// The repaired document, parsed once.
pub(crate) fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(DOCUMENT).expect("the committed document is JSON"))
}

/// A validator for the schema at `pointer` inside the document, resolving its `$ref`s against the
/// whole document. Keywords the validator does not know (`x-server-default`, `description`) are
/// ignored, as JSON Schema requires.
fn validator_at(pointer: &str) -> Validator {
    let mut root = document().clone();
    root["$ref"] = Value::String(format!("#{pointer}"));
    jsonschema::draft202012::options()
        .build(&root)
        .expect("the committed document's schemas compile")
}

/// Validates a generation request body; the first violation, if any.
pub(crate) fn check_request(body: &Value) -> Result<(), Invalid> {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| validator_at(REQUEST_SCHEMA));
    match validator.iter_errors(body).next() {
        None => Ok(()),
        Some(error) => Err(describe(&error)),
    }
}

/// The error body's `param` (the top-level field at fault, if any) and a message naming the
/// field by its dotted path, such as `Invalid 'size': "5:4" is not one of "21:9", ...`.
fn describe(error: &ValidationError<'_>) -> Invalid {
    let field = error
        .instance_path()
        .segments()
        .next()
        .map(|s| s.to_string());
    let name = match &field {
        Some(_) => error
            .instance_path()
            .as_str()
            .trim_start_matches('/')
            .replace('/', "."),
        None => "body".to_owned(),
    };
    let message = match error.kind() {
        ValidationErrorKind::Required { property } => {
            let property = property.as_str().unwrap_or_default().to_owned();
            let message = format!("Missing required parameter: '{property}'.");
            // A missing top-level field is the field at fault.
            return Invalid {
                param: field.or(Some(property)),
                message,
            };
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|values| values.iter().map(Value::to_string).collect())
                .unwrap_or_default();
            format!(
                "Invalid '{name}': {} is not one of {}.",
                error.instance(),
                allowed.join(", ")
            )
        }
        _ => format!("Invalid '{name}': {error}."),
    };
    Invalid {
        param: field,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_minimal_request_is_valid() {
        assert_eq!(check_request(&json!({"model": "m", "prompt": "p"})), Ok(()));
    }

    #[test]
    fn server_default_extensions_are_ignored() {
        // `x-server-default` sits beside `type`; a validator that honoured unknown keywords
        // would reject or coerce here.
        let body = json!({"model": "m", "prompt": "p", "n": 2, "size": "1:1"});
        assert_eq!(check_request(&body), Ok(()));
    }

    #[test]
    fn violations_name_the_field() {
        let missing = check_request(&json!({"model": "m"})).unwrap_err();
        assert_eq!(missing.param.as_deref(), Some("prompt"));
        assert!(missing.message.contains("'prompt'"), "{}", missing.message);

        let bad_enum =
            check_request(&json!({"model": "m", "prompt": "p", "size": "5:4"})).unwrap_err();
        assert_eq!(bad_enum.param.as_deref(), Some("size"));
        // The message lists the document's ratios, whatever they are.
        let listed: Vec<String> = document()
            .pointer(&format!("{REQUEST_SCHEMA}/properties/size/enum"))
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .map(Value::to_string)
            .collect();
        assert_eq!(
            bad_enum.message,
            format!(
                "Invalid 'size': \"5:4\" is not one of {}.",
                listed.join(", ")
            )
        );

        let bad_type =
            check_request(&json!({"model": "m", "prompt": "p", "n": "two"})).unwrap_err();
        assert_eq!(bad_type.param.as_deref(), Some("n"));

        let not_object = check_request(&json!([1])).unwrap_err();
        assert_eq!(not_object.param, None);
    }
}
