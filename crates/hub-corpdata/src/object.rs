//! The logic of an `EveCorporationData` object, one per corporation: its ESI cache, its public
//! information (name, ticker, CEO), and the sync of members, member tracking, wallets and their
//! journals, assets, structures and orders (one run at a time; by alarm from ESI's `Expires`, at
//! most hourly, when the corporation syncs in the background).

use crate::corporations::{self, ManagedPatch, PublicCorporation, RegisteredVia};
use crate::{rights, CorpDataset, CorpSyncStatus, DirectorFailure, DirectorTokens};
use hub_accounts::audit::{Action, Entry};
use hub_accounts::rpc::Accounts;
use hub_app::{internal, DurableLogic, ObjectContext, Runtime};
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::{CharacterId, CharacterRequest, CorporationId, CorporationRequest};
use hub_esi::rpc::EsiParts;
use hub_esi::sync::{CorporationSync, CorporationSyncHandler, DatasetRunView, ObservedMember, SyncRunReport};
use hub_esi::{EsiError, Route};
use hub_http::ApiError;
use hub_ports::{Clock, Postgres, SqlError, SqlStorage, SqlValue};
use hub_tokens::rpc::TokenStore;
use hub_tokens::SingleFlight;

/// A corporation that syncs in the background does so at least this often.
const SYNC_EVERY_MS: i64 = 3_600_000;
const RETRY_MS: i64 = 5 * 60_000;
/// The soonest a dataset syncs again, whatever ESI's `Expires` says.
const MIN_INTERVAL_MS: i64 = 60_000;

/// Records an audit entry through the accounts service; a failure is logged, the change it records
/// has happened.
pub async fn audit(ctx: &impl Runtime, entry: Entry) {
    if let Err(e) = async { ctx.service_client::<Accounts>()?.audit(&entry).await }.await {
        tracing::error!(error = %e, "audit write failed");
    }
}

/// One corporation's sync: its in-memory state is the run in flight.
pub struct CorporationSyncObject {
    /// One sync at a time: concurrent "sync now" calls and the alarm share the running one.
    runs: SingleFlight<i64, SyncRunReport>,
}

impl DurableLogic for CorporationSyncObject {
    fn new() -> Self {
        Self { runs: SingleFlight::new() }
    }

    fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
        hub_esi::cache::migrate(storage)?;
        storage.exec(
            "CREATE TABLE IF NOT EXISTS corp_meta (id INTEGER PRIMARY KEY CHECK (id = 1), corporation_id INTEGER NOT NULL)",
            &[],
        )?;
        Ok(())
    }

    async fn call(
        &self,
        ctx: &impl ObjectContext,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        CorporationSync::serve(&Calls { object: self, ctx }, interface, method, body).await
    }

    async fn alarm(&self, ctx: &impl ObjectContext) {
        let corporation = match corporation_of(ctx.storage()) {
            Ok(Some(corporation)) => corporation,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, "reading the synced corporation failed");
                return;
            }
        };
        let background = match ctx.postgres().await {
            Ok(pg) => corporations::syncs_in_background(pg, corporation.0).await.unwrap_or(true),
            Err(_) => true,
        };
        if background {
            self.run(ctx, corporation).await;
        } else {
            tracing::info!(corporation = %corporation, "not syncing in the background: the corporation is not managed or opted out");
        }
    }
}

/// The corporation this object syncs, once a sync was asked for.
fn corporation_of(storage: &impl SqlStorage) -> Result<Option<CorporationId>, SqlError> {
    let rows = storage.exec("SELECT corporation_id FROM corp_meta WHERE id = 1", &[])?;
    rows.first()
        .map(|r| {
            r.first()
                .and_then(SqlValue::as_i64)
                .map(CorporationId)
                .ok_or_else(|| SqlError::RowShape("corp_meta: corporation_id".into()))
        })
        .transpose()
}

struct Calls<'a, C> {
    object: &'a CorporationSyncObject,
    ctx: &'a C,
}

