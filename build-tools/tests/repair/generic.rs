//! The generic repairs for what progenitor and typify cannot generate: operations left out with
//! their reason, crate-typed string formats kept as strings, nullable enums that list `null`.

use build_tools::unsupported::{self, NOT_GENERATED};
use build_tools::{formats, repair};
use serde_json::{Value, json};

use crate::support::{BODY, doc_with_paths, fixes_named};

/// The reason recorded for `POST /x`, after checking it is the only operation left out.
fn reason_for(operation: Value) -> String {
    let repaired = repair(doc_with_paths(
        json!({}),
        json!({"/x": {"post": operation}}),
    ))
    .unwrap();
    let left_out = repaired.left_out();
    assert_eq!(left_out.len(), 1, "{left_out:?}");
    assert_eq!(left_out[0].pointer, "/paths/~1x/post");
    assert!(repaired.document.pointer("/paths/~1x/post").is_none());
    left_out[0].reason.clone()
}

#[test]
fn each_construct_progenitor_cannot_generate_is_named_in_the_reason() {
    let ok = json!({"200": {"description": ""}});
    let cases = [
        (
            json!({"parameters": [{"name": "s", "in": "cookie", "schema": {"type": "string"}}], "responses": ok}),
            "its cookie parameter `s`",
        ),
        (
            json!({"parameters": [{"name": "ids", "in": "query", "style": "pipeDelimited", "schema": {"type": "array", "items": {"type": "string"}}}], "responses": ok}),
            "its query parameter `ids` has style `pipeDelimited`",
        ),
        (
            json!({"parameters": [{"name": "q", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}}], "responses": ok}),
            "its query parameter `q` is described by `content`",
        ),
        (
            json!({"parameters": [
                {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                {"name": "x_trace", "in": "query", "schema": {"type": "string"}}
            ], "responses": ok}),
            "its parameters `X-Trace` and `x_trace` would both be the Rust method `x_trace`",
        ),
        (
            json!({"requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}}, "responses": ok}),
            "its request body is multipart/form-data",
        ),
        (
            json!({"requestBody": {"content": {
                "application/json": {"schema": {"type": "object"}},
                "application/x-www-form-urlencoded": {"schema": {"type": "object"}}
            }}, "responses": ok}),
            "its request body offers 2 media types (application/json, application/x-www-form-urlencoded)",
        ),
        (
            json!({"requestBody": {"content": {"application/octet-stream": {"schema": {"type": "object"}}}}, "responses": ok}),
            "its application/octet-stream request body's schema is not",
        ),
        (
            json!({"requestBody": {"content": {"application/json": {}}}, "responses": ok}),
            "its application/json request body has no schema",
        ),
        (
            json!({"requestBody": {"content": {"application/x-www-form-urlencoded": {
                "schema": {"type": "object"}, "encoding": {"a": {"style": "form"}}
            }}}, "responses": ok}),
            "has an `encoding`",
        ),
        (
            json!({"responses": {"200": {"description": "", "content": {"application/json": {}}}}}),
            "its 200 response is application/json without a schema",
        ),
        (
            json!({"responses": {
                "200": {"description": "", "content": {"application/json": {"schema": {"type": "object"}}}},
                "204": {"description": ""}
            }}),
            "its success responses 200 (JSON) and 204 (no body) have different bodies",
        ),
    ];
    for (operation, expected) in cases {
        let reason = reason_for(operation.clone());
        assert!(reason.contains(expected), "{operation}: {reason}");
    }
}

#[test]
fn a_path_variable_nobody_declares_leaves_the_operation_out() {
    let extra = json!({"/y/{a}/{b}": {
        "parameters": [{"name": "a", "in": "path", "required": true, "schema": {"type": "string"}}],
        "get": {"responses": {"200": {"description": ""}}}
    }});
    let repaired = repair(doc_with_paths(json!({}), extra)).unwrap();
    let left_out = repaired.left_out();
    assert_eq!(left_out.len(), 1, "{left_out:?}");
    assert_eq!(left_out[0].pointer, "/paths/~1y~1{a}~1{b}/get");
    assert_eq!(
        left_out[0].reason,
        "its path has `{b}` but no path parameter `b` is declared, so progenitor 0.15 cannot \
         fill it in"
    );
}

#[test]
fn operations_progenitor_can_generate_are_kept() {
    let extra = json!({"/x/{id}": {
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "put": {
            "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": {"200": {"description": "", "content": {"image/png": {}}}, "201": {"description": "", "content": {"image/png": {}}}}
        },
        "post": {
            "parameters": [{"name": "tags", "in": "query", "style": "form", "schema": {"type": "array", "items": {"type": "string"}}}],
            "requestBody": {"content": {"text/plain; charset=utf-8": {"schema": {"type": "string"}}}},
            "responses": {"204": {"description": ""}, "4XX": {"description": "", "content": {"application/json": {"schema": {"type": "object"}}}}}
        }
    }});
    let repaired = repair(doc_with_paths(json!({}), extra)).unwrap();
    assert_eq!(repaired.left_out(), []);
    assert!(fixes_named(&repaired.fixes, unsupported::FIX).is_empty());
}

#[test]
fn leaving_out_is_reported_recorded_and_idempotent() {
    let multipart = json!({"post": {
        "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": ""}}
    }, "get": {"responses": {"200": {"description": ""}}}});
    let repaired = repair(doc_with_paths(json!({}), json!({"/x": multipart.clone()}))).unwrap();
    let fixes = fixes_named(&repaired.fixes, unsupported::FIX);
    assert_eq!(fixes.len(), 2, "{fixes:#?}");
    assert_eq!(fixes[0].pointer, "/paths/~1x/post");
    assert_eq!(fixes[0].old.as_ref(), Some(&multipart["post"]));
    assert_eq!(fixes[0].new, None);
    assert_eq!(fixes[1].pointer, format!("/paths/~1x/{NOT_GENERATED}/post"));
    assert!(
        fixes[1].to_string().starts_with(
            "unsupported-operation /paths/~1x/x-not-generated/post: (absent) -> \"its request body is multipart/form-data"
        ),
        "{}",
        fixes[1]
    );
    // The rest of the path item stays; repairing again changes nothing.
    assert!(repaired.document.pointer("/paths/~1x/get").is_some());
    let again = repair(repaired.document.clone()).unwrap();
    assert_eq!(again.document, repaired.document);
    assert!(fixes_named(&again.fixes, unsupported::FIX).is_empty());
    assert_eq!(again.left_out(), repaired.left_out());
}

