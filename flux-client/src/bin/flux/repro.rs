//! The request `flux` sends, made reproducible: `--from IMAGE` (the embedded request, with the
//! command line's fields on top) and a seed for every request. Requests are handled here as JSON
//! objects of body fields, as the API names them (the form of a batch line and of the request
//! embedded in an image).

use std::path::Path;

use flux_client::ImageMetadata;
use serde_json::{Map, Value};

use crate::args::GenerateArgs;
use crate::exit::Failure;
use crate::request_options::RequestOptions;

/// The fields `flux generate` sends, and whether `flux` picked the seed.
pub struct Resolved {
    /// The body's fields, as JSON.
    pub json: Value,
    /// None only when the document has no `seed` field.
    pub seed: Option<i64>,
    pub picked: bool,
}

/// `generate`'s fields: the command line's, over the request embedded in `--from`'s image, with a
/// seed picked when neither gives one.
pub fn resolve(args: &GenerateArgs) -> Result<Resolved, Failure> {
    let mut object = match &args.extras.from {
        Some(path) => embedded(path)?,
        None => Map::new(),
    };
    object.extend(given(&args.fields, args.extras.from.is_some()));
    let (seed, picked) = match object.get("seed") {
        // A seed of another type is left for the request's check to report.
        Some(seed) => (seed.as_i64(), false),
        None => match crate::seed::pick() {
            Some(seed) => {
                object.insert("seed".into(), Value::from(seed));
                (Some(seed), true)
            }
            None => (None, false),
        },
    };
    Ok(Resolved {
        json: Value::Object(object),
        seed,
        picked,
    })
}

/// A batch line (a JSON object) with the line's own seed when it gives none.
pub fn with_line_seed(mut value: Value, line: usize) -> Value {
    if value.get("seed").is_none()
        && let Some(seed) = line_seed(line, &value)
        && let Some(object) = value.as_object_mut()
    {
        object.insert("seed".into(), Value::from(seed));
    }
    value
}

/// The seed batch line `line` (JSON `value`) is sent with: its own, or one derived from its
/// number and text (see [`crate::seed::for_line`]), so a resumed line gets the same one.
pub fn line_seed(line: usize, value: &Value) -> Option<i64> {
    match value.get("seed") {
        Some(seed) => seed.as_i64(),
        None => crate::seed::for_line(line, &value.to_string()),
    }
}

/// The request embedded in the image at `path`.
fn embedded(path: &Path) -> Result<Map<String, Value>, Failure> {
    let metadata = ImageMetadata::read_file(path)
        .map_err(|e| {
            Failure::invalid(format!(
                "--from {}: {}",
                path.display(),
                crate::exit::describe(&e)
            ))
        })?
        .ok_or_else(|| Failure::invalid(no_metadata(path)))?;
    match metadata.request {
        Value::Object(object) => Ok(object),
        _ => Err(Failure::invalid(format!(
            "--from {}: the embedded request is not a JSON object",
            path.display()
        ))),
    }
}

/// The message for an image that carries no request.
pub fn no_metadata(path: &Path) -> String {
    format!(
        "{} carries no flux parameters (saved with --no-metadata, or not made by flux)",
        path.display()
    )
}

/// The fields set on the command line, as they are sent, with the prompt unless it is empty
/// and `from` an image (whose prompt it keeps; without an image an empty prompt is sent to be
/// refused by name).
fn given(cli: &RequestOptions, from: bool) -> Map<String, Value> {
    if from && cli.prompt.is_empty() {
        return cli.fields.clone();
    }
    match cli.to_json() {
        Value::Object(fields) => fields,
        _ => Map::new(),
    }
}
