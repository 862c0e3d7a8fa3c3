//! Reading the answer's body once, bounded by `max_response_bytes`.

use bytes::{Bytes, BytesMut};

/// What reading the body gave.
pub(super) enum Body {
    Whole(Bytes),
    /// Larger than the cap: not read further.
    TooLarge,
}

/// Reads the whole body, refusing more than `max_bytes`. A body that arrives in one chunk (the
/// usual small JSON answer) is kept as it came, without a copy.
pub(super) async fn read(
    response: &mut reqwest::Response,
    max_bytes: u64,
) -> reqwest::Result<Body> {
    if response
        .content_length()
        .is_some_and(|length| length > max_bytes)
    {
        return Ok(Body::TooLarge);
    }
    let Some(first) = response.chunk().await? else {
        return Ok(Body::Whole(Bytes::new()));
    };
    if first.len() as u64 > max_bytes {
        return Ok(Body::TooLarge);
    }
    let Some(second) = response.chunk().await? else {
        return Ok(Body::Whole(first));
    };
    let capacity = response.content_length().unwrap_or(0).min(max_bytes);
    let mut body = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
    body.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
            return Ok(Body::TooLarge);
        }
        body.extend_from_slice(&chunk);
        next = response.chunk().await?;
    }
    Ok(Body::Whole(body.freeze()))
}
