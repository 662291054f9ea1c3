//! The bodies of the notifications worker's routes (exported as TypeScript by `just types`).

use serde::Serialize;

#[cfg(feature = "ts")]
use ts_rs::TS;

/// `POST /api/notifications/read-all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct MarkAllReadResponse {
    pub marked: u32,
}
