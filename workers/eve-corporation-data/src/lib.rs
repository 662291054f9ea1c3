//! The eve-corporation-data worker: the corporations the hub serves, and their data synced from ESI
//! through director characters.
//!
//! Thin glue only: rights, the registry, the director manager and storage are `hub-corpdata`, the
//! client `hub-esi`.
//! - `EveCorporationData`, one object per corporation: its ESI cache, its public information (name,
//!   ticker, CEO), and the sync of members, member tracking, wallets and their journals, assets,
//!   structures and orders (one run at a time; by alarm from ESI's `Expires`, at most hourly,
//!   when the corporation syncs in the background).
//! - Any player: `GET /api/corporations` (their characters' corporations and the managed ones),
//!   `GET /api/corporations/recruiting`.
//! - Site admins: `POST /api/corporations` (register), `DELETE /api/corporations/:id`.
//! - Corporation admins (site admins, the CEO, and users with a character holding Director in it;
//!   403 for everyone else): `GET|PATCH /api/corporations/:id`, `POST /api/corporations/:id/directors`
//!   `{character_id, priority}` (a character of yours that holds Director there now, with the
//!   corporation scopes), `DELETE /api/corporations/:id/directors/:character_id`,
//!   `POST /api/corporations/:id/sync`, `GET /api/corporations/:id/members`,
//!   `GET /api/corporations/:id/data/:dataset`.

use hub_api::{DatasetRunView, SyncRunReport};
use hub_auth::audit::{self, Action, Entry};
use hub_auth::session::SessionRecord;
use hub_corpdata::corporations::{self, ManagedPatch, PublicCorporation, RegisteredVia};
use hub_corpdata::{rights, CorpDataset, DirectorFailure, DirectorTokens};
use hub_db::pg::PgClient;
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::scopes;
use hub_domain::{CharacterId, Service};
use hub_esi::Route;
use hub_http::{ApiError, Method, Params, Request, Response, Router};
use hub_ports::{Clock, SqlStorage, SqlValue};
use hub_rpc::interfaces::{
    CharacterRequest, CharacterSync, CorporationRequest, CorporationSync, CorporationSyncHandler,
    ObservedMember, TokenStore,
};
use hub_rpc::{Interface, RpcError, RpcErrorCode};
use hub_tokens::{SingleFlight, TokenHealth};
use hub_worker::auth::{
    authenticate, client_ip, database, internal, optional_number, page_limit, require_csrf,
    require_site_admin,
};
use hub_worker::durable::DurableSql;
use hub_worker::esi::EsiParts;
use hub_worker::{bindings, get_stub, health, AppState, WorkerClock};
use std::rc::Rc;
use worker::{durable_object, DurableObject, Env, State};

const SERVICE: Service = Service::EveCorporationData;
const SYNC_EVERY_MS: i64 = 3_600_000;
const RETRY_MS: i64 = 5 * 60_000;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::EVE_CORPORATION_DATA), &[])
        .get("/api/corporations", list)
        .post("/api/corporations", register)
        .get("/api/corporations/recruiting", recruiting)
        .get("/api/corporations/:id", corporation)
        .route(Method::Patch, "/api/corporations/:id", update)
        .route(Method::Delete, "/api/corporations/:id", unregister)
        .post("/api/corporations/:id/directors", add_director)
        .route(Method::Delete, "/api/corporations/:id/directors/:character_id", remove_director)
        .post("/api/corporations/:id/sync", sync_now)
        .get("/api/corporations/:id/members", members)
        .get("/api/corporations/:id/data/:dataset", dataset_rows)
}

hub_worker::worker_entry!(SERVICE, router);

/// The request's session (401 without one); `mutating` requests must carry the CSRF token.
async fn session(
    req: &Request,
    state: &AppState,
    mutating: bool,
) -> Result<(PgClient, SessionRecord), ApiError> {
    let pg = database(&state.env).await?;
    let (token, session) = authenticate(req, &pg).await?;
    if mutating {
        require_csrf(req, &token)?;
    }
    Ok((pg, session))
}

