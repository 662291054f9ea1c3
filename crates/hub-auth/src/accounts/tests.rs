use super::*;
use crate::session::{self, ClientInfo, SessionPolicy};
use hub_native::pg::{connect, TestDatabase};
use hub_ports::{ManualClock, OsRandom};

fn identity(id: i64, owner: &str) -> LoginIdentity {
    LoginIdentity {
        character_id: CharacterId(id),
        name: format!("Pilot {id}"),
        owner_hash: owner.to_owned(),
        scopes: vec!["publicData".into()],
    }
}

async fn actions(pg: &impl Postgres, user: UserId) -> Vec<String> {
    let rows = pg
        .query(
            "SELECT action FROM user_activity_log WHERE user_id = $1 ORDER BY id",
            &[PgValue::Uuid(user.0)],
        )
        .await
        .unwrap();
    rows.iter().map(|r| r.0[0].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn first_login_creates_a_user_then_alts_link_and_the_primary_moves() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(1_800_000_000_000);

    let first =
        sign_in(&pg, &OsRandom, &clock, &identity(1001, "owner-a"), &Flow::Login, Some("198.51.100.7"))
            .await
            .unwrap();
    assert_eq!(first.outcome, Outcome::NewUser);
    let user = first.user_id;
    let again =
        sign_in(&pg, &OsRandom, &clock, &identity(1001, "owner-a"), &Flow::Login, None).await.unwrap();
    assert_eq!((again.user_id, again.outcome), (user, Outcome::Returning));

    let link = Flow::LinkCharacter { user_id: user };
    let alt = sign_in(&pg, &OsRandom, &clock, &identity(1002, "owner-a"), &link, None).await.unwrap();
    assert_eq!((alt.user_id, alt.outcome), (user, Outcome::Linked));

    let view = user_view(&pg, user).await.unwrap().unwrap();
    assert_eq!(view.primary_character_id, Some(CharacterId(1001)));
    assert_eq!(
        view.characters.iter().map(|c| (c.id.0, c.is_primary)).collect::<Vec<_>>(),
        vec![(1001, true), (1002, false)]
    );
    assert_eq!(view.characters[0].scopes, vec!["publicData"]);

    set_primary(&pg, user, CharacterId(1002)).await.unwrap();
    assert_eq!(user_view(&pg, user).await.unwrap().unwrap().primary_character_id, Some(CharacterId(1002)));

    // Another user cannot link a character that is already someone's.
    let other =
        sign_in(&pg, &OsRandom, &clock, &identity(2001, "owner-b"), &Flow::Login, None).await.unwrap();
    let steal = Flow::LinkCharacter { user_id: other.user_id };
    assert_eq!(
        sign_in(&pg, &OsRandom, &clock, &identity(1001, "owner-a"), &steal, None).await,
        Err(AccountError::AlreadyLinked)
    );
    assert_eq!(set_primary(&pg, other.user_id, CharacterId(1001)).await, Err(AccountError::NotYours));

    // Unlinking the primary hands the role to the remaining character; the last one stays.
    unlink(&pg, user, CharacterId(1002), None).await.unwrap();
    let view = user_view(&pg, user).await.unwrap().unwrap();
    assert_eq!(view.primary_character_id, Some(CharacterId(1001)));
    assert_eq!(unlink(&pg, user, CharacterId(1001), None).await, Err(AccountError::LastCharacter));
    assert_eq!(unlink(&pg, user, CharacterId(2001), None).await, Err(AccountError::NotYours));

    assert_eq!(
        actions(&pg, user).await,
        vec!["login", "login", "character_linked", "primary_character_set", "character_unlinked"]
    );
    let ip = pg.query("SELECT ip FROM user_activity_log ORDER BY id LIMIT 1", &[]).await.unwrap();
    assert_eq!(ip[0].0[0], PgValue::Text("198.51.100.7".into()));
}

#[tokio::test]
async fn a_sold_character_leaves_the_old_account_and_ends_its_sessions() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(1_800_000_000_000);
    let policy = SessionPolicy::default();

    let seller =
        sign_in(&pg, &OsRandom, &clock, &identity(3001, "seller"), &Flow::Login, None).await.unwrap().user_id;
    let link = Flow::LinkCharacter { user_id: seller };
    sign_in(&pg, &OsRandom, &clock, &identity(3002, "seller"), &link, None).await.unwrap();
    let (token, _) =
        session::create(&pg, &OsRandom, &clock, &policy, seller, &ClientInfo::default()).await.unwrap();

    // The buyer logs in with the sold character: a new owner hash.
    let bought = sign_in(&pg, &OsRandom, &clock, &identity(3001, "buyer"), &Flow::Login, None).await.unwrap();
    assert_eq!(bought.outcome, Outcome::NewUser);
    assert_eq!(bought.transferred_from, Some(seller));
    assert_ne!(bought.user_id, seller);

    let seller_view = user_view(&pg, seller).await.unwrap().unwrap();
    assert_eq!(seller_view.characters.iter().map(|c| c.id.0).collect::<Vec<_>>(), vec![3002]);
    assert_eq!(seller_view.primary_character_id, Some(CharacterId(3002)), "the seller's primary moved");
    assert_eq!(
        session::authenticate(&pg, &clock, &policy, &token).await.unwrap(),
        None,
        "seller's sessions ended"
    );
    assert_eq!(
        user_view(&pg, bought.user_id).await.unwrap().unwrap().primary_character_id,
        Some(CharacterId(3001))
    );
    assert!(actions(&pg, seller).await.contains(&"character_transferred".to_owned()));
}

