//! Extractors: a handler declares what it needs in its arguments, and the router resolves each one
//! from the request and the context before the handler runs.
//!
//! ```ignore
//! async fn invite<C: Context>(
//!     ctx: Ctx<C>,
//!     session: Session,                 // 401 without one; CSRF checked on non-GET
//!     Path(group): Path<Uuid>,          // 400 naming `id` when it is not a uuid
//!     Json(body): Json<InviteBody>,     // 415/400 with serde's explanation
//! ) -> Result<Created<Invitation>, ApiError>
//! ```
//!
//! Arguments resolve left to right, and the first refusal answers: put the session first so an
//! anonymous caller learns nothing about the body's shape.

use crate::params::{from_pairs, ParamError};
use crate::{ApiError, Request, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// Path captures of a matched route, in pattern order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Parses a capture, answering 400 (naming the parameter) when it does not parse.
    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<T, ApiError> {
        let raw =
            self.get(name).ok_or_else(|| ApiError::internal(format!("route has no parameter `{name}`")))?;
        raw.parse().map_err(|_| ApiError::bad_request(format!("path parameter `{name}` is invalid: `{raw}`")))
    }
}

/// What an extractor sees: the request, the route's captures and the context.
pub struct RequestParts<C> {
    pub request: Request,
    pub params: Params,
    pub ctx: Rc<C>,
}

/// A value a handler can ask for in its arguments.
pub trait FromRequest<C>: Sized {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError>;
}

/// What a handler may answer with.
pub trait IntoResponse {
    fn into_response(self) -> Result<Response, ApiError>;
}

impl IntoResponse for Response {
    fn into_response(self) -> Result<Response, ApiError> {
        Ok(self)
    }
}

/// The context itself, shared by every extractor of the request.
pub struct Ctx<C>(pub Rc<C>);

impl<C> std::ops::Deref for Ctx<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.0
    }
}

impl<C> FromRequest<C> for Ctx<C> {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        Ok(Ctx(Rc::clone(&parts.ctx)))
    }
}

/// The request as received, for the few handlers that read headers themselves (cookies of a login
/// flow, a redirect target). Cloned: use narrower extractors where one exists.
impl<C> FromRequest<C> for Request {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        Ok(parts.request.clone())
    }
}

/// A JSON body (415 for another content type, 400 naming where it does not parse), and a JSON
/// answer (200, never cached: answers carry one user's data).
#[derive(Debug, Clone, PartialEq)]
pub struct Json<T>(pub T);

impl<C, T: DeserializeOwned> FromRequest<C> for Json<T> {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        parts.request.json().map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Result<Response, ApiError> {
        Response::json_no_store(200, &self.0)
    }
}

/// A JSON body that may be left out entirely: an empty body is `T::default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonOrDefault<T>(pub T);

impl<C, T: DeserializeOwned + Default> FromRequest<C> for JsonOrDefault<T> {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        if parts.request.body.is_empty() {
            Ok(JsonOrDefault(T::default()))
        } else {
            parts.request.json().map(JsonOrDefault)
        }
    }
}

/// The raw body (an RPC call, decoded by the interface's dispatch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body(pub Vec<u8>);

impl<C> FromRequest<C> for Body {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        Ok(Body(parts.request.body.clone()))
    }
}

/// `201 Created` with a JSON body.
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Result<Response, ApiError> {
        Response::json_no_store(201, &self.0)
    }
}

/// `204 No Content`.
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Result<Response, ApiError> {
        Ok(Response::new(204))
    }
}

fn param_error(kind: &str, error: &ParamError) -> ApiError {
    match &error.name {
        Some(name) => {
            ApiError::bad_request(format!("{kind} parameter `{name}` is invalid: {}", error.message))
        }
        None => ApiError::bad_request(format!("{kind} parameters are invalid: {}", error.message)),
    }
}

/// The route's captures: one value, a tuple in pattern order, or a struct by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Path<T>(pub T);

impl<C, T: DeserializeOwned> FromRequest<C> for Path<T> {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        from_pairs(&parts.params.0).map(Path).map_err(|e| param_error("path", &e))
    }
}

/// The query string as a struct by name (percent-decoded; unknown names are ignored).
#[derive(Debug, Clone, PartialEq)]
pub struct Query<T>(pub T);

impl<C, T: DeserializeOwned> FromRequest<C> for Query<T> {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        let pairs = query_pairs(parts.request.query.as_deref())?;
        from_pairs(&pairs).map(Query).map_err(|e| param_error("query", &e))
    }
}

fn query_pairs(query: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(query) = query else { return Ok(Vec::new()) };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match (crate::percent_decode(name), crate::percent_decode(value)) {
                (Some(name), Some(value)) => Ok((name, value)),
                _ => Err(ApiError::bad_request("the query string has a malformed escape")),
            }
        })
        .collect()
}

/// `?limit=` (1..=200, default 50) and `?offset=` (0 or more, default 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 200;

    /// Whether `count` results filled the page (so another may follow).
    pub fn is_full(&self, count: usize) -> bool {
        i64::try_from(count).is_ok_and(|n| n == self.limit)
    }
}

impl<C> FromRequest<C> for Page {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        let req = &parts.request;
        let limit = match req.query_param("limit") {
            None => Self::DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=Self::MAX_LIMIT).contains(n))
                .ok_or_else(|| ApiError::bad_request("limit must be a number from 1 to 200"))?,
        };
        let offset = match req.query_param("offset") {
            None => 0,
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::bad_request("offset must be a number of 0 or more"))?,
        };
        Ok(Page { limit, offset })
    }
}

/// The address the request came from (`CF-Connecting-IP`, set by Cloudflare's edge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub Option<String>);

impl<C> FromRequest<C> for ClientIp {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        Ok(ClientIp(parts.request.header("cf-connecting-ip").map(std::borrow::Cow::into_owned)))
    }
}

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Result<Response, ApiError>>>>;

/// A function the router can call: any `async fn` of up to eight extractors answering with
/// `Result<impl IntoResponse, ApiError>`.
pub trait Handler<C, Args>: 'static {
    fn call(&self, parts: RequestParts<C>) -> BoxFuture;
}

macro_rules! handler_for {
    ($($arg:ident),*) => {
        impl<C, F, Fut, R, $($arg),*> Handler<C, ($($arg,)*)> for F
        where
            C: 'static,
            F: Fn($($arg),*) -> Fut + Clone + 'static,
            Fut: Future<Output = Result<R, ApiError>> + 'static,
            R: IntoResponse,
            $($arg: FromRequest<C> + 'static,)*
        {
            #[allow(non_snake_case, unused_variables)]
            fn call(&self, parts: RequestParts<C>) -> BoxFuture {
                let handler = self.clone();
                Box::pin(async move {
                    $(let $arg = $arg::from_request(&parts).await?;)*
                    drop(parts);
                    handler($($arg),*).await?.into_response()
                })
            }
        }
    };
}

handler_for!();
handler_for!(A1);
handler_for!(A1, A2);
handler_for!(A1, A2, A3);
handler_for!(A1, A2, A3, A4);
handler_for!(A1, A2, A3, A4, A5);
handler_for!(A1, A2, A3, A4, A5, A6);
handler_for!(A1, A2, A3, A4, A5, A6, A7);
handler_for!(A1, A2, A3, A4, A5, A6, A7, A8);
