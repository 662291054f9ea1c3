//! The logic of the discord worker's objects: each user's sync (`DiscordMember`), the bot's rate
//! limiter (`DiscordLimiter`) and the reconcile (`Reconciler`).

use crate::accounts::{self, Tokens};
use crate::client::{Discord, DiscordError, Observed, RateLimiter, RouteKey};
use crate::desired::{self, Desire};
use crate::ratelimit::{self, Refused};
use crate::rpc::{
    Bot, Deployment, DiscordLimiter, DiscordLimiterHandler, DiscordMember, DiscordMemberHandler, GuildReport,
    Observation, Reconciler, ReconcilerHandler, UserRequest,
};
use crate::serialized::{Outcome, Serialized};
use crate::settings::DiscordConfig;
use crate::sync::{self, AccessToken, AuditLog, GuildStatus, Problem, Syncer, TokenProblem};
use hub_accounts::audit::{Action, Entry};
use hub_accounts::rpc::Accounts;
use hub_app::{internal, Context, DurableLogic, ObjectContext, Runtime};
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::UserId;
use hub_entitlements::Changed;
use hub_http::ApiError;
use hub_ports::{Clock, HttpTransport, PgValue, Postgres, SqlError, SqlStorage, SqlValue};
use hub_vault::Keyring;

/// A retry after Discord did not answer, doubling up to an hour.
const FIRST_RETRY_MS: i64 = 30_000;
const MAX_RETRY_MS: i64 = 3_600_000;
/// Queued syncs running at once while the queue drains.
const IN_FLIGHT: usize = 100;
/// One drain claims users for at most this long; the next alarm goes on with the rest.
const DRAIN_MS: i64 = 60_000;
const TICK_MS: i64 = 60_000;

pub fn config(ctx: &impl Runtime) -> Result<DiscordConfig, ApiError> {
    DiscordConfig::from_settings(|name| ctx.setting(name)).map_err(|e| ApiError::unavailable(e.to_string()))
}

/// The limiter object, seen from a caller.
pub struct RemoteLimiter<'a, R> {
    pub ctx: &'a R,
}

impl<R: Runtime> RateLimiter for RemoteLimiter<'_, R> {
    async fn permit(&self, route: &RouteKey) -> Result<Option<i64>, DiscordError> {
        match async { self.ctx.stub::<DiscordLimiter>(&Bot)?.permit(route).await }.await {
            Ok(answer) => Ok(answer),
            Err(e) if e.is(hub_http::codes::TOO_MANY_REQUESTS) => {
                Err(DiscordError::RateLimited { retry_after_ms: 60_000 })
            }
            Err(e) => Err(DiscordError::Unavailable(format!("the rate limiter did not answer: {e}"))),
        }
    }

    async fn observe(&self, route: &RouteKey, observed: &Observed) {
        let observation = Observation { route: route.clone(), observed: observed.clone() };
        if let Err(e) = async { self.ctx.stub::<DiscordLimiter>(&Bot)?.observe(&observation).await }.await {
            tracing::warn!(error = %e, "reporting to the Discord rate limiter failed");
        }
    }
}

/// A Discord client over `ctx`, every call through the deployment's limiter.
pub fn client<'a, R: Runtime>(
    ctx: &'a R,
    config: &'a DiscordConfig,
    limiter: &'a RemoteLimiter<'a, R>,
) -> Discord<'a, R::Http, RemoteLimiter<'a, R>, R::Sleep, R::Clock> {
    Discord { config, http: ctx.http(), limiter, sleep: ctx.sleep(), clock: ctx.clock() }
}

/// Audit entries through the accounts service, which owns the audit log.
pub struct ServiceAudit<'a, R> {
    pub ctx: &'a R,
}

impl<R: Runtime> AuditLog for ServiceAudit<'_, R> {
    async fn record(&self, entry: Entry) {
        if let Err(e) = async { self.ctx.service_client::<Accounts>()?.audit(&entry).await }.await {
            tracing::error!(error = %e, "audit write failed");
        }
    }
}

/// The user's access token, refreshed when it is about to expire: the rotated refresh token is
/// stored before the new access token is used; `invalid_grant` means the user must link again.
struct UserTokens<'a, C> {
    ctx: &'a C,
    keyring: &'a Keyring,
    config: &'a DiscordConfig,
    user: UserId,
    discord_user_id: &'a str,
}

