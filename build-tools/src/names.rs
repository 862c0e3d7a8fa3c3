//! Names that would collide once typify makes Rust identifiers of them.
//!
//! typify names a variant after its value (`"16:9"` is `X169`), trying a second spelling when
//! two collide, and panics when they still do (`Failed to make unique variant names for
//! [PNG,png]`): the build would stop without saying where. It names a field after its property
//! without any such check, so `"a-b"` and `"a_b"` in one object become two fields `a_b` and a
//! compiler error inside the generated code. [`check_names`] repeats typify 0.8's naming
//! (`sanitize` in typify-impl's `util.rs`) on every string enum and every object's properties,
//! after the enum repair, and refuses the document naming the pointer and the two names.

use heck::{ToPascalCase, ToSnakeCase};
use serde_json::Value;
use unicode_ident::{is_xid_continue, is_xid_start};

use crate::{Fix, RepairError, pointer, walk};

/// Name of this check in reports.
pub const CHECK: &str = "rust-names";

/// Errors, with the pointer, when two members of a string enum would get the same variant
/// name, or two properties of an object the same field name; changes nothing.
pub fn check_names(doc: &mut Value, _fixes: &mut Vec<Fix>) -> Result<(), RepairError> {
    walk::keyword_objects(doc, "", &mut |object, at| {
        if let Some(Value::Object(properties)) = object.get("properties") {
            let names: Vec<&str> = properties.keys().map(String::as_str).collect();
            if let Some((a, b)) = collision(&names, |name| sanitize(name, Case::Snake)) {
                return Err(RepairError::new(
                    pointer::child(at, "properties"),
                    format!(
                        "properties {a:?} and {b:?} would both be the Rust field `{}`, and typify \
                         cannot name them apart; the document must change one of them",
                        sanitize(a, Case::Snake)
                    ),
                ));
            }
        }
        let Some(Value::Array(members)) = object.get("enum") else {
            return Ok(());
        };
        let values: Vec<&str> = members.iter().filter_map(Value::as_str).collect();
        if values.len() != members.iter().filter(|m| !m.is_null()).count() {
            return Ok(()); // not a string enum: typify makes no variants of it
        }
        if let Some((a, b)) = collision(&values, first).and_then(|_| collision(&values, second)) {
            return Err(RepairError::new(
                pointer::child(at, "enum"),
                format!(
                    "enum members {a:?} and {b:?} would both be the Rust variant `{}`, and typify \
                     cannot name them apart; the document must change one of them",
                    second(&a)
                ),
            ));
        }
        Ok(())
    })
}

/// typify's first spelling of a variant name.
fn first(value: &&str) -> String {
    sanitize(value, Case::Pascal)
}

/// typify's second spelling, tried when the first ones collide: the characters the first one
/// drops become `X`s.
fn second(value: &&str) -> String {
    sanitize(
        &value.replace(|c| c == '_' || !is_xid_continue(c), "X"),
        Case::Pascal,
    )
}

/// The first two values `name` maps to the same identifier.
pub(crate) fn collision<'v>(
    values: &[&'v str],
    name: impl Fn(&&str) -> String,
) -> Option<(&'v str, &'v str)> {
    let names: Vec<String> = values.iter().map(&name).collect();
    (0..values.len()).find_map(|i| {
        (i + 1..values.len())
            .find(|&j| names[i] == names[j])
            .map(|j| (values[i], values[j]))
    })
}

/// The case typify writes a name in.
#[derive(Clone, Copy)]
pub(crate) enum Case {
    Pascal,
    Snake,
}

/// typify 0.8's `sanitize(input, case)` (progenitor 0.15 names parameters the same way).
pub(crate) fn sanitize(input: &str, case: Case) -> String {
    let to_case = |text: &str| match case {
        Case::Pascal => text.to_pascal_case(),
        Case::Snake => text.to_snake_case(),
    };
    let out = match input {
        "+1" => "plus1".to_owned(),
        "-1" => "minus1".to_owned(),
        _ => to_case(
            &input
                .replace('\'', "")
                .replace(|c| !is_xid_continue(c), "-"),
        ),
    };
    let out = match out.chars().next() {
        None => to_case("x"),
        Some(c) if is_xid_start(c) => out,
        Some(_) => format!("{}{out}", to_case("x")),
    };
    if syn::parse_str::<syn::Ident>(&out).is_ok() && out != "gen" {
        out
    } else {
        format!("{out}_")
    }
}

#[cfg(test)]
mod tests {
    use super::{Case, collision, first, sanitize, second};

    #[test]
    fn names_follow_typify() {
        assert_eq!(sanitize("16:9", Case::Pascal), "X169");
        assert_eq!(sanitize("b64_json", Case::Pascal), "B64Json");
        assert_eq!(sanitize("Self", Case::Pascal), "Self_");
        assert_eq!(sanitize("x-trace-id", Case::Snake), "x_trace_id");
        assert_eq!(sanitize("9lives", Case::Snake), "x9lives");
        assert_eq!(sanitize("type", Case::Snake), "type_");
        // typify tells these apart with its second spelling...
        let ratios = ["16:9", "169"];
        assert_eq!(collision(&ratios, first), Some(("16:9", "169")));
        assert_eq!(collision(&ratios, second), None);
        // ...but not these (it panics on them).
        for pair in [["png", "PNG"], ["a-b", "a_b"], ["Self", "self"]] {
            assert_eq!(collision(&pair, second), Some((pair[0], pair[1])));
        }
    }
}
