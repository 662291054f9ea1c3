//! Plain request and response values.

use crate::{ApiError, Headers};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::borrow::Cow;

/// Bodies larger than this are refused with 413 unless a route says otherwise.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

impl Method {
    /// Parses an HTTP method name; `None` for methods the hub never serves.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            _ => return None,
        })
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }

    /// Whether requests with this method may carry a body worth reading.
    pub const fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch | Method::Delete)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// The path, percent-encoded as received, without the query string.
    pub path: String,
    /// The raw query string without `?`, if any.
    pub query: Option<String>,
    /// Header names are lower-case. Read lazily from the platform in workers.
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl Request {
    pub fn new(method: Method, path_and_query: &str) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (path_and_query.to_owned(), None),
        };
        Self { method, path, query, headers: Headers::new(), body: Vec::new() }
    }

    #[must_use]
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push(name, value);
        self
    }

    #[must_use]
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        self.headers.get(name)
    }

    /// Parses the body as JSON into `T`.
    ///
    /// Returns 415 when the content type is not JSON, 400 with serde's explanation (line and
    /// column, wrong type, missing field) when the body does not parse. Size limits are enforced
    /// by the router before a handler runs.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let content_type = self.header("content-type").unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::unsupported_media_type(format!(
                "expected content-type application/json, got `{}`",
                if essence.is_empty() { "none" } else { essence }
            )));
        }
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let what = match inner.classify() {
                serde_json::error::Category::Data => "request body has the wrong shape",
                serde_json::error::Category::Eof => "request body is truncated JSON",
                serde_json::error::Category::Io | serde_json::error::Category::Syntax => {
                    "request body is not valid JSON"
                }
            };
            if path == "." {
                ApiError::invalid_json(format!("{what}: {inner}"))
            } else {
                ApiError::invalid_json(format!("{what}: at `{path}`: {inner}"))
            }
        })?;
        de.end().map_err(|e| ApiError::invalid_json(format!("request body has trailing data: {e}")))?;
        Ok(value)
    }

    /// The percent-decoded value of one query parameter (`+` is a space); `None` when absent or
    /// not valid UTF-8 after decoding.
    pub fn query_value(&self, name: &str) -> Option<String> {
        percent_decode(self.query_param(name)?)
    }

    /// The value of one query parameter, percent-decoding not applied (ids and numbers only).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .as_deref()?
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}

/// Paths whose next segment is a secret (an invite code is a bearer secret).
const SECRET_SEGMENT_AFTER: [&str; 2] = ["/api/invite/", "/invite/"];

/// The path as logs may show it: a segment that carries a secret is replaced by `[redacted]`.
pub fn loggable_path(path: &str) -> Cow<'_, str> {
    for prefix in SECRET_SEGMENT_AFTER {
        if let Some(rest) = path.strip_prefix(prefix) {
            if !rest.is_empty() {
                let after = rest.find('/').map_or("", |i| &rest[i..]);
                return Cow::Owned(format!("{prefix}[redacted]{after}"));
            }
        }
    }
    Cow::Borrowed(path)
}

/// Decodes `%XX` escapes and `+`; `None` for bad escapes or invalid UTF-8.
pub fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new() }
    }

    /// A JSON response from bytes that are already JSON.
    pub fn json_bytes(status: u16, body: Vec<u8>) -> Self {
        Self { status, headers: vec![("content-type".into(), "application/json".into())], body }
    }

    /// Serializes `value` as the JSON body.
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Result<Self, ApiError> {
        serde_json::to_vec(value)
            .map(|body| Self::json_bytes(status, body))
            .map_err(|e| ApiError::internal(format!("response serialization failed: {e}")))
    }

    /// [`Response::json`] for one user's data: `Cache-Control: no-store`.
    pub fn json_no_store<T: Serialize + ?Sized>(status: u16, value: &T) -> Result<Self, ApiError> {
        Self::json(status, value).map(|r| r.with_header("cache-control", "no-store"))
    }

    #[must_use]
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// A `302 Found` to `location`, never cached.
    pub fn redirect(location: &str) -> Self {
        Self::new(302).with_header("location", location).with_header("cache-control", "no-store")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: u32,
    }

    fn json_request(body: &str) -> Request {
        Request::new(Method::Post, "/x")
            .with_header("Content-Type", "application/json; charset=utf-8")
            .with_body(body)
    }

    #[test]
    fn json_parsing_explains_what_is_wrong() {
        assert!(json_request(r#"{"name":"a","count":1}"#).json::<Body>().is_ok());

        let err = json_request("{not json").json::<Body>().unwrap_err();
        assert_eq!((err.status, err.code.as_ref()), (400, "invalid_json"));
        assert!(err.message.contains("not valid JSON"), "{}", err.message);

        let err = json_request(r#"{"name":"a","count":"one"}"#).json::<Body>().unwrap_err();
        assert!(err.message.contains("wrong shape") && err.message.contains("count"), "{}", err.message);

        let err = json_request(r#"{"name":"a","count":1} x"#).json::<Body>().unwrap_err();
        assert!(err.message.contains("trailing"), "{}", err.message);

        let err = json_request(r#"{"name":"a""#).json::<Body>().unwrap_err();
        assert!(err.message.contains("truncated"), "{}", err.message);

        let err = Request::new(Method::Post, "/x").with_body("{}").json::<Body>().unwrap_err();
        assert_eq!(err.status, 415);
    }

    #[test]
    fn query_params_and_headers() {
        let req = Request::new(Method::Get, "/a?page=2&limit=10").with_header("X-Request-Id", "abc");
        assert_eq!(req.path, "/a");
        assert_eq!(req.query_param("limit"), Some("10"));
        assert_eq!(req.query_param("nope"), None);
        let encoded = Request::new(Method::Get, "/a?return_to=%2Fgroups%3Fx%3D1+2&bad=%zz");
        assert_eq!(encoded.query_value("return_to").as_deref(), Some("/groups?x=1 2"));
        assert_eq!(encoded.query_value("bad"), None);
        assert_eq!(req.header("x-request-id").as_deref(), Some("abc"));
    }

    #[test]
    fn secret_path_segments_never_reach_logs() {
        assert_eq!(loggable_path("/api/invite/s3cr3t-code"), "/api/invite/[redacted]");
        assert_eq!(loggable_path("/invite/s3cr3t-code"), "/invite/[redacted]");
        assert_eq!(loggable_path("/api/invite/s3cr3t/more"), "/api/invite/[redacted]/more");
        assert_eq!(loggable_path("/api/invitations/123/accept"), "/api/invitations/123/accept");
        assert_eq!(loggable_path("/api/groups"), "/api/groups");
    }

    #[test]
    fn errors_have_one_wire_shape() {
        let resp = ApiError::not_found("no route for GET /nope").into_response();
        assert_eq!(resp.status, 404);
        assert_eq!(resp.header("content-type"), Some("application/json"));
        let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(v, serde_json::json!({"error": "not_found", "message": "no route for GET /nope"}));
    }
}
