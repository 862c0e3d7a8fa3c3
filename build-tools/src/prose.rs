//! The compatibility fix `prose-constraints`: limits that upstream states only in a field's
//! description become schema constraints.
//!
//! Upstream writes "The strength of the image prompt, between 0 and 1" and "n is the number of
//! images to generate" but declares only `type: number` and `type: integer`, so every tool that
//! reads the document (the generated client's checks, the mock, Schemathesis, Prism) would accept
//! `-3` and `0`. The fix reads a few plain phrasings, generically (never by field name), on
//! `integer` and `number` schemas that declare no `minimum`/`maximum` yet:
//!
//! | phrasing | constraint |
//! | --- | --- |
//! | `between A and B`, `from A to B` | `minimum: A`, `maximum: B` |
//! | `at least A` | `minimum: A` |
//! | `at most B` | `maximum: B` |
//! | `the number of <things> to generate` (also create, produce, return, make; integers only) | `minimum: 1` |
//!
//! It never guesses: a description with two phrasings for the same bound, bounds in the wrong
//! order, a non-integral bound on an `integer`, or a `default`/`x-server-default`/`example`
//! outside the bounds adds nothing.

use serde_json::{Map, Value};

use crate::{Fix, RepairError, pointer, walk};

/// Name of [`constraints_from_prose`] in reports.
pub const PROSE_CONSTRAINTS: &str = "prose-constraints";

/// Verbs after "the number of <things> to" that make the field a count of things made, so at
/// least one.
const COUNT_VERBS: &[&str] = &["generate", "create", "produce", "return", "make"];

/// Adds `minimum`/`maximum` to numeric schemas whose description states them (see the module
/// documentation for the phrasings), reporting each as a fix.
pub fn constraints_from_prose(doc: &mut Value, fixes: &mut Vec<Fix>) -> Result<(), RepairError> {
    walk::keyword_objects(doc, "", &mut |schema, at| {
        for (keyword, value) in bounds_for(schema) {
            schema.insert(keyword.to_owned(), value.clone());
            fixes.push(Fix {
                fix: PROSE_CONSTRAINTS,
                pointer: pointer::child(at, keyword),
                old: None,
                new: Some(value),
            });
        }
        Ok(())
    })
}

