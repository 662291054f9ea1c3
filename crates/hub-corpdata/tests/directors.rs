//! The director manager against a real, migrated Postgres.

use hub_corpdata::{directors, with_directors, CorpSyncError, DirectorFailure, DirectorTokens};
use hub_domain::CharacterId;
use hub_esi::EsiError;
use hub_native::pg::{connect, TestDatabase};
use hub_ports::{OsRandom, PgValue, Postgres, Random};
use std::cell::RefCell;
use std::collections::HashMap;

const CORP: i64 = 98_000_100;

struct Tokens;

impl DirectorTokens for Tokens {
    async fn access_token(&self, director: CharacterId) -> Result<String, DirectorFailure> {
        if director.0 == 3 {
            Err(DirectorFailure::AccessLost("invalid_grant".into()))
        } else {
            Ok(format!("token-{}", director.0))
        }
    }
}

async fn setup(pg: &impl Postgres) {
    let user = OsRandom.uuid_v4();
    pg.execute("INSERT INTO users (id) VALUES ($1)", &[PgValue::Uuid(user)]).await.unwrap();
    for (id, priority) in [(1, 1), (2, 1), (3, 2), (4, 3)] {
        pg.execute(
            "INSERT INTO characters (id, user_id, name, owner_hash, corporation_id) VALUES ($1, $2, $3, 'h', $4)",
            &[PgValue::Int(id), PgValue::Uuid(user), PgValue::Text(format!("Director {id}")), PgValue::Int(CORP)],
        )
        .await
        .unwrap();
        pg.execute(
            "INSERT INTO corporation_directors (corporation_id, character_id, priority) VALUES ($1, $2, $3::bigint)",
            &[PgValue::Int(CORP), PgValue::Int(id), PgValue::Int(priority)],
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn failover_on_lost_roles_only_health_after_three_failures_and_healing() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    setup(&pg).await;
    // Directors 1 and 2 share priority 1; director 1 lost its roles.
    let answers: RefCell<HashMap<i64, Result<u32, EsiError>>> = RefCell::new(HashMap::from([
        (1, Err(EsiError::Forbidden("Character does not have required role(s)".into()))),
        (2, Ok(200)),
        (4, Ok(400)),
    ]));
    let fetch = |director: CharacterId, token: String| {
        assert_eq!(token, format!("token-{}", director.0));
        let answer = answers.borrow().get(&director.0).cloned().unwrap();
        async move { answer }
    };
    let mut used = Vec::new();
    for _ in 0..4 {
        let synced = with_directors(&pg, &Tokens, CORP, fetch).await.unwrap();
        used.push((synced.director.0, synced.failed_over.iter().map(|c| c.0).collect::<Vec<_>>()));
    }
    // Round-robin between 1 and 2; each time 1 is tried it fails over to 2. After three
    // failures 1 is unhealthy and no longer tried first.
    assert_eq!(used[0], (2, vec![1]));
    let health = |all: &[hub_corpdata::Director], id: i64| {
        let d = all.iter().find(|d| d.character_id.0 == id).unwrap();
        (d.healthy, d.consecutive_failures)
    };
    let all = directors(&pg, CORP).await.unwrap();
    assert!(health(&all, 2).0);

    // ESI trouble (5xx, 420) stops the sync without failover and without blaming anyone.
    answers.borrow_mut().insert(2, Err(EsiError::Server { status: 503 }));
    answers.borrow_mut().insert(1, Err(EsiError::ErrorLimited { reset_at_ms: 9 }));
    let before = directors(&pg, CORP).await.unwrap();
    for _ in 0..5 {
        let err = with_directors(&pg, &Tokens, CORP, fetch).await.unwrap_err();
        assert!(matches!(err, CorpSyncError::Upstream(_)), "{err:?}");
    }
    let after = directors(&pg, CORP).await.unwrap();
    for id in [1, 2, 3, 4] {
        assert_eq!(health(&before, id), health(&after, id), "director {id} unchanged by upstream errors");
    }

    // Three lost-access failures in a row make a director unhealthy; a success heals it.
    answers.borrow_mut().insert(1, Err(EsiError::Forbidden("role".into())));
    answers.borrow_mut().insert(2, Err(EsiError::Forbidden("role".into())));
    for _ in 0..3 {
        let synced = with_directors(&pg, &Tokens, CORP, fetch).await.unwrap();
        assert_eq!(synced.director.0, 4, "3's token is dead too; 4 (priority 3) answers");
    }
    let all = directors(&pg, CORP).await.unwrap();
    assert_eq!(
        health(&all, 1),
        (false, all.iter().find(|d| d.character_id.0 == 1).unwrap().consecutive_failures)
    );
    assert!(!health(&all, 1).0 && !health(&all, 2).0 && !health(&all, 3).0);
    assert!(health(&all, 4).0);
    answers.borrow_mut().insert(4, Err(EsiError::Forbidden("role".into())));
    answers.borrow_mut().insert(2, Ok(7));
    let synced = with_directors(&pg, &Tokens, CORP, fetch).await.unwrap();
    assert_eq!((synced.director.0, synced.value), (2, 7), "unhealthy directors are still tried last");
    assert_eq!(health(&directors(&pg, CORP).await.unwrap(), 2), (true, 0), "healed");
}
