//! A polite ESI client over ports (transport, DO SQLite, clock, randomness, sleep).
//!
//! - Every request carries the operator's `User-Agent` and `X-Compatibility-Date`.
//! - Responses are cached in the caller's Durable Object SQLite with their ETag and `Expires`;
//!   nothing is refetched before `Expires`; a refetch sends `If-None-Match` and a 304 serves the
//!   cached body. Authenticated routes are cached per character.
//! - `X-Pages` pages are fetched concurrently (bounded); when pages disagree (`Last-Modified`
//!   differs, or some come back 304 and others 200) the whole set is fetched again.
//! - The error limit feeds one shared breaker ([`breaker`]); floating-window rate limits are kept
//!   per group and character, and a 429 honours `Retry-After`.
//! - 5xx and timeouts are retried a bounded number of times with backoff and jitter; every other
//!   failure is a typed [`EsiError`].
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod breaker;
pub mod cache;
mod http_date;
pub mod rpc;
pub mod sync;

pub use breaker::{ErrorBudget, LocalBreaker};
pub use http_date::parse_http_date;

use futures::StreamExt;
use hub_domain::CharacterId;
use hub_ports::{Clock, HttpTransport, OutboundRequest, OutboundResponse, Random, SqlStorage};
use std::cell::Cell;

/// Retries of 5xx and timeouts after the first attempt.
pub const MAX_RETRIES: u32 = 3;
const FIRST_BACKOFF_MS: u64 = 500;
/// Calls for a rate-limit group stop when fewer tokens than this remain.
const RATE_FLOOR: i64 = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsiConfig {
    /// `https://esi.evetech.net` in production; the local peer in tests.
    pub base_url: String,
    /// Names the application and the operator's contact, as CCP asks.
    pub user_agent: String,
    /// `X-Compatibility-Date`: the API behaviour we were written against.
    pub compatibility_date: String,
    /// Pages in flight at once.
    pub page_concurrency: usize,
}

/// Essential calls (a user waiting) keep a reserve of the error budget; background sync stops first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Essential,
    Background,
}

/// One ESI resource: `path` like `/characters/2112625428/assets/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub path: String,
    /// The character whose token authenticates the call (and whose cache it fills).
    pub character: Option<CharacterId>,
    pub access_token: Option<String>,
    pub priority: Priority,
}

impl Route {
    pub fn public(path: impl Into<String>, priority: Priority) -> Self {
        Self { path: path.into(), character: None, access_token: None, priority }
    }

    pub fn authenticated(
        path: impl Into<String>,
        character: CharacterId,
        token: String,
        priority: Priority,
    ) -> Self {
        Self { path: path.into(), character: Some(character), access_token: Some(token), priority }
    }

    fn cache_key(&self, page: i64) -> String {
        let owner = self.character.map_or_else(|| "public".to_owned(), |c| c.0.to_string());
        format!("{owner}:{}:{page}", self.path)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EsiError {
    /// Nothing changed since the cached copy (see [`Esi::get_if_changed`]).
    #[error("not modified")]
    NotModified,
    /// 401/403: the token lacks the scope or the character lacks the role.
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("rate limited until {retry_at_ms}")]
    RateLimited { retry_at_ms: i64 },
    #[error("ESI error limit: paused until {reset_at_ms}")]
    ErrorLimited { reset_at_ms: i64 },
    #[error("ESI server error {status}")]
    Server { status: u16 },
    #[error("transport: {0}")]
    Transport(String),
    #[error("ESI refused the request: {status}")]
    Client { status: u16 },
    /// Pages kept disagreeing after a whole refetch.
    #[error("pages changed while being fetched")]
    Inconsistent,
    #[error("cache storage: {0}")]
    Storage(String),
}

impl From<hub_ports::SqlError> for EsiError {
    fn from(e: hub_ports::SqlError) -> Self {
        EsiError::Storage(e.to_string())
    }
}

/// Where a body came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The cache, before `Expires`: no request.
    Cache,
    /// A 304: the cached body is current.
    NotModified,
    /// A 200: a new body.
    Network,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub body: Vec<u8>,
    pub pages: i64,
    pub last_modified: Option<String>,
    pub expires_at_ms: i64,
    pub source: Source,
}

/// Every page of a paged resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paged {
    pub pages: Vec<Vec<u8>>,
    /// `false` when every page came from the cache or a 304.
    pub changed: bool,
    pub expires_at_ms: i64,
}

