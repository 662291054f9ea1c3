//! The deployment's Discord rate limiter: one object per bot token holds every bucket, so no two
//! callers ever spend the same allowance.
//!
//! - Buckets are learned from the answers' `X-RateLimit-*` headers, never hard-coded: a route is
//!   mapped to its bucket (per top-level resource, the guild), and each bucket keeps what is left
//!   until its reset. A route never seen goes one call at a time until its first answer names
//!   its bucket.
//! - The global limit: 50 calls a second, over a sliding window a little longer than a second (no
//!   second as Discord counts it ever sees more, whatever the latency between us).
//! - A 429 is honoured for its scope: `global` holds every call, `user` and `shared` the bucket.
//! - Invalid requests (401, 403, 429 but `shared`) are counted over ten minutes and kept far below
//!   Discord's 10,000: past [`INVALID_BUDGET`] every call is refused until the window moves on,
//!   and site admins are alerted when half of it is spent.

use crate::client::{Observed, RouteKey};
use hub_ports::{SqlError, SqlStorage, SqlValue};

pub const GLOBAL_PER_SECOND: i64 = 50;
/// The sliding window [`GLOBAL_PER_SECOND`] is counted over: a second and a margin for latency.
const GLOBAL_WINDOW_MS: i64 = 1_250;
/// A bucket window the limiter starts itself (past the last reset it heard of) ends this much
/// later than its length: Discord's starts when our first call arrives, a little after we send it.
const WINDOW_MARGIN_MS: i64 = 250;
/// Invalid requests allowed per ten minutes: a tenth of Discord's limit.
pub const INVALID_BUDGET: i64 = 1_000;
pub const INVALID_WINDOW_MS: i64 = 10 * 60_000;
/// How long a route's first call holds the route's other callers (until its answer arrives).
const PROBE_MS: i64 = 5_000;

pub fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
    storage.exec(
        "CREATE TABLE IF NOT EXISTS rl_routes (route TEXT NOT NULL, major TEXT NOT NULL, bucket TEXT,
            probe_until_ms INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (route, major))",
        &[],
    )?;
    storage.exec(
        "CREATE TABLE IF NOT EXISTS rl_buckets (bucket TEXT NOT NULL, major TEXT NOT NULL, remaining INTEGER NOT NULL,
            reset_at_ms INTEGER NOT NULL, bucket_limit INTEGER NOT NULL, window_ms INTEGER NOT NULL,
            PRIMARY KEY (bucket, major))",
        &[],
    )?;
    // A global 429's end; and the calls of the last global window, one row each.
    storage.exec(
        "CREATE TABLE IF NOT EXISTS rl_global (id INTEGER PRIMARY KEY CHECK (id = 1), blocked_until_ms INTEGER NOT NULL)",
        &[],
    )?;
    storage.exec("CREATE TABLE IF NOT EXISTS rl_global_calls (at_ms INTEGER NOT NULL)", &[])?;
    storage.exec("CREATE TABLE IF NOT EXISTS rl_invalid (at_ms INTEGER NOT NULL)", &[])?;
    storage.exec("CREATE TABLE IF NOT EXISTS rl_alerts (window_start_ms INTEGER PRIMARY KEY)", &[])?;
    Ok(())
}

fn int(row: &[SqlValue], index: usize) -> Result<i64, SqlError> {
    row.get(index)
        .and_then(SqlValue::as_i64)
        .ok_or_else(|| SqlError::RowShape(format!("rate limiter column {index}")))
}

/// Why a call may not go at all.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error(
        "the bot spent its invalid-request budget ({0} in ten minutes); calls resume as the window moves on"
    )]
    InvalidBudget(i64),
    #[error(transparent)]
    Storage(#[from] SqlError),
}

