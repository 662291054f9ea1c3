//! End-to-end: the token store's life cycle: unlinking revokes at the SSO, a refresh finds a sold
//! character, alarms refresh ahead of time, key rotation re-encrypts every token, and a restart in
//! the middle of a refresh keeps the rotated refresh token.

use e2e::login::{
    authorize_with_scopes, callback, login_as, login_with_scopes, me, with_session, Pilot, LOGIN_COOKIE,
    SESSION_COOKIE,
};
use e2e::{new_vault_key, repo_root, Stack, OPERATOR_TOKEN};
use reqwest::header::COOKIE;
use serde_json::Value;
use std::time::Duration;

async fn stats(stack: &Stack) -> Value {
    stack.http.get(&stack.sso.info.stats_url).send().await.unwrap().json().await.unwrap()
}

async fn csrf(stack: &Stack, session: &str) -> String {
    me(stack, session).await.1["csrf_token"].as_str().expect("csrf token").to_owned()
}

async fn link(stack: &Stack, session: &str, pilot: &Pilot) {
    link_with_scopes(stack, session, pilot, None).await;
}

async fn link_with_scopes(stack: &Stack, session: &str, pilot: &Pilot, scopes: Option<&str>) {
    let start = "/api/auth/character/start";
    let (url, cookie) = authorize_with_scopes(stack, start, Some(session), pilot, scopes).await;
    let linked = callback(stack, &url, &format!("{LOGIN_COOKIE}={cookie}; {SESSION_COOKIE}={session}")).await;
    assert_eq!(linked.status().as_u16(), 302);
}

