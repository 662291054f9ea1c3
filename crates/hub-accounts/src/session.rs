//! Browser sessions: a 128-bit random token in a `__Host-` cookie; Postgres keeps only its SHA-256.
//!
//! A session ends when the user logs out or ends it from their session list, when an admin ends it,
//! when a character it depended on is transferred, or when its idle or absolute lifetime runs out.

use crate::secrets::{b64url, constant_time_eq, sha256};
use hub_domain::UserId;
use hub_ports::{Clock, PgError, PgRow, PgValue, Postgres, Random};
use uuid::Uuid;

/// The session cookie. `__Host-` makes browsers insist on `Secure`, `Path=/` and no `Domain`.
pub const SESSION_COOKIE: &str = "__Host-hub_session";
/// How long `last_seen_at` may lag before a request refreshes it (saves a write per request).
const TOUCH_AFTER_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Idle and absolute lifetimes. Defaults: 7 and 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_ms: i64,
    pub absolute_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle_ms: 7 * DAY_MS, absolute_ms: 30 * DAY_MS }
    }
}

/// The secret a browser holds. Never logged, never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken([u8; 16]);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

impl SessionToken {
    pub fn generate(random: &impl Random) -> Self {
        Self(random.bytes())
    }

    /// The cookie value: 22 characters of base64url.
    pub fn encode(&self) -> String {
        b64url(&self.0)
    }

    /// Parses a cookie value; anything but 16 bytes of base64url is `None`.
    pub fn decode(value: &str) -> Option<Self> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value).ok()?;
        bytes.try_into().ok().map(Self)
    }

    /// What Postgres stores.
    pub fn sha256(&self) -> [u8; 32] {
        sha256(&[&self.0])
    }

    /// The anti-forgery token for this session: state-changing requests send it in
    /// `X-CSRF-Token`. Derived, so nothing more is stored; it cannot be computed without the
    /// `HttpOnly` cookie.
    pub fn csrf_token(&self) -> String {
        b64url(&sha256(&[b"hub-csrf\0", &self.0]))
    }

    /// Whether `presented` is this session's CSRF token (constant time).
    pub fn verify_csrf(&self, presented: &str) -> bool {
        constant_time_eq(self.csrf_token().as_bytes(), presented.as_bytes())
    }
}

