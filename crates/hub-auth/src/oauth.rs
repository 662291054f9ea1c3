//! The OAuth 2 authorization-code flow with PKCE, as a client of EVE SSO (and later Discord).
//!
//! Login state lives in Durable Object SQLite (the [`SqlStorage`] port): random, single use (taken
//! with `DELETE ... RETURNING`, so a replay finds nothing), expiring after ten minutes, bound to
//! the browser by a nonce cookie of which only a hash is stored, and recording its provider so a
//! callback of one provider cannot consume another's state (mix-up defence).
//!
//! Logins are unauthenticated, so they are what a flood aims at. States are spread over
//! [`STATE_SHARDS`] objects by the client's key (a hash of its address), each state names its shard
//! in its first character, starts are limited per client and each shard holds a bounded number of
//! states, the oldest going first ([`Limits`]), and failed callbacks write a bounded audit trail
//! ([`audit_permit`]).

pub use hub_accounts::accounts::Flow;
use hub_accounts::secrets::{b64url, constant_time_eq, sha256};
use hub_ports::{Clock, Random, SqlError, SqlStorage, SqlValue};
use serde::{Deserialize, Serialize};

/// Login state expires after this long.
pub const STATE_TTL_MS: i64 = 10 * 60 * 1000;
/// The cookie that binds a login state to the browser that started it.
pub const LOGIN_COOKIE: &str = "__Host-hub_login";
const MAX_RETURN_TO: usize = 512;
/// How many objects hold login states.
pub const STATE_SHARDS: u8 = 16;
pub const RATE_WINDOW_MS: i64 = 60_000;

/// How much one shard takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Login starts one client may make per [`RATE_WINDOW_MS`].
    pub starts_per_window: i64,
    /// Live states per shard; beyond it the oldest are dropped (an honest login takes a minute or
    /// two, a flood from many addresses fills a shard in seconds).
    pub max_states: i64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits { starts_per_window: 20, max_states: 5_000 };
}
/// Audit entries of failed callbacks per client, and per shard, per [`AUDIT_WINDOW_MS`].
pub const AUDITS_PER_CLIENT: i64 = 5;
pub const AUDITS_PER_SHARD: i64 = 50;
pub const AUDIT_WINDOW_MS: i64 = 10 * 60_000;

/// A client's key: a hash of its address, never the address itself.
pub fn client_key(ip: Option<&str>) -> String {
    let digest = sha256(&[b"hub-login-client\0", ip.unwrap_or("unknown").as_bytes()]);
    digest[..8].iter().fold(String::with_capacity(16), |mut hex, b| {
        use std::fmt::Write;
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// The shard that holds a client's states and counters.
pub fn shard_of_client(client: &str) -> u8 {
    client
        .bytes()
        .next()
        .and_then(|b| char::from(b).to_digit(16))
        .and_then(|d| u8::try_from(d).ok())
        .unwrap_or(0)
        % STATE_SHARDS
}

/// The shard a state names in its first character; `None` for anything we never issued.
pub fn shard_of_state(state: &str) -> Option<u8> {
    let digit = char::from(*state.as_bytes().first()?).to_digit(16)?;
    u8::try_from(digit).ok().filter(|d| *d < STATE_SHARDS)
}

/// The name of a shard's object.
pub fn shard_object(shard: u8) -> String {
    format!("login-states-{shard:x}")
}

/// One shard's `CoreState` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginShard(pub u8);

impl hub_rpc::ObjectKey for LoginShard {
    fn object_name(&self) -> String {
        shard_object(self.0)
    }
}

/// A client's budget of audit entries for failed callbacks: see [`audit_permit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPermit {
    pub client: String,
}

/// Takes a login state back at the callback: see [`finish`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishLogin {
    pub provider: Provider,
    pub state: String,
    pub browser_nonce: Option<String>,
}

hub_rpc::rpc_interface! {
    /// Served by the core worker's `CoreState` objects, one per shard: single-use OAuth login
    /// state in their SQLite.
    pub interface LoginStates as "login-states", handler LoginStatesHandler, client LoginStatesClient, object CORE_STATE by LoginShard {
        /// `too_many_requests` when the client started too many logins.
        fn begin(Start) -> Begun;
        /// Refused states are `bad_request` errors whose message says why.
        fn finish(FinishLogin) -> Pending;
        /// Whether a failed callback of this client may write an audit entry.
        fn audit_permit(AuditPermit) -> bool;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Eve,
    Discord,
}

impl Provider {
    fn as_str(self) -> &'static str {
        match self {
            Provider::Eve => "eve",
            Provider::Discord => "discord",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("unknown or already used login state")]
    Unknown,
    #[error("login state expired")]
    Expired,
    #[error("login state belongs to another browser")]
    ForeignBrowser,
    #[error("login state belongs to another provider")]
    WrongProvider,
    #[error("too many logins from this address; wait a minute")]
    RateLimited { retry_after_ms: i64 },
    #[error("login state storage failed: {0}")]
    Storage(String),
}

impl From<SqlError> for StateError {
    fn from(e: SqlError) -> Self {
        StateError::Storage(e.to_string())
    }
}

/// A started login: where to send the browser, and the nonce for [`LOGIN_COOKIE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Begun {
    pub state: String,
    pub code_challenge: String,
    pub browser_nonce: String,
}

/// A login state taken back at the callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub flow: Flow,
    pub code_verifier: String,
    pub return_to: Option<String>,
}

