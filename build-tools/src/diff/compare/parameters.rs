//! An operation's path, query and header parameters, its path item's included.

use serde_json::{Value, json};

use super::fields::optionality;
use super::{Differ, Operation, Side, resolve};
use crate::diff::{Kind, Surface, Verdict};
use crate::pointer;

impl<'a> Differ<'a> {
    pub(super) fn parameters(&mut self, old: &Operation, new: &Operation) {
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