#[tokio::test]
async fn a_refresh_showing_a_new_owner_detaches_the_character() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(1_800_000_000_000);
    let policy = SessionPolicy::default();
    let seller =
        sign_in(&pg, &OsRandom, &clock, &identity(4001, "seller"), &Flow::Login, None).await.unwrap().user_id;
    sign_in(
        &pg,
        &OsRandom,
        &clock,
        &identity(4002, "seller"),
        &Flow::LinkCharacter { user_id: seller },
        None,
    )
    .await
    .unwrap();
    let (token, _) =
        session::create(&pg, &OsRandom, &clock, &policy, seller, &ClientInfo::default()).await.unwrap();

    assert_eq!(character_sold(&pg, &clock, CharacterId(4002), "seller").await.unwrap(), None, "same owner");
    assert_eq!(character_sold(&pg, &clock, CharacterId(4002), "buyer").await.unwrap(), Some(seller));
    assert_eq!(character_sold(&pg, &clock, CharacterId(4002), "buyer").await.unwrap(), None, "already gone");
    let view = user_view(&pg, seller).await.unwrap().unwrap();
    assert_eq!(view.characters.iter().map(|c| c.id.0).collect::<Vec<_>>(), vec![4001]);
    assert_eq!(session::authenticate(&pg, &clock, &policy, &token).await.unwrap(), None);
    // The buyer claims it with a login.
    let buyer = sign_in(&pg, &OsRandom, &clock, &identity(4002, "buyer"), &Flow::Login, None).await.unwrap();
    assert_eq!((buyer.outcome, buyer.transferred_from), (Outcome::NewUser, None));
}

#[tokio::test]
async fn a_failed_step_rolls_the_whole_sign_in_back() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(1);
    let ghost = Flow::LinkCharacter { user_id: UserId(OsRandom.uuid_v4()) };
    assert_eq!(
        sign_in(&pg, &OsRandom, &clock, &identity(4001, "x"), &ghost, None).await,
        Err(AccountError::UnknownUser)
    );
    let left = pg.query("SELECT count(*) FROM characters", &[]).await.unwrap();
    assert_eq!(left[0].0[0], PgValue::Int(0));
    // The connection is usable again after the rollback.
    assert!(sign_in(&pg, &OsRandom, &clock, &identity(4001, "x"), &Flow::Login, None).await.is_ok());
}

#[tokio::test]
async fn admins_page_through_users_and_the_audit_log() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(1);
    for id in 5001..5004 {
        sign_in(&pg, &OsRandom, &clock, &identity(id, "o"), &Flow::Login, None).await.unwrap();
    }
    let first = list_users(&pg, 2, 0).await.unwrap();
    let second = list_users(&pg, 2, 2).await.unwrap();
    assert_eq!((first.len(), second.len()), (2, 1));
    assert!(first
        .iter()
        .chain(&second)
        .all(|u| u.character_count == 1 && u.primary_character_name.is_some()));

    let page = crate::audit::list(&pg, None, None, 2).await.unwrap();
    assert_eq!(page.len(), 2);
    assert!(page[0].id > page[1].id, "newest first");
    let rest = crate::audit::list(&pg, None, Some(page[1].id), 10).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].action, "login");
    let own = crate::audit::list(&pg, Some(first[0].id), None, 10).await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].user_id, Some(first[0].id));
}
