//! End-to-end: what unauthenticated callers cost us, and what no caller may do: login floods,
//! failed callbacks, bodies without `Content-Length`, requests without the CSRF token, reading
//! someone else's data, scopes a flow does not need, and secrets in logs.

// Wall-clock deadlines of the harness are not domain time.
#![allow(clippy::disallowed_methods)]

use e2e::api::User;
use e2e::login::{
    authorize, callback, grant, location, login_as, login_with_scopes, set_cookie, Pilot, LOGIN_COOKIE,
};
use e2e::Stack;
use futures::StreamExt;
use hub_ports::{SqlStorage, SqlValue};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const ADMIN: Pilot = Pilot { id: 9000, name: "Admin", owner: "owner-admin" };
const LOGIN_SCOPES: [&str; 2] = ["publicData", "esi-characters.read_corporation_roles.v1"];

/// A client whose requests come from another loopback address: another client, as the edge sees it.
fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<std::net::IpAddr>().unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Login states stored in every shard of the login-state objects (their SQLite files).
fn stored_login_states(stack: &Stack) -> i64 {
    let mut files = Vec::new();
    let mut dirs = vec![stack.state_dir()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "sqlite")
                && path.display().to_string().contains("CoreState")
            {
                files.push(path);
            }
        }
    }
    assert!(!files.is_empty(), "no login-state objects under {}", stack.state_dir().display());
    files
        .iter()
        .filter_map(|file| hub_native::SqliteStorage::open(file).ok())
        .filter_map(|db| db.exec("SELECT count(*) FROM login_state", &[]).ok())
        .filter_map(|rows| rows.first().and_then(|r| r.first()).and_then(SqlValue::as_i64))
        .sum()
}

#[tokio::test]
async fn a_flood_of_login_starts_does_not_stop_an_honest_login() {
    let stack = Stack::start().await;
    let flooder = client_from("127.0.0.1");
    let started = Instant::now();
    let flood = futures::stream::iter(0..10_000)
        .map(|_| {
            let request = flooder.get(stack.url("/api/auth/login/start"));
            async move { request.send().await.map_or(0, |r| r.status().as_u16()) }
        })
        .buffer_unordered(64);
    let honest = async {
        // In the middle of the flood, from another address, a whole login.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let browser = client_from("127.0.0.2");
        let start = browser.get(stack.url("/api/auth/login/start")).send().await.unwrap();
        assert_eq!(start.status().as_u16(), 302, "the honest start");
        let cookie = set_cookie(&start, LOGIN_COOKIE).unwrap();
        let mut at_sso = reqwest::Url::parse(&location(&start)).unwrap();
        at_sso
            .query_pairs_mut()
            .append_pair("character_id", "2112008001")
            .append_pair("character_name", "Honest");
        let at_sso = browser.get(at_sso).send().await.unwrap();
        let done = browser
            .get(location(&at_sso))
            .header(reqwest::header::COOKIE, format!("{LOGIN_COOKIE}={cookie}"))
            .send()
            .await
            .unwrap();
        (done.status().as_u16(), started.elapsed())
    };
    let (statuses, (honest_status, honest_at)) = tokio::join!(flood.collect::<Vec<u16>>(), honest);
    let flood_took = started.elapsed();
    assert_eq!(honest_status, 302, "the honest login went through");
    assert!(honest_at < flood_took, "and it did during the flood ({honest_at:?} of {flood_took:?})");
    let limited = statuses.iter().filter(|s| **s == 429).count();
    let let_in = statuses.iter().filter(|s| **s == 302).count();
    let windows = usize::try_from(flood_took.as_secs() / 60).unwrap() + 1;
    assert!(let_in <= 20 * windows, "one client gets its few starts a minute: {let_in} in {flood_took:?}");
    assert_eq!(limited + let_in, 10_000, "every other start is refused: {limited}");
    let stored = stored_login_states(&stack);
    assert!(stored <= i64::try_from(let_in).unwrap(), "refused starts store nothing: {stored} states");
}

