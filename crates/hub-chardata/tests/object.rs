//! The character sync object natively: its schedule on a manual clock, its tokens from a token
//! store served in process, ESI played by a scripted peer, and the services it writes through.

use hub_accounts::rpc::Accounts;
use hub_app::{DurableLogic, ObjectContext};
use hub_chardata::object::CharacterSyncObject;
use hub_chardata::read;
use hub_chardata::schedule::{self, SyncStatus, MIN_INTERVAL_MS};
use hub_domain::{CharacterId, CharacterRequest, Service};
use hub_esi::rpc::{BudgetObject, EsiBudget};
use hub_esi::sync::{CorporationSync, SyncRunReport};
use hub_groups::GroupRules;
use hub_native::pg::{connect, TestDatabase};
use hub_native::TestContext;
use hub_ports::{Clock, OutboundResponse, PgValue, Postgres, ScriptedTransport};
use hub_rpc::bindings;
use hub_tokens::rpc::TokenStore;

const NOW: i64 = 1_800_000_000_000;

/// ESI: the character's public info, and 404 for everything else.
fn esi() -> ScriptedTransport {
    ScriptedTransport::responder(|request| {
        let (status, body) = if request.url.ends_with("/characters/77/") {
            (200, r#"{"name":"Pilot","corporation_id":98000002,"alliance_id":99000001}"#)
        } else {
            (404, r#"{"error":"not found"}"#)
        };
        Ok(OutboundResponse { status, headers: Vec::new(), body: body.as_bytes().to_vec() })
    })
}

async fn call(logic: &CharacterSyncObject, ctx: &TestContext, method: &str) -> Vec<u8> {
    let body = serde_json::to_vec(&CharacterRequest { character_id: CharacterId(77) }).unwrap();
    logic.call(ctx, "character-sync", method, &body).await.unwrap()
}

#[tokio::test]
async fn a_started_character_syncs_on_its_schedule_and_stops_what_its_token_does_not_allow() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let user = uuid::Uuid::new_v4();
    pg.execute("INSERT INTO users (id) VALUES ($1)", &[PgValue::Uuid(user)]).await.unwrap();
    pg.execute(
        "INSERT INTO characters (id, user_id, name, owner_hash) VALUES (77, $1, 'Pilot', 'h')",
        &[PgValue::Uuid(user)],
    )
    .await
    .unwrap();

    let worker = TestContext::new(Service::EveCharacterData, connect(&db.url).await.unwrap(), NOW)
        .with_http(esi())
        .with_setting("ESI_BASE_URL", "https://esi.test");
    worker.serve::<EsiBudget, _, _>(|ctx, method, body| async move {
        BudgetObject.call(&ctx, "esi-budget", &method, &body).await
    });
    // The character has no token stored: every dataset that needs one stops, saying why.
    worker.serve::<TokenStore, _, _>(|_ctx, method, _body| async move {
        assert_eq!(method, "health", "nothing asks for an access token without a stored token");
        Ok(b"null".to_vec())
    });
    worker.serve::<CorporationSync, _, _>(|_ctx, _method, _body| async move { Ok(b"null".to_vec()) });
    worker.serve::<Accounts, _, _>(|ctx, method, body| async move {
        Accounts::dispatch(&hub_auth::AccountsService { ctx: &ctx }, &method, &body).await
    });
    worker.serve::<GroupRules, _, _>(|ctx, method, body| async move {
        GroupRules::dispatch(&hub_groups::GroupRulesService { ctx: &ctx }, &method, &body).await
    });

    BudgetObject::migrate(worker.object(bindings::ESI_BUDGET, "global").storage()).unwrap();
    let object = worker.object(bindings::EVE_CHARACTER_DATA, "77");
    CharacterSyncObject::migrate(object.storage()).unwrap();
    let logic = CharacterSyncObject::new();
    assert_eq!(object.alarm(), None);
    call(&logic, &object, "start").await;
    assert_eq!(object.alarm(), Some(NOW), "a start makes everything due now");

    logic.alarm(&object).await;
    let statuses = read::sync_status(&pg, CharacterId(77)).await.unwrap();
    let status_of = |dataset: &str| statuses.iter().find(|s| s.dataset == dataset).map(|s| s.status);
    assert_eq!(status_of("public"), Some(SyncStatus::Ok), "{statuses:?}");
    assert_eq!(status_of("wallet"), Some(SyncStatus::NoToken));
    assert_eq!(status_of("roles"), Some(SyncStatus::NoToken));
    let affiliation = pg.query("SELECT corporation_id FROM characters WHERE id = 77", &[]).await.unwrap();
    assert_eq!(affiliation[0].int(0).unwrap(), 98_000_002, "recorded through the accounts service");
    assert!(worker.calls().contains(&"accounts.record_affiliation".to_owned()), "{:?}", worker.calls());

    // Only the public info is scheduled again, a minute on (ESI sent no `Expires`); the stopped
    // datasets do not wake the object.
    let next = NOW + MIN_INTERVAL_MS;
    assert_eq!(object.alarm(), Some(next));
    assert!(schedule::due(object.storage(), next - 1, false).unwrap().is_empty());
    worker.clock().set_ms(next);
    assert_eq!(
        schedule::due(object.storage(), worker.clock().now_ms(), false).unwrap(),
        [hub_chardata::Dataset::Public]
    );
    let calls_before = worker.calls().len();
    logic.alarm(&object).await;
    let requests = worker.http().requests();
    assert_eq!(
        requests.iter().filter(|r| r.url.ends_with("/characters/77/")).count(),
        2,
        "the second run fetched the public info again, and nothing else"
    );
    let later: Vec<String> = worker.calls()[calls_before..].to_vec();
    assert!(
        later.contains(&"accounts.record_affiliation".to_owned())
            && !later.contains(&"group-rules.reevaluate_user".to_owned()),
        "the same affiliation changes nothing, so no rules run again: {later:?}"
    );

    // "Sync now" runs everything, stopped or not, and says how each went.
    let report: SyncRunReport = serde_json::from_slice(&call(&logic, &object, "sync_now").await).unwrap();
    assert_eq!(report.datasets.len(), hub_chardata::Dataset::ALL.len());
    assert!(report.datasets.iter().any(|d| d.dataset == "wallet" && d.status == "no_token"), "{report:?}");
}
