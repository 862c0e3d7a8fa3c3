//! What belongs to the whole document: `components/schemas`, the servers, `info.version`.

use serde_json::{Map, Value, json};

use super::schemas::describe;
use super::{Differ, Side};
use crate::diff::{Kind, Surface, Verdict};
use crate::pointer;

impl<'a> Differ<'a> {
    /// `components/schemas`: every schema is a generated type, used by an operation or not.
    pub(super) fn components(&mut self) {
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
    pub(super) fn servers(&mut self) {
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

    /// progenitor sends `info.version` as the `api-version` header of every request.
    pub(super) fn info(&mut self) {
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
