//! The walk behind [`super::diff`]: operations matched by method and path, then their
//! parameters, bodies and responses, schema by schema, following local `$ref`s.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::{Change, Kind, Surface, Verdict};
use crate::compat::SERVER_DEFAULT;
use crate::pointer;

/// `value[key]` as an object; absent, or not an object, reads as empty.
fn members<'a>(value: &'a Value, key: &str) -> &'a Map<String, Value> {
    static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    value.get(key).and_then(Value::as_object).unwrap_or(&EMPTY)
}

/// Every change from `old` to `new`, each reported once.
pub(super) fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let mut differ = Differ {
        old,
        new,
        changes: Vec::new(),
        visited: HashSet::new(),
    };
    differ.operations();
    differ
        .changes
        .extend(super::not_generated::changes(old, new));
    differ.components();
    differ.info();
    differ.servers();
    dedup(differ.changes)
}

/// Whether a schema is read from the request side (the caller builds it) or the response side
/// (the caller reads it): a new required field breaks builders but not readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Request,
    Response,
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    changes: Vec<Change>,
    /// Schema pairs already compared, by resolved pointers and side: stops `$ref` cycles and
    /// reports a shared component once.
    visited: HashSet<(String, String, Side)>,
}

/// An operation: pointer, method, path, the operation and its path item.
struct Operation<'a> {
    at: String,
    method: &'static str,
    path: String,
    op: &'a Value,
    item: &'a Value,
}

fn operations_of(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let item_at = pointer::child("/paths", path);
        for method in METHODS {
            if let Some(op @ Value::Object(_)) = item.get(*method) {
                out.push(Operation {
                    at: pointer::child(&item_at, method),
                    method,
                    path: path.clone(),
                    op,
                    item,
                });
            }
        }
    }
    out
}

fn operation_id(op: &Value) -> Option<&str> {
    op.get("operationId").and_then(Value::as_str)
}

impl<'a> Differ<'a> {
    fn push(
        &mut self,
        pointer: String,
        kind: Kind,
        old: Option<Value>,
        new: Option<Value>,
        verdict: Verdict,
        surface: Surface,
    ) {
        self.changes.push(Change {
            pointer,
            kind,
            old,
            new,
            verdict,
            surface,
        });
    }

    fn operations(&mut self) {
        let old_ops = operations_of(self.old);
        let new_ops = operations_of(self.new);
        let same_place = |a: &Operation, b: &Operation| a.method == b.method && a.path == b.path;
        let mut new_matched = vec![false; new_ops.len()];
        let mut removed = Vec::new();
        for old_op in &old_ops {
            match new_ops.iter().position(|n| same_place(old_op, n)) {
                Some(i) => {
                    new_matched[i] = true;
                    self.operation(old_op, &new_ops[i]);
                }
                None => removed.push(old_op),
            }
        }
        for old_op in removed {
            let moved_to = operation_id(old_op.op).and_then(|id| {
                new_ops
                    .iter()
                    .enumerate()
                    .position(|(i, n)| !new_matched[i] && operation_id(n.op) == Some(id))
            });
            match moved_to {
                Some(i) => {
                    new_matched[i] = true;
                    let new_op = &new_ops[i];
                    self.push(
                        new_op.at.clone(),
                        Kind::OperationMoved,
                        Some(json!(format!("{} {}", old_op.method, old_op.path))),
                        Some(json!(format!("{} {}", new_op.method, new_op.path))),
                        Verdict::Compatible,
                        Surface::Wire,
                    );
                    self.operation(old_op, new_op);
                }
                None => self.push(
                    old_op.at.clone(),
                    Kind::OperationRemoved,
                    Some(describe_operation(old_op)),
                    None,
                    Verdict::Breaking,
                    Surface::Api,
                ),
            }
        }
        for (i, new_op) in new_ops.iter().enumerate() {
            if !new_matched[i] {
                self.push(
                    new_op.at.clone(),
                    Kind::OperationAdded,
                    None,
                    Some(describe_operation(new_op)),
                    Verdict::Compatible,
                    Surface::Api,
                );
            }
        }
    }

