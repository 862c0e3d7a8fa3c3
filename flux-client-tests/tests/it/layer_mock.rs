//! The layer end to end against the spec-driven mock (`flux_client::mock`): what the layer sends
//! passes the document's schema, images are saved, and no image host ever sees the key.

use flux_client::mock::{Fault, Listener, MockServer};
use flux_client::types::{AspectRatio, SafetyTolerance};
use flux_client::{AuthScheme, Error, FluxClient, FluxClientBuilder};

use crate::layer_common::{fast_retry, files_in};

fn builder(server: &MockServer) -> FluxClientBuilder {
    let mut http = flux_client::reqwest::Client::builder();
    if let Some(pem) = server.ca_certificate_pem() {
        let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("the mock's CA is PEM");
        http = http.add_root_certificate(ca);
    }
    FluxClient::builder()
        .api_key(server.api_key())
        .base_url(server.base_url())
        .http_client(http.build().unwrap())
        .retry_policy(fast_retry())
}

fn no_key_on_image_hosts(server: &MockServer) {
    for listener in [Listener::Images, Listener::Redirect] {
        for request in server.requests_on(listener) {
            assert_eq!(request.header("authorization"), None, "{listener:?}");
            for value in request.headers.values() {
                assert!(
                    !value
                        .to_str()
                        .unwrap_or_default()
                        .contains(server.api_key()),
                    "{listener:?} saw the key"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_field_passes_the_documents_schema_and_images_are_saved() {
    let server = MockServer::start().await.unwrap();
    let client = builder(&server).build().unwrap();
    let images = client
        .generate("a red fox in fresh snow")
        .size(AspectRatio::X916)
        .seed(7)
        .n(2)
        .safety_tolerance(SafetyTolerance::X6)
        .output_format("url")
        .image_url("https://example.com/in.png")
        .image_prompt_strength(0.5)
        .enable_safety_checker(false)
        .enhance_prompt(true)
        .raw(false)
        .send()
        .await
        .expect("the mock accepts every typed field");
    assert_eq!(images.len(), 2);
    let dir = tempfile::tempdir().unwrap();
    let paths = images.save_all_in(dir.path()).await.unwrap();
    for path in &paths {
        assert_eq!(path.extension().unwrap(), "png");
        assert!(std::fs::read(path).unwrap().starts_with(b"\x89PNG"));
    }
    assert_eq!(files_in(dir.path()).len(), 2);
    assert_eq!(server.requests_on(Listener::Images).len(), 2);
    no_key_on_image_hosts(&server);
}

#[tokio::test]
async fn base64_images_and_the_bearer_scheme_work_over_tls() {
    let server = MockServer::builder().tls(true).start().await.unwrap();
    let client = builder(&server)
        .auth_scheme(AuthScheme::Bearer)
        .build()
        .unwrap();
    let images = client
        .generate("fox")
        .output_format("b64_json")
        .send()
        .await
        .unwrap();
    let image = images.first();
    assert!(image.url().is_none());
    assert!(image.bytes().await.unwrap().starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn a_redirected_download_carries_no_key() {
    let server = MockServer::start().await.unwrap();
    server.push_fault(Fault::ImageRedirect);
    let images = builder(&server)
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    images.first().save_in(dir.path()).await.unwrap();
    assert_eq!(server.requests_on(Listener::Redirect).len(), 1);
    no_key_on_image_hosts(&server);
}

#[tokio::test]
async fn a_wrong_key_is_an_api_error_and_a_rate_limit_is_retried() {
    let server = MockServer::start().await.unwrap();
    let err = builder(&server)
        .api_key("sk-wrong")
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 401, .. }), "{err:?}");

    server.take_requests();
    server.push_fault(Fault::Status {
        status: 429,
        retry_after: Some(0),
    });
    builder(&server)
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests_on(Listener::Api).len(), 2);
}

#[tokio::test]
async fn oversized_and_missing_images_leave_no_file() {
    let server = MockServer::start().await.unwrap();
    let client = builder(&server).max_download_bytes(10_000).build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for fault in [
        Fault::ImageNotFound,
        Fault::ImageTooLarge {
            bytes: 1_000_000,
            content_length: false,
        },
    ] {
        server.push_fault(fault);
        let images = client.generate("fox").send().await.unwrap();
        let err = images.first().save_in(dir.path()).await.unwrap_err();
        assert!(matches!(err, Error::Download { .. }), "{err:?}");
    }
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}
