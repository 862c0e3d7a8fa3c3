//! Operations the repair leaves out of the generated client (see [`crate::unsupported`]): the
//! new document has them, the crate will not. Each one newly left out, or left out for a new
//! reason, is reported so the person releasing the crate knows what it cannot call.

use serde_json::json;

use super::{Change, Kind, Surface, Verdict};
use crate::unsupported::left_out;

/// `operation-not-generated` changes, in path then method order. Compatible and on the wire
/// side: nothing a caller has changes; the server offers something the crate cannot send.
/// When the operation was generated before, the walk also reports it `operation-removed`.
pub(super) fn changes(old: &serde_json::Value, new: &serde_json::Value) -> Vec<Change> {
    let before = left_out(old);
    left_out(new)
        .into_iter()
        .filter_map(|now| {
            let was = before.iter().find(|b| b.pointer == now.pointer);
            if was.is_some_and(|was| was.reason == now.reason) {
                return None;
            }
            Some(Change {
                pointer: now.pointer,
                kind: Kind::OperationNotGenerated,
                old: was.map(|was| json!(was.reason)),
                new: Some(json!(now.reason)),
                verdict: Verdict::Compatible,
                surface: Surface::Wire,
            })
        })
        .collect()
}
