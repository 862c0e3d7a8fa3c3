//! What a new document changes: for programs that use the generated crate, and on the wire.
//!
//! [`diff`] compares two **repaired** documents (run both through [`crate::repair`] first, so
//! that a defect upstream mends, or a fix the repair makes, is not reported as a change) and
//! returns one [`Change`] per difference, each with a [`Verdict`] decided the way a Rust user of
//! the generated crate feels it. The rules, and why, are in `build-tools/docs/diff.md`,
//! "What a new document changes: build-tools diff"; in short:
//!
//! * generated structs and enums are `#[non_exhaustive]` and built through builders, so a new
//!   optional request field, a new response field and a new enum value are compatible;
//! * anything removed, any type change and any change between `T` and `Option<T>` breaks callers;
//! * a new request field the builder must be given (required, no default) breaks callers;
//! * a changed `default` changes what the crate itself sends or decodes (breaking, on the wire);
//!   a changed `x-server-default` (a request default the repair leaves to the server) changed on
//!   the server for every version of the crate at once, and is reported as compatible.
//!
//! Local `$ref`s are followed, so a change inside `components/schemas` is seen from every
//! operation that uses it (and reported once, at the component's pointer).
//!
//! ```
//! use build_tools::diff::{Bump, Kind, Verdict, diff, suggested_bump};
//! use serde_json::json;
//!
//! let doc = |fields: serde_json::Value| json!({
//!     "openapi": "3.0.3",
//!     "info": {"title": "t", "version": "1"},
//!     "paths": {"/images": {"post": {
//!         "operationId": "create_image",
//!         "requestBody": {"content": {"application/json": {"schema": {
//!             "type": "object", "properties": fields, "required": ["prompt"]
//!         }}}},
//!         "responses": {"200": {"description": ""}}
//!     }}}
//! });
//! let old = doc(json!({"prompt": {"type": "string"}}));
//! let new = doc(json!({"prompt": {"type": "string"}, "seed": {"type": "integer"}}));
//!
//! let changes = diff(&old, &new);
//! assert_eq!(changes.len(), 1);
//! assert_eq!(changes[0].kind, Kind::FieldAdded);
//! assert_eq!(changes[0].verdict, Verdict::Compatible);
//! assert_eq!(
//!     changes[0].pointer,
//!     "/paths/~1images/post/requestBody/content/application~1json/schema/properties/seed"
//! );
//! assert_eq!(suggested_bump(&changes), Bump::Minor);
//! // Read backwards, the same pair removes a field: that breaks callers.
//! assert_eq!(suggested_bump(&diff(&new, &old)), Bump::Major);
//! ```

mod compare;
mod not_generated;

use std::fmt;

use serde_json::{Value, json};

use crate::pointer;

/// How a change feels to a program that depends on the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Verdict {
    /// Programs that compiled and worked against the previous crate may stop doing so.
    Breaking,
    /// Programs keep compiling and keep behaving as before.
    Compatible,
}

impl Verdict {
    /// `breaking` or `compatible`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Breaking => "breaking",
            Verdict::Compatible => "compatible",
        }
    }
}

/// Where a change shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Surface {
    /// The generated Rust API changes (a method, type, field or variant); the wire usually
    /// changes with it.
    Api,
    /// Only the bytes exchanged with the server, or what the server does with them, change;
    /// the generated Rust API is the same.
    Wire,
}

impl Surface {
    /// `api` or `wire`.
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Api => "api",
            Surface::Wire => "wire",
        }
    }
}

/// What kind of difference a [`Change`] is. [`Kind::as_str`] gives the stable name used in the
/// output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A new method and path: a new client method.
    OperationAdded,
    /// A method and path is gone: its client method is gone.
    OperationRemoved,
    /// Same method and path, another `operationId`: the client method and the types named
    /// after it are renamed.
    OperationRenamed,
    /// The same `operationId` under another method or path: the client method stays and
    /// calls the new place.
    OperationMoved,
    /// The new document has an operation progenitor cannot generate, so the repair leaves it
    /// out of the crate (`new` says why).
    OperationNotGenerated,
    /// An operation gained a request body.
    RequestBodyAdded,
    /// An operation lost its request body.
    RequestBodyRemoved,
    /// A path, query or header parameter was added.
    ParameterAdded,
    /// A parameter was removed.
    ParameterRemoved,
    /// An object gained a property.
    FieldAdded,
    /// An object lost a property.
    FieldRemoved,
    /// A field (or parameter) went from `Option<T>` to `T`.
    FieldMadeRequired,
    /// A field (or parameter) went from `T` to `Option<T>`.
    FieldMadeOptional,
    /// A schema's type, format, or enum-ness changed (`integer` -> `number`, `string` -> enum).
    TypeChanged,
    /// An enum gained a value.
    EnumValueAdded,
    /// An enum lost a value.
    EnumValueRemoved,
    /// A schema `default` changed, appeared or went away.
    DefaultChanged,
    /// A request default the repair left to the server (`x-server-default`) changed, appeared
    /// or went away.
    ServerDefaultChanged,
    /// An operation declares a new response status.
    ResponseAdded,
    /// An operation no longer declares a response status.
    ResponseRemoved,
    /// A request body or response gained a media type.
    MediaTypeAdded,
    /// A request body or response lost a media type.
    MediaTypeRemoved,
    /// A new schema in `components/schemas`: a new generated type.
    SchemaAdded,
    /// A schema is gone from `components/schemas`: its generated type is gone.
    SchemaRemoved,
    /// `info.version` changed: every request's `api-version` header changes with it.
    ApiVersionChanged,
    /// The first `servers` URL changed: the crate's default base URL (`DEFAULT_BASE_URL`) is
    /// generated from it, so programs that keep the default call the new host.
    ServerUrlChanged,
    /// A `minimum` or `maximum` changed, appeared or went away: the client's checks before
    /// sending and the mock follow it.
    RangeChanged,
}

