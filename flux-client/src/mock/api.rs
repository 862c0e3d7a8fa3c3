//! The API listener: `POST /v1/images/generations` answered like OneRouter, or with a fault.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Value, json};

use super::body::{self, Body};
use super::faults::Fault;
use super::image_host::{ImageMode, StoredImage};
use super::images;
use super::listener::{Abort, Answer};
use super::validation;
use super::{MockServer, Shared};

/// The only path the API serves.
pub(crate) const GENERATIONS_PATH: &str = "/v1/images/generations";

/// The documented error body, with the HTTP status equal to `error.code`.
pub(crate) fn error_body(code: u16, message: &str, type_: &str, param: Option<&str>) -> Value {
    json!({
        "error": {
            "code": code,
            "message": message,
            "type": type_,
            "param": param,
        }
    })
}

/// The message and type the mock uses for an error status when nothing more specific applies.
pub(crate) fn documented_error(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("The request is invalid.", "invalid_request_error"),
        401 => (
            "Invalid API key: pass a valid key in the Authorization header.",
            "authentication_error",
        ),
        402 => (
            "Insufficient credits: add credits to your account to continue.",
            "insufficient_quota",
        ),
        403 => ("Your input was flagged by moderation.", "moderation_error"),
        404 => ("Not found.", "invalid_request_error"),
        408 => ("The request timed out.", "timeout_error"),
        422 => (
            "The prompt was rejected by the content policy.",
            "content_policy_violation",
        ),
        429 => (
            "Rate limit exceeded: too many requests or concurrent tasks.",
            "rate_limit_error",
        ),
        502 => (
            "The upstream model provider returned an invalid response.",
            "upstream_error",
        ),
        503 => (
            "The model is unavailable: no provider can serve it right now.",
            "service_unavailable",
        ),
        500..=599 => (
            "The server had an error processing the request.",
            "server_error",
        ),
        _ => ("The request failed.", "invalid_request_error"),
    }
}

