//! Syncing into a real, migrated Postgres, with ESI answers played by a fake `Fetch`.

use hub_accounts::rpc::Accounts;
use hub_chardata::{read, sync, Dataset, SyncError, Synced};
use hub_domain::{CharacterId, Service};
use hub_esi::{EsiError, Fetch, Fetched, Paged, Route, Source};
use hub_groups::GroupRules;
use hub_native::pg::{connect, TestDatabase};
use hub_native::TestContext;
use hub_ports::{OsRandom, PgValue, Postgres, Random};
use std::cell::RefCell;
use std::collections::HashMap;

/// ESI as a map from path to (body pages, changed).
#[derive(Default)]
struct FakeEsi {
    answers: RefCell<HashMap<String, (Vec<String>, bool)>>,
}

impl FakeEsi {
    fn set(&self, path: &str, pages: Vec<String>, changed: bool) {
        self.answers.borrow_mut().insert(path.to_owned(), (pages, changed));
    }
}

impl Fetch for FakeEsi {
    async fn get(&self, route: &Route) -> Result<Fetched, EsiError> {
        let (pages, changed) = self.answers.borrow().get(&route.path).cloned().ok_or(EsiError::NotFound)?;
        Ok(Fetched {
            body: pages[0].clone().into_bytes(),
            pages: 1,
            last_modified: None,
            expires_at_ms: 42,
            source: if changed { Source::Network } else { Source::NotModified },
        })
    }

    async fn get_all_pages(&self, route: &Route) -> Result<Paged, EsiError> {
        let (pages, changed) = self.answers.borrow().get(&route.path).cloned().ok_or(EsiError::NotFound)?;
        Ok(Paged { pages: pages.into_iter().map(String::into_bytes).collect(), changed, expires_at_ms: 42 })
    }
}

/// The eve-character-data worker's context, with the accounts and groups services it writes
/// through served in-process.
fn worker_context(pg: hub_postgres::pg::PgClient) -> TestContext {
    let ctx = TestContext::new(Service::EveCharacterData, pg, 1_000);
    ctx.serve::<Accounts, _, _>(|ctx, method, body| async move {
        Accounts::dispatch(&hub_auth::AccountsService { ctx: &ctx }, &method, &body).await
    });
    ctx.serve::<GroupRules, _, _>(|ctx, method, body| async move {
        GroupRules::dispatch(&hub_groups::GroupRulesService { ctx: &ctx }, &method, &body).await
    });
    ctx
}