    fn operation(&mut self, old: &Operation, new: &Operation) {
        let (old_id, new_id) = (operation_id(old.op), operation_id(new.op));
        if old_id != new_id {
            self.push(
                pointer::child(&new.at, "operationId"),
                Kind::OperationRenamed,
                old_id.map(|id| json!(id)),
                new_id.map(|id| json!(id)),
                Verdict::Breaking,
                Surface::Api,
            );
        }
        self.parameters(old, new);
        self.request_body(old, new);
        self.responses(old, new);
    }

    fn parameters(&mut self, old: &Operation, new: &Operation) {
        let old_params = parameters_of(self.old, old);
        let new_params = parameters_of(self.new, new);
        for (key, (old_at, old_p)) in &old_params {
            let Some((new_at, new_p)) = new_params.iter().find(|(k, _)| k == key).map(|(_, p)| p)
            else {
                self.push(
                    old_at.clone(),
                    Kind::ParameterRemoved,
                    Some(json!(describe_parameter(key, old_p))),
                    None,
                    Verdict::Breaking,
                    Surface::Api,
                );
                continue;
            };
            let (was, is) = (is_required(old_p), is_required(new_p));
            if was != is {
                self.push(
                    pointer::child(new_at, "required"),
                    if is {
                        Kind::FieldMadeRequired
                    } else {
                        Kind::FieldMadeOptional
                    },
                    Some(json!(optionality(!was))),
                    Some(json!(optionality(!is))),
                    Verdict::Breaking,
                    Surface::Api,
                );
            }
            if let (Some(os), Some(ns)) = (old_p.get("schema"), new_p.get("schema")) {
                self.schema(
                    os,
                    pointer::child(old_at, "schema"),
                    ns,
                    pointer::child(new_at, "schema"),
                    Side::Request,
                );
            }
        }
        for (key, (new_at, new_p)) in &new_params {
            if !old_params.iter().any(|(k, _)| k == key) {
                self.push(
                    new_at.clone(),
                    Kind::ParameterAdded,
                    None,
                    Some(json!(describe_parameter(key, new_p))),
                    if is_required(new_p) {
                        Verdict::Breaking
                    } else {
                        Verdict::Compatible
                    },
                    Surface::Api,
                );
            }
        }
    }

    fn request_body(&mut self, old: &Operation, new: &Operation) {
        let old_at = pointer::child(&old.at, "requestBody");
        let new_at = pointer::child(&new.at, "requestBody");
        let old_body = old
            .op
            .get("requestBody")
            .map(|b| resolve(self.old, b, old_at.clone()));
        let new_body = new
            .op
            .get("requestBody")
            .map(|b| resolve(self.new, b, new_at.clone()));
        match (old_body, new_body) {
            (None, None) => {}
            (Some((_, old_at)), None) => self.push(
                old_at,
                Kind::RequestBodyRemoved,
                Some(json!("request body")),
                None,
                Verdict::Breaking,
                Surface::Api,
            ),
            (None, Some((_, new_at))) => self.push(
                new_at,
                Kind::RequestBodyAdded,
                None,
                Some(json!("request body")),
                Verdict::Breaking,
                Surface::Api,
            ),
            (Some((old_body, old_at)), Some((new_body, new_at))) => {
                self.content(old_body, &old_at, new_body, &new_at, Side::Request);
            }
        }
    }

    fn responses(&mut self, old: &Operation, new: &Operation) {
        let old_responses = members(old.op, "responses");
        let new_responses = members(new.op, "responses");
        let old_at = pointer::child(&old.at, "responses");
        let new_at = pointer::child(&new.at, "responses");
        for (status, old_r) in old_responses {
            let old_r_at = pointer::child(&old_at, status);
            match new_responses.get(status) {
                None => self.push(
                    old_r_at,
                    Kind::ResponseRemoved,
                    Some(json!(status)),
                    None,
                    Verdict::Breaking,
                    Surface::Api,
                ),
                Some(new_r) => {
                    let (old_r, old_r_at) = resolve(self.old, old_r, old_r_at);
                    let (new_r, new_r_at) =
                        resolve(self.new, new_r, pointer::child(&new_at, status));
                    self.content(old_r, &old_r_at, new_r, &new_r_at, Side::Response);
                }
            }
        }
        for status in new_responses.keys() {
            if !old_responses.contains_key(status) {
                self.push(
                    pointer::child(&new_at, status),
                    Kind::ResponseAdded,
                    None,
                    Some(json!(status)),
                    Verdict::Compatible,
                    Surface::Api,
                );
            }
        }
    }

