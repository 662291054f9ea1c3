//! Wallet balances over time, as the character and corporation pages chart them.

use serde::{Deserialize, Serialize};

/// The balance at the end of one day (UTC), from the last journal entry of that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BalancePoint {
    pub day_ms: i64,
    /// ISK as an exact decimal string.
    pub balance: String,
}

/// Days of balance a chart shows.
pub const HISTORY_DAYS: i64 = 90;
