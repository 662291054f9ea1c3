//! `worker::Request` to `hub_http::Request` and back. Bodies are read only when a route accepts
//! them, and refused with 413 before reading when `Content-Length` already exceeds the route's limit.

use hub_http::{ApiError, Method, Request, Response, Router};

pub async fn to_hub_request<S: 'static>(
    mut req: worker::Request,
    router: &Router<S>,
) -> Result<Request, ApiError> {
    let method_name = req.method().to_string();
    let method = Method::parse(&method_name)
        .ok_or_else(|| ApiError::method_not_allowed(format!("method {method_name} is not supported")))?;
    let url = req.url().map_err(|e| ApiError::bad_request(format!("invalid URL: {e}")))?;
    let path = url.path().to_owned();
    let query = url.query().map(str::to_owned);
    let headers: Vec<(String, String)> = req.headers().entries().collect();

    let mut body = Vec::new();
    if method.has_body() {
        if let Some(limit) = router.body_limit(method, &path) {
            let declared = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .and_then(|(_, v)| v.parse::<usize>().ok());
            if declared.is_some_and(|len| len > limit) {
                return Err(ApiError::payload_too_large(limit));
            }
            body = req.bytes().await.map_err(|e| ApiError::bad_request(format!("unreadable body: {e}")))?;
            if body.len() > limit {
                return Err(ApiError::payload_too_large(limit));
            }
        }
    }
    Ok(Request { method, path, query, headers, body })
}

pub fn to_worker_response(resp: Response) -> worker::Result<worker::Response> {
    let headers = worker::Headers::new();
    for (name, value) in &resp.headers {
        headers.append(name, value)?;
    }
    // Null-body statuses (204, 304...) must not carry even an empty body in JS.
    let response = if resp.body.is_empty() {
        worker::Response::empty()?
    } else {
        worker::Response::from_bytes(resp.body)?
    };
    Ok(response.with_status(resp.status).with_headers(headers))
}