    /// Compares the `content` maps of two request bodies or responses.
    fn content(&mut self, old: &Value, old_at: &str, new: &Value, new_at: &str, side: Side) {
        let old_content = members(old, "content");
        let new_content = members(new, "content");
        let old_at = pointer::child(old_at, "content");
        let new_at = pointer::child(new_at, "content");
        for (media, old_m) in old_content {
            let old_m_at = pointer::child(&old_at, media);
            let Some(new_m) = new_content.get(media) else {
                self.push(
                    old_m_at,
                    Kind::MediaTypeRemoved,
                    Some(json!(media)),
                    None,
                    Verdict::Breaking,
                    Surface::Api,
                );
                continue;
            };
            let new_m_at = pointer::child(&new_at, media);
            match (old_m.get("schema"), new_m.get("schema")) {
                (Some(os), Some(ns)) => self.schema(
                    os,
                    pointer::child(&old_m_at, "schema"),
                    ns,
                    pointer::child(&new_m_at, "schema"),
                    side,
                ),
                (None, None) => {}
                (os, ns) => self.push(
                    pointer::child(&new_m_at, "schema"),
                    Kind::TypeChanged,
                    Some(json!(os.map_or("no schema".to_owned(), |s| describe(
                        resolve(self.old, s, String::new()).0
                    )))),
                    Some(json!(ns.map_or("no schema".to_owned(), |s| describe(
                        resolve(self.new, s, String::new()).0
                    )))),
                    Verdict::Breaking,
                    Surface::Api,
                ),
            }
        }
        for media in new_content.keys() {
            if !old_content.contains_key(media) {
                self.push(
                    pointer::child(&new_at, media),
                    Kind::MediaTypeAdded,
                    None,
                    Some(json!(media)),
                    Verdict::Compatible,
                    Surface::Api,
                );
            }
        }
    }

