//! The HttpTransport port over the Workers `fetch`, with a timeout that aborts the request.

use hub_ports::{HttpTransport, OutboundRequest, OutboundResponse, TransportError};
use std::time::Duration;

pub struct FetchTransport {
    pub timeout: Duration,
}

impl HttpTransport for FetchTransport {
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, TransportError> {
        use futures::future::{select, Either};
        let invalid = |e: worker::Error| TransportError::InvalidRequest(e.to_string());
        let headers = worker::Headers::new();
        for (name, value) in &request.headers {
            headers.append(name, value).map_err(invalid)?;
        }
        let mut init = worker::RequestInit::new();
        init.with_method(worker::Method::from(request.method.clone())).with_headers(headers);
        if !request.body.is_empty() {
            init.with_body(Some(js_sys::Uint8Array::from(request.body.as_slice()).into()));
        }
        let req = worker::Request::new_with_init(&request.url, &init).map_err(invalid)?;
        let controller = worker::AbortController::default();
        let signal = controller.signal();
        let exchange = async move {
            let mut response = worker::Fetch::Request(req).send_with_signal(&signal).await?;
            let status = response.status_code();
            let headers = response.headers().entries().collect();
            let body = response.bytes().await?;
            Ok::<_, worker::Error>(OutboundResponse { status, headers, body })
        };
        let timer = worker::Delay::from(self.timeout);
        match select(Box::pin(exchange), timer).await {
            Either::Left((result, _)) => result.map_err(|e| TransportError::Connect(e.to_string())),
            Either::Right(((), pending)) => {
                drop(pending);
                controller.abort();
                Err(TransportError::Timeout)
            }
        }
    }
}
