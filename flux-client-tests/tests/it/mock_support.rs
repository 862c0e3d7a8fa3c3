//! Helpers shared by the `mock_*` modules: clients for a running mock, the repaired document's
//! schemas, and PNG decoding.

use std::sync::OnceLock;

use flux_client::generated::Client;
use flux_client::mock::MockServer;
use flux_client::types;
use jsonschema::Validator;
use serde_json::Value;

/// The model name OneRouter documents.
pub const MODEL: &str = "flux-pro-v1.1-ultra-text-to-image";

/// What a bare generated client carries when the key comes from the reqwest client's default
/// headers (these tests send keys, wrong keys and none at all on purpose).
pub fn session() -> flux_client::generated::Session {
    flux_client::generated::Session::new(None, flux_client::AuthScheme::RawKey)
        .expect("a session without a key")
}

/// A reqwest builder that trusts the server's authority when it serves HTTPS.
fn builder(server: &MockServer) -> reqwest::ClientBuilder {
    let mut builder = reqwest::Client::builder();
    if let Some(pem) = server.ca_certificate_pem() {
        let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("the mock's CA is PEM");
        builder = builder.add_root_certificate(ca);
    }
    builder
}

/// A reqwest client with no default headers.
pub fn raw_client(server: &MockServer) -> reqwest::Client {
    builder(server).build().expect("client")
}

/// A reqwest client that sends `Authorization: <key>` (OneRouter's documented form) on every
/// request, as a naive client configured with a default header would.
pub fn authed_client(server: &MockServer) -> reqwest::Client {
    authed_builder(server).build().expect("client")
}

/// [`authed_client`]'s builder, for tests that change more settings.
pub fn authed_builder(server: &MockServer) -> reqwest::ClientBuilder {
    let mut headers = reqwest::header::HeaderMap::new();
    let mut key: reqwest::header::HeaderValue = server.api_key().parse().expect("key");
    key.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, key);
    builder(server).default_headers(headers)
}

/// The generated client, pointed at the mock with its key.
pub fn api_client(server: &MockServer) -> Client {
    Client::new_with_client(&server.base_url(), authed_client(server), session())
}

/// A generation body with the required fields.
pub fn body(prompt: &str) -> types::builder::CreateImageBody {
    types::CreateImageBody::builder()
        .model(MODEL)
        .prompt(prompt)
}

/// POSTs `json` to the generation endpoint with the key and extra headers; returns the status,
/// headers and body parsed as JSON.
pub async fn post(
    server: &MockServer,
    json: &Value,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = authed_client(server)
        .post(format!("{}/v1/images/generations", server.base_url()))
        .json(json);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the mock answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a whole body");
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "body is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, headers, value)
}

/// A minimal valid request body.
pub fn minimal(prompt: &str) -> Value {
    serde_json::json!({"model": MODEL, "prompt": prompt})
}

/// Width and height of a PNG, decoding all of it (so a corrupt file fails).
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut pixels).expect("PNG pixel data");
    (info.width, info.height)
}

/// The repaired document the client was generated from, parsed here independently of the mock.
fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(flux_client::REPAIRED_DOCUMENT).expect("the repaired document is JSON")
    })
}

fn validator_at(pointer: &str) -> Validator {
    let mut root = document().clone();
    root["$ref"] = Value::String(format!("#{pointer}"));
    jsonschema::draft202012::options()
        .build(&root)
        .expect("the document's schemas compile")
}

/// The violations of the 200 response schema in `value`.
pub fn response_violations(value: &Value) -> Vec<String> {
    static V: OnceLock<Validator> = OnceLock::new();
    let validator = V.get_or_init(|| {
        validator_at(
            "/paths/~1v1~1images~1generations/post/responses/200/content/application~1json/schema",
        )
    });
    validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect()
}

/// The violations of `components/schemas/ErrorBody` in `value`.
pub fn error_body_violations(value: &Value) -> Vec<String> {
    static V: OnceLock<Validator> = OnceLock::new();
    let validator = V.get_or_init(|| validator_at("/components/schemas/ErrorBody"));
    validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect()
}

/// Panics unless `value` validates against the 200 response schema.
pub fn assert_conforms_to_response(value: &Value) {
    let errors = response_violations(value);
    assert!(
        errors.is_empty(),
        "{value} violates the response schema: {errors:?}"
    );
}

/// Panics unless `value` is the documented error body with `code` and a message.
pub fn assert_error_body(value: &Value, code: u16) {
    let errors = error_body_violations(value);
    assert!(errors.is_empty(), "{value} violates ErrorBody: {errors:?}");
    assert_eq!(value["error"]["code"], code, "{value}");
    assert!(
        !value["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{value}"
    );
}
