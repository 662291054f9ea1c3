//! End-to-end: groups and notifications through the ui worker, as browsers use them.

// Wall-clock deadlines of the harness are not domain time.
#![allow(clippy::disallowed_methods)]

use e2e::api::{ack, connect_socket, next_message, User};
use e2e::login::{login_as, Pilot};
use e2e::Stack;
use hub_ports::Postgres;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn user<'a>(stack: &'a Stack, id: i64, name: &'static str) -> User<'a> {
    let session = login_as(stack, &Pilot { id, name, owner: name }).await;
    User::new(stack, session).await
}

/// Waits (at most 1 s after the action) for a notification of `kind` on the socket.
async fn expect_notification(socket: &mut e2e::api::Socket, kind: &str, since: Instant) -> Value {
    loop {
        let remaining = Duration::from_secs(1).saturating_sub(since.elapsed());
        let message = next_message(socket, remaining)
            .await
            .unwrap_or_else(|| panic!("no {kind} notification within 1 s of the action"));
        if message["type"] == "notification" && message["notification"]["kind"] == kind {
            return message["notification"].clone();
        }
    }
}

fn status_of(result: &(u16, Value)) -> u16 {
    result.0
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one story through every way in and out
async fn two_users_and_a_site_admin_go_through_every_way_in_and_out() {
    let stack = Stack::start().await;
    let admin = user(&stack, 9000, "Admin").await;
    let owner = user(&stack, 2_112_001_001, "Owner").await;
    let player = user(&stack, 2_112_001_002, "Player").await;
    let mut player_socket = player.socket().await;
    assert_eq!(next_message(&mut player_socket, Duration::from_secs(5)).await.unwrap()["type"], "hello");
    let mut owner_socket = owner.socket().await;
    next_message(&mut owner_socket, Duration::from_secs(5)).await.unwrap();

    // Categories are the site admin's.
    let category = json!({ "name": "Social", "permission": "anyone" });
    assert_eq!(status_of(&owner.post("/api/groups/categories", category.clone()).await), 403);
    let (status, social) = admin.post("/api/groups/categories", category).await;
    assert_eq!(status, 201, "{social}");
    let (_, official) =
        admin.post("/api/groups/categories", json!({ "name": "Official", "permission": "admin_only" })).await;
    let new_group = |category: &Value, name: &str, visibility: &str, join_mode: &str| json!({ "category_id": category["id"], "name": name, "visibility": visibility, "join_mode": join_mode });
    let (status, _) = owner.post("/api/groups", new_group(&official, "Nope", "public", "open")).await;
    assert_eq!(status, 403, "only site admins create groups in an admin-only category");
    let mut ids = std::collections::HashMap::new();
    for (name, visibility, mode) in [
        ("Open", "public", "open"),
        ("Approval", "public", "approval"),
        ("Invite", "public", "invitation_only"),
        ("Hidden", "hidden", "open"),
    ] {
        let (status, body) = owner.post("/api/groups", new_group(&social, name, visibility, mode)).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!((body["is_owner"].as_bool(), body["member_count"].as_i64()), (Some(true), Some(1)));
        ids.insert(name, body["id"].as_str().unwrap().to_owned());
    }
    let group = |name: &str| format!("/api/groups/{}", ids[name]);

    // The listing: hidden groups only for members; flags per row.
    let (_, listing) = player.get("/api/groups/categories").await;
    let social_groups =
        listing["categories"].as_array().unwrap().iter().find(|c| c["name"] == "Social").unwrap();
    let names: Vec<&str> =
        social_groups["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Approval", "Invite", "Open"]);
    assert_eq!(status_of(&player.get(&group("Hidden")).await), 404);

    // Open: join and leave.
    let (status, body) = player.post(&format!("{}/join", group("Open")), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(status_of(&player.post(&format!("{}/join", group("Open")), json!({})).await), 409);
    assert_eq!(status_of(&player.post(&format!("{}/leave", group("Open")), json!({})).await), 204);

    // Approval: the owner hears of the request; the player hears of the approval within 1 s.
    assert_eq!(status_of(&player.post(&format!("{}/join", group("Approval")), json!({})).await), 409);
    let (status, request) =
        player.post(&format!("{}/requests", group("Approval")), json!({ "message": "o7" })).await;
    assert_eq!(status, 201, "{request}");
    expect_notification(&mut owner_socket, "join_request_received", Instant::now()).await;
    let (_, detail) = player.get(&group("Approval")).await;
    assert_eq!(detail["has_pending_request"], true);
    let approve = format!("{}/requests/{}/approve", group("Approval"), request["id"].as_str().unwrap());
    assert_eq!(status_of(&player.post(&approve, json!({})).await), 403, "the requester cannot approve");
    let approved_at = Instant::now();
    let (status, body) = owner.post(&approve, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let notification = expect_notification(&mut player_socket, "request_approved", approved_at).await;
    assert_eq!(notification["data"]["group_id"], ids["Approval"].as_str());
    ack(&mut player_socket, &[notification["id"].as_i64().unwrap()]).await;
    assert_eq!(status_of(&owner.post(&approve, json!({})).await), 409, "decided twice");

    // Invitation by character, accepted.
    assert_eq!(status_of(&player.post(&format!("{}/join", group("Invite")), json!({})).await), 409);
    let at = Instant::now();
    let (status, invitation) = owner
        .post(&format!("{}/invitations", group("Invite")), json!({ "character_id": 2_112_001_002i64 }))
        .await;
    assert_eq!(status, 201, "{invitation}");
    expect_notification(&mut player_socket, "invitation_received", at).await;
    let (_, mine) = player.get("/api/invitations").await;
    assert_eq!(mine["invitations"][0]["group_name"], "Invite");
    let accept = format!("/api/invitations/{}/accept", invitation["id"].as_str().unwrap());
    assert_eq!(status_of(&player.post(&accept, json!({})).await), 200);

    // Invite code into the hidden group, redeemed at /api/invite (the code in the body).
    let (status, code) = owner.post(&format!("{}/codes", group("Hidden")), json!({ "max_uses": 1 })).await;
    assert_eq!(status, 201, "{code}");
    let code = code["code"].as_str().unwrap().to_owned();
    assert_eq!(status_of(&player.post("/api/invite", json!({ "code": "not-a-real-code" })).await), 404);
    let (status, joined) = player.post("/api/invite", json!({ "code": code })).await;
    assert_eq!((status, joined["group_name"].as_str()), (200, Some("Hidden")));
    assert_eq!(status_of(&admin.post("/api/invite", json!({ "code": code })).await), 409, "used up");

    // Running the group: admin, removal, ownership.
    let at = Instant::now();
    assert_eq!(
        status_of(&owner.post(&format!("{}/admins", group("Invite")), json!({ "user_id": player.id })).await),
        204
    );
    expect_notification(&mut player_socket, "made_admin", at).await;
    let (_, members) = player.get(&format!("{}/members?limit=1", group("Invite"))).await;
    assert_eq!((members["total"].as_i64(), members["members"][0]["role"].as_str()), (Some(2), Some("owner")));
    let at = Instant::now();
    assert_eq!(
        status_of(&owner.post(&format!("{}/owner", group("Invite")), json!({ "user_id": player.id })).await),
        204
    );
    expect_notification(&mut player_socket, "ownership_transferred", at).await;
    assert_eq!(status_of(&owner.post(&format!("{}/leave", group("Invite")), json!({})).await), 204);
    let at = Instant::now();
    let remove = format!("{}/members/{}", group("Hidden"), player.id);
    assert_eq!(status_of(&player.delete(&remove).await), 403, "members remove nobody");
    assert_eq!(status_of(&owner.delete(&remove).await), 204);
    expect_notification(&mut player_socket, "removed_from_group", at).await;
    assert_eq!(status_of(&player.get(&group("Hidden")).await), 404, "hidden again");

    // A group-wide announcement reaches every member live; outsiders cannot send one.
    let at = Instant::now();
    let (status, said) = owner
        .post(&format!("{}/announcements", group("Approval")), json!({ "message": "fleet at 20:00" }))
        .await;
    assert_eq!(
        (status, said["members"].as_i64(), said["delivered"].as_i64()),
        (200, Some(2), Some(2)),
        "{said}"
    );
    let announcement = expect_notification(&mut player_socket, "group_announcement", at).await;
    assert!(announcement["title"].as_str().unwrap().contains("fleet at 20:00"));
    assert_eq!(
        status_of(&admin.post(&format!("{}/announcements", group("Open")), json!({ "message": "hi" })).await),
        200,
        "site admins may"
    );
    assert_eq!(
        status_of(
            &player.post(&format!("{}/announcements", group("Open")), json!({ "message": "spam" })).await
        ),
        403
    );

    // Beyond one invocation's share, delivery goes through relay objects: 60 more members all hear it.
    let pg = hub_native::pg::connect(stack.database_url()).await.unwrap();
    pg.execute(
        "WITH u AS (INSERT INTO users (id) SELECT gen_random_uuid() FROM generate_series(1, 60) RETURNING id)
         INSERT INTO group_members (group_id, user_id, source) SELECT $1, id, 'manual' FROM u",
        &[hub_ports::PgValue::Uuid(ids["Approval"].parse().unwrap())],
    )
    .await
    .unwrap();
    let (_, said) =
        owner.post(&format!("{}/announcements", group("Approval")), json!({ "message": "all hands" })).await;
    assert_eq!((said["members"].as_i64(), said["delivered"].as_i64()), (Some(62), Some(62)), "{said}");

    // Affiliation rules: an auto_join rule joins the corporation's members at once; an eligible rule
    // keeps others out.
    pg.execute("UPDATE characters SET corporation_id = 98000042 WHERE id = 2112001002", &[]).await.unwrap();
    let (status, ruled) = owner
        .post(
            &format!("{}/rules", group("Open")),
            json!({ "kind": "corporation", "entity_id": 98_000_042, "effect": "auto_join" }),
        )
        .await;
    assert_eq!((status, ruled["joined"].as_i64()), (201, Some(1)), "{ruled}");
    assert_eq!(player.get(&group("Open")).await.1["is_member"], true);
    let (status, _) = owner
        .post(
            &format!("{}/rules", group("Approval")),
            json!({ "kind": "alliance", "entity_id": 99_000_001, "effect": "eligible" }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = admin.post(&format!("{}/requests", group("Approval")), json!({})).await;
    assert_eq!(status, 403, "not in the alliance: {body}");
    let (status, _) = owner
        .post(
            &format!("{}/rules", group("Open")),
            json!({ "kind": "guild", "entity_id": 1, "effect": "auto_join" }),
        )
        .await;
    assert_eq!(status, 400, "unknown rule kind");

    // Permission refusals and bad input.
    assert_eq!(status_of(&player.delete(&group("Open")).await), 403);
    assert_eq!(status_of(&player.get("/api/groups/00000000-0000-0000-0000-000000000000").await), 404);
    assert_eq!(status_of(&player.get("/api/groups/not-a-uuid").await), 400);
    let (status, body) = owner.post("/api/groups", json!({ "name": 7 })).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].is_string());
    let no_csrf = stack
        .http
        .post(stack.url(&format!("{}/join", group("Open"))))
        .header("cookie", format!("{}={}", e2e::login::SESSION_COOKIE, player.session))
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status().as_u16(), 403);
    let anonymous = stack.http.get(stack.url("/api/groups")).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(
        status_of(&admin.delete(&format!("/api/groups/categories/{}", social["id"].as_str().unwrap())).await),
        409
    );

    // The membership log: who, what, why.
    let (_, log) = owner.get(&format!("{}/log", group("Approval"))).await;
    let reasons: Vec<(&str, &str)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    assert!(reasons.contains(&("joined", "approval")), "{reasons:?}");
    assert_eq!(status_of(&player.get(&format!("{}/log", group("Approval"))).await), 403);

    // Notifications over HTTP: unread filter, mark one, mark all.
    let (_, page) = player.get("/api/notifications?unread=true&limit=2").await;
    assert_eq!(page["notifications"].as_array().unwrap().len(), 2);
    assert!(page["unread_count"].as_i64().unwrap() >= 5, "{page}");
    let first = page["notifications"][0]["id"].as_i64().unwrap();
    assert_eq!(status_of(&player.post(&format!("/api/notifications/{first}/read"), json!({})).await), 204);
    assert_eq!(status_of(&player.post("/api/notifications/999999/read", json!({})).await), 404);
    let (_, marked) = player.post("/api/notifications/read-all", json!({})).await;
    assert!(marked["marked"].as_i64().unwrap() >= 4);
    assert_eq!(player.get("/api/notifications?unread=true").await.1["unread_count"], 0);
}

#[tokio::test]
async fn the_socket_checks_origin_and_session_and_redelivers_after_a_restart() {
    let mut stack = Stack::start().await;
    let owner = user(&stack, 2_112_002_001, "Keeper").await;
    let player = user(&stack, 2_112_002_002, "Guest").await;

    assert_eq!(
        connect_socket(&stack, Some(&player.session), Some("https://evil.example")).await.err(),
        Some(403)
    );
    assert_eq!(connect_socket(&stack, Some(&player.session), None).await.err(), Some(403));
    assert_eq!(connect_socket(&stack, None, Some(&stack.base_url)).await.err(), Some(401));
    assert_eq!(
        connect_socket(&stack, Some("AAAAAAAAAAAAAAAAAAAAAA"), Some(&stack.base_url)).await.err(),
        Some(401)
    );

    // Two connections of one user both receive; neither acknowledges.
    let mut laptop = player.socket().await;
    let mut phone = player.socket().await;
    for socket in [&mut laptop, &mut phone] {
        assert_eq!(next_message(socket, Duration::from_secs(5)).await.unwrap()["type"], "hello");
    }
    let (_, admin) = user(&stack, 9000, "Admin")
        .await
        .post("/api/groups/categories", json!({ "name": "C", "permission": "anyone" }))
        .await;
    let (_, group) = owner
        .post("/api/groups", json!({ "category_id": admin["id"], "name": "Crew", "visibility": "public", "join_mode": "invitation_only" }))
        .await;
    let at = Instant::now();
    let invite = format!("/api/groups/{}/invitations", group["id"].as_str().unwrap());
    assert_eq!(status_of(&owner.post(&invite, json!({ "character_id": 2_112_002_002i64 })).await), 201);
    let sent = expect_notification(&mut laptop, "invitation_received", at).await;
    expect_notification(&mut phone, "invitation_received", at).await;
    // Unacknowledged, it comes again by alarm about 5 s later.
    let retry = next_message(&mut laptop, Duration::from_secs(8)).await.expect("a retry");
    assert_eq!(retry["notification"]["id"], sent["id"]);

    // The whole stack restarts before any ack: nothing is lost.
    drop((laptop, phone));
    let session = player.session.clone();
    drop((owner, player));
    stack.restart().await;
    let player = User::new(&stack, session).await;
    let mut again = player.socket().await;
    let hello = next_message(&mut again, Duration::from_secs(5)).await.unwrap();
    assert_eq!(hello["type"], "hello");
    let redelivered = next_message(&mut again, Duration::from_secs(5)).await.expect("redelivered");
    assert_eq!(redelivered["notification"]["id"], sent["id"]);
    ack(&mut again, &[sent["id"].as_i64().unwrap()]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(again);
    let mut later = player.socket().await;
    assert_eq!(next_message(&mut later, Duration::from_secs(5)).await.unwrap()["type"], "hello");
    assert!(next_message(&mut later, Duration::from_secs(1)).await.is_none(), "acknowledged: not sent again");
}