/// A corporation admin of the path's corporation, or 403: a site admin, its CEO, or a user with a
/// character holding Director in it, by fresh facts from ESI.
struct CorporationAdmin {
    pg: PgClient,
    session: SessionRecord,
    corporation: i64,
}

async fn corporation_admin(
    req: &Request,
    params: &Params,
    state: &AppState,
    mutating: bool,
) -> Result<CorporationAdmin, ApiError> {
    let corporation = corporation_id(params)?;
    let (pg, session) = session(req, state, mutating).await?;
    let admin = session.site_admin
        || rights::holds_director_role(&pg, session.user_id, corporation).await.map_err(internal)?;
    if admin {
        Ok(CorporationAdmin { pg, session, corporation })
    } else {
        Err(ApiError::forbidden(
            "corporation admins only: its CEO, characters holding the Director role in it, and site admins",
        ))
    }
}

fn corporation_id(params: &Params) -> Result<i64, ApiError> {
    let id: i64 = params.parse("id")?;
    if id <= 0 {
        return Err(ApiError::bad_request("path parameter `id` must be a corporation id"));
    }
    Ok(id)
}

fn corporation_object(
    env: &Env,
    corporation: i64,
    request_id: &str,
) -> Result<hub_rpc::Client<CorporationSync, hub_worker::DurableObjectTransport>, RpcError> {
    get_stub::<CorporationSync>(
        env,
        bindings::EVE_CORPORATION_DATA,
        &corporation.to_string(),
        Some(request_id),
    )
}

/// Writes an audit entry; a failure is logged, the change it records has happened.
async fn record(pg: &PgClient, entry: Entry) {
    if let Err(e) = audit::record(pg, &entry).await {
        tracing::error!(error = %e, "audit write failed");
    }
}

async fn list(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, session) = session(&req, &state, false).await?;
    let administered = rights::administered_by(&pg, session.user_id).await.map_err(internal)?;
    let corporations = corporations::list_for_user(&pg, session.user_id, session.site_admin, &administered)
        .await
        .map_err(internal)?;
    let known_unmanaged = if session.site_admin {
        corporations::known_unmanaged(&pg).await.map_err(internal)?
    } else {
        Vec::new()
    };
    Response::json_no_store(
        200,
        &hub_api::CorporationsResponse { corporations, is_site_admin: session.site_admin, known_unmanaged },
    )
}

async fn recruiting(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, _) = session(&req, &state, false).await?;
    let corporations = corporations::recruiting(&pg).await.map_err(internal)?;
    Response::json(200, &hub_api::RecruitingResponse { corporations })
}

/// `POST /api/corporations` (site admins): the hub serves a corporation from now on. Its name and
/// ticker come from ESI; an id ESI does not know is 404.
async fn register(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, session) = session(&req, &state, true).await?;
    require_site_admin(&session)?;
    let body: hub_api::RegisterCorporationBody = req.json()?;
    let patch = body.patch();
    patch.validate().map_err(ApiError::bad_request)?;
    if body.corporation_id <= 0 {
        return Err(ApiError::bad_request("corporation_id must be a corporation id"));
    }
    let info = corporation_object(&state.env, body.corporation_id, &state.request_id)?
        .refresh_info(&CorporationRequest { corporation_id: body.corporation_id })
        .await?
        .ok_or_else(|| ApiError::not_found("ESI knows no such corporation"))?;
    if !corporations::register(
        &pg,
        body.corporation_id,
        RegisteredVia::SiteAdmin,
        Some(session.user_id),
        &patch,
    )
    .await
    .map_err(internal)?
    {
        return Err(ApiError::conflict(format!("{} is already registered", info.name)));
    }
    let entry = Entry::new(Action::CorporationRegistered)
        .actor(session.user_id)
        .detail(serde_json::json!({ "corporation_id": body.corporation_id, "name": info.name, "via": "site_admin" }))
        .ip(client_ip(&req));
    record(&pg, entry).await;
    let summary = corporations::summary(&pg, body.corporation_id).await.map_err(internal)?;
    Response::json(201, &summary)
}

