//! End-to-end: the SDE API over the imported fixture, and names for any mix of ids: the SDE, ESI's
//! `/universe/names/` (a batch with an invalid id bisected against the ESI peer), the entity cache and
//! Workers KV in front of them.

#![allow(clippy::unreadable_literal)] // EVE ids read as the game writes them

use e2e::api::User;
use e2e::login::{login_as, Pilot};
use e2e::Stack;
use serde_json::{json, Value};

const PILOT: Pilot = Pilot { id: 2_112_007_001, name: "Whiskey", owner: "owner-w" };
/// Corporations and alliances ESI names (the peer makes them up from their ids).
const CORP: i64 = 98_000_700;
const ALLIANCE: i64 = 99_000_700;
const OTHER_PILOT: i64 = 2_112_007_099;
/// An id the ESI peer does not know: it fails every batch it is in.
const INVALID: i64 = 97_999_999;
const STRUCTURE: i64 = 1_035_466_617_946;
/// Structures the local ESI names only for their `access` list.
const KEEP: i64 = 1_035_000_000_777;
const LOCKED: i64 = 1_035_000_000_778;

fn named(body: &Value, id: i64) -> &Value {
    body["names"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("{id} named: {body}"))
}

fn unknown_reason(body: &Value, id: i64) -> Option<String> {
    body["unknown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .map(|n| n["reason"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_sde_api_serves_the_imported_static_data() {
    let stack = Stack::start().await;
    let user = User::new(&stack, login_as(&stack, &PILOT).await).await;

    let (status, version) = user.get("/api/sde/version").await;
    assert_eq!((status, version["build_number"].as_i64()), (200, Some(3_484_357)), "{version}");

    let (status, rifter) = user.get("/api/types/587").await;
    assert_eq!(status, 200, "{rifter}");
    assert_eq!(rifter["name"], "Rifter");
    assert_eq!(rifter["group"]["name"], "Frigate");
    assert_eq!(rifter["category"]["name"], "Ship");
    assert_eq!(
        rifter["required_skills"],
        json!([{ "skill_id": 3329, "name": "Minmatar Frigate", "level": 1 }])
    );

    // Prefix matches first, then names containing the text; wildcards are text.
    let (status, found) = user.get("/api/types?q=cal&limit=5").await;
    assert_eq!(status, 200, "{found}");
    let names: Vec<&str> =
        found["types"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Caldari Battleship", "Caldari Cruiser", "Caldari Frigate"]);
    let (_, none) = user.get("/api/types?q=%25").await;
    assert_eq!(none["types"], json!([]));
    let (status, body) = user.get("/api/types").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{body}");

    let (status, skill) = user.get("/api/skills/3338").await;
    assert_eq!(status, 200, "{skill}");
    assert_eq!(skill["rank"], 8);
    assert_eq!(skill["primary_attribute"], "Perception");
    assert_eq!(skill["skill_points"][4], 2_048_000);
    let cruiser = &skill["prerequisites"][0];
    assert_eq!((cruiser["name"].as_str(), cruiser["level"].as_i64()), (Some("Caldari Cruiser"), Some(3)));
    assert_eq!(cruiser["prerequisites"][0]["prerequisites"][0]["name"], "Spaceship Command");
    let (status, _) = user.get("/api/skills/34").await;
    assert_eq!(status, 404, "a mineral is no skill");

    let (status, jita) = user.get("/api/universe/systems/30000142").await;
    assert_eq!(status, 200, "{jita}");
    assert_eq!(
        (jita["security_class"].as_str(), jita["security_display"].as_f64()),
        (Some("high"), Some(0.9))
    );
    assert_eq!(jita["region"]["name"], "The Forge");
    let (_, j_space) = user.get("/api/universe/systems/31000008").await;
    assert_eq!(j_space["security_class"], "wormhole");
    let (status, station) = user.get("/api/universe/stations/60003760").await;
    assert_eq!(status, 200, "{station}");
    assert_eq!(station["name"], "Jita IV - Moon 4 - Caldari Navy Assembly Plant");
    assert_eq!(station["owner"]["name"], "Caldari Navy");
    let (status, body) = user.get("/api/universe/stations/60099999").await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")), "{body}");

    let (status, types) = user.post("/api/types/names", json!({ "ids": [35, 36, 999_999, 35] })).await;
    assert_eq!(status, 200, "{types}");
    assert_eq!(types["types"], json!([{ "id": 35, "name": "Pyerite" }, { "id": 36, "name": "Mexallon" }]));
    assert_eq!(types["unknown"], json!([999_999]));

    // Signed-in users only.
    let anonymous = stack.http.get(stack.url("/api/types/34")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn names_come_from_the_sde_esi_and_then_the_cache() {
    let stack = Stack::start().await;
    stack
        .esi
        .control(
            &stack.http,
            "/__config",
            json!({
                "corporations": { CORP.to_string(): { "name": "Whiskey Works", "ticker": "WW", "alliance_id": ALLIANCE } },
                "alliances": { ALLIANCE.to_string(): { "name": "Whiskey Alliance", "ticker": "WALL" } },
                "invalid_ids": [INVALID],
            }),
        )
        .await;
    let user = User::new(&stack, login_as(&stack, &PILOT).await).await;
    let before = stack.esi.stats(&stack.http).await;
    let ids = json!([
        34,
        30000142,
        60003760,
        10000002,
        500001,
        1000035,
        CORP,
        ALLIANCE,
        OTHER_PILOT,
        INVALID,
        STRUCTURE,
        40009087
    ]);

    let (status, first) = user.post("/api/names", json!({ "ids": ids })).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(named(&first, 34)["name"], "Tritanium");
    assert_eq!(named(&first, 34)["category"], "inventory_type");
    assert_eq!(named(&first, 30000142)["security"], 0.9);
    assert_eq!(named(&first, 60003760)["name"], "Jita IV - Moon 4 - Caldari Navy Assembly Plant");
    assert_eq!(named(&first, 1000035)["ticker"], "CN");
    let corp = named(&first, CORP);
    assert_eq!(
        (corp["name"].as_str(), corp["ticker"].as_str()),
        (Some("Whiskey Works"), Some("WW")),
        "{first}"
    );
    assert_eq!(named(&first, ALLIANCE)["ticker"], "WALL");
    assert_eq!(named(&first, OTHER_PILOT)["name"], format!("Pilot {OTHER_PILOT}"));
    assert_eq!(unknown_reason(&first, INVALID).as_deref(), Some("not_found"), "{first}");
    assert_eq!(unknown_reason(&first, STRUCTURE).as_deref(), Some("structure_needs_access"));
    assert_eq!(unknown_reason(&first, 40009087).as_deref(), Some("not_found"));
    assert_eq!(first["sources"], json!({ "cache": 0, "database": 6, "esi": 3 }));
    // The four ids the SDE does not hold went to ESI: one batch, 404, halves, 404 again, halves.
    let after = stack.esi.stats(&stack.http).await;
    let calls = after["names_requests"].as_i64().unwrap() - before["names_requests"].as_i64().unwrap();
    assert_eq!(calls, 5, "bisection isolates the one invalid id: {after}");

    // Again: everything named comes from Workers KV, the invalid id from the entity cache; ESI is not asked.
    let (status, second) = user.post("/api/names", json!({ "ids": ids })).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["sources"], json!({ "cache": 9, "database": 0, "esi": 0 }), "{second}");
    assert_eq!(named(&second, CORP)["ticker"], "WW");
    assert_eq!(unknown_reason(&second, INVALID).as_deref(), Some("not_found"));
    let again = stack.esi.stats(&stack.http).await;
    assert_eq!(again["names_requests"], after["names_requests"]);

    // Bad input is refused, whole.
    for bad in [
        json!({ "ids": [] }),
        json!({ "ids": [0] }),
        json!({ "ids": (1..=1001).collect::<Vec<i64>>() }),
        json!({ "ids": "34" }),
    ] {
        let (status, body) = user.post("/api/names", bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let anonymous =
        stack.http.post(stack.url("/api/names")).json(&json!({ "ids": [34] })).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    junk_spends_only_its_senders_budget(&stack, &user).await;
    structures_are_named_for_who_may_dock_there(&stack, &user).await;
}

/// Junk costs ESI errors, which the whole deployment shares: one user may cause 20 of them in
/// 15 minutes, then their unknown ids wait while everyone else's are still named.
async fn junk_spends_only_its_senders_budget(stack: &Stack, user: &User<'_>) {
    let junk: Vec<i64> = (0..60).map(|i| 2_120_000_000 + i).collect();
    stack.esi.control(&stack.http, "/__config", json!({ "invalid_ids": junk })).await;
    let mallory = User::new(
        stack,
        login_as(stack, &Pilot { id: 2_112_007_002, name: "Mallory", owner: "owner-m" }).await,
    )
    .await;
    let before = stack.esi.stats(&stack.http).await["names_requests"].as_i64().unwrap();
    let mut last = json!(null);
    for chunk in junk.chunks(20) {
        let (status, body) = mallory.post("/api/names", json!({ "ids": chunk })).await;
        assert_eq!(status, 200, "{body}");
        last = body;
    }
    let spent = stack.esi.stats(&stack.http).await["names_requests"].as_i64().unwrap() - before;
    assert_eq!(spent, 20, "every call was a 404, and the budget is 20");
    assert!(
        junk[40..].iter().all(|id| unknown_reason(&last, *id).as_deref() == Some("unavailable")),
        "past the budget nothing is asked: {last}"
    );
    let (status, honest) = user.post("/api/names", json!({ "ids": [OTHER_PILOT + 1] })).await;
    assert_eq!(status, 200, "{honest}");
    assert_eq!(named(&honest, OTHER_PILOT + 1)["name"], format!("Pilot {}", OTHER_PILOT + 1), "{honest}");
}

/// A player structure is named for a user whose character may dock there and granted the
/// structures scope, from their own token; the name stays theirs, not everyone's.
async fn structures_are_named_for_who_may_dock_there(stack: &Stack, user: &User<'_>) {
    let docker = Pilot { id: 2_112_007_003, name: "Docker", owner: "owner-d" };
    stack
        .esi
        .control(
            &stack.http,
            "/__config",
            json!({ "structures": {
                KEEP.to_string(): { "name": "Jita - Whiskey Keep", "solar_system_id": 30000142, "access": [docker.id] },
                LOCKED.to_string(): { "name": "Jita - Locked Out", "solar_system_id": 30000142, "access": [] },
            } }),
        )
        .await;
    let docker = User::new(
        stack,
        e2e::login::login_with_scopes(stack, &docker, Some("publicData esi-universe.read_structures.v1"))
            .await,
    )
    .await;
    let before = stack.esi.stats(&stack.http).await["structure_requests"].as_i64().unwrap();
    let (status, first) = docker.post("/api/names", json!({ "ids": [KEEP, LOCKED] })).await;
    assert_eq!(status, 200, "{first}");
    let keep = named(&first, KEEP);
    assert_eq!(
        (keep["name"].as_str(), keep["category"].as_str()),
        (Some("Jita - Whiskey Keep"), Some("structure"))
    );
    assert_eq!(keep["security"], 0.9, "the system's security, as stations have it");
    assert_eq!(unknown_reason(&first, LOCKED).as_deref(), Some("structure_needs_access"), "{first}");
    let (_, again) = docker.post("/api/names", json!({ "ids": [KEEP, LOCKED] })).await;
    assert_eq!(named(&again, KEEP)["name"], "Jita - Whiskey Keep");
    assert_eq!(unknown_reason(&again, LOCKED).as_deref(), Some("structure_needs_access"));
    let asked = stack.esi.stats(&stack.http).await["structure_requests"].as_i64().unwrap() - before;
    assert_eq!(asked, 2, "each structure asked once; the second call came from the user's cache");
    let (_, other) = user.post("/api/names", json!({ "ids": [KEEP] })).await;
    assert_eq!(unknown_reason(&other, KEEP).as_deref(), Some("structure_needs_access"), "{other}");
}
