//! Structured JSON logs: one flat JSON object per console line, with `time`, `level`, `service`,
//! `request_id` (on every line logged while a request is being served) and the event's fields.
//! Never log a token.
//!
//! The request id is carried by [`WithRequestId`], which sets it for the duration of each poll of
//! the request's future (requests interleave at await points on one thread), instead of a tracing
//! span: tracing-subscriber's registry and span formatting cost a measurable share of a small
//! request, and a third of the wasm size this module replaced.

use hub_ports::Random;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

thread_local! {
    static CURRENT_REQUEST_ID: RefCell<Option<Rc<str>>> = const { RefCell::new(None) };
}

/// Installs the JSON subscriber once per isolate. Call it from `#[event(start)]`.
pub fn init(service: hub_domain::Service) {
    // A second call keeps the first subscriber.
    if tracing::subscriber::set_global_default(JsonConsole { service: service.name() }).is_ok() {
        tracing::info!("worker isolate started");
    }
}

/// A future that logs under `request_id`: every event emitted while it is polled carries the id.
pub struct WithRequestId<F> {
    request_id: Rc<str>,
    inner: Pin<Box<F>>,
}

impl<F: Future> WithRequestId<F> {
    pub fn new(request_id: &str, inner: F) -> Self {
        Self { request_id: Rc::from(request_id), inner: Box::pin(inner) }
    }
}

impl<F: Future> Future for WithRequestId<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let id = Rc::clone(&self.request_id);
        let previous = CURRENT_REQUEST_ID.with(|current| current.replace(Some(id)));
        let result = self.inner.as_mut().poll(cx);
        CURRENT_REQUEST_ID.with(|current| *current.borrow_mut() = previous);
        result
    }
}

struct JsonConsole {
    service: &'static str,
}

/// Collects an event's fields into a JSON object.
struct JsonFields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl Visit for JsonFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.0.insert(field.name().to_owned(), text.into());
    }
}

impl Subscriber for JsonConsole {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= Level::INFO
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::INFO)
    }

    // Spans are not used for context (see the module docs); they are accepted and ignored.
    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _span: &Id, _values: &Record<'_>) {}
    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}
    fn enter(&self, _span: &Id) {}
    fn exit(&self, _span: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = serde_json::Map::new();
        let time: String = js_sys::Date::new_0().to_iso_string().into();
        line.insert("time".into(), time.into());
        line.insert("level".into(), event.metadata().level().as_str().into());
        line.insert("service".into(), self.service.into());
        if let Some(id) = CURRENT_REQUEST_ID.with(|current| current.borrow().clone()) {
            line.insert("request_id".into(), (*id).into());
        }
        event.record(&mut JsonFields(&mut line));
        let text = serde_json::Value::Object(line).to_string();
        if *event.metadata().level() <= Level::WARN {
            worker::console_error!("{text}");
        } else {
            worker::console_log!("{text}");
        }
    }
}

/// Uses the caller's `x-request-id` when it is a sane token, otherwise makes a new one: a random
/// per-isolate prefix and a counter, so no request pays for a CSPRNG call across the JS boundary.
/// Request ids are for correlation only, never for security.
pub fn request_id(incoming: Option<String>) -> String {
    match incoming {
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            id
        }
        _ => next_request_id(),
    }
}

thread_local! {
    static ISOLATE_PREFIX: u64 = u64::from_le_bytes(hub_ports::OsRandom.bytes());
    static COUNTER: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn next_request_id() -> String {
    let n = COUNTER.with(|c| {
        c.set(c.get().wrapping_add(1));
        c.get()
    });
    ISOLATE_PREFIX.with(|prefix| format!("{prefix:016x}{n:016x}"))
}
