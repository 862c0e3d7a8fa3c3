//! Arbitrary JSON never makes the repair panic; what it accepts, it accepts again unchanged.

use proptest::prelude::*;
use serde_json::{Map, Value};

fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("enum".to_owned()),
        Just("default".to_owned()),
        Just("type".to_owned()),
        Just("properties".to_owned()),
        Just("paths".to_owned()),
        Just("openapi".to_owned()),
        Just("parameters".to_owned()),
        Just("responses".to_owned()),
        Just("requestBody".to_owned()),
        Just("post".to_owned()),
        Just("$ref".to_owned()),
        "[a-z/{}~ ]{0,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        Just(Value::from("3.1.0")),
        Just(Value::from("string")),
        "[a-z0-9:, ]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn repair_returns_instead_of_panicking(doc in json_value()) {
        if let Ok(repaired) = build_tools::repair(doc) {
            // Whatever it accepted, it accepts again unchanged.
            let again = build_tools::repair(repaired.document.clone()).unwrap();
            prop_assert_eq!(again.document, repaired.document);
        }
    }
}
