//! A worker's `fetch`: converts the platform's request, serves it through the router with a fresh
//! [`WorkerContext`], and converts the answer back.

use crate::WorkerContext;
use hub_domain::Service;
use hub_workerd::{convert, logging, WebRequest, WebResponse};
use std::rc::Rc;

/// A response future for a request passed through untouched (see [`RawRoutes`]).
pub type RawFuture = std::pin::Pin<Box<dyn std::future::Future<Output = worker::Result<WebResponse>>>>;

/// Routes that need the platform's own request and response, such as WebSocket upgrades (the
/// `Response` carries the socket). Checked before the router; `None` lets the router handle it.
pub type RawRoutes = fn(&hub_http::Request, &WebRequest, Rc<WorkerContext>) -> Option<RawFuture>;

/// Serves one request through `router`: assigns a request id (every log line inside carries it,
/// and error responses carry it as `x-request-id`), maps every failure to JSON, and logs the
/// outcome: 5xx as errors, 4xx at info, successes at debug (the platform already records every
/// request; a line per success would cost a third of the throughput of a small route).
pub async fn serve(
    service: Service,
    router: &hub_http::Router<WorkerContext>,
    raw: Option<RawRoutes>,
    req: WebRequest,
    env: worker::Env,
) -> worker::Result<WebResponse> {
    let (converted, incoming_id) = convert::to_hub_request(&req, router).await;
    let request_id = logging::request_id(incoming_id);
    let logged_id = request_id.clone();
    logging::WithRequestId::new(&logged_id, async move {
        let (method, path) = match &converted {
            Ok(r) => (r.method.as_str(), hub_http::loggable_path(&r.path).into_owned()),
            Err(_) => ("?", String::new()),
        };
        let ctx = Rc::new(WorkerContext::new(service, env, request_id.clone()));
        if let (Some(raw), Ok(hub_req)) = (raw, &converted) {
            if let Some(future) = raw(hub_req, &req, Rc::clone(&ctx)) {
                return future.await;
            }
        }
        let response = match converted {
            Ok(hub_req) => router.handle(hub_req, ctx).await,
            Err(err) => err.into_response(),
        };
        let status = response.status;
        if status >= 500 {
            tracing::error!(method, path = %path, status, "request failed");
        } else if status >= 400 {
            tracing::info!(method, path = %path, status, "request refused");
        } else {
            tracing::debug!(method, path = %path, status, "request served");
        }
        // Errors carry the id so a user can quote it; successes skip the extra header crossing.
        let response =
            if status >= 400 { response.with_header("x-request-id", request_id) } else { response };
        Ok(convert::to_web_response(response)?)
    })
    .await
}

/// The worker's exported `fetch`: runs [`serve`] and, when it completes without waiting on I/O
/// (liveness, validation errors, 404s), returns the `Response` itself instead of a `Promise`.
///
/// Every `async` wasm-bindgen export goes through `future_to_promise`, which schedules the first poll
/// with `queueMicrotask`: a tenth of the CPU of a small request in the profile. Polling once here
/// first skips that for synchronous answers; anything still pending continues on the usual executor
/// (the future re-registers its waker on that next poll, as every future must).
pub fn dispatch(
    service: Service,
    router: Rc<hub_http::Router<WorkerContext>>,
    raw: Option<RawRoutes>,
    req: WebRequest,
    env: worker::Env,
) -> wasm_bindgen::JsValue {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let mut future = Box::pin(async move { serve(service, &router, raw, req, env).await });
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => settle(result),
        Poll::Pending => {
            wasm_bindgen_futures::future_to_promise(async move { Ok(settle(future.await)) }).into()
        }
    }
}

fn settle(result: worker::Result<WebResponse>) -> wasm_bindgen::JsValue {
    match result {
        Ok(response) => response.into(),
        Err(e) => {
            tracing::error!(error = %e, "response conversion failed");
            let fallback = hub_http::ApiError::internal("the response could not be built").into_response();
            convert::to_web_response(fallback).map_or_else(|err| err, Into::into)
        }
    }
}
