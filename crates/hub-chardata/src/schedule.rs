//! A character's sync schedule, in its object's SQLite: when each dataset runs next, and which are
//! stopped (and why) until a new token arrives.

use crate::Dataset;
use hub_domain::CharacterId;
use hub_ports::{SqlError, SqlStorage, SqlValue};
use serde::{Deserialize, Serialize};

/// The soonest a dataset syncs again, whatever ESI's `Expires` says.
pub const MIN_INTERVAL_MS: i64 = 60_000;
/// After an unexpected failure.
pub const RETRY_MS: i64 = 5 * 60_000;

/// How a dataset's last run ended, as users see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SyncStatus {
    /// New data was stored.
    Ok,
    /// ESI had nothing new.
    Unchanged,
    /// ESI asked us to wait (rate or error limit).
    Paused,
    /// ESI refused (a role or scope the character lacks): stopped.
    Forbidden,
    /// Something failed; it runs again soon.
    Error,
    /// No token is stored for the character: stopped.
    NoToken,
    /// The character's grant stopped working: stopped.
    TokenInvalid,
    /// The character's login did not grant the dataset's scope: stopped.
    MissingScope,
}

impl SyncStatus {
    pub const ALL: [SyncStatus; 8] = [
        SyncStatus::Ok,
        SyncStatus::Unchanged,
        SyncStatus::Paused,
        SyncStatus::Forbidden,
        SyncStatus::Error,
        SyncStatus::NoToken,
        SyncStatus::TokenInvalid,
        SyncStatus::MissingScope,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Ok => "ok",
            SyncStatus::Unchanged => "unchanged",
            SyncStatus::Paused => "paused",
            SyncStatus::Forbidden => "forbidden",
            SyncStatus::Error => "error",
            SyncStatus::NoToken => "no_token",
            SyncStatus::TokenInvalid => "token_invalid",
            SyncStatus::MissingScope => "missing_scope",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the run read what ESI had (new or not).
    pub fn succeeded(self) -> bool {
        matches!(self, SyncStatus::Ok | SyncStatus::Unchanged)
    }
}

/// How a dataset's run ended: its status and when it runs again (`None`: stopped until a new token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    pub status: SyncStatus,
    pub message: Option<String>,
    pub next_at_ms: Option<i64>,
}

impl RunOutcome {
    /// Runs again after [`RETRY_MS`].
    pub fn retry(now_ms: i64, message: impl Into<String>) -> Self {
        Self { status: SyncStatus::Error, message: Some(message.into()), next_at_ms: Some(now_ms + RETRY_MS) }
    }

    /// Stops until a new token arrives.
    pub fn stop(status: SyncStatus, message: impl Into<String>) -> Self {
        Self { status, message: Some(message.into()), next_at_ms: None }
    }
}

pub fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
    storage.exec(
        "CREATE TABLE IF NOT EXISTS sync_meta (id INTEGER PRIMARY KEY CHECK (id = 1), character_id INTEGER NOT NULL)",
        &[],
    )?;
    storage.exec(
        "CREATE TABLE IF NOT EXISTS sync_schedule (dataset TEXT PRIMARY KEY, next_at_ms INTEGER NOT NULL, stopped TEXT)",
        &[],
    )?;
    Ok(())
}

fn shape(what: &str) -> SqlError {
    SqlError::RowShape(format!("sync schedule: {what}"))
}

/// The character this object syncs, once started.
pub fn character(storage: &impl SqlStorage) -> Result<Option<CharacterId>, SqlError> {
    let rows = storage.exec("SELECT character_id FROM sync_meta WHERE id = 1", &[])?;
    rows.first()
        .map(|row| {
            row.first().and_then(SqlValue::as_i64).map(CharacterId).ok_or_else(|| shape("character_id"))
        })
        .transpose()
}

/// Records the object's character and makes every dataset due now, none stopped: a new token (a
/// login, a grant) may allow what the old one did not.
pub fn start(storage: &impl SqlStorage, now_ms: i64, character: CharacterId) -> Result<(), SqlError> {
    storage.exec(
        "INSERT INTO sync_meta (id, character_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET character_id = excluded.character_id",
        &[SqlValue::Integer(character.0)],
    )?;
    all_due_now(storage, now_ms)
}

/// Every dataset due now, none stopped.
pub fn all_due_now(storage: &impl SqlStorage, now_ms: i64) -> Result<(), SqlError> {
    for dataset in Dataset::ALL {
        storage.exec(
            "INSERT INTO sync_schedule (dataset, next_at_ms, stopped) VALUES (?, ?, NULL)
             ON CONFLICT (dataset) DO UPDATE SET next_at_ms = excluded.next_at_ms, stopped = NULL",
            &[SqlValue::Text(dataset.as_str().into()), SqlValue::Integer(now_ms)],
        )?;
    }
    Ok(())
}

/// One dataset's row of the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    pub dataset: Dataset,
    pub next_at_ms: i64,
    pub stopped: Option<SyncStatus>,
}

