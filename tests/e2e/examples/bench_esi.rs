//! `just bench` (ESI): a full sync of a character with 50,000 assets (1,000 per page) from the local
//! ESI peer, then a resync of the same unchanged data: time, ESI calls, bytes and database
//! transactions. Numbers are printed, never asserted.

// Wall-clock timing is what a benchmark measures.
#![allow(clippy::disallowed_methods)]

use e2e::api::User;
use e2e::login::{login_with, Pilot};
use e2e::Stack;
use hub_ports::{PgValue, Postgres};
use serde_json::json;
use std::time::Instant;

const ASSETS: i64 = 50_000;

async fn commits(pg: &impl Postgres) -> i64 {
    let rows = pg
        .query("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", &[])
        .await
        .expect("pg_stat_database");
    rows.first().and_then(|r| r.0.first()).and_then(PgValue::as_i64).unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let stack = Stack::start().await;
    let pilot = Pilot { id: 2_112_009_001, name: "Bench", owner: "owner-bench" };
    stack
        .esi
        .control(&stack.http, "/__config", json!({ "cache_seconds": 1, "characters": { pilot.id.to_string(): { "assets": ASSETS, "journal": 10 } } }))
        .await;
    // Only the assets scope: the sync does public info and assets.
    let session = login_with(&stack, &pilot, Some("publicData esi-assets.read_assets.v1"), &[]).await;
    let user = User::new(&stack, session).await;
    let pg = hub_native::pg::connect(stack.database_url()).await.expect("database");
    // Let the login's own sync finish, then measure runs we start ourselves.
    let path = format!("/api/characters/{}/sync", pilot.id);
    let started = Instant::now();
    loop {
        let (_, status) = user.get(&path).await;
        if status["datasets"].as_array().is_some_and(|d| d.iter().any(|d| d["dataset"] == "assets")) {
            break;
        }
        assert!(started.elapsed().as_secs() < 300, "the login's sync did not finish: {status}");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    for label in ["full sync (cold ESI cache)", "resync, data unchanged (after Expires)"] {
        if label.starts_with("full") {
            // A cold cache: new data at ESI for every page.
            stack
                .esi
                .control(&stack.http, "/__mutate", json!({ "character_id": pilot.id, "dataset": "assets" }))
                .await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        stack.esi.control(&stack.http, "/__reset_stats", json!({})).await;
        let before = commits(&pg).await;
        let started = Instant::now();
        let (status, report) = user.post(&path, json!({})).await;
        let elapsed = started.elapsed();
        let transactions = commits(&pg).await - before;
        let esi = stack.esi.stats(&stack.http).await;
        assert_eq!(status, 200, "{report}");
        println!(
            "{label:42} {:>7.2} s   ESI requests {:>3}   bodies {:>3}   304s {:>3}   bytes {:>9}   db transactions {:>3}   ({})",
            elapsed.as_secs_f64(),
            esi["requests"],
            esi["bodies"],
            esi["not_modified"],
            esi["bytes"],
            transactions,
            report["datasets"].as_array().map(|d| d.iter().map(|d| format!("{}: {}", d["dataset"].as_str().unwrap_or(""), d["status"].as_str().unwrap_or(""))).collect::<Vec<_>>().join(", ")).unwrap_or_default()
        );
    }
    let (_, assets) = user.get(&format!("/api/characters/{}/assets?limit=1", pilot.id)).await;
    println!("assets stored: {}", assets["total"]);
}
