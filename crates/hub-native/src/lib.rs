//! Native adapters of the ports, for tests and tools. Never linked into a worker.
#![forbid(unsafe_code)]

pub mod context;
pub mod http;
pub mod migrate;
pub mod pg;
mod sqlite;

pub use context::TestContext;
pub use sqlite::SqliteStorage;

use hub_ports::Clock;

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one native adapter allowed to read the system clock
    fn now_ms(&self) -> i64 {
        let since_epoch =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }
}
