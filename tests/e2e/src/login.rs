//! Logging in against the local EVE SSO, as a browser would.

use crate::Stack;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::Response;
use serde_json::Value;

pub const LOGIN_COOKIE: &str = "__Host-hub_login";
pub const SESSION_COOKIE: &str = "__Host-hub_session";

/// The value a response sets for cookie `name` (empty when it clears it).
pub fn set_cookie(resp: &Response, name: &str) -> Option<String> {
    resp.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|cookie| {
        let (pair, attributes) = cookie.split_once(';').unwrap_or((cookie, ""));
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| {
            assert!(attributes.contains("Secure") && attributes.contains("HttpOnly"), "{cookie}");
            assert!(attributes.contains("SameSite=Lax") && attributes.contains("Path=/"), "{cookie}");
            value.to_owned()
        })
    })
}

pub fn location(resp: &Response) -> String {
    resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

pub struct Pilot {
    pub id: i64,
    pub name: &'static str,
    pub owner: &'static str,
}

/// Starts a login (or, with a session, a link) and returns the callback URL the SSO redirected to
/// and the login cookie.
pub async fn authorize(stack: &Stack, start: &str, session: Option<&str>, pilot: &Pilot) -> (String, String) {
    authorize_with_scopes(stack, start, session, pilot, None).await
}

/// [`authorize`], with the user granting `scopes` at the SSO instead of the configured ones.
pub async fn authorize_with_scopes(
    stack: &Stack,
    start: &str,
    session: Option<&str>,
    pilot: &Pilot,
    scopes: Option<&str>,
) -> (String, String) {
    authorize_with(stack, start, session, pilot, scopes, &[]).await
}

/// [`authorize_with_scopes`] with extra parameters for the SSO peer (e.g. `revoked=1`).
pub async fn authorize_with(
    stack: &Stack,
    start: &str,
    session: Option<&str>,
    pilot: &Pilot,
    scopes: Option<&str>,
    extra: &[(&str, &str)],
) -> (String, String) {
    let mut request = stack.http.get(stack.url(start));
    if let Some(session) = session {
        request = request.header(COOKIE, format!("{SESSION_COOKIE}={session}"));
    }
    let started = request.send().await.unwrap();
    assert_eq!(started.status().as_u16(), 302, "{:?}", started.text().await);
    let login_cookie = set_cookie(&started, LOGIN_COOKIE).expect("login cookie");
    let authorize = location(&started);
    assert!(authorize.starts_with(&stack.sso.info.authorize_url), "{authorize}");
    for part in
        ["response_type=code", "code_challenge_method=S256", "code_challenge=", "state=", "scope=publicData"]
    {
        assert!(authorize.contains(part), "{part} missing from {authorize}");
    }
    let mut at_sso = reqwest::Url::parse(&authorize).expect("authorize URL");
    let query: Vec<(String, String)> = at_sso
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "scope" { scopes.map_or(v.to_string(), str::to_owned) } else { v.to_string() };
            (k.to_string(), v)
        })
        .collect();
    at_sso
        .query_pairs_mut()
        .clear()
        .extend_pairs(query)
        .append_pair("character_id", &pilot.id.to_string())
        .append_pair("character_name", pilot.name)
        .append_pair("owner", pilot.owner)
        .extend_pairs(extra);
    let at_sso = stack.http.get(at_sso).send().await.unwrap();
    assert_eq!(at_sso.status().as_u16(), 302);
    let callback = location(&at_sso);
    assert!(callback.starts_with(&stack.url("/api/auth/callback?")), "{callback}");
    (callback, login_cookie)
}

pub async fn callback(stack: &Stack, url: &str, cookies: &str) -> Response {
    stack.http.get(url).header(COOKIE, cookies).send().await.unwrap()
}

pub async fn me(stack: &Stack, session: &str) -> (u16, Value) {
    let resp = stack
        .http
        .get(stack.url("/api/users/me"))
        .header(COOKIE, format!("{SESSION_COOKIE}={session}"))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// A complete login as `pilot`; returns the session cookie value.
pub async fn login_as(stack: &Stack, pilot: &Pilot) -> String {
    login_with_scopes(stack, pilot, None).await
}

/// [`login_as`], granting `scopes` instead of the configured ones.
pub async fn login_with_scopes(stack: &Stack, pilot: &Pilot, scopes: Option<&str>) -> String {
    login_with(stack, pilot, scopes, &[]).await
}

/// [`login_with_scopes`] with extra parameters for the SSO peer.
pub async fn login_with(
    stack: &Stack,
    pilot: &Pilot,
    scopes: Option<&str>,
    extra: &[(&str, &str)],
) -> String {
    let (url, cookie) = authorize_with(stack, "/api/auth/login/start", None, pilot, scopes, extra).await;
    let done = callback(stack, &url, &format!("{LOGIN_COOKIE}={cookie}")).await;
    let status = done.status().as_u16();
    let cookie = set_cookie(&done, SESSION_COOKIE);
    let body = if status == 302 { String::new() } else { done.text().await.unwrap_or_default() };
    assert_eq!(status, 302, "login as {} failed: {body}", pilot.name);
    cookie.expect("session cookie")
}

pub fn with_session(
    builder: reqwest::RequestBuilder,
    session: &str,
    csrf: Option<&str>,
) -> reqwest::RequestBuilder {
    let builder = builder.header(COOKIE, format!("{SESSION_COOKIE}={session}"));
    match csrf {
        Some(token) => builder.header("x-csrf-token", token),
        None => builder,
    }
}

/// The explicit grant step, as the dashboard runs it: `GET /api/auth/character/:id/grant` with the
/// session, the SSO (where the user grants what is asked), and the callback. Returns the scopes the
/// SSO was asked for and the callback's answer.
pub async fn grant(stack: &Stack, session: &str, pilot: &Pilot, scopes: &str) -> (Vec<String>, Response) {
    let start = format!("/api/auth/character/{}/grant?scopes={scopes}&return_to=/corporations", pilot.id);
    let mut request = stack.http.get(stack.url(&start));
    request = request.header(COOKIE, format!("{SESSION_COOKIE}={session}"));
    let started = request.send().await.unwrap();
    assert_eq!(started.status().as_u16(), 302, "{:?}", started.text().await);
    let login_cookie = set_cookie(&started, LOGIN_COOKIE).expect("login cookie");
    let authorize = reqwest::Url::parse(&location(&started)).expect("authorize URL");
    let asked: Vec<String> = authorize
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.split(' ').map(str::to_owned).collect())
        .unwrap_or_default();
    let mut at_sso = authorize.clone();
    at_sso
        .query_pairs_mut()
        .append_pair("character_id", &pilot.id.to_string())
        .append_pair("character_name", pilot.name)
        .append_pair("owner", pilot.owner);
    let at_sso = stack.http.get(at_sso).send().await.unwrap();
    assert_eq!(at_sso.status().as_u16(), 302);
    let done = callback(
        stack,
        &location(&at_sso),
        &format!("{LOGIN_COOKIE}={login_cookie}; {SESSION_COOKIE}={session}"),
    )
    .await;
    (asked, done)
}
