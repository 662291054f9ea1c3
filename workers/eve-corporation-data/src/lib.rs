//! The eve-corporation-data worker: corporation data synced from ESI through director characters.
//!
//! Thin glue only: the director manager and storage are `hub-corpdata`, the client `hub-esi`.
//! - `EveCorporationData`, one object per corporation: its ESI cache and the sync of members, member
//!   tracking, wallets and their journals, assets, structures and orders, run now on request and by
//!   alarm (from ESI's `Expires`, at most hourly).
//! - Corporation admins (site admins, and users who registered a director of the corporation):
//!   `GET /api/corporations/:id` (directors with health, per-dataset status),
//!   `POST /api/corporations/:id/directors` `{character_id, priority}` (a character of yours in
//!   that corporation), `DELETE /api/corporations/:id/directors/:character_id`,
//!   `POST /api/corporations/:id/sync`, `GET /api/corporations/:id/members`,
//!   `GET /api/corporations/:id/data/:dataset`.

use hub_api::{DatasetRunView, SyncRunReport};
use hub_corpdata::{CorpDataset, DirectorFailure, DirectorTokens};
use hub_db::pg::PgClient;
use hub_domain::{CharacterId, Service, UserId};
use hub_esi::Route;
use hub_http::{ApiError, Method, Params, Request, Response, Router};
use hub_ports::{Clock, PgValue, Postgres};
use hub_rpc::interfaces::{
    CharacterRequest, CorporationRequest, CorporationSync, CorporationSyncHandler, TokenStore,
};
use hub_rpc::{Interface, RpcError, RpcErrorCode};
use hub_worker::auth::{authenticate, database, internal, optional_number, page_limit, require_csrf};
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
        .get("/api/corporations/:id", corporation)
        .post("/api/corporations/:id/directors", add_director)
        .route(Method::Delete, "/api/corporations/:id/directors/:character_id", remove_director)
        .post("/api/corporations/:id/sync", sync_now)
        .get("/api/corporations/:id/members", members)
        .get("/api/corporations/:id/data/:dataset", dataset_rows)
}

hub_worker::worker_entry!(SERVICE, router);

/// Who is asking, about one corporation.
struct Caller {
    pg: PgClient,
    user: UserId,
    site_admin: bool,
    /// A site admin, or the owner of one of the corporation's directors.
    admin: bool,
}

async fn caller(
    req: &Request,
    state: &AppState,
    corporation: i64,
    mutating: bool,
) -> Result<Caller, ApiError> {
    let pg = database(&state.env).await?;
    let (token, session) = authenticate(req, &pg).await?;
    if mutating {
        require_csrf(req, &token)?;
    }
    let site_admin = hub_worker::auth::is_site_admin(&pg, &state.env, session.user_id).await?;
    let owns_director = !pg
        .query(
            "SELECT 1 FROM corporation_directors d JOIN characters c ON c.id = d.character_id
             WHERE d.corporation_id = $1 AND c.user_id = $2",
            &[PgValue::Int(corporation), PgValue::Uuid(session.user_id.0)],
        )
        .await
        .map_err(internal)?
        .is_empty();
    Ok(Caller { pg, user: session.user_id, site_admin, admin: site_admin || owns_director })
}

fn corporation_id(params: &Params) -> Result<i64, ApiError> {
    params.parse("id")
}

fn forbidden() -> ApiError {
    ApiError::forbidden("corporation admins only: register one of your director characters first")
}