impl<C: Context> AccessToken for UserTokens<'_, C> {
    async fn access_token(&self) -> Result<String, TokenProblem> {
        let unavailable = |e: String| TokenProblem::Unavailable(e);
        let pg = self.ctx.postgres().await.map_err(|e| unavailable(e.message))?;
        for _ in 0..2 {
            let stored = accounts::tokens(pg, self.keyring, self.ctx.clock(), self.user)
                .await
                .map_err(|e| unavailable(e.to_string()))?;
            let Some(stored) = stored else { return Err(TokenProblem::NeedsRelink) };
            if stored.fresh {
                return Ok(stored.tokens.access_token);
            }
            let request = hub_sso::client::refresh(&self.config.client, &stored.tokens.refresh_token);
            let answer = self.ctx.http().send(request).await.map_err(|e| unavailable(e.to_string()))?;
            match hub_sso::client::parse_token_response(&answer) {
                Ok(fresh) => {
                    let tokens = Tokens {
                        access_token: fresh.access_token,
                        refresh_token: fresh.refresh_token.unwrap_or(stored.tokens.refresh_token),
                    };
                    let expires = self.ctx.clock().now_ms() + fresh.expires_in.saturating_mul(1000);
                    let refreshed = accounts::Refreshed {
                        user: self.user,
                        discord_user_id: self.discord_user_id,
                        version: stored.version,
                        tokens: &tokens,
                        access_expires_at_ms: expires,
                    };
                    let stored_it =
                        accounts::store_refreshed(pg, self.keyring, self.ctx.random(), &refreshed)
                            .await
                            .map_err(|e| unavailable(e.to_string()))?;
                    if stored_it {
                        return Ok(tokens.access_token);
                    }
                    // Another refresh stored newer tokens first: read them.
                }
                Err(hub_sso::client::TokenError::InvalidGrant) => {
                    needs_relink(self.ctx, pg, self.user).await;
                    return Err(TokenProblem::NeedsRelink);
                }
                Err(e) => return Err(unavailable(e.to_string())),
            }
        }
        Err(TokenProblem::Unavailable("the tokens kept changing".into()))
    }
}

/// The user's grant stopped working (`invalid_grant` at a refresh, or Discord's 50025): marked on
/// the account, and the user told once.
async fn needs_relink(ctx: &impl Context, pg: &impl Postgres, user: UserId) {
    if accounts::mark_needs_relink(pg, user).await.unwrap_or(false) {
        let notification = NewNotification {
            user_id: user,
            kind: NotificationKind::DiscordNeedsRelink,
            title: "Your Discord link stopped working: link Discord again".into(),
            data: serde_json::json!({}),
        };
        hub_notify::deliver(ctx, vec![notification]).await;
    }
}

type SyncResult = Result<Vec<GuildReport>, ApiError>;

/// One user's Discord sync: its in-memory state is the run in flight and who waits for the next.
#[derive(Default)]
pub struct MemberObject {
    syncs: Serialized<SyncResult>,
}

fn meta_migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
    storage.exec(
        "CREATE TABLE IF NOT EXISTS member_meta (id INTEGER PRIMARY KEY CHECK (id = 1), user_id TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0)",
        &[],
    )?;
    Ok(())
}

fn remember_user(storage: &impl SqlStorage, user: UserId) -> Result<(), SqlError> {
    storage.exec(
        "INSERT INTO member_meta (id, user_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id",
        &[SqlValue::Text(user.to_string())],
    )?;
    Ok(())
}

fn remembered(storage: &impl SqlStorage) -> Result<Option<(UserId, i64)>, SqlError> {
    let rows = storage.exec("SELECT user_id, failures FROM member_meta WHERE id = 1", &[])?;
    let Some(row) = rows.first() else { return Ok(None) };
    let user = row.first().and_then(SqlValue::as_str).and_then(|u| u.parse().ok()).map(UserId);
    let failures = row.get(1).and_then(SqlValue::as_i64).unwrap_or(0);
    Ok(user.map(|u| (u, failures)))
}

impl DurableLogic for MemberObject {
    fn new() -> Self {
        Self::default()
    }

    fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
        meta_migrate(storage)
    }

    async fn call(
        &self,
        ctx: &impl ObjectContext,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        DiscordMember::serve(&MemberCalls { object: self, ctx }, interface, method, body).await
    }

    async fn alarm(&self, ctx: &impl ObjectContext) {
        match remembered(ctx.storage()) {
            Ok(Some((user, _))) => {
                if let Err(e) = self.run(ctx, user).await {
                    tracing::warn!(user = %user, error = %e, "Discord sync failed");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "reading the synced user failed"),
        }
    }
}

struct MemberCalls<'a, C> {
    object: &'a MemberObject,
    ctx: &'a C,
}

impl<C: ObjectContext> DiscordMemberHandler for MemberCalls<'_, C> {
    async fn sync(&self, request: UserRequest) -> Result<(), ApiError> {
        remember_user(self.ctx.storage(), request.user_id).map_err(internal)?;
        self.ctx.set_alarm(self.ctx.clock().now_ms()).await
    }

    async fn sync_now(&self, request: UserRequest) -> Result<Vec<GuildReport>, ApiError> {
        remember_user(self.ctx.storage(), request.user_id).map_err(internal)?;
        self.object.run(self.ctx, request.user_id).await
    }

    async fn unlink(&self, request: UserRequest) -> Result<(), ApiError> {
        unlink(self.ctx, request.user_id).await
    }
}

impl MemberObject {
    /// Syncs the user, once more if a change arrived during the run; schedules a retry when
    /// Discord did not answer.
    async fn run(&self, ctx: &impl ObjectContext, user: UserId) -> SyncResult {
        let result = match self.syncs.run(|| sync_user(ctx, user, false)).await {
            Outcome::Ran(result) => result,
            Outcome::Joined(result) => return result,
            Outcome::Dropped => {
                return Err(ApiError::unavailable("the Discord sync stopped before it finished"))
            }
        };
        let failures = remembered(ctx.storage()).ok().flatten().map_or(0, |(_, f)| f);
        let retry = match &result {
            Ok(reports) => reports.iter().any(|r| r.problem == Some(Problem::Unavailable)),
            Err(_) => true,
        };
        let next_failures = if retry { failures + 1 } else { 0 };
        let _ = ctx
            .storage()
            .exec("UPDATE member_meta SET failures = ? WHERE id = 1", &[SqlValue::Integer(next_failures)]);
        if retry {
            let wait = (FIRST_RETRY_MS << failures.clamp(0, 7)).min(MAX_RETRY_MS);
            ctx.set_alarm(ctx.clock().now_ms() + wait).await?;
        }
        result
    }
}

fn report(status: &GuildStatus) -> GuildReport {
    GuildReport {
        guild_id: status.guild_id.clone(),
        membership: status.membership,
        roles: status.roles.iter().cloned().collect(),
        problem: status.problem,
    }
}

/// Brings every guild of the user to its desired state (`leaving`: to none, as when unlinking).
async fn sync_user(
    ctx: &impl ObjectContext,
    user: UserId,
    leaving: bool,
) -> Result<Vec<GuildReport>, ApiError> {
    let config = config(ctx)?;
    let keyring = hub_tokens::object::keyring(ctx)?;
    let pg = ctx.postgres().await?;
    let Some(account) = accounts::account(pg, user).await.map_err(internal)? else { return Ok(Vec::new()) };
    let mut desires: Vec<Desire> = desired::desired(pg, user).await.map_err(internal)?;
    if leaving {
        for desire in &mut desires {
            desire.roles.clear();
            desire.invite = false;
            desire.entitled = false;
            desire.nickname = None;
        }
    }
    let previous = sync::statuses(pg, user).await.map_err(internal)?;
    let limiter = RemoteLimiter { ctx };
    let discord = client(ctx, &config, &limiter);
    let tokens = UserTokens {
        ctx,
        keyring: &keyring,
        config: &config,
        user,
        discord_user_id: &account.discord_user_id,
    };
    let audit = ServiceAudit { ctx };
    let syncer = Syncer {
        discord: &discord,
        user,
        discord_user_id: &account.discord_user_id,
        token: &tokens,
        audit: &audit,
    };
    let mut reports = Vec::new();
    for desire in &desires {
        let before = previous.iter().find(|p| p.guild_id == desire.guild_id);
        let status = syncer.guild(desire, before).await;
        if status.problem == Some(Problem::NeedsRelink) {
            needs_relink(ctx, pg, user).await;
        }
        if let Err(e) = sync::record(pg, user, &status).await {
            tracing::error!(error = %e, "recording a Discord status failed");
        }
        reports.push(report(&status));
    }
    Ok(reports)
}

