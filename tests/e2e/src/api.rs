//! A logged-in user driving the API, and the notification socket.

use crate::login::{me, SESSION_COOKIE};
use crate::Stack;
use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;

/// One user's session and CSRF token.
pub struct User<'a> {
    pub stack: &'a Stack,
    pub session: String,
    pub csrf: String,
    pub id: String,
}

impl<'a> User<'a> {
    pub async fn new(stack: &'a Stack, session: String) -> Self {
        let (status, body) = me(stack, &session).await;
        assert_eq!(status, 200, "{body}");
        let csrf = body["csrf_token"].as_str().expect("csrf token").to_owned();
        let id = body["user"]["id"].as_str().expect("user id").to_owned();
        Self { stack, session, csrf, id }
    }

    /// Sends a request with the session cookie (and the CSRF token unless `GET`), and returns the
    /// status and the JSON body (`null` when empty).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .stack
            .http
            .request(method.clone(), self.stack.url(path))
            .header(COOKIE, format!("{SESSION_COOKIE}={}", self.session));
        if method != Method::GET {
            request = request.header("x-csrf-token", &self.csrf);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}"))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, None).await
    }

    /// Polls a character's sync status until every dataset in `want` shows one of its statuses;
    /// returns the status.
    pub async fn wait_for_sync(&self, character: i64, want: &[(&str, &[&str])]) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (_, body) = self.get(&format!("/api/characters/{character}/sync")).await;
            let datasets = body["datasets"].as_array().cloned().unwrap_or_default();
            let done = want.iter().all(|(name, statuses)| {
                datasets.iter().any(|d| d["dataset"] == *name && statuses.iter().any(|s| d["status"] == *s))
            });
            if done {
                return body;
            }
            assert!(std::time::Instant::now() < deadline, "sync never reached {want:?}: {body}");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Opens the notification socket as a browser on our own origin would.
    pub async fn socket(&self) -> Socket {
        connect_socket(self.stack, Some(&self.session), Some(&self.stack.base_url))
            .await
            .unwrap_or_else(|status| panic!("socket refused with {status}"))
    }
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/api/ws/notifications` with the given cookie and `Origin`; `Err(status)` when refused.
pub async fn connect_socket(
    stack: &Stack,
    session: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, u16> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = stack.url("/api/ws/notifications").replacen("http://", "ws://", 1);
    let mut request = url.into_client_request().expect("socket request");
    if let Some(session) = session {
        request.headers_mut().insert("cookie", format!("{SESSION_COOKIE}={session}").parse().unwrap());
    }
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("socket: {e}"),
    }
}

/// The next JSON text frame within `timeout` (control frames skipped); `None` when none came.
pub async fn next_message(socket: &mut Socket, timeout: Duration) -> Option<Value> {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next()).await.ok()??;
        match frame.expect("frame") {
            Message::Text(text) => return Some(serde_json::from_str(text.as_str()).expect("JSON message")),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// Acknowledges notifications by id.
pub async fn ack(socket: &mut Socket, ids: &[i64]) {
    use futures::SinkExt;
    let message = serde_json::json!({ "type": "ack", "ids": ids }).to_string();
    socket.send(tokio_tungstenite::tungstenite::Message::Text(message)).await.expect("ack sent");
}
