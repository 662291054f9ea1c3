//! Outbound HTTP as a port (EVE SSO, ESI, Discord). Adapters: `worker::Fetch` in `hub-worker`,
//! reqwest in `hub-native`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl OutboundRequest {
    pub fn get(url: impl Into<String>) -> Self {
        Self { method: "GET".into(), url: url.into(), headers: Vec::new(), body: Vec::new() }
    }

    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl OutboundResponse {
    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TransportError {
    #[error("request timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

pub trait HttpTransport {
    /// Sends one request. Any HTTP status is `Ok`; only transport failures are errors.
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, TransportError>;
}

type Responder = Box<dyn Fn(&OutboundRequest) -> Result<OutboundResponse, TransportError>>;

/// An in-memory transport for tests: answers from a script, in order, or from a responder, and
/// records every request.
#[derive(Default)]
pub struct ScriptedTransport {
    answers: std::cell::RefCell<std::collections::VecDeque<Result<OutboundResponse, TransportError>>>,
    responder: Option<Responder>,
    requests: std::cell::RefCell<Vec<OutboundRequest>>,
}

impl std::fmt::Debug for ScriptedTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedTransport")
            .field("requests", &self.requests.borrow().len())
            .finish_non_exhaustive()
    }
}

impl ScriptedTransport {
    pub fn new() -> Self {
        Self::default()
    }

    /// A transport that answers every request with `respond` (a peer played in process); queued
    /// answers still come first.
    pub fn responder(
        respond: impl Fn(&OutboundRequest) -> Result<OutboundResponse, TransportError> + 'static,
    ) -> Self {
        Self { responder: Some(Box::new(respond)), ..Self::default() }
    }

    /// Queues the next answer.
    pub fn push(&self, answer: Result<OutboundResponse, TransportError>) {
        self.answers.borrow_mut().push_back(answer);
    }

    /// Every request sent so far.
    pub fn requests(&self) -> Vec<OutboundRequest> {
        self.requests.borrow().clone()
    }
}

impl HttpTransport for ScriptedTransport {
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, TransportError> {
        let queued = self.answers.borrow_mut().pop_front();
        let answer = match (queued, &self.responder) {
            (Some(answer), _) => answer,
            (None, Some(respond)) => respond(&request),
            (None, None) => Err(TransportError::Connect("the script has no more answers".into())),
        };
        self.requests.borrow_mut().push(request);
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_transport_answers_in_order_and_records() {
        let transport = ScriptedTransport::new();
        transport.push(Ok(OutboundResponse {
            status: 304,
            headers: vec![("ETag".into(), "\"a\"".into())],
            body: vec![],
        }));
        let request = OutboundRequest::get("https://esi.example/v1/status").header("If-None-Match", "\"a\"");
        let answer = poll_ready(transport.send(request.clone())).unwrap();
        assert_eq!(answer.status, 304);
        assert_eq!(answer.header("etag"), Some("\"a\""));
        assert!(poll_ready(transport.send(request.clone())).is_err(), "script exhausted");
        assert_eq!(transport.requests(), vec![request.clone(), request]);
    }

    /// Polls a future that never waits (the scripted transport never does).
    fn poll_ready<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("scripted futures never wait"),
        }
    }
}
