//! The eve-character-data worker: character data synced politely from ESI.
//!
//! Thin glue only: the ESI client is `hub-esi`, the datasets and their storage `hub-chardata`.
//! - `EveCharacterData`, one object per character: its ESI cache (SQLite), each dataset's schedule
//!   (ESI's `Expires`), and an alarm that re-arms itself after every run. Tokens come from the
//!   token store; a character whose token is invalid or lacks a scope stops syncing that dataset
//!   and says why.
//! - `EsiCoordinator`, one object ("global"): the error-limit breaker every ESI caller shares.
//! - `GET /api/characters/:id/{sync,wallet,wallet/journal,assets}`, `POST /api/characters/:id/sync`
//!   for the character's owner and site admins.

use hub_api::{DatasetRunView, SyncRunReport};
use hub_chardata::{read, Dataset, RolesFact, SyncError};
use hub_domain::{CharacterId, Service};
use hub_esi::{breaker::BreakerState, EsiError};
use hub_http::{ApiError, Params, Request, Response, Router};
use hub_ports::{Clock, Postgres, SqlStorage, SqlValue};
use hub_rpc::interfaces::{
    BudgetObservation, CharacterRequest, CharacterSync, CharacterSyncHandler, CorporationSync, EsiBudget,
    EsiBudgetHandler, ObservedMember, PermitRequest, TokenStore,
};
use hub_rpc::{Interface, RpcError, RpcErrorCode};
use hub_tokens::TokenHealth;
use hub_worker::auth::{authenticate, database, internal, optional_number, page_limit, require_csrf};
use hub_worker::durable::DurableSql;
use hub_worker::esi::EsiParts;
use hub_worker::{bindings, get_stub, health, AppState, WorkerClock};
use std::rc::Rc;
use worker::{durable_object, DurableObject, Env, State};

const SERVICE: Service = Service::EveCharacterData;
/// The soonest a dataset syncs again, whatever ESI's `Expires` says.
const MIN_INTERVAL_MS: i64 = 60_000;
/// After an unexpected failure.
const RETRY_MS: i64 = 5 * 60_000;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::EVE_CHARACTER_DATA), &[])
        .get("/api/characters/:id/sync", sync_status)
        .post("/api/characters/:id/sync", sync_now)
        .get("/api/characters/:id/wallet", wallet)
        .get("/api/characters/:id/wallet/journal", journal)
        .get("/api/characters/:id/assets", assets)
        .get("/api/characters/:id/orders", orders)
        .get("/api/characters/:id/transactions", transactions)
        .get("/api/characters/:id/skills", skills)
}

hub_worker::worker_entry!(SERVICE, router);

/// The character of the path, if the caller owns it or is a site admin (404 otherwise: other
/// people's characters do not exist for you).
async fn character_for(
    req: &Request,
    params: &Params,
    state: &AppState,
    mutating: bool,
) -> Result<(hub_db::pg::PgClient, CharacterId), ApiError> {
    let character = CharacterId(params.parse("id")?);
    let pg = database(&state.env).await?;
    let (token, session) = authenticate(req, &pg).await?;
    if mutating {
        require_csrf(req, &token)?;
    }
    let owner = hub_auth::accounts::owner_of(&pg, character).await.map_err(internal)?;
    let allowed = owner == Some(session.user_id) || (owner.is_some() && session.site_admin);
    if allowed {
        Ok((pg, character))
    } else {
        Err(ApiError::not_found("no such character on your account"))
    }
}

fn ok<T: serde::Serialize>(value: &T) -> Result<Response, ApiError> {
    Response::json_no_store(200, value)
}

async fn sync_status(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, character) = character_for(&req, &params, &state, false).await?;
    let datasets = read::sync_status(&pg, character).await.map_err(internal)?;
    ok(&hub_api::CharacterSyncStatus { character_id: character, datasets })
}

async fn sync_now(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (_, character) = character_for(&req, &params, &state, true).await?;
    let object = get_stub::<CharacterSync>(
        &state.env,
        bindings::EVE_CHARACTER_DATA,
        &character.to_string(),
        Some(&state.request_id),
    )?;
    let report = object.sync_now(&CharacterRequest { character_id: character }).await?;
    ok(&report)
}