/// Syncs one dataset as the character's object does: a new affiliation goes to the services.
async fn sync_through(
    ctx: &TestContext,
    esi: &FakeEsi,
    character: CharacterId,
    token: Option<String>,
    dataset: Dataset,
) -> Result<Synced, SyncError> {
    let pg = hub_app::Context::postgres(ctx).await.unwrap();
    let synced = sync(esi, pg, character, token, dataset).await?;
    if let Some(affiliation) = &synced.affiliation {
        hub_chardata::object::apply_affiliation(ctx, pg, affiliation).await?;
    }
    Ok(synced)
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one character's data, dataset after dataset
async fn datasets_land_in_postgres_and_new_affiliations_move_group_memberships() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let ctx = worker_context(connect(&db.url).await.unwrap());
    let user = OsRandom.uuid_v4();
    pg.execute("INSERT INTO users (id) VALUES ($1)", &[PgValue::Uuid(user)]).await.unwrap();
    pg.execute(
        "INSERT INTO characters (id, user_id, name, owner_hash, corporation_id) VALUES (77, $1, 'Pilot', 'h', 98000001)",
        &[PgValue::Uuid(user)],
    )
    .await
    .unwrap();
    // A group that joins members of corporation 98000002 automatically.
    let admin = hub_groups::Caller { user_id: hub_domain::UserId(user), site_admin: true };
    let category = hub_groups::create_category(
        &pg,
        &OsRandom,
        &admin,
        &hub_groups::NewCategory {
            name: "Corp".into(),
            description: String::new(),
            permission: hub_groups::CategoryPermission::AdminOnly,
        },
    )
    .await
    .unwrap();
    let other = OsRandom.uuid_v4();
    pg.execute("INSERT INTO users (id) VALUES ($1)", &[PgValue::Uuid(other)]).await.unwrap();
    let owner = hub_groups::Caller { user_id: hub_domain::UserId(other), site_admin: true };
    let group = hub_groups::create_group(
        &pg,
        &OsRandom,
        &owner,
        &hub_groups::NewGroup {
            category_id: category.id,
            name: "Members".into(),
            description: String::new(),
            visibility: hub_groups::Visibility::System,
            join_mode: hub_groups::JoinMode::Open,
        },
    )
    .await
    .unwrap()
    .group
    .id;
    let rule = hub_groups::NewRule {
        kind: hub_groups::AffiliationKind::Corporation,
        entity_id: 98_000_002,
        effect: hub_groups::RuleEffect::AutoJoin,
    };
    hub_groups::add_rule(&pg, &OsRandom, &owner, group, &rule).await.unwrap();

    let esi = FakeEsi::default();
    let character = CharacterId(77);
    esi.set(
        "/characters/77/",
        vec![r#"{"name":"Pilot","corporation_id":98000002,"alliance_id":99000001}"#.into()],
        true,
    );
    let synced = sync_through(&ctx, &esi, character, None, Dataset::Public).await.unwrap();
    assert!(synced.changed);
    assert_eq!(
        ctx.calls(),
        [
            "accounts.record_affiliation",
            // The owners tell Discord: the new corporation, then the group the rule moved them into.
            "entitlements.changed",
            "group-rules.reevaluate_user",
            "entitlements.changed"
        ],
        "written through their owners"
    );
    let member = pg
        .query(
            "SELECT source FROM group_members WHERE group_id = $1 AND user_id = $2",
            &[PgValue::Uuid(group), PgValue::Uuid(user)],
        )
        .await
        .unwrap();
    assert_eq!(member.len(), 1, "the new corporation's rule joined the user");

    esi.set("/characters/77/wallet/", vec!["12345678901.23".into()], true);
    sync(&esi, &pg, character, Some("t".into()), Dataset::Wallet).await.unwrap();
    assert_eq!(
        read::wallet_balance(&pg, character).await.unwrap().as_deref(),
        Some("12345678901.23"),
        "NUMERIC, exact"
    );

    let journal = |n: i64| {
        let entries: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"id":{},"date":"2026-11-26T10:00:00Z","ref_type":"bounty_prizes","amount":1.5,"balance":10.25}}"#, 9_007_199_254_740_993_i64 + i))
            .collect();
        format!("[{}]", entries.join(","))
    };
    esi.set("/characters/77/wallet/journal/", vec![journal(3)], true);
    sync(&esi, &pg, character, Some("t".into()), Dataset::WalletJournal).await.unwrap();
    sync(&esi, &pg, character, Some("t".into()), Dataset::WalletJournal).await.unwrap();
    let entries = read::journal(&pg, character, Some("bounty_prizes"), None, 10).await.unwrap();
    assert_eq!(entries.len(), 3, "entries are added once");
    assert_eq!(entries[0].id, "9007199254740995", "ids beyond 2^53 stay exact as strings");

    // The balance chart: the last balance of each day, oldest first.
    let next_day = r#"[{"id":9007199254741100,"date":"2026-11-27T18:00:00Z","ref_type":"bounty_prizes","amount":1.0,"balance":30.5},
        {"id":9007199254741000,"date":"2026-11-27T09:00:00Z","ref_type":"bounty_prizes","amount":1.0,"balance":20.0}]"#;
    esi.set("/characters/77/wallet/journal/", vec![next_day.to_owned()], true);
    sync(&esi, &pg, character, Some("t".into()), Dataset::WalletJournal).await.unwrap();
    let history = read::wallet_history(&pg, character, 90).await.unwrap().points;
    let points: Vec<(i64, f64)> = history.iter().map(|p| (p.day_ms, p.balance.parse().unwrap())).collect();
    assert_eq!(points, [(1_795_651_200_000, 10.25), (1_795_737_600_000, 30.5)], "{history:?}");
    assert_eq!(read::wallet_history(&pg, character, 1).await.unwrap().points.len(), 1, "only the last days");

    let assets = |count: usize, quantity: i64| -> Vec<String> {
        (0..count)
            .collect::<Vec<_>>()
            .chunks(1000)
            .map(|chunk| {
                let items: Vec<String> = chunk
                    .iter()
                    .map(|i| format!(r#"{{"item_id":{},"type_id":34,"location_id":60003760,"location_type":"station","location_flag":"Hangar","quantity":{quantity},"is_singleton":false}}"#, 1_000_000_000_000 + i))
                    .collect();
                format!("[{}]", items.join(","))
            })
            .collect()
    };
    esi.set("/characters/77/assets/", assets(2500, 1), true);
    assert_eq!(sync(&esi, &pg, character, Some("t".into()), Dataset::Assets).await.unwrap().rows, 2500);
    esi.set("/characters/77/assets/", assets(1200, 5), true);
    sync(&esi, &pg, character, Some("t".into()), Dataset::Assets).await.unwrap();
    let at_jita = read::AssetFilter { location_id: Some(60_003_760), type_ids: Some(vec![34]) };
    let page = read::assets(&pg, character, &at_jita, 10, 0).await.unwrap();
    assert_eq!((page.total, page.assets[0].quantity), (1200, 5), "assets are replaced as a whole");
    let none_of = read::AssetFilter { location_id: None, type_ids: Some(vec![35, 36]) };
    assert_eq!(
        read::assets(&pg, character, &none_of, 10, 0).await.unwrap().total,
        0,
        "only the types asked for"
    );
    let no_types = read::AssetFilter { location_id: None, type_ids: Some(vec![]) };
    assert_eq!(
        read::assets(&pg, character, &no_types, 10, 0).await.unwrap().total,
        0,
        "a search that matched nothing"
    );
    let locations = read::asset_locations(&pg, character).await.unwrap().locations;
    assert_eq!(
        locations.iter().map(|l| (l.location_id, l.items)).collect::<Vec<_>>(),
        [(60_003_760, 1200)],
        "one place, with its stacks counted"
    );

    // Unchanged data writes nothing.
    esi.set("/characters/77/assets/", assets(1, 9), false);
    let unchanged = sync(&esi, &pg, character, Some("t".into()), Dataset::Assets).await.unwrap();
    assert_eq!((unchanged.changed, unchanged.rows), (false, 0));
    assert_eq!(read::assets(&pg, character, &read::AssetFilter::default(), 1, 0).await.unwrap().total, 1200);

    hub_chardata::record_status(
        &pg,
        character,
        Dataset::Assets,
        hub_chardata::schedule::SyncStatus::Unchanged,
        None,
        Some(1_800_000_000_000),
    )
    .await
    .unwrap();
    let status = read::sync_status(&pg, character).await.unwrap();
    assert_eq!((status[0].dataset.as_str(), status[0].next_sync_at_ms), ("assets", Some(1_800_000_000_000)));
}

async fn roles_of(pg: &impl Postgres, character: i64) -> Option<(i64, Vec<String>)> {
    let rows = pg
        .query(
            "SELECT corporation_id, roles FROM character_roles WHERE character_id = $1",
            &[PgValue::Int(character)],
        )
        .await
        .unwrap();
    rows.first().map(|r| {
        let roles = match r.get(1).unwrap() {
            PgValue::TextArray(roles) => roles.clone(),
            other => panic!("{other:?}"),
        };
        (r.int(0).unwrap(), roles)
    })
}

#[tokio::test]
async fn roles_are_recorded_for_the_current_corporation_and_forgotten_when_it_changes() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let ctx = worker_context(connect(&db.url).await.unwrap());
    let user = OsRandom.uuid_v4();
    pg.execute("INSERT INTO users (id) VALUES ($1)", &[PgValue::Uuid(user)]).await.unwrap();
    pg.execute(
        "INSERT INTO characters (id, user_id, name, owner_hash) VALUES (88, $1, 'Director', 'h')",
        &[PgValue::Uuid(user)],
    )
    .await
    .unwrap();
    let character = CharacterId(88);
    let esi = FakeEsi::default();
    esi.set("/characters/88/roles/", vec![r#"{"roles":["Director","Accountant"]}"#.into()], true);

    // Before the public info synced, the corporation is unknown: nothing is attributed.
    let synced = sync(&esi, &pg, character, Some("t".into()), Dataset::Roles).await.unwrap();
    assert_eq!(synced.roles, None);
    assert_eq!(roles_of(&pg, 88).await, None);

    esi.set("/characters/88/", vec![r#"{"name":"Director","corporation_id":98000010}"#.into()], true);
    sync_through(&ctx, &esi, character, None, Dataset::Public).await.unwrap();
    let synced = sync(&esi, &pg, character, Some("t".into()), Dataset::Roles).await.unwrap();
    let fact = synced.roles.expect("recorded");
    assert_eq!(fact.corporation_id, 98_000_010);
    assert!(fact.is_director());
    // An unchanged answer (a 304) still refreshes the fact's sync time.
    pg.execute("UPDATE character_roles SET synced_at = now() - interval '1 day'", &[]).await.unwrap();
    esi.set("/characters/88/roles/", vec![r#"{"roles":["Director","Accountant"]}"#.into()], false);
    sync(&esi, &pg, character, Some("t".into()), Dataset::Roles).await.unwrap();
    let fresh =
        pg.query("SELECT synced_at > now() - interval '1 minute' FROM character_roles", &[]).await.unwrap();
    assert_eq!(fresh[0].0[0], PgValue::Bool(true));

    // The character moves: the old corporation's roles are forgotten at once.
    esi.set("/characters/88/", vec![r#"{"name":"Director","corporation_id":98000020}"#.into()], true);
    sync_through(&ctx, &esi, character, None, Dataset::Public).await.unwrap();
    assert_eq!(roles_of(&pg, 88).await, None, "roles of the old corporation give nothing");
    esi.set("/characters/88/roles/", vec![r#"{"roles":[]}"#.into()], true);
    sync(&esi, &pg, character, Some("t".into()), Dataset::Roles).await.unwrap();
    assert_eq!(roles_of(&pg, 88).await, Some((98_000_020, vec![])));
    hub_chardata::clear_roles(&pg, character).await.unwrap();
    assert_eq!(roles_of(&pg, 88).await, None);
}
