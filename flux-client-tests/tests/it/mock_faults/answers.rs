//! Faults in a generation's answer: delays, error statuses and bodies, broken 200s, a closed
//! connection.

use std::time::Duration;

use flux_client::generated::Error;
use flux_client::mock::{Fault, MockServer};
use serde_json::Value;

use super::HEADER;
use crate::mock_support::{
    assert_conforms_to_response, assert_error_body, authed_builder, authed_client, body, minimal,
    post,
};

/// Sends a generation request with `fault` in the header; the raw response.
async fn send_with_fault(server: &MockServer, fault: &str) -> reqwest::Result<reqwest::Response> {
    authed_client(server)
        .post(format!("{}/v1/images/generations", server.base_url()))
        .header(HEADER, fault)
        .json(&minimal("a faulty day"))
        .send()
        .await
}

/// The generated client with a default `x-mock-fault` header.
fn client_with_fault(server: &MockServer, fault: &Fault) -> flux_client::generated::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(HEADER, fault.to_string().parse().unwrap());
    let http = authed_builder(server)
        .default_headers(headers)
        .build()
        .unwrap();
    flux_client::generated::Client::new_with_client(
        &server.base_url(),
        http,
        crate::mock_support::session(),
    )
}

#[tokio::test]
async fn delay_holds_the_answer_back() {
    let server = MockServer::start().await.unwrap();
    let impatient = authed_builder(&server)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let error = impatient
        .post(format!("{}/v1/images/generations", server.base_url()))
        .header(HEADER, "delay;ms=3000")
        .json(&minimal("slow"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    // A patient client gets the normal answer after the delay.
    let response = send_with_fault(&server, "slow;ms=20").await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn error_statuses_carry_the_documented_body_and_retry_after_when_asked() {
    let server = MockServer::start().await.unwrap();
    let cases = [
        ("rate-limit", 429, None),
        ("rate-limit;retry-after=2", 429, Some("2")),
        ("status;code=429", 429, None),
        ("status;code=500", 500, None),
        ("status;code=502", 502, None),
        ("status;code=503", 503, None),
        ("status;code=503;retry-after=7", 503, Some("7")),
        ("status;code=401", 401, None),
        ("status;code=402", 402, None),
        ("status;code=403", 403, None),
        ("status;code=408", 408, None),
    ];
    for (fault, status, retry_after) in cases {
        let response = send_with_fault(&server, fault).await.unwrap();
        assert_eq!(response.status(), status, "{fault}");
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap()),
            retry_after,
            "{fault}"
        );
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_error_body(&response.json().await.unwrap(), status);
    }

    // The generated client decodes them into typed error responses.
    for status in [402, 429, 503] {
        let fault = Fault::Status {
            status,
            retry_after: None,
        };
        match client_with_fault(&server, &fault)
            .create_image()
            .body(body("x"))
            .send()
            .await
        {
            Err(Error::ErrorResponse(response)) => {
                assert_eq!(response.status(), status);
                assert_eq!(response.error.code, i64::from(status));
            }
            other => panic!("{fault}: expected an error response, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn documented_error_types_name_the_cause() {
    let server = MockServer::start().await.unwrap();
    for (status, type_) in [
        (401, "authentication_error"),
        (402, "insufficient_quota"),
        (403, "moderation_error"),
        (422, "content_policy_violation"),
        (429, "rate_limit_error"),
    ] {
        let fault = format!("status;code={status}");
        let (code, _, value) = post(&server, &minimal("p"), &[(HEADER, &fault)]).await;
        assert_eq!(code, status);
        assert_eq!(value["error"]["type"], type_, "{value}");
    }
}

#[tokio::test]
async fn an_error_in_a_200_is_the_error_body_with_status_200() {
    let server = MockServer::start().await.unwrap();
    let (status, _, value) =
        post(&server, &minimal("p"), &[(HEADER, "error-in-200;code=402")]).await;
    assert_eq!(status, 200);
    assert_error_body(&value, 402);
    assert!(value.get("data").is_none());
    // The generated client reads it as progenitor does: a 200 that is not the image answer
    // (the layer's decoder, which makes it the API error, is tested in `suite_faults::bad_answers`).
    let fault = Fault::ErrorIn200 { code: 402 };
    let result = client_with_fault(&server, &fault)
        .create_image()
        .body(body("x"))
        .send()
        .await;
    match result {
        Err(Error::InvalidResponsePayload(bytes, _)) => {
            let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_error_body(&value, 402);
        }
        other => panic!("expected the error body as progenitor's payload, got {other:?}"),
    }
}

#[tokio::test]
async fn empty_data_is_a_conforming_200_without_images() {
    let server = MockServer::start().await.unwrap();
    let response = client_with_fault(&server, &Fault::EmptyData)
        .create_image()
        .body(body("x"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(response.data.is_empty());
    let (status, _, value) = post(&server, &minimal("p"), &[(HEADER, "empty-data")]).await;
    assert_eq!(status, 200);
    assert_conforms_to_response(&value);
    assert_eq!(value["data"], serde_json::json!([]));
}

#[tokio::test]
async fn malformed_json_and_html_are_200s_that_do_not_decode() {
    let server = MockServer::start().await.unwrap();
    for (fault, content_type) in [
        (Fault::MalformedJson, "application/json"),
        (Fault::WrongContentType, "text/html; charset=utf-8"),
    ] {
        let response = send_with_fault(&server, &fault.to_string()).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], content_type);
        let bytes = response.bytes().await.unwrap();
        assert!(serde_json::from_slice::<Value>(&bytes).is_err(), "{fault}");

        let result = client_with_fault(&server, &fault)
            .create_image()
            .body(body("x"))
            .send()
            .await;
        assert!(
            matches!(result, Err(Error::InvalidResponsePayload(..))),
            "{fault}: {result:?}"
        );
    }
}

#[tokio::test]
async fn truncated_and_cut_bodies_fail_while_reading() {
    let server = MockServer::start().await.unwrap();
    for fault in [Fault::TruncatedBody, Fault::CloseMidResponse] {
        let response = send_with_fault(&server, &fault.to_string()).await.unwrap();
        assert_eq!(response.status(), 200, "{fault}");
        let declared = response.content_length();
        match fault {
            Fault::TruncatedBody => assert!(declared.unwrap() > 20, "{fault}"),
            _ => assert_eq!(declared, None, "{fault}: chunked"),
        }
        let error = response.bytes().await.unwrap_err();
        assert!(error.is_body() || error.is_decode(), "{fault}: {error:?}");

        let result = client_with_fault(&server, &fault)
            .create_image()
            .body(body("x"))
            .send()
            .await;
        // The generated client reads the body as progenitor does: the break surfaces there.
        assert!(
            matches!(&result, Err(Error::ResponseBodyError(e)) if e.is_body() || e.is_decode()),
            "{fault}: {result:?}"
        );
    }
}

#[tokio::test]
async fn close_before_response_gives_no_status_at_all() {
    let server = MockServer::start().await.unwrap();
    let error = send_with_fault(&server, "close-before-response")
        .await
        .unwrap_err();
    assert!(error.status().is_none(), "{error:?}");
    assert!(error.is_request() || error.is_connect(), "{error:?}");
    let result = client_with_fault(&server, &Fault::CloseBeforeResponse)
        .create_image()
        .body(body("x"))
        .send()
        .await;
    assert!(
        matches!(result, Err(Error::CommunicationError(_))),
        "{result:?}"
    );
    // The request was read and recorded before the connection was dropped.
    assert!(server.requests()[0].json().is_some());
}
