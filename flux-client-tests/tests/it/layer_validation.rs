//! Bad requests and configurations are refused before any network traffic, naming the field.

use flux_client::mock::MockServer;
use flux_client::{Error, FluxClient};

use crate::layer_common::*;

#[tokio::test]
async fn each_invalid_field_is_refused_without_a_request() {
    // The mock records every request: none may reach it. (The bounds themselves are accepted:
    // `suite_document` checks every documented bound against client and mock.)
    let server = MockServer::start().await.unwrap();
    let client = crate::suite_support::client(&server);
    let cases = [
        (client.generate(""), "prompt"),
        (client.generate(" \n\t"), "prompt"),
        (client.generate("fox").model(""), "model"),
        (client.generate("fox").n(0), "n"),
        (
            client.generate("fox").image_prompt_strength(-0.01),
            "image_prompt_strength",
        ),
        (
            client.generate("fox").image_prompt_strength(1.01),
            "image_prompt_strength",
        ),
        (
            client.generate("fox").image_prompt_strength(f64::NAN),
            "image_prompt_strength",
        ),
        (
            client.generate("fox").image_prompt_strength(f64::INFINITY),
            "image_prompt_strength",
        ),
        (client.generate("fox").image_url("not a url"), "image_url"),
        (
            client.generate("fox").image_url("/relative.png"),
            "image_url",
        ),
        (
            client.generate("fox").image_url("file:///etc/passwd"),
            "image_url",
        ),
        (
            client
                .generate("fox")
                .image_url("data:image/png;base64,AAAA"),
            "image_url",
        ),
        (client.generate("fox").size("16/9"), "size"),
        (client.generate("fox").size("16:9 "), "size"),
        (
            client.generate("fox").safety_tolerance("7"),
            "safety_tolerance",
        ),
        (
            client.generate("fox").safety_tolerance(" 6"),
            "safety_tolerance",
        ),
        (client.generate("fox").output_format("png"), "output_format"),
    ];
    for (request, field) in cases {
        match request.send().await {
            Err(Error::InvalidRequest { field: f, reason }) => {
                assert_eq!(f, field, "{reason}");
                assert!(!reason.is_empty());
            }
            other => panic!("expected an invalid `{field}`, got {other:?}"),
        }
    }
    assert!(server.requests().is_empty(), "no request may be sent");
}

#[test]
fn invalid_configurations_name_the_setting() {
    let cases = [
        (FluxClient::builder(), "api_key"),
        (FluxClient::builder().api_key("  "), "api_key"),
        (FluxClient::builder().api_key("sk\nx"), "api_key"),
        (
            FluxClient::builder().api_key(KEY).base_url("nope"),
            "base_url",
        ),
        (
            FluxClient::builder()
                .api_key(KEY)
                .base_url("ftp://127.0.0.1"),
            "base_url",
        ),
        (
            FluxClient::builder()
                .api_key(KEY)
                .base_url("http://images.example.com"),
            "base_url",
        ),
        (
            FluxClient::builder()
                .api_key(KEY)
                .base_url("http://10.0.0.1:4010"),
            "base_url",
        ),
        (
            FluxClient::builder()
                .api_key(KEY)
                .base_url("https://user:hunter2-secret@images.example.com"),
            "base_url",
        ),
        (
            FluxClient::builder()
                .api_key(KEY)
                .base_url("https://hunter2-secret@images.example.com"),
            "base_url",
        ),
        (
            FluxClient::builder()
                .api_key(KEY)
                .base_url("http://:hunter2-secret@127.0.0.1:4010"),
            "base_url",
        ),
        (FluxClient::builder().api_key(KEY).model(""), "model"),
        (
            FluxClient::builder()
                .api_key(KEY)
                .timeout(std::time::Duration::ZERO),
            "timeout",
        ),
        (
            FluxClient::builder()
                .api_key(KEY)
                .timeout(std::time::Duration::from_secs(600))
                .deadline(std::time::Duration::from_secs(300)),
            "deadline",
        ),
        (
            FluxClient::builder()
                .api_key(KEY)
                .deadline(std::time::Duration::ZERO),
            "deadline",
        ),
    ];
    for (builder, field) in cases {
        match builder.build() {
            Err(err @ Error::InvalidConfig { field: f, .. }) => {
                assert_eq!(f, field, "{err}");
                assert!(!err.to_string().contains(KEY), "{err}");
                assert!(!err.to_string().contains("sk\nx"), "{err}");
                assert!(!err.to_string().contains("hunter2"), "{err}");
                assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
            }
            other => panic!("expected an invalid `{field}`, got {other:?}"),
        }
    }
}

