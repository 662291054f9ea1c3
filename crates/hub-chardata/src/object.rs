//! The logic of an `EveCharacterData` object, one per character: its ESI cache (SQLite), each
//! dataset's schedule (ESI's `Expires`), and an alarm that re-arms itself after every run. Tokens
//! come from the token store; a character whose token is invalid or lacks a scope stops syncing
//! that dataset and says why. Also the `EsiCoordinator` object's logic: the deployment's ESI
//! error-limit breaker.

use crate::schedule::{self, RunOutcome, SyncStatus, MIN_INTERVAL_MS};
use crate::{Dataset, RolesFact, SyncError};
use hub_accounts::rpc::{Accounts, Affiliation};
use hub_app::{internal, DurableLogic, ObjectContext, Runtime};
use hub_domain::{CharacterId, CharacterRequest, CorporationId, UserId};
use hub_esi::rpc::EsiParts;
use hub_esi::sync::{
    CharacterSync, CharacterSyncHandler, CorporationSync, DatasetRunView, ObservedMember, SyncRunReport,
};
use hub_esi::EsiError;
use hub_groups::{GroupRules, UserRequest};
use hub_http::ApiError;
use hub_ports::{Clock, PgValue, Postgres, SqlError, SqlStorage};
use hub_tokens::rpc::TokenStore;
use hub_tokens::TokenHealth;
use std::cell::Cell;

/// One character's sync: its in-memory state is whether a run is in flight.
#[derive(Default)]
pub struct CharacterSyncObject {
    /// A run is in flight: input gates do not cover its outbound fetches, so an alarm or a "sync
    /// now" arriving meanwhile must not start a second one.
    running: Cell<bool>,
    /// A new token arrived while a run was in flight: everything is due again after it.
    restart: Cell<bool>,
}

impl DurableLogic for CharacterSyncObject {
    fn new() -> Self {
        Self::default()
    }

    fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
        hub_esi::cache::migrate(storage)?;
        schedule::migrate(storage)
    }

    async fn call(
        &self,
        ctx: &impl ObjectContext,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        CharacterSync::serve(&Calls { object: self, ctx }, interface, method, body).await
    }

    async fn alarm(&self, ctx: &impl ObjectContext) {
        match schedule::character(ctx.storage()) {
            Ok(Some(character)) => {
                let report = self.run(ctx, character, false).await;
                tracing::info!(character = %character, runs = report.datasets.len(), "character sync");
            }
            Ok(None) => tracing::warn!("alarm without a character: nothing to sync"),
            Err(e) => tracing::error!(error = %e, "reading the synced character failed"),
        }
        rearm(ctx).await;
    }
}

fn storage_error(e: SqlError) -> ApiError {
    internal(e)
}

struct Calls<'a, C> {
    object: &'a CharacterSyncObject,
    ctx: &'a C,
}

impl<C: ObjectContext> CharacterSyncHandler for Calls<'_, C> {
    async fn start(&self, request: CharacterRequest) -> Result<(), ApiError> {
        let ctx = self.ctx;
        schedule::start(ctx.storage(), ctx.clock().now_ms(), request.character_id).map_err(storage_error)?;
        if self.object.running.get() {
            // The run in flight began with the old token: its outcomes must not stop what the new
            // one allows. Everything is due again once it ends.
            self.object.restart.set(true);
        }
        rearm(ctx).await;
        Ok(())
    }

    async fn sync_now(&self, request: CharacterRequest) -> Result<SyncRunReport, ApiError> {
        if self.object.running.get() {
            return Err(ApiError::conflict("a sync of this character is already running"));
        }
        if schedule::character(self.ctx.storage()).map_err(storage_error)?.is_none() {
            self.start(request).await?;
        }
        let report = self.object.run(self.ctx, request.character_id, true).await;
        rearm(self.ctx).await;
        Ok(report)
    }

    async fn refresh_roles(&self, request: CharacterRequest) -> Result<(), ApiError> {
        if schedule::character(self.ctx.storage()).map_err(storage_error)?.is_none() {
            self.start(request).await?;
        }
        // Outside the one-run-at-a-time guard: a registration waits for these two facts, and a run
        // in flight may not include them. Both stores are idempotent upserts.
        let report =
            run_datasets(self.ctx, request.character_id, vec![Dataset::Public, Dataset::Roles]).await;
        rearm(self.ctx).await;
        match report.datasets.iter().find(|d| d.dataset == Dataset::Roles.as_str()) {
            Some(run) if SyncStatus::parse(&run.status).is_some_and(SyncStatus::succeeded) => Ok(()),
            Some(run) => Err(ApiError::conflict(format!(
                "the character's roles could not be read: {}",
                run.message.as_deref().unwrap_or(&run.status)
            ))),
            None => Err(ApiError::unavailable("the character's roles could not be read now")),
        }
    }
}