async fn wallet(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, character) = character_for(&req, &params, &state, false).await?;
    let balance = read::wallet_balance(&pg, character).await.map_err(internal)?;
    ok(&hub_api::WalletResponse { character_id: character, balance })
}

async fn journal(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, character) = character_for(&req, &params, &state, false).await?;
    let limit = page_limit(&req)?;
    let ref_type = req.query_value("ref_type");
    let entries =
        read::journal(&pg, character, ref_type.as_deref(), optional_number(&req, "before_id")?, limit)
            .await
            .map_err(internal)?;
    let full = i64::try_from(entries.len()).unwrap_or(0) == limit;
    let next_before_id = if full { entries.last().map(|e| e.id.clone()) } else { None };
    ok(&hub_api::JournalPage { entries, next_before_id })
}

async fn assets(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, character) = character_for(&req, &params, &state, false).await?;
    let offset = optional_number(&req, "offset")?.unwrap_or(0).max(0);
    let page = read::assets(
        &pg,
        character,
        optional_number(&req, "location_id")?,
        optional_number(&req, "type_id")?,
        page_limit(&req)?,
        offset,
    )
    .await
    .map_err(internal)?;
    ok(&page)
}

/// `?buy=true|false` filters by side.
fn side(req: &Request) -> Result<Option<bool>, ApiError> {
    match req.query_param("buy") {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(_) => Err(ApiError::bad_request("buy must be true or false")),
    }
}

async fn orders(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, character) = character_for(&req, &params, &state, false).await?;
    let orders = read::orders(&pg, character, side(&req)?).await.map_err(internal)?;
    ok(&hub_api::OrdersResponse { orders })
}

async fn transactions(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, character) = character_for(&req, &params, &state, false).await?;
    let limit = page_limit(&req)?;
    let rows = read::transactions(&pg, character, side(&req)?, optional_number(&req, "before_id")?, limit)
        .await
        .map_err(internal)?;
    let full = i64::try_from(rows.len()).unwrap_or(0) == limit;
    let next_before_id = if full { rows.last().map(|t| t.transaction_id.clone()) } else { None };
    ok(&hub_api::TransactionsPage { transactions: rows, next_before_id })
}

async fn skills(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, character) = character_for(&req, &params, &state, false).await?;
    ok(&read::skills(&pg, character).await.map_err(internal)?)
}

/// One character's sync: ESI cache, schedule, alarm.
#[durable_object]
pub struct EveCharacterData {
    state: State,
    storage: DurableSql,
    env: Env,
    /// A run is in flight: input gates do not cover its outbound fetches, so an alarm or a
    /// "sync now" arriving meanwhile must not start a second one.
    running: std::cell::Cell<bool>,
    /// A new token arrived while a run was in flight: everything is due again after it.
    restart: std::cell::Cell<bool>,
}

fn migrate(storage: &DurableSql) -> Result<(), hub_ports::SqlError> {
    hub_durable::probe::migrate(storage)?;
    hub_esi::cache::migrate(storage)?;
    storage.exec("CREATE TABLE IF NOT EXISTS sync_meta (id INTEGER PRIMARY KEY CHECK (id = 1), character_id INTEGER NOT NULL)", &[])?;
    storage.exec(
        "CREATE TABLE IF NOT EXISTS sync_schedule (dataset TEXT PRIMARY KEY, next_at_ms INTEGER NOT NULL, stopped TEXT)",
        &[],
    )?;
    Ok(())
}