#[test]
fn a_long_timeout_is_never_cut_by_the_deadline() {
    use std::time::Duration;
    let secs = Duration::from_secs;
    let timing = |builder: flux_client::FluxClientBuilder| {
        let client = builder.api_key(KEY).build().unwrap();
        (client.config().timeout(), client.config().deadline())
    };
    // The defaults, and a timeout longer than the default deadline, which the deadline follows.
    assert_eq!(timing(FluxClient::builder()), (secs(120), secs(300)));
    assert_eq!(
        timing(FluxClient::builder().timeout(secs(600))),
        (secs(600), secs(600))
    );
    assert_eq!(
        timing(FluxClient::builder().timeout(secs(30))),
        (secs(30), secs(300))
    );
    // Explicit values that agree are kept as they are.
    assert_eq!(
        timing(FluxClient::builder().timeout(secs(600)).deadline(secs(900))),
        (secs(600), secs(900))
    );
    // A deadline shorter than the default timeout: the unset timeout follows the deadline.
    assert_eq!(
        timing(FluxClient::builder().deadline(secs(60))),
        (secs(60), secs(60))
    );
    // Set both, and contradicting: refused, naming both values.
    let err = FluxClient::builder()
        .api_key(KEY)
        .retry_policy(flux_client::RetryPolicy::default().deadline(secs(300)))
        .timeout(secs(600))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidConfig {
                field: "deadline",
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("300s") && text.contains("600s"), "{text}");
}

#[test]
fn plain_http_is_allowed_to_loopback_or_when_asked() {
    for url in [
        "http://127.0.0.1:4010",
        "http://localhost:4010",
        "http://[::1]:4010",
        "https://images.example.com",
    ] {
        FluxClient::builder()
            .api_key(KEY)
            .base_url(url)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    FluxClient::builder()
        .api_key(KEY)
        .base_url("http://images.example.com")
        .allow_insecure_http(true)
        .build()
        .unwrap();
}

#[test]
fn debug_output_never_shows_the_key() {
    let builder = FluxClient::builder().api_key(KEY);
    assert!(!format!("{builder:?}").contains(KEY));
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains(KEY));
    assert!(!format!("{:?}", client.config()).contains(KEY));
    assert_eq!(client.config().api_key().expose(), KEY);
}

#[test]
fn a_later_valid_value_replaces_a_rejected_one() {
    let client = FluxClient::builder().api_key(KEY).build().unwrap();
    let body = client
        .generate("fox")
        .size("16/9")
        .size(flux_client::types::AspectRatio::X11)
        .body()
        .unwrap();
    assert_eq!(body.size, Some(flux_client::types::AspectRatio::X11));
    let err = client
        .generate("fox")
        .size(flux_client::types::AspectRatio::X11)
        .size("16/9")
        .body()
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest { field: "size", .. }),
        "{err:?}"
    );
}

/// One validation for both ways of building a request: a typed setter and the JSON form (a
/// batch line, `flux generate`) refuse the same wire value for the same reason, an enum's
/// refusal lists every member the document gives, and the layer's own rules (an http(s)
/// `image_url`, a prompt) apply to both.
#[test]
fn typed_setters_and_the_json_form_share_one_validation() {
    let client = FluxClient::builder().api_key("sk-test").build().unwrap();
    let reason = |result: flux_client::Result<flux_client::types::CreateImageBody>| match result {
        Err(Error::InvalidRequest { field, reason }) => (field, reason),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let json = |fields: serde_json::Value| {
        let mut object = serde_json::json!({"prompt": "fox"});
        object
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        reason(client.generate_json(&object).body())
    };

    let size = flux_client::fields::field("size").unwrap();
    for (field, text) in [
        reason(client.generate("fox").size("16/9").body()),
        json(serde_json::json!({"size": "16/9"})),
    ] {
        assert_eq!(field, "size");
        for member in size.values {
            assert!(text.contains(member), "{member} is not listed: {text}");
        }
    }
    assert_eq!(
        reason(client.generate("fox").n(0).body()),
        json(serde_json::json!({"n": 0}))
    );
    assert_eq!(
        reason(
            client
                .generate("fox")
                .image_url("ftp://example.com/a.png")
                .body()
        ),
        json(serde_json::json!({"image_url": "ftp://example.com/a.png"}))
    );
    assert_eq!(
        reason(client.generate("  ").body()),
        json(serde_json::json!({"prompt": "  "}))
    );
    // A wrong JSON type is named with what the document expects, not a serde message.
    assert_eq!(
        json(serde_json::json!({"n": "two"})),
        ("n", r#"is "two", expected an integer"#.to_owned())
    );
}