impl CharacterSyncObject {
    /// One run of the due datasets (or all, when `force`), unless one is already in flight.
    async fn run(&self, ctx: &impl ObjectContext, character: CharacterId, force: bool) -> SyncRunReport {
        if self.running.replace(true) {
            return SyncRunReport { datasets: Vec::new() };
        }
        let due = schedule::due(ctx.storage(), ctx.clock().now_ms(), force).unwrap_or_else(|e| {
            tracing::error!(error = %e, "reading the sync schedule failed");
            Vec::new()
        });
        let report = run_datasets(ctx, character, due).await;
        self.running.set(false);
        if self.restart.replace(false) {
            if let Err(e) = schedule::all_due_now(ctx.storage(), ctx.clock().now_ms()) {
                tracing::error!(error = %e, "rescheduling after a new token failed");
            }
        }
        report
    }
}

/// The token store's answers during one run: every dataset of the character uses the same token.
#[derive(Default)]
struct RunTokens {
    scopes: Option<Result<Vec<String>, RunOutcome>>,
    access: Option<Result<String, RunOutcome>>,
}

fn record_schedule(ctx: &impl ObjectContext, dataset: Dataset, outcome: &RunOutcome) {
    if let Err(e) = schedule::record(ctx.storage(), dataset, outcome) {
        tracing::error!(error = %e, "saving the sync schedule failed");
    }
}

/// Syncs `datasets` in order, recording each one's status in Postgres and its next run here.
async fn run_datasets(
    ctx: &impl ObjectContext,
    character: CharacterId,
    datasets: Vec<Dataset>,
) -> SyncRunReport {
    let mut report = SyncRunReport { datasets: Vec::new() };
    if datasets.is_empty() {
        return report;
    }
    let Ok(pg) = ctx.postgres().await else {
        let retry = RunOutcome::retry(ctx.clock().now_ms(), "the database is unavailable");
        for dataset in datasets {
            record_schedule(ctx, dataset, &retry);
        }
        return report;
    };
    let parts = EsiParts::new(ctx);
    let esi = parts.client();
    let mut tokens = RunTokens::default();
    // The corporation hears of its member after the last of these two, before its status is
    // recorded (whoever waits for the status finds the corporation told).
    let observe_after = if datasets.contains(&Dataset::Roles) {
        Some(Dataset::Roles)
    } else {
        datasets.iter().copied().find(|d| *d == Dataset::Public)
    };
    for dataset in datasets {
        let (outcome, roles) = run_dataset(ctx, &esi, pg, character, dataset, &mut tokens).await;
        if dataset == Dataset::Roles && outcome.next_at_ms.is_none() {
            // Roles that can no longer be read give nothing.
            if let Err(e) = crate::clear_roles(pg, character).await {
                tracing::error!(error = %e, "clearing the roles of a stopped character failed");
            }
        }
        if observe_after == Some(dataset) {
            observe_corporation(ctx, pg, character, roles.as_ref()).await;
        }
        let recorded = crate::record_status(
            pg,
            character,
            dataset,
            outcome.status,
            outcome.message.as_deref(),
            outcome.next_at_ms,
        );
        if let Err(e) = recorded.await {
            tracing::error!(error = %e, "recording the sync status failed");
        }
        record_schedule(ctx, dataset, &outcome);
        report.datasets.push(DatasetRunView {
            dataset: dataset.as_str().into(),
            status: outcome.status.as_str().into(),
            message: outcome.message,
        });
    }
    report
}

/// Tells the character's corporation object that the character is a member: it refreshes the
/// corporation's public information (its CEO), and a Director registers the corporation.
async fn observe_corporation(
    ctx: &impl Runtime,
    pg: &impl Postgres,
    character: CharacterId,
    roles: Option<&RolesFact>,
) {
    let rows = pg
        .query("SELECT corporation_id, user_id FROM characters WHERE id = $1", &[PgValue::Int(character.0)])
        .await;
    let Some((corporation, owner)) = rows.ok().and_then(|rows| {
        let row = rows.first()?;
        Some((row.opt_int(0).ok()??, row.opt_uuid(1).ok()?.map(UserId)))
    }) else {
        return;
    };
    let director = roles.is_some_and(|r| r.corporation_id == corporation && r.is_director());
    let corporation = CorporationId(corporation);
    let member = ObservedMember { corporation_id: corporation, character_id: character, owner, director };
    let result = async { ctx.stub::<CorporationSync>(&corporation)?.observe_member(&member).await }.await;
    if let Err(e) = result {
        tracing::warn!(character = %character, corporation = %corporation, error = %e, "telling the corporation about its member failed");
    }
}

