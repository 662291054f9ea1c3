//! The SSO's signing keys, fetched over the HttpTransport port and cached.
//!
//! A token whose `kid` the cache does not know triggers one refetch, at most once per cooldown, so
//! forged kids cannot turn the hub into a JWKS request amplifier. Concurrent verifications share
//! the fetch in flight (single flight) and all get its keys. The fetch is bounded by the
//! transport's timeout (the workerd adapter aborts after its deadline). With no keys at all (the
//! SSO unreachable since start), verification fails closed.

use crate::jwt::{self, EveClaims, Expectations, Jwks, JwtError};
use futures::channel::oneshot;
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
    /// While a fetch is in flight: the callers waiting for it.
    in_flight: RefCell<Option<Vec<oneshot::Sender<()>>>>,
}

/// Wakes every waiter when the fetch ends, however it ends (even when its caller gave up).
struct Landing<'a>(&'a RefCell<Option<Vec<oneshot::Sender<()>>>>);

impl Drop for Landing<'_> {
    fn drop(&mut self) {
        for waiter in self.0.borrow_mut().take().unwrap_or_default() {
            let _ = waiter.send(());
        }
    }
}

#[derive(Default)]
struct Cached {
    keys: Option<Jwks>,
    fetched_at_ms: i64,
    last_attempt_ms: Option<i64>,
}

impl JwksCache {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), state: RefCell::new(Cached::default()), in_flight: RefCell::new(None) }
    }

    fn fetching(&self) -> bool {
        self.in_flight.borrow().is_some()
    }

    /// Fetches the keys, or waits for the fetch already in flight and takes its outcome.
    async fn refresh(&self, http: &impl HttpTransport, clock: &impl Clock) -> Result<(), VerifyError> {
        let waiting = self.in_flight.borrow_mut().as_mut().map(|waiters| {
            let (wake, woken) = oneshot::channel();
            waiters.push(wake);
            woken
        });
        if let Some(woken) = waiting {
            let _ = woken.await;
            let state = self.state.borrow();
            return match state.keys {
                Some(_) if state.last_attempt_ms == Some(state.fetched_at_ms) => Ok(()),
                _ => Err(VerifyError::KeysUnavailable("the SSO's keys could not be fetched".into())),
            };
        }
        *self.in_flight.borrow_mut() = Some(Vec::new());
        let _landing = Landing(&self.in_flight);
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
        state.fetched_at_ms = state.last_attempt_ms.unwrap_or_else(|| clock.now_ms());
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
        if (!have_keys || stale) && (self.fetching() || self.may_fetch(now)) {
            // A failed refresh keeps serving the keys we have; without any, fail closed below.
            let refreshed = self.refresh(http, clock).await;
            if !have_keys {
                refreshed?;
            }
        }
        let first = self.check(token, expect, now)?;
        match first {
            Err(JwtError::UnknownKid(_)) if self.fetching() || self.may_fetch(now) => {
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

    /// A transport whose answers wait for the test to release them.
    struct Gated {
        answers: RefCell<Vec<oneshot::Receiver<Result<OutboundResponse, TransportError>>>>,
        sent: std::cell::Cell<usize>,
    }

    impl HttpTransport for Gated {
        async fn send(&self, _request: OutboundRequest) -> Result<OutboundResponse, TransportError> {
            self.sent.set(self.sent.get() + 1);
            let answer = self.answers.borrow_mut().pop().expect("one answer per request");
            answer.await.unwrap_or(Err(TransportError::Timeout))
        }
    }

    #[test]
    fn concurrent_unknown_kids_share_one_fetch_and_all_get_its_keys() {
        use futures::task::LocalSpawnExt;
        use std::rc::Rc;
        let clock = Rc::new(ManualClock::at(NOW * 1000));
        let cache = Rc::new(JwksCache::new("https://sso.example/jwks"));
        // The keys were fetched once; then the SSO rotates to a key this cache has not seen.
        let first = ScriptedTransport::new();
        first.push(Ok(ok(jwks_json())));
        assert!(block_on(cache.verify(&first, &*clock, &token(&claims()), &EXPECT)).is_ok());
        clock.advance_ms(REFETCH_COOLDOWN_MS);
        let rotated = crate::jwt::tests::jwks_json_with_kid("next-key");
        let next = sign_rs256(&json!({"alg": "RS256", "kid": "next-key"}), &claims());

        let (release, gate) = oneshot::channel();
        let http = Rc::new(Gated { answers: RefCell::new(vec![gate]), sent: std::cell::Cell::new(0) });
        let mut pool = futures::executor::LocalPool::new();
        let results = Rc::new(RefCell::new(Vec::new()));
        for _ in 0..20 {
            let (cache, clock, http, results, next) =
                (cache.clone(), clock.clone(), http.clone(), results.clone(), next.clone());
            pool.spawner()
                .spawn_local(async move {
                    let verdict = cache.verify(&*http, &*clock, &next, &EXPECT).await;
                    results.borrow_mut().push(verdict.is_ok());
                })
                .unwrap();
        }
        pool.run_until_stalled();
        assert_eq!(http.sent.get(), 1, "one fetch for twenty verifications");
        assert!(results.borrow().is_empty(), "all of them wait for it");
        release.send(Ok(ok(rotated))).unwrap();
        pool.run();
        assert_eq!(*results.borrow(), vec![true; 20], "every waiter got the new key");
    }

    #[test]
    fn a_fetch_that_times_out_fails_every_waiter_closed() {
        use futures::task::LocalSpawnExt;
        use std::rc::Rc;
        let clock = Rc::new(ManualClock::at(NOW * 1000));
        let cache = Rc::new(JwksCache::new("https://sso.example/jwks"));
        let (release, gate) = oneshot::channel();
        let http = Rc::new(Gated { answers: RefCell::new(vec![gate]), sent: std::cell::Cell::new(0) });
        let mut pool = futures::executor::LocalPool::new();
        let results = Rc::new(RefCell::new(Vec::new()));
        for _ in 0..5 {
            let (cache, clock, http, results) = (cache.clone(), clock.clone(), http.clone(), results.clone());
            pool.spawner()
                .spawn_local(async move {
                    let verdict = cache.verify(&*http, &*clock, &token(&claims()), &EXPECT).await;
                    results.borrow_mut().push(verdict);
                })
                .unwrap();
        }
        pool.run_until_stalled();
        // The transport's deadline passes.
        release.send(Err(TransportError::Timeout)).unwrap();
        pool.run();
        assert_eq!(http.sent.get(), 1);
        assert_eq!(results.borrow().len(), 5);
        assert!(
            results.borrow().iter().all(|r| matches!(r, Err(VerifyError::KeysUnavailable(_)))),
            "{:?}",
            results.borrow()
        );
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