/// `DELETE /api/corporations/:id` (site admins): the hub stops serving it.
async fn unregister(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let corporation = corporation_id(&params)?;
    let (pg, session) = session(&req, &state, true).await?;
    require_site_admin(&session)?;
    if !corporations::unregister(&pg, corporation).await.map_err(internal)? {
        return Err(ApiError::not_found("this corporation is not registered"));
    }
    let entry = Entry::new(Action::CorporationUnregistered)
        .actor(session.user_id)
        .detail(serde_json::json!({ "corporation_id": corporation }))
        .ip(client_ip(&req));
    record(&pg, entry).await;
    Ok(Response::new(204))
}

async fn corporation(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let CorporationAdmin { pg, session, corporation } =
        corporation_admin(&req, &params, &state, false).await?;
    let summary = corporations::summary(&pg, corporation).await.map_err(internal)?.map(|mut s| {
        s.is_admin = true;
        s
    });
    let directors = hub_corpdata::directors(&pg, corporation).await.map_err(internal)?;
    let datasets = hub_corpdata::sync_statuses(&pg, corporation).await.map_err(internal)?;
    Response::json_no_store(
        200,
        &hub_api::CorporationResponse {
            corporation_id: corporation,
            corporation: summary,
            directors,
            datasets,
            is_site_admin: session.site_admin,
            director_scopes: scopes::CORPORATION_DATA.iter().map(|s| (*s).to_owned()).collect(),
        },
    )
}

/// `PATCH /api/corporations/:id`: corporation admins change the recruiting flag and the texts;
/// the other flags are for site admins.
async fn update(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let CorporationAdmin { pg, session, corporation } =
        corporation_admin(&req, &params, &state, true).await?;
    let patch: ManagedPatch = req.json()?;
    if patch.needs_site_admin() {
        require_site_admin(&session).map_err(|_| {
            ApiError::forbidden("only site admins change the member, alt, special and sync flags")
        })?;
    }
    patch.validate().map_err(ApiError::bad_request)?;
    if !corporations::update(&pg, corporation, &patch).await.map_err(internal)? {
        return Err(ApiError::not_found("this corporation is not registered"));
    }
    let entry = Entry::new(Action::CorporationUpdated)
        .actor(session.user_id)
        .detail(serde_json::json!({ "corporation_id": corporation }))
        .ip(client_ip(&req));
    record(&pg, entry).await;
    let summary = corporations::summary(&pg, corporation).await.map_err(internal)?;
    Response::json(200, &summary)
}

/// `POST /api/corporations/:id/directors`: a character whose token feeds the corporation's data.
/// It must be yours (site admins may register anyone's), hold Director there now (read from ESI
/// with its own token at this moment), and its login must have granted the corporation scopes.
async fn add_director(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let corporation = corporation_id(&params)?;
    let (pg, session) = session(&req, &state, true).await?;
    let body: hub_api::DirectorBody = req.json()?;
    if !(1..=100).contains(&body.priority) {
        return Err(ApiError::bad_request("priority must be from 1 to 100"));
    }
    let character = CharacterId(body.character_id);
    let owner = hub_auth::accounts::owner_of(&pg, character).await.map_err(internal)?;
    let Some(owner) = owner.filter(|o| *o == session.user_id || session.site_admin) else {
        return Err(ApiError::not_found("no such character on your account"));
    };
    let request = CharacterRequest { character_id: character };
    let token = get_stub::<TokenStore>(
        &state.env,
        bindings::EVE_TOKEN_STORE,
        &character.to_string(),
        Some(&state.request_id),
    )?
    .health(&request)
    .await?;
    let granted = match token {
        Some(TokenHealth::Valid { scopes, .. } | TokenHealth::Retrying { scopes, .. }) => scopes,
        Some(TokenHealth::Invalid { .. }) | None => {
            return Err(ApiError::new(
                409,
                "token_invalid",
                "this character's EVE login stopped working: log in with it again",
            ));
        }
    };
    if !scopes::holds_all(&granted, scopes::CORPORATION_DATA) {
        return Err(ApiError::new(
            409,
            "missing_scopes",
            "this character has not granted the corporation scopes: grant them, then register it",
        ));
    }
    // The character's roles and corporation, read from ESI now with its own token.
    get_stub::<CharacterSync>(
        &state.env,
        bindings::EVE_CHARACTER_DATA,
        &character.to_string(),
        Some(&state.request_id),
    )?
    .refresh_roles(&request)
    .await?;
    if !rights::character_is_director(&pg, character, corporation).await.map_err(internal)? {
        return Err(ApiError::forbidden(
            "this character does not hold the Director role in that corporation",
        ));
    }
    hub_corpdata::register_director(&pg, corporation, character, body.priority, session.user_id)
        .await
        .map_err(internal)?;
    let entry = Entry::new(Action::DirectorRegistered)
        .user(owner)
        .actor(session.user_id)
        .character(character)
        .detail(serde_json::json!({ "corporation_id": corporation, "priority": body.priority }))
        .ip(client_ip(&req));
    record(&pg, entry).await;
    Ok(Response::new(204))
}

