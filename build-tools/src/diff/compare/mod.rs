//! The walk behind [`super::diff`]: operations matched by method and path, then their
//! parameters, bodies and responses, schema by schema, following local `$ref`s.

mod bodies;
mod document;
mod fields;
mod operations;
mod parameters;
mod schemas;

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{Change, Kind, Surface, Verdict};

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