impl DurableObject for EveCharacterData {
    fn new(state: State, env: Env) -> Self {
        let storage = DurableSql::of(&state);
        if let Err(e) = migrate(&storage) {
            tracing::error!(error = %e, "creating the character data tables failed");
        }
        Self {
            state,
            storage,
            env,
            running: std::cell::Cell::new(false),
            restart: std::cell::Cell::new(false),
        }
    }

    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        hub_worker::durable::serve_rpc(req, |iface, method, body| async move {
            if iface == CharacterSync::NAME {
                CharacterSync::dispatch(self, &method, &body).await
            } else {
                hub_worker::durable::dispatch_health(&self.storage, &iface, &method, &body).await
            }
        })
        .await
    }

    async fn alarm(&self) -> worker::Result<worker::Response> {
        if let Some(character) = self.character() {
            let report = self.run(character, false).await;
            tracing::info!(character = %character, runs = report.datasets.len(), "character sync");
        } else {
            tracing::warn!("alarm without a character: nothing to sync");
        }
        self.rearm().await;
        worker::Response::empty()
    }
}

fn storage_error(e: &hub_ports::SqlError) -> RpcError {
    RpcError::internal(e.to_string())
}

impl CharacterSyncHandler for EveCharacterData {
    async fn start(&self, request: CharacterRequest) -> Result<(), RpcError> {
        self.storage
            .exec(
                "INSERT INTO sync_meta (id, character_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET character_id = excluded.character_id",
                &[SqlValue::Integer(request.character_id.0)],
            )
            .map_err(|e| storage_error(&e))?;
        self.all_due_now().map_err(|e| storage_error(&e))?;
        if self.running.get() {
            // The run in flight began with the old token: its outcomes must not stop what the new
            // one allows. Everything is due again once it ends.
            self.restart.set(true);
        }
        self.rearm().await;
        Ok(())
    }

    async fn sync_now(&self, request: CharacterRequest) -> Result<SyncRunReport, RpcError> {
        if self.running.get() {
            return Err(RpcError::new(RpcErrorCode::Conflict, "a sync of this character is already running"));
        }
        if self.character().is_none() {
            self.start(request).await?;
        }
        let report = self.run(request.character_id, true).await;
        self.rearm().await;
        Ok(report)
    }

    async fn refresh_roles(&self, request: CharacterRequest) -> Result<(), RpcError> {
        if self.character().is_none() {
            self.start(request).await?;
        }
        // Outside the one-run-at-a-time guard: a registration waits for these two facts, and a run
        // in flight may not include them. Both stores are idempotent upserts.
        let report = self.run_exclusive(request.character_id, vec![Dataset::Public, Dataset::Roles]).await;
        self.rearm().await;
        match report.datasets.iter().find(|d| d.dataset == Dataset::Roles.as_str()) {
            Some(run) if run.status == "ok" || run.status == "unchanged" => Ok(()),
            Some(run) => Err(RpcError::new(
                RpcErrorCode::Conflict,
                format!(
                    "the character's roles could not be read: {}",
                    run.message.as_deref().unwrap_or(&run.status)
                ),
            )),
            None => {
                Err(RpcError::new(RpcErrorCode::Unavailable, "the character's roles could not be read now"))
            }
        }
    }
}

/// The token store's answers during one run: every dataset of the character uses the same token.
#[derive(Default)]
struct RunTokens {
    scopes: Option<Result<Vec<String>, RunOutcome>>,
    access: Option<Result<String, RunOutcome>>,
}

/// How a dataset's run ended: its status row and when it runs again (`None`: stopped).
#[derive(Clone)]
struct RunOutcome {
    status: &'static str,
    message: Option<String>,
    next_at_ms: Option<i64>,
}

impl EveCharacterData {
    /// Every dataset due now, none stopped: a new token (a login, a grant) may allow what the old
    /// one did not.
    fn all_due_now(&self) -> Result<(), hub_ports::SqlError> {
        let now = WorkerClock.now_ms();
        for dataset in Dataset::ALL {
            self.storage.exec(
                "INSERT INTO sync_schedule (dataset, next_at_ms, stopped) VALUES (?, ?, NULL)
                 ON CONFLICT (dataset) DO UPDATE SET next_at_ms = excluded.next_at_ms, stopped = NULL",
                &[SqlValue::Text(dataset.as_str().into()), SqlValue::Integer(now)],
            )?;
        }
        Ok(())
    }

    fn character(&self) -> Option<CharacterId> {
        let rows = self.storage.exec("SELECT character_id FROM sync_meta WHERE id = 1", &[]).ok()?;
        rows.first().and_then(|r| r.first()).and_then(SqlValue::as_i64).map(CharacterId)
    }