/// Unlinking: the grant is revoked at Discord first (when Discord cannot be reached nothing
/// changes), then the hub's roles go in every guild, then the link.
async fn unlink(ctx: &impl ObjectContext, user: UserId) -> Result<(), ApiError> {
    let config = config(ctx)?;
    let keyring = hub_tokens::object::keyring(ctx)?;
    let pg = ctx.postgres().await?;
    let Some(account) = accounts::account(pg, user).await.map_err(internal)? else {
        return Err(ApiError::not_found("no Discord account is linked"));
    };
    if let Ok(Some(stored)) = accounts::tokens(pg, &keyring, ctx.clock(), user).await {
        let revoke = hub_sso::client::revoke(&config.client, &stored.tokens.refresh_token);
        let revoked = match ctx.http().send(revoke).await {
            Ok(answer) => hub_sso::client::parse_revoke_response(&answer).or_else(|e| match e {
                hub_sso::client::TokenError::Rejected(_) => Ok(()),
                other => Err(other.to_string()),
            }),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = revoked {
            return Err(ApiError::new(
                502,
                "discord_unavailable",
                format!("Discord could not revoke the link; nothing changed ({e})"),
            ));
        }
    }
    let reports = sync_user(ctx, user, true).await?;
    accounts::unlink(pg, user).await.map_err(internal)?;
    let detail = serde_json::json!({ "discord_user_id": account.discord_user_id, "guilds": reports.len() });
    ServiceAudit { ctx }.record(Entry::new(Action::DiscordUnlinked).user(user).detail(detail)).await;
    Ok(())
}

/// The deployment's rate limiter: its buckets in its SQLite.
pub struct LimiterObject;

impl DurableLogic for LimiterObject {
    fn new() -> Self {
        LimiterObject
    }

    fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
        ratelimit::migrate(storage)
    }

    async fn call(
        &self,
        ctx: &impl ObjectContext,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        DiscordLimiter::serve(&LimiterCalls { ctx }, interface, method, body).await
    }
}

struct LimiterCalls<'a, C> {
    ctx: &'a C,
}

impl<C: ObjectContext> DiscordLimiterHandler for LimiterCalls<'_, C> {
    async fn permit(&self, route: RouteKey) -> Result<Option<i64>, ApiError> {
        ratelimit::permit(self.ctx.storage(), &route, self.ctx.clock().now_ms()).map_err(|e| match e {
            refused @ Refused::InvalidBudget(_) => ApiError::too_many_requests(refused.to_string()),
            Refused::Storage(e) => internal(e),
        })
    }

    async fn observe(&self, observation: Observation) -> Result<(), ApiError> {
        let now = self.ctx.clock().now_ms();
        let alert = ratelimit::observe(self.ctx.storage(), &observation.route, &observation.observed, now)
            .map_err(internal)?;
        if alert {
            tracing::error!(
                limit = ratelimit::INVALID_BUDGET,
                "the Discord bot spent half of its invalid-request budget"
            );
            alert_site_admins(self.ctx).await;
        }
        Ok(())
    }

    async fn invalid_requests(&self, _request: ()) -> Result<i64, ApiError> {
        ratelimit::invalid_requests(self.ctx.storage(), self.ctx.clock().now_ms()).map_err(internal)
    }
}

async fn alert_site_admins(ctx: &impl Context) {
    let admins = async {
        let pg = ctx.postgres().await?;
        let rows = pg
            .query("SELECT id FROM users WHERE is_site_admin AND disabled_at IS NULL", &[])
            .await
            .map_err(internal)?;
        rows.iter().map(|r| r.uuid(0).map(UserId).map_err(internal)).collect::<Result<Vec<_>, ApiError>>()
    }
    .await;
    match admins {
        Ok(admins) => {
            let notifications = admins
                .into_iter()
                .map(|user_id| NewNotification {
                    user_id,
                    kind: NotificationKind::DiscordInvalidRequests,
                    title: "The Discord bot spent half of its budget of refused requests: check the guilds' configuration".into(),
                    data: serde_json::json!({ "budget": ratelimit::INVALID_BUDGET }),
                })
                .collect();
            hub_notify::deliver(ctx, notifications).await;
        }
        Err(e) => tracing::error!(error = %e, "finding the site admins to alert failed"),
    }
}

