//! Generation from the stored document and from new versions of it.

use build_tools::{generate::generate_client, repair};
use serde_json::{Value, json};

/// The frozen 2026-11 document (see `repair/support.rs`): generation tests do not move with
/// `openapi/`.
const FROZEN: &str = include_str!("fixtures/flux-pro-2026-11.json");

fn stored() -> Value {
    serde_json::from_str(FROZEN).unwrap()
}

#[test]
fn the_stored_document_generates_the_named_client() {
    let source = generate_client(&repair(stored()).unwrap().document).unwrap();
    for item in [
        "pub fn create_image(&self)",
        "pub enum AspectRatio",
        "pub enum SafetyTolerance",
        "pub enum OutputFormat",
        "pub struct ImageData",
        "pub struct CreateImageBody",
        "Error<types::ErrorBody>",
    ] {
        assert!(source.contains(item), "missing {item}");
    }
    assert!(!source.contains("CreateImageBodySize"));
    assert!(
        !source.contains("authorization"),
        "the key must not be an argument"
    );
    assert!(source.contains("#[non_exhaustive]\n    pub enum AspectRatio"));
    assert!(!source.contains("```ignore"), "no skipped doctests");
}

#[test]
fn a_new_version_with_another_operation_and_new_malformed_enums_generates() {
    let mut doc = stored();
    doc["paths"]["/v1/images/generations"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"]["style"] =
        json!({"type": "string", "enum": ["photo, anime ", "photo"], "default": "photo"});
    doc["paths"]["/v1/images/{image_id}"] = json!({"get": {
        "parameters": [
            {"name": "Authorization", "in": "header", "required": true, "schema": {"type": "string"}},
            {"name": "image_id", "in": "path", "required": true, "schema": {"type": "string"}}
        ],
        "responses": {"200": {"description": "", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"status": {"type": "string", "enum": ["queued,done"]}}
        }}}}}
    }});
    let source = generate_client(&repair(doc).unwrap().document).unwrap();
    assert!(source.contains("pub fn get_v1_images_by_image_id(&self)"));
    assert!(source.contains("#[serde(rename = \"anime\")]"));
    assert!(source.contains("#[serde(rename = \"done\")]"));
    syn::parse_file(&source).unwrap();
}

#[test]
fn a_renamed_upstream_field_is_reported_with_the_rename_to_update() {
    let mut doc = stored();
    let props = doc
        .pointer_mut("/paths/~1v1~1images~1generations/post/requestBody/content/application~1json/schema/properties")
        .unwrap()
        .as_object_mut()
        .unwrap();
    let size = props.remove("size").unwrap();
    props.insert("aspect_ratio".to_owned(), size);
    let err = generate_client(&repair(doc).unwrap().document).unwrap_err();
    assert!(err.contains("CreateImageBodySize"), "{err}");
    assert!(err.contains("CreateImageBodyAspectRatio"), "{err}");
}

#[test]
fn a_document_progenitor_cannot_read_names_the_pointer() {
    let mut doc = repair(stored()).unwrap().document;
    doc["paths"]["/v1/images/generations"]["post"]["responses"]["200"]["description"] = json!(5);
    let err = generate_client(&doc).unwrap_err();
    assert!(
        err.starts_with("/paths/~1v1~1images~1generations/post/responses/200"),
        "{err}"
    );
}

