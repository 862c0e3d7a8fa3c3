//! 200s that carry no images: an error inside, empty data, malformed JSON, an HTML page.

use flux_client::Error;
use flux_client::mock::Fault;

use super::{RATE_LIMITED, always, fails, unlimited, with_request_id};
use crate::suite_support::*;

#[tokio::test]
async fn an_error_in_a_200_is_the_error_it_names() {
    for code in [402] {
        let server = always(Fault::ErrorIn200 { code }).await;
        let err = fails(&client(&server), &server).await;
        assert!(
            matches!(&err, Error::Api { status, code: Some(c), .. } if *status == code && *c == i64::from(code)),
            "{code}: {err:?}"
        );
        assert_eq!(attempts(&server), 1, "{code}");
    }
    let server = always(Fault::ErrorIn200 { code: 402 }).await;
    assert_eq!(
        fails(&client(&server), &server).await.to_string(),
        with_request_id(
            &server,
            "API error 402 (insufficient_quota): Insufficient credits: add credits to your account to continue."
        )
    );

    // A 429 or a 503 reported inside a 200 is retried like the status itself.
    let server = always(Fault::ErrorIn200 { code: 429 }).await;
    let err = fails(&unlimited(&server), &server).await;
    assert!(
        matches!(&err, Error::RateLimited { retry_after: None, message, .. } if message == RATE_LIMITED),
        "{err:?}"
    );
    assert_eq!(attempts(&server), 3);
    let server = always(Fault::ErrorIn200 { code: 503 }).await;
    let err = fails(&client(&server), &server).await;
    assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
    assert_eq!(attempts(&server), 3);
}

#[tokio::test]
async fn empty_data_is_no_images_not_retried() {
    let server = always(Fault::EmptyData).await;
    let err = fails(&client(&server), &server).await;
    assert!(
        matches!(
            err,
            Error::NoImages {
                request_id: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(200));
    assert_eq!(
        err.to_string(),
        with_request_id(&server, "the API returned no image")
    );
    assert_eq!(attempts(&server), 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_the_body() {
    let server = always(Fault::MalformedJson).await;
    let err = fails(&client(&server), &server).await;
    match &err {
        Error::Decode {
            status,
            reason,
            body,
            ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(reason, "key must be a string at line 1 column 35");
            assert!(
                body.starts_with("{\"created\": 1700000000, \"data\": [{'url'"),
                "{body}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        r#"cannot decode the API response (HTTP 200): key must be a string at line 1 column 35; body starts with "{\"created\": 1700000000, \"data\": [{'url': 'http://127.0.0.1/x.png',}]""#
    );
    assert_eq!(attempts(&server), 1);
}

#[tokio::test]
async fn a_wrong_content_type_is_a_decode_error_showing_the_page() {
    let server = always(Fault::WrongContentType).await;
    let err = fails(&client(&server), &server).await;
    assert!(
        matches!(&err, Error::Decode { status: 200, reason, body, .. }
            if reason == "expected value at line 1 column 1"
                && body.starts_with("<!DOCTYPE html>") && body.contains("Please sign in")),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(
            r#"cannot decode the API response (HTTP 200): expected value at line 1 column 1; body starts with "<!DOCTYPE html><html><head><title>Gateway</title>"#
        ),
        "{err}"
    );
    assert_eq!(attempts(&server), 1);
}
