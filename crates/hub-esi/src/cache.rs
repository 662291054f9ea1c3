//! The response cache and rate-limit state, in the calling Durable Object's SQLite.

use hub_ports::{SqlError, SqlStorage, SqlValue};

pub fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
    storage.exec(
        "CREATE TABLE IF NOT EXISTS esi_cache (
            key TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            expires_at_ms INTEGER NOT NULL,
            pages INTEGER NOT NULL DEFAULT 1,
            rate_group TEXT,
            body BLOB NOT NULL
        )",
        &[],
    )?;
    storage.exec(
        "CREATE TABLE IF NOT EXISTS esi_rate_limits (
            rate_group TEXT NOT NULL,
            character_id INTEGER NOT NULL,
            remaining INTEGER,
            window_ms INTEGER,
            tokens_per_window INTEGER,
            updated_at_ms INTEGER NOT NULL,
            blocked_until_ms INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (rate_group, character_id)
        )",
        &[],
    )?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub expires_at_ms: i64,
    pub pages: i64,
    pub rate_group: Option<String>,
    pub body: Vec<u8>,
}

pub fn get(storage: &impl SqlStorage, key: &str) -> Result<Option<Entry>, SqlError> {
    let rows = storage.exec(
        "SELECT etag, last_modified, expires_at_ms, pages, rate_group, body FROM esi_cache WHERE key = ?",
        &[SqlValue::Text(key.to_owned())],
    )?;
    let Some(row) = rows.into_iter().next() else { return Ok(None) };
    let text = |i: usize| row.get(i).and_then(SqlValue::as_str).map(str::to_owned);
    Ok(Some(Entry {
        etag: text(0),
        last_modified: text(1),
        expires_at_ms: row.get(2).and_then(SqlValue::as_i64).unwrap_or(0),
        pages: row.get(3).and_then(SqlValue::as_i64).unwrap_or(1),
        rate_group: text(4),
        body: match row.get(5) {
            Some(SqlValue::Blob(b)) => b.clone(),
            Some(SqlValue::Text(t)) => t.clone().into_bytes(),
            _ => Vec::new(),
        },
    }))
}

pub fn put(storage: &impl SqlStorage, key: &str, entry: &Entry) -> Result<(), SqlError> {
    let opt = |v: &Option<String>| v.clone().map_or(SqlValue::Null, SqlValue::Text);
    storage.exec(
        "INSERT INTO esi_cache (key, etag, last_modified, expires_at_ms, pages, rate_group, body)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
            expires_at_ms = excluded.expires_at_ms, pages = excluded.pages, rate_group = excluded.rate_group,
            body = excluded.body",
        &[
            SqlValue::Text(key.to_owned()),
            opt(&entry.etag),
            opt(&entry.last_modified),
            SqlValue::Integer(entry.expires_at_ms),
            SqlValue::Integer(entry.pages),
            opt(&entry.rate_group),
            SqlValue::Blob(entry.body.clone()),
        ],
    )?;
    Ok(())
}

/// After a 304: the cached body stays, with the new expiry.
pub fn refresh_expiry(storage: &impl SqlStorage, key: &str, expires_at_ms: i64) -> Result<(), SqlError> {
    storage.exec(
        "UPDATE esi_cache SET expires_at_ms = ? WHERE key = ?",
        &[SqlValue::Integer(expires_at_ms), SqlValue::Text(key.to_owned())],
    )?;
    Ok(())
}

/// A rate-limit group's state for one character (0 for public routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    pub remaining: Option<i64>,
    pub window_ms: Option<i64>,
    pub tokens_per_window: Option<i64>,
    pub updated_at_ms: i64,
    pub blocked_until_ms: i64,
}

pub fn rate(storage: &impl SqlStorage, group: &str, character: i64) -> Result<Option<RateState>, SqlError> {
    let rows = storage.exec(
        "SELECT remaining, window_ms, tokens_per_window, updated_at_ms, blocked_until_ms FROM esi_rate_limits
         WHERE rate_group = ? AND character_id = ?",
        &[SqlValue::Text(group.to_owned()), SqlValue::Integer(character)],
    )?;
    Ok(rows.into_iter().next().map(|row| RateState {
        remaining: row.first().and_then(SqlValue::as_i64),
        window_ms: row.get(1).and_then(SqlValue::as_i64),
        tokens_per_window: row.get(2).and_then(SqlValue::as_i64),
        updated_at_ms: row.get(3).and_then(SqlValue::as_i64).unwrap_or(0),
        blocked_until_ms: row.get(4).and_then(SqlValue::as_i64).unwrap_or(0),
    }))
}

pub fn put_rate(
    storage: &impl SqlStorage,
    group: &str,
    character: i64,
    state: &RateState,
) -> Result<(), SqlError> {
    let opt = |v: Option<i64>| v.map_or(SqlValue::Null, SqlValue::Integer);
    storage.exec(
        "INSERT INTO esi_rate_limits (rate_group, character_id, remaining, window_ms, tokens_per_window, updated_at_ms,
            blocked_until_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (rate_group, character_id) DO UPDATE SET remaining = excluded.remaining,
            window_ms = excluded.window_ms, tokens_per_window = excluded.tokens_per_window,
            updated_at_ms = excluded.updated_at_ms, blocked_until_ms = excluded.blocked_until_ms",
        &[
            SqlValue::Text(group.to_owned()),
            SqlValue::Integer(character),
            opt(state.remaining),
            opt(state.window_ms),
            opt(state.tokens_per_window),
            SqlValue::Integer(state.updated_at_ms),
            SqlValue::Integer(state.blocked_until_ms),
        ],
    )?;
    Ok(())
}
