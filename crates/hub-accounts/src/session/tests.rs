use super::*;
use hub_native::pg::{connect, TestDatabase};
use hub_ports::{ManualClock, OsRandom, SeededRandom};

const T0: i64 = 1_800_000_000_000;

async fn user(pg: &impl Postgres) -> UserId {
    let id = UserId(OsRandom.uuid_v4());
    pg.execute("INSERT INTO users (id) VALUES ($1)", &[PgValue::Uuid(id.0)]).await.unwrap();
    id
}

fn client() -> ClientInfo {
    ClientInfo { ip: Some("203.0.113.9".into()), user_agent: Some("Mozilla/5.0".into()) }
}

#[test]
fn tokens_cookies_and_csrf() {
    let token = SessionToken::generate(&SeededRandom::new(1));
    let encoded = token.encode();
    assert_eq!(encoded.len(), 22);
    assert_eq!(SessionToken::decode(&encoded), Some(token.clone()));
    assert_eq!(SessionToken::decode("short"), None);
    assert_eq!(format!("{token:?}"), "SessionToken(..)", "tokens never reach logs");

    let cookie = session_cookie(&token, &SessionPolicy::default());
    assert!(
        cookie.starts_with(&format!("__Host-hub_session={encoded}; Path=/; Secure; HttpOnly; SameSite=Lax"))
    );
    assert!(cookie.ends_with("Max-Age=2592000"));
    assert!(clear_session_cookie().contains("Max-Age=0"));

    let header = format!("theme=dark; {SESSION_COOKIE}={encoded}; other=1");
    assert_eq!(token_from_cookies(&header), Some(token.clone()));
    assert_eq!(token_from_cookies("theme=dark"), None);

    let csrf = token.csrf_token();
    assert!(token.verify_csrf(&csrf));
    assert!(!token.verify_csrf(&csrf[1..]));
    assert!(!SessionToken::generate(&SeededRandom::new(2)).verify_csrf(&csrf), "bound to the session");
    assert_ne!(csrf, encoded);
}

#[tokio::test]
async fn sessions_store_only_a_hash_and_expire_idle_and_absolute() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(T0);
    let policy = SessionPolicy { idle_ms: 10 * 60_000, absolute_ms: 30 * 60_000 };
    let alice = user(&pg).await;

    let (token, created) = create(&pg, &OsRandom, &clock, &policy, alice, &client()).await.unwrap();
    assert_eq!(created.user_id, alice);
    assert_eq!(created.idle_expires_at_ms, T0 + 10 * 60_000);
    assert_eq!(created.client, client());

    // Only the SHA-256 is in the table.
    let stored = pg
        .query("SELECT token_sha256 FROM sessions WHERE id = $1", &[PgValue::Uuid(created.id)])
        .await
        .unwrap();
    assert_eq!(stored[0].0[0], PgValue::Bytes(token.sha256().to_vec()));
    let raw = pg
        .query(
            "SELECT count(*) FROM sessions WHERE position($1::bytea in token_sha256) > 0",
            &[PgValue::Bytes(token.0.to_vec())],
        )
        .await
        .unwrap();
    assert_eq!(raw[0].0[0], PgValue::Int(0), "the raw token is stored nowhere");

    // Activity slides the idle expiry, never past the absolute one.
    clock.advance_ms(8 * 60_000);
    let seen = authenticate(&pg, &clock, &policy, &token).await.unwrap().expect("live");
    assert_eq!(seen.idle_expires_at_ms, T0 + 18 * 60_000);
    clock.advance_ms(9 * 60_000);
    assert!(authenticate(&pg, &clock, &policy, &token).await.unwrap().is_some());
    clock.advance_ms(9 * 60_000);
    let late = authenticate(&pg, &clock, &policy, &token).await.unwrap().expect("still live");
    assert_eq!(late.idle_expires_at_ms, T0 + 30 * 60_000, "capped at the absolute expiry");
    clock.advance_ms(5 * 60_000);
    assert_eq!(authenticate(&pg, &clock, &policy, &token).await.unwrap(), None, "absolute lifetime over");

    // Idle expiry on its own.
    let (idle_token, _) = create(&pg, &OsRandom, &clock, &policy, alice, &client()).await.unwrap();
    clock.advance_ms(10 * 60_000 + 1);
    assert_eq!(authenticate(&pg, &clock, &policy, &idle_token).await.unwrap(), None);

    let stranger = SessionToken::generate(&OsRandom);
    assert_eq!(authenticate(&pg, &clock, &policy, &stranger).await.unwrap(), None);
}

#[tokio::test]
async fn users_list_and_end_their_own_sessions_and_transfers_end_them_all() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(T0);
    let policy = SessionPolicy::default();
    let (alice, bob) = (user(&pg).await, user(&pg).await);

    let (laptop, laptop_row) = create(&pg, &OsRandom, &clock, &policy, alice, &client()).await.unwrap();
    clock.advance_ms(61_000);
    let (phone, phone_row) =
        create(&pg, &OsRandom, &clock, &policy, alice, &ClientInfo::default()).await.unwrap();
    let (bobs, bobs_row) = create(&pg, &OsRandom, &clock, &policy, bob, &client()).await.unwrap();

    let listed = list_for_user(&pg, &clock, alice).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), vec![phone_row.id, laptop_row.id]);

    assert!(
        end(&pg, &clock, bobs_row.id, Some(alice), "user").await.unwrap().is_empty(),
        "not alice's to end"
    );
    assert_eq!(
        end(&pg, &clock, laptop_row.id, Some(alice), "user").await.unwrap().0,
        vec![(alice, laptop_row.id)]
    );
    assert!(end(&pg, &clock, laptop_row.id, Some(alice), "user").await.unwrap().is_empty(), "already ended");
    assert_eq!(authenticate(&pg, &clock, &policy, &laptop).await.unwrap(), None);
    assert!(authenticate(&pg, &clock, &policy, &phone).await.unwrap().is_some());

    let (tablet, tablet_row) = create(&pg, &OsRandom, &clock, &policy, alice, &client()).await.unwrap();
    assert_eq!(
        end_all_for_user(&pg, &clock, alice, Some(tablet_row.id), "logout_others").await.unwrap().0,
        vec![(alice, phone_row.id)]
    );
    assert_eq!(end_all_for_user(&pg, &clock, alice, None, "character_transferred").await.unwrap().len(), 1);
    assert_eq!(authenticate(&pg, &clock, &policy, &phone).await.unwrap(), None);
    assert_eq!(authenticate(&pg, &clock, &policy, &tablet).await.unwrap(), None);
    assert!(authenticate(&pg, &clock, &policy, &bobs).await.unwrap().is_some(), "bob is untouched");
    assert!(!bobs_row.site_admin);

    // A banned user's sessions do not authenticate, whatever their state.
    pg.execute("UPDATE users SET disabled_at = now() WHERE id = $1", &[PgValue::Uuid(bob.0)]).await.unwrap();
    assert_eq!(authenticate(&pg, &clock, &policy, &bobs).await.unwrap(), None, "banned");
    let reason = pg
        .query("SELECT end_reason FROM sessions WHERE id = $1", &[PgValue::Uuid(tablet_row.id)])
        .await
        .unwrap();
    assert_eq!(reason[0].0[0], PgValue::Text("character_transferred".into()));
}
