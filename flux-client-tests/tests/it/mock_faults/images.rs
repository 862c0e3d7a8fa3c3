//! Image faults: URLs that are not found, images too large, redirected or held back.

use std::time::Duration;

use flux_client::mock::{Listener, MockServer};

use super::url_with_image_fault;
use crate::mock_support::{authed_builder, authed_client, minimal, post, raw_client};

#[tokio::test]
async fn image_404_publishes_urls_that_are_not_found() {
    let server = MockServer::start().await.unwrap();
    let url = url_with_image_fault(&server, "image-404").await;
    assert!(url.starts_with(&server.image_base_url()));
    let response = raw_client(&server).get(&url).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

/// Reads a streamed body to its end, counting bytes without keeping them.
async fn count_body(mut response: reqwest::Response) -> (u64, Vec<u8>) {
    let mut total = 0u64;
    let mut head = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        if head.len() < 64 {
            head.extend_from_slice(&chunk[..chunk.len().min(64)]);
        }
        total += chunk.len() as u64;
    }
    (total, head)
}

#[tokio::test]
async fn image_too_large_streams_a_png_of_the_given_size() {
    let server = MockServer::start().await.unwrap();
    let size = 3 * 1024 * 1024 + 5;

    let url = url_with_image_fault(&server, &format!("image-too-large;bytes={size}")).await;
    let response = raw_client(&server).get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.content_length(), Some(size));
    let (total, head) = count_body(response).await;
    assert_eq!(total, size);
    assert!(head.starts_with(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"));

    let url = url_with_image_fault(&server, &format!("image-too-large;bytes={size};chunked")).await;
    let response = raw_client(&server).get(&url).send().await.unwrap();
    assert_eq!(response.content_length(), None);
    assert_eq!(count_body(response).await.0, size);

    // A client that stops early just drops the connection; the server goes on serving.
    let url = url_with_image_fault(&server, "image-too-large;bytes=100000000").await;
    let mut response = raw_client(&server).get(&url).send().await.unwrap();
    assert!(response.chunk().await.unwrap().is_some());
    drop(response);
    assert_eq!(post(&server, &minimal("after"), &[]).await.0, 200);
}

#[tokio::test]
async fn image_redirect_leads_to_another_origin_that_records_authorization() {
    let server = MockServer::start().await.unwrap();
    let url = url_with_image_fault(&server, "image-redirect").await;

    // Without following: a 302 to the same path on the redirect listener.
    let manual = authed_builder(&server)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = manual.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&server.redirect_base_url()),
        "{location}"
    );
    assert_ne!(server.redirect_base_url(), server.image_base_url());

    // Following: the image arrives from the redirect target, and reqwest dropped the key there.
    server.take_requests();
    let response = authed_client(&server).get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let png = response.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let images = server.requests_on(Listener::Images);
    let redirected = server.requests_on(Listener::Redirect);
    assert_eq!((images.len(), redirected.len()), (1, 1));
    assert!(images[0].header("authorization").is_some());
    assert_eq!(redirected[0].header("authorization"), None);

    // A client that sends the key itself to the target is seen doing so.
    manual
        .get(&location)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let last = server.requests_on(Listener::Redirect).pop().unwrap();
    assert_eq!(
        last.header("authorization"),
        Some(MockServer::DEFAULT_API_KEY)
    );
}

#[tokio::test]
async fn image_delay_holds_the_image_back() {
    let server = MockServer::start().await.unwrap();
    let url = url_with_image_fault(&server, "image-delay;ms=3000").await;
    let impatient = authed_builder(&server)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    assert!(impatient.get(&url).send().await.unwrap_err().is_timeout());
}
