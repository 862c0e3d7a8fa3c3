//! The document drives the checks: every `minimum`/`maximum` the repaired document states
//! (including the ones the repair reads from its prose) is refused by the client before anything
//! is sent, and by the mock; the bounds themselves are accepted by both. The fields come from
//! the generated table, so a field a new document adds is covered by regeneration alone
//! (`.ci/document-variants` runs this test on a document with such a field).

use flux_client::fields::{REQUEST_FIELDS, RequestField, WireType};
use flux_client::mock::{Listener, MockServer};
use flux_client::{Error, FluxClient};
use serde_json::{Value, json};

use crate::mock_support::{MODEL, post};

/// A value of `field`'s type at `at`.
fn value_at(field: &RequestField, at: f64) -> Value {
    match field.wire_type {
        WireType::Integer => json!(at as i64),
        _ => json!(at),
    }
}

/// `(outside, bound)` pairs: a value just past each bound, and the bound itself.
fn probes(field: &RequestField) -> Vec<(Value, Value)> {
    let step = if field.wire_type == WireType::Integer {
        1.0
    } else {
        0.5
    };
    let mut probes = Vec::new();
    if let Some(min) = field.minimum {
        probes.push((value_at(field, min - step), value_at(field, min)));
    }
    if let Some(max) = field.maximum {
        probes.push((value_at(field, max + step), value_at(field, max)));
    }
    probes
}

#[tokio::test]
async fn every_documented_range_is_refused_by_the_client_and_by_the_mock() {
    let server = MockServer::start().await.unwrap();
    let client = FluxClient::builder()
        .base_url(server.base_url())
        .api_key(server.api_key())
        .build()
        .unwrap();
    let mut covered = Vec::new();
    for field in REQUEST_FIELDS {
        for (outside, bound) in probes(field) {
            let name = field.name;
            let fields = json!({"prompt": "a red fox", name: outside.clone()});
            match client.generate_json(&fields).send().await {
                Err(Error::InvalidRequest { field: at, reason }) => {
                    assert_eq!(at, name, "{reason}");
                }
                other => panic!("{name} = {outside}: expected a refusal, got {other:?}"),
            }
            assert!(
                server.requests_on(Listener::Api).is_empty(),
                "{name} = {outside} was sent"
            );

            let (status, _, answer) = post(
                &server,
                &json!({"model": MODEL, "prompt": "p", name: outside}),
                &[],
            )
            .await;
            assert_eq!(status, 400, "the mock took {name} = {outside}: {answer}");
            assert_eq!(answer["error"]["param"], name, "{answer}");

            let fields = json!({"prompt": "a red fox", name: bound.clone()});
            client
                .generate_json(&fields)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{name} = {bound} is allowed: {e}"));
            server.take_requests();
            covered.push(format!("{name} {outside}"));
        }
    }
    // The CI script looks for its new field here.
    println!("documented ranges checked: {}", covered.join(", "));
    assert!(!covered.is_empty(), "the document states no range at all");
}
