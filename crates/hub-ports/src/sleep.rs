//! Waiting as a port: `setTimeout` in workers, the tokio timer natively, a clock that jumps in tests.

pub trait Sleep {
    async fn sleep_ms(&self, ms: u64);
}

impl<S: Sleep + ?Sized> Sleep for &S {
    async fn sleep_ms(&self, ms: u64) {
        (**self).sleep_ms(ms).await;
    }
}

/// Sleeping on a [`crate::ManualClock`]: the clock jumps ahead and the future returns at once.
impl Sleep for crate::ManualClock {
    async fn sleep_ms(&self, ms: u64) {
        self.advance_ms(i64::try_from(ms).unwrap_or(i64::MAX));
    }
}
