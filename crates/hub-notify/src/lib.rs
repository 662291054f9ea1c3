//! A user's notifications, in their Durable Object's SQLite.
//!
//! - A notification is stored before anything sends it ([`store`]).
//! - Clients acknowledge delivery by id ([`ack`]); unacknowledged ones are sent again by alarm
//!   ([`due_for_retry`], [`next_alarm_at`]): first after 5 s, then 10 s and 20 s, three retries
//!   in all. Whatever is still unacknowledged goes out again when the user reconnects
//!   ([`unacknowledged`]), so an evicted object loses nothing.
//! - Reading is separate from delivery: [`list`], [`mark_read`], [`mark_all_read`].
//! - Sockets belong to sessions. An ended session is recorded ([`end_sessions`]) so its sockets
//!   close, no new socket of it is accepted, and nothing is sent to one that is still open, even
//!   after the object hibernated ([`SocketSession::may_receive`]).
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod api;
pub mod object;
pub mod routes;
pub mod rpc;

pub use routes::routes;
pub use rpc::{deliver, Inbox, Notifications, NotificationsHandler};

use hub_domain::notification::{NewNotification, NotificationKind};
use hub_ports::{SqlError, SqlStorage, SqlValue};
use serde::{Deserialize, Serialize};

/// First retry after this long; each next one waits twice as long.
pub const FIRST_RETRY_MS: i64 = 5_000;
/// Retries after the first send.
pub const MAX_RETRIES: i64 = 3;
/// Notifications kept per user; older read ones are pruned.
const KEEP: i64 = 500;

/// A stored notification, as clients see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub title: String,
    pub data: serde_json::Value,
    pub created_at_ms: i64,
    pub read: bool,
}

/// What travels over the socket, server to client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ServerMessage {
    /// Sent once a socket is accepted.
    Hello {
        unread_count: i64,
    },
    Notification {
        notification: Notification,
    },
    Error {
        message: String,
    },
}

/// What clients send: acknowledgements (besides `ping`, answered by the runtime).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ClientMessage {
    Ack { ids: Vec<i64> },
}

pub fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
    storage.exec(
        "CREATE TABLE IF NOT EXISTS notifications (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at_ms INTEGER NOT NULL,
            read_at_ms INTEGER,
            acked_at_ms INTEGER,
            sends INTEGER NOT NULL DEFAULT 0,
            next_send_at_ms INTEGER
        )",
        &[],
    )?;
    storage.exec(
        "CREATE INDEX IF NOT EXISTS notifications_unacked ON notifications (next_send_at_ms) WHERE acked_at_ms IS NULL",
        &[],
    )?;
    storage.exec(
        "CREATE TABLE IF NOT EXISTS ended_sessions (session_id TEXT PRIMARY KEY, until_ms INTEGER NOT NULL)",
        &[],
    )?;
    Ok(())
}

/// How long an ended session is remembered: longer than any session lives.
pub const ENDED_SESSION_MEMORY_MS: i64 = 31 * 24 * 3_600_000;

/// The session a socket belongs to, kept in its attachment (it survives hibernation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocketSession {
    pub connected_at_ms: i64,
    pub session_id: String,
    /// The session's absolute expiry: nothing is sent after it.
    pub expires_at_ms: i64,
}

impl SocketSession {
    /// The tag of every socket of one session.
    pub fn tag(session_id: &str) -> String {
        format!("session:{session_id}")
    }

    /// Whether the socket may still receive: its session neither expired nor ended.
    pub fn may_receive(&self, now_ms: i64, ended: &[String]) -> bool {
        now_ms < self.expires_at_ms && !ended.contains(&self.session_id)
    }
}

