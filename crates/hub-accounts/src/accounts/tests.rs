use super::*;
use crate::session::{self, ClientInfo, SessionPolicy};
use hub_native::pg::{connect, TestDatabase};
use hub_ports::{ManualClock, OsRandom};

/// A login of `identity` where `admins` are the configured admin characters.
async fn login_with_admins(
    pg: &impl Postgres,
    clock: &ManualClock,
    identity: &LoginIdentity,
    admins: &[i64],
) -> SignIn {
    let request = SignInRequest { identity, flow: &Flow::Login, ip: None, bootstrap_admins: admins };
    sign_in(pg, &OsRandom, clock, request).await.unwrap()
}

/// A sign-in request without configured admin characters.
fn request<'a>(identity: &'a LoginIdentity, flow: &'a Flow, ip: Option<&'a str>) -> SignInRequest<'a> {
    SignInRequest { identity, flow, ip, bootstrap_admins: &[] }
}

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

    let first = sign_in(
        &pg,
        &OsRandom,
        &clock,
        request(&identity(1001, "owner-a"), &Flow::Login, Some("198.51.100.7")),
    )
    .await
    .unwrap();
    assert_eq!(first.outcome, Outcome::NewUser);
    let user = first.user_id;
    let again = sign_in(&pg, &OsRandom, &clock, request(&identity(1001, "owner-a"), &Flow::Login, None))
        .await
        .unwrap();
    assert_eq!((again.user_id, again.outcome), (user, Outcome::Returning));

    let link = Flow::LinkCharacter { user_id: user };
    let alt =
        sign_in(&pg, &OsRandom, &clock, request(&identity(1002, "owner-a"), &link, None)).await.unwrap();
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
    let other = sign_in(&pg, &OsRandom, &clock, request(&identity(2001, "owner-b"), &Flow::Login, None))
        .await
        .unwrap();
    let steal = Flow::LinkCharacter { user_id: other.user_id };
    assert_eq!(
        sign_in(&pg, &OsRandom, &clock, request(&identity(1001, "owner-a"), &steal, None)).await,
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

    let seller = sign_in(&pg, &OsRandom, &clock, request(&identity(3001, "seller"), &Flow::Login, None))
        .await
        .unwrap()
        .user_id;
    let link = Flow::LinkCharacter { user_id: seller };
    sign_in(&pg, &OsRandom, &clock, request(&identity(3002, "seller"), &link, None)).await.unwrap();
    let (token, _) =
        session::create(&pg, &OsRandom, &clock, &policy, seller, &ClientInfo::default()).await.unwrap();

    // The buyer logs in with the sold character: a new owner hash.
    let bought =
        sign_in(&pg, &OsRandom, &clock, request(&identity(3001, "buyer"), &Flow::Login, None)).await.unwrap();
    assert_eq!(bought.outcome, Outcome::NewUser);
    assert_eq!(bought.transferred_from, Some(seller));
    assert_eq!(bought.ended.by_user().len(), 1, "the seller's session ended: {:?}", bought.ended);
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
    let seller = sign_in(&pg, &OsRandom, &clock, request(&identity(4001, "seller"), &Flow::Login, None))
        .await
        .unwrap()
        .user_id;
    sign_in(
        &pg,
        &OsRandom,
        &clock,
        request(&identity(4002, "seller"), &Flow::LinkCharacter { user_id: seller }, None),
    )
    .await
    .unwrap();
    let (token, _) =
        session::create(&pg, &OsRandom, &clock, &policy, seller, &ClientInfo::default()).await.unwrap();

    assert_eq!(character_sold(&pg, &clock, CharacterId(4002), "seller").await.unwrap(), None, "same owner");
    let (previous, ended) = character_sold(&pg, &clock, CharacterId(4002), "buyer").await.unwrap().unwrap();
    assert_eq!((previous, ended.len()), (seller, 1));
    assert_eq!(character_sold(&pg, &clock, CharacterId(4002), "buyer").await.unwrap(), None, "already gone");
    let view = user_view(&pg, seller).await.unwrap().unwrap();
    assert_eq!(view.characters.iter().map(|c| c.id.0).collect::<Vec<_>>(), vec![4001]);
    assert_eq!(session::authenticate(&pg, &clock, &policy, &token).await.unwrap(), None);
    // The buyer claims it with a login.
    let buyer =
        sign_in(&pg, &OsRandom, &clock, request(&identity(4002, "buyer"), &Flow::Login, None)).await.unwrap();
    assert_eq!((buyer.outcome, buyer.transferred_from), (Outcome::NewUser, None));
}

