//! The `NameResolver` object (one per deployment, in the eve-static-data worker): names ids through ESI
//! `POST /universe/names/` in batches of 1,000, splitting a batch that answers 404 (one invalid id fails
//! the whole batch) in halves until the bad ids are isolated; reads tickers, CEO and member counts from
//! `/corporations/{id}/` and `/alliances/{id}/` (cached in the object's SQLite until `Expires`); and
//! records everything in the entity cache (`eve_entities`), ids ESI does not know included.

use crate::api::{Name, NameCategory};
use hub_app::{internal, DurableLogic, ObjectContext};
use hub_domain::{CharacterId, CharacterRequest};
use hub_esi::rpc::EsiParts;
use hub_esi::{EsiError, Priority, Route};
use hub_http::ApiError;
use hub_ports::{Clock, PgValue, Postgres, SqlError, SqlStorage};
use hub_tokens::rpc::TokenStore;
use serde::{Deserialize, Serialize};

/// ESI's batch size for `/universe/names/`.
const BATCH: usize = 1000;
/// `/universe/names/` calls one resolve may make: bisection costs about two calls per bad id per
/// halving, so a request full of junk cannot spend the deployment's ESI error budget.
const MAX_NAME_CALLS: i64 = 24;
/// Detail reads (tickers) one resolve may make; the rest are named now and detailed next time.
const MAX_DETAIL_CALLS: usize = 50;
const DETAIL_CONCURRENCY: usize = 8;
/// Names are kept a week, details a day, ids ESI does not know a day; tickers not yet read an hour.
const NAME_REFRESH_SECS: i64 = 7 * 86_400;
const DETAIL_REFRESH_SECS: i64 = 86_400;
const UNKNOWN_REFRESH_SECS: i64 = 86_400;
const NO_DETAIL_REFRESH_SECS: i64 = 3_600;
/// ESI counts every 404 against the deployment's error limit (100 a minute), so one user may cause
/// this many in a window; past it their unknown ids wait ("unavailable") and everyone else's sync
/// keeps its budget.
pub const USER_ERROR_BUDGET: i64 = 20;
const USER_ERROR_WINDOW_MS: i64 = 15 * 60_000;

/// The one resolver of the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolver;

