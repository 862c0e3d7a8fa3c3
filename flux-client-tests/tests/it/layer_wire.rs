//! Every request field reaches the wire exactly as typed, with the right headers: on the mock,
//! which records what it receives; on the scripted server where an answer the mock does not give
//! (a request id, a base URL with a path) is part of the test.

use flux_client::AuthScheme;
use flux_client::mock::{Listener, MockServer};
use flux_client::types::{AspectRatio, OutputFormat, SafetyTolerance};
use flux_client_tests::scripted::ScriptedServer;
use serde_json::json;

use crate::layer_common::*;

/// A builder for the mock with the client's own HTTP settings (user agent included).
fn mock_builder(server: &MockServer) -> flux_client::FluxClientBuilder {
    flux_client::FluxClient::builder()
        .api_key(server.api_key())
        .base_url(server.base_url())
        .retry_policy(fast_retry())
}

/// The generation requests the mock received, one per attempt.
fn sent(server: &MockServer) -> Vec<flux_client::mock::RecordedRequest> {
    server.requests_on(Listener::Api)
}

#[tokio::test]
async fn every_field_reaches_the_wire_as_typed() {
    let server = MockServer::start().await.unwrap();
    let client = mock_builder(&server).build().unwrap();

    let images = client
        .generate("a red fox in fresh snow, golden hour")
        .model("flux-pro-test")
        .size(AspectRatio::X916)
        .seed(42)
        .n(2)
        .safety_tolerance(SafetyTolerance::X5)
        .output_format(OutputFormat::Url)
        .image_url("https://example.com/in.png?sig=a%20b")
        .image_prompt_strength(0.35)
        .enable_safety_checker(true)
        .enhance_prompt(false)
        .raw(true)
        .send()
        .await
        .expect("the generation succeeds");
    assert_eq!(images.len(), 2);

    let requests = sent(&server);
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/images/generations");
    assert_eq!(
        request.json().unwrap(),
        json!({
            "model": "flux-pro-test",
            "prompt": "a red fox in fresh snow, golden hour",
            "size": "9:16",
            "seed": 42,
            "n": 2,
            "safety_tolerance": "5",
            "output_format": "url",
            "image_url": "https://example.com/in.png?sig=a%20b",
            "image_prompt_strength": 0.35,
            "enable_safety_checker": true,
            "enhance_prompt": false,
            "raw": true,
        })
    );
    assert_eq!(request.header("authorization"), Some(server.api_key()));
    assert_eq!(request.header("api-version"), None, "not needed by the API");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("flux-client/"))
    );
}

#[tokio::test]
async fn unset_fields_are_not_sent_and_the_model_defaults() {
    let server = ScriptedServer::start().await;
    server
        .push(images_reply(&["https://cdn.example/a.png".into()]).header("x-request-id", "req-7"));
    let images = client_for(&server).generate("fox").send().await.unwrap();
    assert_eq!(images.request_id(), Some("req-7"));
    assert_eq!(images.first().url(), Some("https://cdn.example/a.png"));
    assert_eq!(
        images.first().revised_prompt(),
        None,
        "an empty string is absent"
    );
    assert_eq!(
        server.requests()[0].json(),
        json!({"model": "flux-pro-v1.1-ultra-text-to-image", "prompt": "fox"})
    );
}

#[tokio::test]
async fn strings_users_type_become_the_same_wire_values() {
    let server = MockServer::start().await.unwrap();
    mock_builder(&server)
        .build()
        .unwrap()
        .generate("fox")
        .size("21:9")
        .safety_tolerance("6")
        .output_format("b64_json")
        .send()
        .await
        .unwrap();
    let body = sent(&server)[0].json().unwrap();
    assert_eq!(body["size"], "21:9");
    assert_eq!(body["safety_tolerance"], "6");
    assert_eq!(body["output_format"], "b64_json");
}

#[tokio::test]
async fn bearer_scheme_user_agent_and_default_model_are_configurable() {
    let server = MockServer::start().await.unwrap();
    mock_builder(&server)
        .auth_scheme(AuthScheme::Bearer)
        .user_agent("my-app/1.0")
        .model("other-model")
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap();
    let request = &sent(&server)[0];
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {}", server.api_key()).as_str())
    );
    assert_eq!(request.header("user-agent"), Some("my-app/1.0"));
    assert_eq!(request.json().unwrap()["model"], "other-model");
}