#[test]
fn different_error_schemas_on_create_image_are_named_instead_of_panicking() {
    let mut doc = stored();
    doc["paths"]["/v1/images/generations"]["post"]["responses"]["400"] = json!({
        "description": "", "content": {"application/json": {"schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}
    });
    doc["paths"]["/v1/images/generations"]["post"]["responses"]["500"] = json!({
        "description": "", "content": {"application/json": {"schema": {"type": "string"}}}
    });
    let err = repair(doc).unwrap_err();
    assert_eq!(err.pointer, "/paths/~1v1~1images~1generations/post");
    assert!(
        err.reason
            .starts_with("its error responses 400 (JSON) and 500 (JSON) have different bodies"),
        "{err}"
    );
    assert!(err.reason.contains("cannot be left out"), "{err}");
}

#[test]
fn another_operation_progenitor_cannot_generate_is_left_out_and_the_rest_generates() {
    let mut doc = stored();
    doc["paths"]["/v1/images/edits"] = json!({"post": {
        "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
        "responses": {
            "200": {"description": "", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": {"description": "", "content": {"application/json": {"schema": {"type": "string"}}}},
            "500": {"description": "", "content": {"application/json": {"schema": {"type": "integer"}}}}
        }
    }});
    let repaired = repair(doc).unwrap();
    let left_out = repaired.left_out();
    assert_eq!(left_out.len(), 1, "{left_out:?}");
    assert_eq!(
        left_out[0].to_string(),
        "POST /v1/images/edits (/paths/~1v1~1images~1edits/post) is not generated: its request \
         body is multipart/form-data: progenitor 0.15 can send only application/json, \
         application/x-www-form-urlencoded, application/octet-stream, text/plain, text/x-markdown"
    );
    let reported: Vec<_> = repaired
        .fixes
        .iter()
        .filter(|f| f.fix == build_tools::unsupported::FIX)
        .map(|f| f.pointer.as_str())
        .collect();
    assert_eq!(
        reported,
        [
            "/paths/~1v1~1images~1edits/post",
            "/paths/~1v1~1images~1edits/x-not-generated/post"
        ]
    );
    let source = generate_client(&repaired.document).unwrap();
    assert!(source.contains("pub fn create_image(&self)"));
    assert!(!source.contains("edits"));
}

#[test]
fn an_integer_enum_keeps_its_checked_newtype_with_a_schemars_1_schema() {
    let mut doc = stored();
    doc["components"] = json!({"schemas": {
        "Steps": {"type": "integer", "enum": [10, 20]},
        "NotZero": {"type": "number", "not": {"enum": [0]}}
    }});
    let source = generate_client(&repair(doc).unwrap().document).unwrap();
    let file = syn::parse_file(&source).unwrap();
    let text = source.replace(char::is_whitespace, "");
    assert!(text.contains("pubstructSteps(i64);"), "{source}");
    assert!(text.contains(
        "impl::schemars::JsonSchemaforSteps{fnschema_name()->::std::borrow::Cow<'static,str>"
    ));
    assert!(text.contains("schema.insert(\"enum\".to_owned()"));
    assert!(!source.contains("schemars::gen"));
    // typify's deny-list newtype (`not: {enum}`) is ported too.
    assert!(text.contains("pubstructNotZero(f64);"), "{source}");
    assert!(
        text.contains("schema.insert(\"not\".to_owned()"),
        "{source}"
    );
    assert!(!file.items.is_empty());
}

#[test]
fn a_progenitor_panic_is_an_error_not_a_crash() {
    // Bypasses the repair, which would leave this operation out.
    let mut doc = repair(stored()).unwrap().document;
    doc["paths"]["/y/{a}"] =
        json!({"get": {"operationId": "get_y", "responses": {"200": {"description": ""}}}});
    let err = generate_client(&doc).unwrap_err();
    assert!(
        err.starts_with("progenitor 0.15 stopped on a construct it does not support (missing path name mapping a)"),
        "{err}"
    );
}

#[test]
fn a_new_field_gets_a_typed_setter_and_a_table_entry_with_its_prose_range() {
    let mut doc = stored();
    let properties = &mut doc["paths"]["/v1/images/generations"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"]["properties"];
    properties["style"] = json!({"type": "string", "enum": ["photo ,", " anime", "photo"]});
    properties["guidance"] = json!({"type": "number", "description": "How closely to follow the prompt, between 1.5 and 5."});
    doc["servers"] = json!([{"url": "https://image.example.net/"}]);
    let repaired = repair(doc).unwrap().document;
    let source = generate_client(&repaired).unwrap();
    let surface = build_tools::surface::read(&repaired).unwrap();
    assert_eq!(surface.base_url, "https://image.example.net");
    let guidance = surface
        .fields
        .iter()
        .find(|f| f.name == "guidance")
        .unwrap();
    assert_eq!((guidance.minimum, guidance.maximum), (Some(1.5), Some(5.0)));
    let style = surface.fields.iter().find(|f| f.name == "style").unwrap();
    assert_eq!(style.values, ["photo", "anime"]);

    let rendered = build_tools::surface::render(&surface, &source).unwrap();
    assert!(
        rendered
            .setters
            .contains("pub fn style<V>(mut self, value: V) -> Self"),
        "{}",
        rendered.setters
    );
    assert!(
        rendered
            .setters
            .contains("crate::types::CreateImageBodyStyle")
    );
    assert!(
        rendered
            .setters
            .contains("pub fn guidance(mut self, value: f64) -> Self")
    );
    assert!(
        !rendered.setters.contains("pub fn prompt"),
        "the layer sets the prompt"
    );
    assert!(rendered.fields.contains("\"https://image.example.net\""));
    assert!(rendered.fields.contains("name: \"guidance\""));
}

#[test]
fn integer_enums_and_nested_declarations_reach_the_field_table() {
    let mut doc = stored();
    let properties = &mut doc["paths"]["/v1/images/generations"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"]["properties"];
    properties["steps"] = json!({"type": "integer", "enum": [20, 28, 50], "default": 28});
    properties["loras"] = json!({"type": "array", "items": {"type": "object", "required": ["path"],
        "properties": {"path": {"type": "string"}, "scale": {"type": "number", "minimum": 0, "maximum": 2}}}});
    let repaired = repair(doc).unwrap().document;
    let source = generate_client(&repaired).unwrap();
    let surface = build_tools::surface::read(&repaired).unwrap();
    let steps = surface.fields.iter().find(|f| f.name == "steps").unwrap();
    assert_eq!(steps.values, ["20", "28", "50"]);
    let loras = surface.fields.iter().find(|f| f.name == "loras").unwrap();
    let item = loras.items.as_deref().expect("the items are read");
    assert_eq!(item.wire_type, "object");
    let scale = item.properties.iter().find(|p| p.name == "scale").unwrap();
    assert_eq!((scale.minimum, scale.maximum), (Some(0.0), Some(2.0)));
    assert!(
        item.properties
            .iter()
            .any(|p| p.name == "path" && p.required)
    );

    let rendered = build_tools::surface::render(&surface, &source).unwrap();
    let table = rendered
        .fields
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(table.contains(r#"values: &["20", "28", "50"]"#), "{table}");
    assert!(
        table.contains(r#"name: "scale", wire_type: WireType::Number"#),
        "{table}"
    );
    assert!(
        table.contains("minimum: Some(0.0), maximum: Some(2.0)"),
        "{table}"
    );
}