/// Whether a call on `route` may go at `now_ms`: `Ok(None)` to go (and the allowance is taken),
/// `Ok(Some(at_ms))` to ask again then.
pub fn permit(storage: &impl SqlStorage, route: &RouteKey, now_ms: i64) -> Result<Option<i64>, Refused> {
    let invalid = invalid_count(storage, now_ms)?;
    if invalid >= INVALID_BUDGET {
        return Err(Refused::InvalidBudget(invalid));
    }
    let (count, oldest, blocked_until) = global(storage, now_ms)?;
    if blocked_until > now_ms {
        return Ok(Some(blocked_until));
    }
    if count >= GLOBAL_PER_SECOND {
        return Ok(Some(oldest + GLOBAL_WINDOW_MS));
    }
    let route_row = storage.exec(
        "SELECT bucket, probe_until_ms FROM rl_routes WHERE route = ? AND major = ?",
        &[SqlValue::Text(route.route.clone()), SqlValue::Text(route.major.clone())],
    )?;
    let wait = if let Some(row) = route_row.first() {
        match row.first().and_then(SqlValue::as_str) {
            Some(bucket) => take_from_bucket(storage, bucket, &route.major, now_ms)?,
            None => probe(storage, route, int(row, 1)?, now_ms)?,
        }
    } else {
        storage.exec(
            "INSERT INTO rl_routes (route, major, bucket, probe_until_ms) VALUES (?, ?, NULL, ?)",
            &[
                SqlValue::Text(route.route.clone()),
                SqlValue::Text(route.major.clone()),
                SqlValue::Integer(now_ms + PROBE_MS),
            ],
        )?;
        None
    };
    if wait.is_some() {
        return Ok(wait);
    }
    storage.exec("INSERT INTO rl_global_calls (at_ms) VALUES (?)", &[SqlValue::Integer(now_ms)])?;
    Ok(None)
}

/// Takes one call from a known bucket: `Some(at_ms)` when it is empty until then. Past its reset
/// the bucket starts a new window of the size it last had, which the answers then correct.
fn take_from_bucket(
    storage: &impl SqlStorage,
    bucket: &str,
    major: &str,
    now_ms: i64,
) -> Result<Option<i64>, SqlError> {
    let key = [SqlValue::Text(bucket.to_owned()), SqlValue::Text(major.to_owned())];
    let state =
        storage.exec("SELECT remaining, reset_at_ms FROM rl_buckets WHERE bucket = ? AND major = ?", &key)?;
    let Some(state) = state.first() else { return Ok(None) };
    let (remaining, reset_at) = (int(state, 0)?, int(state, 1)?);
    if reset_at > now_ms {
        if remaining <= 0 {
            return Ok(Some(reset_at));
        }
        storage
            .exec("UPDATE rl_buckets SET remaining = remaining - 1 WHERE bucket = ? AND major = ?", &key)?;
    } else {
        storage.exec(
            "UPDATE rl_buckets SET remaining = bucket_limit - 1, reset_at_ms = ? + window_ms WHERE bucket = ? AND major = ?",
            &[SqlValue::Integer(now_ms + WINDOW_MARGIN_MS), key[0].clone(), key[1].clone()],
        )?;
    }
    Ok(None)
}

/// A route whose bucket is not known yet goes one call at a time: the first answer names it.
fn probe(
    storage: &impl SqlStorage,
    route: &RouteKey,
    probe_until: i64,
    now_ms: i64,
) -> Result<Option<i64>, SqlError> {
    if probe_until > now_ms {
        return Ok(Some(probe_until));
    }
    storage.exec(
        "UPDATE rl_routes SET probe_until_ms = ? WHERE route = ? AND major = ?",
        &[
            SqlValue::Integer(now_ms + PROBE_MS),
            SqlValue::Text(route.route.clone()),
            SqlValue::Text(route.major.clone()),
        ],
    )?;
    Ok(None)
}

/// The calls of the global window ending at `now_ms` (older ones are dropped), the oldest of
/// them, and when a global 429 ends.
fn global(storage: &impl SqlStorage, now_ms: i64) -> Result<(i64, i64, i64), SqlError> {
    storage.exec(
        "DELETE FROM rl_global_calls WHERE at_ms <= ?",
        &[SqlValue::Integer(now_ms - GLOBAL_WINDOW_MS)],
    )?;
    let calls = storage.exec("SELECT count(*), coalesce(min(at_ms), 0) FROM rl_global_calls", &[])?;
    let (count, oldest) = match calls.first() {
        Some(row) => (int(row, 0)?, int(row, 1)?),
        None => (0, 0),
    };
    let blocked = storage.exec("SELECT blocked_until_ms FROM rl_global WHERE id = 1", &[])?;
    let blocked = match blocked.first() {
        Some(row) => int(row, 0)?,
        None => 0,
    };
    Ok((count, oldest, blocked))
}

fn invalid_count(storage: &impl SqlStorage, now_ms: i64) -> Result<i64, SqlError> {
    storage
        .exec("DELETE FROM rl_invalid WHERE at_ms <= ?", &[SqlValue::Integer(now_ms - INVALID_WINDOW_MS)])?;
    let rows = storage.exec("SELECT count(*) FROM rl_invalid", &[])?;
    rows.first().map_or(Ok(0), |row| int(row, 0))
}