impl<C: ObjectContext> CorporationSyncHandler for Calls<'_, C> {
    async fn sync_now(&self, request: CorporationRequest) -> Result<SyncRunReport, ApiError> {
        self.ctx
            .storage()
            .exec(
                "INSERT INTO corp_meta (id, corporation_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET corporation_id = excluded.corporation_id",
                &[SqlValue::Integer(request.corporation_id.0)],
            )
            .map_err(internal)?;
        Ok(self.object.run(self.ctx, request.corporation_id).await)
    }

    async fn refresh_info(&self, request: CorporationRequest) -> Result<Option<PublicCorporation>, ApiError> {
        refresh_info(self.ctx, request.corporation_id).await
    }

    async fn observe_member(&self, member: ObservedMember) -> Result<(), ApiError> {
        let Some(info) = refresh_info(self.ctx, member.corporation_id).await? else { return Ok(()) };
        if !member.director {
            return Ok(());
        }
        let pg = self.ctx.postgres().await?;
        let registered = corporations::register(
            pg,
            member.corporation_id.0,
            RegisteredVia::DirectorLogin,
            member.owner,
            &ManagedPatch::default(),
        )
        .await
        .map_err(internal)?;
        if registered {
            tracing::info!(corporation = %member.corporation_id, "corporation registered by a Director's login");
            let detail = serde_json::json!({ "corporation_id": member.corporation_id, "name": info.name, "via": "director_login" });
            let mut entry =
                Entry::new(Action::CorporationRegistered).character(member.character_id).detail(detail);
            if let Some(owner) = member.owner {
                entry = entry.user(owner);
            }
            audit(self.ctx, entry).await;
        }
        Ok(())
    }
}

/// `GET /corporations/{id}/` through this object's ESI cache, stored in Postgres (the sync time
/// too when unchanged: it keeps the CEO fact fresh).
async fn refresh_info(
    ctx: &impl ObjectContext,
    corporation: CorporationId,
) -> Result<Option<PublicCorporation>, ApiError> {
    let parts = EsiParts::new(ctx);
    let esi = parts.client();
    let route = Route::public(format!("/corporations/{corporation}/"), hub_esi::Priority::Essential);
    let fetched = match esi.get(&route).await {
        Ok(fetched) => fetched,
        Err(EsiError::NotFound) => return Ok(None),
        Err(e) => return Err(ApiError::unavailable(format!("ESI: {e}"))),
    };
    let info = PublicCorporation::parse(&fetched.body).map_err(internal)?;
    corporations::store_public(ctx.postgres().await?, corporation.0, &info).await.map_err(internal)?;
    Ok(Some(info))
}

/// Directors' tokens from their token store objects; a dead grant is lost access.
struct StoreTokens<'a, R> {
    ctx: &'a R,
}

impl<R: Runtime> DirectorTokens for StoreTokens<'_, R> {
    async fn access_token(&self, director: CharacterId) -> Result<String, DirectorFailure> {
        let request = CharacterRequest { character_id: director };
        let result = async { self.ctx.stub::<TokenStore>(&director)?.access_token(&request).await }.await;
        match result {
            Ok(access) => Ok(access.token),
            Err(e) if e.is(hub_tokens::codes::TOKEN_INVALID) || e.is(hub_tokens::codes::TOKEN_MISSING) => {
                Err(DirectorFailure::AccessLost(format!("token: {}", e.message)))
            }
            Err(e) => Err(DirectorFailure::Upstream(EsiError::Transport(e.message))),
        }
    }
}

/// How one dataset's sync ended.
struct DatasetOutcome {
    status: CorpSyncStatus,
    message: Option<String>,
    director: Option<CharacterId>,
    next_at_ms: i64,
}

impl CorporationSyncObject {
    /// One run at a time: a call while one is in flight waits for it and gets its report.
    async fn run(&self, ctx: &impl ObjectContext, corporation: CorporationId) -> SyncRunReport {
        // The run outlives this caller if it goes away: it runs on its own copy of the context.
        let ctx = ctx.clone();
        self.runs.run(corporation.0, move || async move { sync(&ctx, corporation).await }).await
    }
}