/// Records a new affiliation through the accounts service; when it changed, the roles of the
/// previous corporation are forgotten and the groups service re-runs the user's rules.
pub async fn apply_affiliation(
    ctx: &impl Runtime,
    pg: &impl Postgres,
    affiliation: &Affiliation,
) -> Result<(), SyncError> {
    let service = |e: ApiError| SyncError::Database(hub_ports::PgError::Query(e.to_string()));
    let owner = async { ctx.service_client::<Accounts>()?.record_affiliation(affiliation).await }
        .await
        .map_err(service)?;
    let Some(user_id) = owner else { return Ok(()) };
    crate::forget_other_roles(pg, affiliation).await?;
    let changes =
        async { ctx.service_client::<GroupRules>()?.reevaluate_user(&UserRequest { user_id }).await }
            .await
            .map_err(service)?;
    tracing::info!(character = %affiliation.character_id, user = %user_id, changes, "new affiliation applied");
    Ok(())
}

async fn run_dataset(
    ctx: &impl ObjectContext,
    esi: &impl hub_esi::Fetch,
    pg: &impl Postgres,
    character: CharacterId,
    dataset: Dataset,
    tokens: &mut RunTokens,
) -> (RunOutcome, Option<RolesFact>) {
    let now = ctx.clock().now_ms();
    let token = match dataset.scope() {
        None => None,
        Some(scope) => match token(ctx, character, scope, tokens).await {
            Ok(token) => Some(token),
            Err(stop) => return (stop, None),
        },
    };
    let synced = async {
        let synced = crate::sync(esi, pg, character, token, dataset).await?;
        if let Some(affiliation) = &synced.affiliation {
            apply_affiliation(ctx, pg, affiliation).await?;
        }
        Ok::<_, SyncError>(synced)
    };
    let outcome = match synced.await {
        Ok(synced) => {
            let status = if synced.changed { SyncStatus::Ok } else { SyncStatus::Unchanged };
            let next_at_ms = Some(synced.next_at_ms.max(now + MIN_INTERVAL_MS));
            return (RunOutcome { status, message: None, next_at_ms }, synced.roles);
        }
        Err(SyncError::Esi(
            EsiError::RateLimited { retry_at_ms } | EsiError::ErrorLimited { reset_at_ms: retry_at_ms },
        )) => RunOutcome {
            status: SyncStatus::Paused,
            message: Some("ESI asked us to wait".into()),
            next_at_ms: Some(retry_at_ms),
        },
        Err(SyncError::Esi(EsiError::Forbidden(message))) => RunOutcome::stop(SyncStatus::Forbidden, message),
        Err(e) => {
            tracing::warn!(character = %character, dataset = dataset.as_str(), error = %e, "sync failed");
            RunOutcome::retry(now, e.to_string())
        }
    };
    (outcome, None)
}

/// An access token carrying `scope`, or the outcome that stops the dataset. The token store is
/// asked at most once per run (its answers are kept in `tokens`).
async fn token(
    ctx: &impl Runtime,
    character: CharacterId,
    scope: &str,
    tokens: &mut RunTokens,
) -> Result<String, RunOutcome> {
    let now = ctx.clock().now_ms();
    let request = CharacterRequest { character_id: character };
    let store = ctx.stub::<TokenStore>(&character).map_err(|e| RunOutcome::retry(now, e.message))?;
    if tokens.scopes.is_none() {
        tokens.scopes = Some(match store.health(&request).await {
            Ok(None) => Err(RunOutcome::stop(SyncStatus::NoToken, "log in with this character to sync it")),
            Ok(Some(TokenHealth::Invalid { reason, .. })) => Err(RunOutcome::stop(
                SyncStatus::TokenInvalid,
                format!("the character's EVE login stopped working ({reason})"),
            )),
            Ok(Some(TokenHealth::Valid { scopes, .. } | TokenHealth::Retrying { scopes, .. })) => Ok(scopes),
            Err(e) => Err(RunOutcome::retry(now, e.message)),
        });
    }
    match tokens.scopes.as_ref() {
        Some(Ok(scopes)) if !scopes.iter().any(|s| s == scope) => {
            return Err(RunOutcome::stop(
                SyncStatus::MissingScope,
                format!("the character's login did not grant {scope}"),
            ));
        }
        Some(Err(outcome)) => return Err(outcome.clone()),
        _ => {}
    }
    let access = match tokens.access.take() {
        Some(access) => access,
        None => match store.access_token(&request).await {
            Ok(access) => Ok(access.token),
            Err(e) if e.is(hub_tokens::codes::TOKEN_INVALID) => Err(RunOutcome::stop(
                SyncStatus::TokenInvalid,
                format!("the character's EVE login stopped working ({})", e.message),
            )),
            Err(e) => Err(RunOutcome::retry(now, e.message)),
        },
    };
    tokens.access = Some(access.clone());
    access
}

/// Points the alarm at the next due dataset, in every path.
async fn rearm(ctx: &impl ObjectContext) {
    let result = match schedule::next_alarm_at(ctx.storage()) {
        Ok(Some(at_ms)) => ctx.set_alarm(at_ms.max(ctx.clock().now_ms())).await,
        Ok(None) => ctx.delete_alarm().await,
        Err(e) => Err(storage_error(e)),
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "setting the sync alarm failed");
    }
}
