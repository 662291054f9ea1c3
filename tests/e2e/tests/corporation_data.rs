//! End-to-end: corporation rights come from in-game roles read from ESI with each character's own
//! token; corporation data syncs through registered directors, with failover on lost roles only.

// Wall-clock deadlines of the harness are not domain time.
#![allow(clippy::disallowed_methods)]

use e2e::api::User;
use e2e::login::{grant, login_as, login_with_scopes, Pilot};
use e2e::Stack;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const CORP: i64 = 98_000_200;
const ELSEWHERE: i64 = 98_000_299;
/// What a login grants plus the corporation scopes: a director's token after its grant step.
const DIRECTOR_SCOPES: &str = "publicData esi-characters.read_corporation_roles.v1 \
    esi-corporations.read_corporation_membership.v1 esi-corporations.track_members.v1 \
    esi-wallet.read_corporation_wallets.v1 esi-assets.read_corporation_assets.v1 \
    esi-corporations.read_structures.v1 esi-markets.read_corporation_orders.v1";
/// Every route of a corporation, as (method, path suffix).
const CORPORATION_ROUTES: [(&str, &str); 12] = [
    ("GET", ""),
    ("PATCH", ""),
    ("GET", "/members"),
    ("GET", "/data/member_tracking"),
    ("GET", "/data/wallets"),
    ("GET", "/data/wallet_journal"),
    ("GET", "/data/assets"),
    ("GET", "/data/structures"),
    ("GET", "/data/orders"),
    ("GET", "/wallets/history"),
    ("POST", "/sync"),
    ("DELETE", "/directors/2112004002"),
];

/// Waits until the character's roles were read from ESI (the login starts its sync).
async fn wait_for_roles(user: &User<'_>, character: i64) {
    user.wait_for_sync(character, &[("public", &["ok", "unchanged"]), ("roles", &["ok", "unchanged"])]).await;
}

fn director(corp: &Value, id: i64) -> &Value {
    corp["directors"].as_array().unwrap().iter().find(|d| d["character_id"] == id).unwrap()
}

async fn call(user: &User<'_>, method: &str, path: &str) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let body = (method != reqwest::Method::GET).then(|| json!({}));
    user.call(method, path, body).await
}

