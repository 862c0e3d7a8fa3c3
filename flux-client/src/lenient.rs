//! Salvaging the images of a successful answer that deviates from the schema elsewhere: a
//! schema quibble (a missing or mistyped `created`, an unexpected field type) must not throw
//! away images that were paid for.

use serde_json::Value;

use crate::types::{CreateImageResponse, ImageData};

/// The answer's images when its `data` is an array of image objects (with a text `url` or
/// `b64_json`), whatever else is wrong with it; a warning names what was wrong. `None` when
/// even `data` cannot be read, or it holds no image.
pub(crate) fn salvage(
    body: &[u8],
    decode_error: &dyn std::fmt::Display,
) -> Option<CreateImageResponse> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let items = value.get("data")?.as_array()?;
    let text = |item: &Value, key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
    // Built through the generated builders, not struct literals, so a field a new document adds
    // to the response (a compatible change) does not break this code.
    let data: Vec<ImageData> = items
        .iter()
        .map(|item| {
            ImageData::builder()
                .b64_json(text(item, "b64_json"))
                .revised_prompt(text(item, "revised_prompt"))
                .url(text(item, "url"))
                .try_into()
                .ok()
        })
        .collect::<Option<_>>()?;
    let usable = !data.is_empty() && data.iter().all(|d| d.url.is_some() || d.b64_json.is_some());
    if !usable {
        return None;
    }
    let created = value.get("created").and_then(Value::as_i64);
    tracing::warn!(
        error = %decode_error,
        created_readable = created.is_some(),
        images = data.len(),
        "the API answer deviates from its schema; its images are kept"
    );
    CreateImageResponse::builder()
        .created(created.unwrap_or_default())
        .data(data)
        .try_into()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_survive_a_missing_or_mistyped_created() {
        for body in [
            r#"{"data": [{"url": "https://cdn.example/a.png"}]}"#,
            r#"{"created": "yesterday", "data": [{"url": "https://cdn.example/a.png", "revised_prompt": 7}]}"#,
        ] {
            let response = salvage(body.as_bytes(), &"bad").expect(body);
            assert_eq!(
                response.data[0].url.as_deref(),
                Some("https://cdn.example/a.png")
            );
            assert_eq!(response.created, 0);
        }
        assert!(salvage(br#"{"data": []}"#, &"bad").is_none());
        assert!(salvage(br#"{"data": [{"url": 3}]}"#, &"bad").is_none());
        assert!(salvage(b"<html>", &"bad").is_none());
    }
}