async fn remove_director(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let CorporationAdmin { pg, session, corporation } =
        corporation_admin(&req, &params, &state, true).await?;
    let character = CharacterId(params.parse("character_id")?);
    let owner = hub_auth::accounts::owner_of(&pg, character).await.map_err(internal)?;
    if !hub_corpdata::unregister_director(&pg, corporation, character).await.map_err(internal)? {
        return Err(ApiError::not_found("no such director"));
    }
    let mut entry = Entry::new(Action::DirectorRemoved)
        .actor(session.user_id)
        .character(character)
        .detail(
            serde_json::json!({ "corporation_id": corporation, "reason": "removed by a corporation admin" }),
        )
        .ip(client_ip(&req));
    if let Some(owner) = owner {
        entry = entry.user(owner);
    }
    record(&pg, entry).await;
    Ok(Response::new(204))
}

async fn sync_now(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let CorporationAdmin { corporation, .. } = corporation_admin(&req, &params, &state, true).await?;
    let report = corporation_object(&state.env, corporation, &state.request_id)?
        .sync_now(&CorporationRequest { corporation_id: corporation })
        .await?;
    Response::json(200, &report)
}

async fn members(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let CorporationAdmin { pg, corporation, .. } = corporation_admin(&req, &params, &state, false).await?;
    let limit = page_limit(&req)?;
    let offset = optional_number(&req, "offset")?.unwrap_or(0).max(0);
    let (members, total) =
        corporations::member_view(&pg, corporation, limit, offset).await.map_err(internal)?;
    Response::json_no_store(200, &hub_api::CorporationMembersPage { members, total, limit, offset })
}

/// A dataset's rows: `member_tracking`, `wallets`, `wallet_journal`, `assets`, `structures`, `orders`.
async fn dataset_rows(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let CorporationAdmin { pg, corporation, .. } = corporation_admin(&req, &params, &state, false).await?;
    let dataset = CorpDataset::parse(params.required("dataset")?)
        .ok_or_else(|| ApiError::not_found("no such dataset"))?;
    let limit = page_limit(&req)?;
    let offset = optional_number(&req, "offset")?.unwrap_or(0).max(0);
    let rows = hub_corpdata::read(&pg, corporation, dataset, limit, offset).await.map_err(internal)?;
    Response::json_no_store(
        200,
        &hub_api::CorporationDatasetPage { dataset: dataset.as_str().into(), rows, limit, offset },
    )
}

/// One corporation: its ESI cache, its schedule, and the run in flight.
#[durable_object]
pub struct EveCorporationData {
    inner: Rc<Inner>,
}

struct Inner {
    state: State,
    storage: DurableSql,
    env: Env,
    /// One sync at a time: concurrent "sync now" calls and the alarm share the running one.
    runs: SingleFlight<i64, SyncRunReport>,
}

