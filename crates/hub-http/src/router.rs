//! A small router built once per isolate and shared by every request.
//!
//! Patterns are `/`-separated segments: literals, `:name` captures and a final `*name` that
//! captures the rest of the path. The first registered route that matches wins.

use crate::extract::{BoxFuture, Handler, Params, RequestParts};
use crate::{ApiError, Method, Request, Response, DEFAULT_BODY_LIMIT};
use std::rc::Rc;

type ErasedHandler<C> = Box<dyn Fn(RequestParts<C>) -> BoxFuture>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Capture(String),
    Rest(String),
}

struct Route<C> {
    method: Method,
    pattern: String,
    segments: Vec<Segment>,
    body_limit: usize,
    handler: ErasedHandler<C>,
}

/// Routes of one worker over its context `C`.
pub struct Router<C> {
    routes: Vec<Route<C>>,
}

impl<C: 'static> Default for Router<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: 'static> Router<C> {
    pub fn new() -> Self {
        Self { routes: Vec::new() }
    }

    /// Adds a route. `handler` is any `async fn` of extractors (see [`crate::extract`]).
    #[must_use]
    pub fn route<Args, H: Handler<C, Args>>(self, method: Method, pattern: &str, handler: H) -> Self {
        self.route_with_limit(method, pattern, DEFAULT_BODY_LIMIT, handler)
    }

    /// Like [`Router::route`] with a body limit other than [`DEFAULT_BODY_LIMIT`].
    #[must_use]
    pub fn route_with_limit<Args, H: Handler<C, Args>>(
        mut self,
        method: Method,
        pattern: &str,
        body_limit: usize,
        handler: H,
    ) -> Self {
        self.routes.push(Route {
            method,
            pattern: pattern.to_owned(),
            segments: parse_pattern(pattern),
            body_limit,
            handler: Box::new(move |parts| handler.call(parts)),
        });
        self
    }

    #[must_use]
    pub fn get<Args, H: Handler<C, Args>>(self, pattern: &str, handler: H) -> Self {
        self.route(Method::Get, pattern, handler)
    }

    #[must_use]
    pub fn post<Args, H: Handler<C, Args>>(self, pattern: &str, handler: H) -> Self {
        self.route(Method::Post, pattern, handler)
    }

    #[must_use]
    pub fn patch<Args, H: Handler<C, Args>>(self, pattern: &str, handler: H) -> Self {
        self.route(Method::Patch, pattern, handler)
    }

    #[must_use]
    pub fn put<Args, H: Handler<C, Args>>(self, pattern: &str, handler: H) -> Self {
        self.route(Method::Put, pattern, handler)
    }

    #[must_use]
    pub fn delete<Args, H: Handler<C, Args>>(self, pattern: &str, handler: H) -> Self {
        self.route(Method::Delete, pattern, handler)
    }

    /// Appends every route of `other` (a domain crate's routes mounted by a worker).
    #[must_use]
    pub fn merge(mut self, other: Router<C>) -> Self {
        self.routes.extend(other.routes);
        self
    }

    /// Every route as `(method, pattern)`, in matching order: tests walk them (every state-changing
    /// route refuses a request without the CSRF token).
    pub fn routes(&self) -> impl Iterator<Item = (Method, &str)> {
        self.routes.iter().map(|r| (r.method, r.pattern.as_str()))
    }

    /// The body limit of the route that would serve `method path`, so adapters can refuse an
    /// oversized body before reading it. `None` when no route matches.
    pub fn body_limit(&self, method: Method, path: &str) -> Option<usize> {
        let parts: Vec<&str> = split_path(path).collect();
        self.routes
            .iter()
            .find(|r| r.method == method && match_segments(&r.segments, &parts).is_some())
            .map(|r| r.body_limit)
    }

    /// Routes one request. Never fails: every error becomes its JSON response.
    pub async fn handle(&self, req: Request, ctx: Rc<C>) -> Response {
        match self.dispatch(req, ctx).await {
            Ok(resp) => resp,
            Err(err) => err.into_response(),
        }
    }

    async fn dispatch(&self, req: Request, ctx: Rc<C>) -> Result<Response, ApiError> {
        let parts: Vec<&str> = split_path(&req.path).collect();
        let mut allowed: Vec<&'static str> = Vec::new();
        for route in &self.routes {
            let Some(params) = match_segments(&route.segments, &parts) else { continue };
            let method_matches =
                route.method == req.method || (req.method == Method::Head && route.method == Method::Get);
            if !method_matches {
                allowed.push(route.method.as_str());
                continue;
            }
            if req.body.len() > route.body_limit {
                return Err(ApiError::payload_too_large(route.body_limit));
            }
            drop(parts);
            return (route.handler)(RequestParts { request: req, params, ctx }).await;
        }
        if allowed.is_empty() {
            Err(ApiError::not_found(format!("no route for {} {}", req.method.as_str(), req.path)))
        } else {
            allowed.dedup();
            Err(ApiError::method_not_allowed(format!(
                "{} is not allowed on {}; allowed: {}",
                req.method.as_str(),
                req.path,
                allowed.join(", ")
            )))
        }
    }
}

fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn parse_pattern(pattern: &str) -> Vec<Segment> {
    split_path(pattern)
        .map(|s| {
            if let Some(name) = s.strip_prefix(':') {
                Segment::Capture(name.to_owned())
            } else if let Some(name) = s.strip_prefix('*') {
                Segment::Rest(name.to_owned())
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

fn match_segments(segments: &[Segment], parts: &[&str]) -> Option<Params> {
    let mut params = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Rest(name) => {
                params.push((name.clone(), parts.get(i..).unwrap_or(&[]).join("/")));
                return Some(Params::new(params));
            }
            Segment::Literal(lit) => {
                if parts.get(i) != Some(&lit.as_str()) {
                    return None;
                }
            }
            Segment::Capture(name) => params.push((name.clone(), (*parts.get(i)?).to_owned())),
        }
    }
    (segments.len() == parts.len()).then_some(Params::new(params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Ctx, Json, Path};
    use futures::executor::block_on;

    struct State {
        greeting: &'static str,
    }

    async fn hello(ctx: Ctx<State>, Path(id): Path<i64>) -> Result<Json<serde_json::Value>, ApiError> {
        Ok(Json(serde_json::json!({"greeting": ctx.greeting, "id": id})))
    }

    async fn echo(Json(value): Json<serde_json::Value>) -> Result<Response, ApiError> {
        Response::json(201, &value)
    }

    async fn rest(Path(rest): Path<String>) -> Result<Json<String>, ApiError> {
        Ok(Json(rest))
    }

    fn router() -> Router<State> {
        Router::new()
            .get("/hello/:id", hello)
            .route_with_limit(Method::Post, "/echo", 16, echo)
            .get("/files/*rest", rest)
    }

    fn call(req: Request) -> (u16, serde_json::Value) {
        let resp = block_on(router().handle(req, Rc::new(State { greeting: "o7" })));
        (resp.status, serde_json::from_slice(&resp.body).unwrap())
    }

    #[test]
    fn routes_with_captures() {
        let (status, body) = call(Request::new(Method::Get, "/hello/42"));
        assert_eq!(status, 200);
        assert_eq!(body, serde_json::json!({"greeting": "o7", "id": 42}));
        let (status, _) = call(Request::new(Method::Head, "/hello/42"));
        assert_eq!(status, 200);
        let (_, body) = call(Request::new(Method::Get, "/files/a/b/c.txt"));
        assert_eq!(body, "a/b/c.txt");
        let router = router();
        let listed: Vec<(Method, &str)> = router.routes().collect();
        assert_eq!(
            listed,
            [(Method::Get, "/hello/:id"), (Method::Post, "/echo"), (Method::Get, "/files/*rest")]
        );
    }

    #[test]
    fn unknown_routes_and_methods_are_json_errors() {
        let (status, body) = call(Request::new(Method::Get, "/nope"));
        assert_eq!(status, 404);
        assert_eq!(body["error"], "not_found");
        assert_eq!(body["message"], "no route for GET /nope");

        let (status, body) = call(Request::new(Method::Delete, "/hello/1"));
        assert_eq!(status, 405);
        assert!(body["message"].as_str().unwrap().contains("allowed: GET"));

        let (status, body) = call(Request::new(Method::Get, "/hello/abc"));
        assert_eq!(status, 400);
        assert!(body["message"].as_str().unwrap().contains("`id`"), "{body}");
    }

    #[test]
    fn bodies_are_limited_and_validated() {
        let json = |body: &str| {
            Request::new(Method::Post, "/echo")
                .with_header("content-type", "application/json")
                .with_body(body)
        };
        assert_eq!(call(json(r#"{"a":1}"#)).0, 201);
        let (status, body) = call(json(r#"{"a":"this is far too long"}"#));
        assert_eq!(status, 413);
        assert_eq!(body["error"], "payload_too_large");
        let (status, body) = call(json("{oops"));
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_json")));
        assert_eq!(router().body_limit(Method::Post, "/echo"), Some(16));
        assert_eq!(router().body_limit(Method::Post, "/none"), None);
    }
}
