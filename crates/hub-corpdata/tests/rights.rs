//! Corporation rights and director removal from verified facts, against a real, migrated Postgres.

use hub_corpdata::corporations::{self, ManagedPatch, RegisteredVia};
use hub_corpdata::rights::{administered_by, character_is_director, holds_director_role, role_admins};
use hub_corpdata::{directors, remove_lost_directors, LostBecause};
use hub_domain::{CharacterId, UserId};
use hub_native::pg::{connect, TestDatabase};
use hub_ports::{OsRandom, PgValue, Postgres, Random};

const CORP: i64 = 98_000_300;
const OTHER: i64 = 98_000_301;

async fn user_with(pg: &impl Postgres, character: i64, corporation: i64) -> UserId {
    let user = UserId(OsRandom.uuid_v4());
    pg.execute("INSERT INTO users (id) VALUES ($1)", &[PgValue::Uuid(user.0)]).await.unwrap();
    pg.execute(
        "INSERT INTO characters (id, user_id, name, owner_hash, corporation_id) VALUES ($1, $2, $3, 'h', $4)",
        &[
            PgValue::Int(character),
            PgValue::Uuid(user.0),
            PgValue::Text(format!("Pilot {character}")),
            PgValue::Int(corporation),
        ],
    )
    .await
    .unwrap();
    user
}

/// Records roles for a character as its sync would, `age` ago.
async fn roles(pg: &impl Postgres, character: i64, corporation: i64, roles: &[&str], age: &str) {
    pg.execute(
        &format!(
            "INSERT INTO character_roles (character_id, corporation_id, roles, synced_at) VALUES ($1, $2, $3, now() - interval '{age}')
             ON CONFLICT (character_id) DO UPDATE SET corporation_id = excluded.corporation_id, roles = excluded.roles,
                synced_at = excluded.synced_at"
        ),
        &[PgValue::Int(character), PgValue::Int(corporation), PgValue::TextArray(roles.iter().map(|r| (*r).to_owned()).collect())],
    )
    .await
    .unwrap();
}

async fn ceo(pg: &impl Postgres, corporation: i64, ceo: i64, age: &str) {
    let info = corporations::PublicCorporation {
        name: format!("Corp {corporation}"),
        ticker: "CORP".into(),
        ceo_id: Some(ceo),
        alliance_id: None,
        member_count: Some(10),
    };
    corporations::store_public(pg, corporation, &info).await.unwrap();
    pg.execute(
        &format!(
            "UPDATE eve_corporations SET synced_at = now() - interval '{age}' WHERE corporation_id = $1"
        ),
        &[PgValue::Int(corporation)],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn only_fresh_director_and_ceo_facts_in_the_corporation_make_an_admin() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let member = user_with(&pg, 1, CORP).await;
    let director = user_with(&pg, 2, CORP).await;
    let stale = user_with(&pg, 3, CORP).await;
    let elsewhere = user_with(&pg, 4, OTHER).await;
    let chief = user_with(&pg, 5, CORP).await;
    let banned = user_with(&pg, 6, CORP).await;

    roles(&pg, 1, CORP, &["Accountant"], "1 minute").await;
    roles(&pg, 2, CORP, &["Director"], "1 minute").await;
    roles(&pg, 3, CORP, &["Director"], "7 hours").await;
    // Director of another corporation, recorded under CORP by a stale sync: the character is elsewhere.
    roles(&pg, 4, CORP, &["Director"], "1 minute").await;
    roles(&pg, 6, CORP, &["Director"], "1 minute").await;
    pg.execute("UPDATE users SET disabled_at = now() WHERE id = $1", &[PgValue::Uuid(banned.0)])
        .await
        .unwrap();
    ceo(&pg, CORP, 5, "1 minute").await;

    for (user, admin, what) in [
        (member, false, "a member without the role"),
        (director, true, "a fresh Director"),
        (stale, false, "a Director fact nobody could refresh"),
        (elsewhere, false, "a character in another corporation"),
        (chief, true, "the CEO"),
        (banned, false, "a banned user"),
    ] {
        assert_eq!(holds_director_role(&pg, user, CORP).await.unwrap(), admin, "{what}");
    }
    assert!(character_is_director(&pg, CharacterId(2), CORP).await.unwrap());
    assert!(!character_is_director(&pg, CharacterId(2), OTHER).await.unwrap());
    let mut admins = role_admins(&pg, CORP).await.unwrap();
    admins.sort();
    let mut expected = vec![director, chief];
    expected.sort();
    assert_eq!(admins, expected);
    assert_eq!(administered_by(&pg, director).await.unwrap(), vec![CORP]);
    assert!(administered_by(&pg, member).await.unwrap().is_empty());

    // A stale CEO fact gives nothing either.
    ceo(&pg, CORP, 5, "7 hours").await;
    assert!(!holds_director_role(&pg, chief, CORP).await.unwrap());
}

#[tokio::test]
async fn directors_that_left_or_lost_the_role_leave_the_rotation() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    for character in [11, 12, 13, 14] {
        user_with(&pg, character, CORP).await;
        pg.execute(
            "INSERT INTO corporation_directors (corporation_id, character_id) VALUES ($1, $2)",
            &[PgValue::Int(CORP), PgValue::Int(character)],
        )
        .await
        .unwrap();
    }
    roles(&pg, 11, CORP, &["Director"], "1 minute").await;
    roles(&pg, 12, CORP, &["Accountant"], "1 minute").await;
    // 13 moved to another corporation; 14's roles are stale (ESI could not be asked): it stays.
    pg.execute("UPDATE characters SET corporation_id = $1 WHERE id = 13", &[PgValue::Int(OTHER)])
        .await
        .unwrap();
    roles(&pg, 14, CORP, &["Accountant"], "7 hours").await;

    let mut removed = remove_lost_directors(&pg, CORP).await.unwrap();
    removed.sort_by_key(|r| r.character_id);
    let reasons: Vec<(i64, LostBecause)> = removed.iter().map(|r| (r.character_id.0, r.because)).collect();
    assert_eq!(reasons, vec![(12, LostBecause::LostRole), (13, LostBecause::LeftCorporation)]);
    let left: Vec<i64> = directors(&pg, CORP).await.unwrap().iter().map(|d| d.character_id.0).collect();
    assert_eq!(left, vec![11, 14]);
    assert!(remove_lost_directors(&pg, CORP).await.unwrap().is_empty(), "idempotent");
}