impl DurableObject for EveCorporationData {
    fn new(state: State, env: Env) -> Self {
        let storage = DurableSql::of(&state);
        let created = hub_durable::probe::migrate(&storage)
            .and_then(|()| hub_esi::cache::migrate(&storage))
            .and_then(|()| {
                storage
                    .exec(
                        "CREATE TABLE IF NOT EXISTS corp_meta (id INTEGER PRIMARY KEY CHECK (id = 1), corporation_id INTEGER NOT NULL)",
                        &[],
                    )
                    .map(|_| ())
            });
        if let Err(e) = created {
            tracing::error!(error = %e, "creating the corporation tables failed");
        }
        Self { inner: Rc::new(Inner { state, storage, env, runs: SingleFlight::new() }) }
    }

    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        hub_worker::durable::serve_rpc(req, |iface, method, body| async move {
            if iface == CorporationSync::NAME {
                CorporationSync::dispatch(self, &method, &body).await
            } else {
                hub_worker::durable::dispatch_health(&self.inner.storage, &iface, &method, &body).await
            }
        })
        .await
    }

    async fn alarm(&self) -> worker::Result<worker::Response> {
        let Some(corporation) = self.inner.corporation() else { return worker::Response::empty() };
        let background = match hub_worker::pg::connect(&self.inner.env).await {
            Ok(pg) => corporations::syncs_in_background(&pg, corporation).await.unwrap_or(true),
            Err(_) => true,
        };
        if background {
            Inner::run(&self.inner, corporation).await;
        } else {
            tracing::info!(
                corporation,
                "not syncing in the background: the corporation is not managed or opted out"
            );
        }
        worker::Response::empty()
    }
}

impl CorporationSyncHandler for EveCorporationData {
    async fn sync_now(&self, request: CorporationRequest) -> Result<SyncRunReport, RpcError> {
        self.inner
            .storage
            .exec(
                "INSERT INTO corp_meta (id, corporation_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET corporation_id = excluded.corporation_id",
                &[SqlValue::Integer(request.corporation_id)],
            )
            .map_err(|e| RpcError::internal(e.to_string()))?;
        Ok(Inner::run(&self.inner, request.corporation_id).await)
    }

    async fn refresh_info(&self, request: CorporationRequest) -> Result<Option<PublicCorporation>, RpcError> {
        let pg = hub_worker::pg::connect(&self.inner.env)
            .await
            .map_err(|e| RpcError::new(RpcErrorCode::Unavailable, e.to_string()))?;
        self.inner.refresh_info(&pg, request.corporation_id).await
    }

    async fn observe_member(&self, member: ObservedMember) -> Result<(), RpcError> {
        let pg = hub_worker::pg::connect(&self.inner.env)
            .await
            .map_err(|e| RpcError::new(RpcErrorCode::Unavailable, e.to_string()))?;
        let Some(info) = self.inner.refresh_info(&pg, member.corporation_id).await? else { return Ok(()) };
        if !member.director {
            return Ok(());
        }
        let registered = corporations::register(
            &pg,
            member.corporation_id,
            RegisteredVia::DirectorLogin,
            member.owner,
            &ManagedPatch::default(),
        )
        .await
        .map_err(|e| RpcError::internal(e.to_string()))?;
        if registered {
            tracing::info!(
                corporation = member.corporation_id,
                "corporation registered by a Director's login"
            );
            let mut entry = Entry::new(Action::CorporationRegistered).character(member.character_id).detail(
                serde_json::json!({ "corporation_id": member.corporation_id, "name": info.name, "via": "director_login" }),
            );
            if let Some(owner) = member.owner {
                entry = entry.user(owner);
            }
            record(&pg, entry).await;
        }
        Ok(())
    }
}

/// Directors' tokens from their token store objects; a dead grant is lost access.
struct StoreTokens<'a> {
    env: &'a Env,
}

