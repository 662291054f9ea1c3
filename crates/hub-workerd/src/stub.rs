//! Transports of typed RPC: a Durable Object stub's `fetch`, and a service binding's `fetch`. Both
//! carry the caller's request id as `x-request-id`, so every log line of a call chain shares it.
//! Also the untouched forwarding of a platform request (WebSocket upgrades keep their socket).

use hub_domain::Service;
use hub_http::ApiError;
use hub_rpc::{bindings, Transport};
use worker::worker_sys::web_sys;

/// POSTs `body` to `url` through `fetch` (a stub's or a service binding's).
async fn post_json(
    fetch: impl AsyncFnOnce(worker::Request) -> worker::Result<worker::Response>,
    url: &str,
    request_id: &str,
    body: Vec<u8>,
) -> Result<(u16, Vec<u8>), ApiError> {
    let transport_err = |e: worker::Error| ApiError::transport(e.to_string());
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json").map_err(transport_err)?;
    headers.set("x-request-id", request_id).map_err(transport_err)?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(headers)
        .with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
    let request = worker::Request::new_with_init(url, &init).map_err(transport_err)?;
    let mut response = fetch(request).await.map_err(transport_err)?;
    let status = response.status_code();
    let bytes = response.bytes().await.map_err(transport_err)?;
    Ok((status, bytes))
}

/// Carries RPC calls over a Durable Object stub's `fetch`.
pub struct ObjectTransport {
    stub: worker::Stub,
    request_id: String,
}

impl ObjectTransport {
    /// The object `name` in the namespace bound as `binding`.
    pub fn new(env: &worker::Env, binding: &str, name: &str, request_id: &str) -> Result<Self, ApiError> {
        let stub = env
            .durable_object(binding)
            .and_then(|ns| ns.get_by_name(name))
            .map_err(|e| ApiError::transport(format!("Durable Object binding {binding}: {e}")))?;
        Ok(Self { stub, request_id: request_id.to_owned() })
    }
}

impl Transport for ObjectTransport {
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>), ApiError> {
        let url = format!("https://durable-object{path}");
        post_json(async |request| self.stub.fetch_with_request(request).await, &url, &self.request_id, body)
            .await
    }
}

/// Carries RPC calls to another worker over its service binding.
pub struct ServiceTransport {
    fetcher: worker::Fetcher,
    service: Service,
    request_id: String,
}

impl ServiceTransport {
    pub fn new(env: &worker::Env, service: Service, request_id: &str) -> Result<Self, ApiError> {
        let fetcher = env
            .service(bindings::service_binding(service))
            .map_err(|e| ApiError::transport(format!("service binding of {service}: {e}")))?;
        Ok(Self { fetcher, service, request_id: request_id.to_owned() })
    }
}

impl Transport for ServiceTransport {
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>), ApiError> {
        let url = format!("https://{}{path}", self.service.name());
        post_json(async |request| self.fetcher.fetch_request(request).await, &url, &self.request_id, body)
            .await
    }
}

/// Passes the platform's request to the object named `name` in `binding` and returns its response
/// untouched: for WebSocket upgrades, whose `Response` carries the socket.
pub async fn forward_to_object(
    env: &worker::Env,
    binding: &str,
    name: &str,
    req: &web_sys::Request,
) -> worker::Result<web_sys::Response> {
    use wasm_bindgen::JsCast;
    let stub: worker::worker_sys::Fetcher = env.durable_object(binding)?.get_by_name(name)?.into_rpc();
    let promise = stub.fetch(req)?;
    Ok(wasm_bindgen_futures::JsFuture::from(promise).await?.dyn_into::<web_sys::Response>()?)
}

/// [`forward_to_object`] with headers set (replacing any the client sent under those names): how a
/// worker tells an object what it verified about the request (whose session it is).
pub async fn forward_to_object_with(
    env: &worker::Env,
    binding: &str,
    name: &str,
    req: &web_sys::Request,
    headers: &[(&str, &str)],
) -> worker::Result<web_sys::Response> {
    let copied = web_sys::Headers::new_with_headers(&req.headers())?;
    for (header, value) in headers {
        copied.set(header, value)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_headers(&copied);
    let request = web_sys::Request::new_with_request_and_init(req, &init)?;
    forward_to_object(env, binding, name, &request).await
}

/// Passes the platform's request to another worker over its service binding and returns its
/// response untouched (WebSocket upgrades keep their socket).
pub async fn forward_raw(
    env: &worker::Env,
    service: Service,
    req: &web_sys::Request,
) -> worker::Result<web_sys::Response> {
    use wasm_bindgen::JsCast;
    let fetcher = env.service(bindings::service_binding(service))?;
    let sys: &worker::worker_sys::Fetcher = fetcher.as_ref().unchecked_ref();
    let promise = sys.fetch(req)?;
    Ok(wasm_bindgen_futures::JsFuture::from(promise).await?.dyn_into::<web_sys::Response>()?)
}

/// Forwards a request to another worker over its service binding and returns the answer as is.
pub async fn fetch_service(
    env: &worker::Env,
    service: Service,
    req: &hub_http::Request,
    request_id: &str,
) -> Result<hub_http::Response, ApiError> {
    let unavailable = |e: worker::Error| ApiError::unavailable(format!("service {service}: {e}"));
    let fetcher = env.service(bindings::service_binding(service)).map_err(unavailable)?;
    let headers = worker::Headers::new();
    for (name, value) in &req.headers.to_vec() {
        headers.append(name, value).map_err(unavailable)?;
    }
    headers.set("x-request-id", request_id).map_err(unavailable)?;
    let mut init = worker::RequestInit::new();
    // Redirects are the browser's to follow (login flows answer 302 with cookies).
    init.with_method(worker::Method::from(req.method.as_str().to_owned()))
        .with_headers(headers)
        .with_redirect(worker::RequestRedirect::Manual);
    if !req.body.is_empty() {
        init.with_body(Some(js_sys::Uint8Array::from(req.body.as_slice()).into()));
    }
    let url = match &req.query {
        Some(q) => format!("https://{service}{}?{q}", req.path),
        None => format!("https://{service}{}", req.path),
    };
    let mut response = fetcher.fetch(url, Some(init)).await.map_err(unavailable)?;
    let status = response.status_code();
    let headers: Vec<(String, String)> = response.headers().entries().collect();
    let body = response.bytes().await.map_err(unavailable)?;
    Ok(hub_http::Response { status, headers, body })
}
