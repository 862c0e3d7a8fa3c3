//! `output-format`: the `b64_json` output format the response already carries can be asked for.

use serde_json::{Value, json};

use super::{OUTPUT_FORMAT, operations};
use crate::{Fix, RepairError};

/// Upstream's `output_format` enum lists only `url`, yet its response carries `b64_json` and
/// the description calls `url` merely the default: like every OpenAI-images-compatible API,
/// the alternative is base64 in `b64_json`. Without the value the typed client could never ask
/// for it, so `b64_json` is added to a request body's `output_format` enum that holds only
/// `url` when the operation's success response has a `b64_json` field.
pub fn offer_base64_output_format(
    doc: &mut Value,
    fixes: &mut Vec<Fix>,
) -> Result<(), RepairError> {
    let mut targets = Vec::new();
    for (at, _, _, operation) in operations(doc)? {
        let answers_base64 = operation
            .get("responses")
            .and_then(Value::as_object)
            .is_some_and(|r| {
                r.iter().filter(|(code, _)| code.starts_with('2')).any(|(_, response)| {
                    response.pointer("/content/application~1json/schema/properties/data/items/properties/b64_json").is_some()
                })
            });
        if !answers_base64 {
            continue;
        }
        let at = format!(
            "{at}/requestBody/content/application~1json/schema/properties/output_format/enum"
        );
        if doc.pointer(&at) == Some(&json!(["url"])) {
            targets.push(at);
        }
    }
    for at in targets {
        let new = json!(["url", "b64_json"]);
        let old = doc
            .pointer_mut(&at)
            .map(|v| std::mem::replace(v, new.clone()));
        fixes.push(Fix {
            fix: OUTPUT_FORMAT,
            pointer: at,
            old,
            new: Some(new),
        });
    }
    Ok(())
}
