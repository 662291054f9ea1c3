//! Discord's REST API (v10) over the HTTP port, every call through the deployment's rate limiter:
//! the limiter says when a call may go, and learns from each answer's `X-RateLimit-*` headers.
//! 429s are waited out (`retry_after`), 5xx and timeouts retried with backoff, and Discord's error
//! codes become typed errors.

use crate::settings::DiscordConfig;
use hub_ports::{Clock, HttpTransport, OutboundRequest, OutboundResponse, Sleep};
use serde::{Deserialize, Serialize};

/// Attempts of one call (429s and 5xx included).
const MAX_ATTEMPTS: u32 = 6;
/// The longest a call waits for the limiter before it gives up (the caller retries later).
const MAX_WAIT_MS: i64 = 60_000;
const FIRST_BACKOFF_MS: u64 = 500;

/// What the limiter keys a call by: the route (method and path template) and its top-level
/// resource (the guild), as Discord splits buckets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteKey {
    pub route: String,
    pub major: String,
}

/// What one answer said about the limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub status: u16,
    pub bucket: Option<String>,
    pub limit: Option<i64>,
    pub remaining: Option<i64>,
    pub reset_after_ms: Option<i64>,
    pub retry_after_ms: Option<i64>,
    /// `user`, `global` or `shared` on a 429.
    pub scope: Option<String>,
}

impl Observed {
    fn from_response(response: &OutboundResponse) -> Self {
        let header = |name: &str| response.header(name).map(str::to_owned);
        let seconds_ms = |v: Option<String>| v.and_then(|s| s.parse::<f64>().ok()).map(seconds_to_ms);
        let mut observed = Observed {
            status: response.status,
            bucket: header("x-ratelimit-bucket"),
            limit: header("x-ratelimit-limit").and_then(|v| v.parse().ok()),
            remaining: header("x-ratelimit-remaining").and_then(|v| v.parse().ok()),
            reset_after_ms: seconds_ms(header("x-ratelimit-reset-after")),
            retry_after_ms: seconds_ms(header("retry-after")),
            scope: header("x-ratelimit-scope"),
        };
        if response.status == 429 {
            // The body's `retry_after` has decimals; the header is whole seconds.
            if let Ok(body) = serde_json::from_slice::<RateLimitedBody>(&response.body) {
                observed.retry_after_ms = Some(seconds_to_ms(body.retry_after));
                if body.global && observed.scope.is_none() {
                    observed.scope = Some("global".into());
                }
            }
        }
        observed
    }
}

#[allow(clippy::cast_possible_truncation)] // seconds of a rate limit, far below i64::MAX ms
fn seconds_to_ms(seconds: f64) -> i64 {
    (seconds.max(0.0) * 1000.0).ceil() as i64
}

#[derive(Deserialize)]
struct RateLimitedBody {
    retry_after: f64,
    #[serde(default)]
    global: bool,
}

/// The deployment's limiter, one per bot token.
pub trait RateLimiter {
    /// `Ok(None)`: the call may go now; `Ok(Some(at_ms))`: ask again then. An error refuses the
    /// call (the invalid-request budget is spent, or the limiter cannot be reached).
    async fn permit(&self, route: &RouteKey) -> Result<Option<i64>, DiscordError>;
    async fn observe(&self, route: &RouteKey, observed: &Observed);
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscordError {
    /// 10007: not a member of the guild.
    #[error("not a member of the guild")]
    UnknownMember,
    /// 50013 / 50001: the bot may not (a role above its own, the owner, a missing permission).
    #[error("the bot may not do this: {0}")]
    MissingPermissions(String),
    /// 50025, or 401 with the user's token: the user's grant is gone.
    #[error("the user's Discord authorization is no longer valid")]
    InvalidUserToken,
    /// 30001.
    #[error("the user is in too many guilds")]
    TooManyGuilds,
    /// 10004 / 10011.
    #[error("unknown guild or role")]
    UnknownResource,
    #[error("Discord rate limited the call for {retry_after_ms} ms")]
    RateLimited { retry_after_ms: i64 },
    /// 5xx, timeouts, an unreachable limiter: try again later.
    #[error("Discord is unavailable: {0}")]
    Unavailable(String),
    /// 401 with the bot token.
    #[error("Discord refused the bot token")]
    BotUnauthorized,
    #[error("Discord refused ({status}, code {code}): {message}")]
    Other { status: u16, code: i64, message: String },
    #[error("Discord answered something unreadable: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Guild {
    pub id: String,
    pub name: String,
    pub owner_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    pub id: String,
    pub username: String,
    #[serde(default)]
    pub global_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Member {
    pub user: User,
    pub roles: Vec<String>,
    #[serde(default)]
    pub nick: Option<String>,
}

/// How adding a member went: Discord applied the roles and nick only when it added them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    Joined(Member),
    AlreadyMember,
}

enum Auth<'a> {
    Bot,
    User(&'a str),
}

/// The client; each call goes through `limiter`.
pub struct Discord<'a, H, L, S, C> {
    pub config: &'a DiscordConfig,
    pub http: &'a H,
    pub limiter: &'a L,
    pub sleep: &'a S,
    pub clock: &'a C,
}