/// Records sessions as ended (idempotent) and forgets those ended long ago.
pub fn end_sessions(storage: &impl SqlStorage, now_ms: i64, session_ids: &[String]) -> Result<(), SqlError> {
    storage.exec("DELETE FROM ended_sessions WHERE until_ms <= ?", &[SqlValue::Integer(now_ms)])?;
    for id in session_ids {
        storage.exec(
            "INSERT INTO ended_sessions (session_id, until_ms) VALUES (?, ?) ON CONFLICT (session_id) DO NOTHING",
            &[SqlValue::Text(id.clone()), SqlValue::Integer(now_ms + ENDED_SESSION_MEMORY_MS)],
        )?;
    }
    Ok(())
}

/// Every ended session this object remembers.
pub fn ended_sessions(storage: &impl SqlStorage) -> Result<Vec<String>, SqlError> {
    let rows = storage.exec("SELECT session_id FROM ended_sessions", &[])?;
    Ok(rows.iter().filter_map(|r| r.first().and_then(SqlValue::as_str).map(str::to_owned)).collect())
}

const COLUMNS: &str = "id, kind, title, data, created_at_ms, read_at_ms IS NOT NULL";

fn shape(what: &str) -> SqlError {
    SqlError::RowShape(format!("notification row: {what}"))
}

fn row(cells: &[SqlValue]) -> Result<Notification, SqlError> {
    let int = |i: usize| cells.get(i).and_then(SqlValue::as_i64).ok_or_else(|| shape("integer"));
    let text = |i: usize| cells.get(i).and_then(SqlValue::as_str).ok_or_else(|| shape("text"));
    Ok(Notification {
        id: int(0)?,
        kind: serde_json::from_value(serde_json::Value::String(text(1)?.to_owned()))
            .map_err(|_| shape("kind"))?,
        title: text(2)?.to_owned(),
        data: serde_json::from_str(text(3)?).map_err(|_| shape("data"))?,
        created_at_ms: int(4)?,
        read: int(5)? != 0,
    })
}

fn rows(result: &[Vec<SqlValue>]) -> Result<Vec<Notification>, SqlError> {
    result.iter().map(|cells| row(cells)).collect()
}

