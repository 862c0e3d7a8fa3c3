//! An object schema's properties: added, removed, and made required or optional.

use serde_json::{Value, json};

use super::schemas::describe;
use super::{Differ, Side, members, resolve};
use crate::diff::{Kind, Surface, Verdict};
use crate::pointer;

impl<'a> Differ<'a> {
    pub(super) fn properties(
        &mut self,
        old: &Value,
        old_at: &str,
        new: &Value,
        new_at: &str,
        side: Side,
    ) {
        let was = members(old, "properties");
        let is = members(new, "properties");
        let old_props_at = pointer::child(old_at, "properties");
        let new_props_at = pointer::child(new_at, "properties");
        for (name, old_field) in was {
            let old_field_at = pointer::child(&old_props_at, name);
            let Some(new_field) = is.get(name) else {
                let field = Field::new(self.old, old, name, old_field);
                self.push(
                    old_field_at,
                    Kind::FieldRemoved,
                    Some(json!(field.describe())),
                    None,
                    Verdict::Breaking,
                    Surface::Api,
                );
                continue;
            };
            let new_field_at = pointer::child(&new_props_at, name);
            let before = Field::new(self.old, old, name, old_field);
            let after = Field::new(self.new, new, name, new_field);
            if before.optional() != after.optional() {
                // `T` and `Option<T>` are different types to every reader of the field, and a
                // builder that must now be given a value fails where it used to succeed.
                self.push(
                    new_field_at.clone(),
                    if after.optional() {
                        Kind::FieldMadeOptional
                    } else {
                        Kind::FieldMadeRequired
                    },
                    Some(json!(optionality(before.optional()))),
                    Some(json!(optionality(after.optional()))),
                    Verdict::Breaking,
                    Surface::Api,
                );
            }
            self.schema(old_field, old_field_at, new_field, new_field_at, side);
        }
        for (name, new_field) in is {
            if was.contains_key(name) {
                continue;
            }
            let field = Field::new(self.new, new, name, new_field);
            // Generated structs are `#[non_exhaustive]`, so nobody builds them with a literal:
            // a new field breaks only a builder that now fails without a value.
            let verdict = if side == Side::Request && field.must_be_given() {
                Verdict::Breaking
            } else {
                Verdict::Compatible
            };
            self.push(
                pointer::child(&new_props_at, name),
                Kind::FieldAdded,
                None,
                Some(json!(field.describe())),
                verdict,
                Surface::Api,
            );
        }
    }
}

/// A property of an object schema, with what decides its Rust type.
struct Field<'v> {
    schema: &'v Value,
    required: bool,
}

impl<'v> Field<'v> {
    fn new(doc: &'v Value, object: &Value, name: &str, schema: &'v Value) -> Self {
        let required = object
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name)));
        Self {
            schema: resolve(doc, schema, String::new()).0,
            required,
        }
    }

    fn nullable(&self) -> bool {
        self.schema.get("nullable") == Some(&Value::Bool(true))
    }

    fn has_default(&self) -> bool {
        self.schema.get("default").is_some()
    }

    /// Whether the generated field is `Option<T>`: nullable, or neither required nor
    /// defaulted (a defaulted field is a plain `T` filled in by serde).
    fn optional(&self) -> bool {
        self.nullable() || (!self.required && !self.has_default())
    }

    /// Whether the generated builder fails unless the caller sets the field.
    fn must_be_given(&self) -> bool {
        self.required && !self.nullable() && !self.has_default()
    }

    fn describe(&self) -> String {
        format!("{} {}", optionality(self.optional()), describe(self.schema))
    }
}

pub(super) fn optionality(optional: bool) -> &'static str {
    if optional { "optional" } else { "required" }
}
