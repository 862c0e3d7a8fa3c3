//! Each fault, selected by header, queue or server default, produces the documented misbehaviour
//! on the wire, and what the generated client makes of it.

use std::time::Duration;

use flux_client::generated::Error;
use flux_client::mock::{Fault, Listener, MockServer};
use serde_json::Value;

use crate::mock_support::{
    api_client, assert_conforms_to_response, assert_error_body, authed_builder, authed_client,
    body, minimal, post, raw_client,
};

const HEADER: &str = MockServer::FAULT_HEADER;

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

/// Generates one image with the image fault `fault`; its URL.
async fn url_with_image_fault(server: &MockServer, fault: &str) -> String {
    let (status, _, value) = post(server, &minimal("an image fault"), &[(HEADER, fault)]).await;
    assert_eq!(status, 200, "{value}");
    value["data"][0]["url"].as_str().unwrap().to_owned()
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
    // The generated client's hooks turn it into the error answer it stands for, headers kept.
    let fault = Fault::ErrorIn200 { code: 402 };
    let result = client_with_fault(&server, &fault)
        .create_image()
        .body(body("x"))
        .send()
        .await;
    match result {
        Err(Error::ErrorResponse(response)) => {
            assert_eq!(response.status(), 402);
            assert_eq!(response.error.code, 402);
            assert!(
                response
                    .headers()
                    .get("x-flux-client-synthesized")
                    .is_none()
            );
        }
        other => panic!("expected a 402 error response, got {other:?}"),
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
        // The hooks read the body before progenitor does, so the break surfaces from them.
        assert!(
            matches!(&result, Err(Error::CommunicationError(e)) if e.is_body() || e.is_decode()),
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
