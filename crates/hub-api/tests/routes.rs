//! Every route of every worker, natively: the route tables mounted on the test context, with a
//! real session in a real database.

use hub_accounts::session::{self, ClientInfo, SessionPolicy, SESSION_COOKIE};
use hub_domain::{Service, UserId};
use hub_http::{Method, Request, Router};
use hub_native::pg::{connect, TestDatabase};
use hub_native::TestContext;
use hub_ports::{OsRandom, PgValue, Postgres, Random};

/// The API routes of every worker that serves one, as each worker mounts them.
fn api_routes() -> Router<TestContext> {
    Router::new()
        .merge(hub_auth::routes())
        .merge(hub_groups::routes())
        .merge(hub_notify::routes())
        .merge(hub_chardata::routes::routes())
        .merge(hub_corpdata::routes::routes())
        .merge(hub_staticdata::routes::routes())
}

/// A concrete path for a route pattern (every capture a plausible id: no route gets that far).
fn concrete(pattern: &str) -> String {
    pattern.split('/').map(|s| if s.starts_with(':') { "1" } else { s }).collect::<Vec<_>>().join("/")
}

/// Operator routes take the operator's bearer token, not a session.
const OPERATOR_ROUTES: [&str; 1] = ["/api/ops/vault/reseal"];

#[tokio::test]
async fn every_state_changing_route_refuses_a_session_without_its_csrf_token() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let user = UserId(OsRandom.uuid_v4());
    pg.execute("INSERT INTO users (id, is_site_admin) VALUES ($1, true)", &[PgValue::Uuid(user.0)])
        .await
        .unwrap();
    let ctx = TestContext::new(Service::Core, connect(&db.url).await.unwrap(), 1_800_000_000_000);
    let (token, _) =
        session::create(&pg, &OsRandom, ctx.clock(), &SessionPolicy::default(), user, &ClientInfo::default())
            .await
            .unwrap();
    let cookie = format!("{SESSION_COOKIE}={}", token.encode());

    let router = api_routes();
    let state_changing: Vec<(Method, String)> = router
        .routes()
        .filter(|(method, path)| {
            !matches!(method, Method::Get | Method::Head)
                && path.starts_with("/api/")
                && !OPERATOR_ROUTES.contains(path)
        })
        .map(|(method, path)| (method, path.to_owned()))
        .collect();
    assert!(
        state_changing.len() >= 40,
        "the tables hold every state-changing route: {}",
        state_changing.len()
    );
    for (method, pattern) in &state_changing {
        let path = concrete(pattern);
        for csrf in [None, Some("not-the-token")] {
            let mut request = Request::new(*method, &path)
                .with_header("cookie", cookie.clone())
                .with_header("content-type", "application/json")
                .with_body("{}");
            if let Some(csrf) = csrf {
                request = request.with_header("x-csrf-token", csrf);
            }
            let response = ctx.handle(&router, request).await;
            let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
            assert_eq!(
                (response.status, body["message"].as_str()),
                (403, Some("missing or wrong X-CSRF-Token header")),
                "{method:?} {pattern} with CSRF {csrf:?}"
            );
        }
        // Without a session at all: 401, before anything else is read.
        let anonymous = ctx.handle(&router, Request::new(*method, &path).with_body("{}")).await;
        assert_eq!(anonymous.status, 401, "{method:?} {pattern} without a session");
    }
    // With the token, the CSRF check passes: something else answers (the ids do not exist).
    let with_token = Request::new(Method::Post, "/api/groups/1/leave")
        .with_header("cookie", cookie.clone())
        .with_header("x-csrf-token", token.csrf_token());
    assert_ne!(ctx.handle(&router, with_token).await.status, 403);
}

#[tokio::test]
async fn path_and_query_parameters_are_refused_with_their_name() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let user = UserId(OsRandom.uuid_v4());
    pg.execute("INSERT INTO users (id) VALUES ($1)", &[PgValue::Uuid(user.0)]).await.unwrap();
    let ctx = TestContext::new(Service::Groups, connect(&db.url).await.unwrap(), 1_800_000_000_000);
    let (token, _) =
        session::create(&pg, &OsRandom, ctx.clock(), &SessionPolicy::default(), user, &ClientInfo::default())
            .await
            .unwrap();
    let cookie = format!("{SESSION_COOKIE}={}", token.encode());
    let router = api_routes();
    for (path, name) in [
        ("/api/groups/not-a-uuid", "id"),
        ("/api/groups?mine=perhaps", "mine"),
        ("/api/groups?category_id=7", "category_id"),
        ("/api/groups/00000000-0000-0000-0000-000000000000/members?limit=0", "limit"),
        ("/api/characters/abc/wallet", "id"),
    ] {
        let response =
            ctx.handle(&router, Request::new(Method::Get, path).with_header("cookie", cookie.clone())).await;
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(response.status, 400, "{path}: {body}");
        assert!(body["message"].as_str().unwrap().contains(name), "{path}: {body}");
    }
}