impl hub_rpc::ObjectKey for Resolver {
    fn object_name(&self) -> String {
        "names".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveRequest {
    pub ids: Vec<i64>,
    /// Who asked: the 404s the ids cause count against their budget.
    pub asked_by: String,
    /// Player structures to name with a token of one of `characters` (the asker's own, holding
    /// the structures scope).
    #[serde(default)]
    pub structures: Vec<i64>,
    #[serde(default)]
    pub characters: Vec<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResolveReport {
    pub names: Vec<Name>,
    /// ESI does not know them.
    pub not_found: Vec<i64>,
    /// ESI could not be asked (its error limit, an outage, this call's budget): not recorded.
    pub unavailable: Vec<i64>,
    /// `/universe/names/` calls made.
    pub name_calls: i64,
    /// Of those and the structure reads, the ones ESI refused (404, 403): each counts against
    /// ESI's error limit.
    #[serde(default)]
    pub error_calls: i64,
    /// Structures a character of the asker may read.
    #[serde(default)]
    pub structures: Vec<Name>,
    /// Structures none of the asker's characters may read.
    #[serde(default)]
    pub structures_denied: Vec<i64>,
}

hub_rpc::rpc_interface! {
    /// Served by the `EveStaticData` object named "names".
    pub interface NameResolver as "names", handler NameResolverHandler, client NameResolverClient, object EVE_STATIC_DATA by Resolver {
        fn resolve(ResolveRequest) -> ResolveReport;
    }
}

pub struct ResolverObject;

impl DurableLogic for ResolverObject {
    fn new() -> Self {
        ResolverObject
    }

    fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
        hub_esi::cache::migrate(storage)?;
        storage.exec(
            "CREATE TABLE IF NOT EXISTS name_errors (asked_by TEXT NOT NULL, at_ms INTEGER NOT NULL, errors INTEGER NOT NULL)",
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
        NameResolver::serve(&Calls { ctx }, interface, method, body).await
    }
}

struct Calls<'a, C> {
    ctx: &'a C,
}

#[derive(Deserialize)]
struct EsiName {
    id: i64,
    name: String,
    category: String,
}

#[derive(Deserialize)]
struct EsiDetail {
    ticker: Option<String>,
    ceo_id: Option<i64>,
    member_count: Option<i64>,
    alliance_id: Option<i64>,
}

/// One row for `eve_entities`.
#[derive(Serialize)]
struct EntityRow {
    entity_id: i64,
    category: String,
    name: Option<String>,
    ticker: Option<String>,
    alliance_id: Option<i64>,
    ceo_id: Option<i64>,
    member_count: Option<i64>,
    refresh_secs: i64,
}

impl<C: ObjectContext> NameResolverHandler for Calls<'_, C> {
    async fn resolve(&self, request: ResolveRequest) -> Result<ResolveReport, ApiError> {
        let parts = EsiParts::new(self.ctx);
        let esi = parts.client();
        let mut report = ResolveReport::default();
        let storage = self.ctx.storage();
        let now = self.ctx.clock().now_ms();
        let budget =
            (USER_ERROR_BUDGET - errors_in_window(storage, &request.asked_by, now).map_err(internal)?).max(0);
        let found = universe_names(&esi, &request.ids, budget, &mut report).await;
        structure_names(self.ctx, &esi, &request, budget, &mut report).await;
        if report.error_calls > 0 {
            record_errors(storage, &request.asked_by, now, report.error_calls).map_err(internal)?;
            if report.error_calls >= budget {
                tracing::warn!(
                    errors = report.error_calls,
                    "a user reached their budget of invalid ids to name"
                );
            }
        }

        // Tickers and the rest, for corporations and alliances.
        let detailed: Vec<(usize, String)> = found
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match n.category.as_str() {
                "corporation" => Some((i, format!("/corporations/{}/", n.id))),
                "alliance" => Some((i, format!("/alliances/{}/", n.id))),
                _ => None,
            })
            .take(MAX_DETAIL_CALLS)
            .collect();
        let details: Vec<(usize, Option<EsiDetail>)> = {
            use futures::StreamExt;
            let esi = &esi;
            futures::stream::iter(detailed)
                .map(|(i, path)| async move {
                    let detail = esi
                        .get(&Route::public(path, Priority::Background))
                        .await
                        .ok()
                        .and_then(|f| serde_json::from_slice::<EsiDetail>(&f.body).ok());
                    (i, detail)
                })
                .buffer_unordered(DETAIL_CONCURRENCY)
                .collect()
                .await
        };
        let mut detail_of: Vec<Option<EsiDetail>> = found.iter().map(|_| None).collect();
        for (i, detail) in details {
            detail_of[i] = detail;
        }

        let mut rows = Vec::with_capacity(found.len() + report.not_found.len());
        for (name, detail) in found.into_iter().zip(detail_of) {
            let Some(category) = NameCategory::parse(&name.category) else { continue };
            let needs_detail = matches!(category, NameCategory::Corporation | NameCategory::Alliance);
            let refresh_secs = match (&detail, needs_detail) {
                (_, false) => NAME_REFRESH_SECS,
                (Some(_), true) => DETAIL_REFRESH_SECS,
                (None, true) => NO_DETAIL_REFRESH_SECS,
            };
            let ticker = detail.as_ref().and_then(|d| d.ticker.clone());
            rows.push(EntityRow {
                entity_id: name.id,
                category: name.category.clone(),
                name: Some(name.name.clone()),
                ticker: ticker.clone(),
                alliance_id: detail.as_ref().and_then(|d| d.alliance_id),
                ceo_id: detail.as_ref().and_then(|d| d.ceo_id),
                member_count: detail.as_ref().and_then(|d| d.member_count),
                refresh_secs,
            });
            report.names.push(Name {
                id: name.id,
                category,
                name: name.name,
                ticker,
                security: None,
                group: None,
            });
        }
        rows.extend(report.not_found.iter().map(|id| EntityRow {
            entity_id: *id,
            category: "unknown".into(),
            name: None,
            ticker: None,
            alliance_id: None,
            ceo_id: None,
            member_count: None,
            refresh_secs: UNKNOWN_REFRESH_SECS,
        }));
        if !rows.is_empty() {
            record(self.ctx, &rows).await?;
        }
        Ok(report)
    }
}