/// `Set-Cookie` for a new session, living as long as the absolute lifetime.
pub fn session_cookie(token: &SessionToken, policy: &SessionPolicy) -> String {
    format!(
        "{SESSION_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={}",
        token.encode(),
        policy.absolute_ms / 1000
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// The session token in a `Cookie` header, if there is a well-formed one.
pub fn token_from_cookies(header: &str) -> Option<SessionToken> {
    cookie_value(header, SESSION_COOKIE).and_then(SessionToken::decode)
}

/// Where a session came from, for the user's session list and the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: Uuid,
    pub user_id: UserId,
    pub created_at_ms: i64,
    pub last_seen_at_ms: i64,
    pub idle_expires_at_ms: i64,
    pub absolute_expires_at_ms: i64,
    pub client: ClientInfo,
    /// The account's site-admin right, read with the session (one query per request).
    pub site_admin: bool,
}

/// Columns of `sessions s JOIN users u`.
const COLUMNS: &str = "s.id, s.user_id, (extract(epoch from s.created_at) * 1000)::bigint,
    (extract(epoch from s.last_seen_at) * 1000)::bigint, (extract(epoch from s.idle_expires_at) * 1000)::bigint,
    (extract(epoch from s.absolute_expires_at) * 1000)::bigint, s.ip, s.user_agent, u.is_site_admin";

fn record(row: &PgRow) -> Result<SessionRecord, PgError> {
    Ok(SessionRecord {
        id: row.uuid(0)?,
        user_id: UserId(row.uuid(1)?),
        created_at_ms: row.int(2)?,
        last_seen_at_ms: row.int(3)?,
        idle_expires_at_ms: row.int(4)?,
        absolute_expires_at_ms: row.int(5)?,
        client: ClientInfo { ip: row.opt_text(6)?, user_agent: row.opt_text(7)? },
        site_admin: row.boolean(8)?,
    })
}

fn opt_text(value: Option<&String>) -> PgValue {
    value.map_or(PgValue::Null, |v| PgValue::Text(v.clone()))
}

/// Starts a session for `user_id` and returns the token for the cookie.
pub async fn create(
    pg: &impl Postgres,
    random: &impl Random,
    clock: &impl Clock,
    policy: &SessionPolicy,
    user_id: UserId,
    client: &ClientInfo,
) -> Result<(SessionToken, SessionRecord), PgError> {
    let token = SessionToken::generate(random);
    let now = clock.now_ms();
    let rows = pg
        .query(
            &format!(
                "WITH s AS (INSERT INTO sessions (id, user_id, token_sha256, created_at, last_seen_at, idle_expires_at,
                    absolute_expires_at, ip, user_agent)
                 VALUES ($1, $2, $3, to_timestamp($4::bigint / 1000.0), to_timestamp($4::bigint / 1000.0),
                    to_timestamp($5::bigint / 1000.0), to_timestamp($6::bigint / 1000.0), $7, $8)
                 RETURNING *)
                 SELECT {COLUMNS} FROM s JOIN users u ON u.id = s.user_id"
            ),
            &[
                PgValue::Uuid(random.uuid_v4()),
                PgValue::Uuid(user_id.0),
                PgValue::Bytes(token.sha256().to_vec()),
                PgValue::Int(now),
                PgValue::Int(now + policy.idle_ms.min(policy.absolute_ms)),
                PgValue::Int(now + policy.absolute_ms),
                opt_text(client.ip.as_ref()),
                opt_text(client.user_agent.as_ref()),
            ],
        )
        .await?;
    let row = rows.first().ok_or_else(|| PgError::RowShape("insert returned no row".into()))?;
    Ok((token, record(row)?))
}

/// The live session a token names, read only (`None` when it ended, expired or its account is
/// banned). It carries the account's site-admin right.
pub async fn lookup(
    pg: &impl Postgres,
    clock: &impl Clock,
    token: &SessionToken,
) -> Result<Option<SessionRecord>, PgError> {
    let rows = pg
        .query(
            &format!(
                "SELECT {COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_sha256 = $1 AND s.ended_at IS NULL AND u.disabled_at IS NULL
                   AND s.idle_expires_at > to_timestamp($2::bigint / 1000.0)
                   AND s.absolute_expires_at > to_timestamp($2::bigint / 1000.0)"
            ),
            &[PgValue::Bytes(token.sha256().to_vec()), PgValue::Int(clock.now_ms())],
        )
        .await?;
    rows.first().map(record).transpose()
}

/// Whether the session's last use is old enough to record a new one (a write at most once a
/// minute per session, not per request).
pub fn touch_due(session: &SessionRecord, now_ms: i64) -> bool {
    now_ms - session.last_seen_at_ms >= TOUCH_AFTER_MS
}

/// Records a use of the session now: its idle lifetime starts again, never past its absolute one.
pub async fn touch(
    pg: &impl Postgres,
    clock: &impl Clock,
    policy: &SessionPolicy,
    session_id: Uuid,
) -> Result<(), PgError> {
    let now = clock.now_ms();
    pg.execute(
        "UPDATE sessions SET last_seen_at = to_timestamp($2::bigint / 1000.0),
             idle_expires_at = LEAST(to_timestamp($3::bigint / 1000.0), absolute_expires_at)
         WHERE id = $1 AND ended_at IS NULL",
        &[PgValue::Uuid(session_id), PgValue::Int(now), PgValue::Int(now + policy.idle_ms)],
    )
    .await?;
    Ok(())
}

