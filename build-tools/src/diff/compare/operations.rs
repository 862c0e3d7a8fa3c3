//! Operations matched by method and path (or moved, by `operationId`), added, removed or renamed.

use serde_json::{Value, json};

use super::{Differ, Operation};
use crate::diff::{Kind, Surface, Verdict};
use crate::pointer;
use crate::walk::METHODS;

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
    pub(super) fn operations(&mut self) {
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
}

fn describe_operation(op: &Operation) -> Value {
    match operation_id(op.op) {
        Some(id) => json!(format!("{} {} ({id})", op.method, op.path)),
        None => json!(format!("{} {}", op.method, op.path)),
    }
}
