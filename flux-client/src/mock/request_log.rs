//! One log event per request the mock answers (`flux mock -v` prints them): what a program under
//! test sent, and what it got back.

use bytes::Bytes;

use super::listener::Answer;
use super::recording::Listener;

/// The most of a body the log shows; the rest is counted.
const SHOWN_BODY_BYTES: usize = 2048;

/// Emits the event (target `flux_client::mock`, level debug): listener, method, path, the
/// answer's status (or that the connection was dropped), the request id, and the body as text
/// with the server's key replaced by `<redacted>` wherever it appears. Headers are not logged:
/// `Authorization` carries the key.
pub(crate) fn log(
    listener: Listener,
    parts: &http::request::Parts,
    body: &Bytes,
    answer: &Answer,
    request_id: &str,
    api_key: &str,
) {
    let status = match answer {
        Ok(response) => response.status().as_u16().to_string(),
        Err(_) => "none (connection dropped)".to_owned(),
    };
    tracing::debug!(
        target: "flux_client::mock",
        listener = ?listener,
        method = %parts.method,
        path = parts.uri.path(),
        status,
        request_id,
        body = %shown_body(body, api_key),
        "mock answered a request"
    );
}

/// The body as the log shows it: lossy UTF-8, the key redacted, at most
/// [`SHOWN_BODY_BYTES`] of it.
pub(crate) fn shown_body(body: &[u8], api_key: &str) -> String {
    let cut = body.len().min(SHOWN_BODY_BYTES);
    let mut text = String::from_utf8_lossy(&body[..cut]).into_owned();
    if !api_key.is_empty() {
        text = text.replace(api_key, "<redacted>");
    }
    if cut < body.len() {
        text.push_str(&format!("... ({} bytes in all)", body.len()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_redacted_and_a_long_body_cut() {
        assert_eq!(
            shown_body(br#"{"prompt":"sk-mock says hi"}"#, "sk-mock"),
            r#"{"prompt":"<redacted> says hi"}"#
        );
        let long = vec![b'a'; SHOWN_BODY_BYTES + 10];
        let shown = shown_body(&long, "sk-mock");
        assert!(shown.ends_with(&format!("... ({} bytes in all)", SHOWN_BODY_BYTES + 10)));
    }
}
