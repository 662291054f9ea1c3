//! Time as a port. Token expiry, ESI `Expires`, alarms and session lifetimes all read a `Clock`,
//! so tests can move time. `SystemTime::now` is banned elsewhere by clippy.toml.

use std::cell::Cell;

pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: Cell<i64>,
}

impl ManualClock {
    pub fn at(now_ms: i64) -> Self {
        Self { now_ms: Cell::new(now_ms) }
    }

    pub fn advance_ms(&self, delta_ms: i64) {
        self.now_ms.set(self.now_ms.get() + delta_ms);
    }

    pub fn set_ms(&self, now_ms: i64) {
        self.now_ms.set(now_ms);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.get()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_ms(&self) -> i64 {
        (**self).now_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::at(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        clock.advance_ms(500);
        assert_eq!(clock.now_ms(), 1_500);
        clock.set_ms(10);
        let by_ref: &dyn Fn() -> i64 = &|| Clock::now_ms(&&clock);
        assert_eq!(by_ref(), 10);
    }
}
