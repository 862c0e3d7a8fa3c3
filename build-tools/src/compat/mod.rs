//! Named compatibility fixes: what progenitor 0.15 needs that the upstream document lacks.
//!
//! Each fix is a small function with the upstream defect it answers in its comment. A fix that
//! changes nothing is reported by [`crate::repair`] in [`crate::Repaired::unused`], so it can be
//! deleted once upstream mends the document.

mod authorization;
mod error_responses;
mod openapi_version;
mod operation_ids;
mod output_format;
mod request_defaults;

use serde_json::Value;

pub use authorization::remove_authorization_header_parameters;
pub(crate) use error_responses::is_error_status;
pub use error_responses::{ERROR_BODY, ERROR_DETAIL, declare_error_responses};
pub use openapi_version::relabel_openapi_31_as_30;
pub use operation_ids::{KNOWN_OPERATION_IDS, add_missing_operation_ids, derive_operation_id};
pub use output_format::offer_base64_output_format;
pub use request_defaults::leave_request_defaults_to_the_server;

pub use crate::prose::{PROSE_CONSTRAINTS, constraints_from_prose};
pub use crate::required_body::{REQUEST_BODY_REQUIRED, require_bodies_with_required_properties};
use crate::walk::METHODS;
use crate::{Fix, RepairError, pointer};

/// A named fix: changes the document in place and records every change.
pub type FixFn = fn(&mut Value, &mut Vec<Fix>) -> Result<(), RepairError>;

/// Every named fix, in the order they run (after the generic repairs, [`crate::GENERIC`]).
pub const FIXES: &[(&str, FixFn)] = &[
    (OPENAPI_VERSION, relabel_openapi_31_as_30),
    (OPERATION_ID, add_missing_operation_ids),
    (AUTHORIZATION_HEADER, remove_authorization_header_parameters),
    (ERROR_RESPONSES, declare_error_responses),
    (OUTPUT_FORMAT, offer_base64_output_format),
    (REQUEST_DEFAULTS, leave_request_defaults_to_the_server),
    (PROSE_CONSTRAINTS, constraints_from_prose),
    (
        REQUEST_BODY_REQUIRED,
        require_bodies_with_required_properties,
    ),
];

/// Name of [`relabel_openapi_31_as_30`] in reports.
pub const OPENAPI_VERSION: &str = "openapi-version";
/// Name of [`add_missing_operation_ids`] in reports.
pub const OPERATION_ID: &str = "operation-id";
/// Name of [`remove_authorization_header_parameters`] in reports.
pub const AUTHORIZATION_HEADER: &str = "authorization-header";
/// Name of [`declare_error_responses`] in reports.
pub const ERROR_RESPONSES: &str = "error-responses";
/// Name of [`offer_base64_output_format`] in reports.
pub const OUTPUT_FORMAT: &str = "output-format";
/// Name of [`leave_request_defaults_to_the_server`] in reports.
pub const REQUEST_DEFAULTS: &str = "request-defaults";

/// The extension that keeps a request default the repair took out of the schema.
pub const SERVER_DEFAULT: &str = "x-server-default";

/// Every operation: `(pointer, method, path, operation)`, in path then method order.
fn operations(doc: &Value) -> Result<Vec<(String, String, String, Value)>, RepairError> {
    let Some(paths) = doc.get("paths") else {
        return Ok(Vec::new());
    };
    let paths = paths
        .as_object()
        .ok_or_else(|| RepairError::new("/paths", "expected an object of path items"))?;
    let mut out = Vec::new();
    for (path, item) in paths {
        let item_at = pointer::child("/paths", path);
        let item = item
            .as_object()
            .ok_or_else(|| RepairError::new(&item_at, "expected a path item object"))?;
        for method in METHODS {
            match item.get(*method) {
                Some(op @ Value::Object(_)) => out.push((
                    pointer::child(&item_at, method),
                    (*method).to_owned(),
                    path.clone(),
                    op.clone(),
                )),
                Some(_) => {
                    return Err(RepairError::new(
                        pointer::child(&item_at, method),
                        "expected an operation object",
                    ));
                }
                None => {}
            }
        }
    }
    Ok(out)
}