/// Creates the state and counter tables. Idempotent; objects call it from their constructor.
pub fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
    storage.exec(
        "CREATE TABLE IF NOT EXISTS login_state (
            state TEXT PRIMARY KEY,
            provider TEXT NOT NULL,
            flow TEXT NOT NULL,
            code_verifier TEXT NOT NULL,
            return_to TEXT,
            browser_sha256 BLOB NOT NULL,
            expires_at_ms INTEGER NOT NULL
        )",
        &[],
    )?;
    storage.exec("CREATE INDEX IF NOT EXISTS login_state_expiry ON login_state (expires_at_ms)", &[])?;
    // Fixed windows per client key: login starts, and audit entries of failed callbacks.
    storage.exec(
        "CREATE TABLE IF NOT EXISTS login_counters (
            kind TEXT NOT NULL,
            client TEXT NOT NULL,
            window_start_ms INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (kind, client)
        )",
        &[],
    )?;
    Ok(())
}

/// Counts one event of `kind` for `client` in a fixed window; `Err(retry_after_ms)` when the
/// window already holds `limit`.
fn count(
    storage: &impl SqlStorage,
    now: i64,
    kind: &str,
    client: &str,
    limit: i64,
    window_ms: i64,
) -> Result<Result<(), i64>, SqlError> {
    storage.exec(
        "DELETE FROM login_counters WHERE kind = ? AND window_start_ms <= ?",
        &[SqlValue::Text(kind.into()), SqlValue::Integer(now - window_ms)],
    )?;
    let rows = storage.exec(
        "INSERT INTO login_counters (kind, client, window_start_ms, count) VALUES (?, ?, ?, 1)
         ON CONFLICT (kind, client) DO UPDATE SET count = count + 1
         RETURNING window_start_ms, count",
        &[SqlValue::Text(kind.into()), SqlValue::Text(client.into()), SqlValue::Integer(now)],
    )?;
    let row = rows.first();
    let started = row.and_then(|r| r.first()).and_then(SqlValue::as_i64).unwrap_or(now);
    let counted = row.and_then(|r| r.get(1)).and_then(SqlValue::as_i64).unwrap_or(1);
    Ok(if counted > limit { Err(started + window_ms - now) } else { Ok(()) })
}

/// Whether a failed callback of `client` may write an audit entry: at most [`AUDITS_PER_CLIENT`]
/// per client and [`AUDITS_PER_SHARD`] per shard in [`AUDIT_WINDOW_MS`]; the rest are only counted.
pub fn audit_permit(storage: &impl SqlStorage, clock: &impl Clock, client: &str) -> Result<bool, SqlError> {
    let now = clock.now_ms();
    if count(storage, now, "audit", client, AUDITS_PER_CLIENT, AUDIT_WINDOW_MS)?.is_err() {
        return Ok(false);
    }
    Ok(count(storage, now, "audit-shard", "*", AUDITS_PER_SHARD, AUDIT_WINDOW_MS)?.is_ok())
}

/// Accepts a `return_to` only as a same-origin relative path: one leading `/`, not `//` or `/\`,
/// no backslashes or control characters anywhere. Anything else is `None` (go home).
pub fn safe_return_to(candidate: &str) -> Option<String> {
    let ok = candidate.len() <= MAX_RETURN_TO
        && candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.contains('\\')
        && !candidate.chars().any(char::is_control);
    ok.then(|| candidate.to_owned())
}