    /// Datasets due now (or all, when `force`), not stopped.
    fn due(&self, force: bool) -> Vec<Dataset> {
        let now = WorkerClock.now_ms();
        let rows = self
            .storage
            .exec("SELECT dataset, next_at_ms, stopped FROM sync_schedule", &[])
            .unwrap_or_default();
        rows.iter()
            .filter_map(|r| {
                let dataset = Dataset::parse(r.first()?.as_str()?)?;
                let next = r.get(1)?.as_i64()?;
                let stopped = r.get(2).and_then(SqlValue::as_str).is_some();
                (force || (!stopped && next <= now)).then_some(dataset)
            })
            .collect()
    }

    async fn run(&self, character: CharacterId, force: bool) -> SyncRunReport {
        if self.running.replace(true) {
            return SyncRunReport { datasets: Vec::new() };
        }
        let report = self.run_exclusive(character, self.due(force)).await;
        self.running.set(false);
        if self.restart.replace(false) {
            if let Err(e) = self.all_due_now() {
                tracing::error!(error = %e, "rescheduling after a new token failed");
            }
        }
        report
    }

    async fn run_exclusive(&self, character: CharacterId, datasets: Vec<Dataset>) -> SyncRunReport {
        let mut report = SyncRunReport { datasets: Vec::new() };
        if datasets.is_empty() {
            return report;
        }
        let pg = match hub_worker::pg::connect(&self.env).await {
            Ok(pg) => pg,
            Err(e) => {
                tracing::error!(error = %e, "database unavailable for character sync");
                let retry = WorkerClock.now_ms() + RETRY_MS;
                for dataset in datasets {
                    self.schedule(dataset, Some(retry), None);
                }
                return report;
            }
        };
        let parts = EsiParts::new(&self.env);
        let esi = parts.client(&self.storage);
        let mut tokens = RunTokens::default();
        // The corporation hears of its member after the last of these two, before its status is
        // recorded (whoever waits for the status finds the corporation told).
        let observe_after = if datasets.contains(&Dataset::Roles) {
            Some(Dataset::Roles)
        } else {
            datasets.iter().copied().find(|d| *d == Dataset::Public)
        };
        for dataset in datasets {
            let (outcome, roles) = self.run_dataset(&esi, &pg, character, dataset, &mut tokens).await;
            if dataset == Dataset::Roles && outcome.next_at_ms.is_none() {
                // Roles that can no longer be read give nothing.
                if let Err(e) = hub_chardata::clear_roles(&pg, character).await {
                    tracing::error!(error = %e, "clearing the roles of a stopped character failed");
                }
            }
            if observe_after == Some(dataset) {
                self.observe_corporation(&pg, character, roles.as_ref()).await;
            }
            if let Err(e) = hub_chardata::record_status(
                &pg,
                character,
                dataset,
                outcome.status,
                outcome.message.as_deref(),
                outcome.next_at_ms,
            )
            .await
            {
                tracing::error!(error = %e, "recording the sync status failed");
            }
            let stopped = outcome.next_at_ms.is_none().then_some(outcome.status);
            self.schedule(dataset, outcome.next_at_ms, stopped);
            report.datasets.push(DatasetRunView {
                dataset: dataset.as_str().into(),
                status: outcome.status.into(),
                message: outcome.message,
            });
        }
        report
    }

    /// Tells the character's corporation object that the character is a member: it refreshes the
    /// corporation's public information (its CEO), and a Director registers the corporation.
    async fn observe_corporation(
        &self,
        pg: &hub_db::pg::PgClient,
        character: CharacterId,
        roles: Option<&RolesFact>,
    ) {
        let rows = pg
            .query(
                "SELECT corporation_id, user_id FROM characters WHERE id = $1",
                &[hub_ports::PgValue::Int(character.0)],
            )
            .await;
        let Some((corporation, owner)) = rows.ok().and_then(|rows| {
            let row = rows.first()?;
            Some((row.opt_int(0).ok()??, row.opt_uuid(1).ok()?.map(hub_domain::UserId)))
        }) else {
            return;
        };
        let director = roles.is_some_and(|r| r.corporation_id == corporation && r.is_director());
        let member = ObservedMember { corporation_id: corporation, character_id: character, owner, director };
        let result = async {
            get_stub::<CorporationSync>(
                &self.env,
                bindings::EVE_CORPORATION_DATA,
                &corporation.to_string(),
                None,
            )?
            .observe_member(&member)
            .await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(character = %character, corporation, error = %e, "telling the corporation about its member failed");
        }
    }