/// Takes the directors that lost their access out of rotation (telling their owners and the
/// corporation's admins why), syncs every dataset through the rest, records each outcome, and
/// re-arms the alarm for the earliest next sync.
async fn sync(ctx: &impl ObjectContext, corporation: CorporationId) -> SyncRunReport {
    let mut report = SyncRunReport { datasets: Vec::new() };
    let mut next_alarm = ctx.clock().now_ms() + SYNC_EVERY_MS;
    match ctx.postgres().await {
        Err(_) => next_alarm = ctx.clock().now_ms() + RETRY_MS,
        Ok(pg) => {
            remove_lost_directors(ctx, pg, corporation).await;
            for dataset in CorpDataset::ALL {
                let outcome = sync_dataset(ctx, pg, corporation, dataset).await;
                next_alarm = next_alarm.min(outcome.next_at_ms);
                let recorded = crate::record_status(
                    pg,
                    corporation.0,
                    dataset.as_str(),
                    outcome.status,
                    outcome.message.as_deref(),
                    outcome.director,
                    Some(outcome.next_at_ms),
                );
                if let Err(e) = recorded.await {
                    tracing::error!(error = %e, "recording the corporation sync status failed");
                }
                report.datasets.push(DatasetRunView {
                    dataset: dataset.as_str().into(),
                    status: outcome.status.as_str().into(),
                    message: outcome.message,
                });
            }
        }
    }
    if let Err(e) = ctx.set_alarm(next_alarm).await {
        tracing::error!(error = %e, "setting the corporation alarm failed");
    }
    report
}

async fn remove_lost_directors(ctx: &impl ObjectContext, pg: &impl Postgres, corporation: CorporationId) {
    let removed = match crate::remove_lost_directors(pg, corporation.0).await {
        Ok(removed) => removed,
        Err(e) => {
            tracing::error!(error = %e, "checking the directors failed");
            return;
        }
    };
    if removed.is_empty() {
        return;
    }
    let admins = rights::role_admins(pg, corporation.0).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "finding the corporation's admins failed");
        Vec::new()
    });
    let mut notifications = Vec::new();
    for director in &removed {
        let because = director.because.describe();
        tracing::info!(corporation = %corporation, director = %director.character_id, why = because, "director removed");
        let entry = Entry::new(Action::DirectorRemoved)
            .user(director.owner)
            .character(director.character_id)
            .detail(serde_json::json!({ "corporation_id": corporation, "reason": because }));
        audit(ctx, entry).await;
        let title = format!("{} no longer feeds its corporation's data: {because}", director.character_name);
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
    hub_notify::deliver(ctx, notifications).await;
}

async fn sync_dataset(
    ctx: &impl ObjectContext,
    pg: &impl Postgres,
    corporation: CorporationId,
    dataset: CorpDataset,
) -> DatasetOutcome {
    let parts = EsiParts::new(ctx);
    let esi = parts.client();
    let (paths, paged) = dataset.paths(corporation.0);
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
    let now = ctx.clock().now_ms();
    let failed = |status, e: &dyn std::fmt::Display, director, next_at_ms| DatasetOutcome {
        status,
        message: Some(e.to_string()),
        director,
        next_at_ms,
    };
    match crate::with_directors(pg, &StoreTokens { ctx }, corporation.0, fetch).await {
        Ok(synced) => {
            let (changed, expires, parts) = synced.value;
            if changed {
                if let Err(e) = crate::store(pg, corporation.0, dataset, parts).await {
                    return failed(CorpSyncStatus::Error, &e, Some(synced.director), now + RETRY_MS);
                }
            }
            let message = (!synced.failed_over.is_empty()).then(|| {
                let ids: Vec<String> = synced.failed_over.iter().map(ToString::to_string).collect();
                format!("failed over from {}", ids.join(", "))
            });
            DatasetOutcome {
                status: if changed { CorpSyncStatus::Ok } else { CorpSyncStatus::Unchanged },
                message,
                director: Some(synced.director),
                next_at_ms: expires.max(now + MIN_INTERVAL_MS).min(now + SYNC_EVERY_MS),
            }
        }
        Err(crate::CorpSyncError::Upstream(e)) => failed(CorpSyncStatus::Paused, &e, None, now + RETRY_MS),
        Err(e @ (crate::CorpSyncError::NoDirector | crate::CorpSyncError::AllDirectorsFailed(_))) => {
            failed(CorpSyncStatus::NoDirector, &e, None, now + SYNC_EVERY_MS)
        }
        Err(e) => failed(CorpSyncStatus::Error, &e, None, now + RETRY_MS),
    }
}