/// A login to start, in the shard of its client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Start {
    pub shard: u8,
    /// [`client_key`] of the address the start came from.
    pub client: String,
    pub provider: Provider,
    pub flow: Flow,
    pub return_to: Option<String>,
}

/// Starts a login: counts it against the client's limit, stores a fresh state with its PKCE
/// verifier and returns what the browser needs.
pub fn begin(
    storage: &impl SqlStorage,
    random: &impl Random,
    clock: &impl Clock,
    start: &Start,
    limits: &Limits,
) -> Result<Begun, StateError> {
    let now = clock.now_ms();
    if let Err(retry_after_ms) =
        count(storage, now, "start", &start.client, limits.starts_per_window, RATE_WINDOW_MS)?
    {
        return Err(StateError::RateLimited { retry_after_ms });
    }
    let state = format!("{:x}{}", start.shard % STATE_SHARDS, b64url(&random.bytes::<16>()));
    let code_verifier = b64url(&random.bytes::<32>());
    let browser_nonce = b64url(&random.bytes::<16>());
    let flow_json = serde_json::to_string(&start.flow).map_err(|e| StateError::Storage(e.to_string()))?;
    // Expired states of abandoned logins are swept as new ones arrive (the expiry is indexed), and
    // a full shard drops its oldest.
    storage.exec("DELETE FROM login_state WHERE expires_at_ms <= ?", &[SqlValue::Integer(now)])?;
    storage.exec(
        "DELETE FROM login_state WHERE state IN (SELECT state FROM login_state ORDER BY expires_at_ms DESC
            LIMIT -1 OFFSET ?)",
        &[SqlValue::Integer(limits.max_states - 1)],
    )?;
    storage.exec(
        "INSERT INTO login_state (state, provider, flow, code_verifier, return_to, browser_sha256, expires_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            SqlValue::Text(state.clone()),
            SqlValue::Text(start.provider.as_str().to_owned()),
            SqlValue::Text(flow_json),
            SqlValue::Text(code_verifier.clone()),
            start.return_to.as_deref().and_then(safe_return_to).map_or(SqlValue::Null, SqlValue::Text),
            SqlValue::Blob(sha256(&[browser_nonce.as_bytes()]).to_vec()),
            SqlValue::Integer(now + STATE_TTL_MS),
        ],
    )?;
    Ok(Begun { state, code_challenge: code_challenge(&code_verifier), browser_nonce })
}

/// PKCE S256: base64url(SHA-256(verifier)).
pub fn code_challenge(code_verifier: &str) -> String {
    b64url(&sha256(&[code_verifier.as_bytes()]))
}

/// Takes the state back at the callback. The state is consumed whatever the outcome, so a
/// replayed or misused state never works twice.
pub fn finish(
    storage: &impl SqlStorage,
    clock: &impl Clock,
    provider: Provider,
    state: &str,
    browser_nonce: Option<&str>,
) -> Result<Pending, StateError> {
    let rows = storage.exec(
        "DELETE FROM login_state WHERE state = ?
         RETURNING provider, flow, code_verifier, return_to, browser_sha256, expires_at_ms",
        &[SqlValue::Text(state.to_owned())],
    )?;
    let row = rows.first().ok_or(StateError::Unknown)?;
    let shape = || StateError::Storage("login state row has an unexpected shape".into());
    let stored_provider = row.first().and_then(SqlValue::as_str).ok_or_else(shape)?;
    if stored_provider != provider.as_str() {
        return Err(StateError::WrongProvider);
    }
    let expires_at = row.get(5).and_then(SqlValue::as_i64).ok_or_else(shape)?;
    if clock.now_ms() >= expires_at {
        return Err(StateError::Expired);
    }
    let Some(SqlValue::Blob(browser_hash)) = row.get(4) else { return Err(shape()) };
    let presented = browser_nonce.map(|n| sha256(&[n.as_bytes()]));
    if !presented.is_some_and(|p| constant_time_eq(&p, browser_hash)) {
        return Err(StateError::ForeignBrowser);
    }
    let flow = row
        .get(1)
        .and_then(SqlValue::as_str)
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(shape)?;
    let code_verifier = row.get(2).and_then(SqlValue::as_str).ok_or_else(shape)?.to_owned();
    let return_to = row.get(3).and_then(SqlValue::as_str).map(str::to_owned);
    Ok(Pending { flow, code_verifier, return_to })
}

#[cfg(test)]
mod tests;