impl<H: HttpTransport, L: RateLimiter, S: Sleep, C: Clock> Discord<'_, H, L, S, C> {
    async fn wait_ms(&self, ms: i64) {
        self.sleep.sleep_ms(u64::try_from(ms.max(0)).unwrap_or(0)).await;
    }

    /// One call: waits for the limiter, sends, reports the answer, waits out a 429 and retries 5xx
    /// and timeouts. Returns the answer of any other status.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        method: &str,
        template: &str,
        major: &str,
        path: &str,
        body: Option<serde_json::Value>,
        reason: Option<&str>,
        auth: Auth<'_>,
    ) -> Result<OutboundResponse, DiscordError> {
        let key = RouteKey { route: format!("{method} {template}"), major: major.to_owned() };
        let started = self.clock.now_ms();
        let mut backoff = FIRST_BACKOFF_MS;
        for attempt in 1..=MAX_ATTEMPTS {
            while let Some(at_ms) = self.limiter.permit(&key).await? {
                if at_ms - started > MAX_WAIT_MS {
                    return Err(DiscordError::RateLimited { retry_after_ms: at_ms - self.clock.now_ms() });
                }
                self.wait_ms(at_ms - self.clock.now_ms()).await;
            }
            let mut request = OutboundRequest {
                method: method.into(),
                url: format!("{}{path}", self.config.api_base),
                headers: vec![
                    (
                        "User-Agent".into(),
                        format!(
                            "DiscordBot (https://github.com/eve-auth-hub, {})",
                            env!("CARGO_PKG_VERSION")
                        ),
                    ),
                    (
                        "Authorization".into(),
                        match auth {
                            Auth::Bot => format!("Bot {}", self.config.bot_token),
                            Auth::User(token) => format!("Bearer {token}"),
                        },
                    ),
                ],
                body: Vec::new(),
            };
            if let Some(reason) = reason {
                request
                    .headers
                    .push(("X-Audit-Log-Reason".into(), hub_sso::client::encode_component(reason)));
            }
            if let Some(body) = &body {
                request.headers.push(("Content-Type".into(), "application/json".into()));
                request.body =
                    serde_json::to_vec(body).map_err(|e| DiscordError::Malformed(e.to_string()))?;
            }
            let response = match self.http.send(request).await {
                Ok(response) => response,
                Err(e) if attempt < MAX_ATTEMPTS => {
                    tracing::warn!(route = %key.route, error = %e, "Discord unreachable; retrying");
                    self.sleep.sleep_ms(backoff).await;
                    backoff *= 2;
                    continue;
                }
                Err(e) => return Err(DiscordError::Unavailable(e.to_string())),
            };
            let observed = Observed::from_response(&response);
            self.limiter.observe(&key, &observed).await;
            match response.status {
                429 if attempt < MAX_ATTEMPTS => {
                    let wait = observed.retry_after_ms.unwrap_or(1_000);
                    tracing::info!(route = %key.route, wait_ms = wait, scope = ?observed.scope, "Discord rate limited a call; waiting");
                    self.wait_ms(wait).await;
                }
                429 => {
                    return Err(DiscordError::RateLimited {
                        retry_after_ms: observed.retry_after_ms.unwrap_or(1_000),
                    })
                }
                500..=599 if attempt < MAX_ATTEMPTS => {
                    self.sleep.sleep_ms(backoff).await;
                    backoff *= 2;
                }
                500..=599 => return Err(DiscordError::Unavailable(format!("status {}", response.status))),
                _ => return Ok(response),
            }
        }
        Err(DiscordError::Unavailable("out of attempts".into()))
    }

    fn fail(response: &OutboundResponse, auth_user: bool) -> DiscordError {
        let body = serde_json::from_slice::<ErrorBody>(&response.body)
            .unwrap_or(ErrorBody { code: 0, message: String::new() });
        match (response.status, body.code) {
            (_, 10007) => DiscordError::UnknownMember,
            (_, 50013 | 50001) => DiscordError::MissingPermissions(body.message),
            (_, 50025) => DiscordError::InvalidUserToken,
            (401, _) if auth_user => DiscordError::InvalidUserToken,
            (401, _) => DiscordError::BotUnauthorized,
            (_, 30001) => DiscordError::TooManyGuilds,
            (_, 10004 | 10011) => DiscordError::UnknownResource,
            (status, code) => DiscordError::Other { status, code, message: body.message },
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(response: &OutboundResponse) -> Result<T, DiscordError> {
        serde_json::from_slice(&response.body).map_err(|e| DiscordError::Malformed(e.to_string()))
    }

    async fn bot_json<T: serde::de::DeserializeOwned>(
        &self,
        template: &str,
        major: &str,
        path: &str,
    ) -> Result<T, DiscordError> {
        let response = self.call("GET", template, major, path, None, None, Auth::Bot).await?;
        if response.status == 200 {
            Self::parse(&response)
        } else {
            Err(Self::fail(&response, false))
        }
    }

    pub async fn guild(&self, guild: &str) -> Result<Guild, DiscordError> {
        self.bot_json("/guilds/{g}", guild, &format!("/guilds/{guild}")).await
    }

    pub async fn roles(&self, guild: &str) -> Result<Vec<Role>, DiscordError> {
        self.bot_json("/guilds/{g}/roles", guild, &format!("/guilds/{guild}/roles")).await
    }

    /// The bot's own user.
    pub async fn bot_user(&self) -> Result<User, DiscordError> {
        self.bot_json("/users/@me", "bot", "/users/@me").await
    }

    /// The user a token belongs to (`identify`).
    pub async fn current_user(&self, access_token: &str) -> Result<User, DiscordError> {
        let response = self
            .call("GET", "/users/@me", "user", "/users/@me", None, None, Auth::User(access_token))
            .await?;
        if response.status == 200 {
            Self::parse(&response)
        } else {
            Err(Self::fail(&response, true))
        }
    }

    /// The member, or `None` when the user is not in the guild.
    pub async fn member(&self, guild: &str, user: &str) -> Result<Option<Member>, DiscordError> {
        match self
            .bot_json("/guilds/{g}/members/{u}", guild, &format!("/guilds/{guild}/members/{user}"))
            .await
        {
            Ok(member) => Ok(Some(member)),
            Err(DiscordError::UnknownMember) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Adds the user with their own token; the roles and nick apply only when Discord added them.
    pub async fn add_member(
        &self,
        guild: &str,
        user: &str,
        access_token: &str,
        roles: &[String],
        nick: Option<&str>,
        reason: &str,
    ) -> Result<Added, DiscordError> {
        let mut body = serde_json::json!({ "access_token": access_token, "roles": roles });
        if let Some(nick) = nick {
            body["nick"] = serde_json::Value::String(nick.to_owned());
        }
        let path = format!("/guilds/{guild}/members/{user}");
        let response = self
            .call("PUT", "/guilds/{g}/members/{u}", guild, &path, Some(body), Some(reason), Auth::Bot)
            .await?;
        match response.status {
            201 => Ok(Added::Joined(Self::parse(&response)?)),
            204 => Ok(Added::AlreadyMember),
            _ => Err(Self::fail(&response, false)),
        }
    }

    pub async fn add_role(
        &self,
        guild: &str,
        user: &str,
        role: &str,
        reason: &str,
    ) -> Result<(), DiscordError> {
        self.role_call("PUT", guild, user, role, reason).await
    }

    pub async fn remove_role(
        &self,
        guild: &str,
        user: &str,
        role: &str,
        reason: &str,
    ) -> Result<(), DiscordError> {
        self.role_call("DELETE", guild, user, role, reason).await
    }

    async fn role_call(
        &self,
        method: &str,
        guild: &str,
        user: &str,
        role: &str,
        reason: &str,
    ) -> Result<(), DiscordError> {
        let path = format!("/guilds/{guild}/members/{user}/roles/{role}");
        let response = self
            .call(method, "/guilds/{g}/members/{u}/roles/{r}", guild, &path, None, Some(reason), Auth::Bot)
            .await?;
        if response.status == 204 {
            Ok(())
        } else {
            Err(Self::fail(&response, false))
        }
    }

    /// Replaces the member's roles (`roles`: the whole list) and/or sets the nick (`Some(None)`
    /// resets it).
    pub async fn modify_member(
        &self,
        guild: &str,
        user: &str,
        roles: Option<&[String]>,
        nick: Option<Option<&str>>,
        reason: &str,
    ) -> Result<(), DiscordError> {
        let mut body = serde_json::Map::new();
        if let Some(roles) = roles {
            body.insert("roles".into(), serde_json::json!(roles));
        }
        if let Some(nick) = nick {
            body.insert(
                "nick".into(),
                nick.map_or(serde_json::Value::Null, |n| serde_json::Value::String(n.to_owned())),
            );
        }
        let path = format!("/guilds/{guild}/members/{user}");
        let response = self
            .call(
                "PATCH",
                "/guilds/{g}/members/{u}",
                guild,
                &path,
                Some(serde_json::Value::Object(body)),
                Some(reason),
                Auth::Bot,
            )
            .await?;
        if response.status == 200 || response.status == 204 {
            Ok(())
        } else {
            Err(Self::fail(&response, false))
        }
    }

    pub async fn kick(&self, guild: &str, user: &str, reason: &str) -> Result<(), DiscordError> {
        let path = format!("/guilds/{guild}/members/{user}");
        let response = self
            .call("DELETE", "/guilds/{g}/members/{u}", guild, &path, None, Some(reason), Auth::Bot)
            .await?;
        match response.status {
            204 => Ok(()),
            _ => match Self::fail(&response, false) {
                DiscordError::UnknownMember => Ok(()),
                other => Err(other),
            },
        }
    }
}

/// A role's place in the guild's order: by position, and for equal positions the lower id ranks
/// higher (as Discord sorts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rank {
    pub position: i64,
    pub id: u64,
}

impl Rank {
    pub fn of(position: i64, id: &str) -> Self {
        Self { position, id: id.parse().unwrap_or(u64::MAX) }
    }

    /// Whether this role sits strictly below `other`.
    pub fn below(self, other: Rank) -> bool {
        self.position < other.position || (self.position == other.position && self.id > other.id)
    }
}

/// The bot's highest role among `roles` (the guild's) it holds; `None` when it holds none.
pub fn highest<'a>(roles: &'a [Role], held: &[String]) -> Option<&'a Role> {
    roles.iter().filter(|r| held.contains(&r.id)).max_by(|a, b| {
        let (a, b) = (Rank::of(a.position, &a.id), Rank::of(b.position, &b.id));
        if a == b {
            std::cmp::Ordering::Equal
        } else if a.below(b) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        }
    })
}

/// Whether the bot, whose highest role ranks `bot`, can give or take a role: strictly below it,
/// and never `@everyone` (whose id is the guild's).
pub fn manageable(role: &Role, guild_id: &str, bot: Option<Rank>) -> bool {
    role.id != guild_id && bot.is_some_and(|bot| Rank::of(role.position, &role.id).below(bot))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, position: i64) -> Role {
        Role { id: id.into(), name: id.into(), position }
    }

    #[test]
    fn the_bot_manages_only_roles_below_its_highest_one_ties_by_id() {
        let roles = [role("1", 0), role("10", 1), role("20", 5), role("30", 5), role("40", 9)];
        let bot = highest(&roles, &["20".into(), "10".into()]).map(|r| Rank::of(r.position, &r.id));
        assert_eq!(bot, Some(Rank::of(5, "20")));
        assert!(manageable(&roles[1], "1", bot));
        assert!(manageable(&roles[3], "1", bot), "same position, higher id: below");
        assert!(!manageable(&roles[2], "1", bot), "its own role");
        assert!(!manageable(&roles[4], "1", bot));
        assert!(!manageable(&roles[0], "1", bot), "@everyone");
        assert!(!manageable(&roles[1], "1", None), "a bot without a role manages nothing");
    }
}
