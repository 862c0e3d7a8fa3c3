//! String formats that typify would turn into types of crates this client does not use.
//!
//! typify maps `format: date-time` to `chrono::DateTime<Utc>`, `date` to
//! `chrono::NaiveDate` and `uuid` to `uuid::Uuid`, so a document that adds one such field
//! generates code that does not compile (`cannot find chrono in the crate root`). The client
//! keeps them as `String`s instead, for three reasons:
//!
//! * a response field is decoded strictly: a timestamp the server writes slightly off RFC 3339
//!   (`"2026-11-27 10:00:00"`) would make the whole response fail to decode, losing images that
//!   were already paid for; a `String` always decodes and keeps the server's exact text;
//! * chrono and uuid types in the generated API would make both crates public dependencies of
//!   `flux-client`, tying its semver to theirs, for fields the stored document does not have;
//! * every build would compile them whether or not the document uses them.
//!
//! The format is kept beside the type as `x-format`, so the patched document still says what
//! the string holds. Other formats need nothing: `uri`, `email`, `byte`, `binary`, `hostname`
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
