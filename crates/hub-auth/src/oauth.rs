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

use crate::{b64url, constant_time_eq, sha256};
use hub_domain::scopes::ScopeGrant;
use hub_domain::{CharacterId, UserId};
use hub_ports::{Clock, OutboundRequest, OutboundResponse, Random, SqlError, SqlStorage, SqlValue};
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

/// What the login is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Flow {
    /// Log in (or sign up) with a character.
    Login,
    /// Add a character to an existing, logged-in user.
    LinkCharacter { user_id: UserId },
    /// Grant more scopes for one of the user's characters (data access, a director's corporation
    /// access): the SSO must come back with that very character.
    GrantScopes { user_id: UserId, character_id: CharacterId, grant: ScopeGrant },
}

impl Flow {
    /// The logged-in user the flow is for (`None` for a login).
    pub fn user(&self) -> Option<UserId> {
        match self {
            Flow::Login => None,
            Flow::LinkCharacter { user_id } | Flow::GrantScopes { user_id, .. } => Some(*user_id),
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

/// An OAuth client's registration and its provider's endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub authorize_url: String,
    pub token_url: String,
    /// RFC 7009 token revocation.
    pub revoke_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The provider's authorize URL for this login: code flow, PKCE S256, the given scopes.
pub fn authorize_url(config: &ClientConfig, begun: &Begun, scopes: &[&str]) -> String {
    let separator = if config.authorize_url.contains('?') { '&' } else { '?' };
    let query = form(&[
        ("response_type", "code"),
        ("client_id", &config.client_id),
        ("redirect_uri", &config.redirect_uri),
        ("scope", &scopes.join(" ")),
        ("state", &begun.state),
        ("code_challenge", &begun.code_challenge),
        ("code_challenge_method", "S256"),
    ]);
    format!("{}{separator}{query}", config.authorize_url)
}

fn basic_auth(config: &ClientConfig) -> String {
    use base64::Engine;
    // RFC 6749 2.3.1: id and secret are form-encoded before joining.
    let pair = format!("{}:{}", encode_component(&config.client_id), encode_component(&config.client_secret));
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

/// The code-for-tokens request, with the client authenticated by HTTP Basic.
pub fn code_exchange(config: &ClientConfig, code: &str, code_verifier: &str) -> OutboundRequest {
    token_request(
        config,
        &form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &config.redirect_uri),
            ("code_verifier", code_verifier),
        ]),
    )
}

/// The refresh request for a stored refresh token.
pub fn refresh(config: &ClientConfig, refresh_token: &str) -> OutboundRequest {
    token_request(config, &form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]))
}

/// Revokes a refresh token (RFC 7009), which also ends the access tokens issued from it.
pub fn revoke(config: &ClientConfig, refresh_token: &str) -> OutboundRequest {
    let mut request =
        token_request(config, &form(&[("token", refresh_token), ("token_type_hint", "refresh_token")]));
    request.url.clone_from(&config.revoke_url);
    request
}

/// Reads a revocation endpoint's answer: 200 means revoked (or already unknown to the SSO).
pub fn parse_revoke_response(response: &OutboundResponse) -> Result<(), TokenError> {
    match response.status {
        200 | 204 => Ok(()),
        429 | 500..=599 => Err(TokenError::Unavailable(response.status)),
        status => Err(TokenError::Rejected(format!("status {status}"))),
    }
}

fn token_request(config: &ClientConfig, body: &str) -> OutboundRequest {
    OutboundRequest {
        method: "POST".into(),
        url: config.token_url.clone(),
        headers: vec![
            ("Authorization".into(), basic_auth(config)),
            ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
            ("Accept".into(), "application/json".into()),
        ],
        body: body.as_bytes().to_vec(),
    }
}

/// Tokens from the token endpoint. Its `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub token_type: String,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The grant is dead (revoked, expired, already used): never retry it.
    #[error("invalid_grant")]
    InvalidGrant,
    #[error("the token endpoint refused: {0}")]
    Rejected(String),
    /// 5xx or 429: try again later.
    #[error("the token endpoint is unavailable (status {0})")]
    Unavailable(u16),
    #[error("the token endpoint answered something unreadable: {0}")]
    Malformed(String),
}

/// Reads a token endpoint's answer.
pub fn parse_token_response(response: &OutboundResponse) -> Result<TokenResponse, TokenError> {
    #[derive(Deserialize)]
    struct OAuthErrorBody {
        error: String,
    }
    match response.status {
        200 => {
            let tokens: TokenResponse =
                serde_json::from_slice(&response.body).map_err(|e| TokenError::Malformed(e.to_string()))?;
            if tokens.token_type.eq_ignore_ascii_case("bearer") && !tokens.access_token.is_empty() {
                Ok(tokens)
            } else {
                Err(TokenError::Malformed("not a bearer token".into()))
            }
        }
        429 | 500..=599 => Err(TokenError::Unavailable(response.status)),
        status => match serde_json::from_slice::<OAuthErrorBody>(&response.body) {
            Ok(body) if body.error == "invalid_grant" => Err(TokenError::InvalidGrant),
            Ok(body) => Err(TokenError::Rejected(body.error)),
            Err(_) => Err(TokenError::Rejected(format!("status {status}"))),
        },
    }
}

#[cfg(test)]
mod tests;
