//! The document as a whole: a copy and a repaired copy are equal, the API version and the
//! server are compared, shared components are reported once, recursive schemas end.

use build_tools::diff::{Bump, Kind, Surface, Verdict, diff, suggested_bump};
use serde_json::{Value, json};

use crate::support::*;

#[test]
fn identical_documents_have_no_changes() {
    let d = pair(
        json!({"size": {"type": "string", "enum": ["1:1", "16:9"], "default": "16:9"}}),
        json!({"url": {"type": "string"}}),
    );
    assert_eq!(changes(d.clone(), d), []);
}

#[test]
fn a_document_equals_its_repaired_copy() {
    let upstream = pair(
        json!({"size": {"type": "string", "enum": ["1:1, 16:9"], "default": "16:9"}}),
        json!({}),
    );
    let repaired = build_tools::repair(upstream.clone()).unwrap().document;
    assert_eq!(changes(upstream, repaired), []);
}

#[test]
fn api_version_change_is_a_compatible_wire_change() {
    let old = pair(json!({}), json!({}));
    let mut new = old.clone();
    new["info"]["version"] = json!("1.1.0");
    let found = changes(old, new);
    let change = only(
        &found,
        Kind::ApiVersionChanged,
        Verdict::Compatible,
        "/info/version",
    );
    assert_eq!(change.surface, Surface::Wire);
    assert_eq!(suggested_bump(&found), Bump::Patch);
}

#[test]
fn another_server_url_is_a_compatible_wire_change_of_the_default_base_url() {
    let mut old = pair(json!({}), json!({}));
    old["servers"] = json!([{"url": "https://image.onerouter.pro"}]);
    let mut new = old.clone();
    new["servers"] = json!([{"url": "https://image.example.net/"}]);
    let changes = diff(&old, &new);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let change = &changes[0];
    assert_eq!(change.kind, Kind::ServerUrlChanged);
    assert_eq!(change.pointer, "/servers/0/url");
    assert_eq!(change.new, Some(json!("https://image.example.net")));
    assert_eq!(
        (change.verdict, change.surface),
        (Verdict::Compatible, Surface::Wire)
    );
    // A trailing slash alone is no change: the client trims it.
    let mut same = old.clone();
    same["servers"] = json!([{"url": "https://image.onerouter.pro/"}]);
    assert!(diff(&old, &same).is_empty());
}

#[test]
fn refs_are_followed_and_a_shared_component_is_reported_once() {
    let with_style = |values: Value| {
        let mut d = pair(
            json!({"style": {"$ref": "#/components/schemas/Style"}}),
            json!({"style": {"$ref": "#/components/schemas/Style"}}),
        );
        d["components"] = json!({"schemas": {"Style": {"type": "string", "enum": values}}});
        d
    };
    let found = changes(
        with_style(json!(["raw", "vivid"])),
        with_style(json!(["raw"])),
    );
    only(
        &found,
        Kind::EnumValueRemoved,
        Verdict::Breaking,
        "/components/schemas/Style/enum/1",
    );
}

#[test]
fn recursive_schemas_terminate() {
    let tree = |extra: Value| {
        let mut d = pair(
            json!({}),
            json!({"root": {"$ref": "#/components/schemas/Node"}}),
        );
        let mut properties =
            json!({"children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}});
        for (k, v) in extra.as_object().unwrap() {
            properties[k] = v.clone();
        }
        d["components"] =
            json!({"schemas": {"Node": {"type": "object", "properties": properties}}});
        d
    };
    only(
        &changes(tree(json!({})), tree(json!({"name": {"type": "string"}}))),
        Kind::FieldAdded,
        Verdict::Compatible,
        "/components/schemas/Node/properties/name",
    );
}
