//! The request body's fields as the API document declares them: generated at build time from
//! the repaired document (`build_tools::surface`), so a new field, enum value or range reaches
//! [`GenerateRequest`](crate::GenerateRequest)'s checks, the `flux` command's options and batch
//! lines by regeneration alone.
//!
//! ```
//! use flux_client::fields::{self, WireType};
//!
//! let n = fields::field("n").expect("the document declares n");
//! assert_eq!(n.wire_type, WireType::Integer);
//! assert_eq!(n.minimum, Some(1.0)); // "n is the number of images to generate"
//! assert!(n.check(&serde_json::json!(0)).is_err());
//!
//! let size = fields::field("size").unwrap();
//! assert!(size.values.contains(&"9:16"));
//! ```

use serde_json::Value;

/// The JSON type of a request field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireType {
    /// A string (an enum when [`RequestField::values`] is not empty).
    String,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A list.
    Array,
    /// An object.
    Object,
    /// Any JSON value: the document gives no single type.
    Any,
}

/// One property of the generation request body, as the document declares it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RequestField {
    /// The name on the wire (`image_prompt_strength`).
    pub name: &'static str,
    /// Its JSON type.
    pub wire_type: WireType,
    /// The enum members, empty when it is not an enum.
    pub values: &'static [&'static str],
    /// The document's description of it.
    pub description: &'static str,
    /// The server's default as JSON text (`"16:9"` with its quotes, `1`), when documented.
    pub server_default: Option<&'static str>,
    /// The inclusive lower bound.
    pub minimum: Option<f64>,
    /// The inclusive upper bound.
    pub maximum: Option<f64>,
    /// Whether every request must carry it.
    pub required: bool,
}

include!(concat!(env!("OUT_DIR"), "/request_fields.rs"));

/// The field called `name` on the wire.
pub fn field(name: &str) -> Option<&'static RequestField> {
    REQUEST_FIELDS.iter().find(|f| f.name == name)
}

impl RequestField {
    /// Checks a value against the document's `minimum` and `maximum`; the reason when it is
    /// outside them (a value of another type is left to deserialization).
    ///
    /// ```
    /// let strength = flux_client::fields::field("image_prompt_strength").unwrap();
    /// assert_eq!(strength.check(&serde_json::json!(0.5)), Ok(()));
    /// assert_eq!(
    ///     strength.check(&serde_json::json!(1.5)).unwrap_err(),
    ///     "is 1.5, expected a value from 0 to 1"
    /// );
    /// ```
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let Some(number) = value.as_f64() else {
            return Ok(());
        };
        let low = self.minimum.is_some_and(|min| number < min);
        let high = self.maximum.is_some_and(|max| number > max);
        if !(low || high) {
            return Ok(());
        }
        Err(match (self.minimum, self.maximum) {
            (Some(min), Some(max)) => format!("is {value}, expected a value from {min} to {max}"),
            (Some(min), None) => format!("is {value}, expected at least {min}"),
            (None, Some(max)) => format!("is {value}, expected at most {max}"),
            (None, None) => unreachable!("a bound was crossed"),
        })
    }

    /// The server's default for display: JSON text with a string's quotes removed (`16:9`).
    pub fn server_default_text(&self) -> Option<String> {
        let text = self.server_default?;
        Some(match serde_json::from_str::<Value>(text) {
            Ok(Value::String(s)) => s,
            _ => text.to_owned(),
        })
    }
}