async fn token_check(stack: &Stack, session: &str, csrf: &str, character: i64) -> (u16, Value) {
    let url = stack.url(&format!("/api/users/me/characters/{character}/token-check"));
    let resp = with_session(stack.http.post(url), session, Some(csrf)).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn character_ids(me: &Value) -> Vec<i64> {
    me["user"]["characters"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn unlinking_revokes_at_the_sso_and_a_refresh_finds_a_sold_character() {
    let stack = Stack::start().await;
    let main = Pilot { id: 2_112_000_601, name: "Juliet", owner: "owner-j" };
    let alt = Pilot { id: 2_112_000_602, name: "Kilo", owner: "owner-j" };
    let sold = Pilot { id: 2_112_000_603, name: "Lima", owner: "owner-j" };
    let session = login_as(&stack, &main).await;
    link(&stack, &session, &alt).await;
    // Public data only: its background sync never needs a token, so the first refresh is the
    // token check after the sale.
    link_with_scopes(&stack, &session, &sold, Some("publicData")).await;
    let csrf = csrf(&stack, &session).await;
    let unlink = |id: i64, csrf: Option<&str>| {
        with_session(stack.http.delete(stack.url(&format!("/api/users/me/characters/{id}"))), &session, csrf)
            .send()
    };

    // Unlinking needs the CSRF token, refuses other people's characters, and revokes first.
    assert_eq!(unlink(alt.id, None).await.unwrap().status().as_u16(), 403);
    assert_eq!(unlink(1, Some(&csrf)).await.unwrap().status().as_u16(), 404);
    assert_eq!(stats(&stack).await["revocations"], 0);
    assert_eq!(unlink(alt.id, Some(&csrf)).await.unwrap().status().as_u16(), 204);
    assert_eq!(stats(&stack).await["revocations"], 1, "the refresh token was revoked at the SSO");
    assert_eq!(character_ids(&me(&stack, &session).await.1), vec![main.id, sold.id]);
    let (status, body) = token_check(&stack, &session, &csrf, alt.id).await;
    assert_eq!(status, 404, "{body}");

    // The third character is sold: the next refresh shows the buyer's owner hash.
    let sell = format!("{}?character_id={}&owner=owner-buyer", stack.sso.info.sell_url, sold.id);
    assert_eq!(stack.http.post(sell).send().await.unwrap().status().as_u16(), 200);
    let (status, body) = token_check(&stack, &session, &csrf, sold.id).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(me(&stack, &session).await.0, 401, "the seller's sessions ended");
    let again = login_as(&stack, &main).await;
    let (_, body) = me(&stack, &again).await;
    assert_eq!(character_ids(&body), vec![main.id], "the sold character left the account");

    // The last character cannot be unlinked.
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let last = with_session(
        stack.http.delete(stack.url(&format!("/api/users/me/characters/{}", main.id))),
        &again,
        Some(&csrf),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(last.status().as_u16(), 409);

    // The buyer claims the character with a login of their own.
    let buyer = login_as(&stack, &Pilot { id: sold.id, name: "Lima", owner: "owner-buyer" }).await;
    assert_eq!(me(&stack, &buyer).await.1["user"]["primary_character_id"], sold.id);
    let admin = login_as(&stack, &Pilot { id: 9000, name: "Admin", owner: "owner-admin" }).await;
    let audit: Value = stack
        .http
        .get(stack.url("/api/admin/audit?limit=100"))
        .header(COOKIE, format!("{SESSION_COOKIE}={admin}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<(&str, i64)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["character_id"].as_i64().unwrap_or(0)))
        .collect();
    assert!(actions.contains(&("character_unlinked", alt.id)), "{actions:?}");
    assert!(actions.contains(&("character_transferred", sold.id)), "{actions:?}");
}

#[tokio::test]
async fn an_alarm_refreshes_a_sync_token_before_it_expires_without_any_request() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_000_701, name: "Mike", owner: "owner-m" };
    // ESI scopes mean background sync needs the token; the login's token expires in 50 s, inside
    // the two-minute lead, so the alarm armed by the login refreshes it at once.
    let session =
        login_with_scopes(&stack, &pilot, Some("publicData esi-wallet.read_character_wallet.v1")).await;
    let mut refreshed = false;
    for _ in 0..60 {
        if stats(&stack).await["refresh_grants"] == 1 {
            refreshed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(refreshed, "no proactive refresh: {} {}", stats(&stack).await, me(&stack, &session).await.1);
    let (_, body) = me(&stack, &session).await;
    let token = &body["user"]["characters"][0]["token"];
    assert_eq!(token["status"], "valid", "{body}");
    let expires = token["access_expires_at_ms"].as_i64().unwrap();
    let now = i64::try_from(std::time::SystemTime::UNIX_EPOCH.elapsed().unwrap().as_millis()).unwrap();
    assert!(expires - now > 15 * 60_000, "the refreshed token lives 20 minutes: {token}");
    // The re-armed alarm waits for the new expiry: no second refresh.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(stats(&stack).await["refresh_grants"], 1);
}

async fn rotate_key(stack: &Stack) -> Value {
    let output = tokio::process::Command::new(repo_root().join("scripts/node22"))
        .arg(repo_root().join("scripts/rotate-key.mjs"))
        .arg(&stack.base_url)
        .env("OPERATOR_TOKEN", OPERATOR_TOKEN)
        .output()
        .await
        .expect("running rotate-key");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("totals")
}

#[tokio::test]
async fn key_rotation_reseals_every_token_so_the_old_key_can_go() {
    let mut stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_000_801, name: "November", owner: "owner-n" };
    // Without the roles scope nothing refreshes these tokens (under whichever key) on its own.
    let session = login_with_scopes(&stack, &pilot, Some("publicData")).await;
    let csrf = csrf(&stack, &session).await;
    login_with_scopes(
        &stack,
        &Pilot { id: 2_112_000_802, name: "Oscar", owner: "owner-o" },
        Some("publicData"),
    )
    .await;

    // Without the operator token the endpoint refuses.
    let anonymous = stack.http.post(stack.url("/api/ops/vault/reseal")).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    // Step 1: a new primary key (the highest id) beside the old one.
    let old = stack.vault_keys.clone();
    let new_key = new_vault_key();
    stack.vault_keys = format!("{old},2:{new_key}");
    stack.restart().await;
    // Step 2: reseal; running it again changes nothing.
    assert_eq!(rotate_key(&stack).await, serde_json::json!({ "checked": 2, "resealed": 2, "failed": 0 }));
    assert_eq!(rotate_key(&stack).await, serde_json::json!({ "checked": 2, "resealed": 0, "failed": 0 }));
    // Step 3: the old key goes; every token still opens.
    stack.vault_keys = format!("2:{new_key}");
    stack.restart().await;
    // The token check decrypts the stored token (and refreshes it: the login's lived 50 s).
    let (status, body) = token_check(&stack, &session, &csrf, pilot.id).await;
    assert_eq!(status, 200, "the resealed token opens with the new key alone: {body}");
}

#[tokio::test]
async fn a_restart_while_a_refresh_waits_for_the_keys_keeps_the_rotated_refresh_token() {
    #![allow(clippy::disallowed_methods)] // the harness's own deadline
    let mut stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_000_901, name: "Quebec", owner: "owner-q" };
    // No data scopes: nothing uses the login's token (it lives 50 s) until the check below.
    let session = login_with_scopes(&stack, &pilot, Some("publicData")).await;
    let csrf = csrf(&stack, &session).await;

    // The SSO rotates refresh tokens: the one used stops working. Its keys now answer late, so the
    // token store's verification of the refreshed token waits while the stack is restarted.
    let delay = stack.sso.info.picker_url("/__jwks_delay");
    stack.http.post(format!("{delay}?ms=60000")).send().await.unwrap();
    let check = {
        let (http, url) =
            (stack.http.clone(), stack.url(&format!("/api/users/me/characters/{}/token-check", pilot.id)));
        let (session, csrf) = (session.clone(), csrf.clone());
        tokio::spawn(async move { with_session(http.post(url), &session, Some(&csrf)).send().await })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while stats(&stack).await["refresh_grants"] != 1 {
        assert!(std::time::Instant::now() < deadline, "the refresh never reached the SSO");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The refresh answered; the verification waits for the keys. Restart now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stack.restart().await;
    check.abort();
    stack.http.post(format!("{delay}?ms=0")).send().await.unwrap();

    // The rotated refresh token was stored before the wait: the next refresh uses it and works.
    let (status, body) = token_check(&stack, &session, &csrf, pilot.id).await;
    assert_eq!(status, 200, "the rotated refresh token survived the restart: {body}");
    assert_eq!(stats(&stack).await["refresh_grants"], 2);
}
