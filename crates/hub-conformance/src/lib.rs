//! Conformance suites of the ports: what every adapter must do, checked the same way on each.
//!
//! - [`sql`]: `SqlStorage` (rusqlite natively, `ctx.storage.sql` in workerd);
//! - [`postgres`]: `Postgres` (tokio-postgres over TCP natively, over a Hyperdrive socket in
//!   workerd);
//! - [`http`]: `HttpTransport` (reqwest natively, `fetch` in workerd, the scripted transport in
//!   tests), against the [`http::respond`] peer.
//!
//! A suite never panics (in workerd a panic poisons the isolate): it returns a [`Report`] of every
//! case, and the caller asserts that all passed.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod http;
pub mod postgres;
pub mod sql;

use serde::{Deserialize, Serialize};

/// One checked behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub name: String,
    pub passed: bool,
    /// What went wrong, when it did not pass.
    pub detail: Option<String>,
}

/// Every case of one suite on one adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub suite: String,
    pub adapter: String,
    pub cases: Vec<Case>,
}

impl Report {
    pub fn new(suite: &str, adapter: &str) -> Self {
        Self { suite: suite.into(), adapter: adapter.into(), cases: Vec::new() }
    }

    /// Records a case from its outcome.
    pub fn check(&mut self, name: &str, outcome: Result<(), String>) {
        let (passed, detail) = match outcome {
            Ok(()) => (true, None),
            Err(detail) => (false, Some(detail)),
        };
        self.cases.push(Case { name: name.into(), passed, detail });
    }

    pub fn passed(&self) -> bool {
        !self.cases.is_empty() && self.cases.iter().all(|c| c.passed)
    }

    /// The failed cases, one line each: for an assertion's message.
    pub fn failures(&self) -> String {
        self.cases
            .iter()
            .filter(|c| !c.passed)
            .map(|c| {
                format!("{}/{}: {}: {}", self.suite, self.adapter, c.name, c.detail.as_deref().unwrap_or(""))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `Ok` when `actual == expected`, else both, printed.
#[allow(clippy::needless_pass_by_value)] // called with temporaries
pub fn expect_eq<T: PartialEq + std::fmt::Debug>(actual: T, expected: T) -> Result<(), String> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!("expected {expected:?}, got {actual:?}"))
    }
}