async fn corporation(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let id = corporation_id(&params)?;
    let Caller { pg, admin, .. } = caller(&req, &state, id, false).await?;
    if !admin {
        return Err(forbidden());
    }
    let directors = hub_corpdata::directors(&pg, id).await.map_err(internal)?;
    let rows = pg
        .query(
            "SELECT dataset, status, message, director_id, (extract(epoch from last_sync_at) * 1000)::bigint,
                (extract(epoch from next_sync_at) * 1000)::bigint FROM corporation_sync_status WHERE corporation_id = $1",
            &[PgValue::Int(id)],
        )
        .await
        .map_err(internal)?;
    let datasets = rows
        .iter()
        .map(|r| hub_api::CorporationDatasetStatus {
            dataset: r.0[0].as_str().unwrap_or_default().to_owned(),
            status: r.0[1].as_str().unwrap_or_default().to_owned(),
            message: r.0[2].as_str().map(str::to_owned),
            director_id: r.0[3].as_i64(),
            last_sync_at_ms: r.0[4].as_i64(),
            next_sync_at_ms: r.0[5].as_i64(),
        })
        .collect();
    Response::json(200, &hub_api::CorporationResponse { corporation_id: id, directors, datasets })
}

async fn add_director(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let id = corporation_id(&params)?;
    let Caller { pg, user, site_admin, .. } = caller(&req, &state, id, true).await?;
    let body: hub_api::DirectorBody = req.json()?;
    if !(1..=100).contains(&body.priority) {
        return Err(ApiError::bad_request("priority must be from 1 to 100"));
    }
    let rows = pg
        .query(
            "SELECT user_id, corporation_id FROM characters WHERE id = $1",
            &[PgValue::Int(body.character_id)],
        )
        .await
        .map_err(internal)?;
    let Some(row) = rows.first() else { return Err(ApiError::not_found("no such character on this hub")) };
    let owner = match row.0.first() {
        Some(PgValue::Uuid(u)) => UserId(*u),
        _ => return Err(internal("character without a user")),
    };
    if owner != user && !site_admin {
        return Err(ApiError::forbidden("register your own characters as directors"));
    }
    if row.0.get(1).and_then(PgValue::as_i64) != Some(id) {
        return Err(ApiError::conflict(
            "this character is not in that corporation (as last synced from ESI)",
        ));
    }
    pg.execute(
        "INSERT INTO corporation_directors (corporation_id, character_id, priority, added_by) VALUES ($1, $2, $3::bigint, $4)
         ON CONFLICT (corporation_id, character_id) DO UPDATE SET priority = excluded.priority",
        &[PgValue::Int(id), PgValue::Int(body.character_id), PgValue::Int(body.priority), PgValue::Uuid(user.0)],
    )
    .await
    .map_err(internal)?;
    Ok(Response::new(204))
}

async fn remove_director(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let id = corporation_id(&params)?;
    let Caller { pg, admin, .. } = caller(&req, &state, id, true).await?;
    if !admin {
        return Err(forbidden());
    }
    let character: i64 = params.parse("character_id")?;
    let removed = pg
        .execute(
            "DELETE FROM corporation_directors WHERE corporation_id = $1 AND character_id = $2",
            &[PgValue::Int(id), PgValue::Int(character)],
        )
        .await
        .map_err(internal)?;
    if removed == 0 {
        return Err(ApiError::not_found("no such director"));
    }
    Ok(Response::new(204))
}

async fn sync_now(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let id = corporation_id(&params)?;
    let Caller { admin, .. } = caller(&req, &state, id, true).await?;
    if !admin {
        return Err(forbidden());
    }
    let object = get_stub::<CorporationSync>(
        &state.env,
        bindings::EVE_CORPORATION_DATA,
        &id.to_string(),
        Some(&state.request_id),
    )?;
    let report = object.sync_now(&CorporationRequest { corporation_id: id }).await?;
    Response::json(200, &report)
}

async fn members(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let id = corporation_id(&params)?;
    let Caller { pg, admin, .. } = caller(&req, &state, id, false).await?;
    if !admin {
        return Err(forbidden());
    }
    let limit = page_limit(&req)?;
    let offset = optional_number(&req, "offset")?.unwrap_or(0).max(0);
    let (members, total) = hub_corpdata::members(&pg, id, limit, offset).await.map_err(internal)?;
    Response::json(
        200,
        &serde_json::json!({ "members": members, "total": total, "limit": limit, "offset": offset }),
    )
}

