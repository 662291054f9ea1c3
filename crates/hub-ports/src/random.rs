//! Randomness as a port: session tokens, OAuth state, nonces.

use std::cell::Cell;

pub trait Random {
    /// Fills `buf` with random bytes. Production adapters are cryptographically secure.
    fn fill(&self, buf: &mut [u8]);

    fn bytes<const N: usize>(&self) -> [u8; N] {
        let mut out = [0u8; N];
        self.fill(&mut out);
        out
    }

    fn uuid_v4(&self) -> uuid::Uuid {
        uuid::Builder::from_random_bytes(self.bytes()).into_uuid()
    }
}

/// The operating system's CSPRNG (`crypto.getRandomValues` on wasm32).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        // getrandom only fails when the platform has no entropy source at all; nothing safe can
        // continue then, and returning predictable bytes would be worse than stopping.
        getrandom::fill(buf).expect("the platform CSPRNG is unavailable");
    }
}

/// Deterministic bytes for tests (splitmix64). Never use it for secrets.
#[derive(Debug)]
pub struct SeededRandom {
    state: Cell<u64>,
}

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        Self { state: Cell::new(seed) }
    }

    fn next_u64(&self) -> u64 {
        let mut z = self.state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.state.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Random for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_random_is_repeatable_and_os_random_differs() {
        let a = SeededRandom::new(7).bytes::<16>();
        let b = SeededRandom::new(7).bytes::<16>();
        assert_eq!(a, b);
        assert_ne!(OsRandom.bytes::<16>(), OsRandom.bytes::<16>());
        assert_eq!(SeededRandom::new(1).uuid_v4().get_version_num(), 4);
    }
}
