//! String schemas that typify would type with crates this client does not use.
//!
//! typify maps `format: date-time` to `chrono::DateTime<Utc>`, `date` to
//! `chrono::NaiveDate` and `uuid` to `uuid::Uuid`, and a `pattern` to a newtype checked with
//! the `regress` crate, so a document that adds one such field generates code that does not
//! compile (`cannot find chrono in the crate root`). The client keeps them as `String`s
//! instead, for three reasons:
//!
//! * a response field is decoded strictly: a timestamp the server writes slightly off RFC 3339
//!   (`"2026-11-27 10:00:00"`) would make the whole response fail to decode, losing images that
//!   were already paid for; a `String` always decodes and keeps the server's exact text;
//! * chrono and uuid types in the generated API would make both crates public dependencies of
//!   `flux-client`, tying its semver to theirs, for fields the stored document does not have;
//! * every build would compile them whether or not the document uses them.
//!
//! The format is kept beside the type as `x-format` (a pattern as `x-pattern`), so the patched
//! document still says what the string holds; the server still checks it. Other formats need nothing: `uri`, `email`, `byte`, `binary`, `hostname`
//! and unknown ones are already `String`, `ipv4`/`ipv6`/`ip` are `std::net` types, integer and
//! number formats pick the Rust width (`int32` is `i32`, `float` is `f32`).

use serde_json::Value;

use crate::{Fix, RepairError, pointer, walk};

/// Name of this repair in reports.
pub const FIX: &str = "string-formats";

/// Where the repair keeps a format it took off a schema.
pub const KEPT_FORMAT: &str = "x-format";

/// Formats typify maps to types of crates outside the client's dependencies.
pub const CRATE_FORMATS: &[&str] = &["date-time", "date", "uuid"];

/// Name of [`keep_patterns_as_strings`] in reports.
pub const PATTERN_FIX: &str = "string-patterns";

/// Where the repair keeps a pattern it took off a schema.
pub const KEPT_PATTERN: &str = "x-pattern";

/// Moves every string schema's `format` listed in [`CRATE_FORMATS`] to [`KEPT_FORMAT`], so
/// the field generates as a `String`.
pub fn keep_crate_formats_as_strings(
    doc: &mut Value,
    fixes: &mut Vec<Fix>,
) -> Result<(), RepairError> {
    walk::keyword_objects(doc, "", &mut |object, at| {
        let is_string = object.get("type").and_then(Value::as_str) == Some("string");
        let format = object.get("format").and_then(Value::as_str);
        if is_string && format.is_some_and(|f| CRATE_FORMATS.contains(&f)) {
            let format = object.remove("format").expect("checked above");
            object.insert(KEPT_FORMAT.to_owned(), format.clone());
            fixes.push(Fix {
                fix: FIX,
                pointer: pointer::child(at, "format"),
                old: Some(format.clone()),
                new: None,
            });
            fixes.push(Fix {
                fix: FIX,
                pointer: pointer::child(at, KEPT_FORMAT),
                old: None,
                new: Some(format),
            });
        }
        Ok(())
    })
}

/// Moves every string schema's `pattern` to [`KEPT_PATTERN`], so the field generates as a
/// `String` rather than a newtype checked with the `regress` crate.
pub fn keep_patterns_as_strings(doc: &mut Value, fixes: &mut Vec<Fix>) -> Result<(), RepairError> {
    walk::keyword_objects(doc, "", &mut |object, at| {
        let is_string = object.get("type").and_then(Value::as_str) == Some("string");
        if is_string && let Some(pattern) = object.remove("pattern") {
            object.insert(KEPT_PATTERN.to_owned(), pattern.clone());
            fixes.push(Fix {
                fix: PATTERN_FIX,
                pointer: pointer::child(at, "pattern"),
                old: Some(pattern.clone()),
                new: None,
            });
            fixes.push(Fix {
                fix: PATTERN_FIX,
                pointer: pointer::child(at, KEPT_PATTERN),
                old: None,
                new: Some(pattern),
            });
        }
        Ok(())
    })
}
