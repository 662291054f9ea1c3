//! End-to-end: Discord against the local Discord peer. Linking (PKCE, states tagged with their
//! provider), guilds a site admin registers, roles attached to a group and a corporation, and
//! Discord following the hub: a join, a leave, a sale, a ban and an unlink within seconds, drift
//! repaired at reconcile, roles the hub does not manage left alone, Discord's refusals recorded,
//! and a 429 storm ridden out without exceeding a bucket.

// Wall-clock deadlines of the harness are not domain time.
#![allow(clippy::disallowed_methods)]

use e2e::api::User;
use e2e::login::{authorize, callback, location, login_as, set_cookie, Pilot, LOGIN_COOKIE, SESSION_COOKIE};
use e2e::{Stack, OPERATOR_TOKEN};
use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const GUILD: &str = "600000000000000001";
const ROLE_MEMBER: &str = "610000000000000001";
const ROLE_CORP: &str = "610000000000000002";
const ROLE_BY_HAND: &str = "610000000000000003";
const ROLE_BOT: &str = "610000000000000005";
const ROLE_ABOVE_BOT: &str = "610000000000000009";
/// The player's Discord user at the peer.
const PLAYER_DISCORD: &str = "650000000000000001";
/// Every character's corporation in the local ESI unless configured otherwise.
const CORPORATION: i64 = 98_000_001;

async fn user<'a>(stack: &'a Stack, id: i64, name: &'static str, owner: &'static str) -> User<'a> {
    let session = login_as(stack, &Pilot { id, name, owner }).await;
    User::new(stack, session).await
}

async fn patch(user: &User<'_>, path: &str, body: Value) -> (u16, Value) {
    user.call(Method::PATCH, path, Some(body)).await
}

/// Links `discord_user` to the user's account through the OAuth2 flow, as a browser would.
async fn link(stack: &Stack, user: &User<'_>, discord_user: &str) -> reqwest::Response {
    let (authorize_url, login_cookie) = start_link(stack, user).await;
    let at_discord = stack.http.get(format!("{authorize_url}&user={discord_user}")).send().await.unwrap();
    assert_eq!(at_discord.status().as_u16(), 302);
    let back = location(&at_discord);
    assert!(back.starts_with(&stack.url("/api/discord/callback?")), "{back}");
    callback(stack, &back, &format!("{LOGIN_COOKIE}={login_cookie}; {SESSION_COOKIE}={}", user.session)).await
}

/// `GET /api/discord/link/start`: the authorize URL at Discord and the login cookie.
async fn start_link(stack: &Stack, user: &User<'_>) -> (String, String) {
    let started = stack
        .http
        .get(stack.url("/api/discord/link/start"))
        .header(COOKIE, format!("{SESSION_COOKIE}={}", user.session))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status().as_u16(), 302, "{:?}", started.text().await);
    let cookie = set_cookie(&started, LOGIN_COOKIE).expect("login cookie");
    let authorize = location(&started);
    assert!(authorize.starts_with(&stack.discord.info.authorize_url), "{authorize}");
    for part in [
        "response_type=code",
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "scope=identify%20guilds.join",
    ] {
        assert!(authorize.contains(part), "{part} missing from {authorize}");
    }
    assert!(!authorize.contains(&stack.discord.info.client_secret), "the client secret stays on the server");
    (authorize, cookie)
}

