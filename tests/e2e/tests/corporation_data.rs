//! End-to-end: corporation data through director characters, with failover on lost roles only.

// Wall-clock deadlines of the harness are not domain time.
#![allow(clippy::disallowed_methods)]

use e2e::api::User;
use e2e::login::{login_as, Pilot};
use e2e::Stack;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const CORP: i64 = 98_000_200;

/// Waits until the character's public info synced (its corporation is then known).
async fn wait_for_affiliation(user: &User<'_>, character: i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = user.get(&format!("/api/characters/{character}/sync")).await;
        if body["datasets"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["dataset"] == "public" && d["status"] == "ok"))
        {
            return;
        }
        assert!(Instant::now() < deadline, "public info never synced: {body}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn director(corp: &Value, id: i64) -> &Value {
    corp["directors"].as_array().unwrap().iter().find(|d| d["character_id"] == id).unwrap()
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one story: failover, storm, recovery
async fn a_director_without_roles_fails_over_storms_do_not_and_recovery_is_recorded() {
    let stack = Stack::start().await;
    let (a, b) = (2_112_004_001_i64, 2_112_004_002_i64);
    stack
        .esi
        .control(
            &stack.http,
            "/__config",
            json!({
                "cache_seconds": 1,
                "characters": { a.to_string(): { "corporation_id": CORP }, b.to_string(): { "corporation_id": CORP } },
                "corporations": { CORP.to_string(): { "members": [a, b, 2_112_004_003_i64] } },
            }),
        )
        .await;
    stack.esi.control(&stack.http, "/__roles", json!({ "character_id": b, "roles": ["Director"] })).await;
    let alice =
        User::new(&stack, login_as(&stack, &Pilot { id: a, name: "Alice", owner: "owner-a" }).await).await;
    let bob =
        User::new(&stack, login_as(&stack, &Pilot { id: b, name: "Bob", owner: "owner-b" }).await).await;
    wait_for_affiliation(&alice, a).await;
    wait_for_affiliation(&bob, b).await;

    // Not an admin of the corporation yet; registering someone else's character is refused.
    assert_eq!(alice.get(&format!("/api/corporations/{CORP}")).await.0, 403);
    assert_eq!(
        alice.post(&format!("/api/corporations/{CORP}/directors"), json!({ "character_id": b })).await.0,
        403
    );
    assert_eq!(alice.post("/api/corporations/98000999/directors", json!({ "character_id": a })).await.0, 409);
    assert_eq!(
        alice
            .post(&format!("/api/corporations/{CORP}/directors"), json!({ "character_id": a, "priority": 1 }))
            .await
            .0,
        204
    );
    assert_eq!(
        bob.post(&format!("/api/corporations/{CORP}/directors"), json!({ "character_id": b, "priority": 2 }))
            .await
            .0,
        204
    );

    // Alice's character lacks the role (403): every dataset fails over to Bob's; after three
    // failures in a row Alice's director is unhealthy and no longer tried first.
    let (status, report) = alice.post(&format!("/api/corporations/{CORP}/sync"), json!({})).await;
    assert_eq!(status, 200, "{report}");
    let runs = report["datasets"].as_array().unwrap();
    assert_eq!(runs.len(), 7, "{report}");
    assert!(runs.iter().all(|d| d["status"] == "ok"), "{report}");
    assert!(runs[0]["message"].as_str().unwrap().contains(&format!("failed over from {a}")), "{report}");
    assert!(runs[6]["message"].is_null(), "the unhealthy director is no longer tried first: {report}");
    let (_, members) = alice.get(&format!("/api/corporations/{CORP}/members")).await;
    assert_eq!(members["total"], 3);
    let (_, wallets) = alice.get(&format!("/api/corporations/{CORP}/data/wallets")).await;
    assert_eq!(wallets["rows"].as_array().unwrap().len(), 7);
    assert_eq!(wallets["rows"][0]["balance"], "1000000.50", "ISK as exact decimal strings: {wallets}");
    let (_, journal) = alice.get(&format!("/api/corporations/{CORP}/data/wallet_journal")).await;
    assert_eq!(journal["rows"].as_array().unwrap().len(), 3);
    let (_, structures) = alice.get(&format!("/api/corporations/{CORP}/data/structures")).await;
    assert_eq!(structures["rows"][0]["name"], "Jita - Keepstar");
    assert_eq!(alice.get(&format!("/api/corporations/{CORP}/data/secrets")).await.0, 404);
    let (_, corp) = alice.get(&format!("/api/corporations/{CORP}")).await;
    assert_eq!(
        (director(&corp, a)["consecutive_failures"].as_i64(), director(&corp, a)["healthy"].as_bool()),
        (Some(3), Some(false))
    );
    assert_eq!(director(&corp, b)["healthy"], true);
    assert!(director(&corp, b)["last_success_at_ms"].is_i64());

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
    let (_, report) = alice.post(&format!("/api/corporations/{CORP}/sync"), json!({})).await;
    let paused = report["datasets"].as_array().unwrap().iter().filter(|d| d["status"] == "paused").count();
    assert!(paused >= 1, "{report}");
    let (_, after) = alice.get(&format!("/api/corporations/{CORP}")).await;
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
    let (_, report) = alice.post(&format!("/api/corporations/{CORP}/sync"), json!({})).await;
    assert!(report["datasets"].as_array().unwrap().iter().all(|d| d["status"] == "paused"), "{report}");
    let peer = stack.esi.stats(&stack.http).await;
    assert_eq!(peer["error_limited"], 1, "one 420, then the breaker held every other call: {peer}");
    let (_, after) = alice.get(&format!("/api/corporations/{CORP}")).await;
    assert_eq!(director(&after, b)["consecutive_failures"], 0, "{after}");
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Roles move: Bob's character loses its role, Alice's gets one. The sync fails over from Bob
    // to Alice (the unhealthy director is the last resort) and records Alice's recovery.
    stack.esi.control(&stack.http, "/__roles", json!({ "character_id": a, "roles": ["Director"] })).await;
    stack.esi.control(&stack.http, "/__roles", json!({ "character_id": b, "roles": [] })).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, report) = alice.post(&format!("/api/corporations/{CORP}/sync"), json!({})).await;
        if report["datasets"].as_array().unwrap().iter().all(|d| d["status"] != "paused") {
            break;
        }
        assert!(Instant::now() < deadline, "still paused: {report}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (_, healed) = alice.get(&format!("/api/corporations/{CORP}")).await;
    assert_eq!(
        (director(&healed, a)["consecutive_failures"].as_i64(), director(&healed, a)["healthy"].as_bool()),
        (Some(0), Some(true)),
        "{healed}"
    );
    assert!(director(&healed, b)["consecutive_failures"].as_i64().unwrap() >= 1, "{healed}");
}