/// `GET /universe/structures/{id}/` with each of the asker's characters in turn until one may
/// read it; refusals count against `error_budget` (shared with the names' 404s).
async fn structure_names<C: ObjectContext, E: Structures>(
    ctx: &C,
    esi: &E,
    request: &ResolveRequest,
    error_budget: i64,
    report: &mut ResolveReport,
) {
    let mut named: Vec<(i64, String, Option<i64>)> = Vec::new();
    'structures: for &id in &request.structures {
        let mut refused = 0;
        for &character in &request.characters {
            if report.error_calls >= error_budget {
                report.unavailable.push(id);
                continue 'structures;
            }
            let character = CharacterId(character);
            let token = async {
                ctx.stub::<TokenStore>(&character)?
                    .access_token(&CharacterRequest { character_id: character })
                    .await
            }
            .await;
            let Ok(token) = token else {
                // A dead grant or a missing token: the next character may do.
                refused += 1;
                continue;
            };
            let route = Route::authenticated(
                format!("/universe/structures/{id}/"),
                character,
                token.token,
                Priority::Essential,
            );
            match esi.structure(&route).await {
                Ok(body) => match serde_json::from_slice::<EsiStructure>(&body) {
                    Ok(s) => {
                        named.push((id, s.name, s.solar_system_id));
                        continue 'structures;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "ESI answered a structure with an unreadable body");
                        report.unavailable.push(id);
                        continue 'structures;
                    }
                },
                Err(EsiError::Forbidden(_) | EsiError::NotFound) => {
                    report.error_calls += 1;
                    refused += 1;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "ESI could not name a structure");
                    report.unavailable.push(id);
                    continue 'structures;
                }
            }
        }
        if refused > 0 {
            report.structures_denied.push(id);
        } else {
            report.unavailable.push(id);
        }
    }
    if named.is_empty() {
        return;
    }
    // The system's security, as stations carry it.
    let systems: Vec<i64> = named.iter().filter_map(|(_, _, system)| *system).collect();
    let security: std::collections::HashMap<i64, f64> = match ctx.postgres().await {
        Ok(pg) => crate::read::system_security(pg, &systems).await.unwrap_or_default(),
        Err(_) => std::collections::HashMap::new(),
    };
    for (id, name, system) in named {
        report.structures.push(Name {
            id,
            category: NameCategory::Structure,
            name,
            ticker: None,
            security: system.and_then(|s| security.get(&s).copied()),
            group: None,
        });
    }
}

#[derive(Deserialize)]
struct EsiStructure {
    name: String,
    solar_system_id: Option<i64>,
}

/// The 404s `asked_by` caused in the window (older ones are forgotten here).
fn errors_in_window(storage: &impl SqlStorage, asked_by: &str, now_ms: i64) -> Result<i64, SqlError> {
    storage.exec(
        "DELETE FROM name_errors WHERE at_ms < ?",
        &[hub_ports::SqlValue::Integer(now_ms - USER_ERROR_WINDOW_MS)],
    )?;
    let rows = storage.exec(
        "SELECT coalesce(sum(errors), 0) FROM name_errors WHERE asked_by = ?",
        &[hub_ports::SqlValue::Text(asked_by.to_owned())],
    )?;
    Ok(rows.first().and_then(|r| r.first()).and_then(hub_ports::SqlValue::as_i64).unwrap_or(0))
}

fn record_errors(
    storage: &impl SqlStorage,
    asked_by: &str,
    now_ms: i64,
    errors: i64,
) -> Result<(), SqlError> {
    storage.exec(
        "INSERT INTO name_errors (asked_by, at_ms, errors) VALUES (?, ?, ?)",
        &[
            hub_ports::SqlValue::Text(asked_by.to_owned()),
            hub_ports::SqlValue::Integer(now_ms),
            hub_ports::SqlValue::Integer(errors),
        ],
    )?;
    Ok(())
}