/// The whole schedule. A row this version does not know (a dataset since removed) is skipped.
pub fn scheduled(storage: &impl SqlStorage) -> Result<Vec<Scheduled>, SqlError> {
    let rows = storage.exec("SELECT dataset, next_at_ms, stopped FROM sync_schedule", &[])?;
    let mut schedule = Vec::new();
    for row in rows {
        let name = row.first().and_then(SqlValue::as_str).ok_or_else(|| shape("dataset"))?;
        let Some(dataset) = Dataset::parse(name) else {
            tracing::warn!(dataset = name, "an unknown dataset in the schedule is skipped");
            continue;
        };
        let next_at_ms = row.get(1).and_then(SqlValue::as_i64).ok_or_else(|| shape("next_at_ms"))?;
        let stopped = match row.get(2) {
            Some(SqlValue::Null) | None => None,
            Some(SqlValue::Text(status)) => Some(SyncStatus::parse(status).unwrap_or(SyncStatus::Error)),
            Some(_) => return Err(shape("stopped")),
        };
        schedule.push(Scheduled { dataset, next_at_ms, stopped });
    }
    Ok(schedule)
}

/// Datasets due now (or all, when `force`), not stopped, in [`Dataset::ALL`] order (public info
/// before roles).
pub fn due(storage: &impl SqlStorage, now_ms: i64, force: bool) -> Result<Vec<Dataset>, SqlError> {
    let schedule = scheduled(storage)?;
    Ok(Dataset::ALL
        .into_iter()
        .filter(|dataset| {
            schedule
                .iter()
                .find(|s| s.dataset == *dataset)
                .is_some_and(|s| force || (s.stopped.is_none() && s.next_at_ms <= now_ms))
        })
        .collect())
}

/// Records when a dataset runs next, or that it stopped.
pub fn record(storage: &impl SqlStorage, dataset: Dataset, outcome: &RunOutcome) -> Result<(), SqlError> {
    let stopped = outcome.next_at_ms.is_none().then_some(outcome.status);
    storage.exec(
        "INSERT INTO sync_schedule (dataset, next_at_ms, stopped) VALUES (?, ?, ?)
         ON CONFLICT (dataset) DO UPDATE SET next_at_ms = excluded.next_at_ms, stopped = excluded.stopped",
        &[
            SqlValue::Text(dataset.as_str().into()),
            // A stopped dataset's time is never read: `stopped` says it waits for a new token.
            SqlValue::Integer(outcome.next_at_ms.unwrap_or(0)),
            stopped.map_or(SqlValue::Null, |s| SqlValue::Text(s.as_str().into())),
        ],
    )?;
    Ok(())
}

/// When the alarm should fire next: the soonest dataset not stopped.
pub fn next_alarm_at(storage: &impl SqlStorage) -> Result<Option<i64>, SqlError> {
    let rows = storage.exec("SELECT min(next_at_ms) FROM sync_schedule WHERE stopped IS NULL", &[])?;
    Ok(rows.first().and_then(|r| r.first()).and_then(SqlValue::as_i64))
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

    #[test]
    fn a_start_makes_everything_due_and_runs_move_each_dataset() {
        let storage = storage();
        assert_eq!(character(&storage).unwrap(), None);
        assert!(due(&storage, 1_000, false).unwrap().is_empty(), "nothing before the start");
        start(&storage, 1_000, CharacterId(7)).unwrap();
        assert_eq!(character(&storage).unwrap(), Some(CharacterId(7)));
        assert_eq!(due(&storage, 1_000, false).unwrap(), Dataset::ALL);

        let later = RunOutcome { status: SyncStatus::Ok, message: None, next_at_ms: Some(5_000) };
        record(&storage, Dataset::Wallet, &later).unwrap();
        let stopped = RunOutcome::stop(SyncStatus::MissingScope, "no scope");
        record(&storage, Dataset::Assets, &stopped).unwrap();
        let now = due(&storage, 1_000, false).unwrap();
        assert!(!now.contains(&Dataset::Wallet) && !now.contains(&Dataset::Assets));
        assert_eq!(now.len(), Dataset::ALL.len() - 2);
        assert!(
            due(&storage, 1_000, true).unwrap().contains(&Dataset::Assets),
            "forced runs include stopped ones"
        );
        let assets = scheduled(&storage).unwrap().into_iter().find(|s| s.dataset == Dataset::Assets).unwrap();
        assert_eq!(assets.stopped, Some(SyncStatus::MissingScope));

        for dataset in Dataset::ALL {
            if dataset != Dataset::Assets {
                record(&storage, dataset, &RunOutcome::retry(2_000, "later")).unwrap();
            }
        }
        record(&storage, Dataset::Wallet, &later).unwrap();
        assert_eq!(
            next_alarm_at(&storage).unwrap(),
            Some(5_000),
            "the stopped dataset does not wake the object"
        );
        assert_eq!(due(&storage, 5_000, false).unwrap(), [Dataset::Wallet]);

        all_due_now(&storage, 9_000).unwrap();
        assert_eq!(
            due(&storage, 9_000, false).unwrap(),
            Dataset::ALL,
            "a new token restarts stopped datasets"
        );
    }

    #[test]
    fn statuses_round_trip_their_names() {
        for status in SyncStatus::ALL {
            assert_eq!(SyncStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