impl DirectorTokens for StoreTokens<'_> {
    async fn access_token(&self, director: CharacterId) -> Result<String, DirectorFailure> {
        let result = async {
            get_stub::<TokenStore>(self.env, bindings::EVE_TOKEN_STORE, &director.to_string(), None)?
                .access_token(&CharacterRequest { character_id: director })
                .await
        }
        .await;
        match result {
            Ok(access) => Ok(access.token),
            Err(e) if matches!(e.code, RpcErrorCode::Conflict | RpcErrorCode::NotFound) => {
                Err(DirectorFailure::AccessLost(format!("token: {}", e.message)))
            }
            Err(e) => Err(DirectorFailure::Upstream(hub_esi::EsiError::Transport(e.message))),
        }
    }
}

impl Inner {
    fn corporation(&self) -> Option<i64> {
        let rows = self.storage.exec("SELECT corporation_id FROM corp_meta WHERE id = 1", &[]).ok()?;
        rows.first().and_then(|r| r.first()).and_then(SqlValue::as_i64)
    }

    /// `GET /corporations/{id}/` through this object's ESI cache, stored in Postgres (the sync
    /// time too when unchanged: it keeps the CEO fact fresh).
    async fn refresh_info(
        &self,
        pg: &PgClient,
        corporation: i64,
    ) -> Result<Option<PublicCorporation>, RpcError> {
        let parts = EsiParts::new(&self.env);
        let esi = parts.client(&self.storage);
        let route = Route::public(format!("/corporations/{corporation}/"), hub_esi::Priority::Essential);
        let fetched = match esi.get(&route).await {
            Ok(fetched) => fetched,
            Err(hub_esi::EsiError::NotFound) => return Ok(None),
            Err(e) => return Err(RpcError::new(RpcErrorCode::Unavailable, format!("ESI: {e}"))),
        };
        let info = PublicCorporation::parse(&fetched.body).map_err(|e| RpcError::internal(e.to_string()))?;
        corporations::store_public(pg, corporation, &info)
            .await
            .map_err(|e| RpcError::internal(e.to_string()))?;
        Ok(Some(info))
    }

    /// One run at a time: a call while one is in flight waits for it and gets its report.
    async fn run(inner: &Rc<Self>, corporation: i64) -> SyncRunReport {
        let owned = Rc::clone(inner);
        inner.runs.run(corporation, move || async move { owned.sync(corporation).await }).await
    }

    /// Takes the directors that lost their access out of rotation (telling their owners and the
    /// corporation's admins why), syncs every dataset through the rest, records each outcome, and
    /// re-arms the alarm for the earliest next sync.
    async fn sync(&self, corporation: i64) -> SyncRunReport {
        let mut report = SyncRunReport { datasets: Vec::new() };
        let mut next_alarm = WorkerClock.now_ms() + SYNC_EVERY_MS;
        match hub_worker::pg::connect(&self.env).await {
            Err(e) => {
                tracing::error!(error = %e, "database unavailable for corporation sync");
                next_alarm = WorkerClock.now_ms() + RETRY_MS;
            }
            Ok(pg) => {
                self.remove_lost_directors(&pg, corporation).await;
                for dataset in CorpDataset::ALL {
                    let (status, message, director, next_at_ms) =
                        self.sync_dataset(&pg, corporation, dataset).await;
                    next_alarm = next_alarm.min(next_at_ms);
                    if let Err(e) = hub_corpdata::record_status(
                        &pg,
                        corporation,
                        dataset.as_str(),
                        status,
                        message.as_deref(),
                        director,
                        Some(next_at_ms),
                    )
                    .await
                    {
                        tracing::error!(error = %e, "recording the corporation sync status failed");
                    }
                    report.datasets.push(DatasetRunView {
                        dataset: dataset.as_str().into(),
                        status: status.into(),
                        message,
                    });
                }
            }
        }
        if let Err(e) = hub_worker::durable::set_alarm_at(&self.state, next_alarm).await {
            tracing::error!(error = %e, "setting the corporation alarm failed");
        }
        report
    }