impl Kind {
    /// The kebab-case name used in the text and JSON output (`field-added`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OperationAdded => "operation-added",
            Kind::OperationRemoved => "operation-removed",
            Kind::OperationRenamed => "operation-renamed",
            Kind::OperationMoved => "operation-moved",
            Kind::OperationNotGenerated => "operation-not-generated",
            Kind::RequestBodyAdded => "request-body-added",
            Kind::RequestBodyRemoved => "request-body-removed",
            Kind::ParameterAdded => "parameter-added",
            Kind::ParameterRemoved => "parameter-removed",
            Kind::FieldAdded => "field-added",
            Kind::FieldRemoved => "field-removed",
            Kind::FieldMadeRequired => "field-made-required",
            Kind::FieldMadeOptional => "field-made-optional",
            Kind::TypeChanged => "type-changed",
            Kind::EnumValueAdded => "enum-value-added",
            Kind::EnumValueRemoved => "enum-value-removed",
            Kind::DefaultChanged => "default-changed",
            Kind::ServerDefaultChanged => "server-default-changed",
            Kind::ResponseAdded => "response-added",
            Kind::ResponseRemoved => "response-removed",
            Kind::MediaTypeAdded => "media-type-added",
            Kind::MediaTypeRemoved => "media-type-removed",
            Kind::SchemaAdded => "schema-added",
            Kind::SchemaRemoved => "schema-removed",
            Kind::ApiVersionChanged => "api-version-changed",
            Kind::ServerUrlChanged => "server-url-changed",
            Kind::RangeChanged => "range-changed",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One difference between two documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// JSON pointer of the changed value: into the new document, or into the old one for
    /// something that was removed. Inside a `$ref`'d schema it points into
    /// `components/schemas`, where the change was made.
    pub pointer: String,
    /// What changed.
    pub kind: Kind,
    /// The value before, `None` when it was added. Types are described as text
    /// (`"integer(int64)"`, `"enum of string"`, `"optional string"`).
    pub old: Option<Value>,
    /// The value after, `None` when it was removed.
    pub new: Option<Value>,
    /// How it feels to a program that uses the crate.
    pub verdict: Verdict,
    /// Whether the Rust API or only the wire changes.
    pub surface: Surface,
}

impl Change {
    /// The change as one JSON object: `pointer`, `kind`, `old`, `new` (`null` when absent),
    /// `verdict`, `surface`.
    pub fn to_json(&self) -> Value {
        json!({
            "pointer": self.pointer,
            "kind": self.kind.as_str(),
            "old": self.old,
            "new": self.new,
            "verdict": self.verdict.as_str(),
            "surface": self.surface.as_str(),
        })
    }
}

impl fmt::Display for Change {
    /// One line: `verdict  surface  pointer: kind: old -> new`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<10}  {:<4}  {}: {}: {} -> {}",
            self.verdict.as_str(),
            self.surface.as_str(),
            pointer::display(&self.pointer),
            self.kind,
            pointer::show_value(&self.old),
            pointer::show_value(&self.new)
        )
    }
}

/// The semver bump a set of changes calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Bump {
    /// Nothing in the Rust API changed (wire-only compatible changes, or nothing at all).
    Patch,
    /// The Rust API grew compatibly.
    Minor,
    /// Something breaks callers.
    Major,
}

impl Bump {
    /// `major`, `minor` or `patch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::Patch => "patch",
        }
    }

    /// What the bump means for a `0.x` crate, where Cargo treats the minor number as the
    /// breaking one: a major bump raises the minor number, anything else the patch number.
    pub fn for_zero_x(self) -> &'static str {
        match self {
            Bump::Major => "minor",
            Bump::Minor | Bump::Patch => "patch",
        }
    }
}

/// The semver bump `changes` call for: major when one breaks callers, minor when the Rust API
/// grew, patch otherwise (only wire-level compatible changes, or none).
pub fn suggested_bump(changes: &[Change]) -> Bump {
    if changes.iter().any(|c| c.verdict == Verdict::Breaking) {
        Bump::Major
    } else if changes.iter().any(|c| c.surface == Surface::Api) {
        Bump::Minor
    } else {
        Bump::Patch
    }
}
/// Compares two repaired documents and lists every change, in document order (operations,
/// then components, then `info`). Identical documents give no change.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    compare::changes(old, new)
}