/// Waiting between retries: `setTimeout` in workers, the tokio timer natively, the clock in tests.
pub use hub_ports::Sleep;

/// What a client did, for tests and benchmarks.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: Cell<u64>,
    pub bodies: Cell<u64>,
    pub body_bytes: Cell<u64>,
    pub not_modified: Cell<u64>,
    pub cache_hits: Cell<u64>,
}

pub struct Esi<'a, H, S, C, B, Z, R> {
    pub config: &'a EsiConfig,
    pub http: &'a H,
    pub storage: &'a S,
    pub clock: &'a C,
    pub budget: &'a B,
    pub sleep: &'a Z,
    pub random: &'a R,
    pub stats: Stats,
}

impl<H, S, C, B, Z, R> Esi<'_, H, S, C, B, Z, R>
where
    H: HttpTransport,
    S: SqlStorage,
    C: Clock,
    B: ErrorBudget,
    Z: Sleep,
    R: Random,
{
    /// One resource (its first page), from the cache when still fresh.
    pub async fn get(&self, route: &Route) -> Result<Fetched, EsiError> {
        self.fetch_page(route, 1, true).await
    }

    /// [`Esi::get`], but `Err(NotModified)` when the cached copy is still current.
    pub async fn get_if_changed(&self, route: &Route) -> Result<Fetched, EsiError> {
        let fetched = self.get(route).await?;
        if fetched.source == Source::Network {
            Ok(fetched)
        } else {
            Err(EsiError::NotModified)
        }
    }

    /// A POST with a JSON body (`/universe/names/`): never cached, retried and budgeted like a GET.
    /// `Ok` carries the status and body of every answer but 5xx, 420 and 429 (callers decide what
    /// a 404 means).
    pub async fn post_json(
        &self,
        route: &Route,
        body: &serde_json::Value,
    ) -> Result<(u16, Vec<u8>), EsiError> {
        let body = serde_json::to_vec(body).map_err(|e| EsiError::Transport(e.to_string()))?;
        let response = self.send_with_retries(route, 1, None, Some(&body)).await?;
        let now = self.clock.now_ms();
        match response.status {
            420 => Err(EsiError::ErrorLimited {
                reset_at_ms: now + header_int(&response, "x-esi-error-limit-reset").unwrap_or(60) * 1000,
            }),
            429 => Err(EsiError::RateLimited { retry_at_ms: now + retry_after_ms(&response) }),
            status if status >= 500 => Err(EsiError::Server { status }),
            status => Ok((status, response.body)),
        }
    }

    /// Every page of a paged resource, fetched concurrently, consistent with each other.
    pub async fn get_all_pages(&self, route: &Route) -> Result<Paged, EsiError> {
        let first = self.fetch_page(route, 1, true).await?;
        let rest = self.fetch_rest(route, first.pages, true).await?;
        let mut all = vec![first];
        all.extend(rest);
        if !consistent(&all) {
            // Some pages changed under us: take the whole set again, unconditionally.
            let first = self.fetch_page(route, 1, false).await?;
            let rest = self.fetch_rest(route, first.pages, false).await?;
            all = vec![first];
            all.extend(rest);
            if !consistent(&all) {
                return Err(EsiError::Inconsistent);
            }
        }
        let changed = all.iter().any(|p| p.source == Source::Network);
        let expires_at_ms = all.iter().map(|p| p.expires_at_ms).min().unwrap_or(0);
        Ok(Paged { pages: all.into_iter().map(|p| p.body).collect(), changed, expires_at_ms })
    }

    async fn fetch_rest(
        &self,
        route: &Route,
        pages: i64,
        conditional: bool,
    ) -> Result<Vec<Fetched>, EsiError> {
        let results: Vec<Result<Fetched, EsiError>> = futures::stream::iter(2..=pages)
            .map(|page| self.fetch_page(route, page, conditional))
            .buffered(self.config.page_concurrency.max(1))
            .collect()
            .await;
        results.into_iter().collect()
    }

    async fn fetch_page(&self, route: &Route, page: i64, conditional: bool) -> Result<Fetched, EsiError> {
        let key = route.cache_key(page);
        let cached = cache::get(self.storage, &key)?;
        let now = self.clock.now_ms();
        if let Some(entry) = cached.as_ref().filter(|e| conditional && now < e.expires_at_ms) {
            self.stats.cache_hits.set(self.stats.cache_hits.get() + 1);
            return Ok(Fetched {
                body: entry.body.clone(),
                pages: entry.pages,
                last_modified: entry.last_modified.clone(),
                expires_at_ms: entry.expires_at_ms,
                source: Source::Cache,
            });
        }
        let character = route.character.map_or(0, |c| c.0);
        if let Some(group) = cached.as_ref().and_then(|e| e.rate_group.as_deref()) {
            self.check_rate(group, character, now)?;
        }
        let etag = cached.as_ref().filter(|_| conditional).and_then(|e| e.etag.clone());
        let response = self.send_with_retries(route, page, etag.as_deref(), None).await?;
        let now = self.clock.now_ms();
        let rate_group = response.header("x-ratelimit-group").map(str::to_owned);
        if let Some(group) = &rate_group {
            self.record_rate(group, character, now, &response)?;
        }
        let expires_at_ms = response.header("expires").and_then(parse_http_date).unwrap_or(now);
        let last_modified = response.header("last-modified").map(str::to_owned);
        match response.status {
            200 => {
                let pages = response.header("x-pages").and_then(|p| p.trim().parse().ok()).unwrap_or(1);
                self.stats.bodies.set(self.stats.bodies.get() + 1);
                self.stats.body_bytes.set(self.stats.body_bytes.get() + response.body.len() as u64);
                let entry = cache::Entry {
                    etag: response.header("etag").map(str::to_owned),
                    last_modified: last_modified.clone(),
                    expires_at_ms,
                    pages,
                    rate_group,
                    body: response.body,
                };
                cache::put(self.storage, &key, &entry)?;
                Ok(Fetched { body: entry.body, pages, last_modified, expires_at_ms, source: Source::Network })
            }
            304 => {
                let Some(entry) = cached else { return Err(EsiError::Client { status: 304 }) };
                self.stats.not_modified.set(self.stats.not_modified.get() + 1);
                cache::refresh_expiry(self.storage, &key, expires_at_ms)?;
                Ok(Fetched {
                    body: entry.body,
                    pages: entry.pages,
                    last_modified: last_modified.or(entry.last_modified),
                    expires_at_ms,
                    source: Source::NotModified,
                })
            }
            401 | 403 => Err(EsiError::Forbidden(error_message(&response))),
            404 => Err(EsiError::NotFound),
            420 => Err(EsiError::ErrorLimited {
                reset_at_ms: now + header_int(&response, "x-esi-error-limit-reset").unwrap_or(60) * 1000,
            }),
            429 => Err(EsiError::RateLimited { retry_at_ms: now + retry_after_ms(&response) }),
            status if status >= 500 => Err(EsiError::Server { status }),
            status => Err(EsiError::Client { status }),
        }
    }

    /// Sends, retrying 5xx and transport failures with backoff and jitter; every attempt asks the
    /// breaker first and reports the error-limit headers after.
    async fn send_with_retries(
        &self,
        route: &Route,
        page: i64,
        etag: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<OutboundResponse, EsiError> {
        let mut attempt = 0;
        loop {
            self.budget.permit(self.clock.now_ms(), route.priority).await?;
            self.stats.requests.set(self.stats.requests.get() + 1);
            let outcome = self.http.send(self.request(route, page, etag, body)).await;
            let retryable = match &outcome {
                Ok(response) => {
                    let remain = header_int(response, "x-esi-error-limit-remain");
                    let reset = header_int(response, "x-esi-error-limit-reset");
                    self.budget.observe(self.clock.now_ms(), response.status, remain, reset).await;
                    matches!(response.status, 500 | 502 | 503 | 504)
                }
                Err(_) => true,
            };
            if !retryable || attempt >= MAX_RETRIES {
                return outcome.map_err(|e| EsiError::Transport(e.to_string()));
            }
            attempt += 1;
            self.sleep.sleep_ms(self.backoff_ms(attempt)).await;
        }
    }

    /// `FIRST_BACKOFF_MS * 2^(attempt-1)`, plus up to half of it again at random.
    fn backoff_ms(&self, attempt: u32) -> u64 {
        let base = FIRST_BACKOFF_MS << (attempt - 1).min(6);
        let jitter = u64::from(u16::from_le_bytes(self.random.bytes::<2>())) % (base / 2 + 1);
        base + jitter
    }

    fn request(&self, route: &Route, page: i64, etag: Option<&str>, body: Option<&[u8]>) -> OutboundRequest {
        let base = self.config.base_url.trim_end_matches('/');
        let url = if page > 1 {
            format!("{base}{}?page={page}", route.path)
        } else {
            format!("{base}{}", route.path)
        };
        let mut request = OutboundRequest::get(url)
            .header("User-Agent", self.config.user_agent.clone())
            .header("X-Compatibility-Date", self.config.compatibility_date.clone())
            .header("Accept", "application/json");
        if let Some(token) = &route.access_token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag.to_owned());
        }
        if let Some(body) = body {
            request.method = "POST".into();
            request.body = body.to_vec();
            request = request.header("Content-Type", "application/json");
        }
        request
    }

    fn check_rate(&self, group: &str, character: i64, now: i64) -> Result<(), EsiError> {
        let Some(state) = cache::rate(self.storage, group, character)? else { return Ok(()) };
        if now < state.blocked_until_ms {
            return Err(EsiError::RateLimited { retry_at_ms: state.blocked_until_ms });
        }
        if let (Some(remaining), Some(window), Some(tokens)) =
            (state.remaining, state.window_ms, state.tokens_per_window)
        {
            if remaining < RATE_FLOOR && tokens > 0 {
                // The window floats: tokens come back at `window / tokens` each.
                let refill_at = state.updated_at_ms + window / tokens * (RATE_FLOOR - remaining);
                if now < refill_at {
                    return Err(EsiError::RateLimited { retry_at_ms: refill_at });
                }
            }
        }
        Ok(())
    }

    fn record_rate(
        &self,
        group: &str,
        character: i64,
        now: i64,
        response: &OutboundResponse,
    ) -> Result<(), EsiError> {
        let previous = cache::rate(self.storage, group, character)?;
        let (tokens, window) = response.header("x-ratelimit-limit").and_then(parse_rate_limit).unzip();
        let blocked_until_ms = if response.status == 429 {
            now + retry_after_ms(response)
        } else {
            previous.map_or(0, |p| p.blocked_until_ms)
        };
        let state = cache::RateState {
            remaining: header_int(response, "x-ratelimit-remaining"),
            window_ms: window.or(previous.and_then(|p| p.window_ms)),
            tokens_per_window: tokens.or(previous.and_then(|p| p.tokens_per_window)),
            updated_at_ms: now,
            blocked_until_ms,
        };
        cache::put_rate(self.storage, group, character, &state)?;
        Ok(())
    }
}

