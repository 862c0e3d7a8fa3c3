//! Body fields and headers the API document does not declare, sent with one request
//! ([`GenerateRequest::extra_body`], [`GenerateRequest::extra_header`]): parameters reach the
//! API before they reach its document.
//!
//! They travel in the [`Session`](crate::generated::Session) of a generated client made for
//! that request, and the `pre` hook merges them into the request progenitor built, so nothing
//! outside the request carries them.
//!
//! [`GenerateRequest::extra_body`]: crate::GenerateRequest::extra_body
//! [`GenerateRequest::extra_header`]: crate::GenerateRequest::extra_header

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use crate::fields;

/// The undeclared fields and headers of one request.
#[derive(Clone, Debug, Default)]
pub(crate) struct Extras {
    pub(crate) body: Map<String, Value>,
    /// Values are marked sensitive: a custom header may carry a credential, and `Debug` must
    /// not show it.
    pub(crate) headers: HeaderMap,
}

impl Extras {
    pub(crate) fn is_empty(&self) -> bool {
        self.body.is_empty() && self.headers.is_empty()
    }

    /// Adds a body field, or says why not: the document's own fields have typed setters.
    pub(crate) fn add_field(&mut self, name: String, value: Value) -> Result<(), Refusal> {
        if let Some(field) = fields::field(&name) {
            // Not keyed by the field itself: a valid value set for it later must not clear
            // this refusal.
            return Err(Refusal {
                field: "extra_body",
                reason: format!(
                    "names `{0}`, which the API document declares: set it with `.{0}(..)`",
                    field.name
                ),
            });
        }
        if name.is_empty() {
            return Err(Refusal {
                field: "extra_body",
                reason: "has an empty field name".to_owned(),
            });
        }
        self.body.insert(name, value);
        Ok(())
    }

    /// Adds a header, or says why not: `Authorization` belongs to the client (its key).
    pub(crate) fn add_header(&mut self, name: &str, value: &str) -> Result<(), Refusal> {
        let refuse = |reason: String| Refusal {
            field: "extra_header",
            reason,
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| refuse(format!("`{name}` is not a valid header name")))?;
        if name == AUTHORIZATION {
            return Err(refuse(
                "`authorization` is the client's: set the key with api_key".to_owned(),
            ));
        }
        // The reason must not echo a value that may be a secret.
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            refuse(format!(
                "the value of `{name}` contains characters not allowed in an HTTP header"
            ))
        })?;
        value.set_sensitive(true);
        self.headers.insert(name, value);
        Ok(())
    }

    /// Merges the extras into a request the generated client built: headers added (the key is
    /// set after this, so it cannot be replaced), fields added to the JSON body object.
    pub(crate) fn apply(&self, request: &mut reqwest::Request) -> Result<(), String> {
        for (name, value) in &self.headers {
            request.headers_mut().insert(name, value.clone());
        }
        if self.body.is_empty() {
            return Ok(());
        }
        let bytes = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .ok_or("the request has no JSON body to add extra_body fields to")?;
        let mut object: Map<String, Value> = serde_json::from_slice(bytes)
            .map_err(|e| format!("the request body is not a JSON object: {e}"))?;
        for (name, value) in &self.body {
            object.insert(name.clone(), value.clone());
        }
        let merged = serde_json::to_vec(&object).map_err(|e| e.to_string())?;
        *request.body_mut() = Some(merged.into());
        Ok(())
    }
}

/// Why an extra was refused: the field to name in [`Error::InvalidRequest`](crate::Error).
pub(crate) struct Refusal {
    pub(crate) field: &'static str,
    pub(crate) reason: String,
}