    /// Compares two schemas, following local `$ref`s on both sides.
    fn schema(&mut self, old: &Value, old_at: String, new: &Value, new_at: String, side: Side) {
        let (old, old_at) = resolve(self.old, old, old_at);
        let (new, new_at) = resolve(self.new, new, new_at);
        if !self.visited.insert((old_at.clone(), new_at.clone(), side)) {
            return;
        }
        // A `default` is what the crate itself sends for a request field the caller leaves
        // alone, or fills in for a response field the server leaves out: changing it changes
        // the crate's behaviour under unchanged code.
        self.literal(old, &old_at, new, &new_at, "default", Kind::DefaultChanged);
        // An `x-server-default` is documentation only: the crate does not send the field, so
        // the server applies its own default, and did so for every crate version as soon as
        // the server changed.
        self.literal(
            old,
            &old_at,
            new,
            &new_at,
            SERVER_DEFAULT,
            Kind::ServerDefaultChanged,
        );
        self.range(old, &old_at, new, &new_at, side);
        let (old_type, new_type) = (describe(old), describe(new));
        if old_type != new_type {
            self.push(
                new_at.clone(),
                Kind::TypeChanged,
                Some(json!(old_type)),
                Some(json!(new_type)),
                Verdict::Breaking,
                Surface::Api,
            );
            // What lies inside belongs to another type now: listing it would only repeat this.
            return;
        }
        self.enum_values(old, &old_at, new, &new_at);
        self.properties(old, &old_at, new, &new_at, side);
        for key in ["items", "additionalProperties", "not"] {
            if let (Some(os @ Value::Object(_)), Some(ns @ Value::Object(_))) =
                (old.get(key), new.get(key))
            {
                self.schema(
                    os,
                    pointer::child(&old_at, key),
                    ns,
                    pointer::child(&new_at, key),
                    side,
                );
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let (Some(Value::Array(os)), Some(Value::Array(ns))) = (old.get(key), new.get(key))
                && os.len() == ns.len()
            {
                for (i, (os, ns)) in os.iter().zip(ns).enumerate() {
                    let index = i.to_string();
                    self.schema(
                        os,
                        pointer::child(&pointer::child(&old_at, key), &index),
                        ns,
                        pointer::child(&pointer::child(&new_at, key), &index),
                        side,
                    );
                }
            }
        }
    }

    /// Reports a change of the literal at `key` (`default`, `x-server-default`).
    fn literal(
        &mut self,
        old: &Value,
        old_at: &str,
        new: &Value,
        new_at: &str,
        key: &str,
        kind: Kind,
    ) {
        let (was, is) = (old.get(key), new.get(key));
        if was == is {
            return;
        }
        let at = if is.is_some() {
            pointer::child(new_at, key)
        } else {
            pointer::child(old_at, key)
        };
        let verdict = if kind == Kind::ServerDefaultChanged {
            Verdict::Compatible
        } else {
            Verdict::Breaking
        };
        self.push(at, kind, was.cloned(), is.cloned(), verdict, Surface::Wire);
    }

    fn enum_values(&mut self, old: &Value, old_at: &str, new: &Value, new_at: &str) {
        let (Some(Value::Array(was)), Some(Value::Array(is))) = (old.get("enum"), new.get("enum"))
        else {
            return;
        };
        let old_enum_at = pointer::child(old_at, "enum");
        let new_enum_at = pointer::child(new_at, "enum");
        for (i, value) in was.iter().enumerate() {
            if !is.contains(value) {
                self.push(
                    pointer::child(&old_enum_at, &i.to_string()),
                    Kind::EnumValueRemoved,
                    Some(value.clone()),
                    None,
                    Verdict::Breaking,
                    Surface::Api,
                );
            }
        }
        for (i, value) in is.iter().enumerate() {
            if !was.contains(value) {
                // Generated enums are `#[non_exhaustive]`: callers already match with a
                // wildcard, on the request and on the response side alike.
                self.push(
                    pointer::child(&new_enum_at, &i.to_string()),
                    Kind::EnumValueAdded,
                    None,
                    Some(value.clone()),
                    Verdict::Compatible,
                    Surface::Api,
                );
            }
        }
    }

    fn properties(&mut self, old: &Value, old_at: &str, new: &Value, new_at: &str, side: Side) {
        let was = members(old, "properties");
        let is = members(new, "properties");
        let old_props_at = pointer::child(old_at, "properties");
        let new_props_at = pointer::child(new_at, "properties");
        for (name, old_field) in was {
            let old_field_at = pointer::child(&old_props_at, name);
            let Some(new_field) = is.get(name) else {
                let field = Field::new(self.old, old, name, old_field);
                self.push(
                    old_field_at,
                    Kind::FieldRemoved,
                    Some(json!(field.describe())),
                    None,
                    Verdict::Breaking,
                    Surface::Api,
                );
                continue;
            };
            let new_field_at = pointer::child(&new_props_at, name);
            let before = Field::new(self.old, old, name, old_field);
            let after = Field::new(self.new, new, name, new_field);
            if before.optional() != after.optional() {
                // `T` and `Option<T>` are different types to every reader of the field, and a
                // builder that must now be given a value fails where it used to succeed.
                self.push(
                    new_field_at.clone(),
                    if after.optional() {
                        Kind::FieldMadeOptional
                    } else {
                        Kind::FieldMadeRequired
                    },
                    Some(json!(optionality(before.optional()))),
                    Some(json!(optionality(after.optional()))),
                    Verdict::Breaking,
                    Surface::Api,
                );
            }
            self.schema(old_field, old_field_at, new_field, new_field_at, side);
        }
        for (name, new_field) in is {
            if was.contains_key(name) {
                continue;
            }
            let field = Field::new(self.new, new, name, new_field);
            // Generated structs are `#[non_exhaustive]`, so nobody builds them with a literal:
            // a new field breaks only a builder that now fails without a value.
            let verdict = if side == Side::Request && field.must_be_given() {
                Verdict::Breaking
            } else {
                Verdict::Compatible
            };
            self.push(
                pointer::child(&new_props_at, name),
                Kind::FieldAdded,
                None,
                Some(json!(field.describe())),
                verdict,
                Surface::Api,
            );
        }
    }

    /// `components/schemas`: every schema is a generated type, used by an operation or not.
    fn components(&mut self) {
        let empty = Map::new();
        let schemas = |doc: &'a Value| {
            doc.pointer("/components/schemas")
                .and_then(Value::as_object)
        };
        let was = schemas(self.old).unwrap_or(&empty);
        let is = schemas(self.new).unwrap_or(&empty);
        for (name, old_schema) in was {
            let at = pointer::child("/components/schemas", name);
            match is.get(name) {
                None => self.push(
                    at,
                    Kind::SchemaRemoved,
                    Some(json!(describe(old_schema))),
                    None,
                    Verdict::Breaking,
                    Surface::Api,
                ),
                Some(new_schema) => {
                    let reached = self.visited.iter().any(|(o, n, _)| *o == at || *n == at);
                    if !reached {
                        // Not used by any operation: judged as a type callers may build.
                        self.schema(old_schema, at.clone(), new_schema, at, Side::Request);
                    }
                }
            }
        }
        for (name, new_schema) in is {
            if !was.contains_key(name) {
                self.push(
                    pointer::child("/components/schemas", name),
                    Kind::SchemaAdded,
                    None,
                    Some(json!(describe(new_schema))),
                    Verdict::Compatible,
                    Surface::Api,
                );
            }
        }
    }