#[tokio::test]
async fn a_failed_step_rolls_the_whole_sign_in_back() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(1);
    let ghost = Flow::LinkCharacter { user_id: UserId(OsRandom.uuid_v4()) };
    assert_eq!(
        sign_in(&pg, &OsRandom, &clock, request(&identity(4001, "x"), &ghost, None)).await,
        Err(AccountError::UnknownUser)
    );
    let left = pg.query("SELECT count(*) FROM characters", &[]).await.unwrap();
    assert_eq!(left[0].0[0], PgValue::Int(0));
    // The connection is usable again after the rollback.
    assert!(sign_in(&pg, &OsRandom, &clock, request(&identity(4001, "x"), &Flow::Login, None)).await.is_ok());
}

#[tokio::test]
async fn admins_page_through_users_and_the_audit_log() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(1);
    for id in 5001..5004 {
        sign_in(&pg, &OsRandom, &clock, request(&identity(id, "o"), &Flow::Login, None)).await.unwrap();
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

#[tokio::test]
async fn a_configured_character_bootstraps_its_account_once_and_a_buyer_never_inherits_it() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(1_800_000_000_000);
    let admins = [7001];

    let first = login_with_admins(&pg, &clock, &identity(7001, "founder"), &admins).await;
    assert!(first.became_site_admin);
    assert!(user_view(&pg, first.user_id).await.unwrap().unwrap().is_site_admin);
    let again = login_with_admins(&pg, &clock, &identity(7001, "founder"), &admins).await;
    assert!(!again.became_site_admin, "bootstrapped once");

    // Other characters are nobody's admins.
    let player = login_with_admins(&pg, &clock, &identity(7002, "player"), &admins).await;
    assert!(!user_view(&pg, player.user_id).await.unwrap().unwrap().is_site_admin);

    // The character is sold: its buyer's new account is refused the right, and that is on record.
    let buyer = login_with_admins(&pg, &clock, &identity(7001, "buyer"), &admins).await;
    assert_eq!(buyer.transferred_from, Some(first.user_id));
    assert!(!buyer.became_site_admin);
    assert!(!user_view(&pg, buyer.user_id).await.unwrap().unwrap().is_site_admin, "the buyer is no admin");
    assert!(actions(&pg, buyer.user_id).await.contains(&"site_admin_refused".to_owned()));
    // The account stays an admin: the right belongs to it, not to the character.
    assert!(user_view(&pg, first.user_id).await.unwrap().unwrap().is_site_admin);
}

