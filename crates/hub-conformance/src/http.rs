//! What every `HttpTransport` adapter must do, against one peer whose behaviour is [`respond`]:
//! served over TCP by `hub_native::http_peer` for reqwest and workerd's `fetch`, and called in
//! process by the scripted transport.
//!
//! Any HTTP status is an answer (a 503 is not a transport error), redirects are not followed, the
//! method, headers and bytes of a body arrive unchanged, response headers are read whatever their
//! case, a peer slower than the timeout is `Timeout`, and a closed port is `Connect`.

use crate::{expect_eq, Report};
use hub_ports::{HttpTransport, OutboundRequest, TransportError};

/// How long the peer's `/slow` waits: longer than the timeout the suite's transports are built with.
pub const SLOW_MS: u64 = 3_000;
/// The timeout to build the transports under test with.
pub const TIMEOUT_MS: u64 = 1_000;

/// The peer's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How long the peer waits before answering.
    pub delay_ms: u64,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The peer: `/echo` (the request as JSON: method, path, lower-case headers, body in hex),
/// `/status/<n>`, `/redirect` (302 to `/echo`), `/headers` (mixed-case response headers), `/slow`.
pub fn respond(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Answer {
    let answer = |status: u16, headers: Vec<(&str, &str)>, body: Vec<u8>| Answer {
        status,
        headers: headers.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        body,
        delay_ms: 0,
    };
    let route = path.split('?').next().unwrap_or(path);
    match route {
        "/echo" => {
            let headers: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), serde_json::Value::String(v.clone())))
                .collect();
            let echo =
                serde_json::json!({ "method": method, "path": path, "headers": headers, "body": hex(body) });
            answer(200, vec![("Content-Type", "application/json")], echo.to_string().into_bytes())
        }
        "/redirect" => answer(302, vec![("Location", "/echo")], Vec::new()),
        "/headers" => {
            answer(200, vec![("X-Peer-Header", "Yes"), ("Content-Type", "text/plain")], b"headers".to_vec())
        }
        "/slow" => Answer { delay_ms: SLOW_MS, ..answer(200, vec![], b"slow".to_vec()) },
        other => match other.strip_prefix("/status/").and_then(|n| n.parse::<u16>().ok()) {
            Some(status) if (200..600).contains(&status) => {
                answer(status, vec![], format!("status {status}").into_bytes())
            }
            _ => answer(404, vec![], b"no such route".to_vec()),
        },
    }
}

/// Runs the suite: `base` is the peer's origin, `closed` an origin nothing listens on.
pub async fn run(http: &impl HttpTransport, adapter: &str, base: &str, closed: &str) -> Report {
    let mut report = Report::new("http", adapter);
    let body: Vec<u8> = (0..=255).collect();
    let request = OutboundRequest {
        method: "PUT".into(),
        url: format!("{base}/echo?x=1&y=%20"),
        headers: vec![
            ("X-Hub-Test".into(), "säme".into()),
            ("Content-Type".into(), "application/octet-stream".into()),
        ],
        body: body.clone(),
    };
    let echoed = match http.send(request).await {
        Ok(response) => serde_json::from_slice::<serde_json::Value>(&response.body)
            .map_err(|e| format!("the echo is not JSON: {e}"))
            .and_then(|echo| {
                expect_eq(response.status, 200)?;
                expect_eq(echo["method"].as_str(), Some("PUT"))?;
                expect_eq(echo["path"].as_str(), Some("/echo?x=1&y=%20"))?;
                expect_eq(echo["headers"]["x-hub-test"].as_str(), Some("säme"))?;
                expect_eq(echo["body"].as_str().map(str::to_owned), Some(hex(&body)))
            }),
        Err(e) => Err(e.to_string()),
    };
    report.check("method, path, headers and every byte of the body arrive unchanged", echoed);

    let unavailable = http.send(OutboundRequest::get(format!("{base}/status/503"))).await;
    report.check(
        "an error status is an answer, with its body",
        match unavailable {
            Ok(response) => expect_eq((response.status, response.body), (503, b"status 503".to_vec())),
            Err(e) => Err(e.to_string()),
        },
    );

    let redirect = http.send(OutboundRequest::get(format!("{base}/redirect"))).await;
    report.check(
        "a redirect is returned, not followed",
        match redirect {
            Ok(response) => expect_eq(
                (response.status, response.header("location").map(str::to_owned)),
                (302, Some("/echo".to_owned())),
            ),
            Err(e) => Err(e.to_string()),
        },
    );

    let headers = http.send(OutboundRequest::get(format!("{base}/headers"))).await;
    report.check(
        "response headers are found whatever their case",
        match headers {
            Ok(response) => expect_eq(
                (response.header("x-peer-header"), response.header("X-PEER-HEADER")),
                (Some("Yes"), Some("Yes")),
            ),
            Err(e) => Err(e.to_string()),
        },
    );

    let slow = http.send(OutboundRequest::get(format!("{base}/slow"))).await;
    report.check(
        "a peer slower than the timeout is Timeout",
        match slow {
            Err(TransportError::Timeout) => Ok(()),
            other => Err(format!("{other:?}")),
        },
    );

    let refused = http.send(OutboundRequest::get(format!("{closed}/echo"))).await;
    report.check(
        "a closed port is Connect",
        match refused {
            Err(TransportError::Connect(_)) => Ok(()),
            other => Err(format!("{other:?}")),
        },
    );
    report
}

/// The peer over TCP (HTTP/1.1, one request per connection): for the native and workerd adapters.
#[cfg(feature = "peer")]
pub mod peer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Serves [`super::respond`] on a free loopback port until the runtime ends; returns the origin.
    pub async fn start() -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let origin = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream));
            }
        });
        Ok(origin)
    }

    /// An origin nothing listens on (a port bound, then released).
    pub fn closed_origin() -> std::io::Result<String> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        Ok(format!("http://{}", listener.local_addr()?))
    }

    async fn serve(mut stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..read]);
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or_default().split(' ');
        let (method, path) =
            (request_line.next().unwrap_or_default(), request_line.next().unwrap_or_default());
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let length = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = buffer[head_end + 4..].to_vec();
        while body.len() < length {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..read]);
        }
        let answer = super::respond(method, path, &headers, &body);
        if answer.delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(answer.delay_ms)).await;
        }
        let mut response = format!(
            "HTTP/1.1 {} Peer\r\nContent-Length: {}\r\nConnection: close\r\n",
            answer.status,
            answer.body.len()
        );
        for (name, value) in &answer.headers {
            use std::fmt::Write;
            let _ = write!(response, "{name}: {value}\r\n");
        }
        response.push_str("\r\n");
        stream.write_all(response.as_bytes()).await?;
        stream.write_all(&answer.body).await?;
        stream.shutdown().await
    }
}

/// The peer in process, for the scripted transport: `/slow` is a timeout and `closed` refuses.
pub fn scripted_peer(base: &str, closed: &str) -> hub_ports::ScriptedTransport {
    let (base, closed) = (base.to_owned(), closed.to_owned());
    hub_ports::ScriptedTransport::responder(move |request| {
        if request.url.starts_with(&closed) {
            return Err(TransportError::Connect("connection refused".into()));
        }
        let path = request.url.strip_prefix(&base).unwrap_or(&request.url);
        let answer = respond(&request.method, path, &request.headers, &request.body);
        if answer.delay_ms > TIMEOUT_MS {
            return Err(TransportError::Timeout);
        }
        Ok(hub_ports::OutboundResponse { status: answer.status, headers: answer.headers, body: answer.body })
    })
}
