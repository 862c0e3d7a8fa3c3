//! The request `flux` sends, made reproducible: `--from IMAGE` (the embedded request, with the
//! command line's fields on top) and a seed for every request.

use std::path::Path;

use flux_client::ImageMetadata;
use serde_json::{Map, Value};

use crate::args::{GenerateArgs, RequestFields};
use crate::exit::Failure;

/// The fields `flux generate` sends, and whether `flux` picked the seed.
pub struct Resolved {
    pub fields: RequestFields,
    pub seed: i64,
    pub picked: bool,
}

/// `generate`'s fields: the command line's, over the request embedded in `--from`'s image, with a
/// seed picked when neither gives one.
pub fn resolve(args: &GenerateArgs) -> Result<Resolved, Failure> {
    let mut fields = match &args.extras.from {
        Some(path) => from_image(path, &args.fields)?,
        None => args.fields.clone(),
    };
    let picked = fields.seed.is_none();
    let seed = *fields.seed.get_or_insert_with(crate::seed::pick);
    Ok(Resolved {
        fields,
        seed,
        picked,
    })
}

/// A batch line's fields with the line's own seed when it gives none (see
/// [`crate::seed::for_line`]).
pub fn with_line_seed(mut fields: RequestFields, line: usize, value: &Value) -> RequestFields {
    if fields.seed.is_none() {
        fields.seed = Some(crate::seed::for_line(line, &value.to_string()));
    }
    fields
}

/// The seed batch line `line` (JSON `value`) is sent with.
pub fn line_seed(line: usize, value: &Value) -> Option<i64> {
    match value.get("seed") {
        Some(seed) => seed.as_i64(),
        None => Some(crate::seed::for_line(line, &value.to_string())),
    }
}

/// The request embedded in `path`, with every field `cli` sets replacing its own (the prompt when
/// one is given).
fn from_image(path: &Path, cli: &RequestFields) -> Result<RequestFields, Failure> {
    let metadata = ImageMetadata::read_file(path)
        .map_err(|e| {
            Failure::invalid(format!(
                "--from {}: {}",
                path.display(),
                crate::exit::describe(&e)
            ))
        })?
        .ok_or_else(|| Failure::invalid(no_metadata(path)))?;
    let Value::Object(mut merged) = metadata.request else {
        return Err(Failure::invalid(format!(
            "--from {}: the embedded request is not a JSON object",
            path.display()
        )));
    };
    for (name, value) in given(cli)? {
        merged.insert(name, value);
    }
    serde_path_to_error::deserialize(Value::Object(merged)).map_err(|e| {
        Failure::invalid(format!(
            "--from {}: the embedded request's `{}` {}",
            path.display(),
            e.path(),
            e.inner()
        ))
    })
}

/// The message for an image that carries no request.
pub fn no_metadata(path: &Path) -> String {
    format!(
        "{} carries no flux parameters (saved with --no-metadata, or not made by flux)",
        path.display()
    )
}

/// The fields set on the command line, as they are sent: the body of a request built from
/// them, less the model and prompt unless given.
fn given(cli: &RequestFields) -> Result<Map<String, Value>, Failure> {
    let client = flux_client::FluxClient::builder()
        .api_key("unused")
        .build()?;
    let prompt = if cli.prompt.trim().is_empty() {
        "unused"
    } else {
        &cli.prompt
    };
    let body = cli.apply(client.generate(prompt)).body()?;
    let Ok(Value::Object(mut fields)) = serde_json::to_value(&body) else {
        return Ok(Map::new());
    };
    if cli.model.is_none() {
        fields.remove("model");
    }
    if cli.prompt.trim().is_empty() {
        fields.remove("prompt");
    }
    fields.retain(|_, value| !value.is_null());
    Ok(fields)
}
