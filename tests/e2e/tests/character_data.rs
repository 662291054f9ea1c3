//! End-to-end: character data synced from the local ESI peer into Postgres, read through the API.

// Wall-clock deadlines of the harness are not domain time.
#![allow(clippy::disallowed_methods)]

use e2e::api::User;
use e2e::login::{login_with, Pilot};
use e2e::Stack;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SCOPES: &str = "publicData esi-characters.read_corporation_roles.v1 esi-wallet.read_character_wallet.v1 esi-assets.read_assets.v1 \
    esi-skills.read_skills.v1 esi-skills.read_skillqueue.v1 esi-markets.read_character_orders.v1";

/// Polls the sync status until every dataset in `want` shows one of the wanted statuses.
async fn wait_for_sync(user: &User<'_>, character: i64, want: &[(&str, &[&str])]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = user.get(&format!("/api/characters/{character}/sync")).await;
        assert_eq!(status, 200, "{body}");
        let done = want.iter().all(|(dataset, statuses)| {
            body["datasets"].as_array().unwrap().iter().any(|d| {
                d["dataset"] == *dataset && statuses.contains(&d["status"].as_str().unwrap_or_default())
            })
        });
        if done {
            return body;
        }
        assert!(Instant::now() < deadline, "sync did not finish: {body}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_login_syncs_wallet_journal_assets_and_affiliation_and_an_unchanged_resync_downloads_nothing() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_003_001, name: "Sierra", owner: "owner-s" };
    stack
        .esi
        .control(
            &stack.http,
            "/__config",
            json!({ "cache_seconds": 1, "characters": { pilot.id.to_string(): { "corporation_id": 98_000_042, "assets": 2500, "journal": 7 } } }),
        )
        .await;
    // A group that takes members of corporation 98000042 automatically.
    let admin = User::new(
        &stack,
        e2e::login::login_as(&stack, &Pilot { id: 9000, name: "Admin", owner: "admin" }).await,
    )
    .await;
    let (_, category) =
        admin.post("/api/groups/categories", json!({ "name": "Corp", "permission": "admin_only" })).await;
    let (_, group) = admin
        .post("/api/groups", json!({ "category_id": category["id"], "name": "Corp members", "visibility": "system", "join_mode": "open" }))
        .await;
    let group_path = format!("/api/groups/{}", group["id"].as_str().unwrap());
    let (status, _) = admin
        .post(
            &format!("{group_path}/rules"),
            json!({ "kind": "corporation", "entity_id": 98_000_042, "effect": "auto_join" }),
        )
        .await;
    assert_eq!(status, 201);

    // The login starts the character's sync; every dataset lands.
    let user = User::new(&stack, login_with(&stack, &pilot, Some(SCOPES), &[]).await).await;
    let ok: &[&str] = &["ok", "unchanged"];
    wait_for_sync(&user, pilot.id, &[("public", ok), ("wallet", ok), ("wallet_journal", ok), ("assets", ok)])
        .await;
    let (_, wallet) = user.get(&format!("/api/characters/{}/wallet", pilot.id)).await;
    assert_eq!(wallet["balance"], "1234567.89", "ISK as an exact decimal string");
    let (_, journal) = user.get(&format!("/api/characters/{}/wallet/journal?limit=5", pilot.id)).await;
    assert_eq!(journal["entries"].as_array().unwrap().len(), 5);
    assert!(journal["entries"][0]["id"].is_string() && journal["next_before_id"].is_string());
    let (_, bounties) =
        user.get(&format!("/api/characters/{}/wallet/journal?ref_type=bounty_prizes", pilot.id)).await;
    assert_eq!(bounties["entries"].as_array().unwrap().len(), 3);
    let (_, assets) = user.get(&format!("/api/characters/{}/assets?limit=10&type_id=34", pilot.id)).await;
    assert_eq!(assets["total"], 358, "2,500 assets over three pages, filtered by type");
    let (_, by_name) =
        user.get(&format!("/api/characters/{}/assets?limit=10&type_ids=34,999999", pilot.id)).await;
    assert_eq!(by_name["total"], 358, "the types a name search found");
    let (status, body) = user.get(&format!("/api/characters/{}/assets?type_ids=34,x", pilot.id)).await;
    assert_eq!(status, 400, "{body}");
    let (_, places) = user.get(&format!("/api/characters/{}/assets/locations", pilot.id)).await;
    let stacks: i64 =
        places["locations"].as_array().unwrap().iter().map(|l| l["items"].as_i64().unwrap()).sum();
    assert_eq!(stacks, 2500, "every stack at its location: {places}");
    let (_, history) = user.get(&format!("/api/characters/{}/wallet/history", pilot.id)).await;
    let days: Vec<i64> =
        history["points"].as_array().unwrap().iter().map(|p| p["day_ms"].as_i64().unwrap()).collect();
    assert!(
        !days.is_empty() && days.windows(2).all(|w| w[0] < w[1]),
        "a point per day, oldest first: {history}"
    );
    // The new affiliation joined the corporation's group.
    assert_eq!(user.get(&group_path).await.1["is_member"], true);
    // Other people's characters do not exist for you.
    assert_eq!(admin.get(&format!("/api/characters/{}/wallet", 1)).await.0, 404);
    assert_eq!(
        stack
            .http
            .get(stack.url(&format!("/api/characters/{}/wallet", pilot.id)))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // ESI's data is unchanged: a resync after Expires is all 304s, no body downloaded.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    stack.esi.control(&stack.http, "/__reset_stats", json!({})).await;
    let (status, report) = user.post(&format!("/api/characters/{}/sync", pilot.id), json!({})).await;
    assert_eq!(status, 200, "{report}");
    assert!(report["datasets"].as_array().unwrap().iter().all(|d| d["status"] == "unchanged"), "{report}");
    let peer = stack.esi.stats(&stack.http).await;
    assert_eq!(peer["bodies"], 0, "{peer}");
    assert_eq!(
        peer["not_modified"], 14,
        "eleven datasets, two more asset pages, the corporation's info: {peer}"
    );
}

#[tokio::test]
async fn a_revoked_token_stops_the_sync_and_tells_the_user() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_003_101, name: "Tango", owner: "owner-t" };
    // The user revoked the grant at EVE right away: the first refresh gets invalid_grant.
    let user = User::new(&stack, login_with(&stack, &pilot, Some(SCOPES), &[("revoked", "1")]).await).await;
    let invalid: &[&str] = &["token_invalid"];
    let status = wait_for_sync(
        &user,
        pilot.id,
        &[("public", &["ok", "unchanged"]), ("wallet", invalid), ("assets", invalid)],
    )
    .await;
    let wallet = status["datasets"].as_array().unwrap().iter().find(|d| d["dataset"] == "wallet").unwrap();
    assert!(wallet["message"].as_str().unwrap().contains("stopped working"), "{wallet}");
    assert!(
        wallet["next_sync_at_ms"].is_null()
            || wallet["next_sync_at_ms"].as_i64().unwrap() > 4_000_000_000_000,
        "stopped: {wallet}"
    );
    let (_, notifications) = user.get("/api/notifications").await;
    assert!(
        notifications["notifications"].as_array().unwrap().iter().any(|n| n["kind"] == "token_invalid"),
        "{notifications}"
    );
    let (_, me) = user.get("/api/users/me").await;
    assert_eq!(me["user"]["characters"][0]["token"]["status"], "invalid");
}
