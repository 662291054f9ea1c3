//! The health probe every Durable Object serves: one SQLite write and one read, kept across restarts.

use crate::report::ProbeRecord;
use hub_ports::{Clock, SqlError, SqlStorage, SqlValue};

/// Creates the probe table. Objects call it from their constructor; it is idempotent.
pub fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
    storage.exec(
        "CREATE TABLE IF NOT EXISTS health_probe (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            probes INTEGER NOT NULL,
            first_probe_at_ms INTEGER NOT NULL,
            last_probe_at_ms INTEGER NOT NULL
        )",
        &[],
    )?;
    Ok(())
}

/// Records one probe and returns the history, read back from storage (not from memory).
pub fn record(storage: &impl SqlStorage, clock: &impl Clock) -> Result<ProbeRecord, SqlError> {
    let now = SqlValue::Integer(clock.now_ms());
    let rows = storage.exec(
        "INSERT INTO health_probe (id, probes, first_probe_at_ms, last_probe_at_ms) VALUES (1, 1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET probes = probes + 1, last_probe_at_ms = excluded.last_probe_at_ms
         RETURNING probes, first_probe_at_ms, last_probe_at_ms",
        &[now.clone(), now],
    )?;
    let row = rows.first().ok_or_else(|| SqlError::RowShape("probe upsert returned no row".into()))?;
    let int = |i: usize| {
        row.get(i)
            .and_then(SqlValue::as_i64)
            .ok_or_else(|| SqlError::RowShape(format!("probe column {i} is not an integer")))
    };
    Ok(ProbeRecord { probes: int(0)?, first_probe_at_ms: int(1)?, last_probe_at_ms: int(2)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hub_native::SqliteStorage;
    use hub_ports::ManualClock;

    #[test]
    fn probes_accumulate_and_keep_the_first_time() {
        let storage = SqliteStorage::in_memory();
        let clock = ManualClock::at(1_000);
        migrate(&storage).unwrap();
        migrate(&storage).unwrap();
        let first = record(&storage, &clock).unwrap();
        assert_eq!(first, ProbeRecord { probes: 1, first_probe_at_ms: 1_000, last_probe_at_ms: 1_000 });
        clock.advance_ms(250);
        let second = record(&storage, &clock).unwrap();
        assert_eq!(second, ProbeRecord { probes: 2, first_probe_at_ms: 1_000, last_probe_at_ms: 1_250 });
    }

    #[test]
    fn probes_survive_reopening_the_database() {
        let dir = std::env::temp_dir().join(format!("hub-probe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("do.sqlite");
        let _ = std::fs::remove_file(&path);
        let clock = ManualClock::at(5);
        {
            let storage = SqliteStorage::open(&path).unwrap();
            migrate(&storage).unwrap();
            record(&storage, &clock).unwrap();
        }
        let storage = SqliteStorage::open(&path).unwrap();
        migrate(&storage).unwrap();
        assert_eq!(record(&storage, &clock).unwrap().probes, 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