/// The constraints a schema's description states clearly, or none.
fn bounds_for(schema: &Map<String, Value>) -> Vec<(&'static str, Value)> {
    let integer = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => true,
        Some("number") => false,
        _ => return Vec::new(),
    };
    if ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]
        .iter()
        .any(|k| schema.contains_key(*k))
    {
        return Vec::new();
    }
    let Some(description) = schema.get("description").and_then(Value::as_str) else {
        return Vec::new();
    };
    let Some((minimum, maximum)) = read_bounds(description, integer) else {
        return Vec::new();
    };
    let within = |value: &Value| {
        let Some(v) = value.as_f64() else {
            return false;
        };
        minimum
            .as_ref()
            .is_none_or(|m| v >= m.as_f64().unwrap_or(f64::NAN))
            && maximum
                .as_ref()
                .is_none_or(|m| v <= m.as_f64().unwrap_or(f64::NAN))
    };
    // The document's own values must agree with what the prose says; otherwise it is unclear.
    for key in ["default", crate::compat::SERVER_DEFAULT, "example"] {
        if let Some(value) = schema.get(key)
            && !within(value)
        {
            return Vec::new();
        }
    }
    [("minimum", minimum), ("maximum", maximum)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

/// Reads `(minimum, maximum)` from a description; `None` when nothing is stated or when the
/// statements are ambiguous.
fn read_bounds(description: &str, integer: bool) -> Option<(Option<Value>, Option<Value>)> {
    let words = words(description);
    let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let mut minima = Vec::new();
    let mut maxima = Vec::new();
    for i in 0..words.len() {
        match (word(i), word(i + 1), word(i + 2), word(i + 3)) {
            ("between", a, "and", b) | ("from", a, "to", b) => {
                if let (Some(a), Some(b)) = (number(a), number(b)) {
                    minima.push(a);
                    maxima.push(b);
                }
            }
            ("at", "least", a, _) => minima.extend(number(a)),
            ("at", "most", b, _) => maxima.extend(number(b)),
            ("the", "number", "of", things)
                if integer
                    && things.len() > 1
                    && things.ends_with('s')
                    && word(i + 4) == "to"
                    && COUNT_VERBS.contains(&word(i + 5)) =>
            {
                minima.push(Value::from(1));
            }
            _ => {}
        }
    }
    if minima.len() > 1 || maxima.len() > 1 {
        return None;
    }
    let minimum = minima.pop();
    let maximum = maxima.pop();
    if minimum.is_none() && maximum.is_none() {
        return None;
    }
    let integral = |v: &Option<Value>| {
        v.as_ref()
            .is_none_or(|v| v.as_f64().is_some_and(|f| f.fract() == 0.0))
    };
    if integer && !(integral(&minimum) && integral(&maximum)) {
        return None;
    }
    if let (Some(lo), Some(hi)) = (&minimum, &maximum)
        && lo.as_f64()? >= hi.as_f64()?
    {
        return None;
    }
    Some((minimum, maximum))
}

/// The description's words, lower-cased, without quotes, backticks and trailing punctuation
/// (so "`1`." reads as "1").
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['`', '"', '\'', '(', ')'], " ")
        .split_whitespace()
        .map(|w| {
            w.trim_end_matches([',', '.', ';', ':', '!', '?'])
                .to_owned()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// A finite JSON number written plainly (`0`, `1`, `0.5`, `-2`), kept as written.
fn number(word: &str) -> Option<Value> {
    let plain = word
        .strip_prefix('-')
        .unwrap_or(word)
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.');
    if !plain || !word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    match serde_json::from_str::<Value>(word).ok()? {
        value @ Value::Number(_) if value.as_f64().is_some_and(f64::is_finite) => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bounds(description: &str, integer: bool) -> Option<(Option<Value>, Option<Value>)> {
        read_bounds(description, integer)
    }

    #[test]
    fn plain_phrasings_are_read() {
        assert_eq!(
            bounds("The strength, between 0 and 1. Default value: `0.1`", false),
            Some((Some(json!(0)), Some(json!(1))))
        );
        assert_eq!(
            bounds("A weight from `0.5` to `2`.", false),
            Some((Some(json!(0.5)), Some(json!(2))))
        );
        assert_eq!(
            bounds("n is the number of images to generate, default `1`.", true),
            Some((Some(json!(1)), None))
        );
        assert_eq!(
            bounds("Steps, at least 4 and at most 50.", true),
            Some((Some(json!(4)), Some(json!(50))))
        );
    }

    #[test]
    fn unclear_prose_adds_nothing() {
        for (text, integer) in [
            ("The seed; the same seed gives the same image.", true),
            ("between 0 and 1, or between 2 and 3", false),
            ("between 1 and 0", false),
            ("between 0.5 and 2", true),
            ("the number of images to generate", false),
            ("the number of retries to attempt", true),
            ("between zero and one", false),
            ("at least 1 and at least 2", true),
        ] {
            assert_eq!(bounds(text, integer), None, "{text}");
        }
    }

    #[test]
    fn a_default_outside_the_bounds_adds_nothing() {
        let mut doc = json!({"type": "number", "description": "between 0 and 1", "default": 3});
        let mut fixes = Vec::new();
        constraints_from_prose(&mut doc, &mut fixes).unwrap();
        assert!(fixes.is_empty());
        assert_eq!(doc.get("minimum"), None);
    }

    #[test]
    fn declared_bounds_are_left_alone() {
        let mut doc = json!({"type": "integer", "description": "between 1 and 9", "minimum": 2});
        let mut fixes = Vec::new();
        constraints_from_prose(&mut doc, &mut fixes).unwrap();
        assert!(fixes.is_empty());
    }
}