/// `POST /universe/names/` in batches, 404s bisected, at most `error_budget` 404s; what ESI did
/// not name is recorded in `report`.
async fn universe_names(
    esi: &impl Names,
    ids: &[i64],
    error_budget: i64,
    report: &mut ResolveReport,
) -> Vec<EsiName> {
    let route = Route::public("/universe/names/", Priority::Background);
    let mut found: Vec<EsiName> = Vec::new();
    let mut batches: Vec<Vec<i64>> = ids.chunks(BATCH).map(<[i64]>::to_vec).collect();
    let mut stop = false;
    while let Some(batch) = batches.pop() {
        if stop || report.name_calls >= MAX_NAME_CALLS || report.error_calls >= error_budget {
            report.unavailable.extend(batch);
            continue;
        }
        report.name_calls += 1;
        match esi.post(&route, &serde_json::json!(batch)).await {
            Ok((200, body)) => match serde_json::from_slice::<Vec<EsiName>>(&body) {
                Ok(names) => found.extend(names),
                Err(e) => {
                    tracing::warn!(error = %e, "ESI answered /universe/names/ with an unreadable body");
                    report.unavailable.extend(batch);
                }
            },
            // One or more ids are invalid: halve until each bad id stands alone.
            Ok((404, _)) if batch.len() == 1 => {
                report.error_calls += 1;
                report.not_found.push(batch[0]);
            }
            Ok((404, _)) => {
                report.error_calls += 1;
                let (left, right) = batch.split_at(batch.len() / 2);
                batches.push(right.to_vec());
                batches.push(left.to_vec());
            }
            Ok((status, _)) => {
                tracing::warn!(status, "ESI refused /universe/names/");
                report.unavailable.extend(batch);
            }
            Err(e) => {
                tracing::warn!(error = %e, "ESI /universe/names/ failed");
                report.unavailable.extend(batch);
                // The breaker or ESI itself says stop: no further calls this time.
                stop = matches!(e, EsiError::ErrorLimited { .. } | EsiError::RateLimited { .. });
            }
        }
    }

    found
}

/// What [`structure_names`] needs of the ESI client.
trait Structures {
    async fn structure(&self, route: &Route) -> Result<Vec<u8>, EsiError>;
}

impl<H, S, C, B, Z, R> Structures for hub_esi::Esi<'_, H, S, C, B, Z, R>
where
    H: hub_ports::HttpTransport,
    S: SqlStorage,
    C: hub_ports::Clock,
    B: hub_esi::ErrorBudget,
    Z: hub_ports::Sleep,
    R: hub_ports::Random,
{
    async fn structure(&self, route: &Route) -> Result<Vec<u8>, EsiError> {
        self.get(route).await.map(|fetched| fetched.body)
    }
}

/// What [`universe_names`] needs of the ESI client.
trait Names {
    async fn post(&self, route: &Route, body: &serde_json::Value) -> Result<(u16, Vec<u8>), EsiError>;
}

impl<H, S, C, B, Z, R> Names for hub_esi::Esi<'_, H, S, C, B, Z, R>
where
    H: hub_ports::HttpTransport,
    S: SqlStorage,
    C: hub_ports::Clock,
    B: hub_esi::ErrorBudget,
    Z: hub_ports::Sleep,
    R: hub_ports::Random,
{
    async fn post(&self, route: &Route, body: &serde_json::Value) -> Result<(u16, Vec<u8>), EsiError> {
        self.post_json(route, body).await
    }
}

