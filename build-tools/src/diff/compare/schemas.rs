//! Two schemas compared: defaults, ranges, type, enum values, and what lies inside.

use serde_json::{Value, json};

use super::{Differ, Side, resolve};
use crate::compat::SERVER_DEFAULT;
use crate::diff::{Kind, Surface, Verdict};
use crate::pointer;

impl<'a> Differ<'a> {
    /// Compares two schemas, following local `$ref`s on both sides.
    pub(super) fn schema(
        &mut self,
        old: &Value,
        old_at: String,
        new: &Value,
        new_at: String,
        side: Side,
    ) {
        let (old, old_at) = resolve(self.old, old, old_at);
        let (new, new_at) = resolve(self.new, new, new_at);
        if !self.visited.insert((old_at.clone(), new_at.clone(), side)) {
            return;
        }
        // A `default` is what the crate itself sends for a request field the caller leaves
        // alone, or fills in for a response field the server leaves out: changing it changes
        // the crate's behaviour under unchanged code.
        self.literal(old, &old_at, new, &new_at, "default", Kind::DefaultChanged);
        // An `x-server-default` is documentation only: the crate does not send the field, so
        // the server applies its own default, and did so for every crate version as soon as
        // the server changed.
        self.literal(
            old,
            &old_at,
            new,
            &new_at,
            SERVER_DEFAULT,
            Kind::ServerDefaultChanged,
        );
        self.range(old, &old_at, new, &new_at, side);
        let (old_type, new_type) = (describe(old), describe(new));
        if old_type != new_type {
            self.push(
                new_at.clone(),
                Kind::TypeChanged,
                Some(json!(old_type)),
                Some(json!(new_type)),
                Verdict::Breaking,
                Surface::Api,
            );
            // What lies inside belongs to another type now: listing it would only repeat this.
            return;
        }
        self.enum_values(old, &old_at, new, &new_at);
        self.properties(old, &old_at, new, &new_at, side);
        for key in ["items", "additionalProperties", "not"] {
            if let (Some(os @ Value::Object(_)), Some(ns @ Value::Object(_))) =
                (old.get(key), new.get(key))
            {
                self.schema(
                    os,
                    pointer::child(&old_at, key),
                    ns,
                    pointer::child(&new_at, key),
                    side,
                );
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let (Some(Value::Array(os)), Some(Value::Array(ns))) = (old.get(key), new.get(key))
                && os.len() == ns.len()
            {
                for (i, (os, ns)) in os.iter().zip(ns).enumerate() {
                    let index = i.to_string();
                    self.schema(
                        os,
                        pointer::child(&pointer::child(&old_at, key), &index),
                        ns,
                        pointer::child(&pointer::child(&new_at, key), &index),
                        side,
                    );
                }
            }
        }
    }

    /// Reports a change of the literal at `key` (`default`, `x-server-default`).
    fn literal(
        &mut self,
        old: &Value,
        old_at: &str,
        new: &Value,
        new_at: &str,
        key: &str,
        kind: Kind,
    ) {
        let (was, is) = (old.get(key), new.get(key));
        if was == is {
            return;
        }
        let at = if is.is_some() {
            pointer::child(new_at, key)
        } else {
            pointer::child(old_at, key)
        };
        let verdict = if kind == Kind::ServerDefaultChanged {
            Verdict::Compatible
        } else {
            Verdict::Breaking
        };
        self.push(at, kind, was.cloned(), is.cloned(), verdict, Surface::Wire);
    }

    fn enum_values(&mut self, old: &Value, old_at: &str, new: &Value, new_at: &str) {
        let (Some(Value::Array(was)), Some(Value::Array(is))) = (old.get("enum"), new.get("enum"))
        else {
            return;
        };
        let old_enum_at = pointer::child(old_at, "enum");
        let new_enum_at = pointer::child(new_at, "enum");
        for (i, value) in was.iter().enumerate() {
            if !is.contains(value) {
                self.push(
                    pointer::child(&old_enum_at, &i.to_string()),
                    Kind::EnumValueRemoved,
                    Some(value.clone()),
                    None,
                    Verdict::Breaking,
                    Surface::Api,
                );
            }
        }
        for (i, value) in is.iter().enumerate() {
            if !was.contains(value) {
                // Generated enums are `#[non_exhaustive]`: callers already match with a
                // wildcard, on the request and on the response side alike.
                self.push(
                    pointer::child(&new_enum_at, &i.to_string()),
                    Kind::EnumValueAdded,
                    None,
                    Some(value.clone()),
                    Verdict::Compatible,
                    Surface::Api,
                );
            }
        }
    }

    /// A tighter bound on a request field refuses values the previous crate sent (breaking);
    /// a looser one, or a bound on a response field, only changes what is checked.
    fn range(&mut self, old: &Value, old_at: &str, new: &Value, new_at: &str, side: Side) {
        for (key, tighter) in [
            (
                "minimum",
                (|was: f64, is: f64| is > was) as fn(f64, f64) -> bool,
            ),
            ("maximum", |was: f64, is: f64| is < was),
        ] {
            let (was, is) = (old.get(key), new.get(key));
            if was == is {
                continue;
            }
            let stricter = match (was.and_then(Value::as_f64), is.and_then(Value::as_f64)) {
                (None, Some(_)) => true,
                (Some(was), Some(is)) => tighter(was, is),
                _ => false,
            };
            let at = if is.is_some() {
                pointer::child(new_at, key)
            } else {
                pointer::child(old_at, key)
            };
            let verdict = if stricter && side == Side::Request {
                Verdict::Breaking
            } else {
                Verdict::Compatible
            };
            self.push(
                at,
                Kind::RangeChanged,
                was.cloned(),
                is.cloned(),
                verdict,
                Surface::Wire,
            );
        }
    }
}

/// A schema's Rust-relevant shape as text: type and format, `enum of` when it is an enum. Two
/// schemas with different descriptions generate different Rust types.
pub(super) fn describe(schema: &Value) -> String {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        // Only an unresolvable or remote reference is left here.
        return format!("$ref {target}");
    }
    let base = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(other) => other.to_string(),
        None if schema.get("properties").is_some() => "object".to_owned(),
        None if schema.get("items").is_some() => "array".to_owned(),
        None => ["allOf", "anyOf", "oneOf"]
            .into_iter()
            .find(|k| schema.get(*k).is_some())
            .map(|k| match schema.get(k) {
                Some(Value::Array(items)) => format!("{k} of {}", items.len()),
                _ => k.to_owned(),
            })
            .unwrap_or_else(|| "any".to_owned()),
    };
    let base = match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{base}({format})"),
        None if base == "integer" => match narrowed_integer(schema) {
            Some(rust) => format!("integer ({rust})"),
            None => base,
        },
        None => base,
    };
    if schema.get("enum").is_some() {
        format!("enum of {base}")
    } else {
        base
    }
}

/// The Rust type typify gives an integer without a `format` when its bounds narrow it (see
/// typify's `convert_integer`): `minimum: 1` is `NonZeroU64`, `minimum: 0` alone is `u64`. A
/// bound that adds or removes one of these changes the generated field's type.
fn narrowed_integer(schema: &Value) -> Option<&'static str> {
    let minimum = schema.get("minimum").and_then(Value::as_f64);
    let maximum = schema.get("maximum").and_then(Value::as_f64);
    match (minimum, maximum) {
        (Some(1.0), _) => Some("NonZeroU64"),
        (Some(0.0), None) => Some("u64"),
        _ => None,
    }
}