/// The reconcile: a queue of users to sync, drained a batch per tick, and the periodic pass that
/// walks every linked member over the configured interval.
pub struct ReconcilerObject;

fn reconciler_migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
    storage.exec("CREATE TABLE IF NOT EXISTS queue (user_id TEXT PRIMARY KEY)", &[])?;
    storage.exec(
        "CREATE TABLE IF NOT EXISTS pass (id INTEGER PRIMARY KEY CHECK (id = 1), cursor TEXT, next_tick_ms INTEGER NOT NULL)",
        &[],
    )?;
    Ok(())
}

/// Takes up to `count` users off the queue, in id order.
fn claim(storage: &impl SqlStorage, count: usize) -> Result<Vec<UserId>, SqlError> {
    let rows = storage.exec(
        "DELETE FROM queue WHERE user_id IN (SELECT user_id FROM queue ORDER BY user_id LIMIT ?) RETURNING user_id",
        &[SqlValue::Integer(i64::try_from(count).unwrap_or(0))],
    )?;
    let mut users: Vec<UserId> =
        rows.iter().filter_map(|r| r.first().and_then(SqlValue::as_str)?.parse().ok().map(UserId)).collect();
    users.sort();
    Ok(users)
}

fn enqueue_users(storage: &impl SqlStorage, users: &[UserId]) -> Result<(), SqlError> {
    for user in users {
        storage.exec(
            "INSERT INTO queue (user_id) VALUES (?) ON CONFLICT DO NOTHING",
            &[SqlValue::Text(user.to_string())],
        )?;
    }
    Ok(())
}

impl DurableLogic for ReconcilerObject {
    fn new() -> Self {
        ReconcilerObject
    }

    fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
        reconciler_migrate(storage)
    }

    async fn call(
        &self,
        ctx: &impl ObjectContext,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        Reconciler::serve(&ReconcilerCalls { ctx }, interface, method, body).await
    }

    async fn alarm(&self, ctx: &impl ObjectContext) {
        if let Err(e) = tick(ctx).await {
            tracing::error!(error = %e, "the Discord reconcile tick failed");
            let _ = ctx.set_alarm(ctx.clock().now_ms() + TICK_MS).await;
        }
    }
}

struct ReconcilerCalls<'a, C> {
    ctx: &'a C,
}

impl<C: ObjectContext> ReconcilerHandler for ReconcilerCalls<'_, C> {
    async fn enqueue(&self, change: Changed) -> Result<(), ApiError> {
        let users = match change {
            Changed::Users { user_ids } => user_ids,
            Changed::GroupMembers { group_id } => {
                let pg = self.ctx.postgres().await?;
                let rows = pg
                    .query(
                        "SELECT m.user_id FROM group_members m JOIN discord_accounts d USING (user_id) WHERE m.group_id = $1",
                        &[PgValue::Uuid(group_id)],
                    )
                    .await
                    .map_err(internal)?;
                rows.iter().map(|r| r.uuid(0).map(UserId)).collect::<Result<_, _>>().map_err(internal)?
            }
        };
        enqueue_users(self.ctx.storage(), &users).map_err(internal)?;
        self.ctx.set_alarm(self.ctx.clock().now_ms()).await
    }

    async fn reconcile_now(&self, _request: ()) -> Result<u32, ApiError> {
        let pg = self.ctx.postgres().await?;
        let mut after = None;
        let mut count = 0u32;
        loop {
            let users = accounts::linked_users_after(pg, after, 500).await.map_err(internal)?;
            let Some(last) = users.last().copied() else { break };
            enqueue_users(self.ctx.storage(), &users).map_err(internal)?;
            count = count.saturating_add(u32::try_from(users.len()).unwrap_or(u32::MAX));
            after = Some(last);
        }
        self.ctx.set_alarm(self.ctx.clock().now_ms()).await?;
        Ok(count)
    }
}

