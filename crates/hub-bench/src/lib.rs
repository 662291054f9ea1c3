//! Fixed-input crypto workloads for `just bench`: EVE access-token verification and the token
//! vault's encryption and decryption, through the same public functions the workers call
//! (`hub_sso::jwt::verify`, `hub_vault::seal` and `hub_vault::open`).
//!
//! The inputs are prepared once by [`Workload::new`]; [`Workload::run`] then performs `n`
//! operations and checks each result, so a broken fixture fails loudly instead of timing an error
//! path. Nothing here reads a clock: callers time `run` from outside (the native `hub-bench` binary
//! with `Instant`, `bench/bench.py` over HTTP for the workerd build in `bench/crypto-worker`,
//! because `Date.now()` does not advance during CPU work in workerd). Benchmark code only: no
//! product crate depends on this one.
#![forbid(unsafe_code)]

pub mod fixture;

use hub_ports::{Clock, ManualClock, OsRandom};
use hub_sso::jwt::{self, Expectations, Jwks, JwksError, JwtError, EVE_ISSUERS};
use hub_vault::{Aad, KeyId, Keyring, KeyringError, VaultError};
use std::hint::black_box;

/// The vault key of the benchmark. A PUBLIC TEST VALUE, NOT A SECRET: it protects nothing.
const BENCH_VAULT_KEY: [u8; 32] = *b"hub-bench-public-test-vault-key!";
/// What the token store binds an access token's envelope to (purpose, character, field).
const AAD: Aad<'static> = Aad { purpose: "eve-sso", record: "2112625428", field: "access_token" };

/// One benchmarked operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `hub_sso::jwt::verify` of an RS256 EVE access token: parsing, signature, claims.
    JwtVerify,
    /// `hub_vault::seal` of that access token (AES-256-GCM, fresh random nonce from `OsRandom`).
    VaultSeal,
    /// `hub_vault::open` of its envelope.
    VaultOpen,
}

impl Op {
    pub const ALL: [Op; 3] = [Op::JwtVerify, Op::VaultSeal, Op::VaultOpen];

    /// The short name used on the command line and in the bench worker's `?op=`.
    pub fn name(self) -> &'static str {
        match self {
            Op::JwtVerify => "jwt",
            Op::VaultSeal => "seal",
            Op::VaultOpen => "open",
        }
    }

    /// Parses [`Op::name`]; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Op::JwtVerify => "JWT verify (RS256-2048, EVE claims)",
            Op::VaultSeal => "vault seal (AES-256-GCM)",
            Op::VaultOpen => "vault open (AES-256-GCM)",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("fixture JWKS: {0}")]
    Jwks(#[from] JwksError),
    #[error("fixture keyring: {0}")]
    Keyring(#[from] KeyringError),
    #[error("fixture token did not verify: {0}")]
    Jwt(#[from] JwtError),
    #[error("vault: {0}")]
    Vault(#[from] VaultError),
    #[error("opened envelope does not match the sealed plaintext")]
    Mismatch,
}

/// The prepared inputs: parsed JWKS, a fixed clock, a one-key keyring and one sealed envelope.
pub struct Workload {
    jwks: Jwks,
    clock: ManualClock,
    keyring: Keyring,
    envelope: Vec<u8>,
}

impl Workload {
    /// Parses the fixture and checks that every operation succeeds once.
    pub fn new() -> Result<Self, BenchError> {
        let jwks = Jwks::parse(fixture::JWKS.as_bytes())?;
        let keyring = Keyring::new(KeyId(1), [(KeyId(1), BENCH_VAULT_KEY)])?;
        let envelope = hub_vault::seal(&keyring, &OsRandom, AAD, fixture::TOKEN.as_bytes())?;
        let workload = Self { jwks, clock: ManualClock::at(fixture::NOW_SECS * 1000), keyring, envelope };
        for op in Op::ALL {
            workload.run(op, 1)?;
        }
        Ok(workload)
    }

    /// Bytes sealed and opened per vault operation (the access token).
    pub fn plaintext_len(&self) -> usize {
        fixture::TOKEN.len()
    }

    /// Performs `op` `n` times on the fixed inputs; every result is checked.
    pub fn run(&self, op: Op, n: u32) -> Result<(), BenchError> {
        let expect = Expectations { client_id: fixture::CLIENT_ID, issuers: &EVE_ISSUERS, leeway_secs: 30 };
        for _ in 0..n {
            match op {
                Op::JwtVerify => {
                    let now_secs = self.clock.now_ms() / 1000;
                    let claims = jwt::verify(black_box(fixture::TOKEN), &self.jwks, &expect, now_secs)?;
                    black_box(claims);
                }
                Op::VaultSeal => {
                    let envelope =
                        hub_vault::seal(&self.keyring, &OsRandom, AAD, black_box(fixture::TOKEN.as_bytes()))?;
                    black_box(envelope);
                }
                Op::VaultOpen => {
                    let plaintext = hub_vault::open(&self.keyring, AAD, black_box(&self.envelope))?;
                    if plaintext.len() != fixture::TOKEN.len() {
                        return Err(BenchError::Mismatch);
                    }
                    black_box(plaintext);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_token_verifies_to_the_fixture_identity() {
        let expect = Expectations { client_id: fixture::CLIENT_ID, issuers: &EVE_ISSUERS, leeway_secs: 30 };
        let jwks = Jwks::parse(fixture::JWKS.as_bytes()).unwrap();
        let claims = jwt::verify(fixture::TOKEN, &jwks, &expect, fixture::NOW_SECS).unwrap();
        assert_eq!(claims.character_id.0, 2_112_625_428);
        assert_eq!(claims.scopes.len(), 10);
        // Only the fixed clock makes it valid: the benchmark never times an error path by accident.
        assert_eq!(
            jwt::verify(fixture::TOKEN, &jwks, &expect, fixture::NOW_SECS + 3600),
            Err(JwtError::Expired)
        );
    }

    #[test]
    fn every_op_runs_and_checks_its_result() {
        let workload = Workload::new().unwrap();
        for op in Op::ALL {
            assert_eq!(Op::parse(op.name()), Some(op));
            workload.run(op, 3).unwrap();
        }
        assert_eq!(Op::parse("nope"), None);
        let opened = hub_vault::open(&workload.keyring, AAD, &workload.envelope).unwrap();
        assert_eq!(opened.as_slice(), fixture::TOKEN.as_bytes());
    }
}
