//! [`ImageMetadata`]: the request that made an image, embedded in the saved file so that the
//! image can be looked at ([`ImageMetadata::read`]) and made again.

mod container;
mod stream;
mod xmp;

pub(crate) use stream::Inserter;

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::types::CreateImageBody;

/// The PNG `iTXt` keyword (and the JPEG comment prefix, and the XMP property) under which the
/// JSON form of [`ImageMetadata`] is stored.
pub const METADATA_KEYWORD: &str = "flux-client";

/// The PNG `iTXt` keyword of the human-readable summary, as Stable Diffusion web UIs write it.
pub const PARAMETERS_KEYWORD: &str = "parameters";

/// What a saved image carries about the request that made it: the JSON body sent (never the API
/// key, which is a header), the model, the server's `created` time and request id, and the
/// version of this crate.
///
/// Saving embeds it only when asked, with [`Images::with_metadata`](crate::Images::with_metadata).
/// The pixels are never re-encoded: PNG files get two `iTXt` chunks (`flux-client`, this JSON,
/// and `parameters`, the prompt on the first line then `Seed: ..., Size: ..., Model: ...`), JPEG
/// files a comment (`COM`) segment, WebP files an `XMP ` chunk.
///
/// ```
/// use flux_client::ImageMetadata;
/// use serde_json::json;
///
/// let metadata = ImageMetadata::new(
///     json!({"model": "flux-pro-v1.1-ultra-text-to-image", "prompt": "a fox", "seed": 7}),
///     1_700_000_000,
///     Some("req-1".into()),
/// );
/// assert!(metadata.parameters().starts_with("a fox\nSeed: 7, "));
///
/// // A 1x1 grey PNG, as a server might send it.
/// let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\0\0\0\0\x3a\x7e\x9b\x55\
///     \0\0\0\x0aIDAT\x78\x9c\x63\x68\0\0\0\x82\0\x81\x77\xcd\x72\xb6\0\0\0\0IEND\xae\x42\x60\x82";
/// let tagged = metadata.embed(png)?;
/// assert_eq!(ImageMetadata::read(&tagged)?, Some(metadata));
/// assert_eq!(ImageMetadata::read(png)?, None);
/// # Ok::<(), flux_client::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageMetadata {
    /// The JSON body that was sent.
    pub request: Value,
    /// The model the body named.
    pub model: Option<String>,
    /// When the server made the image (Unix seconds).
    pub created: i64,
    /// The server's request id, when it sent one.
    pub request_id: Option<String>,
    /// The version of flux-client that saved the image.
    pub flux_client: String,
}

impl ImageMetadata {
    /// Metadata for an image made by the request `body` (the JSON sent), recorded by this crate's
    /// version.
    pub fn new(request: Value, created: i64, request_id: Option<String>) -> Self {
        let model = request
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Self {
            request,
            model,
            created,
            request_id,
            flux_client: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// Metadata for an image made by `body`.
    #[must_use]
    pub fn from_body(body: &CreateImageBody, created: i64, request_id: Option<String>) -> Self {
        // Serializing a generated body (strings, numbers, booleans) cannot fail.
        let request = serde_json::to_value(body).unwrap_or(Value::Null);
        Self::new(request, created, request_id)
    }

    /// The prompt that was sent.
    pub fn prompt(&self) -> Option<&str> {
        self.request.get("prompt").and_then(Value::as_str)
    }

    /// The seed that was sent, when one was.
    pub fn seed(&self) -> Option<i64> {
        self.request.get("seed").and_then(Value::as_i64)
    }

    /// The human-readable summary: the prompt on the first line, then `Seed: ..., Size: ...,
    /// Model: ...` and the other fields sent, as Stable Diffusion web UIs write it.
    #[must_use]
    pub fn parameters(&self) -> String {
        let mut parts = Vec::new();
        let field = |name: &str| self.request.get(name).map(plain);
        for (label, name) in [("Seed", "seed"), ("Size", "size"), ("Model", "model")] {
            if let Some(value) = field(name) {
                parts.push(format!("{label}: {value}"));
            }
        }
        if let Some(fields) = self.request.as_object() {
            for (name, value) in fields {
                if !matches!(name.as_str(), "prompt" | "seed" | "size" | "model") {
                    parts.push(format!("{name}: {}", plain(value)));
                }
            }
        }
        parts.push(format!("Created: {}", self.created));
        if let Some(id) = &self.request_id {
            parts.push(format!("Request id: {id}"));
        }
        parts.push(format!("flux-client: {}", self.flux_client));
        format!(
            "{}\n{}",
            self.prompt().unwrap_or_default(),
            parts.join(", ")
        )
    }

    /// The JSON text stored in the file.
    #[must_use]
    pub fn to_json(&self) -> String {
        // A struct of JSON values and strings always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Returns `image` (PNG, JPEG or WebP bytes) with this metadata embedded, replacing metadata
    /// embedded earlier. Only the container is rewritten; the pixel data is copied as it is.
    ///
    /// Fails with [`Error::Metadata`] when the bytes are not an image of those formats or are
    /// damaged, and for a JPEG whose metadata exceeds a segment's 64 KiB.
    ///
    /// # Errors
    ///
    /// [`Error::Metadata`] as said above.
    pub fn embed(&self, image: &[u8]) -> Result<Vec<u8>> {
        container::embed(self, image)
    }

    /// Reads the metadata embedded in `image` (PNG, JPEG or WebP bytes): `Ok(None)` when the
    /// image carries none, [`Error::Metadata`] when the bytes are not such an image or the
    /// embedded text is not valid metadata.
    ///
    /// # Errors
    ///
    /// [`Error::Metadata`] as said above.
    pub fn read(image: &[u8]) -> Result<Option<Self>> {
        let Some(text) = container::find(image)? else {
            return Ok(None);
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::Metadata {
                reason: format!("the embedded `{METADATA_KEYWORD}` text is not valid: {e}"),
            })
    }

    /// Reads the metadata embedded in the image file at `path` (see [`read`](Self::read)).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, and the errors of [`read`](Self::read).
    pub fn read_file(path: impl AsRef<Path>) -> Result<Option<Self>> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::Metadata {
            reason: format!("cannot read {}: {e}", path.display()),
        })?;
        Self::read(&bytes)
    }
}

/// `image` with `metadata` embedded, or as it is when that cannot be done (a damaged or unusual
/// file; a warning is logged): a paid image is never dropped for its metadata.
pub(crate) fn embed_or_keep(metadata: &ImageMetadata, image: Vec<u8>) -> Vec<u8> {
    match metadata.embed(&image) {
        Ok(tagged) => tagged,
        Err(reason) => {
            tracing::warn!(%reason, "the image is saved without its metadata");
            image
        }
    }
}

/// A JSON value as a person writes it: strings without quotes.
fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
