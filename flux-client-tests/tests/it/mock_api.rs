//! The mock answers valid requests like the API: `n` images, on a separate image host or as
//! base64, real PNGs of the requested aspect ratio, deterministic for a prompt and seed; and it
//! records the wire.

use std::num::NonZeroU64;

use base64::Engine as _;
use flux_client::mock::{Listener, MockServer};
use flux_client::types::{AspectRatio, OutputFormat, SafetyTolerance};
use serde_json::json;

use crate::mock_support::{
    MODEL, api_client, assert_conforms_to_response, authed_client, body, minimal, png_size, post,
};

/// The values of an enum field as the repaired document lists them, each with its generated
/// variant: the tests follow the document, whatever ratios it lists.
fn document_values<T: std::str::FromStr>(field: &str) -> Vec<(T, &'static str)>
where
    T::Err: std::fmt::Debug,
{
    let values = flux_client::fields::field(field)
        .unwrap_or_else(|| panic!("the document declares no {field}"))
        .values;
    assert!(!values.is_empty(), "{field} is not an enum in the document");
    values.iter().map(|v| (v.parse().unwrap(), *v)).collect()
}

/// A body decoded from its wire form (`fields` over a minimal one): a field's value in whatever
/// Rust type the document gives it.
fn wire_body(fields: serde_json::Value) -> flux_client::types::CreateImageBody {
    let mut body = json!({"model": MODEL, "prompt": "p"});
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    serde_json::from_value(body).unwrap()
}

fn all_ratios() -> Vec<(AspectRatio, &'static str)> {
    document_values("size")
}

fn ratio_terms(ratio: &str) -> (u32, u32) {
    let (w, h) = ratio.split_once(':').unwrap();
    (w.parse().unwrap(), h.parse().unwrap())
}

async fn download(server: &MockServer, url: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let response = authed_client(server).get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let headers = response.headers().clone();
    (headers, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn every_aspect_ratio_gives_n_png_urls_on_the_image_host() {
    let server = MockServer::start().await.unwrap();
    let client = api_client(&server);
    for (ratio, text) in all_ratios() {
        let response = client
            .create_image()
            .body(body("a red kite").size(ratio).n(NonZeroU64::new(2)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let response = response.into_inner();
        assert_eq!(response.data.len(), 2, "{text}");
        assert!(response.created > 1_600_000_000);
        for image in &response.data {
            let url = image.url.as_deref().unwrap();
            assert!(url.starts_with(&server.image_base_url()), "{url}");
            assert_ne!(server.image_base_url(), server.base_url());
            assert_eq!(image.b64_json.as_deref(), Some(""));
            assert_eq!(image.revised_prompt.as_deref(), Some(""));

            let (headers, png) = download(&server, url).await;
            assert_eq!(headers["content-type"], "image/png");
            let (width, height) = png_size(&png);
            let (a, b) = ratio_terms(text);
            assert_eq!(width * b, height * a, "{text}: {width}x{height}");
            assert!(width.min(height) >= 64 && width.max(height) <= 512);
        }
        assert_ne!(response.data[0].url, response.data[1].url);
    }
}

#[tokio::test]
async fn defaults_are_one_16_9_image_as_a_url() {
    let server = MockServer::start().await.unwrap();
    let (status, _, value) = post(&server, &minimal("a boat"), &[]).await;
    assert_eq!(status, 200);
    assert_conforms_to_response(&value);
    let data = value["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    let (_, png) = download(&server, data[0]["url"].as_str().unwrap()).await;
    let (width, height) = png_size(&png);
    assert_eq!(width * 9, height * 16);
}

#[tokio::test]
async fn b64_json_output_carries_the_png_and_no_url() {
    let server = MockServer::start().await.unwrap();
    let (ratio, text) = all_ratios().pop().unwrap();
    let (a, b) = ratio_terms(text);
    let response = api_client(&server)
        .create_image()
        .body(
            body("a blue door")
                .output_format(OutputFormat::B64Json)
                .size(ratio)
                .n(NonZeroU64::new(3)),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.data.len(), 3);
    for image in &response.data {
        assert_eq!(image.url.as_deref(), Some(""));
        let png = base64::engine::general_purpose::STANDARD
            .decode(image.b64_json.as_deref().unwrap())
            .unwrap();
        let (width, height) = png_size(&png);
        assert_eq!(width * b, height * a, "{text}");
    }
    assert!(server.requests_on(Listener::Images).is_empty());
}

#[tokio::test]
async fn same_prompt_and_seed_give_the_same_image() {
    let server = MockServer::start().await.unwrap();
    let get = |prompt: &'static str, seed: Option<i64>| {
        let server = &server;
        async move {
            let mut request = minimal(prompt);
            request["output_format"] = json!("b64_json");
            if let Some(seed) = seed {
                request["seed"] = json!(seed);
            }
            let (_, _, value) = post(server, &request, &[]).await;
            value["data"][0]["b64_json"].as_str().unwrap().to_owned()
        }
    };
    let first = get("a green fern", Some(42)).await;
    assert_eq!(first, get("a green fern", Some(42)).await);
    assert_ne!(first, get("a green fern", Some(43)).await);
    assert_ne!(first, get("a brown fern", Some(42)).await);
    // Without a seed every request draws a new one.
    assert_ne!(
        get("a green fern", None).await,
        get("a green fern", None).await
    );

    // The URL form serves the same bytes as the base64 form.
    let (_, _, value) = post(
        &server,
        &json!({"model": MODEL, "prompt": "a green fern", "seed": 42}),
        &[],
    )
    .await;
    let (_, png) = download(&server, value["data"][0]["url"].as_str().unwrap()).await;
    assert_eq!(base64::engine::general_purpose::STANDARD.encode(png), first);
}

#[tokio::test]
async fn every_field_and_enum_value_reaches_the_server_as_the_document_spells_it() {
    let server = MockServer::start().await.unwrap();
    let client = api_client(&server);
    let tolerances: Vec<(SafetyTolerance, _)> = document_values("safety_tolerance");
    let formats: Vec<(OutputFormat, _)> = document_values("output_format");
    for (index, (ratio, ratio_text)) in all_ratios().into_iter().enumerate() {
        let (tolerance, tolerance_text) = tolerances[index % tolerances.len()];
        let (format, format_text) = formats[index % formats.len()];
        client
            .create_image()
            .body(
                body("every field")
                    .size(ratio)
                    .safety_tolerance(tolerance)
                    .output_format(format)
                    .n(NonZeroU64::new(1))
                    // Typed as the document types it (`i64`, or `u32` once it states a
                    // range), taken from the wire form.
                    .seed(wire_body(json!({"seed": 7})).seed)
                    .raw(true)
                    .enhance_prompt(false)
                    .enable_safety_checker(true)
                    .image_prompt_strength(0.25f64)
                    .image_url("https://example.invalid/in.png".to_owned()),
            )
            .send()
            .await
            .unwrap();
        let recorded = server.take_requests();
        let api: Vec<_> = recorded
            .iter()
            .filter(|r| r.listener == Listener::Api)
            .collect();
        assert_eq!(api.len(), 1);
        let request = api[0];
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/v1/images/generations");
        assert_eq!(
            request.header("authorization"),
            Some(MockServer::DEFAULT_API_KEY)
        );
        assert_eq!(request.header("api-version"), None, "not needed by the API");
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(
            request.json().unwrap(),
            json!({
                "model": MODEL,
                "prompt": "every field",
                "size": ratio_text,
                "safety_tolerance": tolerance_text,
                "output_format": format_text,
                "n": 1,
                "seed": 7,
                "raw": true,
                "enhance_prompt": false,
                "enable_safety_checker": true,
                "image_prompt_strength": 0.25,
                "image_url": "https://example.invalid/in.png",
            })
        );
    }
    // Unset optional fields are not sent: the server applies its own defaults.
    client
        .create_image()
        .body(body("bare"))
        .send()
        .await
        .unwrap();
    let request = &server.take_requests()[0];
    assert_eq!(
        request.json().unwrap(),
        json!({"model": MODEL, "prompt": "bare"})
    );
}

#[tokio::test]
async fn image_downloads_are_recorded_on_the_image_listener() {
    let server = MockServer::start().await.unwrap();
    let (_, _, value) = post(&server, &minimal("a kettle"), &[]).await;
    let url = value["data"][0]["url"].as_str().unwrap().to_owned();
    reqwest::get(&url).await.unwrap().bytes().await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].listener, Listener::Api);
    assert_eq!(requests[1].listener, Listener::Images);
    assert_eq!(requests[1].method, "GET");
    assert!(url.ends_with(&requests[1].path));
    assert_eq!(requests[1].header("authorization"), None);
    assert!(requests[1].body.is_empty());
    assert_eq!(server.requests_on(Listener::Images).len(), 1);
    assert!(server.requests_on(Listener::Redirect).is_empty());
}

#[tokio::test]
async fn unknown_image_paths_and_methods_are_refused_by_the_image_host() {
    let server = MockServer::start().await.unwrap();
    let client = authed_client(&server);
    let missing = client
        .get(format!("{}/images/999999.png", server.image_base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let (_, _, value) = post(&server, &minimal("a cup"), &[]).await;
    let url = value["data"][0]["url"].as_str().unwrap();
    assert_eq!(client.post(url).send().await.unwrap().status(), 405);
    assert_eq!(client.head(url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_port_setting_binds_the_api_listener() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let server = MockServer::builder().port(port).start().await.unwrap();
    assert_eq!(server.addr().port(), port);
    assert_eq!(server.base_url(), format!("http://127.0.0.1:{port}"));
    assert_ne!(server.image_addr().port(), port);
}
