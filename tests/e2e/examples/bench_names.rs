//! `just bench` (names): `POST /api/names` with 1,000 mixed ids (the SDE's types, systems, stations
//! and regions, and characters, corporations and alliances only ESI knows), cold and warm. Cold: the
//! ESI ids are new to the hub each run (resolved through the local ESI peer, tickers read); warm:
//! the same 1,000 again, from Workers KV. p50 and ESI calls per run. Printed, never asserted.

// Wall-clock timing is what a benchmark measures.
#![allow(clippy::disallowed_methods)]

use e2e::api::User;
use e2e::login::{login_as, Pilot};
use e2e::Stack;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const RUNS: i64 = 9;
/// The fixture's ids (every one the SDE names).
const SDE_IDS: [i64; 40] = [
    34, 35, 36, 37, 38, 39, 40, 587, 603, 620, 638, 24690, 2873, 519, 2046, 670, 3300, 3301, 3302, 3327,
    3329, 3330, 3334, 3338, 30_000_142, 30_000_144, 30_002_813, 30_003_323, 31_000_008, 60_003_760,
    60_003_757, 60_003_754, 60_000_010, 60_000_013, 10_000_002, 10_000_033, 10_000_041, 11_000_001, 500_001,
    1_000_035,
];

/// 960 ids only ESI names, different for each `run`: 900 characters, 40 corporations, 20 alliances.
fn esi_ids(run: i64) -> Vec<i64> {
    let characters = (0..900).map(|i| 2_113_000_000 + run * 1_000 + i);
    let corporations = (0..40).map(|i| 98_100_000 + run * 100 + i);
    let alliances = (0..20).map(|i| 99_100_000 + run * 100 + i);
    characters.chain(corporations).chain(alliances).collect()
}

fn p50(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn esi_calls(stack: &Stack) -> i64 {
    let stats = stack.esi.stats(&stack.http).await;
    ["names_requests", "detail_requests"].iter().map(|k| stats[*k].as_i64().unwrap_or(0)).sum()
}

async fn name(user: &User<'_>, ids: &[i64]) -> (Duration, Value) {
    let started = Instant::now();
    let (status, body) = user.post("/api/names", json!({ "ids": ids })).await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["names"].as_array().map(Vec::len),
        Some(ids.len()),
        "every id named: {}",
        body["unknown"]
    );
    (took, body)
}

#[tokio::main]
async fn main() {
    let stack = Stack::start().await;
    let user =
        User::new(&stack, login_as(&stack, &Pilot { id: 2_112_009_101, name: "Namer", owner: "o-n" }).await)
            .await;
    // The login's own sync reads the pilot's corporation from ESI too: let it finish first.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    let (mut cold_calls, mut warm_calls) = (0, 0);
    let mut sources = Vec::new();
    for run in 0..RUNS {
        let ids: Vec<i64> = SDE_IDS.iter().copied().chain(esi_ids(run)).collect();
        let before = esi_calls(&stack).await;
        let (took, body) = name(&user, &ids).await;
        cold.push(took);
        cold_calls += esi_calls(&stack).await - before;
        sources.push(body["sources"].clone());
        let before = esi_calls(&stack).await;
        for _ in 0..3 {
            warm.push(name(&user, &ids).await.0);
        }
        warm_calls += esi_calls(&stack).await - before;
    }
    let (cold_p50, warm_p50) = (p50(&mut cold), p50(&mut warm));
    println!(
        "1,000 mixed ids per call ({} SDE, 960 only ESI names), {RUNS} cold runs, {} warm",
        SDE_IDS.len(),
        warm.len()
    );
    println!(
        "  cold: p50 {:.1} ms, {cold_calls} ESI calls over {RUNS} calls (first call's sources {})",
        ms(cold_p50),
        sources[0]
    );
    println!("  warm: p50 {:.1} ms, {warm_calls} ESI calls over {} calls", ms(warm_p50), warm.len());
    println!("  warm is {:.1}x faster than cold (same run, same stack)", ms(cold_p50) / ms(warm_p50));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
