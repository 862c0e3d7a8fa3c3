//! Repairs the OneRouter FLUX OpenAPI document so that progenitor 0.15 can generate a client
//! from it, and reports every change it makes.
//!
//! The repair has two parts:
//!
//! * **generic repairs** ([`GENERIC`]), for any document: the enum repair ([`enums`]) cleans
//!   every string enum (comma-joined members, stray commas, surrounding whitespace, repeats),
//!   operations progenitor cannot generate are left out with their reason ([`unsupported`]),
//!   and string formats typify would type with crates the client does not use stay strings
//!   ([`formats`]); and
//! * **named compatibility fixes** ([`compat`]), each a small function that explains the upstream
//!   defect it works around.
//!
//! The repair is deterministic and idempotent: repairing its own output changes nothing.
//!
//! [`diff`] compares two repaired documents and tells the person regenerating the client what
//! a new upstream document changes for the generated crate's users and on the wire.
//!
//! ```
//! let doc = serde_json::json!({
//!     "openapi": "3.0.3",
//!     "info": {"title": "t", "version": "1"},
//!     "paths": {},
//!     "components": {"schemas": {"Size": {"type": "string", "enum": ["1:1, 16:9", " 9:16"]}}}
//! });
//! let repaired = build_tools::repair(doc).unwrap();
//! assert_eq!(
//!     repaired.document["components"]["schemas"]["Size"]["enum"],
//!     serde_json::json!(["1:1", "16:9", "9:16"])
//! );
//! assert_eq!(repaired.fixes.len(), 1);
//! ```

#![deny(missing_docs)]

pub mod cli;
pub mod compat;
pub mod diff;
pub mod enums;
pub mod formats;
pub mod generate;
pub mod names;
pub mod perf;
pub mod perf_batch;
pub mod pointer;
pub mod prose;
pub mod required_body;
mod schemars1;
pub mod surface;
pub mod unsupported;
mod walk;

use std::fmt;

use serde_json::Value;

/// A change the repair made to the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    /// Which fix made the change (`enum-repair`, `operation-id`, ...).
    pub fix: &'static str,
    /// JSON pointer of the changed value in the document.
    pub pointer: String,
    /// The value before the change, `None` when the value was added.
    pub old: Option<Value>,
    /// The value after the change, `None` when the value was removed.
    pub new: Option<Value>,
}

impl fmt::Display for Fix {
    /// One line: `fix pointer: old -> new`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} -> {}",
            self.fix,
            pointer::display(&self.pointer),
            pointer::show_value(&self.old),
            pointer::show_value(&self.new)
        )
    }
}

/// Why a document could not be repaired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {reason}", pointer::display(pointer))]
pub struct RepairError {
    /// JSON pointer of the offending value.
    pub pointer: String,
    /// What is wrong there and, where it helps, what to do.
    pub reason: String,
}

impl RepairError {
    pub(crate) fn new(pointer: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }
}

/// The outcome of [`repair`].
#[derive(Debug, Clone)]
pub struct Repaired {
    /// The repaired document.
    pub document: Value,
    /// Every change, in the order the fixes ran.
    pub fixes: Vec<Fix>,
    /// Named compatibility fixes that changed nothing: upstream may have mended the defect, so
    /// the fix is a candidate for deletion.
    pub unused: Vec<&'static str>,
}

impl Repaired {
    /// The operations left out of the generated client because progenitor cannot generate
    /// them, each with its pointer and the reason; the build warns about each.
    pub fn left_out(&self) -> Vec<unsupported::LeftOut> {
        unsupported::left_out(&self.document)
    }
}

/// The generic repairs, which run on every document before the named fixes and are never
/// reported as unused: they answer what progenitor and typify cannot generate, not a defect of
/// one upstream document.
pub const GENERIC: &[(&str, compat::FixFn)] = &[
    (enums::FIX, enums::repair_enums),
    (
        unsupported::FIX,
        unsupported::leave_out_unsupported_operations,
    ),
    (formats::FIX, formats::keep_crate_formats_as_strings),
    (formats::PATTERN_FIX, formats::keep_patterns_as_strings),
    (names::CHECK, names::check_names),
];

/// Repairs `document`: the [`GENERIC`] repairs first (enums, operations progenitor cannot
/// generate, string formats), then every named compatibility fix.
///
/// Returns the first problem that cannot be repaired, with its JSON pointer.
pub fn repair(mut document: Value) -> Result<Repaired, RepairError> {
    if !document.is_object() {
        return Err(RepairError::new(
            "",
            "an OpenAPI document must be a JSON object",
        ));
    }
    let mut fixes = Vec::new();
    for (_, repair) in GENERIC {
        repair(&mut document, &mut fixes)?;
    }
    let mut unused = Vec::new();
    for (name, fix) in compat::FIXES {
        let before = fixes.len();
        fix(&mut document, &mut fixes)?;
        if fixes.len() == before {
            unused.push(*name);
        }
    }
    Ok(Repaired {
        document,
        fixes,
        unused,
    })
}

/// Parses `text` as JSON and repairs it; a syntax error is reported with its line and column.
pub fn repair_str(text: &str) -> Result<Repaired, RepairError> {
    let document: Value = serde_json::from_str(text).map_err(|e| {
        RepairError::new(
            "",
            format!(
                "not valid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    repair(document)
}

/// Renders a document as pretty JSON with object keys sorted, ending in a newline: the form of
/// the committed patched copy, stable whatever order the input had.
pub fn to_canonical_json(document: &Value) -> String {
    let mut text =
        serde_json::to_string_pretty(&sorted(document)).expect("a Value always serializes");
    text.push('\n');
    text
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
