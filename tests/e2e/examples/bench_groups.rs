//! `just bench` (groups and notifications): a category of 1,000 groups with 10,000 memberships,
//! listed natively (with the number of queries) and over HTTP through the local stack; then 1,000
//! users each holding a notification socket while one group-wide announcement reaches them all.
//!
//! Numbers are printed, never asserted: performance goals live in benchmarks, not in tests.

// Wall-clock timing is what a benchmark measures.
#![allow(clippy::disallowed_methods, clippy::cast_precision_loss)]

use e2e::api::{connect_socket, next_message, User};
use e2e::login::{login_as, Pilot};
use e2e::Stack;
use hub_accounts::session::{self, ClientInfo, SessionPolicy};
use hub_domain::UserId;
use hub_groups::{Caller, GroupFilter};
use hub_native::SystemClock;
use hub_ports::{OsRandom, PgError, PgRow, PgValue, Postgres};
use std::cell::Cell;
use std::time::{Duration, Instant};

const GROUPS: i64 = 1_000;
const USERS: i64 = 1_000;
const MEMBERSHIPS_PER_USER: i64 = 10;
const SOCKETS: i64 = 1_000;

struct Counting<P> {
    inner: P,
    statements: Cell<usize>,
}

impl<P: Postgres> Postgres for Counting<P> {
    async fn query(&self, sql: &str, params: &[PgValue]) -> Result<Vec<PgRow>, PgError> {
        self.statements.set(self.statements.get() + 1);
        self.inner.query(sql, params).await
    }

