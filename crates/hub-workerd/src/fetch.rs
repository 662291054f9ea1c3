//! The HttpTransport port over the Workers `fetch`, with a timeout (`AbortSignal.timeout`) that
//! aborts the request and its body.

use hub_ports::{HttpTransport, OutboundRequest, OutboundResponse, TransportError};
use std::time::Duration;
use worker::worker_sys::web_sys;

pub struct FetchTransport {
    pub timeout: Duration,
}

impl HttpTransport for FetchTransport {
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, TransportError> {
        let invalid = |e: worker::Error| TransportError::InvalidRequest(e.to_string());
        let headers = worker::Headers::new();
        for (name, value) in &request.headers {
            headers.append(name, value).map_err(invalid)?;
        }
        let mut init = worker::RequestInit::new();
        init.with_method(worker::Method::from(request.method.clone()))
            .with_headers(headers)
            .with_redirect(worker::RequestRedirect::Manual);
        if !request.body.is_empty() {
            init.with_body(Some(js_sys::Uint8Array::from(request.body.as_slice()).into()));
        }
        let req = worker::Request::new_with_init(&request.url, &init).map_err(invalid)?;
        let millis = u32::try_from(self.timeout.as_millis()).unwrap_or(u32::MAX);
        let signal = worker::AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(millis));
        let result = async {
            let mut response = worker::Fetch::Request(req).send_with_signal(&signal).await?;
            let status = response.status_code();
            let headers = response.headers().entries().collect();
            let body = response.bytes().await?;
            Ok::<_, worker::Error>(OutboundResponse { status, headers, body })
        }
        .await;
        result.map_err(|e| {
            if signal.aborted() {
                TransportError::Timeout
            } else {
                TransportError::Connect(e.to_string())
            }
        })
    }
}
