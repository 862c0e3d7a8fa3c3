//! Request bodies and responses, media type by media type.

use serde_json::{Value, json};

use super::schemas::describe;
use super::{Differ, Operation, Side, members, resolve};
use crate::diff::{Kind, Surface, Verdict};
use crate::pointer;

impl<'a> Differ<'a> {
    pub(super) fn request_body(&mut self, old: &Operation, new: &Operation) {
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

    pub(super) fn responses(&mut self, old: &Operation, new: &Operation) {
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
}
