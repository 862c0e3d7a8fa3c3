//! Salvaging the images of a successful answer that deviates from the schema elsewhere: a
//! schema quibble (a missing or mistyped `created`, a `created` beyond every number type, text
//! that is not UTF-8 in `revised_prompt`) must not throw away images that were paid for.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::types::{CreateImageResponse, ImageData};

/// The answer's images when its `data` is an array of image objects (with a text `url` or
/// `b64_json`), whatever else is wrong with it; a warning names what was wrong. `None` when
/// even `data` cannot be read, or it holds no image.
pub(super) fn salvage(body: &[u8], decode_error: &dyn fmt::Display) -> Option<CreateImageResponse> {
    // Invalid UTF-8 becomes U+FFFD: JSON's structure is ASCII, so only text inside strings changes.
    let text = String::from_utf8_lossy(body);
    let loose: Loose = serde_json::from_str(&text).ok()?;
    // Built through the generated builders, not struct literals, so a field a new document adds
    // to the response (a compatible change) does not break this code.
    let data: Vec<ImageData> = loose
        .data
        .into_iter()
        .map(|item| {
            ImageData::builder()
                .b64_json(item.b64_json.0)
                .revised_prompt(item.revised_prompt.0)
                .url(item.url.0)
                .try_into()
                .ok()
        })
        .collect::<Option<_>>()?;
    let usable = !data.is_empty() && data.iter().all(|d| d.url.is_some() || d.b64_json.is_some());
    if !usable {
        return None;
    }
    // Read apart from `data`: a `created` no integer type holds (`1e309`) must not cost the images.
    let created = serde_json::from_str::<Created>(&text)
        .ok()
        .and_then(|c| c.created);
    tracing::warn!(
        error = %decode_error,
        created_readable = created.is_some(),
        utf8 = matches!(text, Cow::Borrowed(_)),
        images = data.len(),
        "the API answer deviates from its schema; its images are kept"
    );
    CreateImageResponse::builder()
        .created(created.unwrap_or_default())
        .data(data)
        .try_into()
        .ok()
}

/// The answer with only `data` read; every other member is skipped unread.
#[derive(serde::Deserialize)]
struct Loose {
    data: Vec<LooseImage>,
}

#[derive(serde::Deserialize)]
struct LooseImage {
    #[serde(default)]
    url: Text,
    #[serde(default)]
    b64_json: Text,
    #[serde(default)]
    revised_prompt: Text,
}

#[derive(serde::Deserialize)]
struct Created {
    created: Option<i64>,
}

/// A string member, or nothing when the member holds another kind of value.
#[derive(Default)]
struct Text(Option<String>);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<Text, E> {
        Ok(Text(Some(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Text, E> {
        Ok(Text(Some(v)))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Text, E> {
        Ok(Text(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Text, E> {
        Ok(Text(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Text, E> {
        Ok(Text(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Text, E> {
        Ok(Text(None))
    }

    fn visit_unit<E>(self) -> Result<Text, E> {
        Ok(Text(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_survive_a_missing_or_mistyped_created() {
        for body in [
            r#"{"data": [{"url": "https://cdn.example/a.png"}]}"#,
            r#"{"created": "yesterday", "data": [{"url": "https://cdn.example/a.png", "revised_prompt": 7}]}"#,
            r#"{"created": 1e309, "data": [{"url": "https://cdn.example/a.png"}]}"#,
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

    #[test]
    fn text_that_is_not_utf8_keeps_the_image_and_the_rest_of_the_text() {
        let body = [
            br#"{"created": 1700000000, "data": [{"url": "https://cdn.example/a.png", "revised_prompt": "caf"#.as_slice(),
            b"\xff",
            br#""}]}"#.as_slice(),
        ]
        .concat();
        let response = salvage(&body, &"bad").unwrap();
        assert_eq!(response.created, 1_700_000_000);
        assert_eq!(
            response.data[0].revised_prompt.as_deref(),
            Some("caf\u{fffd}")
        );
    }
}