async fn record(ctx: &impl ObjectContext, rows: &[EntityRow]) -> Result<(), ApiError> {
    let json = serde_json::to_value(rows).map_err(internal)?;
    ctx.postgres()
        .await?
        .execute(
            "INSERT INTO eve_entities (entity_id, category, name, ticker, alliance_id, ceo_id, member_count, resolved_at, refresh_after)
             SELECT x.entity_id, x.category, x.name, x.ticker, x.alliance_id, x.ceo_id, x.member_count, now(),
                    now() + x.refresh_secs * interval '1 second'
             FROM jsonb_to_recordset($1::jsonb) AS x (entity_id bigint, category text, name text, ticker text,
                  alliance_id bigint, ceo_id bigint, member_count bigint, refresh_secs bigint)
             ON CONFLICT (entity_id) DO UPDATE SET category = excluded.category, name = excluded.name,
                 ticker = coalesce(excluded.ticker, eve_entities.ticker),
                 -- A corporation read just now says its alliance, none included.
                 alliance_id = CASE WHEN excluded.member_count IS NOT NULL THEN excluded.alliance_id
                                    ELSE eve_entities.alliance_id END,
                 ceo_id = coalesce(excluded.ceo_id, eve_entities.ceo_id),
                 member_count = coalesce(excluded.member_count, eve_entities.member_count),
                 resolved_at = now(), refresh_after = excluded.refresh_after",
            &[PgValue::Json(json)],
        )
        .await
        .map_err(internal)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// An ESI that knows every id but `invalid`, and counts its calls.
    struct FakeEsi {
        invalid: Vec<i64>,
        calls: RefCell<Vec<usize>>,
        fail_from_call: Option<usize>,
    }

    impl Names for FakeEsi {
        async fn post(&self, _: &Route, body: &serde_json::Value) -> Result<(u16, Vec<u8>), EsiError> {
            let ids: Vec<i64> = serde_json::from_value(body.clone()).unwrap();
            self.calls.borrow_mut().push(ids.len());
            if self.fail_from_call.is_some_and(|n| self.calls.borrow().len() >= n) {
                return Err(EsiError::ErrorLimited { reset_at_ms: 0 });
            }
            if ids.iter().any(|id| self.invalid.contains(id)) {
                return Ok((404, br#"{"error":"Ensure all IDs are valid before resolving."}"#.to_vec()));
            }
            let names: Vec<_> = ids.iter().map(|id| serde_json::json!({ "id": id, "name": format!("Pilot {id}"), "category": "character" })).collect();
            Ok((200, serde_json::to_vec(&names).unwrap()))
        }
    }

    fn report() -> ResolveReport {
        ResolveReport::default()
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    #[test]
    fn a_batch_with_an_invalid_id_is_halved_until_the_id_stands_alone() {
        let ids: Vec<i64> = (90_000_000..90_002_500).collect();
        let esi = FakeEsi { invalid: vec![90_001_234], calls: RefCell::default(), fail_from_call: None };
        let mut report = report();
        let found = run(universe_names(&esi, &ids, USER_ERROR_BUDGET * 2, &mut report));
        assert_eq!(found.len(), 2499);
        assert_eq!(report.not_found, [90_001_234]);
        assert!(report.unavailable.is_empty());
        // Three batches (1,000, 1,000, 500); the bad one halved down to one id: 1 + 2 per level.
        let calls = esi.calls.borrow();
        assert_eq!(calls.iter().filter(|n| **n == 1000).count(), 2, "{calls:?}");
        assert_eq!(calls.len(), 3 + 2 * 10, "{calls:?}");
        assert_eq!(report.name_calls, 23);
    }

    #[test]
    fn junk_cannot_spend_more_than_the_call_budget() {
        let ids: Vec<i64> = (90_000_000..90_001_000).collect();
        let invalid: Vec<i64> = ids.iter().copied().step_by(7).collect();
        let esi = FakeEsi { invalid, calls: RefCell::default(), fail_from_call: None };
        let mut report = report();
        run(universe_names(&esi, &ids, USER_ERROR_BUDGET * 2, &mut report));
        assert_eq!(report.name_calls, MAX_NAME_CALLS);
        assert_eq!(esi.calls.borrow().len(), 24);
        assert!(!report.unavailable.is_empty(), "what was not asked is unavailable, not unknown");
    }

    #[test]
    fn one_user_cannot_spend_more_than_their_error_budget() {
        let ids: Vec<i64> = (90_000_000..90_001_000).collect();
        let invalid: Vec<i64> = ids.iter().copied().step_by(7).collect();
        let esi = FakeEsi { invalid, calls: RefCell::default(), fail_from_call: None };
        let mut report = report();
        run(universe_names(&esi, &ids, 5, &mut report));
        assert_eq!(report.error_calls, 5);
        assert_eq!(esi.calls.borrow().len(), 5, "no call after the fifth 404");
        // A user who spent it all asks ESI nothing.
        let esi = FakeEsi { invalid: vec![], calls: RefCell::default(), fail_from_call: None };
        let mut report = self::report();
        run(universe_names(&esi, &ids, 0, &mut report));
        assert!(esi.calls.borrow().is_empty());
        assert_eq!(report.unavailable.len(), 1000);
    }

    #[test]
    fn the_error_budget_is_per_user_and_forgets_after_the_window() {
        let storage = hub_native::SqliteStorage::in_memory();
        ResolverObject::migrate(&storage).unwrap();
        record_errors(&storage, "alice", 1_000, 15).unwrap();
        record_errors(&storage, "alice", 2_000, 5).unwrap();
        assert_eq!(errors_in_window(&storage, "alice", 3_000).unwrap(), 20);
        assert_eq!(errors_in_window(&storage, "bob", 3_000).unwrap(), 0);
        assert_eq!(errors_in_window(&storage, "alice", 1_500 + USER_ERROR_WINDOW_MS).unwrap(), 5);
    }

    #[test]
    fn the_error_limit_stops_the_calls() {
        let ids: Vec<i64> = (90_000_000..90_003_000).collect();
        let esi = FakeEsi { invalid: vec![], calls: RefCell::default(), fail_from_call: Some(1) };
        let mut report = report();
        let found = run(universe_names(&esi, &ids, USER_ERROR_BUDGET * 2, &mut report));
        assert!(found.is_empty());
        assert_eq!(esi.calls.borrow().len(), 1);
        assert_eq!(report.unavailable.len(), 3000);
    }
}
