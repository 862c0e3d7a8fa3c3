//! Operations: added, removed, renamed, moved, their parameters and response statuses, and
//! those progenitor cannot generate.

use build_tools::diff::{Bump, Kind, Surface, Verdict, suggested_bump};
use serde_json::json;

use crate::support::*;

#[test]
fn operations_added_and_removed() {
    let one = pair(json!({}), json!({}));
    let mut two = one.clone();
    two["paths"]["/images/{id}"] = json!({"get": {
        "operationId": "get_image",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": ""}}
    }});
    let added = changes(one.clone(), two.clone());
    let change = only(
        &added,
        Kind::OperationAdded,
        Verdict::Compatible,
        "/paths/~1images~1{id}/get",
    );
    assert_eq!(change.new, Some(json!("get /images/{id} (get_image)")));
    assert_eq!(suggested_bump(&added), Bump::Minor);

    let removed = changes(two, one);
    only(
        &removed,
        Kind::OperationRemoved,
        Verdict::Breaking,
        "/paths/~1images~1{id}/get",
    );
    assert_eq!(suggested_bump(&removed), Bump::Major);
}

#[test]
fn operation_id_renamed_breaks_the_method_name() {
    let old = pair(json!({}), json!({}));
    let mut new = old.clone();
    new["paths"]["/images"]["post"]["operationId"] = json!("generate_image");
    let change = only(
        &changes(old, new),
        Kind::OperationRenamed,
        Verdict::Breaking,
        "/paths/~1images/post/operationId",
    );
    assert_eq!(
        (change.old, change.new),
        (Some(json!("create_image")), Some(json!("generate_image")))
    );
}

#[test]
fn operation_moved_keeps_the_method_and_changes_the_wire() {
    let old = pair(json!({}), json!({}));
    let mut new = old.clone();
    let operation = new["paths"]["/images"].take();
    new["paths"] = json!({"/v2/images": operation});
    let change = only(
        &changes(old, new),
        Kind::OperationMoved,
        Verdict::Compatible,
        "/paths/~1v2~1images/post",
    );
    assert_eq!(change.surface, Surface::Wire);
    assert_eq!(change.new, Some(json!("post /v2/images")));
}

#[test]
fn parameters_added_optional_or_required() {
    let old = pair(json!({}), json!({}));
    let with = |required: bool| {
        let mut d = old.clone();
        d["paths"]["/images"]["post"]["parameters"] = json!([
            {"name": "trace", "in": "query", "required": required, "schema": {"type": "string"}}
        ]);
        d
    };
    only(
        &changes(old.clone(), with(false)),
        Kind::ParameterAdded,
        Verdict::Compatible,
        "/paths/~1images/post/parameters/0",
    );
    only(
        &changes(old.clone(), with(true)),
        Kind::ParameterAdded,
        Verdict::Breaking,
        "/paths/~1images/post/parameters/0",
    );
    only(
        &changes(with(false), with(true)),
        Kind::FieldMadeRequired,
        Verdict::Breaking,
        "/paths/~1images/post/parameters/0/required",
    );
    only(
        &changes(with(false), old),
        Kind::ParameterRemoved,
        Verdict::Breaking,
        "/paths/~1images/post/parameters/0",
    );
}

#[test]
fn response_statuses_and_schemas_added_or_removed() {
    let old = pair(json!({}), json!({}));
    let mut new = old.clone();
    // Same body as the 200: progenitor allows one success type per operation.
    new["paths"]["/images"]["post"]["responses"]["202"] =
        new["paths"]["/images"]["post"]["responses"]["200"].clone();
    only(
        &changes(old.clone(), new.clone()),
        Kind::ResponseAdded,
        Verdict::Compatible,
        "/paths/~1images/post/responses/202",
    );
    only(
        &changes(new, old.clone()),
        Kind::ResponseRemoved,
        Verdict::Breaking,
        "/paths/~1images/post/responses/202",
    );

    let mut extra = old.clone();
    extra["components"] = json!({"schemas": {"Unused": {"type": "string"}}});
    only(
        &changes(old.clone(), extra.clone()),
        Kind::SchemaAdded,
        Verdict::Compatible,
        "/components/schemas/Unused",
    );
    only(
        &changes(extra, old),
        Kind::SchemaRemoved,
        Verdict::Breaking,
        "/components/schemas/Unused",
    );
}

#[test]
fn an_operation_progenitor_cannot_generate_is_reported_as_not_generated() {
    let old = pair(json!({}), json!({}));
    let mut new = old.clone();
    new["paths"]["/edits"] = json!({"post": {
        "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": ""}}
    }});
    let change = only(
        &changes(old.clone(), new.clone()),
        Kind::OperationNotGenerated,
        Verdict::Compatible,
        "/paths/~1edits/post",
    );
    assert_eq!(change.surface, Surface::Wire);
    assert_eq!(change.old, None);
    assert!(
        change
            .new
            .as_ref()
            .unwrap()
            .as_str()
            .unwrap()
            .contains("multipart/form-data"),
        "{change}"
    );
    assert_eq!(suggested_bump(&[change]), Bump::Patch);
    // Left out in both: nothing to report.
    assert_eq!(changes(new.clone(), new.clone()), []);

    // Generated before, left out now: its method disappears, and the reason is given.
    let mut generated = old.clone();
    generated["paths"]["/edits"] = json!({"post": {
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": ""}}
    }});
    let found = changes(generated, new);
    let kinds: Vec<_> = found.iter().map(|c| (c.kind, c.verdict)).collect();
    assert_eq!(
        kinds,
        [
            (Kind::OperationRemoved, Verdict::Breaking),
            (Kind::OperationNotGenerated, Verdict::Compatible)
        ],
        "{found:#?}"
    );
}
