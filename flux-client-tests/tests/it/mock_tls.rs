//! The mock over HTTPS: a client that trusts the generated authority talks to every listener;
//! one that does not is refused.

use flux_client::mock::{Listener, MockServer};

use crate::mock_support::{api_client, authed_client, body, png_size};

#[tokio::test]
async fn https_with_the_mock_authority_as_root() {
    let server = MockServer::builder().tls(true).start().await.unwrap();
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    assert!(server.image_base_url().starts_with("https://127.0.0.1:"));
    assert!(server.redirect_base_url().starts_with("https://"));
    let pem = server.ca_certificate_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));

    let response = api_client(&server)
        .create_image()
        .body(body("over tls"))
        .send()
        .await
        .unwrap()
        .into_inner();
    let url = response.data[0].url.as_deref().unwrap();
    assert!(url.starts_with("https://"));
    let png = authed_client(&server)
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    png_size(&png);

    // `localhost` is in the certificate too.
    let localhost = url.replace("127.0.0.1", "localhost");
    let response = authed_client(&server).get(&localhost).send().await;
    // localhost may resolve to ::1 first, where nothing listens; reqwest then tries 127.0.0.1.
    assert_eq!(response.unwrap().status(), 200);

    assert_eq!(server.requests_on(Listener::Images).len(), 2);
}

#[tokio::test]
async fn a_client_without_the_root_is_refused() {
    let server = MockServer::builder().tls(true).start().await.unwrap();
    let error = reqwest::Client::new()
        .post(format!("{}/v1/images/generations", server.base_url()))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert!(server.requests().is_empty());
    // Plain HTTP to the TLS port does not get an answer either.
    let plain = server.base_url().replace("https://", "http://");
    assert!(reqwest::Client::new().get(&plain).send().await.is_err());
}

#[tokio::test]
async fn every_server_has_its_own_authority() {
    let a = MockServer::builder().tls(true).start().await.unwrap();
    let b = MockServer::builder().tls(true).start().await.unwrap();
    assert_ne!(a.ca_certificate_pem(), b.ca_certificate_pem());
    assert_eq!(
        MockServer::start().await.unwrap().ca_certificate_pem(),
        None
    );
}