/// Pages agree when they all changed (200) or none did, with one `Last-Modified` and page count.
fn consistent(pages: &[Fetched]) -> bool {
    let changed = pages.iter().filter(|p| p.source == Source::Network).count();
    if changed != 0 && changed != pages.len() {
        return false;
    }
    let first = &pages[0];
    pages.iter().all(|p| p.last_modified == first.last_modified && p.pages == first.pages)
}

fn header_int(response: &OutboundResponse, name: &str) -> Option<i64> {
    response.header(name).and_then(|v| v.trim().parse().ok())
}

fn retry_after_ms(response: &OutboundResponse) -> i64 {
    header_int(response, "retry-after").unwrap_or(60).max(1) * 1000
}

/// `150/15m` -> (150 tokens, 15 minutes).
fn parse_rate_limit(value: &str) -> Option<(i64, i64)> {
    let (tokens, window) = value.trim().split_once('/')?;
    let unit = window.chars().last()?;
    let amount: i64 = window[..window.len() - 1].parse().ok()?;
    let ms = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        _ => return None,
    };
    Some((tokens.parse().ok()?, amount * ms))
}

fn error_message(response: &OutboundResponse) -> String {
    #[derive(serde::Deserialize)]
    struct Body {
        error: String,
    }
    serde_json::from_slice::<Body>(&response.body)
        .map_or_else(|_| format!("status {}", response.status), |b| b.error)
}

/// What data syncs need from an ESI client: lets them take `&impl Fetch` instead of spelling out
/// the client's ports.
pub trait Fetch {
    async fn get(&self, route: &Route) -> Result<Fetched, EsiError>;
    async fn get_all_pages(&self, route: &Route) -> Result<Paged, EsiError>;
}

impl<H, S, C, B, Z, R> Fetch for Esi<'_, H, S, C, B, Z, R>
where
    H: HttpTransport,
    S: SqlStorage,
    C: Clock,
    B: ErrorBudget,
    Z: Sleep,
    R: Random,
{
    async fn get(&self, route: &Route) -> Result<Fetched, EsiError> {
        Esi::get(self, route).await
    }

    async fn get_all_pages(&self, route: &Route) -> Result<Paged, EsiError> {
        Esi::get_all_pages(self, route).await
    }
}

#[cfg(test)]
mod tests;
