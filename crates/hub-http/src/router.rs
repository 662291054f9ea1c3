//! A small router built once per isolate and shared by every request.
//!
//! Patterns are `/`-separated segments: literals, `:name` captures and a final `*name` that
//! captures the rest of the path. The first registered route that matches wins.

use crate::{ApiError, Method, Request, Response, DEFAULT_BODY_LIMIT};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response, ApiError>>>>;
type Handler<S> = Box<dyn Fn(Request, Params, Rc<S>) -> BoxFuture>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Capture(String),
    Rest(String),
}

/// Path captures of a matched route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A capture that the route pattern guarantees; a typo in the name is a 500, not a panic.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| ApiError::internal(format!("route has no parameter `{name}`")))
    }

    /// Parses a capture, answering 400 (naming the parameter) when it does not parse.
    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<T, ApiError> {
        let raw = self.required(name)?;
        raw.parse().map_err(|_| ApiError::bad_request(format!("path parameter `{name}` is invalid: `{raw}`")))
    }
}

struct Route<S> {
    method: Method,
    segments: Vec<Segment>,
    body_limit: usize,
    handler: Handler<S>,
}

pub struct Router<S> {
    routes: Vec<Route<S>>,
}

impl<S: 'static> Default for Router<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: 'static> Router<S> {
    pub fn new() -> Self {
        Self { routes: Vec::new() }
    }

    /// Adds a route. `handler` is any `async fn(Request, Params, Rc<S>) -> Result<Response, ApiError>`.
    #[must_use]
    pub fn route<F, Fut>(self, method: Method, pattern: &str, handler: F) -> Self
    where
        F: Fn(Request, Params, Rc<S>) -> Fut + 'static,
        Fut: Future<Output = Result<Response, ApiError>> + 'static,
    {
        self.route_with_limit(method, pattern, DEFAULT_BODY_LIMIT, handler)
    }

    /// Like [`Router::route`] with a body limit other than [`DEFAULT_BODY_LIMIT`].
    #[must_use]
    pub fn route_with_limit<F, Fut>(
        mut self,
        method: Method,
        pattern: &str,
        body_limit: usize,
        handler: F,
    ) -> Self
    where
        F: Fn(Request, Params, Rc<S>) -> Fut + 'static,
        Fut: Future<Output = Result<Response, ApiError>> + 'static,
    {
        self.routes.push(Route {
            method,
            segments: parse_pattern(pattern),
            body_limit,
            handler: Box::new(move |req, params, state| Box::pin(handler(req, params, state))),
        });
        self
    }

    #[must_use]
    pub fn get<F, Fut>(self, pattern: &str, handler: F) -> Self
    where
        F: Fn(Request, Params, Rc<S>) -> Fut + 'static,
        Fut: Future<Output = Result<Response, ApiError>> + 'static,
    {
        self.route(Method::Get, pattern, handler)
    }

    #[must_use]
    pub fn post<F, Fut>(self, pattern: &str, handler: F) -> Self
    where
        F: Fn(Request, Params, Rc<S>) -> Fut + 'static,
        Fut: Future<Output = Result<Response, ApiError>> + 'static,
    {
        self.route(Method::Post, pattern, handler)
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
    pub async fn handle(&self, req: Request, state: Rc<S>) -> Response {
        match self.dispatch(req, state).await {
            Ok(resp) => resp,
            Err(err) => err.into_response(),
        }
    }

    async fn dispatch(&self, req: Request, state: Rc<S>) -> Result<Response, ApiError> {
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
            return (route.handler)(req, params, state).await;
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
                return Some(Params(params));
            }
            Segment::Literal(lit) => {
                if parts.get(i) != Some(&lit.as_str()) {
                    return None;
                }
            }
            Segment::Capture(name) => params.push((name.clone(), (*parts.get(i)?).to_owned())),
        }
    }
    (segments.len() == parts.len()).then_some(Params(params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    struct State {
        greeting: &'static str,
    }

    async fn hello(_req: Request, params: Params, state: Rc<State>) -> Result<Response, ApiError> {
        let id: i64 = params.parse("id")?;
        Response::json(200, &serde_json::json!({"greeting": state.greeting, "id": id}))
    }

    async fn echo(req: Request, _params: Params, _state: Rc<State>) -> Result<Response, ApiError> {
        let value: serde_json::Value = req.json()?;
        Response::json(201, &value)
    }

    async fn rest(_req: Request, params: Params, _state: Rc<State>) -> Result<Response, ApiError> {
        Response::json(200, &params.get("rest"))
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
        assert!(body["message"].as_str().unwrap().contains("`id`"));
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