    /// The crate's default base URL is the first server's URL: another one moves every program
    /// that keeps the default to another host. The API the crate offers is unchanged.
    fn servers(&mut self) {
        let url = |doc: &Value| {
            doc.pointer("/servers/0/url")
                .and_then(Value::as_str)
                .map(|u| Value::from(u.trim_end_matches('/')))
        };
        let (was, is) = (url(self.old), url(self.new));
        if was != is {
            self.push(
                "/servers/0/url".to_owned(),
                Kind::ServerUrlChanged,
                was,
                is,
                Verdict::Compatible,
                Surface::Wire,
            );
        }
    }

    /// A tighter bound on a request field refuses values the previous crate sent (breaking);
    /// a looser one, or a bound on a response field, only changes what is checked.
    fn range(&mut self, old: &Value, old_at: &str, new: &Value, new_at: &str, side: Side) {
        for (key, tighter) in [
            (
                "minimum",
                (|was: f64, is: f64| is > was) as fn(f64, f64) -> bool,
            ),
            ("maximum", |was: f64, is: f64| is < was),
        ] {
            let (was, is) = (old.get(key), new.get(key));
            if was == is {
                continue;
            }
            let stricter = match (was.and_then(Value::as_f64), is.and_then(Value::as_f64)) {
                (None, Some(_)) => true,
                (Some(was), Some(is)) => tighter(was, is),
                _ => false,
            };
            let at = if is.is_some() {
                pointer::child(new_at, key)
            } else {
                pointer::child(old_at, key)
            };
            let verdict = if stricter && side == Side::Request {
                Verdict::Breaking
            } else {
                Verdict::Compatible
            };
            self.push(
                at,
                Kind::RangeChanged,
                was.cloned(),
                is.cloned(),
                verdict,
                Surface::Wire,
            );
        }
    }

    /// progenitor sends `info.version` as the `api-version` header of every request.
    fn info(&mut self) {
        let (was, is) = (
            self.old.pointer("/info/version"),
            self.new.pointer("/info/version"),
        );
        if was != is {
            self.push(
                "/info/version".to_owned(),
                Kind::ApiVersionChanged,
                was.cloned(),
                is.cloned(),
                Verdict::Compatible,
                Surface::Wire,
            );
        }
    }
}

/// A property of an object schema, with what decides its Rust type.
struct Field<'v> {
    schema: &'v Value,
    required: bool,
}

impl<'v> Field<'v> {
    fn new(doc: &'v Value, object: &Value, name: &str, schema: &'v Value) -> Self {
        let required = object
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name)));
        Self {
            schema: resolve(doc, schema, String::new()).0,
            required,
        }
    }

    fn nullable(&self) -> bool {
        self.schema.get("nullable") == Some(&Value::Bool(true))
    }

    fn has_default(&self) -> bool {
        self.schema.get("default").is_some()
    }

    /// Whether the generated field is `Option<T>`: nullable, or neither required nor
    /// defaulted (a defaulted field is a plain `T` filled in by serde).
    fn optional(&self) -> bool {
        self.nullable() || (!self.required && !self.has_default())
    }

    /// Whether the generated builder fails unless the caller sets the field.
    fn must_be_given(&self) -> bool {
        self.required && !self.nullable() && !self.has_default()
    }

    fn describe(&self) -> String {
        format!("{} {}", optionality(self.optional()), describe(self.schema))
    }
}

fn optionality(optional: bool) -> &'static str {
    if optional { "optional" } else { "required" }
}

