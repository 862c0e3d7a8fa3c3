//! Each request and attempt gets a tracing span with the attempt number, status and latency;
//! nothing traced contains the key.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use flux_client::mock::{Fault, MockServer};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use tracing_core::span::Current;

#[derive(Clone, Debug)]
struct SpanRecord {
    name: &'static str,
    parent: Option<u64>,
    fields: Vec<(String, String)>,
}

impl SpanRecord {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal subscriber that keeps every span's fields and every event's text.
#[derive(Clone, Default)]
struct Capture {
    next: Arc<AtomicU64>,
    spans: Arc<Mutex<HashMap<u64, (SpanRecord, &'static Metadata<'static>)>>>,
    stack: Arc<Mutex<Vec<u64>>>,
    events: Arc<Mutex<Vec<String>>>,
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Vec::new();
        attributes.record(&mut Fields(&mut fields));
        let parent = attributes
            .parent()
            .map(Id::into_u64)
            .or_else(|| self.stack.lock().unwrap().last().copied());
        let record = SpanRecord {
            name: attributes.metadata().name(),
            parent,
            fields,
        };
        self.spans
            .lock()
            .unwrap()
            .insert(id, (record, attributes.metadata()));
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some((record, _)) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Fields(&mut record.fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        self.events.lock().unwrap().push(format!("{fields:?}"));
    }
    fn enter(&self, span: &Id) {
        self.stack.lock().unwrap().push(span.into_u64());
    }
    fn exit(&self, span: &Id) {
        let mut stack = self.stack.lock().unwrap();
        if let Some(at) = stack.iter().rposition(|id| *id == span.into_u64()) {
            stack.remove(at);
        }
    }
    fn current_span(&self) -> Current {
        let stack = self.stack.lock().unwrap();
        let spans = self.spans.lock().unwrap();
        match stack.last() {
            Some(id) => Current::new(Id::from_u64(*id), spans[id].1),
            None => Current::none(),
        }
    }
}

#[tokio::test]
async fn requests_and_attempts_are_traced_without_the_key() {
    let server = MockServer::start().await.unwrap();
    server.push_fault(Fault::Status {
        status: 503,
        retry_after: None,
    });
    let client = crate::suite_support::client(&server);

    let capture = Capture::default();
    let guard = tracing::subscriber::set_default(capture.clone());
    // Other tests run on other threads without a subscriber: a callsite they registered while
    // this one was being installed may have cached "never"; ask every callsite again.
    tracing::callsite::rebuild_interest_cache();
    client.generate("fox").send().await.unwrap();
    drop(guard);

    let spans: Vec<(u64, SpanRecord)> = {
        let spans = capture.spans.lock().unwrap();
        let mut spans: Vec<_> = spans.iter().map(|(id, (r, _))| (*id, r.clone())).collect();
        spans.sort_by_key(|(id, _)| *id);
        spans
    };
    let requests: Vec<_> = spans
        .iter()
        .filter(|(_, s)| s.name == "flux.generate")
        .collect();
    assert_eq!(requests.len(), 1, "{spans:?}");
    let (request_id, request) = requests[0];
    assert_eq!(
        request.field("model"),
        Some("flux-pro-v1.1-ultra-text-to-image")
    );

    let attempts: Vec<&SpanRecord> = spans
        .iter()
        .filter(|(_, s)| s.name == "flux.attempt")
        .map(|(_, s)| s)
        .collect();
    assert_eq!(attempts.len(), 2, "{spans:?}");
    for (attempt, (number, status)) in attempts.iter().zip([("1", "503"), ("2", "200")]) {
        assert_eq!(attempt.parent, Some(*request_id));
        assert_eq!(attempt.field("attempt"), Some(number));
        assert_eq!(attempt.field("status"), Some(status));
        assert!(attempt.field("latency_ms").is_some(), "{attempt:?}");
    }

    let everything = format!("{spans:?} {:?}", capture.events.lock().unwrap());
    assert!(everything.contains("retrying"), "the retry is logged");
    assert!(!everything.contains(server.api_key()), "the key was traced");
}