/// What an answer changes; `alert` when the invalid requests just reached half the budget (once
/// per window).
pub fn observe(
    storage: &impl SqlStorage,
    route: &RouteKey,
    observed: &Observed,
    now_ms: i64,
) -> Result<bool, SqlError> {
    let major = SqlValue::Text(route.major.clone());
    if let Some(bucket) = &observed.bucket {
        storage.exec(
            "INSERT INTO rl_routes (route, major, bucket, probe_until_ms) VALUES (?, ?, ?, 0)
             ON CONFLICT (route, major) DO UPDATE SET bucket = excluded.bucket, probe_until_ms = 0",
            &[SqlValue::Text(route.route.clone()), major.clone(), SqlValue::Text(bucket.clone())],
        )?;
        if let (Some(remaining), Some(reset_after)) = (observed.remaining, observed.reset_after_ms) {
            // Calls still in flight were counted by us and not yet by Discord: keep the smaller.
            storage.exec(
                "INSERT INTO rl_buckets (bucket, major, remaining, reset_at_ms, bucket_limit, window_ms) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (bucket, major) DO UPDATE SET
                    remaining = CASE WHEN rl_buckets.reset_at_ms > ? THEN min(rl_buckets.remaining, excluded.remaining)
                                     ELSE excluded.remaining END,
                    reset_at_ms = max(rl_buckets.reset_at_ms, excluded.reset_at_ms),
                    bucket_limit = excluded.bucket_limit, window_ms = max(rl_buckets.window_ms, excluded.window_ms)",
                &[
                    SqlValue::Text(bucket.clone()),
                    major.clone(),
                    SqlValue::Integer(remaining),
                    SqlValue::Integer(now_ms + reset_after),
                    SqlValue::Integer(observed.limit.unwrap_or(remaining + 1).max(1)),
                    SqlValue::Integer(reset_after.max(1)),
                    SqlValue::Integer(now_ms),
                ],
            )?;
        }
    } else {
        // No bucket named: the route stops probing, and stays one call at a time.
        storage.exec(
            "UPDATE rl_routes SET probe_until_ms = 0 WHERE route = ? AND major = ?",
            &[SqlValue::Text(route.route.clone()), major.clone()],
        )?;
    }
    if observed.status == 429 {
        let until = now_ms + observed.retry_after_ms.unwrap_or(1_000);
        match observed.scope.as_deref() {
            Some("global") => {
                storage.exec(
                    "INSERT INTO rl_global (id, blocked_until_ms) VALUES (1, ?)
                     ON CONFLICT (id) DO UPDATE SET blocked_until_ms = max(rl_global.blocked_until_ms, excluded.blocked_until_ms)",
                    &[SqlValue::Integer(until)],
                )?;
            }
            _ => {
                if let Some(bucket) = &observed.bucket {
                    storage.exec(
                        "INSERT INTO rl_buckets (bucket, major, remaining, reset_at_ms, bucket_limit, window_ms) VALUES (?, ?, 0, ?, 1, ?)
                         ON CONFLICT (bucket, major) DO UPDATE SET remaining = 0,
                            reset_at_ms = max(rl_buckets.reset_at_ms, excluded.reset_at_ms)",
                        &[SqlValue::Text(bucket.clone()), major.clone(), SqlValue::Integer(until), SqlValue::Integer((until - now_ms).max(1))],
                    )?;
                } else {
                    storage.exec(
                        "UPDATE rl_routes SET probe_until_ms = ? WHERE route = ? AND major = ?",
                        &[SqlValue::Integer(until), SqlValue::Text(route.route.clone()), major],
                    )?;
                }
            }
        }
    }
    let invalid = matches!(observed.status, 401 | 403)
        || (observed.status == 429 && observed.scope.as_deref() != Some("shared"));
    if !invalid {
        return Ok(false);
    }
    storage.exec("INSERT INTO rl_invalid (at_ms) VALUES (?)", &[SqlValue::Integer(now_ms)])?;
    let count = invalid_count(storage, now_ms)?;
    if count < INVALID_BUDGET / 2 {
        return Ok(false);
    }
    let window = now_ms - now_ms % INVALID_WINDOW_MS;
    let fresh = storage.exec(
        "INSERT INTO rl_alerts (window_start_ms) VALUES (?) ON CONFLICT DO NOTHING RETURNING window_start_ms",
        &[SqlValue::Integer(window)],
    )?;
    Ok(!fresh.is_empty())
}

