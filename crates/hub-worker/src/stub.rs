//! `get_stub::<I>(env, namespace, name)`: the one way to call a Durable Object.

use hub_rpc::{Client, Interface, RpcError, Transport};

/// Carries RPC calls over a Durable Object stub's `fetch`.
pub struct DurableObjectTransport {
    stub: worker::Stub,
    request_id: Option<String>,
}

impl Transport for DurableObjectTransport {
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>), RpcError> {
        let headers = worker::Headers::new();
        let transport_err = |e: worker::Error| RpcError::transport(e.to_string());
        headers.set("content-type", "application/json").map_err(transport_err)?;
        if let Some(id) = &self.request_id {
            headers.set("x-request-id", id).map_err(transport_err)?;
        }
        let mut init = worker::RequestInit::new();
        init.with_method(worker::Method::Post)
            .with_headers(headers)
            .with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
        let request = worker::Request::new_with_init(&format!("https://durable-object{path}"), &init)
            .map_err(transport_err)?;
        let mut response = self.stub.fetch_with_request(request).await.map_err(transport_err)?;
        let status = response.status_code();
        let bytes = response.bytes().await.map_err(transport_err)?;
        Ok((status, bytes))
    }
}

/// A typed client for the object named `name` in the Durable Object namespace bound as `namespace`.
///
/// `request_id` travels as `x-request-id`, so the object's log lines carry the caller's id.
pub fn get_stub<I: Interface>(
    env: &worker::Env,
    namespace: &str,
    name: &str,
    request_id: Option<&str>,
) -> Result<Client<I, DurableObjectTransport>, RpcError> {
    let stub = env
        .durable_object(namespace)
        .and_then(|ns| ns.get_by_name(name))
        .map_err(|e| RpcError::transport(format!("Durable Object binding {namespace}: {e}")))?;
    Ok(Client::new(DurableObjectTransport { stub, request_id: request_id.map(str::to_owned) }))
}

/// Passes the platform's request to the object named `name` in `namespace` and returns its
/// response untouched: for WebSocket upgrades, whose `Response` carries the socket.
pub async fn forward_to_object(
    env: &worker::Env,
    namespace: &str,
    name: &str,
    req: &crate::WebRequest,
) -> worker::Result<crate::WebResponse> {
    use wasm_bindgen::JsCast;
    let stub: worker::worker_sys::Fetcher = env.durable_object(namespace)?.get_by_name(name)?.into_rpc();
    let promise = stub.fetch(req)?;
    Ok(wasm_bindgen_futures::JsFuture::from(promise).await?.dyn_into::<crate::WebResponse>()?)
}

/// [`forward_to_object`] with headers set (replacing any the client sent under those names): how a
/// worker tells an object what it verified about the request (whose session it is).
pub async fn forward_to_object_with(
    env: &worker::Env,
    namespace: &str,
    name: &str,
    req: &crate::WebRequest,
    headers: &[(&str, &str)],
) -> worker::Result<crate::WebResponse> {
    use worker::worker_sys::web_sys;
    let copied = web_sys::Headers::new_with_headers(&req.headers())?;
    for (header, value) in headers {
        copied.set(header, value)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_headers(&copied);
    let request = web_sys::Request::new_with_request_and_init(req, &init)?;
    forward_to_object(env, namespace, name, &request).await
}
