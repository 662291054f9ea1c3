//! The HttpTransport port over reqwest, with a per-request timeout.

use hub_ports::{HttpTransport, OutboundRequest, OutboundResponse, TransportError};
use std::time::Duration;

pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    pub fn new(timeout: Duration) -> Self {
        // Redirects are returned, never followed: as the workerd adapter does (conformance suite).
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a TLS-less reqwest client always builds");
        Self { client }
    }
}

impl HttpTransport for ReqwestTransport {
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, TransportError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| TransportError::InvalidRequest(e.to_string()))?;
        let mut builder = self.client.request(method, &request.url).body(request.body);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let response = builder.send().await.map_err(|e| {
            if e.is_timeout() {
                TransportError::Timeout
            } else if e.is_builder() {
                TransportError::InvalidRequest(e.to_string())
            } else {
                TransportError::Connect(e.to_string())
            }
        })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = response
            .bytes()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    TransportError::Timeout
                } else {
                    TransportError::Connect(e.to_string())
                }
            })?
            .to_vec();
        Ok(OutboundResponse { status, headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-shot HTTP server on a real socket: answers `reply` after `delay`, returns the request.
    async fn serve_once(reply: &'static str, delay: Duration) -> (String, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1/status", listener.local_addr().unwrap());
        let handle = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let n = socket.read(&mut buf).await.unwrap();
            tokio::time::sleep(delay).await;
            let _ = socket.write_all(reply.as_bytes()).await;
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        (url, handle)
    }

    #[tokio::test]
    async fn sends_headers_and_reads_status_headers_and_body() {
        let (url, server) = serve_once(
            "HTTP/1.1 304 Not Modified\r\nETag: \"v2\"\r\nContent-Length: 0\r\n\r\n",
            Duration::ZERO,
        )
        .await;
        let transport = ReqwestTransport::new(Duration::from_secs(5));
        let answer =
            transport.send(OutboundRequest::get(&url).header("If-None-Match", "\"v1\"")).await.unwrap();
        assert_eq!(answer.status, 304);
        assert_eq!(answer.header("etag"), Some("\"v2\""));
        let request = server.await.unwrap().to_ascii_lowercase();
        assert!(request.starts_with("get /v1/status http/1.1"), "{request}");
        assert!(request.contains("if-none-match: \"v1\""), "{request}");
    }

    #[tokio::test]
    async fn slow_peers_time_out_and_closed_ports_fail_to_connect() {
        let (url, _server) = serve_once("HTTP/1.1 200 OK\r\n\r\n", Duration::from_secs(5)).await;
        let transport = ReqwestTransport::new(Duration::from_millis(200));
        assert_eq!(transport.send(OutboundRequest::get(&url)).await, Err(TransportError::Timeout));

        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/", listener.local_addr().unwrap())
        };
        assert!(matches!(
            transport.send(OutboundRequest::get(closed)).await,
            Err(TransportError::Connect(_))
        ));
    }
}