async fn configure(stack: &Stack, characters: &[i64], members: &[i64], ceo: i64) {
    let characters: serde_json::Map<String, Value> =
        characters.iter().map(|c| (c.to_string(), json!({ "corporation_id": CORP }))).collect();
    stack
        .esi
        .control(
            &stack.http,
            "/__config",
            json!({
                "cache_seconds": 1,
                "characters": characters,
                "corporations": { CORP.to_string(): { "members": members, "ceo_id": ceo, "name": "Blue Fleet", "ticker": "BLUE" } },
            }),
        )
        .await;
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one story: who may, who may not, and how it changes
async fn corporation_rights_come_from_roles_read_from_esi_and_end_with_them() {
    let stack = Stack::start().await;
    let (a, b, c, d) = (2_112_004_001_i64, 2_112_004_002_i64, 2_112_004_003_i64, 2_112_004_004_i64);
    configure(&stack, &[a, b, c, d], &[a, b, c, d, 2_112_004_099], d).await;
    for director in [b, c] {
        stack
            .esi
            .control(&stack.http, "/__roles", json!({ "character_id": director, "roles": ["Director"] }))
            .await;
    }
    let alice_pilot = Pilot { id: a, name: "Alice", owner: "owner-a" };
    let bob_pilot = Pilot { id: b, name: "Bob", owner: "owner-b" };
    // Alice has no role, but she granted the corporation scopes: nothing about that makes her an admin.
    let alice = User::new(&stack, login_with_scopes(&stack, &alice_pilot, Some(DIRECTOR_SCOPES)).await).await;
    let bob = User::new(&stack, login_as(&stack, &bob_pilot).await).await;
    let carol = User::new(
        &stack,
        login_with_scopes(&stack, &Pilot { id: c, name: "Carol", owner: "owner-c" }, Some(DIRECTOR_SCOPES))
            .await,
    )
    .await;
    let dave =
        User::new(&stack, login_as(&stack, &Pilot { id: d, name: "Dave", owner: "owner-d" }).await).await;
    for (user, id) in [(&alice, a), (&bob, b), (&carol, c), (&dave, d)] {
        wait_for_roles(user, id).await;
    }

    // Bob's login, holding Director, registered the corporation with its name from ESI.
    let (_, listing) = alice.get("/api/corporations").await;
    let corp =
        listing["corporations"].as_array().unwrap().iter().find(|c| c["corporation_id"] == CORP).unwrap();
    assert_eq!(
        (corp["name"].as_str(), corp["ticker"].as_str()),
        (Some("Blue Fleet"), Some("BLUE")),
        "{listing}"
    );
    assert_eq!(corp["managed"]["registered_via"], "director_login", "{listing}");
    assert_eq!(corp["is_admin"], false, "{listing}");
    assert_eq!(corp["my_characters"][0]["name"], "Alice", "{listing}");

    // Alice, a member without a role, gets 403 on every corporation route, and cannot make herself
    // a director (the critical hole: she could before).
    let base = format!("/api/corporations/{CORP}");
    for (method, suffix) in CORPORATION_ROUTES {
        let (status, body) = call(&alice, method, &format!("{base}{suffix}")).await;
        assert_eq!(status, 403, "{method} {suffix}: {body}");
    }
    let (status, body) = alice.post(&format!("{base}/directors"), json!({ "character_id": a })).await;
    assert_eq!(status, 403, "a character without the Director role is no director: {body}");
    let (status, _) = alice.post(&format!("{base}/directors"), json!({ "character_id": b })).await;
    assert_eq!(status, 404, "nor someone else's character");

    // The CEO (from ESI's ceo_id) and a Director are admins.
    assert_eq!(dave.get(&base).await.0, 200);
    let (status, overview) = bob.get(&base).await;
    assert_eq!(status, 200, "{overview}");
    assert_eq!(overview["corporation"]["name"], "Blue Fleet");

    // Bob registers his character: first without the corporation scopes (refused with the reason),
    // then after the grant step, which asks for exactly the login's and the corporation's scopes.
    let (status, body) = bob.post(&format!("{base}/directors"), json!({ "character_id": b })).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("missing_scopes")), "{body}");
    let (asked, done) = grant(&stack, &bob.session, &bob_pilot, "corporation_data").await;
    assert_eq!(done.status().as_u16(), 302, "{:?}", done.text().await);
    let mut wanted: Vec<&str> = DIRECTOR_SCOPES.split_whitespace().collect();
    wanted.sort_unstable();
    let mut asked: Vec<&str> = asked.iter().map(String::as_str).collect();
    asked.sort_unstable();
    assert_eq!(asked, wanted, "the grant asks for the login's scopes and the corporation's, nothing else");
    assert_eq!(
        bob.post(&format!("{base}/directors"), json!({ "character_id": b, "priority": 1 })).await.0,
        204
    );
    assert_eq!(
        carol.post(&format!("{base}/directors"), json!({ "character_id": c, "priority": 2 })).await.0,
        204
    );

    // The data syncs through the directors; admins read it, Alice still reads nothing.
    let (status, report) = bob.post(&format!("{base}/sync"), json!({})).await;
    assert_eq!(status, 200, "{report}");
    assert!(report["datasets"].as_array().unwrap().iter().all(|d| d["status"] == "ok"), "{report}");
    let (_, wallets) = dave.get(&format!("{base}/data/wallets")).await;
    assert_eq!(wallets["rows"][0]["balance"], "1000000.50", "ISK as exact decimal strings: {wallets}");
    assert_eq!(alice.get(&format!("{base}/data/wallets")).await.0, 403);
    let (_, history) = dave.get(&format!("{base}/wallets/history")).await;
    let divisions = history["divisions"].as_array().unwrap();
    assert!(
        !divisions.is_empty() && divisions.iter().all(|d| !d["points"].as_array().unwrap().is_empty()),
        "a line per division with journal entries: {history}"
    );
    assert_eq!(alice.delete(&format!("{base}/directors/{b}")).await.0, 403, "members remove no director");

    // Every member, with whether they are on the hub, their main, join date and last login.
    let (_, members) = bob.get(&format!("{base}/members")).await;
    assert_eq!(members["total"], 5, "{members}");
    let rows = members["members"].as_array().unwrap();
    let stranger = rows.iter().find(|m| m["character_id"] == 2_112_004_099_i64).unwrap();
    assert_eq!(
        (stranger["has_account"].as_bool(), stranger["main_character_name"].is_null()),
        (Some(false), true)
    );
    let on_hub = rows.iter().find(|m| m["character_id"] == a).unwrap();
    assert_eq!(
        (on_hub["has_account"].as_bool(), on_hub["main_character_name"].as_str()),
        (Some(true), Some("Alice"))
    );
    assert!(on_hub["joined_at_ms"].is_i64() && on_hub["last_login_at_ms"].is_i64(), "{on_hub}");

    // Carol loses the role in game: her next sync reads it, and the next corporation sync takes
    // her director out of rotation, telling her and the admins why.
    stack.esi.control(&stack.http, "/__roles", json!({ "character_id": c, "roles": [] })).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(carol.post(&format!("/api/characters/{c}/sync"), json!({})).await.0, 200);
    assert_eq!(carol.get(&base).await.0, 403, "no role, no admin");
    let (_, report) = bob.post(&format!("{base}/sync"), json!({})).await;
    assert!(
        report["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "unchanged" && d["message"].is_null()),
        "{report}"
    );
    let (_, overview) = bob.get(&base).await;
    assert!(overview["directors"].as_array().unwrap().iter().all(|d| d["character_id"] != c), "{overview}");
    for user in [&carol, &bob] {
        let (_, notifications) = user.get("/api/notifications").await;
        assert!(
            notifications["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["kind"] == "director_removed"),
            "{notifications}"
        );
    }

    // Bob leaves the corporation: his next sync shows it, and what the role gave him is gone.
    stack
        .esi
        .control(
            &stack.http,
            "/__config",
            json!({ "characters": { b.to_string(): { "corporation_id": ELSEWHERE } } }),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(bob.post(&format!("/api/characters/{b}/sync"), json!({})).await.0, 200);
    for (method, suffix) in CORPORATION_ROUTES {
        let (status, body) = call(&bob, method, &format!("{base}{suffix}")).await;
        assert_eq!(status, 403, "{method} {suffix} after leaving: {body}");
    }
    let (_, report) = dave.post(&format!("{base}/sync"), json!({})).await;
    assert!(report["datasets"].as_array().unwrap().iter().all(|d| d["status"] == "no_director"), "{report}");

    // The audit log records both removals with their reasons.
    let admin =
        User::new(&stack, login_as(&stack, &Pilot { id: 9000, name: "Admin", owner: "owner-admin" }).await)
            .await;
    let (_, audit) = admin.get("/api/admin/audit?limit=200").await;
    let removals: Vec<String> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "director_removed")
        .map(|e| e["detail"]["reason"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(removals.iter().any(|r| r.contains("no longer holds the Director role")), "{removals:?}");
    assert!(removals.iter().any(|r| r.contains("left the corporation")), "{removals:?}");
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one story: failover, storm, breaker, recovery
async fn a_director_that_lost_its_role_fails_over_storms_do_not_and_recovery_is_recorded() {
    let stack = Stack::start().await;
    let (a, b) = (2_112_005_001_i64, 2_112_005_002_i64);
    configure(&stack, &[a, b], &[a, b, 2_112_005_003_i64], 3_000_001).await;
    for character in [a, b] {
        stack
            .esi
            .control(&stack.http, "/__roles", json!({ "character_id": character, "roles": ["Director"] }))
            .await;
    }
    let alice = User::new(
        &stack,
        login_with_scopes(&stack, &Pilot { id: a, name: "Alice", owner: "owner-a" }, Some(DIRECTOR_SCOPES))
            .await,
    )
    .await;
    let bob = User::new(
        &stack,
        login_with_scopes(&stack, &Pilot { id: b, name: "Bob", owner: "owner-b" }, Some(DIRECTOR_SCOPES))
            .await,
    )
    .await;
    wait_for_roles(&alice, a).await;
    wait_for_roles(&bob, b).await;
    let base = format!("/api/corporations/{CORP}");
    assert_eq!(
        alice.post(&format!("{base}/directors"), json!({ "character_id": a, "priority": 1 })).await.0,
        204
    );
    assert_eq!(
        bob.post(&format!("{base}/directors"), json!({ "character_id": b, "priority": 2 })).await.0,
        204
    );

    // Alice's character loses its role in game; ESI refuses her token (403) before the hub has read
    // her new roles: every dataset fails over to Bob's, and after three failures in a row Alice's
    // director is unhealthy and no longer tried first.
    stack.esi.control(&stack.http, "/__roles", json!({ "character_id": a, "roles": [] })).await;
    let (status, report) = bob.post(&format!("{base}/sync"), json!({})).await;
    assert_eq!(status, 200, "{report}");
    let runs = report["datasets"].as_array().unwrap();
    assert_eq!(runs.len(), 7, "{report}");
    assert!(runs.iter().all(|d| d["status"] == "ok"), "{report}");
    assert!(runs[0]["message"].as_str().unwrap().contains(&format!("failed over from {a}")), "{report}");
    assert!(runs[6]["message"].is_null(), "the unhealthy director is no longer tried first: {report}");
    let (_, corp) = bob.get(&base).await;
    assert_eq!(
        (director(&corp, a)["consecutive_failures"].as_i64(), director(&corp, a)["healthy"].as_bool()),
        (Some(3), Some(false))
    );
    assert_eq!(director(&corp, b)["healthy"], true);

    // A storm of 503s pauses the datasets it hits; nobody fails over, nobody is blamed.
    stack
        .esi
        .control(
            &stack.http,
            "/__fail",
            json!({ "path": format!("/corporations/{CORP}/"), "status": 503, "count": 8 }),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (_, report) = bob.post(&format!("{base}/sync"), json!({})).await;
    let paused = report["datasets"].as_array().unwrap().iter().filter(|d| d["status"] == "paused").count();
    assert!(paused >= 1, "{report}");
    let (_, after) = bob.get(&base).await;
    assert_eq!(director(&after, a)["consecutive_failures"], 3, "{after}");
    assert_eq!(director(&after, b)["consecutive_failures"], 0, "{after}");
    let peer = stack.esi.stats(&stack.http).await;
    assert!(
        peer["error_limit_remain"].as_i64().unwrap() > 50,
        "the storm stayed far from the error limit: {peer}"
    );

    // ESI answers 420 (the deployment's error budget is gone): the breaker stops every call until the
    // reset after the first 420, and still nobody fails over.
    stack.esi.control(&stack.http, "/__error_limit", json!({ "remain": 0, "reset_seconds": 3 })).await;
    stack.esi.control(&stack.http, "/__reset_stats", json!({})).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (_, report) = bob.post(&format!("{base}/sync"), json!({})).await;
    assert!(report["datasets"].as_array().unwrap().iter().all(|d| d["status"] == "paused"), "{report}");
    let peer = stack.esi.stats(&stack.http).await;
    assert_eq!(peer["error_limited"], 1, "one 420, then the breaker held every other call: {peer}");
    let (_, after) = bob.get(&base).await;
    assert_eq!(director(&after, b)["consecutive_failures"], 0, "{after}");
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Roles move back: Alice's role returns, Bob's goes. The sync fails over from Bob to Alice (the
    // unhealthy director is the last resort) and records Alice's recovery.
    stack.esi.control(&stack.http, "/__roles", json!({ "character_id": a, "roles": ["Director"] })).await;
    stack.esi.control(&stack.http, "/__roles", json!({ "character_id": b, "roles": [] })).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, report) = alice.post(&format!("{base}/sync"), json!({})).await;
        if report["datasets"].as_array().is_some_and(|d| d.iter().all(|d| d["status"] != "paused")) {
            break;
        }
        assert!(Instant::now() < deadline, "still paused: {report}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (_, healed) = alice.get(&base).await;
    assert_eq!(
        (director(&healed, a)["consecutive_failures"].as_i64(), director(&healed, a)["healthy"].as_bool()),
        (Some(0), Some(true)),
        "{healed}"
    );
    assert!(director(&healed, b)["consecutive_failures"].as_i64().unwrap() >= 1, "{healed}");
}

#[tokio::test]
async fn concurrent_syncs_share_one_run_and_managed_corporations_are_kept_by_their_admins() {
    let stack = Stack::start().await;
    let (a, b) = (2_112_006_001_i64, 2_112_006_002_i64);
    configure(&stack, &[a, b], &[a, b], 3_000_001).await;
    stack.esi.control(&stack.http, "/__roles", json!({ "character_id": a, "roles": ["Director"] })).await;
    let alice = User::new(
        &stack,
        login_with_scopes(&stack, &Pilot { id: a, name: "Alice", owner: "owner-a" }, Some(DIRECTOR_SCOPES))
            .await,
    )
    .await;
    let bob =
        User::new(&stack, login_as(&stack, &Pilot { id: b, name: "Bob", owner: "owner-b" }).await).await;
    wait_for_roles(&alice, a).await;
    wait_for_roles(&bob, b).await;
    let base = format!("/api/corporations/{CORP}");
    assert_eq!(alice.post(&format!("{base}/directors"), json!({ "character_id": a })).await.0, 204);

    // One sync alone, then two at once after the cache expired again: the same ESI traffic, one
    // report for both.
    alice.post(&format!("{base}/sync"), json!({})).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    stack.esi.control(&stack.http, "/__reset_stats", json!({})).await;
    alice.post(&format!("{base}/sync"), json!({})).await;
    let alone = stack.esi.stats(&stack.http).await["corporation_requests"].as_i64().unwrap();
    assert!(alone >= 13, "every dataset asked ESI: {alone}");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    stack.esi.control(&stack.http, "/__reset_stats", json!({})).await;
    let sync = format!("{base}/sync");
    let (first, second) = tokio::join!(alice.post(&sync, json!({})), alice.post(&sync, json!({})));
    assert_eq!((first.0, second.0), (200, 200));
    assert_eq!(first.1, second.1, "both callers get the one run's report");
    let together = stack.esi.stats(&stack.http).await["corporation_requests"].as_i64().unwrap();
    assert_eq!(together, alone, "two concurrent syncs made the requests of one");

    // Corporation admins edit the recruiting flag and texts; the other flags are for site admins.
    let (status, updated) = alice
        .call(
            reqwest::Method::PATCH,
            &base,
            Some(json!({ "is_recruiting": true, "short_description": "Nullsec logistics", "description": "We haul." })),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    let (status, _) = alice.call(reqwest::Method::PATCH, &base, Some(json!({ "is_member": true }))).await;
    assert_eq!(status, 403, "member is a site admin's flag");
    assert_eq!(bob.call(reqwest::Method::PATCH, &base, Some(json!({ "is_recruiting": false }))).await.0, 403);
    // Recruiting member corporations are what players browse: a site admin marks it a member.
    assert!(bob.get("/api/corporations/recruiting").await.1["corporations"].as_array().unwrap().is_empty());
    let admin =
        User::new(&stack, login_as(&stack, &Pilot { id: 9000, name: "Admin", owner: "owner-admin" }).await)
            .await;
    assert_eq!(admin.call(reqwest::Method::PATCH, &base, Some(json!({ "is_member": true }))).await.0, 200);
    let (_, recruiting) = bob.get("/api/corporations/recruiting").await;
    let listed = &recruiting["corporations"][0];
    assert_eq!(
        (listed["name"].as_str(), listed["managed"]["short_description"].as_str()),
        (Some("Blue Fleet"), Some("Nullsec logistics"))
    );

    // Site admins register corporations by id (name and ticker from ESI); others may not.
    let other = json!({ "corporation_id": 98_000_777, "is_alt": true });
    assert_eq!(bob.post("/api/corporations", other.clone()).await.0, 403);
    let (status, registered) = admin.post("/api/corporations", other.clone()).await;
    assert_eq!(status, 201, "{registered}");
    assert_eq!(registered["name"], "Corporation 98000777");
    assert_eq!(admin.post("/api/corporations", other).await.0, 409, "registered once");
    stack
        .esi
        .control(&stack.http, "/__config", json!({ "corporations": { "98000778": { "exists": false } } }))
        .await;
    assert_eq!(admin.post("/api/corporations", json!({ "corporation_id": 98_000_778 })).await.0, 404);
    assert_eq!(bob.delete("/api/corporations/98000777").await.0, 403);
    assert_eq!(admin.delete("/api/corporations/98000777").await.0, 204);
}
