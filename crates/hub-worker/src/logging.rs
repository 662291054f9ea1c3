//! Structured JSON logs: one JSON object per line on the console, each carrying the fields of the
//! current span, so every line of a request has its `request_id`. Never log a token.

use hub_ports::Random;
use std::io;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the JSON subscriber once per isolate. Call it from `#[event(start)]`.
pub fn init(service: hub_domain::Service) {
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_timer(JsTime)
        .with_writer(ConsoleMakeWriter)
        .with_max_level(tracing::Level::INFO)
        .finish();
    // A second call (tests, re-init) keeps the first subscriber.
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        tracing::info!(service = %service, "worker isolate started");
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

/// ISO-8601 timestamps from `Date` (`SystemTime::now` panics on wasm32).
struct JsTime;

impl FormatTime for JsTime {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        let iso: String = js_sys::Date::new_0().to_iso_string().into();
        w.write_str(&iso)
    }
}

struct ConsoleMakeWriter;

/// Buffers one formatted event and prints it as one console line when dropped.
struct ConsoleLine(Vec<u8>);

impl io::Write for ConsoleLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for ConsoleLine {
    fn drop(&mut self) {
        let line = String::from_utf8_lossy(&self.0);
        let line = line.trim_end();
        if !line.is_empty() {
            worker::console_log!("{line}");
        }
    }
}

impl<'a> MakeWriter<'a> for ConsoleMakeWriter {
    type Writer = ConsoleLine;

    fn make_writer(&'a self) -> Self::Writer {
        ConsoleLine(Vec::with_capacity(256))
    }
}
