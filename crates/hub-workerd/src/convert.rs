//! `web_sys::Request` to `hub_http::Request` and back, with as few crossings of the JS/wasm boundary
//! as we can manage: every crossing (and every string copied across it) costs more than the routing.
//!
//! - one call for method, URL and `x-request-id` together; the URL is split here, not reparsed;
//! - headers are read lazily, one name at a time; a route that needs them all (forwarding) gets them
//!   as one JSON string (`JSON.stringify(Array.from(headers))`), whatever their count;
//! - bodies are read only when a route accepts one, refused with 413 before reading when
//!   `Content-Length` already exceeds the route's limit, and read as a stream that stops at the
//!   limit otherwise (a body without `Content-Length` is never buffered whole);
//! - response headers cross as one JSON string, the body as one byte copy.

use hub_http::{ApiError, HeaderSource, Headers, Method, Request, Response, Router};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use worker::worker_sys::web_sys;

/// The path (still percent-encoded) and query of a serialized WHATWG URL, without reparsing it.
pub fn split_url(url: &str) -> (&str, Option<&str>) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[after_scheme..];
    let Some(slash) = rest.find('/') else { return ("/", None) };
    let path_and_more = &rest[slash..];
    let path_and_more = path_and_more.split('#').next().unwrap_or(path_and_more);
    match path_and_more.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_more, None),
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = "
export function request_line(r) {
  return r.method + ' ' + (r.headers.get('x-request-id') ?? '') + ' ' + r.url;
}")]
extern "C" {
    /// `METHOD X-REQUEST-ID URL` in one crossing: the three facts every request needs.
    fn request_line(req: &web_sys::Request) -> String;
}

/// The request's JS `Headers`, read one name at a time, or all at once in one crossing.
struct JsHeaders(web_sys::Request);

impl HeaderSource for JsHeaders {
    fn get(&self, name: &str) -> Option<String> {
        self.0.headers().get(name).ok().flatten()
    }

    fn all(&self) -> Vec<(String, String)> {
        let entries = js_sys::Array::from(self.0.headers().as_ref());
        js_sys::JSON::stringify(&entries)
            .ok()
            .and_then(|s| s.as_string())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }
}

/// Converts the platform's request. Also returns the caller's `x-request-id`, read in the same
/// crossing as method and URL, whether or not the request itself converts.
pub async fn to_hub_request<S: 'static>(
    req: &web_sys::Request,
    router: &Router<S>,
) -> (Result<Request, ApiError>, Option<String>) {
    let line = request_line(req);
    let (method_name, rest) = line.split_once(' ').unwrap_or((&line, ""));
    let (request_id, url) = rest.rsplit_once(' ').unwrap_or(("", rest));
    let request_id = (!request_id.is_empty()).then(|| request_id.to_owned());
    (convert(req, router, method_name, url).await, request_id)
}

async fn convert<S: 'static>(
    req: &web_sys::Request,
    router: &Router<S>,
    method_name: &str,
    url: &str,
) -> Result<Request, ApiError> {
    let method = Method::parse(method_name)
        .ok_or_else(|| ApiError::method_not_allowed(format!("method {method_name} is not supported")))?;
    let (path, query) = split_url(url);
    let headers = Headers::lazy(Rc::new(JsHeaders(<web_sys::Request as Clone>::clone(req))));

    let mut body = Vec::new();
    if method.has_body() {
        if let Some(limit) = router.body_limit(method, path) {
            let declared = headers.get("content-length").and_then(|v| v.parse::<usize>().ok());
            if declared.is_some_and(|len| len > limit) {
                return Err(ApiError::payload_too_large(limit));
            }
            body = read_body(req, limit).await?;
        }
    }
    Ok(Request { method, path: path.to_owned(), query: query.map(str::to_owned), headers, body })
}

/// Reads the body chunk by chunk, and stops with 413 as soon as it passes `limit`.
async fn read_body(req: &web_sys::Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    use wasm_bindgen::JsCast;
    let unreadable = |e: JsValue| ApiError::bad_request(format!("unreadable body: {e:?}"));
    let Some(stream) = req.body() else { return Ok(Vec::new()) };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let chunk = wasm_bindgen_futures::JsFuture::from(reader.read()).await.map_err(unreadable)?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done")).map_err(unreadable)?;
        if done.as_bool().unwrap_or(true) {
            return Ok(body);
        }
        let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")).map_err(unreadable)?;
        let bytes = js_sys::Uint8Array::new(&value);
        let length = usize::try_from(bytes.length()).unwrap_or(usize::MAX);
        if body.len().saturating_add(length) > limit {
            // Nothing more is read: the rest of an oversized body is never buffered.
            let _ = reader.cancel();
            return Err(ApiError::payload_too_large(limit));
        }
        body.extend_from_slice(&bytes.to_vec());
    }
}

pub fn to_web_response(mut resp: Response) -> Result<web_sys::Response, JsValue> {
    let init = if is_plain_json(&resp) { json_init(resp.status)? } else { response_init(&resp)? };
    // Null-body statuses (204, 304...) must not carry even an empty body in JS.
    if resp.body.is_empty() {
        web_sys::Response::new_with_opt_str_and_init(None, &init)
    } else {
        web_sys::Response::new_with_opt_u8_array_and_init(Some(&mut resp.body), &init)
    }
}

fn is_plain_json(resp: &Response) -> bool {
    matches!(resp.headers.as_slice(), [(name, value)] if name == "content-type" && value == "application/json")
}

fn response_init(resp: &Response) -> Result<web_sys::ResponseInit, JsValue> {
    let init = web_sys::ResponseInit::new();
    init.set_status(resp.status);
    if !resp.headers.is_empty() {
        let headers = web_sys::Headers::new()?;
        for (name, value) in &resp.headers {
            headers.append(name, value)?;
        }
        init.set_headers(&headers);
    }
    Ok(init)
}

thread_local! {
    /// `ResponseInit`s of plain JSON responses, one per status. The Response constructor copies
    /// status and headers out of its init, so one object serves every response of that shape and
    /// most responses cross the boundary without building headers.
    static JSON_INITS: std::cell::RefCell<Vec<(u16, web_sys::ResponseInit)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn json_init(status: u16) -> Result<web_sys::ResponseInit, JsValue> {
    JSON_INITS.with(|cache| {
        if let Some((_, init)) = cache.borrow().iter().find(|(s, _)| *s == status) {
            return Ok(init.clone());
        }
        let init = response_init(&Response::json_bytes(status, Vec::new()))?;
        cache.borrow_mut().push((status, init.clone()));
        Ok(init)
    })
}

/// For callers that hold a `worker::Response` API (Durable Object handlers).
pub fn to_worker_response(resp: Response) -> worker::Result<worker::Response> {
    Ok(worker::Response::from(to_web_response(resp)?))
}

#[cfg(test)]
mod tests {
    use super::split_url;

    #[test]
    fn urls_split_without_reparsing() {
        assert_eq!(split_url("https://h.example/a/b?x=1&y=2#frag"), ("/a/b", Some("x=1&y=2")));
        assert_eq!(split_url("http://127.0.0.1:8787/"), ("/", None));
        assert_eq!(split_url("http://127.0.0.1:8787"), ("/", None));
        assert_eq!(split_url("https://h/p%20q?"), ("/p%20q", Some("")));
    }
}
