//! `just bench` (Discord): a reconcile of 10,000 linked members across 3 guilds with 20 managed
//! roles each, against the local Discord at Discord's published global limit (50 requests/s; the
//! per-guild member buckets are set above it, so the global limit is what binds). A tenth of the
//! members drifted by hand (one managed role taken in every guild). Prints the time, Discord calls
//! per member, 429s, requests over a bucket and invalid requests, then one group join applied
//! through the event path. Numbers are printed, never asserted.
//!
//! `BENCH_DISCORD_MEMBERS` changes the number of members (for a quick run).

// Wall-clock timing is what a benchmark measures.
#![allow(clippy::disallowed_methods, clippy::cast_precision_loss)]

use e2e::api::User;
use e2e::login::{callback, location, login_as, set_cookie, Pilot, LOGIN_COOKIE, SESSION_COOKIE};
use e2e::{Stack, OPERATOR_TOKEN};
use hub_ports::{PgValue, Postgres};
use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const GUILDS: usize = 3;
const ROLES_PER_GUILD: usize = 20;

fn guild_id(g: usize) -> String {
    format!("50000000000000000{g}")
}

fn role_id(g: usize, r: usize) -> String {
    format!("51{g}00000000000000{r:02}")
}

fn discord_user(n: i64) -> String {
    format!("4{n:017}")
}

