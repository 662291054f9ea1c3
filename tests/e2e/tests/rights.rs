//! End-to-end: site admins are accounts (a sold admin character gives its buyer nothing), admins
//! grant, revoke and ban, and an ended session closes its sockets everywhere.

// Wall-clock deadlines of the harness are not domain time.
#![allow(clippy::disallowed_methods)]

use e2e::api::{connect_socket, Socket, User};
use e2e::login::{authorize, callback, login_as, set_cookie, Pilot, LOGIN_COOKIE, SESSION_COOKIE};
use e2e::Stack;
use reqwest::header::{ACCEPT, COOKIE};
use serde_json::{json, Value};
use std::time::Duration;

const ADMIN: Pilot = Pilot { id: 9000, name: "Admin", owner: "owner-admin" };

/// Waits for the server to close the socket; returns the close code.
async fn closed_by_server(socket: &mut Socket, within: Duration) -> Option<u16> {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => return None,
            // Dropped without a close frame.
            Ok(None | Some(Err(_))) => return Some(1006),
            Ok(Some(Ok(Message::Close(frame)))) => return Some(frame.map_or(1005, |f| u16::from(f.code))),
            Ok(Some(Ok(_))) => {}
        }
    }
}

async fn audit_actions(admin: &User<'_>) -> Vec<Value> {
    let (_, audit) = admin.get("/api/admin/audit?limit=200").await;
    audit["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_sold_admin_character_makes_its_buyer_nothing() {
    let stack = Stack::start().await;
    let founder = User::new(&stack, login_as(&stack, &ADMIN).await).await;
    assert_eq!(founder.get("/api/admin/users").await.0, 200);
    // A second admin, granted by the first, to read the log afterwards.
    let deputy_pilot = Pilot { id: 2_112_007_001, name: "Deputy", owner: "owner-deputy" };
    let deputy = User::new(&stack, login_as(&stack, &deputy_pilot).await).await;
    assert_eq!(founder.post(&format!("/api/admin/users/{}/admin", deputy.id), json!({})).await.0, 204);
    assert_eq!(deputy.get("/api/admin/users").await.0, 200);

    // The configured admin character is sold: its buyer logs in with a new owner hash.
    let buyer = User::new(
        &stack,
        login_as(&stack, &Pilot { id: ADMIN.id, name: "Admin", owner: "owner-buyer" }).await,
    )
    .await;
    let (_, me) = buyer.get("/api/users/me").await;
    assert_eq!(me["is_admin"], false, "{me}");
    for path in ["/api/admin/users", "/api/admin/audit"] {
        assert_eq!(buyer.get(path).await.0, 403, "{path}");
    }
    assert_eq!(
        buyer.post(&format!("/api/admin/users/{}/ban", deputy.id), json!({ "reason": "coup" })).await.0,
        403
    );
    let entries = audit_actions(&deputy).await;
    let refused =
        entries.iter().find(|e| e["action"] == "site_admin_refused").expect("the refusal is audited");
    assert_eq!(refused["user_id"], buyer.id.as_str(), "{refused}");
    assert_eq!(refused["character_id"], ADMIN.id);
    // The seller's sessions ended with the transfer.
    assert_eq!(founder.get("/api/users/me").await.0, 401);
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one story: grant, revoke, ban, lift
async fn admins_grant_revoke_and_ban_and_a_ban_ends_everything() {
    let stack = Stack::start().await;
    let admin = User::new(&stack, login_as(&stack, &ADMIN).await).await;
    let bob = User::new(
        &stack,
        login_as(&stack, &Pilot { id: 2_112_007_101, name: "Bob", owner: "owner-b" }).await,
    )
    .await;
    let alice_pilot = Pilot { id: 2_112_007_102, name: "Alice", owner: "owner-a" };
    let alice = User::new(&stack, login_as(&stack, &alice_pilot).await).await;

    // Nobody but a site admin grants; the grant needs the CSRF token; each change is audited.
    assert_eq!(bob.post(&format!("/api/admin/users/{}/admin", bob.id), json!({})).await.0, 403);
    let forged = e2e::login::with_session(
        stack.http.post(stack.url(&format!("/api/admin/users/{}/admin", bob.id))),
        &admin.session,
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(admin.post(&format!("/api/admin/users/{}/admin", bob.id), json!({})).await.0, 204);
    assert_eq!(bob.get("/api/users/me").await.1["is_admin"], true);
    // Bob takes the founder's right; the last admin cannot lose it.
    assert_eq!(bob.delete(&format!("/api/admin/users/{}/admin", admin.id)).await.0, 204);
    assert_eq!(admin.get("/api/admin/users").await.0, 403);
    let (status, body) = bob.delete(&format!("/api/admin/users/{}/admin", bob.id)).await;
    assert_eq!(status, 409, "the last admin: {body}");
    let actions: Vec<String> =
        audit_actions(&bob).await.iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    for action in ["site_admin_granted", "site_admin_revoked"] {
        assert!(actions.contains(&action.to_owned()), "{action}: {actions:?}");
    }

    // Alice is in a group and holds a socket.
    let (_, category) =
        bob.post("/api/groups/categories", json!({ "name": "Ops", "permission": "anyone" })).await;
    let (_, group) = bob
        .post("/api/groups", json!({ "category_id": category["id"], "name": "Fleet", "visibility": "public", "join_mode": "open" }))
        .await;
    let group_path = format!("/api/groups/{}", group["id"].as_str().unwrap());
    assert_eq!(alice.post(&format!("{group_path}/join"), json!({})).await.0, 200);
    let mut socket = alice.socket().await;

    // The ban: a reason is required; her sessions end, her socket closes at once, her logins are
    // refused with a page that says why, and her membership counts for nothing.
    assert_eq!(bob.post(&format!("/api/admin/users/{}/ban", alice.id), json!({ "reason": "" })).await.0, 400);
    assert_eq!(bob.post(&format!("/api/admin/users/{}/ban", bob.id), json!({ "reason": "x" })).await.0, 409);
    assert_eq!(
        bob.post(&format!("/api/admin/users/{}/ban", alice.id), json!({ "reason": "spy" })).await.0,
        204
    );
    assert_eq!(closed_by_server(&mut socket, Duration::from_secs(5)).await, Some(4001), "the socket closed");
    assert_eq!(alice.get("/api/users/me").await.0, 401);
    let (url, cookie) = authorize(&stack, "/api/auth/login/start", None, &alice_pilot).await;
    let refused = stack
        .http
        .get(&url)
        .header(COOKIE, format!("{LOGIN_COOKIE}={cookie}"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    // A browser goes back to the app, which explains the code; an API client gets the error.
    assert_eq!(refused.status().as_u16(), 303);
    assert_eq!(e2e::login::location(&refused), "/?login_error=account_disabled");
    assert!(set_cookie(&refused, SESSION_COOKIE).is_none(), "no session");
    assert_eq!(set_cookie(&refused, LOGIN_COOKIE).as_deref(), Some(""), "the login cookie is cleared");
    let (url, cookie) = authorize(&stack, "/api/auth/login/start", None, &alice_pilot).await;
    let refused = callback(&stack, &url, &format!("{LOGIN_COOKIE}={cookie}")).await;
    assert_eq!(refused.status().as_u16(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "account_disabled");
    assert!(body["message"].as_str().unwrap().contains("This account is disabled"));
    let (_, listed) = bob.get(&group_path).await;
    assert_eq!(listed["member_count"], 1, "suspended: {listed}");
    let (_, detail) = bob.get(&format!("/api/admin/users/{}", alice.id)).await;
    assert_eq!(detail["user"]["disabled"]["reason"], "spy", "{detail}");

    // Lifting the ban restores everything.
    assert_eq!(bob.delete(&format!("/api/admin/users/{}/ban", alice.id)).await.0, 204);
    let again = User::new(&stack, login_as(&stack, &alice_pilot).await).await;
    assert_eq!(again.get(&group_path).await.1["is_member"], true);
    assert_eq!(bob.get(&group_path).await.1["member_count"], 2);
    let actions: Vec<String> =
        audit_actions(&bob).await.iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    for action in ["user_disabled", "login_refused", "user_enabled"] {
        assert!(actions.contains(&action.to_owned()), "{action}: {actions:?}");
    }
}

#[tokio::test]
async fn an_ended_session_closes_its_sockets_and_receives_nothing() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_007_201, name: "Echo", owner: "owner-e" };
    let laptop = User::new(&stack, login_as(&stack, &pilot).await).await;
    let phone = User::new(&stack, login_as(&stack, &pilot).await).await;
    let mut laptop_socket = laptop.socket().await;
    let mut phone_socket = phone.socket().await;
    let mut phone_tab = phone.socket().await;

    // Logging out on the laptop closes its socket, and only its.
    assert_eq!(laptop.post("/api/auth/logout", json!({})).await.0, 204);
    assert_eq!(closed_by_server(&mut laptop_socket, Duration::from_secs(5)).await, Some(4001));
    assert_eq!(connect_socket(&stack, Some(&laptop.session), Some(&stack.base_url)).await.err(), Some(401));

    // Ending the phone's session from the session list closes both of its tabs.
    let (_, sessions) = phone.get("/api/auth/sessions").await;
    let current = sessions["sessions"].as_array().unwrap().iter().find(|s| s["current"] == true).unwrap();
    let other = User::new(&stack, login_as(&stack, &pilot).await).await;
    let path = format!("/api/auth/sessions/{}", current["id"].as_str().unwrap());
    assert_eq!(other.delete(&path).await.0, 204);
    for socket in [&mut phone_socket, &mut phone_tab] {
        assert_eq!(closed_by_server(socket, Duration::from_secs(5)).await, Some(4001));
    }

    // A new login in a browser that had a session ends the old one, and its socket.
    let mut other_socket = other.socket().await;
    let (url, cookie) = authorize(&stack, "/api/auth/login/start", None, &pilot).await;
    let done =
        callback(&stack, &url, &format!("{LOGIN_COOKIE}={cookie}; {SESSION_COOKIE}={}", other.session)).await;
    assert_eq!(done.status().as_u16(), 302);
    assert_eq!(other.get("/api/users/me").await.0, 401, "the old session ended at the new login");
    assert_eq!(closed_by_server(&mut other_socket, Duration::from_secs(5)).await, Some(4001));
}
