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
//!
//! [`RequestField::check`] is the one validation of a request's values: the typed setters of
//! [`GenerateRequest`](crate::GenerateRequest) and its JSON form
//! ([`FluxClient::generate_json`](crate::FluxClient::generate_json), batch lines) both pass
//! every value through it, nested arrays and objects included.

use std::fmt;

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
    /// Whether every request (or, nested, every object it is a property of) must carry it.
    pub required: bool,
    /// For an array: what each item is (its `name` is empty).
    pub items: Option<&'static RequestField>,
    /// For an object: its declared properties.
    pub properties: &'static [RequestField],
}

/// A value the document's declaration refuses: where (a JSON pointer into the request body,
/// such as `/adapters/0/weight`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// The JSON pointer of the refused value (`/n` for a top-level field).
    pub pointer: String,
    /// Why it was refused (`is 0, expected at least 1`).
    pub reason: String,
}

impl fmt::Display for Refusal {
    /// The reason, preceded by the pointer when the value is nested inside the field
    /// (`at /adapters/0/weight is 3, ...`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.rfind('/').is_some_and(|last| last > 0) {
            write!(f, "at {} {}", self.pointer, self.reason)
        } else {
            f.write_str(&self.reason)
        }
    }
}

include!(concat!(env!("OUT_DIR"), "/request_fields.rs"));

impl WireType {
    /// Whether a JSON value is of this type (an integer is a number too, but `1.5` is not an
    /// integer).
    fn admits(self, value: &Value) -> bool {
        match self {
            Self::String => value.is_string(),
            Self::Integer => value.is_i64() || value.is_u64(),
            Self::Number => value.is_number(),
            Self::Boolean => value.is_boolean(),
            Self::Array => value.is_array(),
            Self::Object => value.is_object(),
            Self::Any => true,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Self::String => "a string",
            Self::Integer => "an integer",
            Self::Number => "a number",
            Self::Boolean => "true or false",
            Self::Array => "a list",
            Self::Object => "an object",
            Self::Any => "a JSON value",
        }
    }
}

/// A value as an error shows it: its JSON, cut short when long.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// `parent` extended by one JSON pointer segment (`~` and `/` escaped, RFC 6901).
/// Where a checked value sits, rendered as a JSON pointer only when it is refused: the checks
/// of a valid request allocate nothing.
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Member(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Root => Ok(()),
            At::Member(parent, name) => {
                write!(f, "{parent}/{}", name.replace('~', "~0").replace('/', "~1"))
            }
            At::Index(parent, index) => write!(f, "{parent}/{index}"),
        }
    }
}

/// The field called `name` on the wire.
#[must_use]
pub fn field(name: &str) -> Option<&'static RequestField> {
    REQUEST_FIELDS.iter().find(|f| f.name == name)
}

impl RequestField {
    /// Checks a value against what the document declares: its JSON type, its enum members,
    /// its `minimum` and `maximum`, and the same for every array item and object property
    /// inside it (a required property that is missing is refused too). `null` stands for
    /// "unset" in an optional field. The refusal names the JSON pointer of the value at fault.
    ///
    /// ```
    /// let strength = flux_client::fields::field("image_prompt_strength").unwrap();
    /// assert_eq!(strength.check(&serde_json::json!(0.5)), Ok(()));
    /// let refusal = strength.check(&serde_json::json!(1.5)).unwrap_err();
    /// assert_eq!(refusal.pointer, "/image_prompt_strength");
    /// assert_eq!(refusal.reason, "is 1.5, expected a value from 0 to 1");
    ///
    /// let size = flux_client::fields::field("size").unwrap();
    /// let refusal = size.check(&serde_json::json!("16/9")).unwrap_err();
    /// assert!(refusal.reason.starts_with(r#"is "16/9", expected one of "#), "{refusal}");
    /// assert!(refusal.reason.contains("9:16"), "{refusal}");
    /// ```
    ///
    /// # Errors
    ///
    /// A [`Refusal`] naming the JSON pointer and the reason when `value` is of another type,
    /// outside the document's range, or not one of its enum members.
    pub fn check(&self, value: &Value) -> Result<(), Refusal> {
        self.check_at(value, &At::Member(&At::Root, self.name))
    }

    fn check_at(&self, value: &Value, at: &At<'_>) -> Result<(), Refusal> {
        let refuse = |reason: String| {
            Err(Refusal {
                pointer: at.to_string(),
                reason,
            })
        };
        if value.is_null() && !self.required {
            return Ok(());
        }
        if !self.wire_type.admits(value) {
            return refuse(format!(
                "is {}, expected {}",
                shown(value),
                self.wire_type.expected()
            ));
        }
        if !self.values.is_empty() && !self.is_member(value) {
            return refuse(format!(
                "is {}, expected one of {}",
                shown(value),
                self.values.join(", ")
            ));
        }
        if let Some(number) = value.as_f64() {
            let low = self.minimum.is_some_and(|min| number < min);
            let high = self.maximum.is_some_and(|max| number > max);
            if low || high {
                let range = match (self.minimum, self.maximum) {
                    (Some(min), Some(max)) => format!("a value from {min} to {max}"),
                    (Some(min), None) => format!("at least {min}"),
                    (None, Some(max)) => format!("at most {max}"),
                    (None, None) => String::new(),
                };
                return refuse(format!("is {value}, expected {range}"));
            }
        }
        if let (Some(item), Value::Array(list)) = (self.items, value) {
            for (index, element) in list.iter().enumerate() {
                item.check_at(element, &At::Index(at, index))?;
            }
        }
        if let Value::Object(object) = value {
            for property in self.properties {
                let at = At::Member(at, property.name);
                match object.get(property.name) {
                    Some(member) => property.check_at(member, &at)?,
                    None if property.required => {
                        return Err(Refusal {
                            pointer: at.to_string(),
                            reason: "is missing".to_owned(),
                        });
                    }
                    None => {}
                }
            }
        }
        Ok(())
    }

