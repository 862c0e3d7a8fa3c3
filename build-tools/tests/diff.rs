//! `build-tools diff`: each kind of change on small hand-made document pairs, both verdicts,
//! and the command's output and exit statuses through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use build_tools::diff::{Bump, Change, Kind, Surface, Verdict, diff, suggested_bump};
use serde_json::{Value, json};

const BODY: &str = "/paths/~1images/post/requestBody/content/application~1json/schema";
const OK: &str = "/paths/~1images/post/responses/200/content/application~1json/schema";

/// A minimal OpenAPI document with one operation, `POST /images` (`create_image`), taking
/// `request` as its JSON body and answering 200 with `response`.
fn doc(request: Value, response: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/images": {"post": {
            "operationId": "create_image",
            "requestBody": {"content": {"application/json": {"schema": request}}},
            "responses": {"200": {
                "description": "",
                "content": {"application/json": {"schema": response}}
            }}
        }}}
    })
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

/// A request with a required prompt and the given extra fields; a response with a required
/// `created` integer and the given extra fields.
fn pair(extra_request: Value, extra_response: Value) -> Value {
    let mut request = json!({"prompt": {"type": "string"}});
    let mut response = json!({"created": {"type": "integer"}});
    for (target, extra) in [
        (&mut request, extra_request),
        (&mut response, extra_response),
    ] {
        for (k, v) in extra.as_object().unwrap() {
            target[k] = v.clone();
        }
    }
    doc(object(request, &["prompt"]), object(response, &["created"]))
}

/// Repairs both documents (as the command does) and diffs them.
fn changes(old: Value, new: Value) -> Vec<Change> {
    let old = build_tools::repair(old).expect("old repairs").document;
    let new = build_tools::repair(new).expect("new repairs").document;
    diff(&old, &new)
}