#[tokio::test]
async fn a_base_url_with_a_path_and_trailing_slash_is_joined_once() {
    let server = ScriptedServer::start().await;
    server.push(images_reply(&["https://cdn.example/a.png".into()]));
    flux_client::FluxClient::builder()
        .api_key(KEY)
        .base_url(format!("{}/proxy/", server.url()))
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests()[0].path, "/proxy/v1/images/generations");
}

#[tokio::test]
async fn a_custom_reqwest_client_is_used_and_still_gets_the_key() {
    let server = ScriptedServer::start().await;
    server.push(images_reply(&["https://cdn.example/a.png".into()]));
    let http = flux_client::reqwest::Client::builder()
        .user_agent("custom-http/9")
        .build()
        .unwrap();
    builder_for(&server)
        .http_client(http)
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.header("user-agent"), Some("custom-http/9"));
    assert_eq!(request.header("authorization"), Some(KEY));
}

/// Callers spawn these futures on multi-threaded runtimes: `Send` and `'static`, checked at
/// compile time (`tokio::spawn` needs both).
#[test]
fn public_futures_are_send_and_static() {
    fn assert_spawnable<T: Send + 'static>(_: &T) {}
    fn assert_send<T: Send>(_: &T) {}
    fn image_futures(image: &flux_client::Image, images: &flux_client::Images) {
        assert_send(&image.bytes());
        assert_send(&image.save_in("out"));
        assert_send(&image.save_to("out/a.png"));
        assert_send(&images.save_all_in("out"));
    }
    let _ = image_futures as fn(&flux_client::Image, &flux_client::Images);
    let client = flux_client::FluxClient::builder()
        .api_key(KEY)
        .build()
        .unwrap();
    let send = client.generate("fox").size("9:16").send();
    drop(client);
    assert_spawnable(&send);
}

#[tokio::test]
async fn spawned_requests_carry_the_key() {
    let server = ScriptedServer::start().await;
    for _ in 0..4 {
        server.push(images_reply(&["https://cdn.example/a.png".into()]));
    }
    let client = client_for(&server);
    let tasks: Vec<_> = (0..4)
        .map(|i| tokio::spawn(client.generate(format!("fox {i}")).send()))
        .collect();
    drop(client);
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().len(), 1);
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for request in &requests {
        assert_eq!(request.header("authorization"), Some(KEY));
    }
}

#[tokio::test]
async fn the_generated_client_is_ready_with_the_key_and_sends_no_api_version() {
    let server = ScriptedServer::start().await;
    server.push(images_reply(&["https://cdn.example/a.png".into()]));
    let client = client_for(&server);
    let body = flux_client::types::CreateImageBody::builder()
        .model("m")
        .prompt("fox");
    let response = client
        .generated()
        .create_image()
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.into_inner().data.len(), 1);
    let request = &server.requests()[0];
    assert_eq!(request.header("authorization"), Some(KEY));
    assert_eq!(request.header("api-version"), None);
    assert_eq!(request.header("accept"), Some("application/json"));
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("flux-client/")
    );
}

#[tokio::test]
async fn each_client_sends_its_own_key_to_its_own_host() {
    let (a, b) = (ScriptedServer::start().await, ScriptedServer::start().await);
    a.push(images_reply(&["https://cdn.example/a.png".into()]));
    b.push(images_reply(&["https://cdn.example/b.png".into()]));
    let client_a = client_for(&a);
    let client_b = flux_client::FluxClient::builder()
        .api_key("sk-other")
        .base_url(b.url())
        .build()
        .unwrap();
    let body = || {
        flux_client::types::CreateImageBody::builder()
            .model("m")
            .prompt("fox")
    };
    // Calls on b's generated client made while a's client is busy elsewhere still use b's key.
    let (ra, rb) = tokio::join!(
        client_a.generate("fox").send(),
        client_b.generated().create_image().body(body()).send()
    );
    ra.unwrap();
    rb.unwrap();
    assert_eq!(a.requests()[0].header("authorization"), Some(KEY));
    assert_eq!(b.requests()[0].header("authorization"), Some("sk-other"));
}