#[tokio::test]
async fn failed_callbacks_write_a_bounded_trail_never_echo_the_provider_and_clear_the_cookie() {
    let stack = Stack::start().await;
    let noisy = client_from("127.0.0.3");
    for i in 0..40 {
        let path = if i % 2 == 0 {
            "/api/auth/callback?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E&error_description=Pwned+by+evil"
        } else {
            "/api/auth/callback"
        };
        let resp = noisy
            .get(stack.url(path))
            .header(reqwest::header::COOKIE, format!("{LOGIN_COOKIE}=leftover"))
            .header(reqwest::header::ACCEPT, if i % 4 == 0 { "text/html" } else { "application/json" })
            .send()
            .await
            .unwrap();
        let browser = i % 4 == 0;
        assert_eq!(resp.status().as_u16(), if browser { 303 } else { 400 });
        assert_eq!(set_cookie(&resp, LOGIN_COOKIE).as_deref(), Some(""), "the login cookie is cleared");
        let body = format!("{} {}", location(&resp), resp.text().await.unwrap());
        for echoed in ["script", "alert", "Pwned", "evil"] {
            assert!(!body.contains(echoed), "the provider's text is never echoed: {body}");
        }
    }
    let admin = User::new(&stack, login_as(&stack, &ADMIN).await).await;
    let (_, audit) = admin.get("/api/admin/audit?limit=200").await;
    let failed: Vec<&Value> =
        audit["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "login_failed").collect();
    assert!(!failed.is_empty(), "failures are audited");
    assert!(failed.len() <= 5, "a bounded trail, not forty entries: {}", failed.len());
    for entry in &failed {
        let reason = entry["detail"]["reason"].as_str().unwrap();
        assert!(!reason.contains("script"), "not even in the audit log: {reason}");
    }
}

/// Sends a chunked body that never ends; returns the status line of the answer, if one comes.
async fn endless_chunked_post(stack: &Stack, path: &str, cookie: &str, csrf: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = stack.base_url.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
         Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n\r\n"
    );
    write.write_all(head.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        let chunk = format!("4000\r\n{}\r\n", " ".repeat(0x4000));
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if write.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let mut answer = vec![0; 256];
    let read = tokio::time::timeout(Duration::from_secs(20), read.read(&mut answer)).await;
    writer.abort();
    match read {
        Ok(Ok(n)) if n > 0 => {
            Some(String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_owned())
        }
        _ => None,
    }
}

#[tokio::test]
async fn a_body_without_content_length_is_cut_at_the_limit_while_streaming() {
    let stack = Stack::start().await;
    let user =
        User::new(&stack, login_as(&stack, &Pilot { id: 2_112_008_101, name: "Kilo", owner: "o-k" }).await)
            .await;
    let cookie = format!("{}={}", e2e::login::SESSION_COOKIE, user.session);
    let status = endless_chunked_post(&stack, "/api/groups", &cookie, &user.csrf).await;
    assert_eq!(
        status.as_deref(),
        Some("HTTP/1.1 413 Payload Too Large"),
        "answered while the body still streamed"
    );
    // The stack still serves.
    assert_eq!(user.get("/api/users/me").await.0, 200);
}

/// Every state-changing route of every worker, with ids that parse.
const STATE_CHANGING: &[(&str, &str)] = &[
    ("POST", "/api/auth/logout"),
    ("DELETE", "/api/auth/sessions/00000000-0000-0000-0000-000000000001"),
    ("POST", "/api/users/me/primary"),
    ("POST", "/api/users/me/characters/9000/token-check"),
    ("DELETE", "/api/users/me/characters/9000"),
    ("DELETE", "/api/admin/sessions/00000000-0000-0000-0000-000000000001"),
    ("POST", "/api/admin/users/00000000-0000-0000-0000-000000000001/admin"),
    ("DELETE", "/api/admin/users/00000000-0000-0000-0000-000000000001/admin"),
    ("POST", "/api/admin/users/00000000-0000-0000-0000-000000000001/ban"),
    ("DELETE", "/api/admin/users/00000000-0000-0000-0000-000000000001/ban"),
    ("POST", "/api/groups/categories"),
    ("PATCH", "/api/groups/categories/00000000-0000-0000-0000-000000000001"),
    ("DELETE", "/api/groups/categories/00000000-0000-0000-0000-000000000001"),
    ("POST", "/api/groups"),
    ("PATCH", "/api/groups/00000000-0000-0000-0000-000000000001"),
    ("DELETE", "/api/groups/00000000-0000-0000-0000-000000000001"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/join"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/announcements"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/leave"),
    ("DELETE", "/api/groups/00000000-0000-0000-0000-000000000001/members/00000000-0000-0000-0000-000000000002"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/admins"),
    ("DELETE", "/api/groups/00000000-0000-0000-0000-000000000001/admins/00000000-0000-0000-0000-000000000002"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/owner"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/requests"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/requests/00000000-0000-0000-0000-000000000002/approve"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/requests/00000000-0000-0000-0000-000000000002/reject"),
    ("DELETE", "/api/groups/00000000-0000-0000-0000-000000000001/requests/00000000-0000-0000-0000-000000000002"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/invitations"),
    ("DELETE", "/api/groups/00000000-0000-0000-0000-000000000001/invitations/00000000-0000-0000-0000-000000000002"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/codes"),
    ("DELETE", "/api/groups/00000000-0000-0000-0000-000000000001/codes/00000000-0000-0000-0000-000000000002"),
    ("POST", "/api/groups/00000000-0000-0000-0000-000000000001/rules"),
    ("DELETE", "/api/groups/00000000-0000-0000-0000-000000000001/rules/00000000-0000-0000-0000-000000000002"),
    ("POST", "/api/invitations/00000000-0000-0000-0000-000000000001/accept"),
    ("POST", "/api/invitations/00000000-0000-0000-0000-000000000001/decline"),
    ("POST", "/api/invite"),
    ("POST", "/api/notifications/read-all"),
    ("POST", "/api/notifications/1/read"),
    ("POST", "/api/characters/9000/sync"),
    ("POST", "/api/corporations"),
    ("PATCH", "/api/corporations/98000001"),
    ("DELETE", "/api/corporations/98000001"),
    ("POST", "/api/corporations/98000001/directors"),
    ("DELETE", "/api/corporations/98000001/directors/9000"),
    ("POST", "/api/corporations/98000001/sync"),
];

#[tokio::test]
async fn every_state_changing_route_needs_the_csrf_token() {
    let stack = Stack::start().await;
    let admin = User::new(&stack, login_as(&stack, &ADMIN).await).await;
    let cookie = format!("{}={}", e2e::login::SESSION_COOKIE, admin.session);
    for (method, path) in STATE_CHANGING {
        for token in [None, Some("forged-token")] {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request =
                stack.http.request(method.clone(), stack.url(path)).header(reqwest::header::COOKIE, &cookie);
            if let Some(token) = token {
                request = request.header("x-csrf-token", token);
            }
            let resp = request.json(&json!({})).send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            assert_eq!(status, 403, "{method} {path} with {token:?}: {body}");
            assert!(
                body["message"].as_str().unwrap_or_default().contains("X-CSRF-Token"),
                "{method} {path}: {body}"
            );
        }
    }
    // The session still works: nothing above ended it.
    assert_eq!(admin.get("/api/users/me").await.0, 200);

    // The services' own interfaces (`/rpc/*`: the accounts service records audit entries and
    // affiliations) are reachable only over service bindings, never through the public worker.
    let entry = json!({ "action": "site_admin_granted", "user_id": null, "actor_user_id": null,
        "character_id": null, "detail": { "forged": true }, "ip": null });
    for path in [
        "/rpc/accounts/audit",
        "/api/rpc/accounts/audit",
        "/api/%2e%2e/rpc/accounts/audit",
        "/rpc/group-rules/reevaluate_user",
    ] {
        let resp = stack
            .http
            .post(stack.url(path))
            .header(reqwest::header::COOKIE, &cookie)
            .json(&entry)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        assert!(matches!(status, 404 | 405), "{path}: {status}");
    }
    let audit = admin.get("/api/admin/audit?limit=200").await.1;
    let forged =
        audit["entries"].as_array().unwrap().iter().filter(|e| e["detail"]["forged"] == true).count();
    assert_eq!(forged, 0, "no entry was written through the public worker: {audit}");
}

#[tokio::test]
async fn one_user_never_reads_anothers_character_data() {
    let stack = Stack::start().await;
    let a = Pilot { id: 2_112_008_201, name: "Lima", owner: "o-l" };
    let alice = User::new(
        &stack,
        login_with_scopes(
            &stack,
            &a,
            Some("publicData esi-wallet.read_character_wallet.v1 esi-assets.read_assets.v1"),
        )
        .await,
    )
    .await;
    let bob =
        User::new(&stack, login_as(&stack, &Pilot { id: 2_112_008_202, name: "Mike", owner: "o-m" }).await)
            .await;
    alice.wait_for_sync(a.id, &[("wallet", &["ok", "unchanged"]), ("assets", &["ok", "unchanged"])]).await;
    assert_eq!(alice.get(&format!("/api/characters/{}/wallet", a.id)).await.0, 200);
    for suffix in [
        "sync",
        "wallet",
        "wallet/journal",
        "wallet/history",
        "assets",
        "assets/locations",
        "orders",
        "transactions",
        "skills",
    ] {
        let (status, body) = bob.get(&format!("/api/characters/{}/{suffix}", a.id)).await;
        assert_eq!(status, 404, "{suffix}: {body}");
    }
    assert_eq!(bob.post(&format!("/api/characters/{}/sync", a.id), json!({})).await.0, 404);
    assert_eq!(bob.post(&format!("/api/users/me/characters/{}/token-check", a.id), json!({})).await.0, 404);
    assert_eq!(bob.delete(&format!("/api/users/me/characters/{}", a.id)).await.0, 404);
}

/// The scopes an authorize URL asks for.
fn asked_scopes(authorize: &str) -> Vec<String> {
    let url = reqwest::Url::parse(authorize).unwrap();
    let scope =
        url.query_pairs().find(|(k, _)| k == "scope").map(|(_, v)| v.into_owned()).unwrap_or_default();
    scope.split(' ').map(str::to_owned).collect()
}

#[tokio::test]
async fn each_flow_asks_only_for_the_scopes_it_needs() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_008_301, name: "November", owner: "o-n" };
    let start = stack.http.get(stack.url("/api/auth/login/start")).send().await.unwrap();
    assert_eq!(asked_scopes(&location(&start)), LOGIN_SCOPES, "a login reads identity and roles, no data");
    let user = User::new(&stack, login_as(&stack, &pilot).await).await;
    let link =
        e2e::login::with_session(stack.http.get(stack.url("/api/auth/character/start")), &user.session, None)
            .send()
            .await
            .unwrap();
    assert_eq!(asked_scopes(&location(&link)), LOGIN_SCOPES, "linking an alt is a login");

    // Granting data access asks for the login's scopes and the character data scopes, then the
    // character syncs its wallet.
    let (asked, done) = grant(&stack, &user.session, &pilot, "character_data").await;
    assert_eq!(done.status().as_u16(), 302);
    assert_eq!(location(&done), "/corporations", "back where the grant started");
    let mut expected: Vec<String> = LOGIN_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    expected.extend(
        [
            "esi-wallet.read_character_wallet.v1",
            "esi-assets.read_assets.v1",
            "esi-skills.read_skills.v1",
            "esi-skills.read_skillqueue.v1",
            "esi-markets.read_character_orders.v1",
            "esi-universe.read_structures.v1",
        ]
        .map(str::to_owned),
    );
    assert_eq!(asked, expected);
    user.wait_for_sync(pilot.id, &[("wallet", &["ok", "unchanged"])]).await;
    let (_, me) = user.get("/api/users/me").await;
    assert_eq!(me["user"]["characters"][0]["token"]["scopes"].as_array().unwrap().len(), expected.len());

    // The SSO must come back with that very character.
    let other = Pilot { id: 2_112_008_302, name: "Oscar", owner: "o-n" };
    let start = format!("/api/auth/character/{}/grant?scopes=character_data", pilot.id);
    let (url, cookie) = authorize(&stack, &start, Some(&user.session), &other).await;
    let wrong = callback(
        &stack,
        &url,
        &format!("{LOGIN_COOKIE}={cookie}; {}={}", e2e::login::SESSION_COOKIE, user.session),
    )
    .await;
    assert_eq!(wrong.status().as_u16(), 400);
    assert!(wrong.text().await.unwrap().contains("Oscar"), "says who came back");
    let foreign = e2e::login::with_session(
        stack.http.get(stack.url("/api/auth/character/2112008399/grant?scopes=character_data")),
        &user.session,
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(foreign.status().as_u16(), 404, "a grant for a character not on the account");
}

#[tokio::test]
async fn logs_carry_no_token_and_paths_with_secrets_are_redacted() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_008_401, name: "Papa", owner: "o-p" };
    let user = User::new(
        &stack,
        login_with_scopes(&stack, &pilot, Some("publicData esi-wallet.read_character_wallet.v1")).await,
    )
    .await;
    user.wait_for_sync(pilot.id, &[("wallet", &["ok", "unchanged"])]).await;
    assert_eq!(
        user.post(&format!("/api/users/me/characters/{}/token-check", pilot.id), json!({})).await.0,
        200
    );
    // A made-up invite code: refused and logged; codes travel in bodies, so no log has it.
    let secret_code = "SECRETCODE1234567890abcd";
    assert_eq!(user.post("/api/invite", json!({ "code": secret_code })).await.0, 404);
    stack
        .wait_for_log_line(&["/api/invite", "request refused", r#""status":404"#])
        .await
        .unwrap_or_else(|| panic!("the refusal was logged:\n{}", stack.log_tail()));
    // A link in the old form carries the code in its path: our logs redact it.
    assert_eq!(
        stack.http.get(stack.url("/api/invite/SECRETPATHCODE0987654321")).send().await.unwrap().status(),
        404
    );
    stack
        .wait_for_log_line(&["/api/invite/[redacted]", "request refused"])
        .await
        .unwrap_or_else(|| panic!("the refusal was logged, redacted:\n{}", stack.log_tail()));

    let issued: Vec<String> =
        stack.http.get(stack.sso.info.picker_url("/__issued")).send().await.unwrap().json().await.unwrap();
    assert!(issued.len() >= 4, "the SSO issued tokens: {}", issued.len());
    // Our own lines (JSON) never carry a path's secret; the dev server's access log is not ours.
    let ours: String = stack.log_text().lines().filter(|l| l.contains('{')).collect::<Vec<_>>().join("\n");
    assert!(!ours.contains("SECRETPATHCODE"), "a path's secret reached our log");
    let log = stack.log_text();
    for secret in
        issued.iter().map(String::as_str).chain([user.session.as_str(), user.csrf.as_str(), secret_code])
    {
        // The end of each: a JWT's start is its common header.
        let piece = &secret[secret.len().saturating_sub(24)..];
        assert!(!log.contains(piece), "a secret reached the log: {piece}");
    }
}