/// A dataset's rows: `member_tracking`, `wallets`, `wallet_journal`, `assets`, `structures`, `orders`.
async fn dataset_rows(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let id = corporation_id(&params)?;
    let Caller { pg, admin, .. } = caller(&req, &state, id, false).await?;
    if !admin {
        return Err(forbidden());
    }
    let dataset = CorpDataset::parse(params.required("dataset")?)
        .ok_or_else(|| ApiError::not_found("no such dataset"))?;
    let limit = page_limit(&req)?;
    let offset = optional_number(&req, "offset")?.unwrap_or(0).max(0);
    let rows = hub_corpdata::read(&pg, id, dataset, limit, offset).await.map_err(internal)?;
    Response::json(
        200,
        &serde_json::json!({ "dataset": dataset.as_str(), "rows": rows, "limit": limit, "offset": offset }),
    )
}

/// One corporation's sync: ESI cache and schedule.
#[durable_object]
pub struct EveCorporationData {
    state: State,
    storage: DurableSql,
    env: Env,
}

impl DurableObject for EveCorporationData {
    fn new(state: State, env: Env) -> Self {
        let storage = DurableSql::of(&state);
        let created = hub_durable::probe::migrate(&storage)
            .and_then(|()| hub_esi::cache::migrate(&storage))
            .and_then(|()| {
                hub_ports::SqlStorage::exec(
                    &storage,
                    "CREATE TABLE IF NOT EXISTS corp_meta (id INTEGER PRIMARY KEY CHECK (id = 1), corporation_id INTEGER NOT NULL)",
                    &[],
                )
                .map(|_| ())
            });
        if let Err(e) = created {
            tracing::error!(error = %e, "creating the corporation tables failed");
        }
        Self { state, storage, env }
    }

    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        hub_worker::durable::serve_rpc(req, |iface, method, body| async move {
            if iface == CorporationSync::NAME {
                CorporationSync::dispatch(self, &method, &body).await
            } else {
                hub_worker::durable::dispatch_health(&self.storage, &iface, &method, &body).await
            }
        })
        .await
    }

    async fn alarm(&self) -> worker::Result<worker::Response> {
        let rows = hub_ports::SqlStorage::exec(
            &self.storage,
            "SELECT corporation_id FROM corp_meta WHERE id = 1",
            &[],
        )
        .unwrap_or_default();
        if let Some(id) = rows.first().and_then(|r| r.first()).and_then(hub_ports::SqlValue::as_i64) {
            self.sync(id).await;
        }
        worker::Response::empty()
    }
}

impl CorporationSyncHandler for EveCorporationData {
    async fn sync_now(&self, request: CorporationRequest) -> Result<SyncRunReport, RpcError> {
        hub_ports::SqlStorage::exec(
            &self.storage,
            "INSERT INTO corp_meta (id, corporation_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET corporation_id = excluded.corporation_id",
            &[hub_ports::SqlValue::Integer(request.corporation_id)],
        )
        .map_err(|e| RpcError::internal(e.to_string()))?;
        Ok(self.sync(request.corporation_id).await)
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

impl EveCorporationData {
    /// Syncs every corporation dataset through the directors, records each outcome, and re-arms
    /// the alarm for the earliest next sync.
    async fn sync(&self, corporation: i64) -> SyncRunReport {
        let mut report = SyncRunReport { datasets: Vec::new() };
        let mut next_alarm = WorkerClock.now_ms() + SYNC_EVERY_MS;
        match hub_worker::pg::connect(&self.env).await {
            Err(e) => {
                tracing::error!(error = %e, "database unavailable for corporation sync");
                next_alarm = WorkerClock.now_ms() + RETRY_MS;
            }
            Ok(pg) => {
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