/// The three of the 20 groups member `n` is in (one role per group in every guild).
fn groups_of(n: i64) -> Vec<usize> {
    let mut groups: Vec<usize> =
        (0..3_i64).map(|k| usize::try_from((n * 7 + k * 5) % 20).unwrap_or(0)).collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

async fn scalar(pg: &impl Postgres, sql: &str, params: &[PgValue]) -> i64 {
    pg.query(sql, params).await.expect("query")[0].0[0].as_i64().unwrap_or(0)
}

#[tokio::main]
#[allow(clippy::too_many_lines)] // one benchmark, set up and measured in order
async fn main() {
    let members: i64 =
        std::env::var("BENCH_DISCORD_MEMBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let stack = Stack::start().await;
    let discord = &stack.discord;
    let http = &stack.http;
    let admin =
        User::new(&stack, login_as(&stack, &Pilot { id: 9000, name: "Admin", owner: "admin" }).await).await;
    let pg = hub_native::pg::connect(stack.database_url()).await.expect("database");

    // The guilds at the peer: 20 roles below the bot's; member buckets above the global limit.
    for g in 0..GUILDS {
        let mut roles: Vec<Value> = (0..ROLES_PER_GUILD)
            .map(|r| json!({ "id": role_id(g, r), "name": format!("Role {r}"), "position": r + 1 }))
            .collect();
        roles.push(json!({ "id": role_id(g, 99), "name": "Hub Bot", "position": 50 }));
        discord
            .control(http, "/__guild", json!({ "id": guild_id(g), "name": format!("Bench {g}"), "roles": roles, "bot_roles": [role_id(g, 99)] }))
            .await;
    }
    discord
        .control(
            http,
            "/__buckets",
            json!({ "member-read": [20, 1000], "member-roles": [20, 1000], "member-modify": [20, 1000] }),
        )
        .await;

    // The hub's side: guilds registered, every role managed, role r given by group r.
    let (_, category) =
        admin.post("/api/groups/categories", json!({ "name": "Bench", "permission": "anyone" })).await;
    let mut groups = Vec::new();
    for r in 0..ROLES_PER_GUILD {
        let body = json!({ "category_id": category["id"], "name": format!("Squad {r:02}"), "visibility": "public", "join_mode": "open" });
        let (status, group) = admin.post("/api/groups", body).await;
        assert_eq!(status, 201, "{group}");
        groups.push(group["id"].as_str().expect("group id").to_owned());
    }
    for g in 0..GUILDS {
        let (status, body) = admin.post("/api/discord/guilds", json!({ "guild_id": guild_id(g) })).await;
        assert_eq!(status, 201, "{body}");
        let managed: Vec<String> = (0..ROLES_PER_GUILD).map(|r| role_id(g, r)).collect();
        let (status, body) = admin
            .call(
                Method::PATCH,
                &format!("/api/discord/guilds/{}", guild_id(g)),
                Some(json!({ "managed_roles": managed })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        for (r, group) in groups.iter().enumerate() {
            let body = json!({ "guild_id": guild_id(g), "role_id": role_id(g, r), "target_kind": "group", "group_id": group, "auto_invite": true, "auto_assign": true });
            let (status, body) = admin.post("/api/discord/attachments", body).await;
            assert_eq!(status, 201, "{body}");
        }
    }

    // Members in bulk: users with a character, group memberships, a linked Discord account each.
    let seeded = Instant::now();
    pg.execute(
        "WITH u AS (INSERT INTO users (id) SELECT gen_random_uuid() FROM generate_series(1, $1::bigint) RETURNING id),
              numbered AS (SELECT id, row_number() OVER () AS n FROM u),
              c AS (INSERT INTO characters (id, user_id, name, owner_hash)
                    SELECT 3100000000 + n, id, 'Member ' || n, 'bench' FROM numbered RETURNING id, user_id)
         UPDATE users SET main_character_id = c.id FROM c WHERE users.id = c.user_id",
        &[PgValue::Int(members)],
    )
    .await
    .expect("users");
    pg.execute(
        "INSERT INTO discord_accounts (user_id, discord_user_id, username, tokens, access_expires_at)
         SELECT user_id, '4' || lpad((id - 3100000000)::text, 17, '0'), 'member' || (id - 3100000000),
                '\\x00'::bytea, now() + interval '7 days'
         FROM characters WHERE id > 3100000000",
        &[],
    )
    .await
    .expect("discord accounts");
    for (r, group) in groups.iter().enumerate() {
        let numbers: Vec<i64> = (1..=members).filter(|n| groups_of(*n).contains(&r)).collect();
        pg.execute(
            "INSERT INTO group_members (group_id, user_id, source)
             SELECT $1::uuid, user_id, 'manual' FROM characters WHERE id - 3100000000 = ANY($2::text[]::bigint[])",
            &[
                PgValue::Uuid(group.parse().expect("uuid")),
                PgValue::TextArray(numbers.iter().map(ToString::to_string).collect()),
            ],
        )
        .await
        .expect("memberships");
    }
    // At the peer every member is in every guild with their roles, but a tenth lost one by hand.
    let mut drifted = 0;
    for g in 0..GUILDS {
        for chunk in (1..=members).collect::<Vec<_>>().chunks(2_000) {
            let seeded: Vec<Value> = chunk
                .iter()
                .map(|n| {
                    let mut roles: Vec<String> = groups_of(*n).into_iter().map(|r| role_id(g, r)).collect();
                    if n % 10 == 0 {
                        roles.remove(0);
                        drifted += 1;
                    }
                    json!({ "user": discord_user(*n), "roles": roles, "nick": null })
                })
                .collect();
            discord.control(http, "/__members", json!({ "guild": guild_id(g), "members": seeded })).await;
        }
    }
    println!(
        "seeded {members} linked members in {GUILDS} guilds with {ROLES_PER_GUILD} managed roles each ({drifted} member-guilds drifted) in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    // The reconcile: every linked member read once in every guild, drift repaired.
    tokio::time::sleep(Duration::from_secs(2)).await;
    discord.control(http, "/__reset_stats", json!({})).await;
    let start = pg.query("SELECT now()::text", &[]).await.expect("now")[0].0[0].clone();
    let started = Instant::now();
    let resp = http
        .post(stack.url("/api/discord/ops/reconcile"))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .expect("reconcile");
    let queued: Value = resp.json().await.expect("json");
    let want = members * i64::try_from(GUILDS).unwrap_or(3);
    let mut last_report = Instant::now();
    loop {
        let done = scalar(
            &pg,
            "SELECT count(*) FROM discord_member_status WHERE synced_at >= $1::text::timestamptz",
            std::slice::from_ref(&start),
        )
        .await;
        if done >= want {
            break;
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            println!(
                "  ... {done} of {want} member-guilds synced after {:.0} s",
                started.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
        assert!(started.elapsed() < Duration::from_hours(1), "the reconcile did not finish");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stats = discord.read(http, "/__stats").await;
    let route = |r: &str| stats["by_route"][r].as_i64().unwrap_or(0);
    let reads = route("GET /guilds/{g}/members/{u}");
    let changes = route("PUT /guilds/{g}/members/{u}/roles/{r}")
        + route("DELETE /guilds/{g}/members/{u}/roles/{r}")
        + route("PATCH /guilds/{g}/members/{u}")
        + route("PUT /guilds/{g}/members/{u}");
    let calls = reads + changes;
    let mut still_drifted = 0;
    for g in 0..GUILDS {
        let guild = discord.read(http, &format!("/__guild/{}", guild_id(g))).await;
        for member in guild["members"].as_array().expect("members") {
            let Some(n) = member["user"]["id"]
                .as_str()
                .and_then(|id| id.strip_prefix('4'))
                .and_then(|n| n.parse::<i64>().ok())
            else {
                continue;
            };
            let want: std::collections::BTreeSet<String> =
                groups_of(n).into_iter().map(|r| role_id(g, r)).collect();
            let has: std::collections::BTreeSet<String> = member["roles"]
                .as_array()
                .expect("roles")
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect();
            if has != want {
                still_drifted += 1;
            }
        }
    }
    println!(
        "reconcile of {members} members x {GUILDS} guilds ({} queued): {elapsed:.1} s",
        queued["queued"]
    );
    println!(
        "  Discord calls {calls} ({:.2} per member, {:.2} per member-guild): reads {reads} ({:.2} per member-guild), changes {changes} for {drifted} drifted",
        calls as f64 / members as f64,
        calls as f64 / want as f64,
        reads as f64 / want as f64,
    );
    println!(
        "  {:.1} calls/s (global limit 50/s); 429s {}; requests over a bucket {} {}; invalid requests {}; member-guilds still drifted {still_drifted}",
        calls as f64 / elapsed,
        stats["rate_limited"],
        stats["exceeded"],
        stats["exceeded_by"],
        stats["invalid"],
    );

    // The event path: a linked pilot joins a group; the role arrives in every guild.
    let pilot = User::new(
        &stack,
        login_as(&stack, &Pilot { id: 2_112_013_001, name: "Joiner", owner: "joiner" }).await,
    )
    .await;
    let started = http
        .get(stack.url("/api/discord/link/start"))
        .header(COOKIE, format!("{SESSION_COOKIE}={}", pilot.session))
        .send()
        .await
        .expect("link start");
    let login_cookie = set_cookie(&started, LOGIN_COOKIE).expect("login cookie");
    let at_discord =
        http.get(format!("{}&user=499999999999999999", location(&started))).send().await.expect("authorize");
    let done = callback(
        &stack,
        &location(&at_discord),
        &format!("{LOGIN_COOKIE}={login_cookie}; {SESSION_COOKIE}={}", pilot.session),
    )
    .await;
    assert_eq!(done.status().as_u16(), 302);
    for g in 0..GUILDS {
        discord
            .control(
                http,
                "/__member",
                json!({ "guild": guild_id(g), "user": "499999999999999999", "roles": [] }),
            )
            .await;
    }
    pilot.post("/api/discord/me/sync", json!({})).await;
    let joined = Instant::now();
    let (joined_status, joined_body) =
        pilot.post(&format!("/api/groups/{}/join", groups[0]), json!({})).await;
    assert_eq!(joined_status, 200, "{joined_body}");
    let mut arrived = [None; GUILDS];
    while arrived.iter().any(Option::is_none) && joined.elapsed() < Duration::from_secs(30) {
        for (g, at) in arrived.iter_mut().enumerate() {
            if at.is_some() {
                continue;
            }
            let member =
                discord.read(http, &format!("/__member?guild={}&user=499999999999999999", guild_id(g))).await;
            let has =
                member["roles"].as_array().is_some_and(|r| r.iter().any(|r| r == &json!(role_id(g, 0))));
            if has {
                *at = Some(joined.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let times: Vec<String> = arrived
        .iter()
        .map(|a| a.map_or("not within 30 s".to_owned(), |d| format!("{} ms", d.as_millis())))
        .collect();
    println!("event path: one group join to its role in each of {GUILDS} guilds: {}", times.join(", "));
}