fn json_response(status: u16, value: &Value) -> Response<Body> {
    let mut response = Response::new(body::full(value.to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub(crate) fn error_response(
    status: u16,
    message: &str,
    type_: &str,
    param: Option<&str>,
) -> Response<Body> {
    json_response(status, &error_body(status, message, type_, param))
}

fn documented_response(status: u16) -> Response<Body> {
    let (message, type_) = documented_error(status);
    error_response(status, message, type_, None)
}

/// The documented error body for `status`, with `Retry-After` when given.
fn status_response(status: u16, retry_after: Option<u64>) -> Response<Body> {
    let mut response = documented_response(status);
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Answers one request to the API listener.
pub(crate) async fn handle(
    shared: &Shared,
    parts: &http::request::Parts,
    request_body: &Bytes,
) -> Answer {
    if parts.uri.path() != GENERATIONS_PATH {
        let message = format!("Unknown path: {}", parts.uri.path());
        return Ok(error_response(404, &message, "invalid_request_error", None));
    }
    if parts.method != http::Method::POST {
        let message = format!("Method {} is not allowed here; use POST.", parts.method);
        let mut response = error_response(405, &message, "invalid_request_error", None);
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Ok(response);
    }

    let faults = match shared.faults_for(&parts.headers) {
        Ok(faults) => faults,
        Err(message) => {
            return Ok(error_response(
                400,
                &message,
                "invalid_request_error",
                Some(MockServer::FAULT_HEADER),
            ));
        }
    };
    // An account lets the request in (holding its place until the answer) or refuses it now.
    let _slot = match faults.iter().find_map(|fault| match fault {
        Fault::Account(account) => Some(shared.accounts.get(account)),
        _ => None,
    }) {
        Some(account) => match account.admit() {
            Some(slot) => Some(slot),
            None => return Ok(status_response(429, account.retry_after())),
        },
        None => None,
    };
    for fault in &faults {
        if let Fault::Delay(wait) = fault {
            tokio::time::sleep(*wait).await;
        }
    }
    let response_fault = faults
        .iter()
        .find(|fault| !fault.is_delay() && !fault.is_image_fault() && !fault.is_account());
    if let Some(fault) = response_fault {
        return answer_with_fault(shared, fault);
    }

    if let Some(refusal) = auth_refusal(shared, &parts.headers) {
        return Ok(refusal);
    }
    let request: Value = match serde_json::from_slice(request_body) {
        Ok(value) => value,
        Err(error) => {
            let message = format!("We could not parse the JSON body of your request: {error}.");
            return Ok(error_response(400, &message, "invalid_request_error", None));
        }
    };
    if let Err(invalid) = validation::check_request(&request) {
        return Ok(error_response(
            400,
            &invalid.message,
            "invalid_request_error",
            invalid.param.as_deref(),
        ));
    }

    // The schema guarantees the types below; absent fields take their `x-server-default`.
    let prompt = request["prompt"].as_str().unwrap_or_default();
    if prompt.contains(MockServer::BLOCKED_PROMPT_MARKER) {
        let (message, type_) = documented_error(422);
        return Ok(error_response(422, message, type_, Some("prompt")));
    }
    // The schema (with the document's `minimum`) has accepted `n`; the mock draws at most
    // `MAX_IMAGES` of them.
    let n = request
        .get("n")
        .map_or(1, |n| n.as_i64().unwrap_or(i64::MAX))
        .clamp(1, MockServer::MAX_IMAGES);
    // An absent size is the document's server default.
    let default_size = crate::fields::field("size").and_then(|f| f.server_default_text());
    let size = request["size"]
        .as_str()
        .or(default_size.as_deref())
        .unwrap_or("16:9");
    let (width, height) = images::dimensions(size).unwrap_or((128, 72));
    let base64 = request["output_format"].as_str() == Some("b64_json");
    let seed = match &request["seed"] {
        Value::Null => shared.fresh_seed(),
        seed => seed
            .as_i64()
            .or_else(|| seed.as_u64().map(|s| s as i64))
            .or_else(|| seed.as_f64().map(|s| s as i64))
            .unwrap_or_default(),
    };
    let mode = image_mode(&faults);

    let mut data = Vec::new();
    for index in 0..n {
        let png = images::render_png(prompt, seed.wrapping_add(index), width, height);
        let item = if base64 {
            let encoded = base64::engine::general_purpose::STANDARD.encode(&png);
            json!({"url": "", "b64_json": encoded, "revised_prompt": ""})
        } else {
            let url = shared.images.publish(
                &shared.image_base_url,
                StoredImage {
                    // Copied to its length: the encoder's buffer is several times larger, and
                    // the store keeps `history` images.
                    png: Bytes::copy_from_slice(&png),
                    mode: mode.clone(),
                },
            );
            json!({"url": url, "b64_json": "", "revised_prompt": ""})
        };
        data.push(item);
    }
    Ok(json_response(
        200,
        &json!({"created": unix_now(), "data": data}),
    ))
}

/// How image URLs of this answer behave, from its image faults.
fn image_mode(faults: &[Fault]) -> ImageMode {
    let mut mode = ImageMode::default();
    for fault in faults {
        match fault {
            Fault::ImageDelay(wait) => mode.delay += *wait,
            Fault::ImageNotFound => mode.missing = true,
            Fault::ImageRedirect => mode.redirect = true,
            Fault::ImageTooLarge {
                bytes,
                content_length,
            } => mode.oversized = Some((*bytes, *content_length)),
            Fault::ImageStatus { status, times } => mode.failures = Some((*status, *times)),
            _ => {}
        }
    }
    mode
}

/// The 401 for a request without the key. `Authorization: <key>` (as OneRouter documents) and
/// `Authorization: Bearer <key>` are accepted.
fn auth_refusal(shared: &Shared, headers: &http::HeaderMap) -> Option<Response<Body>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Some(error_response(
            401,
            "Missing API key: pass it in the Authorization header.",
            "authentication_error",
            None,
        ));
    };
    let value = value.to_str().unwrap_or_default().trim();
    let key = value.strip_prefix("Bearer ").unwrap_or(value).trim();
    (key != shared.api_key).then(|| documented_response(401))
}

/// A plausible success body, which the faults that break an answer on the wire cut short.
fn sample_success(shared: &Shared) -> Bytes {
    let body = json!({
        "created": unix_now(),
        "data": [{
            "url": format!("{}/images/never-published.png", shared.image_base_url),
            "b64_json": "",
            "revised_prompt": "",
        }],
    });
    Bytes::from(body.to_string())
}

fn with_content_type(mut response: Response<Body>, value: &'static str) -> Response<Body> {
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
    response
}

/// The answer a response fault (neither a delay nor an image fault) gives.
fn answer_with_fault(shared: &Shared, fault: &Fault) -> Answer {
    let response = match fault {
        Fault::Status {
            status,
            retry_after,
        } => status_response(*status, *retry_after),
        Fault::ErrorIn200 { code } => {
            let (message, type_) = documented_error(*code);
            json_response(200, &error_body(*code, message, type_, None))
        }
        Fault::EmptyData => json_response(200, &json!({"created": unix_now(), "data": []})),
        Fault::MalformedJson => with_content_type(
            Response::new(body::full(
                "{\"created\": 1700000000, \"data\": [{'url': 'http://127.0.0.1/x.png',}]",
            )),
            "application/json",
        ),
        Fault::WrongContentType => with_content_type(
            Response::new(body::full(
                "<!DOCTYPE html><html><head><title>Gateway</title></head>\
                 <body><h1>Please sign in to continue</h1></body></html>",
            )),
            "text/html; charset=utf-8",
        ),
        Fault::TruncatedBody => {
            let full = sample_success(shared);
            let mut response = Response::new(body::broken(full.slice(..full.len() / 2)));
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
            with_content_type(response, "application/json")
        }
        Fault::CloseMidResponse => {
            let full = sample_success(shared);
            let response = Response::new(body::broken(full.slice(..full.len() / 2)));
            with_content_type(response, "application/json")
        }
        Fault::CloseBeforeResponse => return Err(Abort),
        Fault::Delay(_)
        | Fault::ImageNotFound
        | Fault::ImageTooLarge { .. }
        | Fault::ImageRedirect
        | Fault::ImageDelay(_)
        | Fault::ImageStatus { .. }
        | Fault::Account(_) => unreachable!("not a response fault: {fault}"),
    };
    Ok(response)
}