/// The invalid requests of the last ten minutes, for the admins' view.
pub fn invalid_requests(storage: &impl SqlStorage, now_ms: i64) -> Result<i64, SqlError> {
    invalid_count(storage, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hub_native::SqliteStorage;

    fn storage() -> SqliteStorage {
        let storage = SqliteStorage::in_memory();
        migrate(&storage).unwrap();
        storage
    }

    fn route(major: &str) -> RouteKey {
        RouteKey { route: "PUT /guilds/{g}/members/{u}/roles/{r}".into(), major: major.into() }
    }

    fn answer(status: u16, remaining: i64, reset_after_ms: i64) -> Observed {
        Observed {
            status,
            bucket: Some("roles".into()),
            limit: Some(5),
            remaining: Some(remaining),
            reset_after_ms: Some(reset_after_ms),
            ..Observed::default()
        }
    }

    #[test]
    fn an_unknown_route_goes_one_call_at_a_time_until_its_bucket_is_known() {
        let s = storage();
        assert_eq!(permit(&s, &route("g1"), 1_000).unwrap(), None);
        assert_eq!(
            permit(&s, &route("g1"), 1_001).unwrap(),
            Some(1_000 + PROBE_MS),
            "the probe holds the route"
        );
        assert_eq!(permit(&s, &route("g2"), 1_001).unwrap(), None, "another guild is another bucket");
        observe(&s, &route("g1"), &answer(204, 3, 2_000), 1_010).unwrap();
        for _ in 0..3 {
            assert_eq!(permit(&s, &route("g1"), 1_020).unwrap(), None);
        }
        assert_eq!(permit(&s, &route("g1"), 1_030).unwrap(), Some(3_010), "empty until the reset");
        assert_eq!(permit(&s, &route("g1"), 3_010).unwrap(), None, "full again after it");
        for _ in 0..4 {
            assert_eq!(permit(&s, &route("g1"), 3_020).unwrap(), None);
        }
        assert_eq!(
            permit(&s, &route("g1"), 3_030).unwrap(),
            Some(5_010 + WINDOW_MARGIN_MS),
            "the new window, started by us, holds the limit too (and ends a little late)"
        );
    }

    #[test]
    fn answers_never_raise_what_calls_in_flight_already_took() {
        let s = storage();
        permit(&s, &route("g"), 0).unwrap();
        observe(&s, &route("g"), &answer(204, 4, 2_000), 10).unwrap();
        for _ in 0..4 {
            assert_eq!(permit(&s, &route("g"), 20).unwrap(), None);
        }
        // A late answer from before those four says 3 remain: still none.
        observe(&s, &route("g"), &answer(204, 3, 1_990), 20).unwrap();
        assert!(permit(&s, &route("g"), 30).unwrap().is_some());
    }

    #[test]
    fn the_global_limit_and_a_global_429_hold_every_route() {
        let s = storage();
        for i in 0..GLOBAL_PER_SECOND {
            let key = RouteKey { route: format!("GET /r{i}"), major: "x".into() };
            assert_eq!(permit(&s, &key, 5_000).unwrap(), None);
        }
        assert_eq!(permit(&s, &route("g"), 5_500).unwrap(), Some(5_000 + GLOBAL_WINDOW_MS), "50 a second");
        assert_eq!(
            permit(&s, &route("g"), 6_050).unwrap(),
            Some(5_000 + GLOBAL_WINDOW_MS),
            "a sliding window: no second seen by Discord gets more"
        );
        let global = Observed {
            status: 429,
            retry_after_ms: Some(3_000),
            scope: Some("global".into()),
            ..Observed::default()
        };
        observe(&s, &route("g"), &global, 6_000).unwrap();
        assert_eq!(permit(&s, &route("g"), 6_100).unwrap(), Some(9_000));
        assert_eq!(
            permit(&s, &RouteKey { route: "GET /other".into(), major: "y".into() }, 6_100).unwrap(),
            Some(9_000)
        );
    }

    #[test]
    fn invalid_requests_alert_at_half_the_budget_and_stop_everything_at_the_budget() {
        let s = storage();
        let forbidden = Observed { status: 403, ..Observed::default() };
        let shared = Observed {
            status: 429,
            scope: Some("shared".into()),
            retry_after_ms: Some(1),
            ..Observed::default()
        };
        observe(&s, &route("g"), &shared, 0).unwrap();
        assert_eq!(invalid_requests(&s, 0).unwrap(), 0, "a shared 429 is not ours to count");
        let mut alerts = 0;
        for i in 0..INVALID_BUDGET {
            if observe(&s, &route("g"), &forbidden, i).unwrap() {
                alerts += 1;
            }
        }
        assert_eq!(alerts, 1, "one alert per window");
        assert!(matches!(permit(&s, &route("h"), INVALID_BUDGET), Err(Refused::InvalidBudget(_))));
        assert_eq!(
            permit(&s, &route("h"), INVALID_WINDOW_MS + INVALID_BUDGET).unwrap(),
            None,
            "the window moved on"
        );
    }
}
