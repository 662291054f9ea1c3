//! WebSocket objects: upgrades pass through a worker untouched (the platform's `Response` carries
//! the socket) to a Durable Object that accepts them with the Hibernation API, whose logic is a
//! `hub_app::SocketLogic`. The object also serves the operators' health socket.

use crate::health_socket::{self, HEALTH_SOCKET_PATH};
use crate::{ObjectParts, RawFuture, WebRequest, WorkerContext};
use hub_app::{Operator, SocketLogic, SocketTarget};
use hub_http::{ApiError, Request};
use hub_workerd::sockets::HibernatingSockets;
use hub_workerd::{convert, logging, stub};
use std::rc::Rc;

fn refuse(error: &ApiError) -> worker::Result<crate::WebResponse> {
    Ok(convert::to_web_response(error.clone().into_response())?)
}

/// The worker's raw routes for an object class in `binding` that accepts sockets on `path`:
/// upgrades on `path` checked by `target` go to the object it names, with the headers it sets;
/// `/health/ws` (operators only) goes to the class's probe object.
pub fn upgrade_routes<T>(
    req: &Request,
    web: &WebRequest,
    ctx: Rc<WorkerContext>,
    path: &'static str,
    binding: &'static str,
    target: T,
) -> Option<RawFuture>
where
    T: AsyncFn(&WorkerContext, &Request) -> Result<SocketTarget, ApiError> + 'static,
{
    // `Clone::clone` copies the handle; `Request::clone` would be the JS method that tees the body.
    let web = <WebRequest as Clone>::clone(web);
    if req.path == HEALTH_SOCKET_PATH {
        let operator = Operator::verify(&*ctx, req.header("authorization").as_deref());
        return Some(Box::pin(async move {
            match operator {
                Ok(_) => stub::forward_to_object(ctx.env(), binding, hub_health::PROBE_OBJECT, &web).await,
                Err(error) => refuse(&error),
            }
        }));
    }
    if req.path != path {
        return None;
    }
    let req = req.clone();
    Some(Box::pin(async move {
        match target(&ctx, &req).await {
            Ok(target) => {
                let headers: Vec<(&str, &str)> =
                    target.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                stub::forward_to_object_with(ctx.env(), binding, &target.object, &web, &headers).await
            }
            Err(error) => {
                tracing::info!(status = error.status, reason = %error.message, "socket refused");
                refuse(&error)
            }
        }
    }))
}

/// A socket object's `fetch`: the health socket, a new socket of its logic, or an RPC call.
pub async fn fetch<L: SocketLogic>(
    parts: &Rc<ObjectParts>,
    req: worker::Request,
) -> worker::Result<worker::Response> {
    let path = req.path();
    if path == HEALTH_SOCKET_PATH || path == L::SOCKET_PATH {
        if !req.headers().get("upgrade")?.is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
            return convert::to_worker_response(ApiError::upgrade_required().into_response());
        }
        if path == HEALTH_SOCKET_PATH {
            return health_socket::accept_health_socket(&parts.state, &parts.storage);
        }
        let header = |name: &str| req.headers().get(name).ok().flatten();
        let ctx = parts.context(logging::request_id(header("x-request-id")));
        let sockets = HibernatingSockets(&parts.state);
        return match L::accept(&ctx, &sockets, &header) {
            Ok(accepted) => sockets.accept(&accepted.tags, &accepted.attachment, &accepted.messages),
            Err(refused) => convert::to_worker_response(refused.into_response()),
        };
    }
    crate::serve_object_with(parts, req, async |ctx, interface, method, body| {
        L::call(ctx, &HibernatingSockets(ctx.state()), interface, method, body).await
    })
    .await
}

/// A message on one of the object's sockets.
pub async fn message<L: SocketLogic>(
    parts: &Rc<ObjectParts>,
    ws: &worker::WebSocket,
    message: worker::WebSocketIncomingMessage,
) -> worker::Result<()> {
    if parts.state.get_tags(ws).iter().any(|t| t == "health") {
        return health_socket::health_socket_message(&parts.storage, ws, &message);
    }
    let ctx = parts.context(logging::request_id(None));
    let text = match message {
        worker::WebSocketIncomingMessage::String(text) => text,
        worker::WebSocketIncomingMessage::Binary(_) => "binary".to_owned(),
    };
    logging::WithRequestId::new(
        hub_app::Runtime::request_id(&ctx),
        L::message(&ctx, &HibernatingSockets(&parts.state), ws, &text),
    )
    .await;
    Ok(())
}

/// Completes a closing handshake; nothing about the socket lives in memory.
pub fn close(ws: &worker::WebSocket, code: usize, reason: String) -> worker::Result<()> {
    let code = u16::try_from(code).ok().filter(|c| *c == 1000 || (3000..5000).contains(c)).unwrap_or(1000);
    ws.close(Some(code), Some(reason))
}

/// The object's alarm.
pub async fn alarm<L: SocketLogic>(parts: &Rc<ObjectParts>) -> worker::Result<worker::Response> {
    let ctx = parts.context(logging::request_id(None));
    logging::WithRequestId::new(
        hub_app::Runtime::request_id(&ctx),
        L::alarm(&ctx, &HibernatingSockets(&parts.state)),
    )
    .await;
    worker::Response::empty()
}