    /// Whether `value` is one of [`values`](Self::values): a string as itself, a number by
    /// its value (`16` and `16.0` alike).
    fn is_member(&self, value: &Value) -> bool {
        match value {
            Value::String(text) => self.values.contains(&text.as_str()),
            Value::Number(number) => self.values.iter().any(|member| {
                member.parse::<f64>().ok() == number.as_f64() && number.as_f64().is_some()
            }),
            _ => false,
        }
    }

    /// A member of [`values`](Self::values) as it goes on the wire: a number for an integer or
    /// number enum, a string otherwise.
    ///
    /// ```
    /// let size = flux_client::fields::field("size").unwrap();
    /// assert_eq!(size.wire_value("9:16"), serde_json::json!("9:16"));
    /// ```
    #[must_use]
    pub fn wire_value(&self, member: &str) -> Value {
        match self.wire_type {
            WireType::Integer | WireType::Number => {
                serde_json::from_str(member).unwrap_or_else(|_| Value::from(member))
            }
            _ => Value::from(member),
        }
    }

    /// The server's default for display: JSON text with a string's quotes removed (`16:9`).
    #[must_use]
    pub fn server_default_text(&self) -> Option<String> {
        let text = self.server_default?;
        Some(match serde_json::from_str::<Value>(text) {
            Ok(Value::String(s)) => s,
            _ => text.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    //! The checks on declarations shaped like ones a document may add (the stored document
    //! has no integer enum and nothing nested).
    use super::*;
    use serde_json::json;

    const NONE: RequestField = RequestField {
        name: "",
        wire_type: WireType::Any,
        values: &[],
        description: "",
        server_default: None,
        minimum: None,
        maximum: None,
        required: false,
        items: None,
        properties: &[],
    };
    const NAME: RequestField = RequestField {
        name: "name",
        wire_type: WireType::String,
        required: true,
        ..NONE
    };
    const WEIGHT: RequestField = RequestField {
        name: "weight",
        wire_type: WireType::Number,
        minimum: Some(0.0),
        maximum: Some(1.5),
        ..NONE
    };
    const BLEND: RequestField = RequestField {
        name: "blend",
        wire_type: WireType::String,
        values: &["add", "mix"],
        ..NONE
    };
    static ADAPTERS: RequestField = RequestField {
        name: "adapters",
        wire_type: WireType::Array,
        items: Some(&RequestField {
            wire_type: WireType::Object,
            properties: &[BLEND, NAME, WEIGHT],
            ..NONE
        }),
        ..NONE
    };
    static STEPS: RequestField = RequestField {
        name: "steps",
        wire_type: WireType::Integer,
        values: &["8", "16", "32"],
        ..NONE
    };

    fn refusal(field: &RequestField, value: Value) -> (String, String) {
        let refusal = field.check(&value).unwrap_err();
        (refusal.pointer.clone(), refusal.to_string())
    }

    #[test]
    fn a_range_inside_a_list_of_objects_is_checked_and_named_by_its_pointer() {
        assert_eq!(
            ADAPTERS.check(&json!([{"name": "a", "weight": 1.5}])),
            Ok(())
        );
        assert_eq!(
            refusal(
                &ADAPTERS,
                json!([{"name": "a"}, {"name": "b", "weight": 3}])
            ),
            (
                "/adapters/1/weight".to_owned(),
                "at /adapters/1/weight is 3, expected a value from 0 to 1.5".to_owned()
            )
        );
    }

    #[test]
    fn an_enum_a_type_and_a_required_property_inside_objects_are_checked() {
        assert_eq!(
            refusal(&ADAPTERS, json!([{"name": "a", "blend": "over"}])),
            (
                "/adapters/0/blend".to_owned(),
                r#"at /adapters/0/blend is "over", expected one of add, mix"#.to_owned()
            )
        );
        assert_eq!(
            refusal(&ADAPTERS, json!([{"weight": 1}])).1,
            "at /adapters/0/name is missing"
        );
        assert_eq!(
            refusal(&ADAPTERS, json!([{"name": 7}])).1,
            "at /adapters/0/name is 7, expected a string"
        );
        assert_eq!(
            refusal(&ADAPTERS, json!({"name": "a"})).1,
            r#"is {"name":"a"}, expected a list"#
        );
    }

    #[test]
    fn an_integer_enum_lists_its_values() {
        assert_eq!(STEPS.check(&json!(16)), Ok(()));
        assert_eq!(STEPS.check(&Value::Null), Ok(()), "null is unset");
        assert_eq!(
            refusal(&STEPS, json!(9)),
            (
                "/steps".to_owned(),
                "is 9, expected one of 8, 16, 32".to_owned()
            )
        );
        assert_eq!(
            refusal(&STEPS, json!("16")).1,
            r#"is "16", expected an integer"#
        );
        assert_eq!(STEPS.wire_value("16"), json!(16));
    }

    #[test]
    fn a_long_value_is_cut_short_in_the_reason() {
        let reason = refusal(&BLEND, json!("x".repeat(500))).1;
        assert!(reason.len() < 120, "{reason}");
    }
}