#[tokio::test]
async fn grants_revokes_and_bans_keep_one_admin_and_end_sessions() {
    use crate::admin::{self, Actor, AdminError};
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(1_800_000_000_000);
    let policy = SessionPolicy::default();
    let admins = [8001];
    let boot = SignInRequest {
        identity: &identity(8001, "a"),
        flow: &Flow::Login,
        ip: None,
        bootstrap_admins: &admins,
    };
    let root = sign_in(&pg, &OsRandom, &clock, boot).await.unwrap().user_id;
    let bob = sign_in(&pg, &OsRandom, &clock, request(&identity(8002, "b"), &Flow::Login, None))
        .await
        .unwrap()
        .user_id;
    let by_root = Actor { user_id: root, ip: Some("192.0.2.1") };

    assert_eq!(admin::revoke_site_admin(&pg, by_root, root).await, Err(AdminError::LastAdmin));
    assert_eq!(admin::grant_site_admin(&pg, by_root, bob).await, Ok(true));
    assert_eq!(admin::grant_site_admin(&pg, by_root, bob).await, Ok(false), "already");
    assert_eq!(admin::disable_user(&pg, &clock, by_root, bob, "spam").await, Err(AdminError::IsAdmin));
    assert_eq!(admin::revoke_site_admin(&pg, Actor { user_id: bob, ip: None }, root).await, Ok(true));
    assert_eq!(
        admin::revoke_site_admin(&pg, Actor { user_id: bob, ip: None }, bob).await,
        Err(AdminError::LastAdmin)
    );
    assert!(!user_view(&pg, root).await.unwrap().unwrap().is_site_admin);

    // Bob (now the admin) bans root: its sessions end and its characters cannot log in.
    let by_bob = Actor { user_id: bob, ip: None };
    let (token, live) =
        session::create(&pg, &OsRandom, &clock, &policy, root, &ClientInfo::default()).await.unwrap();
    assert_eq!(admin::disable_user(&pg, &clock, by_bob, bob, "x").await, Err(AdminError::Yourself));
    assert_eq!(admin::disable_user(&pg, &clock, by_bob, root, " ").await, Err(AdminError::Reason));
    let ended = admin::disable_user(&pg, &clock, by_bob, root, "sold accounts").await.unwrap();
    assert_eq!(ended.0, vec![(root, live.id)]);
    assert_eq!(session::authenticate(&pg, &clock, &policy, &token).await.unwrap(), None);
    assert_eq!(
        sign_in(&pg, &OsRandom, &clock, request(&identity(8001, "a"), &Flow::Login, None)).await,
        Err(AccountError::Disabled)
    );
    assert_eq!(
        sign_in(
            &pg,
            &OsRandom,
            &clock,
            request(&identity(8003, "a"), &Flow::LinkCharacter { user_id: root }, None)
        )
        .await,
        Err(AccountError::Disabled),
        "no alt joins a banned account"
    );
    let view = user_view(&pg, root).await.unwrap().unwrap();
    assert_eq!(view.disabled.as_ref().map(|d| d.reason.as_str()), Some("sold accounts"));
    let log = actions(&pg, root).await;
    assert!(
        log.contains(&"user_disabled".to_owned()) && log.contains(&"login_refused".to_owned()),
        "{log:?}"
    );

    // Lifting the ban restores the logins.
    assert_eq!(admin::enable_user(&pg, by_bob, root).await, Ok(true));
    assert!(sign_in(&pg, &OsRandom, &clock, request(&identity(8001, "a"), &Flow::Login, None)).await.is_ok());
    assert!(user_view(&pg, root).await.unwrap().unwrap().disabled.is_none());
}

#[tokio::test]
async fn a_scope_grant_must_come_back_with_its_own_character() {
    use hub_domain::scopes::ScopeGrant;
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(1_800_000_000_000);
    let user = sign_in(&pg, &OsRandom, &clock, request(&identity(9101, "o"), &Flow::Login, None))
        .await
        .unwrap()
        .user_id;
    sign_in(
        &pg,
        &OsRandom,
        &clock,
        request(&identity(9102, "o"), &Flow::LinkCharacter { user_id: user }, None),
    )
    .await
    .unwrap();
    let grant = Flow::GrantScopes {
        user_id: user,
        character_id: CharacterId(9101),
        grant: ScopeGrant::CharacterData,
    };
    assert_eq!(
        sign_in(&pg, &OsRandom, &clock, request(&identity(9102, "o"), &grant, None)).await,
        Err(AccountError::WrongCharacter)
    );
    let mut wider = identity(9101, "o");
    wider.scopes.push("esi-wallet.read_character_wallet.v1".into());
    let granted = sign_in(&pg, &OsRandom, &clock, request(&wider, &grant, None)).await.unwrap();
    assert_eq!((granted.user_id, granted.outcome), (user, Outcome::Linked));
    assert!(actions(&pg, user).await.contains(&"scopes_granted".to_owned()));
    // Someone else's character cannot be "granted" into this account.
    let other =
        sign_in(&pg, &OsRandom, &clock, request(&identity(9200, "x"), &Flow::Login, None)).await.unwrap();
    let steal = Flow::GrantScopes {
        user_id: other.user_id,
        character_id: CharacterId(9101),
        grant: ScopeGrant::CharacterData,
    };
    assert_eq!(
        sign_in(&pg, &OsRandom, &clock, request(&identity(9101, "o"), &steal, None)).await,
        Err(AccountError::AlreadyLinked)
    );
}