    async fn run_dataset(
        &self,
        esi: &impl hub_esi::Fetch,
        pg: &hub_db::pg::PgClient,
        character: CharacterId,
        dataset: Dataset,
        tokens: &mut RunTokens,
    ) -> (RunOutcome, Option<RolesFact>) {
        let now = WorkerClock.now_ms();
        let token = match dataset.scope() {
            None => None,
            Some(scope) => match self.token(character, scope, tokens).await {
                Ok(token) => Some(token),
                Err(stop) => return (stop, None),
            },
        };
        let outcome = match hub_chardata::sync(esi, pg, character, token, dataset).await {
            Ok(synced) => {
                if !synced.notify.is_empty() {
                    hub_worker::notify::deliver(&self.env, "character-sync", synced.notify).await;
                }
                let outcome = RunOutcome {
                    status: if synced.changed { "ok" } else { "unchanged" },
                    message: None,
                    next_at_ms: Some(synced.next_at_ms.max(now + MIN_INTERVAL_MS)),
                };
                return (outcome, synced.roles);
            }
            Err(SyncError::Esi(
                EsiError::RateLimited { retry_at_ms } | EsiError::ErrorLimited { reset_at_ms: retry_at_ms },
            )) => RunOutcome {
                status: "paused",
                message: Some("ESI asked us to wait".into()),
                next_at_ms: Some(retry_at_ms),
            },
            Err(SyncError::Esi(EsiError::Forbidden(message))) => {
                RunOutcome { status: "forbidden", message: Some(message), next_at_ms: None }
            }
            Err(e) => {
                tracing::warn!(character = %character, dataset = dataset.as_str(), error = %e, "sync failed");
                RunOutcome { status: "error", message: Some(e.to_string()), next_at_ms: Some(now + RETRY_MS) }
            }
        };
        (outcome, None)
    }

