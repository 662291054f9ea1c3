// Exercised with real accounts in `accounts::tests`
// (`grants_revokes_and_bans_keep_one_admin_and_end_sessions`); the racing revocations are here.
use super::*;
use hub_native::pg::{connect, TestDatabase};
use hub_ports::{OsRandom, Random};

async fn admin(pg: &impl Postgres) -> UserId {
    let id = UserId(OsRandom.uuid_v4());
    pg.execute("INSERT INTO users (id, is_site_admin) VALUES ($1, true)", &[PgValue::Uuid(id.0)])
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn two_admins_revoking_each_other_at_once_leave_one() {
    let db = TestDatabase::create().await;
    let (first, second) = (connect(&db.url).await.unwrap(), connect(&db.url).await.unwrap());
    let (a, b) = (admin(&first).await, admin(&first).await);
    let (left, right) = tokio::join!(
        revoke_site_admin(&first, Actor { user_id: a, ip: None }, b),
        revoke_site_admin(&second, Actor { user_id: b, ip: None }, a),
    );
    let outcomes = [left, right];
    assert_eq!(outcomes.iter().filter(|r| **r == Ok(true)).count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|r| **r == Err(AdminError::LastAdmin)).count(), 1, "{outcomes:?}");
    let remaining = first.query("SELECT count(*) FROM users WHERE is_site_admin", &[]).await.unwrap();
    assert_eq!(remaining[0].0[0], PgValue::Int(1));
}