    async fn execute(&self, sql: &str, params: &[PgValue]) -> Result<u64, PgError> {
        self.statements.set(self.statements.get() + 1);
        self.inner.execute(sql, params).await
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    sorted[index as usize]
}

fn summary(label: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    println!(
        "{label:44} p50 {:>8.2} ms   p99 {:>8.2} ms   ({} runs)",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples.len()
    );
}

#[tokio::main]
async fn main() {
    let stack = Stack::start().await;
    let owner =
        User::new(&stack, login_as(&stack, &Pilot { id: 9000, name: "Admin", owner: "admin" }).await).await;
    let pg = hub_native::pg::connect(stack.database_url()).await.expect("database");
    let (_, category) = owner
        .post("/api/groups/categories", serde_json::json!({ "name": "Bench", "permission": "anyone" }))
        .await;
    let category_id: uuid::Uuid = category["id"].as_str().expect("category").parse().expect("uuid");
    let owner_id: uuid::Uuid = owner.id.parse().expect("uuid");

    // Seed in bulk: groups, users with a character each, memberships spread over the groups.
    let seeded = Instant::now();
    pg.execute(
        "INSERT INTO groups (id, category_id, name, visibility, join_mode, owner_id)
         SELECT gen_random_uuid(), $1, 'Group ' || lpad(n::text, 4, '0'), 'public', 'open', $2
         FROM generate_series(1, $3::bigint) n",
        &[PgValue::Uuid(category_id), PgValue::Uuid(owner_id), PgValue::Int(GROUPS)],
    )
    .await
    .expect("groups");
    pg.execute(
        "INSERT INTO group_members (group_id, user_id, source) SELECT id, $1, 'owner' FROM groups WHERE category_id = $2",
        &[PgValue::Uuid(owner_id), PgValue::Uuid(category_id)],
    )
    .await
    .expect("owner memberships");
    pg.execute(
        "WITH u AS (INSERT INTO users (id) SELECT gen_random_uuid() FROM generate_series(1, $1::bigint) RETURNING id),
              numbered AS (SELECT id, row_number() OVER () AS n FROM u),
              c AS (INSERT INTO characters (id, user_id, name, owner_hash)
                    SELECT 3000000000 + n, id, 'Bench ' || n, 'bench' FROM numbered RETURNING id, user_id)
         UPDATE users SET main_character_id = c.id FROM c WHERE users.id = c.user_id",
        &[PgValue::Int(USERS)],
    )
    .await
    .expect("users");
    pg.execute(
        "WITH g AS (SELECT id, row_number() OVER (ORDER BY name) AS n FROM groups WHERE category_id = $1),
              u AS (SELECT user_id, row_number() OVER (ORDER BY user_id) AS n FROM characters WHERE name LIKE 'Bench %')
         INSERT INTO group_members (group_id, user_id, source)
         SELECT g.id, u.user_id, 'manual' FROM u CROSS JOIN generate_series(0, $2::bigint - 1) k
         JOIN g ON g.n = ((u.n * 7 + k * 97) % $3::bigint) + 1
         ON CONFLICT DO NOTHING",
        &[PgValue::Uuid(category_id), PgValue::Int(MEMBERSHIPS_PER_USER), PgValue::Int(GROUPS)],
    )
    .await
    .expect("memberships");
    let memberships =
        pg.query("SELECT count(*) FROM group_members", &[]).await.expect("count")[0].0[0].clone();
    println!(
        "seeded {GROUPS} groups, {memberships:?} memberships in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    // Native: the listing the API runs, with its statement count.
    let viewer = Caller { user_id: UserId(owner_id), site_admin: false };
    let filter = GroupFilter { category_id: Some(category_id), ..GroupFilter::default() };
    let counting = Counting {
        inner: hub_native::pg::connect(stack.database_url()).await.expect("db"),
        statements: Cell::new(0),
    };
    let mut native = Vec::new();
    let mut listed = 0;
    for _ in 0..30 {
        let started = Instant::now();
        listed = hub_groups::list_groups(&counting, &viewer, &filter).await.expect("listing").len();
        native.push(started.elapsed().as_secs_f64() * 1e3);
    }
    println!("listing: {listed} groups, {} queries per listing", counting.statements.get() / 30);
    summary("native list_groups (Postgres only)", native);

    // Over HTTP through ui -> groups -> Hyperdrive -> Postgres, as the browser asks.
    let path = format!("/api/groups?category_id={category_id}");
    let mut http = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        let (status, body) = owner.get(&path).await;
        http.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(status, 200, "{body}");
        listed = body["groups"].as_array().map_or(0, Vec::len);
    }
    println!("http listing returned {listed} groups");
    summary("GET /api/groups?category_id (local stack)", http);

    fan_out(&stack, &pg, &owner).await;
}

/// 1,000 users with a session and an open socket, all members of one group; one announcement.
async fn fan_out(stack: &Stack, pg: &impl Postgres, owner: &User<'_>) {
    let (_, category) = owner
        .post("/api/groups/categories", serde_json::json!({ "name": "Fan-out", "permission": "anyone" }))
        .await;
    let (_, group) = owner
        .post(
            "/api/groups",
            serde_json::json!({ "category_id": category["id"], "name": "Everyone", "visibility": "public", "join_mode": "open" }),
        )
        .await;
    let group_id: uuid::Uuid = group["id"].as_str().expect("group").parse().expect("uuid");
    let users = pg
        .query(
            "SELECT user_id FROM characters WHERE name LIKE 'Bench %' ORDER BY id LIMIT $1",
            &[PgValue::Int(SOCKETS)],
        )
        .await
        .expect("users");
    let mut sessions = Vec::new();
    for row in &users {
        let PgValue::Uuid(user) = row.0[0] else { panic!("user id") };
        pg.execute(
            "INSERT INTO group_members (group_id, user_id, source) VALUES ($1, $2, 'manual')",
            &[PgValue::Uuid(group_id), PgValue::Uuid(user)],
        )
        .await
        .expect("member");
        let (token, _) = session::create(
            pg,
            &OsRandom,
            &SystemClock,
            &SessionPolicy::default(),
            UserId(user),
            &ClientInfo::default(),
        )
        .await
        .expect("session");
        sessions.push(token.encode());
    }
    let connecting = Instant::now();
    let mut sockets = Vec::new();
    for chunk in sessions.chunks(50) {
        let opened = futures::future::join_all(
            chunk.iter().map(|s| connect_socket(stack, Some(s), Some(&stack.base_url))),
        )
        .await;
        for socket in opened {
            let mut socket = socket.expect("socket");
            next_message(&mut socket, Duration::from_secs(30)).await.expect("hello");
            sockets.push(socket);
        }
    }
    println!("{} sockets open in {:.1} s", sockets.len(), connecting.elapsed().as_secs_f64());

    let announce_path = format!("/api/groups/{group_id}/announcements");
    let started = Instant::now();
    let announce = owner.post(&announce_path, serde_json::json!({ "message": "bench" }));
    let receive = futures::future::join_all(sockets.iter_mut().map(|socket| async move {
        loop {
            let message = next_message(socket, Duration::from_mins(1)).await?;
            if message["type"] == "notification" && message["notification"]["kind"] == "group_announcement" {
                return Some(Instant::now());
            }
        }
    }));
    let ((status, body), arrivals) = tokio::join!(announce, receive);
    let answered = started.elapsed();
    let delivered: Vec<Instant> = arrivals.into_iter().flatten().collect();
    let last = delivered.iter().max().map_or(Duration::ZERO, |t| t.duration_since(started));
    println!(
        "announcement to {} members: API {status} {body} in {:.2} s; {} of {} sockets received it, the last after {:.2} s",
        SOCKETS + 1,
        answered.as_secs_f64(),
        delivered.len(),
        SOCKETS,
        last.as_secs_f64()
    );
}