    /// An access token carrying `scope`, or the outcome that stops the dataset. The token store is
    /// asked at most once per run (its answers are kept in `tokens`).
    async fn token(
        &self,
        character: CharacterId,
        scope: &str,
        tokens: &mut RunTokens,
    ) -> Result<String, RunOutcome> {
        let retry = |message: String| RunOutcome {
            status: "error",
            message: Some(message),
            next_at_ms: Some(WorkerClock.now_ms() + RETRY_MS),
        };
        let stop = |status: &'static str, message: String| RunOutcome {
            status,
            message: Some(message),
            next_at_ms: None,
        };
        let request = CharacterRequest { character_id: character };
        let store =
            get_stub::<TokenStore>(&self.env, bindings::EVE_TOKEN_STORE, &character.to_string(), None)
                .map_err(|e| retry(e.message))?;
        if tokens.scopes.is_none() {
            tokens.scopes = Some(match store.health(&request).await {
                Ok(None) => Err(stop("no_token", "log in with this character to sync it".into())),
                Ok(Some(TokenHealth::Invalid { reason, .. })) => Err(stop(
                    "token_invalid",
                    format!("the character's EVE login stopped working ({reason})"),
                )),
                Ok(Some(TokenHealth::Valid { scopes, .. } | TokenHealth::Retrying { scopes, .. })) => {
                    Ok(scopes)
                }
                Err(e) => Err(retry(e.message)),
            });
        }
        match tokens.scopes.as_ref() {
            Some(Ok(scopes)) if !scopes.iter().any(|s| s == scope) => {
                return Err(stop("missing_scope", format!("the character's login did not grant {scope}")));
            }
            Some(Err(outcome)) => return Err(outcome.clone()),
            _ => {}
        }
        let access = match tokens.access.take() {
            Some(access) => access,
            None => match store.access_token(&request).await {
                Ok(access) => Ok(access.token),
                Err(e) if e.code == RpcErrorCode::Conflict => Err(stop(
                    "token_invalid",
                    format!("the character's EVE login stopped working ({})", e.message),
                )),
                Err(e) => Err(retry(e.message)),
            },
        };
        tokens.access = Some(access.clone());
        access
    }

    fn schedule(&self, dataset: Dataset, next_at_ms: Option<i64>, stopped: Option<&str>) {
        let result = self.storage.exec(
            "INSERT INTO sync_schedule (dataset, next_at_ms, stopped) VALUES (?, ?, ?)
             ON CONFLICT (dataset) DO UPDATE SET next_at_ms = excluded.next_at_ms, stopped = excluded.stopped",
            &[
                SqlValue::Text(dataset.as_str().into()),
                SqlValue::Integer(next_at_ms.unwrap_or(i64::MAX)),
                stopped.map_or(SqlValue::Null, |s| SqlValue::Text(s.into())),
            ],
        );
        if let Err(e) = result {
            tracing::error!(error = %e, "saving the sync schedule failed");
        }
    }

    /// Points the alarm at the next due dataset, in every path.
    async fn rearm(&self) {
        let next = self
            .storage
            .exec("SELECT min(next_at_ms) FROM sync_schedule WHERE stopped IS NULL", &[])
            .ok()
            .and_then(|rows| rows.first().and_then(|r| r.first()).and_then(SqlValue::as_i64));
        let result = match next {
            Some(at_ms) => {
                hub_worker::durable::set_alarm_at(&self.state, at_ms.max(WorkerClock.now_ms())).await
            }
            None => self.state.storage().delete_alarm().await,
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "setting the sync alarm failed");
        }
    }
}

/// The deployment's ESI error-limit breaker (one object, "global"), persisted in its SQLite.
#[durable_object]
pub struct EsiCoordinator {
    storage: DurableSql,
}

impl DurableObject for EsiCoordinator {
    fn new(state: State, _env: Env) -> Self {
        let storage = DurableSql::of(&state);
        let created = hub_durable::probe::migrate(&storage).and_then(|()| {
            storage.exec("CREATE TABLE IF NOT EXISTS breaker (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)", &[])
        });
        if let Err(e) = created {
            tracing::error!(error = %e, "creating the breaker table failed");
        }
        Self { storage }
    }

    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        hub_worker::durable::serve_rpc(req, |iface, method, body| async move {
            if iface == EsiBudget::NAME {
                EsiBudget::dispatch(self, &method, &body).await
            } else {
                hub_worker::durable::dispatch_health(&self.storage, &iface, &method, &body).await
            }
        })
        .await
    }
}

impl EsiCoordinator {
    fn load(&self) -> Result<BreakerState, RpcError> {
        let rows = self
            .storage
            .exec("SELECT state FROM breaker WHERE id = 1", &[])
            .map_err(|e| storage_error(&e))?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(SqlValue::as_str)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default())
    }
}

impl EsiBudgetHandler for EsiCoordinator {
    async fn permit(&self, request: PermitRequest) -> Result<Option<i64>, RpcError> {
        match self.load()?.permit(request.now_ms, request.priority) {
            Ok(()) => Ok(None),
            Err(EsiError::ErrorLimited { reset_at_ms }) => Ok(Some(reset_at_ms)),
            Err(other) => Err(RpcError::new(RpcErrorCode::Internal, other.to_string())),
        }
    }

    async fn observe(&self, request: BudgetObservation) -> Result<(), RpcError> {
        let mut state = self.load()?;
        state.observe(request.now_ms, request.status, request.remain, request.reset_secs);
        let json = serde_json::to_string(&state).map_err(|e| RpcError::internal(e.to_string()))?;
        self.storage
            .exec(
                "INSERT INTO breaker (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
                &[SqlValue::Text(json)],
            )
            .map_err(|e| storage_error(&e))?;
        Ok(())
    }
}