/// The only change, with its kind, verdict and pointer checked.
fn only(changes: &[Change], kind: Kind, verdict: Verdict, pointer: &str) -> Change {
    assert_eq!(changes.len(), 1, "expected one change, got {changes:#?}");
    let change = changes[0].clone();
    assert_eq!(
        (change.kind, change.verdict, change.pointer.as_str()),
        (kind, verdict, pointer),
        "{change:#?}"
    );
    change
}

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
fn request_field_added_optional_is_compatible_required_is_breaking() {
    let old = pair(json!({}), json!({}));
    let optional = pair(json!({"seed": {"type": "integer"}}), json!({}));
    let change = only(
        &changes(old.clone(), optional),
        Kind::FieldAdded,
        Verdict::Compatible,
        &format!("{BODY}/properties/seed"),
    );
    assert_eq!(change.new, Some(json!("optional integer")));

    let mut required = pair(json!({"mask": {"type": "string"}}), json!({}));
    required["paths"]["/images"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        ["required"] = json!(["prompt", "mask"]);
    let change = only(
        &changes(old, required),
        Kind::FieldAdded,
        Verdict::Breaking,
        &format!("{BODY}/properties/mask"),
    );
    assert_eq!(change.new, Some(json!("required string")));
}

#[test]
fn request_field_with_a_default_added_is_compatible() {
    // The repair moves the default to `x-server-default`, so the field is an `Option`.
    let old = pair(json!({}), json!({}));
    let new = pair(json!({"n": {"type": "integer", "default": 1}}), json!({}));
    let found = changes(old, new);
    only(
        &found,
        Kind::FieldAdded,
        Verdict::Compatible,
        &format!("{BODY}/properties/n"),
    );
}

#[test]
fn request_field_removed_is_breaking() {
    let old = pair(json!({"seed": {"type": "integer"}}), json!({}));
    let new = pair(json!({}), json!({}));
    let change = only(
        &changes(old, new),
        Kind::FieldRemoved,
        Verdict::Breaking,
        &format!("{BODY}/properties/seed"),
    );
    assert_eq!(change.old, Some(json!("optional integer")));
}

#[test]
fn request_field_made_required_or_optional_is_breaking() {
    let optional = doc(
        object(json!({"prompt": {"type": "string"}}), &[]),
        json!({"type": "object"}),
    );
    let required = doc(
        object(json!({"prompt": {"type": "string"}}), &["prompt"]),
        json!({"type": "object"}),
    );
    let change = only(
        &changes(optional.clone(), required.clone()),
        Kind::FieldMadeRequired,
        Verdict::Breaking,
        &format!("{BODY}/properties/prompt"),
    );
    assert_eq!(
        (change.old, change.new),
        (Some(json!("optional")), Some(json!("required")))
    );
    only(
        &changes(required, optional),
        Kind::FieldMadeOptional,
        Verdict::Breaking,
        &format!("{BODY}/properties/prompt"),
    );
}

#[test]
fn type_changes_are_breaking() {
    for (before, after, old_text, new_text) in [
        (
            json!({"type": "integer"}),
            json!({"type": "number"}),
            "integer",
            "number",
        ),
        (
            json!({"type": "integer", "format": "int32"}),
            json!({"type": "integer", "format": "int64"}),
            "integer(int32)",
            "integer(int64)",
        ),
        (
            json!({"type": "string"}),
            json!({"type": "string", "enum": ["a", "b"]}),
            "string",
            "enum of string",
        ),
        (
            json!({"type": "string", "enum": ["a"]}),
            json!({"type": "string"}),
            "enum of string",
            "string",
        ),
    ] {
        let old = pair(json!({"seed": before}), json!({}));
        let new = pair(json!({"seed": after}), json!({}));
        let change = only(
            &changes(old, new),
            Kind::TypeChanged,
            Verdict::Breaking,
            &format!("{BODY}/properties/seed"),
        );
        assert_eq!(
            (change.old, change.new),
            (Some(json!(old_text)), Some(json!(new_text)))
        );
    }
}

#[test]
fn an_object_turned_into_a_string_is_one_type_change() {
    let old = pair(
        json!({"options": {"type": "object", "properties": {"a": {"type": "string"}}}}),
        json!({}),
    );
    let new = pair(json!({"options": {"type": "string"}}), json!({}));
    let change = only(
        &changes(old, new),
        Kind::TypeChanged,
        Verdict::Breaking,
        &format!("{BODY}/properties/options"),
    );
    assert_eq!(
        (change.old, change.new),
        (Some(json!("object")), Some(json!("string")))
    );
}

#[test]
fn enum_values_added_are_compatible_on_both_sides_removed_are_breaking() {
    let size = |values: Value| json!({"size": {"type": "string", "enum": values}});
    let old = pair(size(json!(["1:1", "16:9"])), size(json!(["1:1", "16:9"])));
    let wider = pair(
        size(json!(["1:1", "16:9", "4:3"])),
        size(json!(["1:1", "16:9", "4:3"])),
    );
    let added = changes(old.clone(), wider);
    assert_eq!(added.len(), 2, "{added:#?}");
    for (change, side) in added.iter().zip([BODY, OK]) {
        assert_eq!(change.kind, Kind::EnumValueAdded);
        assert_eq!(change.verdict, Verdict::Compatible);
        assert_eq!(change.pointer, format!("{side}/properties/size/enum/2"));
        assert_eq!(change.new, Some(json!("4:3")));
    }
    assert_eq!(suggested_bump(&added), Bump::Minor);

    // A comma-joined upstream enum is compared after the repair splits it.
    let narrower = pair(size(json!(["16:9"])), size(json!("1:1, 16:9")));
    let change = only(
        &changes(old, narrower),
        Kind::EnumValueRemoved,
        Verdict::Breaking,
        &format!("{BODY}/properties/size/enum/0"),
    );
    assert_eq!(change.old, Some(json!("1:1")));
}

#[test]
fn a_changed_request_default_is_a_compatible_server_side_change() {
    let size = |default: &str| json!({"size": {"type": "string", "enum": ["1:1", "16:9"], "default": default}});
    let found = changes(pair(size("16:9"), json!({})), pair(size("1:1"), json!({})));
    let change = only(
        &found,
        Kind::ServerDefaultChanged,
        Verdict::Compatible,
        &format!("{BODY}/properties/size/x-server-default"),
    );
    assert_eq!(change.surface, Surface::Wire);
    assert_eq!(
        (change.old, change.new),
        (Some(json!("16:9")), Some(json!("1:1")))
    );
    assert_eq!(suggested_bump(&found), Bump::Patch);
}

#[test]
fn a_changed_response_default_is_breaking_on_the_wire() {
    let count = |default: i64| json!({"count": {"type": "integer", "default": default}});
    let change = only(
        &changes(pair(json!({}), count(1)), pair(json!({}), count(2))),
        Kind::DefaultChanged,
        Verdict::Breaking,
        &format!("{OK}/properties/count/default"),
    );
    assert_eq!(change.surface, Surface::Wire);
}

#[test]
fn response_fields_added_are_compatible_removed_are_breaking() {
    let old = pair(json!({}), json!({}));
    let new = pair(json!({}), json!({"url": {"type": "string"}}));
    only(
        &changes(old.clone(), new.clone()),
        Kind::FieldAdded,
        Verdict::Compatible,
        &format!("{OK}/properties/url"),
    );
    only(
        &changes(new, old.clone()),
        Kind::FieldRemoved,
        Verdict::Breaking,
        &format!("{OK}/properties/url"),
    );

    // Even a required response field is only read, never built, by callers.
    let mut required = pair(json!({}), json!({"id": {"type": "string"}}));
    required["paths"]["/images"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        ["required"] = json!(["created", "id"]);
    only(
        &changes(old, required),
        Kind::FieldAdded,
        Verdict::Compatible,
        &format!("{OK}/properties/id"),
    );
}

#[test]
fn response_field_made_optional_or_retyped_is_breaking() {
    let old = pair(json!({}), json!({}));
    let mut optional = old.clone();
    optional["paths"]["/images"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        ["required"] = json!([]);
    only(
        &changes(old.clone(), optional),
        Kind::FieldMadeOptional,
        Verdict::Breaking,
        &format!("{OK}/properties/created"),
    );

    let retyped = doc(
        object(json!({"prompt": {"type": "string"}}), &["prompt"]),
        object(json!({"created": {"type": "string"}}), &["created"]),
    );
    only(
        &changes(old, retyped),
        Kind::TypeChanged,
        Verdict::Breaking,
        &format!("{OK}/properties/created"),
    );
}

#[test]
fn nested_response_fields_are_compared() {
    let data = |item: Value| json!({"data": {"type": "array", "items": {"type": "object", "properties": item}}});
    let old = pair(json!({}), data(json!({"url": {"type": "string"}})));
    let new = pair(
        json!({}),
        data(json!({"url": {"type": "string"}, "nsfw": {"type": "boolean"}})),
    );
    only(
        &changes(old, new),
        Kind::FieldAdded,
        Verdict::Compatible,
        &format!("{OK}/properties/data/items/properties/nsfw"),
    );
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
fn error_schema_changes_are_seen_through_the_error_responses() {
    // The repair declares 4XX/5XX with ErrorBody -> ErrorDetail; a document that declares its
    // own error body is compared like any response.
    let with_error = |detail: Value| {
        let mut d = pair(json!({}), json!({}));
        d["paths"]["/images"]["post"]["responses"]["4XX"] = json!({
            "description": "",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        });
        d["components"] = json!({"schemas": {"Error": object(detail, &["message"])}});
        d
    };
    let old = with_error(json!({"message": {"type": "string"}}));
    let new = with_error(json!({"message": {"type": "string"}, "code": {"type": "integer"}}));
    only(
        &changes(old.clone(), new.clone()),
        Kind::FieldAdded,
        Verdict::Compatible,
        "/components/schemas/Error/properties/code",
    );
    only(
        &changes(new, old),
        Kind::FieldRemoved,
        Verdict::Breaking,
        "/components/schemas/Error/properties/code",
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

#[test]
fn suggested_bump_follows_the_harshest_change() {
    let change = |verdict, surface| Change {
        pointer: String::new(),
        kind: Kind::FieldAdded,
        old: None,
        new: None,
        verdict,
        surface,
    };
    assert_eq!(suggested_bump(&[]), Bump::Patch);
    assert_eq!(
        suggested_bump(&[change(Verdict::Compatible, Surface::Wire)]),
        Bump::Patch
    );
    assert_eq!(
        suggested_bump(&[
            change(Verdict::Compatible, Surface::Wire),
            change(Verdict::Compatible, Surface::Api)
        ]),
        Bump::Minor
    );
    assert_eq!(
        suggested_bump(&[
            change(Verdict::Compatible, Surface::Api),
            change(Verdict::Breaking, Surface::Wire)
        ]),
        Bump::Major
    );
    assert_eq!(Bump::Major.for_zero_x(), "minor");
    assert_eq!(Bump::Minor.for_zero_x(), "patch");
}

// --- the command, through the real binary -------------------------------------------------

fn write(name: &str, document: &Value) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, document.to_string()).unwrap();
    path
}

fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_build-tools"))
        .arg("diff")
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn command_exits_1_and_groups_lines_when_something_breaks() {
    let old = write(
        "breaks-old.json",
        &pair(json!({"seed": {"type": "integer"}}), json!({})),
    );
    let new = write(
        "breaks-new.json",
        &pair(json!({"style": {"type": "string"}}), json!({})),
    );
    let output = run(&[&old, &new]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "breaking (1):",
            &format!(
                "  breaking    api   {BODY}/properties/seed: field-removed: \"optional integer\" -> (absent)"
            ),
            "compatible (1):",
            &format!(
                "  compatible  api   {BODY}/properties/style: field-added: (absent) -> \"optional string\""
            ),
            "suggested version bump: major (a 0.x crate bumps its minor number)",
        ]
    );
}

#[test]
fn command_exits_0_when_only_compatible_changes() {
    let old = write("compatible-old.json", &pair(json!({}), json!({})));
    let new = write(
        "compatible-new.json",
        &pair(json!({"seed": {"type": "integer"}}), json!({})),
    );
    let output = run(&[&old, &new]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output)
            .ends_with("suggested version bump: minor (a 0.x crate bumps its patch number)\n"),
        "{}",
        stdout(&output)
    );
    assert!(!stdout(&output).contains("breaking"));
}

#[test]
fn command_json_is_one_document_on_stdout() {
    let old = write(
        "json-old.json",
        &pair(json!({"seed": {"type": "integer"}}), json!({})),
    );
    let new = write(
        "json-new.json",
        &pair(json!({"seed": {"type": "number"}}), json!({})),
    );
    let output = run(&[&old, &"--json", &new]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let document: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(
        document,
        json!({
            "changes": [{
                "pointer": format!("{BODY}/properties/seed"),
                "kind": "type-changed",
                "old": "integer",
                "new": "number",
                "verdict": "breaking",
                "surface": "api"
            }],
            "suggested_bump": "major"
        })
    );
}

#[test]
fn command_exits_2_on_unreadable_or_unrepairable_documents_and_bad_usage() {
    let good = write("good.json", &pair(json!({}), json!({})));
    let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-tests/missing.json");
    let output = run(&[&good, &missing]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot read"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("missing.json"));
    assert!(output.stdout.is_empty());

    let not_json = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-tests/not-json.json");
    std::fs::write(&not_json, "{\"openapi\": ").unwrap();
    let output = run(&[&not_json, &good, &"--json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not valid JSON"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());

    let mut bad = pair(json!({}), json!({}));
    bad["paths"]["/images"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
        ["size"] = json!({"type": "string", "enum": [" , "]});
    let bad = write("unrepairable.json", &bad);
    let output = run(&[&good, &bad]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("unrepairable.json"), "{message}");
    assert!(
        message.contains(&format!("{BODY}/properties/size/enum")),
        "{message}"
    );
    assert!(message.contains("no usable member"), "{message}");

    for args in [
        vec![&good as &dyn AsRef<std::ffi::OsStr>],
        vec![&good, &good, &good],
        vec![&good, &good, &"--yaml"],
    ] {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains("Usage:"));
    }
}

#[test]
fn the_stored_document_against_itself_and_its_patched_copy_reports_nothing() {
    let stored = build_tools::cli::stored_document();
    let patched = build_tools::cli::patched_document();
    for other in [&stored, &patched] {
        let output = run(&[&stored, other]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            stdout(&output),
            "no changes to the generated API or the wire\nsuggested version bump: patch (a 0.x crate bumps its patch number)\n"
        );
        let output = run(&[&stored, other, &"--json"]);
        assert_eq!(output.status.code(), Some(0));
        let document: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(document, json!({"changes": [], "suggested_bump": "patch"}));
    }
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
fn a_tighter_request_range_is_breaking_and_a_looser_one_compatible() {
    let old = pair(
        json!({"n": {"type": "integer", "minimum": 1, "maximum": 10}}),
        json!({}),
    );
    let tighter = pair(
        json!({"n": {"type": "integer", "minimum": 1, "maximum": 4}}),
        json!({}),
    );
    let looser = pair(json!({"n": {"type": "integer", "minimum": 1}}), json!({}));
    let changes = diff(&old, &tighter);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].kind, Kind::RangeChanged);
    assert_eq!(changes[0].pointer, format!("{BODY}/properties/n/maximum"));
    assert_eq!(changes[0].verdict, Verdict::Breaking);
    let changes = diff(&old, &looser);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].verdict, Verdict::Compatible);
    assert_eq!(changes[0].new, None);
}

#[test]
fn a_bound_that_narrows_an_integers_rust_type_is_a_breaking_type_change() {
    let old = pair(json!({"n": {"type": "integer"}}), json!({}));
    let new = pair(json!({"n": {"type": "integer", "minimum": 1}}), json!({}));
    let changes = diff(&old, &new);
    let kinds: Vec<Kind> = changes.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&Kind::TypeChanged), "{changes:#?}");
    let typed = changes
        .iter()
        .find(|c| c.kind == Kind::TypeChanged)
        .unwrap();
    assert_eq!(typed.new, Some(json!("integer (NonZeroU64)")));
    assert_eq!(
        (typed.verdict, typed.surface),
        (Verdict::Breaking, Surface::Api)
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
