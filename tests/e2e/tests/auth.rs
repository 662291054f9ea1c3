//! End-to-end: EVE SSO login against the local SSO peer (a real OAuth 2 server signing RS256 JWTs).

use e2e::login::{
    authorize, callback, location, login_as, me, set_cookie, with_session, Pilot, LOGIN_COOKIE,
    SESSION_COOKIE,
};
use e2e::Stack;
use reqwest::header::COOKIE;
use serde_json::Value;

#[tokio::test]
async fn login_link_an_alt_and_log_out() {
    let stack = Stack::start().await;
    let main = Pilot { id: 2_112_000_001, name: "Alpha", owner: "owner-a" };
    let alt = Pilot { id: 2_112_000_002, name: "Bravo", owner: "owner-a" };

    let (url, login_cookie) =
        authorize(&stack, "/api/auth/login/start?return_to=%2Fgroups%3Ftab%3Dmine", None, &main).await;
    let done = callback(&stack, &url, &format!("{LOGIN_COOKIE}={login_cookie}")).await;
    assert_eq!(done.status().as_u16(), 302, "{:?}", done.text().await);
    assert_eq!(location(&done), "/groups?tab=mine", "back to a clean same-origin URL, without the code");
    assert_eq!(done.headers()["referrer-policy"], "no-referrer");
    assert_eq!(set_cookie(&done, LOGIN_COOKIE).as_deref(), Some(""), "the login cookie is cleared");
    let session = set_cookie(&done, SESSION_COOKIE).expect("session cookie");
    assert_eq!(session.len(), 22, "128-bit token");

    let (status, body) = me(&stack, &session).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["primary_character_id"], main.id);
    assert_eq!(body["user"]["characters"][0]["name"], "Alpha");
    // The login's tokens went, encrypted, to the character's token store object.
    assert_eq!(body["user"]["characters"][0]["token"]["status"], "valid", "{body}");
    assert_eq!(body["user"]["characters"][0]["token"]["scopes"][0], "publicData", "{body}");
    assert_eq!(body["is_admin"], false);
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();

    // The same callback again: the state was single use.
    let replay = callback(&stack, &url, &format!("{LOGIN_COOKIE}={login_cookie}")).await;
    assert_eq!(replay.status().as_u16(), 400);
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["error"], "invalid_state");

    // Link an alt from the logged-in session.
    let (url, login_cookie) = authorize(&stack, "/api/auth/character/start", Some(&session), &alt).await;
    let linked =
        callback(&stack, &url, &format!("{LOGIN_COOKIE}={login_cookie}; {SESSION_COOKIE}={session}")).await;
    assert_eq!(linked.status().as_u16(), 302);
    assert_eq!(location(&linked), "/");
    let (_, body) = me(&stack, &session).await;
    let characters: Vec<i64> =
        body["user"]["characters"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(characters, vec![main.id, alt.id]);

    // Logging out needs the CSRF token, then the session is gone.
    let cookie = format!("{SESSION_COOKIE}={session}");
    let forged = stack.http.post(stack.url("/api/auth/logout")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let out = stack
        .http
        .post(stack.url("/api/auth/logout"))
        .header(COOKIE, &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 204);
    assert_eq!(set_cookie(&out, SESSION_COOKIE).as_deref(), Some(""));
    let (status, body) = me(&stack, &session).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")));
}

#[tokio::test]
async fn foreign_state_open_redirect_and_missing_session_are_refused() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_000_101, name: "Charlie", owner: "owner-c" };

    // A state started in another browser (its login cookie is not ours).
    let (url, _their_cookie) = authorize(&stack, "/api/auth/login/start", None, &pilot).await;
    let foreign = callback(&stack, &url, &format!("{LOGIN_COOKIE}=another-browser-nonce")).await;
    assert_eq!(foreign.status().as_u16(), 400);
    assert!(set_cookie(&foreign, SESSION_COOKIE).is_none(), "no session created");

    // A hostile return_to is dropped: the login lands on /.
    let (url, cookie) =
        authorize(&stack, "/api/auth/login/start?return_to=%2F%2Fevil.example%2Fphish", None, &pilot).await;
    let done = callback(&stack, &url, &format!("{LOGIN_COOKIE}={cookie}")).await;
    assert_eq!(done.status().as_u16(), 302);
    assert_eq!(location(&done), "/");

    // Linking needs a session.
    let resp = stack.http.get(stack.url("/api/auth/character/start")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let (status, _) = me(&stack, "AAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn sessions_and_the_primary_character() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_000_201, name: "Delta", owner: "owner-d" };
    let alt = Pilot { id: 2_112_000_202, name: "Echo", owner: "owner-d" };
    let laptop = login_as(&stack, &pilot).await;
    let phone = login_as(&stack, &pilot).await;
    assert_ne!(laptop, phone, "a new session at every login");
    let (_, body) = me(&stack, &laptop).await;
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();

    // The session list marks the current one; ending the other one logs that browser out.
    let list: Value = with_session(stack.http.get(stack.url("/api/auth/sessions")), &laptop, None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{list}");
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    let end = with_session(
        stack.http.delete(stack.url(&format!("/api/auth/sessions/{other}"))),
        &laptop,
        Some(&csrf),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(end.status().as_u16(), 204);
    assert_eq!(me(&stack, &phone).await.0, 401);
    assert_eq!(me(&stack, &laptop).await.0, 200);
    let again = with_session(
        stack.http.delete(stack.url(&format!("/api/auth/sessions/{other}"))),
        &laptop,
        Some(&csrf),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(again.status().as_u16(), 404);

    // Link an alt, then make it the primary; bad bodies get clear errors.
    let (url, cookie) = authorize(&stack, "/api/auth/character/start", Some(&laptop), &alt).await;
    assert_eq!(
        callback(&stack, &url, &format!("{LOGIN_COOKIE}={cookie}; {SESSION_COOKIE}={laptop}"))
            .await
            .status()
            .as_u16(),
        302
    );
    let primary = |body: &'static str| {
        with_session(stack.http.post(stack.url("/api/users/me/primary")), &laptop, Some(&csrf))
            .header("content-type", "application/json")
            .body(body)
    };
    assert_eq!(primary(r#"{"character_id": 2112000202}"#).send().await.unwrap().status().as_u16(), 204);
    assert_eq!(me(&stack, &laptop).await.1["user"]["primary_character_id"], alt.id);
    let wrong = primary(r#"{"character_id": "Echo"}"#).send().await.unwrap();
    assert_eq!(wrong.status().as_u16(), 400);
    let wrong: Value = wrong.json().await.unwrap();
    assert!(wrong["message"].as_str().unwrap().contains("character_id"), "{wrong}");
    assert_eq!(primary(r#"{"character_id": 1}"#).send().await.unwrap().status().as_u16(), 404);
}

#[tokio::test]
async fn site_admins_list_users_read_the_audit_log_and_end_sessions() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_000_301, name: "Foxtrot", owner: "owner-f" };
    let laptop = login_as(&stack, &pilot).await;

    // Only site admins (character 9000 in this stack's configuration) reach the admin API.
    let forbidden =
        with_session(stack.http.get(stack.url("/api/admin/users")), &laptop, None).send().await.unwrap();
    assert_eq!(forbidden.status().as_u16(), 403);
    let admin = login_as(&stack, &Pilot { id: 9000, name: "Admin", owner: "owner-admin" }).await;
    let (_, admin_me) = me(&stack, &admin).await;
    assert_eq!(admin_me["is_admin"], true);
    let admin_csrf = admin_me["csrf_token"].as_str().unwrap().to_owned();
    let users: Value = with_session(stack.http.get(stack.url("/api/admin/users?limit=10")), &admin, None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users["users"].as_array().unwrap().len(), 2, "{users}");
    let audit: Value = with_session(stack.http.get(stack.url("/api/admin/audit?limit=1")), &admin, None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["entries"].as_array().unwrap().len(), 1);
    assert_eq!(
        audit["entries"][0]["action"], "site_admin_granted",
        "the admin's first login bootstrapped it: {audit}"
    );
    let before = audit["next_before_id"].as_i64().expect("more pages");
    let older: Value = with_session(
        stack.http.get(stack.url(&format!("/api/admin/audit?limit=50&before_id={before}"))),
        &admin,
        None,
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let actions: Vec<&str> =
        older["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["login", "login"], "the admin's login, then the pilot's");
    let bad = with_session(stack.http.get(stack.url("/api/admin/audit?limit=9999")), &admin, None)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);

    // An admin ends the pilot's session.
    let pilot_user =
        users["users"].as_array().unwrap().iter().find(|u| u["primary_character_id"] == pilot.id).unwrap()
            ["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let detail: Value =
        with_session(stack.http.get(stack.url(&format!("/api/admin/users/{pilot_user}"))), &admin, None)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let session_id = detail["sessions"][0]["id"].as_str().unwrap().to_owned();
    let ended = with_session(
        stack.http.delete(stack.url(&format!("/api/admin/sessions/{session_id}"))),
        &admin,
        Some(&admin_csrf),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(ended.status().as_u16(), 204);
    assert_eq!(me(&stack, &laptop).await.0, 401);
}

#[tokio::test]
async fn a_sold_character_moves_to_its_buyer_and_the_seller_is_logged_out() {
    let stack = Stack::start().await;
    let seller_main = Pilot { id: 2_112_000_401, name: "Golf", owner: "owner-seller" };
    let sold = Pilot { id: 2_112_000_402, name: "Hotel", owner: "owner-seller" };
    let seller = login_as(&stack, &seller_main).await;
    let (url, cookie) = authorize(&stack, "/api/auth/character/start", Some(&seller), &sold).await;
    let linked = callback(&stack, &url, &format!("{LOGIN_COOKIE}={cookie}; {SESSION_COOKIE}={seller}")).await;
    assert_eq!(linked.status().as_u16(), 302);
    assert_eq!(me(&stack, &seller).await.1["user"]["characters"].as_array().unwrap().len(), 2);

    // The buyer logs in with the same character: EVE SSO now reports another owner hash.
    let buyer = login_as(&stack, &Pilot { id: sold.id, name: "Hotel", owner: "owner-buyer" }).await;
    let (status, body) = me(&stack, &buyer).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["primary_character_id"], sold.id, "the buyer's new account holds the character");

    // The seller's sessions ended; logging in again shows the account without the sold character.
    assert_eq!(me(&stack, &seller).await.0, 401);
    let seller_again = login_as(&stack, &seller_main).await;
    let (_, body) = me(&stack, &seller_again).await;
    let ids: Vec<i64> =
        body["user"]["characters"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![seller_main.id]);

    // The audit log recorded the transfer.
    let admin = login_as(&stack, &Pilot { id: 9000, name: "Admin", owner: "owner-admin" }).await;
    let audit: Value = stack
        .http
        .get(stack.url("/api/admin/audit?limit=50"))
        .header(COOKIE, format!("{SESSION_COOKIE}={admin}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let transfer = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "character_transferred")
        .expect("transfer entry");
    assert_eq!(transfer["character_id"], sold.id);
    assert_eq!(transfer["detail"]["sessions_ended"], 1);
}

#[tokio::test]
async fn twenty_concurrent_token_requests_make_one_refresh_call() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_000_501, name: "India", owner: "owner-i" };
    let session = login_as(&stack, &pilot).await;
    let (_, body) = me(&stack, &session).await;
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let stats = || async {
        stack.http.get(&stack.sso.info.stats_url).send().await.unwrap().json::<Value>().await.unwrap()
    };
    assert_eq!(stats().await["refresh_grants"], 0);

    // The login's access token lives 50 s, under the store's one-minute margin: the first request
    // needs a refresh, the twenty concurrent ones must share it, and the refreshed token serves the rest.
    let url = stack.url(&format!("/api/users/me/characters/{}/token-check", pilot.id));
    let requests = (0..20).map(|_| with_session(stack.http.post(&url), &session, Some(&csrf)).send());
    let responses = futures::future::join_all(requests).await;
    for response in responses {
        let response = response.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{:?}", response.text().await);
    }
    assert_eq!(stats().await["refresh_grants"], 1, "exactly one call to the token endpoint");

    // Someone else's character is refused.
    let other = with_session(
        stack.http.post(stack.url("/api/users/me/characters/1/token-check")),
        &session,
        Some(&csrf),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(other.status().as_u16(), 404);
}