/// One tick: a batch of the queue to the users' objects; the periodic pass when it is due.
async fn tick(ctx: &impl ObjectContext) -> Result<(), ApiError> {
    let storage = ctx.storage();
    let now = ctx.clock().now_ms();
    let pass = storage.exec("SELECT cursor, next_tick_ms FROM pass WHERE id = 1", &[]).map_err(internal)?;
    let (cursor, next_tick) = match pass.first() {
        Some(row) => (
            row.first().and_then(SqlValue::as_str).map(str::to_owned),
            row.get(1).and_then(SqlValue::as_i64).unwrap_or(0),
        ),
        None => (None, 0),
    };
    if next_tick <= now {
        // The pass: this tick's share of every linked member, so all are read once per interval.
        let config = config(ctx)?;
        let pg = ctx.postgres().await?;
        let total = accounts::linked_count(pg).await.map_err(internal)?;
        let ticks = (config.reconcile_interval_secs * 1000 / TICK_MS).max(1);
        let share = (total + ticks - 1) / ticks;
        let after = cursor.and_then(|c| c.parse().ok()).map(UserId);
        let mut users = accounts::linked_users_after(pg, after, share.max(1)).await.map_err(internal)?;
        let wrapped = i64::try_from(users.len()).unwrap_or(0) < share;
        if wrapped && after.is_some() {
            users.extend(
                accounts::linked_users_after(pg, None, share - i64::try_from(users.len()).unwrap_or(0))
                    .await
                    .map_err(internal)?,
            );
        }
        enqueue_users(storage, &users).map_err(internal)?;
        let next_cursor = if wrapped { None } else { users.last().map(ToString::to_string) };
        storage
            .exec(
                "INSERT INTO pass (id, cursor, next_tick_ms) VALUES (1, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET cursor = excluded.cursor, next_tick_ms = excluded.next_tick_ms",
                &[next_cursor.map_or(SqlValue::Null, SqlValue::Text), SqlValue::Integer(now + TICK_MS)],
            )
            .map_err(internal)?;
    }
    // The queue drains with up to IN_FLIGHT syncs running, topped up as they finish, so the rate
    // limiter sets the pace; a user is taken off the queue before their sync starts, so a change
    // queued meanwhile is synced again after it.
    let deadline = ctx.clock().now_ms() + DRAIN_MS;
    let mut running = futures::stream::FuturesUnordered::new();
    loop {
        if running.len() <= IN_FLIGHT / 2 && ctx.clock().now_ms() < deadline {
            for user in claim(storage, IN_FLIGHT - running.len()).map_err(internal)? {
                running.push(async move {
                    let request = UserRequest { user_id: user };
                    if let Err(e) = async { ctx.stub::<DiscordMember>(&user)?.sync_now(&request).await }.await
                    {
                        tracing::warn!(user = %user, error = %e, "a queued Discord sync failed");
                    }
                });
            }
        }
        if futures::StreamExt::next(&mut running).await.is_none() {
            break;
        }
    }
    let more = storage.exec("SELECT 1 FROM queue LIMIT 1", &[]).map_err(internal)?;
    let next = if more.is_empty() { now + TICK_MS } else { ctx.clock().now_ms() };
    ctx.set_alarm(next).await
}

/// The entitlements service, as the discord worker serves it: a few users' objects are told
/// directly; anything larger goes through the reconcile's queue.
pub struct EntitlementsService<'a, C> {
    pub ctx: &'a C,
}

/// Users told directly, each its own call; more go through the queue.
const DIRECT_USERS: usize = 20;

impl<C: Context> hub_entitlements::EntitlementsHandler for EntitlementsService<'_, C> {
    async fn changed(&self, change: Changed) -> Result<(), ApiError> {
        if let Changed::Users { user_ids } = &change {
            if user_ids.len() <= DIRECT_USERS {
                let pokes = user_ids.iter().map(|user| async move {
                    self.ctx.stub::<DiscordMember>(user)?.sync(&UserRequest { user_id: *user }).await
                });
                for result in futures::future::join_all(pokes).await {
                    result?;
                }
                return Ok(());
            }
        }
        self.ctx.stub::<Reconciler>(&Deployment)?.enqueue(&change).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hub_native::SqliteStorage;

    fn user(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn the_queue_hands_out_each_user_once_and_takes_them_again_when_queued_during_their_sync() {
        let storage = SqliteStorage::in_memory();
        reconciler_migrate(&storage).unwrap();
        enqueue_users(&storage, &[user(3), user(1), user(2), user(1)]).unwrap();
        assert_eq!(claim(&storage, 2).unwrap(), [user(1), user(2)], "in id order, each once");
        // A change for user 1 arrives while their sync runs: they are queued again.
        enqueue_users(&storage, &[user(1)]).unwrap();
        assert_eq!(claim(&storage, 10).unwrap(), [user(1), user(3)]);
        assert!(claim(&storage, 10).unwrap().is_empty());
    }
}
