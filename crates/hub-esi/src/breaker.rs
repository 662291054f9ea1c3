//! ESI's error limit as one breaker for the whole deployment.
//!
//! Every response carries `X-ESI-Error-Limit-Remain` and `X-ESI-Error-Limit-Reset` (seconds until
//! the window resets); ESI answers 420 to everyone once the remaining count reaches zero. The breaker
//! stops background calls well before that ([`BACKGROUND_FLOOR`]), keeps a reserve for essential
//! ones ([`ESSENTIAL_FLOOR`]), and after a 420 stops every call until the reset. In production one
//! coordinator Durable Object holds the state, so all callers share it; [`LocalBreaker`] keeps it in
//! memory for tests and single-object use.

use crate::{EsiError, Priority};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// Background calls stop when fewer errors than this remain in the window.
pub const BACKGROUND_FLOOR: i64 = 50;
/// Essential calls stop below this reserve.
pub const ESSENTIAL_FLOOR: i64 = 10;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerState {
    /// Errors ESI still tolerates in the current window, as last reported.
    pub remain: Option<i64>,
    /// When the current window resets (epoch ms).
    pub reset_at_ms: i64,
    /// After a 420: nothing goes out before this.
    pub blocked_until_ms: i64,
}

impl BreakerState {
    /// Whether a call of `priority` may go out at `now_ms`.
    pub fn permit(&self, now_ms: i64, priority: Priority) -> Result<(), EsiError> {
        if now_ms < self.blocked_until_ms {
            return Err(EsiError::ErrorLimited { reset_at_ms: self.blocked_until_ms });
        }
        let Some(remain) = self.remain.filter(|_| now_ms < self.reset_at_ms) else { return Ok(()) };
        let floor = match priority {
            Priority::Essential => ESSENTIAL_FLOOR,
            Priority::Background => BACKGROUND_FLOOR,
        };
        if remain < floor {
            Err(EsiError::ErrorLimited { reset_at_ms: self.reset_at_ms })
        } else {
            Ok(())
        }
    }

    /// Takes in what a response said about the error budget.
    pub fn observe(&mut self, now_ms: i64, status: u16, remain: Option<i64>, reset_secs: Option<i64>) {
        if let (Some(remain), Some(reset)) = (remain, reset_secs) {
            let reset_at_ms = now_ms + reset.max(0) * 1000;
            // Within a window the count only falls; a larger one means a new window.
            let same_window = now_ms < self.reset_at_ms;
            self.remain =
                Some(if same_window { self.remain.map_or(remain, |r| r.min(remain)) } else { remain });
            self.reset_at_ms = reset_at_ms;
        }
        if status == 420 {
            let reset_at_ms = reset_secs.map_or(now_ms + 60_000, |s| now_ms + s.max(1) * 1000);
            self.blocked_until_ms = self.blocked_until_ms.max(reset_at_ms);
            self.remain = Some(0);
        }
    }
}

/// Where the breaker's state lives: the coordinator object in production, memory in tests.
pub trait ErrorBudget {
    async fn permit(&self, now_ms: i64, priority: Priority) -> Result<(), EsiError>;
    async fn observe(&self, now_ms: i64, status: u16, remain: Option<i64>, reset_secs: Option<i64>);
}

/// The breaker in memory.
#[derive(Debug, Default)]
pub struct LocalBreaker {
    pub state: RefCell<BreakerState>,
}

impl ErrorBudget for LocalBreaker {
    async fn permit(&self, now_ms: i64, priority: Priority) -> Result<(), EsiError> {
        self.state.borrow().permit(now_ms, priority)
    }

    async fn observe(&self, now_ms: i64, status: u16, remain: Option<i64>, reset_secs: Option<i64>) {
        self.state.borrow_mut().observe(now_ms, status, remain, reset_secs);
    }
}