/// Stores a notification; it is due to be sent now. Prunes the oldest read ones beyond the cap.
pub fn store(
    storage: &impl SqlStorage,
    now_ms: i64,
    new: &NewNotification,
) -> Result<Notification, SqlError> {
    let kind =
        serde_json::to_value(new.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let stored = storage.exec(
        &format!(
            "INSERT INTO notifications (kind, title, data, created_at_ms, next_send_at_ms) VALUES (?, ?, ?, ?, ?)
             RETURNING {COLUMNS}"
        ),
        &[
            SqlValue::Text(kind),
            SqlValue::Text(new.title.clone()),
            SqlValue::Text(new.data.to_string()),
            SqlValue::Integer(now_ms),
            SqlValue::Integer(now_ms),
        ],
    )?;
    storage.exec(
        "DELETE FROM notifications WHERE read_at_ms IS NOT NULL AND id <= (SELECT max(id) FROM notifications) - ?",
        &[SqlValue::Integer(KEEP)],
    )?;
    rows(&stored)?.into_iter().next().ok_or_else(|| shape("insert returned nothing"))
}

/// Records that `ids` were just sent, and when to try again if no ack comes.
pub fn mark_sent(storage: &impl SqlStorage, now_ms: i64, ids: &[i64]) -> Result<(), SqlError> {
    for id in ids {
        storage.exec(
            "UPDATE notifications SET sends = sends + 1,
                next_send_at_ms = CASE WHEN sends + 1 > ? THEN NULL ELSE ? * (1 << sends) + ? END
             WHERE id = ? AND acked_at_ms IS NULL",
            &[
                SqlValue::Integer(MAX_RETRIES),
                SqlValue::Integer(FIRST_RETRY_MS),
                SqlValue::Integer(now_ms),
                SqlValue::Integer(*id),
            ],
        )?;
    }
    Ok(())
}

/// Unacknowledged notifications whose next send is due.
pub fn due_for_retry(storage: &impl SqlStorage, now_ms: i64) -> Result<Vec<Notification>, SqlError> {
    rows(&storage.exec(
        &format!(
            "SELECT {COLUMNS} FROM notifications WHERE acked_at_ms IS NULL AND next_send_at_ms <= ? ORDER BY id LIMIT 100"
        ),
        &[SqlValue::Integer(now_ms)],
    )?)
}

/// Every unacknowledged notification, oldest first: what a (re)connecting socket receives.
pub fn unacknowledged(storage: &impl SqlStorage) -> Result<Vec<Notification>, SqlError> {
    rows(&storage.exec(
        &format!("SELECT {COLUMNS} FROM notifications WHERE acked_at_ms IS NULL ORDER BY id LIMIT 100"),
        &[],
    )?)
}

/// When the alarm should next run: the earliest pending retry.
pub fn next_alarm_at(storage: &impl SqlStorage) -> Result<Option<i64>, SqlError> {
    let result =
        storage.exec("SELECT min(next_send_at_ms) FROM notifications WHERE acked_at_ms IS NULL", &[])?;
    Ok(result.first().and_then(|r| r.first()).and_then(SqlValue::as_i64))
}

/// Acknowledges delivery of `ids`; returns how many were newly acknowledged.
pub fn ack(storage: &impl SqlStorage, now_ms: i64, ids: &[i64]) -> Result<usize, SqlError> {
    let mut acked = 0;
    for id in ids {
        let changed = storage.exec(
            "UPDATE notifications SET acked_at_ms = ?, next_send_at_ms = NULL WHERE id = ? AND acked_at_ms IS NULL
             RETURNING id",
            &[SqlValue::Integer(now_ms), SqlValue::Integer(*id)],
        )?;
        acked += changed.len();
    }
    Ok(acked)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Page {
    pub notifications: Vec<Notification>,
    pub unread_count: i64,
    /// Pass as `before_id` for the next page; `None` on the last one.
    pub next_before_id: Option<i64>,
}

pub fn unread_count(storage: &impl SqlStorage) -> Result<i64, SqlError> {
    let result = storage.exec("SELECT count(*) FROM notifications WHERE read_at_ms IS NULL", &[])?;
    Ok(result.first().and_then(|r| r.first()).and_then(SqlValue::as_i64).unwrap_or(0))
}

/// Newest first; `unread_only` filters; `before_id` pages back.
pub fn list(
    storage: &impl SqlStorage,
    unread_only: bool,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Page, SqlError> {
    let notifications = rows(&storage.exec(
        &format!(
            "SELECT {COLUMNS} FROM notifications WHERE (? = 0 OR read_at_ms IS NULL) AND id < ?
             ORDER BY id DESC LIMIT ?"
        ),
        &[
            SqlValue::Integer(i64::from(unread_only)),
            SqlValue::Integer(before_id.unwrap_or(hub_ports::sql::MAX_SAFE_INTEGER)),
            SqlValue::Integer(limit),
        ],
    )?)?;
    let full = i64::try_from(notifications.len()).unwrap_or(i64::MAX) == limit;
    let next_before_id = if full { notifications.last().map(|n| n.id) } else { None };
    Ok(Page { notifications, unread_count: unread_count(storage)?, next_before_id })
}

/// Marks one notification read; `false` when there is no such notification.
pub fn mark_read(storage: &impl SqlStorage, now_ms: i64, id: i64) -> Result<bool, SqlError> {
    let found = storage.exec(
        "UPDATE notifications SET read_at_ms = coalesce(read_at_ms, ?) WHERE id = ? RETURNING id",
        &[SqlValue::Integer(now_ms), SqlValue::Integer(id)],
    )?;
    Ok(!found.is_empty())
}

/// Marks every notification read; returns how many were unread.
pub fn mark_all_read(storage: &impl SqlStorage, now_ms: i64) -> Result<usize, SqlError> {
    Ok(storage
        .exec(
            "UPDATE notifications SET read_at_ms = ? WHERE read_at_ms IS NULL RETURNING id",
            &[SqlValue::Integer(now_ms)],
        )?
        .len())
}

#[cfg(test)]
mod tests;