    async fn remove_lost_directors(&self, pg: &PgClient, corporation: i64) {
        let removed = match hub_corpdata::remove_lost_directors(pg, corporation).await {
            Ok(removed) => removed,
            Err(e) => {
                tracing::error!(error = %e, "checking the directors failed");
                return;
            }
        };
        if removed.is_empty() {
            return;
        }
        let admins = rights::role_admins(pg, corporation).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "finding the corporation's admins failed");
            Vec::new()
        });
        let mut notifications = Vec::new();
        for director in &removed {
            tracing::info!(corporation, director = %director.character_id, why = director.because.describe(), "director removed");
            let entry = Entry::new(Action::DirectorRemoved)
                .user(director.owner)
                .character(director.character_id)
                .detail(serde_json::json!({ "corporation_id": corporation, "reason": director.because.describe() }));
            record(pg, entry).await;
            let title = format!(
                "{} no longer feeds its corporation's data: {}",
                director.character_name,
                director.because.describe()
            );
            let data =
                serde_json::json!({ "corporation_id": corporation, "character_id": director.character_id });
            let mut told = vec![director.owner];
            told.extend(admins.iter().copied().filter(|a| *a != director.owner));
            notifications.extend(told.into_iter().map(|user_id| NewNotification {
                user_id,
                kind: NotificationKind::DirectorRemoved,
                title: title.clone(),
                data: data.clone(),
            }));
        }
        hub_worker::notify::deliver(&self.env, "corporation-sync", notifications).await;
    }

    async fn sync_dataset(
        &self,
        pg: &PgClient,
        corporation: i64,
        dataset: CorpDataset,
    ) -> (&'static str, Option<String>, Option<CharacterId>, i64) {
        let parts = EsiParts::new(&self.env);
        let esi = parts.client(&self.storage);
        let (paths, paged) = dataset.paths(corporation);
        let fetch = |director: CharacterId, token: String| {
            let (esi, paths) = (&esi, &paths);
            async move {
                let mut parts = Vec::new();
                let mut changed = false;
                let mut expires = i64::MAX;
                for (division, path) in paths {
                    let route = Route::authenticated(
                        path.clone(),
                        director,
                        token.clone(),
                        hub_esi::Priority::Background,
                    );
                    if paged {
                        let fetched = esi.get_all_pages(&route).await?;
                        changed |= fetched.changed;
                        expires = expires.min(fetched.expires_at_ms);
                        parts.push((*division, fetched.pages));
                    } else {
                        let fetched = esi.get(&route).await?;
                        changed |= fetched.source == hub_esi::Source::Network;
                        expires = expires.min(fetched.expires_at_ms);
                        parts.push((*division, vec![fetched.body]));
                    }
                }
                Ok((changed, expires, parts))
            }
        };
        let now = WorkerClock.now_ms();
        match hub_corpdata::with_directors(pg, &StoreTokens { env: &self.env }, corporation, fetch).await {
            Ok(synced) => {
                let (changed, expires, parts) = synced.value;
                if changed {
                    if let Err(e) = hub_corpdata::store(pg, corporation, dataset, parts).await {
                        return ("error", Some(e.to_string()), Some(synced.director), now + RETRY_MS);
                    }
                }
                let message = (!synced.failed_over.is_empty()).then(|| {
                    let ids: Vec<String> = synced.failed_over.iter().map(ToString::to_string).collect();
                    format!("failed over from {}", ids.join(", "))
                });
                let status = if changed { "ok" } else { "unchanged" };
                (status, message, Some(synced.director), expires.max(now + 60_000).min(now + SYNC_EVERY_MS))
            }
            Err(hub_corpdata::CorpSyncError::Upstream(e)) => {
                ("paused", Some(e.to_string()), None, now + RETRY_MS)
            }
            Err(
                e @ (hub_corpdata::CorpSyncError::NoDirector
                | hub_corpdata::CorpSyncError::AllDirectorsFailed(_)),
            ) => ("no_director", Some(e.to_string()), None, now + SYNC_EVERY_MS),
            Err(e) => ("error", Some(e.to_string()), None, now + RETRY_MS),
        }
    }
}