/// The member's roles in the peer's guild (`None`: not in it).
async fn roles_in_guild(stack: &Stack, discord_user: &str) -> Option<BTreeSet<String>> {
    let guild = stack.discord.read(&stack.http, &format!("/__guild/{GUILD}")).await;
    guild["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["id"] == discord_user)
        .map(|m| m["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect())
}

fn set(roles: &[&str]) -> BTreeSet<String> {
    roles.iter().map(|r| (*r).to_owned()).collect()
}

/// Waits (at most `within`) until the member's roles are `want` (`None`: not in the guild).
async fn expect_roles(
    stack: &Stack,
    discord_user: &str,
    want: Option<&[&str]>,
    within: Duration,
    what: &str,
) {
    let want = want.map(set);
    let deadline = Instant::now() + within;
    loop {
        let roles = roles_in_guild(stack, discord_user).await;
        if roles == want {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: after {within:?} the roles are {roles:?}, not {want:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The player's status in the guild, from `GET /api/discord/me`.
async fn guild_status(user: &User<'_>) -> Value {
    let (status, me) = user.get("/api/discord/me").await;
    assert_eq!(status, 200, "{me}");
    me["guilds"].as_array().unwrap().iter().find(|g| g["guild_id"] == GUILD).cloned().unwrap_or(Value::Null)
}

async fn reconcile(stack: &Stack) -> Value {
    let resp = stack
        .http
        .post(stack.url("/api/discord/ops/reconcile"))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    resp.json().await.unwrap()
}

async fn calls(stack: &Stack, route: &str) -> i64 {
    stack.discord.read(&stack.http, "/__stats").await["by_route"][route].as_i64().unwrap_or(0)
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one story: Discord follows the hub through every change
async fn discord_follows_the_hub_within_seconds_and_within_its_limits() {
    let stack = Stack::start().await;
    let discord = &stack.discord;
    discord
        .control(
            &stack.http,
            "/__guild",
            json!({
                "id": GUILD, "name": "Blue Fleet", "owner_id": "650000000000000099",
                "roles": [
                    { "id": ROLE_MEMBER, "name": "Fleet", "position": 1 },
                    { "id": ROLE_CORP, "name": "Corp", "position": 2 },
                    { "id": ROLE_BY_HAND, "name": "Hand picked", "position": 3 },
                    { "id": ROLE_BOT, "name": "Hub Bot", "position": 5 },
                    { "id": ROLE_ABOVE_BOT, "name": "Leadership", "position": 9 },
                ],
                "bot_roles": [ROLE_BOT],
            }),
        )
        .await;
    let admin = user(&stack, 9000, "Admin", "Admin").await;
    let player = user(&stack, 2_112_012_001, "Dee Pilot", "Dee").await;

    // ---- the guild: a site admin registers it; names and roles come from Discord ----
    let register = json!({ "guild_id": GUILD });
    assert_eq!(player.post("/api/discord/guilds", register.clone()).await.0, 403, "site admins only");
    assert_eq!(
        admin.post("/api/discord/guilds", json!({ "guild_id": "1" })).await.0,
        404,
        "not a guild of the bot"
    );
    let (status, guild) = admin.post("/api/discord/guilds", register).await;
    assert_eq!(status, 201, "{guild}");
    assert_eq!(guild["name"], "Blue Fleet");
    let role =
        |id: &str| guild["roles"].as_array().unwrap().iter().find(|r| r["role_id"] == id).unwrap().clone();
    assert_eq!(role(ROLE_MEMBER)["manageable"], true);
    assert_eq!(role(ROLE_ABOVE_BOT)["manageable"], false, "above the bot's highest role");
    assert_eq!(role(ROLE_BOT)["manageable"], false, "the bot's own role is not below itself");
    let managed =
        json!({ "managed_roles": [ROLE_MEMBER, ROLE_CORP], "allow_groups": true, "nickname_format": "name" });
    let (status, body) = patch(&admin, &format!("/api/discord/guilds/{GUILD}"), managed).await;
    assert!(status == 200 || status == 204, "{status} {body}");

    // A group and a corporation give roles.
    let (_, category) =
        admin.post("/api/groups/categories", json!({ "name": "Fleets", "permission": "anyone" })).await;
    let (status, group) = admin
        .post(
            "/api/groups",
            json!({ "category_id": category["id"], "name": "Fleet", "visibility": "public", "join_mode": "open" }),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["group"]["id"].as_str().or(group["id"].as_str()).unwrap().to_owned();
    let attach = |role: &str, kind: &str, invite: bool| {
        let mut body = json!({ "guild_id": GUILD, "role_id": role, "target_kind": kind, "auto_invite": invite, "auto_assign": true });
        match kind {
            "group" => body["group_id"] = json!(group_id),
            "corporation" => body["entity_id"] = json!(CORPORATION),
            _ => {}
        }
        body
    };
    let (status, body) = player.post("/api/discord/attachments", attach(ROLE_MEMBER, "group", true)).await;
    assert_eq!(status, 403, "a player who does not manage the group: {body}");
    let (status, body) = admin.post("/api/discord/attachments", attach(ROLE_BY_HAND, "group", true)).await;
    assert_eq!(status, 400, "a role the hub does not manage cannot be attached: {body}");
    let (status, body) =
        admin.post("/api/discord/attachments", attach(ROLE_CORP, "corporation", false)).await;
    assert_eq!(status, 400, "only a corporation the hub manages: {body}");
    let (status, body) = admin.post("/api/corporations", json!({ "corporation_id": CORPORATION })).await;
    assert!(status == 200 || status == 201, "{body}");
    for (role, kind, invite) in [(ROLE_MEMBER, "group", true), (ROLE_CORP, "corporation", false)] {
        let (status, body) = admin.post("/api/discord/attachments", attach(role, kind, invite)).await;
        assert_eq!(status, 201, "{body}");
    }

    // ---- link: the provider mix-up is refused both ways ----
    let (authorize_url, discord_cookie) = start_link(&stack, &player).await;
    let discord_state = reqwest::Url::parse(&authorize_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let at_eve = stack
        .http
        .get(stack.url(&format!("/api/auth/callback?code=x&state={discord_state}")))
        .header(COOKIE, format!("{LOGIN_COOKIE}={discord_cookie}"))
        .send()
        .await
        .unwrap();
    assert!(
        at_eve.status().is_client_error() || location(&at_eve).contains("error"),
        "a Discord state at the EVE callback"
    );
    assert!(
        set_cookie(&at_eve, SESSION_COOKIE).is_none_or(|v| v.is_empty()),
        "no session from a Discord state"
    );
    let (eve_callback, eve_cookie) = authorize(
        &stack,
        "/api/auth/login/start",
        None,
        &Pilot { id: 2_112_012_001, name: "Dee Pilot", owner: "Dee" },
    )
    .await;
    let eve_query = eve_callback.split_once('?').unwrap().1;
    let at_discord = stack
        .http
        .get(stack.url(&format!("/api/discord/callback?{eve_query}")))
        .header(COOKIE, format!("{LOGIN_COOKIE}={eve_cookie}; {SESSION_COOKIE}={}", player.session))
        .send()
        .await
        .unwrap();
    let refused = location(&at_discord);
    assert!(
        at_discord.status().is_client_error() || refused.contains("error"),
        "an EVE state at the Discord callback: {refused}"
    );
    let (_, me) = player.get("/api/discord/me").await;
    assert!(me["account"].is_null(), "nothing linked by a mixed-up state: {me}");

    let done = link(&stack, &player, PLAYER_DISCORD).await;
    assert_eq!(done.status().as_u16(), 302);
    assert!(!location(&done).contains("error"), "{}", location(&done));
    let (_, me) = player.get("/api/discord/me").await;
    assert_eq!(me["configured"], true);
    assert_eq!(me["account"]["discord_user_id"], PLAYER_DISCORD, "{me}");
    // One Discord account per user, one user per Discord account.
    let other = user(&stack, 2_112_012_003, "Other Pilot", "Other").await;
    let taken = link(&stack, &other, PLAYER_DISCORD).await;
    assert!(
        location(&taken).contains("discord_taken") || taken.status().as_u16() == 409,
        "{}",
        location(&taken)
    );
    assert!(other.get("/api/discord/me").await.1["account"].is_null());

    // Entitled to the corporation's role, which does not invite: not in the guild yet.
    expect_roles(
        &stack,
        PLAYER_DISCORD,
        None,
        Duration::from_secs(2),
        "no invite without an attachment asking",
    )
    .await;

    // ---- join a group: added to the guild with the roles within seconds ----
    let joined = Instant::now();
    let (status, body) = player.post(&format!("/api/groups/{group_id}/join"), json!({})).await;
    assert!(status == 200 || status == 201, "{body}");
    expect_roles(&stack, PLAYER_DISCORD, Some(&[ROLE_MEMBER, ROLE_CORP]), Duration::from_secs(5), "joining")
        .await;
    println!("join to roles in the guild: {} ms", joined.elapsed().as_millis());
    let guild_view = discord.read(&stack.http, &format!("/__guild/{GUILD}")).await;
    let member =
        guild_view["members"].as_array().unwrap().iter().find(|m| m["user"]["id"] == PLAYER_DISCORD).unwrap();
    assert_eq!(member["nick"], "Dee Pilot", "the nickname from the primary character");
    let peer_stats = discord.read(&stack.http, "/__stats").await;
    assert!(
        peer_stats["audit_reasons"].as_array().unwrap().iter().any(|r| r == "entitled to the server"),
        "the reason goes to Discord's audit log: {peer_stats}"
    );

    // ---- a role added by hand stays; leaving the group takes only the group's role ----
    discord
        .control(&stack.http, "/__member", json!({ "guild": GUILD, "user": PLAYER_DISCORD, "roles": [ROLE_MEMBER, ROLE_CORP, ROLE_BY_HAND] }))
        .await;
    let (status, body) = player.post(&format!("/api/groups/{group_id}/leave"), json!({})).await;
    assert!(status == 200 || status == 204, "{body}");
    expect_roles(&stack, PLAYER_DISCORD, Some(&[ROLE_CORP, ROLE_BY_HAND]), Duration::from_secs(5), "leaving")
        .await;
    let status = guild_status(&player).await;
    assert_eq!(status["membership"], "joined", "{status}");
    let given: Vec<&str> =
        status["roles"].as_array().unwrap().iter().map(|r| r["role_id"].as_str().unwrap()).collect();
    assert_eq!(given, [ROLE_CORP], "{status}");

    // ---- drift by hand is repaired at reconcile ----
    discord
        .control(
            &stack.http,
            "/__member",
            json!({ "guild": GUILD, "user": PLAYER_DISCORD, "roles": [ROLE_BY_HAND] }),
        )
        .await;
    let queued = reconcile(&stack).await;
    assert!(queued["queued"].as_i64().unwrap() >= 1, "{queued}");
    expect_roles(
        &stack,
        PLAYER_DISCORD,
        Some(&[ROLE_CORP, ROLE_BY_HAND]),
        Duration::from_secs(10),
        "reconcile",
    )
    .await;

    // ---- the member leaves the guild: 10007 recorded; not pulled back until entitlement changes ----
    discord.leave(&stack.http, GUILD, PLAYER_DISCORD).await;
    let (status, _) = player.post("/api/discord/me/sync", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(guild_status(&player).await["membership"], "left");
    player.post("/api/discord/me/sync", json!({})).await;
    assert_eq!(roles_in_guild(&stack, PLAYER_DISCORD).await, None, "not re-invited without a change");
    player.post(&format!("/api/groups/{group_id}/join"), json!({})).await;
    expect_roles(
        &stack,
        PLAYER_DISCORD,
        Some(&[ROLE_MEMBER, ROLE_CORP]),
        Duration::from_secs(5),
        "joining again",
    )
    .await;

    // ---- a sale: the corporation's role leaves with the character ----
    let seller = user(&stack, 2_112_012_002, "Sold Pilot", "Seller").await;
    assert_eq!(link(&stack, &seller, "650000000000000002").await.status().as_u16(), 302);
    discord
        .control(
            &stack.http,
            "/__member",
            json!({ "guild": GUILD, "user": "650000000000000002", "roles": [] }),
        )
        .await;
    seller.post("/api/discord/me/sync", json!({})).await;
    expect_roles(
        &stack,
        "650000000000000002",
        Some(&[ROLE_CORP]),
        Duration::from_secs(10),
        "the seller's corporation role",
    )
    .await;
    let _buyer = user(&stack, 2_112_012_002, "Sold Pilot", "Buyer").await;
    expect_roles(&stack, "650000000000000002", Some(&[]), Duration::from_secs(5), "the sale").await;

    // ---- a bot role placed too low: 50013 reported and not retried until the configuration changes ----
    let managed = json!({ "managed_roles": [ROLE_MEMBER, ROLE_CORP, ROLE_ABOVE_BOT] });
    patch(&admin, &format!("/api/discord/guilds/{GUILD}"), managed).await;
    let (status, body) = admin.post("/api/discord/attachments", attach(ROLE_ABOVE_BOT, "group", true)).await;
    assert_eq!(status, 201, "{body}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while guild_status(&player).await["problem"] != "cannot_manage_role" {
        assert!(Instant::now() < deadline, "no problem reported: {}", guild_status(&player).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = calls(&stack, "PUT /guilds/{g}/members/{u}/roles/{r}").await;
    let reads = calls(&stack, "GET /guilds/{g}/members/{u}").await;
    player.post("/api/discord/me/sync", json!({})).await;
    assert_eq!(calls(&stack, "PUT /guilds/{g}/members/{u}/roles/{r}").await, before, "not retried");
    assert_eq!(calls(&stack, "GET /guilds/{g}/members/{u}").await, reads, "not even read");
    let (_, guilds) = admin.get("/api/discord/guilds").await;
    assert_eq!(guilds["guilds"][0]["blocked_members"], 1, "shown to admins: {guilds}");
    assert!(guilds["guilds"][0]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["role_id"] == ROLE_ABOVE_BOT && r["manageable"] == false));
    let managed = json!({ "managed_roles": [ROLE_MEMBER, ROLE_CORP] });
    patch(&admin, &format!("/api/discord/guilds/{GUILD}"), managed).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !guild_status(&player).await["problem"].is_null() {
        assert!(
            Instant::now() < deadline,
            "the fixed configuration is tried again: {}",
            guild_status(&player).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // ---- a 429 storm: every change lands, no bucket is exceeded ----
    let mut pilots = Vec::new();
    // Three more pilots: logins per address are limited (20 a minute) and this story already made 10.
    for n in 0..3_i64 {
        let name: &'static str = Box::leak(format!("Storm Pilot {n}").into_boxed_str());
        let pilot = user(&stack, 2_112_012_100 + n, name, name).await;
        let discord_id = format!("6500000000000001{n:02}");
        assert_eq!(link(&stack, &pilot, &discord_id).await.status().as_u16(), 302);
        pilots.push((pilot, discord_id));
    }
    discord.control(&stack.http, "/__reset_stats", json!({})).await;
    discord
        .control(&stack.http, "/__ratelimit", json!({ "scope": "shared", "retry_after": 0.5, "count": 3 }))
        .await;
    discord
        .control(&stack.http, "/__ratelimit", json!({ "scope": "global", "retry_after": 0.3, "count": 1 }))
        .await;
    discord
        .control(&stack.http, "/__fail", json!({ "path": "/api/v10/guilds", "status": 502, "count": 2 }))
        .await;
    for (pilot, _) in &pilots {
        pilot.post(&format!("/api/groups/{group_id}/join"), json!({})).await;
    }
    for (_, discord_id) in &pilots {
        expect_roles(
            &stack,
            discord_id,
            Some(&[ROLE_MEMBER, ROLE_CORP]),
            Duration::from_secs(30),
            "the storm",
        )
        .await;
    }
    // Then more role calls at once than the bucket allows (5 per 2 s per guild): every pilot's
    // roles taken by hand, two calls each to put them back at reconcile.
    for (_, discord_id) in &pilots {
        discord
            .control(&stack.http, "/__member", json!({ "guild": GUILD, "user": discord_id, "roles": [] }))
            .await;
    }
    reconcile(&stack).await;
    for (_, discord_id) in &pilots {
        expect_roles(
            &stack,
            discord_id,
            Some(&[ROLE_MEMBER, ROLE_CORP]),
            Duration::from_secs(30),
            "reconcile",
        )
        .await;
    }
    let peer_stats = discord.read(&stack.http, "/__stats").await;
    assert!(
        peer_stats["by_route"]["PUT /guilds/{g}/members/{u}/roles/{r}"].as_i64().unwrap() >= 6,
        "more calls than one bucket window holds: {peer_stats}"
    );
    assert_eq!(peer_stats["exceeded"], 0, "no request over its bucket: {peer_stats}");
    assert!(peer_stats["rate_limited"].as_i64().unwrap() >= 4, "the scripted 429s were met: {peer_stats}");

    // ---- a ban takes the roles ----
    let banned = &pilots[0];
    let (status, body) =
        admin.post(&format!("/api/admin/users/{}/ban", banned.0.id), json!({ "reason": "spy" })).await;
    assert!(status == 200 || status == 204, "{body}");
    expect_roles(&stack, &banned.1, Some(&[]), Duration::from_secs(5), "the ban").await;

    // ---- unlink: the grant is revoked, the hub's roles go, the others stay ----
    discord
        .control(&stack.http, "/__member", json!({ "guild": GUILD, "user": PLAYER_DISCORD, "roles": [ROLE_MEMBER, ROLE_CORP, ROLE_BY_HAND] }))
        .await;
    let (status, body) = player.delete("/api/discord/me").await;
    assert_eq!(status, 204, "{body}");
    expect_roles(&stack, PLAYER_DISCORD, Some(&[ROLE_BY_HAND]), Duration::from_secs(2), "unlinking").await;
    let peer_stats = discord.read(&stack.http, "/__stats").await;
    assert!(
        peer_stats["calls"].as_array().unwrap().iter().any(|c| c["route"] == "revoke"),
        "revoked at Discord"
    );
    assert!(player.get("/api/discord/me").await.1["account"].is_null());
    let (_, audit) = admin.get(&format!("/api/admin/audit?user_id={}", player.id)).await;
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["discord_linked", "discord_role_added", "discord_role_removed", "discord_unlinked"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
}