/// Follows local `$ref`s (a chain of at most 32) and returns the schema with its pointer.
fn resolve<'v>(doc: &'v Value, mut value: &'v Value, mut at: String) -> (&'v Value, String) {
    for _ in 0..32 {
        let Some(target) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        match doc.pointer(target) {
            Some(found) => {
                value = found;
                at = target.to_owned();
            }
            None => break,
        }
    }
    (value, at)
}

/// A schema's Rust-relevant shape as text: type and format, `enum of` when it is an enum. Two
/// schemas with different descriptions generate different Rust types.
fn describe(schema: &Value) -> String {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        // Only an unresolvable or remote reference is left here.
        return format!("$ref {target}");
    }
    let base = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(other) => other.to_string(),
        None if schema.get("properties").is_some() => "object".to_owned(),
        None if schema.get("items").is_some() => "array".to_owned(),
        None => ["allOf", "anyOf", "oneOf"]
            .into_iter()
            .find(|k| schema.get(*k).is_some())
            .map(|k| match schema.get(k) {
                Some(Value::Array(items)) => format!("{k} of {}", items.len()),
                _ => k.to_owned(),
            })
            .unwrap_or_else(|| "any".to_owned()),
    };
    let base = match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{base}({format})"),
        None if base == "integer" => match narrowed_integer(schema) {
            Some(rust) => format!("integer ({rust})"),
            None => base,
        },
        None => base,
    };
    if schema.get("enum").is_some() {
        format!("enum of {base}")
    } else {
        base
    }
}

/// The Rust type typify gives an integer without a `format` when its bounds narrow it (see
/// typify's `convert_integer`): `minimum: 1` is `NonZeroU64`, `minimum: 0` alone is `u64`. A
/// bound that adds or removes one of these changes the generated field's type.
fn narrowed_integer(schema: &Value) -> Option<&'static str> {
    let minimum = schema.get("minimum").and_then(Value::as_f64);
    let maximum = schema.get("maximum").and_then(Value::as_f64);
    match (minimum, maximum) {
        (Some(1.0), _) => Some("NonZeroU64"),
        (Some(0.0), None) => Some("u64"),
        _ => None,
    }
}

fn describe_operation(op: &Operation) -> Value {
    match operation_id(op.op) {
        Some(id) => json!(format!("{} {} ({id})", op.method, op.path)),
        None => json!(format!("{} {}", op.method, op.path)),
    }
}

/// A parameter's `(in, name)`, which identifies it.
type ParameterKey = (String, String);

/// A parameter with its pointer.
type Located<'v> = (String, &'v Value);

/// Parameters of an operation, with its path item's, keyed by `(in, name)`.
fn parameters_of<'v>(doc: &'v Value, op: &Operation<'v>) -> Vec<(ParameterKey, Located<'v>)> {
    let mut out: Vec<(ParameterKey, Located<'v>)> = Vec::new();
    let item_at = op.at.rsplit_once('/').map_or("", |(item, _)| item);
    for (holder, holder_at) in [(op.item, item_at), (op.op, op.at.as_str())] {
        let Some(Value::Array(params)) = holder.get("parameters") else {
            continue;
        };
        for (i, param) in params.iter().enumerate() {
            let at = pointer::child(&pointer::child(holder_at, "parameters"), &i.to_string());
            let (param, at) = resolve(doc, param, at);
            let key = (
                param
                    .get("in")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                param
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            );
            // An operation's own parameter overrides its path item's.
            out.retain(|(k, _)| *k != key);
            out.push((key, (at, param)));
        }
    }
    out
}

fn is_required(param: &Value) -> bool {
    param.get("required") == Some(&Value::Bool(true))
}

fn describe_parameter((location, name): &ParameterKey, param: &Value) -> String {
    format!(
        "{} {location} parameter {name}",
        optionality(!is_required(param))
    )
}

/// Drops repeats of one change reached from several places (a component used by a request and
/// a response), keeping the first position and the harsher verdict.
fn dedup(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    for change in changes {
        match out.iter_mut().find(|c| {
            c.pointer == change.pointer
                && c.kind == change.kind
                && c.old == change.old
                && c.new == change.new
        }) {
            Some(seen) => seen.verdict = seen.verdict.min(change.verdict),
            None => out.push(change),
        }
    }
    out
}