/// [`lookup`], then [`touch`] when due: the session as the request sees it.
pub async fn authenticate(
    pg: &impl Postgres,
    clock: &impl Clock,
    policy: &SessionPolicy,
    token: &SessionToken,
) -> Result<Option<SessionRecord>, PgError> {
    let Some(mut session) = lookup(pg, clock, token).await? else { return Ok(None) };
    let now = clock.now_ms();
    if touch_due(&session, now) {
        touch(pg, clock, policy, session.id).await?;
        session.last_seen_at_ms = now;
        session.idle_expires_at_ms = (now + policy.idle_ms).min(session.absolute_expires_at_ms);
    }
    Ok(Some(session))
}

/// Sessions that ended, by user: whose notification sockets must close.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ended(pub Vec<(UserId, Uuid)>);

impl Ended {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn extend(&mut self, other: Ended) {
        self.0.extend(other.0);
    }

    /// The ended session ids of each user.
    pub fn by_user(&self) -> Vec<(UserId, Vec<Uuid>)> {
        let mut grouped: Vec<(UserId, Vec<Uuid>)> = Vec::new();
        for (user, session) in &self.0 {
            match grouped.iter_mut().find(|(u, _)| u == user) {
                Some((_, ids)) => ids.push(*session),
                None => grouped.push((*user, vec![*session])),
            }
        }
        grouped
    }
}

fn ended_rows(rows: &[PgRow]) -> Result<Ended, PgError> {
    rows.iter().map(|r| Ok((UserId(r.uuid(1)?), r.uuid(0)?))).collect::<Result<_, _>>().map(Ended)
}

/// Ends one session. With `owner`, only if it belongs to that user (a user ending their own).
/// Returns the session ended: empty when there was no such live session.
pub async fn end(
    pg: &impl Postgres,
    clock: &impl Clock,
    session_id: Uuid,
    owner: Option<UserId>,
    reason: &str,
) -> Result<Ended, PgError> {
    let rows = pg
        .query(
            "UPDATE sessions SET ended_at = to_timestamp($2::bigint / 1000.0), end_reason = $3
             WHERE id = $1 AND ended_at IS NULL AND ($4::uuid IS NULL OR user_id = $4)
             RETURNING id, user_id",
            &[
                PgValue::Uuid(session_id),
                PgValue::Int(clock.now_ms()),
                PgValue::Text(reason.to_owned()),
                owner.map_or(PgValue::Null, |u| PgValue::Uuid(u.0)),
            ],
        )
        .await?;
    ended_rows(&rows)
}

/// Ends every live session of a user (a transfer of a character, a ban, an admin), except `keep`.
/// Returns the sessions ended.
pub async fn end_all_for_user(
    pg: &impl Postgres,
    clock: &impl Clock,
    user_id: UserId,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<Ended, PgError> {
    let rows = pg
        .query(
            "UPDATE sessions SET ended_at = to_timestamp($2::bigint / 1000.0), end_reason = $3
             WHERE user_id = $1 AND ended_at IS NULL AND ($4::uuid IS NULL OR id <> $4)
             RETURNING id, user_id",
            &[
                PgValue::Uuid(user_id.0),
                PgValue::Int(clock.now_ms()),
                PgValue::Text(reason.to_owned()),
                keep.map_or(PgValue::Null, PgValue::Uuid),
            ],
        )
        .await?;
    ended_rows(&rows)
}

/// A user's live sessions, most recently seen first.
pub async fn list_for_user(
    pg: &impl Postgres,
    clock: &impl Clock,
    user_id: UserId,
) -> Result<Vec<SessionRecord>, PgError> {
    let rows = pg
        .query(
            &format!(
                "SELECT {COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.user_id = $1 AND s.ended_at IS NULL
                   AND s.idle_expires_at > to_timestamp($2::bigint / 1000.0)
                   AND s.absolute_expires_at > to_timestamp($2::bigint / 1000.0)
                 ORDER BY s.last_seen_at DESC, s.id"
            ),
            &[PgValue::Uuid(user_id.0), PgValue::Int(clock.now_ms())],
        )
        .await?;
    rows.iter().map(record).collect()
}

#[cfg(test)]
mod tests;
