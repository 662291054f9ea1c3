//! The SSO's signing keys, fetched over the HttpTransport port and cached.
//!
//! A token whose `kid` the cache does not know triggers one refetch, at most once per cooldown, so
//! forged kids cannot turn the hub into a JWKS request amplifier. With no keys at all (the SSO
//! unreachable since start), verification fails closed.

use crate::jwt::{self, EveClaims, Expectations, Jwks, JwtError};
use hub_ports::{Clock, HttpTransport, OutboundRequest};
use std::cell::RefCell;

/// Keys are refetched at most this often for unknown kids.
pub const REFETCH_COOLDOWN_MS: i64 = 60_000;
/// Keys are refreshed this often even when every kid is known (key rotation at the SSO).
pub const MAX_AGE_MS: i64 = 6 * 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Token(#[from] JwtError),
    #[error("the SSO's keys are unavailable: {0}")]
    KeysUnavailable(String),
}

pub struct JwksCache {
    url: String,
    state: RefCell<Cached>,
}

#[derive(Default)]
struct Cached {
    keys: Option<Jwks>,
    fetched_at_ms: i64,
    last_attempt_ms: Option<i64>,
}

impl JwksCache {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), state: RefCell::new(Cached::default()) }
    }

    async fn refresh(&self, http: &impl HttpTransport, clock: &impl Clock) -> Result<(), VerifyError> {
        self.state.borrow_mut().last_attempt_ms = Some(clock.now_ms());
        let response = http
            .send(OutboundRequest::get(&self.url).header("Accept", "application/json"))
            .await
            .map_err(|e| VerifyError::KeysUnavailable(e.to_string()))?;
        if response.status != 200 {
            return Err(VerifyError::KeysUnavailable(format!("JWKS answered {}", response.status)));
        }
        let keys = Jwks::parse(&response.body).map_err(|e| VerifyError::KeysUnavailable(e.to_string()))?;
        let mut state = self.state.borrow_mut();
        state.keys = Some(keys);
        state.fetched_at_ms = clock.now_ms();
        Ok(())
    }

    /// Verifies an access token, fetching or refreshing the keys when needed.
    pub async fn verify(
        &self,
        http: &impl HttpTransport,
        clock: &impl Clock,
        token: &str,
        expect: &Expectations<'_>,
    ) -> Result<EveClaims, VerifyError> {
        let now = clock.now_ms();
        let (have_keys, stale) = {
            let state = self.state.borrow();
            (state.keys.is_some(), now - state.fetched_at_ms >= MAX_AGE_MS)
        };
        if (!have_keys || stale) && self.may_fetch(now) {
            // A failed refresh keeps serving the keys we have; without any, fail closed below.
            let refreshed = self.refresh(http, clock).await;
            if !have_keys {
                refreshed?;
            }
        }
        let first = self.check(token, expect, now)?;
        match first {
            Err(JwtError::UnknownKid(_)) if self.may_fetch(now) => {
                self.refresh(http, clock).await?;
                Ok(self.check(token, expect, now)??)
            }
            other => Ok(other?),
        }
    }

    /// Whether the cooldown since the last fetch attempt has passed.
    fn may_fetch(&self, now_ms: i64) -> bool {
        self.state.borrow().last_attempt_ms.is_none_or(|t| now_ms - t >= REFETCH_COOLDOWN_MS)
    }

    fn check(
        &self,
        token: &str,
        expect: &Expectations<'_>,
        now_ms: i64,
    ) -> Result<Result<EveClaims, JwtError>, VerifyError> {
        let state = self.state.borrow();
        let keys =
            state.keys.as_ref().ok_or_else(|| VerifyError::KeysUnavailable("no keys fetched yet".into()))?;
        Ok(jwt::verify(token, keys, expect, now_ms / 1000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::tests::{claims, jwks_json, sign_rs256, token, EXPECT, NOW};
    use hub_ports::{ManualClock, OutboundResponse, ScriptedTransport, TransportError};
    use serde_json::json;

    fn ok(body: String) -> OutboundResponse {
        OutboundResponse { status: 200, headers: vec![], body: body.into_bytes() }
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("scripted futures never wait"),
        }
    }

    #[test]
    fn keys_are_fetched_once_and_unknown_kids_refetch_once_per_cooldown() {
        let http = ScriptedTransport::new();
        let clock = ManualClock::at(NOW * 1000);
        let cache = JwksCache::new("https://sso.example/jwks");
        http.push(Ok(ok(jwks_json())));
        assert!(block_on(cache.verify(&http, &clock, &token(&claims()), &EXPECT)).is_ok());
        assert!(block_on(cache.verify(&http, &clock, &token(&claims()), &EXPECT)).is_ok());
        assert_eq!(http.requests().len(), 1, "cached");

        // An unknown kid right after a fetch: no refetch inside the cooldown.
        let unknown = sign_rs256(&json!({"alg": "RS256", "kid": "new-key"}), &claims());
        let result = block_on(cache.verify(&http, &clock, &unknown, &EXPECT));
        assert_eq!(result, Err(VerifyError::Token(JwtError::UnknownKid("new-key".into()))));
        assert_eq!(http.requests().len(), 1);

        // After the cooldown: exactly one refetch, then the verdict.
        clock.advance_ms(REFETCH_COOLDOWN_MS);
        http.push(Ok(ok(jwks_json())));
        let result = block_on(cache.verify(&http, &clock, &unknown, &EXPECT));
        assert_eq!(result, Err(VerifyError::Token(JwtError::UnknownKid("new-key".into()))));
        assert_eq!(http.requests().len(), 2);
    }

    #[test]
    fn without_any_keys_verification_fails_closed() {
        let http = ScriptedTransport::new();
        let clock = ManualClock::at(NOW * 1000);
        let cache = JwksCache::new("https://sso.example/jwks");
        http.push(Err(TransportError::Timeout));
        let result = block_on(cache.verify(&http, &clock, &token(&claims()), &EXPECT));
        assert!(matches!(result, Err(VerifyError::KeysUnavailable(_))), "{result:?}");
        // Inside the cooldown it does not even ask again.
        let result = block_on(cache.verify(&http, &clock, &token(&claims()), &EXPECT));
        assert!(matches!(result, Err(VerifyError::KeysUnavailable(_))));
        assert_eq!(http.requests().len(), 1);
    }
}