#[test]
fn create_image_cannot_be_left_out_so_the_document_is_refused_naming_it() {
    let mut doc = doc_with_paths(json!({}), json!({}));
    doc["paths"]["/v1/images/generations"]["post"]["parameters"] =
        json!([{"name": "session", "in": "cookie", "schema": {"type": "string"}}]);
    let err = repair(doc).unwrap_err();
    assert_eq!(err.pointer, "/paths/~1v1~1images~1generations/post");
    assert_eq!(
        err.reason,
        "its cookie parameter `session`: progenitor 0.15 does not support cookie parameters; \
         the crate's hand-written layer calls this operation (create_image), so it cannot be left out"
    );
}

#[test]
fn crate_typed_formats_are_kept_beside_a_plain_string() {
    let repaired = repair(doc_with_paths(
        json!({
            "at": {"type": "string", "format": "date-time"},
            "on": {"type": "string", "format": "date", "nullable": true},
            "id": {"type": "string", "format": "uuid"},
            "link": {"type": "string", "format": "uri"},
            "ip": {"type": "string", "format": "ipv4"},
            "n": {"type": "integer", "format": "int32"},
            "times": {"type": "array", "items": {"type": "string", "format": "date-time"}},
            "format": {"type": "string", "example": {"format": "uuid", "type": "string"}}
        }),
        json!({}),
    ))
    .unwrap();
    let fixes = fixes_named(&repaired.fixes, formats::FIX);
    let pointers: Vec<_> = fixes.iter().map(|f| f.pointer.as_str()).collect();
    let p = |rest: &str| format!("{BODY}/properties/{rest}");
    assert_eq!(
        pointers,
        [
            p("at/format"),
            p("at/x-format"),
            p("id/format"),
            p("id/x-format"),
            p("on/format"),
            p("on/x-format"),
            p("times/items/format"),
            p("times/items/x-format"),
        ]
    );
    assert_eq!(fixes[0].old, Some(json!("date-time")));
    assert_eq!(fixes[1].new, Some(json!("date-time")));
    let doc = &repaired.document;
    assert_eq!(
        doc.pointer(&p("on")),
        Some(&json!({"type": "string", "nullable": true, "x-format": "date"}))
    );
    for (field, format) in [("link", "uri"), ("ip", "ipv4"), ("n", "int32")] {
        assert_eq!(
            doc.pointer(&p(&format!("{field}/format"))),
            Some(&json!(format))
        );
    }
    assert_eq!(
        doc.pointer(&p("format/example/format")),
        Some(&json!("uuid"))
    );
    assert!(
        repair(doc.clone())
            .unwrap()
            .fixes
            .iter()
            .all(|f| f.fix != formats::FIX)
    );
}

#[test]
fn a_nullable_enum_listing_null_keeps_null_and_is_repaired() {
    let repaired = repair(doc_with_paths(
        json!({"tone": {"type": "string", "nullable": true, "enum": ["warm, cool", null], "default": null}}),
        json!({}),
    ))
    .unwrap();
    assert_eq!(
        repaired
            .document
            .pointer(&format!("{BODY}/properties/tone/enum")),
        Some(&json!(["warm", "cool", null]))
    );
    // Without `nullable`, null is not a member of a string enum.
    let err = repair(doc_with_paths(
        json!({"tone": {"type": "string", "enum": ["warm", null]}}),
        json!({}),
    ))
    .unwrap_err();
    assert_eq!(err.pointer, format!("{BODY}/properties/tone/enum/1"));
}

#[test]
fn a_string_pattern_is_kept_beside_a_plain_string() {
    let repaired = repair(doc_with_paths(
        json!({"code": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8}}),
        json!({}),
    ))
    .unwrap();
    let fixes: Vec<String> = fixes_named(&repaired.fixes, formats::PATTERN_FIX)
        .iter()
        .map(|f| f.to_string())
        .collect();
    assert_eq!(
        fixes,
        [
            format!("string-patterns {BODY}/properties/code/pattern: \"^[a-z]+$\" -> (absent)"),
            format!("string-patterns {BODY}/properties/code/x-pattern: (absent) -> \"^[a-z]+$\""),
        ]
    );
    assert_eq!(
        repaired
            .document
            .pointer(&format!("{BODY}/properties/code")),
        Some(&json!({"type": "string", "x-pattern": "^[a-z]+$", "maxLength": 8}))
    );
}
