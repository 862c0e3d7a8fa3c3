//! How faults are selected (header, queue, server default), combined and refused, and where they
//! apply.

use std::time::Duration;

use flux_client::mock::{Fault, MockServer};

use super::{HEADER, url_with_image_fault};
use crate::mock_support::{
    api_client, assert_error_body, authed_client, body, minimal, post, raw_client,
};

#[tokio::test]
async fn queued_faults_apply_once_each_in_order() {
    let server = MockServer::start().await.unwrap();
    server.push_fault(Fault::Status {
        status: 503,
        retry_after: Some(1),
    });
    server.push_fault(Fault::EmptyData);
    assert_eq!(server.queued_faults(), 2);

    // A header takes precedence and leaves the queue alone.
    let (status, _, _) = post(&server, &minimal("p"), &[(HEADER, "status;code=502")]).await;
    assert_eq!(status, 502);
    assert_eq!(server.queued_faults(), 2);

    let (status, headers, _) = post(&server, &minimal("p"), &[]).await;
    assert_eq!(
        (status, &headers["retry-after"]),
        (503, &"1".parse().unwrap())
    );
    let (status, _, value) = post(&server, &minimal("p"), &[]).await;
    assert_eq!((status, value["data"].as_array().unwrap().len()), (200, 0));
    let (status, _, value) = post(&server, &minimal("p"), &[]).await;
    assert_eq!((status, value["data"].as_array().unwrap().len()), (200, 1));
    assert_eq!(server.queued_faults(), 0);
}

#[tokio::test]
async fn default_faults_apply_to_every_request_unless_a_header_selects_others() {
    let server = MockServer::builder()
        .fault(Fault::Delay(Duration::from_millis(1)))
        .fault(Fault::Status {
            status: 503,
            retry_after: None,
        })
        .start()
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(post(&server, &minimal("p"), &[]).await.0, 503);
    }
    // Response faults stand for a failing server or proxy: they apply before the key is checked.
    let unauthenticated = raw_client(&server)
        .post(format!("{}/v1/images/generations", server.base_url()))
        .json(&minimal("p"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 503);
    // A queued fault replaces the defaults for one request.
    server.push_fault(Fault::EmptyData);
    assert_eq!(
        post(&server, &minimal("p"), &[]).await.2["data"],
        serde_json::json!([])
    );
    // An empty header selects no fault at all.
    assert_eq!(post(&server, &minimal("p"), &[(HEADER, "")]).await.0, 200);
}

#[tokio::test]
async fn header_faults_combine_a_delay_with_an_answer() {
    let server = MockServer::start().await.unwrap();
    let (status, _, _) = post(
        &server,
        &minimal("p"),
        &[(HEADER, "delay;ms=10, status;code=502")],
    )
    .await;
    assert_eq!(status, 502);
    let url = url_with_image_fault(&server, "delay;ms=1,image-404").await;
    let response = raw_client(&server).get(&url).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn an_unparsable_fault_header_is_400_naming_the_header() {
    let server = MockServer::start().await.unwrap();
    for text in ["explode", "delay", "status;code=200", "empty-data;x=1"] {
        let (status, _, value) = post(&server, &minimal("p"), &[(HEADER, text)]).await;
        assert_eq!(status, 400, "{text}");
        assert_error_body(&value, 400);
        assert_eq!(value["error"]["param"], HEADER);
        assert!(
            value["error"]["message"].as_str().unwrap().contains(text),
            "{value}"
        );
    }
}

#[tokio::test]
async fn faults_only_touch_the_generation_endpoint() {
    let server = MockServer::builder()
        .fault(Fault::CloseBeforeResponse)
        .start()
        .await
        .unwrap();
    let response = authed_client(&server)
        .post(format!("{}/elsewhere", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    // And api_client's ordinary call meets the default fault.
    assert!(
        api_client(&server)
            .create_image()
            .body(body("x"))
            .send()
            .await
            .is_err()
    );
}