#[tokio::test]
async fn managed_corporations_are_registered_once_patched_and_listed_by_name() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let user = user_with(&pg, 21, OTHER).await;
    ceo(&pg, CORP, 99, "1 minute").await;
    ceo(&pg, OTHER, 98, "1 minute").await;
    let patch = ManagedPatch {
        is_member: Some(true),
        short_description: Some(" We fly ".into()),
        ..ManagedPatch::default()
    };
    assert!(corporations::register(&pg, CORP, RegisteredVia::SiteAdmin, Some(user), &patch).await.unwrap());
    assert!(!corporations::register(&pg, CORP, RegisteredVia::DirectorLogin, None, &ManagedPatch::default())
        .await
        .unwrap());

    let listed = corporations::list_for_user(&pg, user, false, &[]).await.unwrap();
    let ids: Vec<i64> = listed.iter().map(|c| c.corporation_id).collect();
    assert_eq!(ids, vec![CORP, OTHER], "by name: Corp 98000300, Corp 98000301");
    assert_eq!(
        listed[0].managed.as_ref().map(|m| (m.is_member, m.short_description.as_str())),
        Some((true, "We fly"))
    );
    assert!(listed[1].managed.is_none());
    assert_eq!(listed[1].my_characters.len(), 1);
    assert!(corporations::recruiting(&pg).await.unwrap().is_empty());

    let recruit = ManagedPatch { is_recruiting: Some(true), ..ManagedPatch::default() };
    assert!(!recruit.needs_site_admin());
    assert!(ManagedPatch { is_member: Some(false), ..ManagedPatch::default() }.needs_site_admin());
    assert!(corporations::update(&pg, CORP, &recruit).await.unwrap());
    assert!(!corporations::update(&pg, OTHER, &recruit).await.unwrap(), "not managed");
    assert_eq!(corporations::recruiting(&pg).await.unwrap().len(), 1);
    assert!(corporations::unregister(&pg, CORP).await.unwrap());
    assert!(corporations::recruiting(&pg).await.unwrap().is_empty());
}
