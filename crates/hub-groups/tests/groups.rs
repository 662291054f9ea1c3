//! Groups against a real, migrated Postgres (a fresh database per test).

use hub_domain::notification::NotificationKind;
use hub_domain::UserId;
use hub_groups::*;
use hub_native::pg::{connect, TestDatabase};
use hub_ports::{ManualClock, OsRandom, PgError, PgRow, PgValue, Postgres, Random};
use std::cell::Cell;
use uuid::Uuid;

const T0: i64 = 1_800_000_000_000;

/// A user holding one character (`id`), optionally in a corporation and alliance.
async fn user(pg: &impl Postgres, character: i64, corporation: Option<i64>, alliance: Option<i64>) -> Caller {
    let id = UserId(OsRandom.uuid_v4());
    pg.execute("INSERT INTO users (id) VALUES ($1)", &[PgValue::Uuid(id.0)]).await.unwrap();
    pg.execute(
        "INSERT INTO characters (id, user_id, name, owner_hash, corporation_id, alliance_id) VALUES ($1, $2, $3, 'h', $4, $5)",
        &[
            PgValue::Int(character),
            PgValue::Uuid(id.0),
            PgValue::Text(format!("Pilot {character}")),
            corporation.map_or(PgValue::Null, PgValue::Int),
            alliance.map_or(PgValue::Null, PgValue::Int),
        ],
    )
    .await
    .unwrap();
    pg.execute(
        "UPDATE users SET main_character_id = $2 WHERE id = $1",
        &[PgValue::Uuid(id.0), PgValue::Int(character)],
    )
    .await
    .unwrap();
    Caller { user_id: id, site_admin: false }
}

async fn category(
    pg: &impl Postgres,
    admin: &Caller,
    name: &str,
    permission: CategoryPermission,
) -> Category {
    let new = NewCategory { name: name.into(), description: String::new(), permission };
    create_category(pg, &OsRandom, admin, &new).await.unwrap()
}

async fn group(
    pg: &impl Postgres,
    owner: &Caller,
    category: Uuid,
    name: &str,
    visibility: Visibility,
    join_mode: JoinMode,
) -> Uuid {
    let new = NewGroup {
        category_id: category,
        name: name.into(),
        description: format!("{name} group"),
        visibility,
        join_mode,
    };
    create_group(pg, &OsRandom, owner, &new).await.unwrap().group.id
}

fn assert_err<T: std::fmt::Debug>(result: Result<T>, expected: fn(&GroupError) -> bool, what: &str) {
    match result {
        Err(e) if expected(&e) => {}
        other => panic!("{what}: unexpected {other:?}"),
    }
}

fn conflict(e: &GroupError) -> bool {
    matches!(e, GroupError::Conflict(_))
}
fn forbidden(e: &GroupError) -> bool {
    matches!(e, GroupError::Forbidden(_))
}
fn not_found(e: &GroupError) -> bool {
    matches!(e, GroupError::NotFound(_))
}

async fn log_reasons(pg: &impl Postgres, group: Uuid) -> Vec<(String, String)> {
    let rows = pg
        .query(
            "SELECT action, reason FROM group_membership_log WHERE group_id = $1 ORDER BY id",
            &[PgValue::Uuid(group)],
        )
        .await
        .unwrap();
    rows.iter().map(|r| (r.0[0].as_str().unwrap().to_owned(), r.0[1].as_str().unwrap().to_owned())).collect()
}

#[tokio::test]
async fn categories_are_for_site_admins_and_their_permission_gates_group_creation() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let mut admin = user(&pg, 1, None, None).await;
    admin.site_admin = true;
    let player = user(&pg, 2, None, None).await;

    let new = NewCategory {
        name: "Fleets".into(),
        description: String::new(),
        permission: CategoryPermission::Anyone,
    };
    assert_err(create_category(&pg, &OsRandom, &player, &new).await, forbidden, "players make no categories");
    let fleets = create_category(&pg, &OsRandom, &admin, &new).await.unwrap();
    assert_err(create_category(&pg, &OsRandom, &admin, &new).await, conflict, "duplicate name");
    let blank = NewCategory { name: "  ".into(), ..new.clone() };
    assert!(matches!(create_category(&pg, &OsRandom, &admin, &blank).await, Err(GroupError::Invalid(_))));
    let official = category(&pg, &admin, "Official", CategoryPermission::AdminOnly).await;

    // Anyone creates groups in Fleets; only site admins in Official; system groups are theirs too.
    group(&pg, &player, fleets.id, "Roams", Visibility::Public, JoinMode::Open).await;
    let in_official = NewGroup {
        category_id: official.id,
        name: "Directors".into(),
        description: String::new(),
        visibility: Visibility::Public,
        join_mode: JoinMode::Open,
    };
    assert_err(create_group(&pg, &OsRandom, &player, &in_official).await, forbidden, "admin-only category");
    let system = NewGroup { category_id: fleets.id, visibility: Visibility::System, ..in_official.clone() };
    assert_err(create_group(&pg, &OsRandom, &player, &system).await, forbidden, "system group");
    create_group(&pg, &OsRandom, &admin, &in_official).await.unwrap();
    let unknown = NewGroup { category_id: Uuid::nil(), ..in_official.clone() };
    assert_err(create_group(&pg, &OsRandom, &admin, &unknown).await, not_found, "unknown category");

    let patch = CategoryPatch { name: Some("Fleet ops".into()), ..CategoryPatch::default() };
    assert_eq!(update_category(&pg, &admin, fleets.id, &patch).await.unwrap().name, "Fleet ops");
    assert_err(delete_category(&pg, &admin, fleets.id).await, conflict, "non-empty category");
    let empty = category(&pg, &admin, "Empty", CategoryPermission::Anyone).await;
    delete_category(&pg, &admin, empty.id).await.unwrap();
    assert_err(delete_category(&pg, &admin, empty.id).await, not_found, "deleted twice");
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one story: each step builds on the state the previous one left
async fn every_way_in_and_out_with_roles_notifications_and_the_log() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let clock = ManualClock::at(T0);
    let mut site_admin = user(&pg, 10, None, None).await;
    site_admin.site_admin = true;
    let owner = user(&pg, 11, None, None).await;
    let alice = user(&pg, 12, None, None).await;
    let bob = user(&pg, 13, None, None).await;
    let cat = category(&pg, &site_admin, "Social", CategoryPermission::Anyone).await;
    let open = group(&pg, &owner, cat.id, "Open", Visibility::Public, JoinMode::Open).await;
    let approval = group(&pg, &owner, cat.id, "Approval", Visibility::Public, JoinMode::Approval).await;
    let invite_only =
        group(&pg, &owner, cat.id, "Invite", Visibility::Public, JoinMode::InvitationOnly).await;

    // Open: join, not twice, leave.
    join(&pg, &alice, open).await.unwrap();
    assert_err(join(&pg, &alice, open).await, conflict, "double membership");
    leave(&pg, &alice, open).await.unwrap();
    assert_err(leave(&pg, &alice, open).await, conflict, "leaving twice");
    assert_err(leave(&pg, &owner, open).await, conflict, "the owner leaves only after handing over");
    assert_err(join(&pg, &alice, invite_only).await, conflict, "invitation only");
    assert_err(join(&pg, &alice, approval).await, conflict, "approval needs a request");
    assert_err(join(&pg, &alice, Uuid::nil()).await, not_found, "unknown group");

    // Approval: request, the owner hears of it; a member cannot decide; the owner approves.
    let asked = request_join(&pg, &OsRandom, &alice, approval, "fly with you").await.unwrap();
    assert_eq!(asked.notify.len(), 1);
    assert_eq!(
        (asked.notify[0].user_id, asked.notify[0].kind),
        (owner.user_id, NotificationKind::JoinRequestReceived)
    );
    assert_err(
        request_join(&pg, &OsRandom, &alice, approval, "again").await,
        conflict,
        "one pending request",
    );
    assert_err(
        decide_request(&pg, &bob, approval, asked.value.id, true).await,
        forbidden,
        "outsiders do not decide",
    );
    let approved = decide_request(&pg, &owner, approval, asked.value.id, true).await.unwrap();
    assert_eq!(approved.value.status, "approved");
    assert_eq!(
        (approved.notify[0].user_id, approved.notify[0].kind),
        (alice.user_id, NotificationKind::RequestApproved)
    );
    assert_err(decide_request(&pg, &owner, approval, asked.value.id, false).await, conflict, "decided twice");
    // Rejection and cancellation.
    let bobs = request_join(&pg, &OsRandom, &bob, approval, "").await.unwrap();
    let rejected = decide_request(&pg, &owner, approval, bobs.value.id, false).await.unwrap();
    assert_eq!(rejected.notify[0].kind, NotificationKind::RequestRejected);
    let again = request_join(&pg, &OsRandom, &bob, approval, "please").await.unwrap();
    cancel_request(&pg, &bob, approval, again.value.id).await.unwrap();
    assert_err(
        cancel_request(&pg, &alice, approval, again.value.id).await,
        not_found,
        "someone else's request",
    );

    // Invitations: by character; accept and decline.
    assert_err(invite(&pg, &OsRandom, &alice, invite_only, 13).await, forbidden, "members do not invite");
    assert_err(invite(&pg, &OsRandom, &owner, invite_only, 999).await, not_found, "unknown character");
    let invited = invite(&pg, &OsRandom, &owner, invite_only, 13).await.unwrap();
    assert_eq!(
        (invited.notify[0].user_id, invited.notify[0].kind),
        (bob.user_id, NotificationKind::InvitationReceived)
    );
    assert_err(invite(&pg, &OsRandom, &owner, invite_only, 13).await, conflict, "one pending invitation");
    assert_eq!(my_invitations(&pg, &bob).await.unwrap().len(), 1);
    assert_err(respond_invitation(&pg, &alice, invited.value.id, true).await, not_found, "not hers");
    respond_invitation(&pg, &bob, invited.value.id, true).await.unwrap();
    assert_err(respond_invitation(&pg, &bob, invited.value.id, true).await, conflict, "answered twice");
    let to_alice = invite(&pg, &OsRandom, &owner, invite_only, 12).await.unwrap();
    respond_invitation(&pg, &alice, to_alice.value.id, false).await.unwrap();
    assert!(my_invitations(&pg, &alice).await.unwrap().is_empty());

    // Invite codes: shown once, limited uses, revocable, expiring.
    let code = create_invite_code(
        &pg,
        &OsRandom,
        &clock,
        &owner,
        open,
        &NewInviteCode { max_uses: Some(1), expires_in_hours: Some(1) },
    )
    .await
    .unwrap();
    let secret = code.code.clone().unwrap();
    assert!(list_invite_codes(&pg, &owner, open).await.unwrap()[0].code.is_none(), "only the hash is kept");
    assert_err(redeem_code(&pg, &clock, &alice, "not-a-code").await, not_found, "unknown code");
    redeem_code(&pg, &clock, &alice, &secret).await.unwrap();
    assert_err(redeem_code(&pg, &clock, &bob, &secret).await, conflict, "used up");
    let code = create_invite_code(
        &pg,
        &OsRandom,
        &clock,
        &owner,
        open,
        &NewInviteCode { max_uses: None, expires_in_hours: Some(1) },
    )
    .await
    .unwrap();
    clock.advance_ms(3_600_000);
    assert_err(redeem_code(&pg, &clock, &bob, code.code.as_deref().unwrap()).await, conflict, "expired");
    let code = create_invite_code(
        &pg,
        &OsRandom,
        &clock,
        &owner,
        open,
        &NewInviteCode { max_uses: None, expires_in_hours: None },
    )
    .await
    .unwrap();
    revoke_invite_code(&pg, &owner, open, code.id).await.unwrap();
    assert_err(redeem_code(&pg, &clock, &bob, code.code.as_deref().unwrap()).await, conflict, "revoked");

    // Running the group: admins, removal, ownership.
    assert_err(add_admin(&pg, &alice, open, bob.user_id).await, forbidden, "only the owner adds admins");
    assert_err(add_admin(&pg, &owner, open, bob.user_id).await, conflict, "admins are members");
    let made = add_admin(&pg, &owner, open, alice.user_id).await.unwrap();
    assert_eq!(made.notify[0].kind, NotificationKind::MadeAdmin);
    join(&pg, &bob, open).await.unwrap();
    let removed = remove_member(&pg, &alice, open, bob.user_id).await.unwrap();
    assert_eq!(
        (removed.notify[0].user_id, removed.notify[0].kind),
        (bob.user_id, NotificationKind::RemovedFromGroup)
    );
    assert_err(remove_member(&pg, &alice, open, owner.user_id).await, forbidden, "nobody removes the owner");
    assert_err(remove_member(&pg, &bob, open, alice.user_id).await, forbidden, "outsiders remove nobody");
    let handed = transfer_ownership(&pg, &owner, open, alice.user_id).await.unwrap();
    assert_eq!(
        (handed.notify[0].user_id, handed.notify[0].kind),
        (alice.user_id, NotificationKind::OwnershipTransferred)
    );
    let detail = group_detail(&pg, &owner, open).await.unwrap();
    assert_eq!(
        (detail.role, detail.group.is_owner, detail.group.is_admin),
        (Role::Admin, false, true),
        "the old owner stays admin"
    );
    leave(&pg, &owner, open).await.unwrap();
    // The owner holds no admin row, so removing them as an admin is refused (for anyone).
    remove_admin(&pg, &site_admin, approval, owner.user_id).await.unwrap_err();
    let said = announce(&pg, &alice, open, "fleet at 20:00").await.unwrap();
    assert_eq!(said.value, 1, "alice is the only member left");
    assert!(said
        .notify
        .iter()
        .all(|n| n.kind == NotificationKind::GroupAnnouncement && n.title.contains("20:00")));
    assert_err(announce(&pg, &bob, open, "spam").await, forbidden, "outsiders do not announce");
    assert!(matches!(announce(&pg, &alice, open, " ").await, Err(GroupError::Invalid(_))));
    let deleted = delete_group(&pg, &site_admin, invite_only).await.unwrap();
    assert_eq!(deleted.notify.len(), 2, "both members hear of it");

    let reasons = log_reasons(&pg, open).await;
    for expected in [
        ("joined", "owner"),
        ("joined", "manual"),
        ("left", "manual"),
        ("joined", "code"),
        ("made_admin", "owner"),
        ("removed", "admin"),
        ("ownership_transferred", "owner"),
    ] {
        assert!(
            reasons.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {reasons:?}"
        );
    }
    assert!(log_reasons(&pg, approval).await.contains(&("joined".into(), "approval".into())));
    assert!(
        log_reasons(&pg, invite_only).await.contains(&("joined".into(), "invitation".into())),
        "kept after deletion"
    );
}

#[tokio::test]
async fn hidden_and_system_groups() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let mut admin = user(&pg, 20, None, None).await;
    admin.site_admin = true;
    let owner = user(&pg, 21, None, None).await;
    let outsider = user(&pg, 22, None, None).await;
    let cat = category(&pg, &admin, "Ops", CategoryPermission::Anyone).await;
    let hidden = group(&pg, &owner, cat.id, "Black ops", Visibility::Hidden, JoinMode::Open).await;
    let system = group(&pg, &admin, cat.id, "Everyone", Visibility::System, JoinMode::Open).await;

    let names = |groups: Vec<GroupView>| groups.into_iter().map(|g| g.name).collect::<Vec<_>>();
    assert_eq!(names(list_groups(&pg, &outsider, &GroupFilter::default()).await.unwrap()), vec!["Everyone"]);
    assert_eq!(
        names(list_groups(&pg, &owner, &GroupFilter::default()).await.unwrap()),
        vec!["Black ops", "Everyone"]
    );
    assert_eq!(names(list_groups(&pg, &admin, &GroupFilter::default()).await.unwrap()).len(), 2);
    assert_err(group_detail(&pg, &outsider, hidden).await, not_found, "hidden from outsiders");
    assert_err(
        join(&pg, &outsider, hidden).await,
        not_found,
        "hidden groups are entered by invitation or code",
    );
    assert_err(join(&pg, &outsider, system).await, conflict, "system groups are not joined by hand");
    assert_err(members(&pg, &outsider, system, 10, 0).await, forbidden, "members only");

    // An invitation reaches a hidden group.
    let invitation = invite(&pg, &OsRandom, &owner, hidden, 22).await.unwrap();
    assert_eq!(my_invitations(&pg, &outsider).await.unwrap()[0].group_name, "Black ops");
    respond_invitation(&pg, &outsider, invitation.value.id, true).await.unwrap();
    assert_eq!(group_detail(&pg, &outsider, hidden).await.unwrap().role, Role::Member);
    let page = members(&pg, &outsider, hidden, 1, 0).await.unwrap();
    assert_eq!((page.total, page.members.len(), page.members[0].role), (2, 1, Role::Owner));
    assert_eq!(
        members(&pg, &outsider, hidden, 1, 1).await.unwrap().members[0].character_name.as_deref(),
        Some("Pilot 22")
    );
    let search = GroupFilter { search: Some("black".into()), ..GroupFilter::default() };
    assert_eq!(names(list_groups(&pg, &outsider, &search).await.unwrap()), vec!["Black ops"]);
    let literal = GroupFilter { search: Some("%".into()), ..GroupFilter::default() };
    assert!(list_groups(&pg, &outsider, &literal).await.unwrap().is_empty(), "wildcards are literal");
}

#[tokio::test]
async fn affiliation_rules_join_restrict_and_follow_changes() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let mut admin = user(&pg, 30, None, None).await;
    admin.site_admin = true;
    let corp_member = user(&pg, 31, Some(98_000_001), Some(99_000_001)).await;
    let ally_member = user(&pg, 32, Some(98_000_002), Some(99_000_001)).await;
    let stranger = user(&pg, 33, Some(98_000_003), None).await;
    let cat = category(&pg, &admin, "Corp", CategoryPermission::AdminOnly).await;
    let corp = group(&pg, &admin, cat.id, "Corp members", Visibility::System, JoinMode::Open).await;
    let alliance_only = group(&pg, &admin, cat.id, "Alliance chat", Visibility::Public, JoinMode::Open).await;

    let auto =
        NewRule { kind: AffiliationKind::Corporation, entity_id: 98_000_001, effect: RuleEffect::AutoJoin };
    let (_, joined) = add_rule(&pg, &OsRandom, &admin, corp, &auto).await.unwrap();
    assert_eq!(joined, 1, "the matching user joined at once");
    assert!(group_detail(&pg, &corp_member, corp).await.unwrap().group.is_member);
    assert_err(add_rule(&pg, &OsRandom, &admin, corp, &auto).await, conflict, "duplicate rule");

    let eligible =
        NewRule { kind: AffiliationKind::Alliance, entity_id: 99_000_001, effect: RuleEffect::Eligible };
    add_rule(&pg, &OsRandom, &admin, alliance_only, &eligible).await.unwrap();
    join(&pg, &ally_member, alliance_only).await.unwrap();
    assert_err(join(&pg, &stranger, alliance_only).await, forbidden, "not in the alliance");

    // The corp member moves to the stranger's corporation: they leave both groups; the stranger,
    // once in the corporation, joins by rule.
    pg.execute("UPDATE characters SET corporation_id = 98000003, alliance_id = NULL WHERE id = 31", &[])
        .await
        .unwrap();
    join(&pg, &corp_member, alliance_only).await.unwrap_err();
    let changes = reevaluate_user(&pg, corp_member.user_id).await.unwrap();
    assert_eq!(changes.value.len(), 1);
    assert!(!changes.value[0].joined);
    assert_eq!(changes.notify[0].kind, NotificationKind::RemovedFromGroup);
    pg.execute("UPDATE characters SET corporation_id = 98000001 WHERE id = 33", &[]).await.unwrap();
    let changes = reevaluate_user(&pg, stranger.user_id).await.unwrap();
    assert_eq!(
        changes.value,
        vec![RuleChange { group_id: corp, group_name: "Corp members".into(), joined: true }]
    );
    assert!(reevaluate_user(&pg, stranger.user_id).await.unwrap().value.is_empty(), "idempotent");
    // The ally member leaves the alliance: the eligibility rule removes them.
    pg.execute("UPDATE characters SET alliance_id = NULL WHERE id = 32", &[]).await.unwrap();
    assert_eq!(reevaluate_user(&pg, ally_member.user_id).await.unwrap().value.len(), 1);
    let reasons = log_reasons(&pg, corp).await;
    assert!(
        reasons.contains(&("joined".into(), "rule".into()))
            && reasons.contains(&("removed".into(), "rule".into()))
    );
}

/// Counts statements, to show listings cost the same whatever the number of groups.
struct Counting<P> {
    inner: P,
    statements: Cell<usize>,
}

impl<P: Postgres> Postgres for Counting<P> {
    async fn query(&self, sql: &str, params: &[PgValue]) -> std::result::Result<Vec<PgRow>, PgError> {
        self.statements.set(self.statements.get() + 1);
        self.inner.query(sql, params).await
    }

    async fn execute(&self, sql: &str, params: &[PgValue]) -> std::result::Result<u64, PgError> {
        self.statements.set(self.statements.get() + 1);
        self.inner.execute(sql, params).await
    }
}

#[tokio::test]
async fn listings_cost_a_constant_number_of_queries() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let mut admin = user(&pg, 40, None, None).await;
    admin.site_admin = true;
    let viewer = user(&pg, 41, None, None).await;
    let mut counts = Vec::new();
    for round in 0..2 {
        let cat = category(&pg, &admin, &format!("Category {round}"), CategoryPermission::Anyone).await;
        for i in 0..(if round == 0 { 3 } else { 40 }) {
            let id =
                group(&pg, &admin, cat.id, &format!("Group {i}"), Visibility::Public, JoinMode::Open).await;
            if i % 2 == 0 {
                join(&pg, &viewer, id).await.unwrap();
            }
        }
        let counting = Counting { inner: connect(&db.url).await.unwrap(), statements: Cell::new(0) };
        let listing = categories_with_groups(&counting, &viewer, None).await.unwrap();
        let groups: usize = listing.iter().map(|c| c.groups.len()).sum();
        let mine = list_groups(&counting, &viewer, &GroupFilter { mine: true, ..GroupFilter::default() })
            .await
            .unwrap();
        assert!(mine.iter().all(|g| g.is_member && g.member_count == 2));
        counts.push((groups, counting.statements.get()));
    }
    assert_eq!(counts[0].0, 3);
    assert_eq!(counts[1].0, 43);
    assert_eq!(counts[0].1, counts[1].1, "the same number of queries for 3 and 43 groups: {counts:?}");
    assert_eq!(counts[0].1, 3, "categories, groups, my groups");
}

#[tokio::test]
async fn racing_joins_make_one_membership() {
    let db = TestDatabase::create().await;
    let setup = connect(&db.url).await.unwrap();
    let mut admin = user(&setup, 50, None, None).await;
    admin.site_admin = true;
    let player = user(&setup, 51, None, None).await;
    let cat = category(&setup, &admin, "Race", CategoryPermission::Anyone).await;
    let id = group(&setup, &admin, cat.id, "Race", Visibility::Public, JoinMode::Open).await;
    let (a, b) = (connect(&db.url).await.unwrap(), connect(&db.url).await.unwrap());
    let (x, y) = tokio::join!(join(&a, &player, id), join(&b, &player, id));
    assert_eq!(usize::from(x.is_ok()) + usize::from(y.is_ok()), 1, "{x:?} {y:?}");
    let count = setup
        .query("SELECT count(*) FROM group_members WHERE group_id = $1", &[PgValue::Uuid(id)])
        .await
        .unwrap();
    assert_eq!(count[0].0[0], PgValue::Int(2));
}

/// Rows of one table whose `status` column is `status`.
async fn with_status(pg: &impl Postgres, table: &str, status: &str) -> i64 {
    let rows = pg
        .query(&format!("SELECT count(*) FROM {table} WHERE status = $1"), &[PgValue::Text(status.into())])
        .await
        .unwrap();
    rows[0].int(0).unwrap()
}

#[tokio::test]
async fn every_path_id_is_checked_before_anything_changes() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let admin = Caller { site_admin: true, ..user(&pg, 1, None, None).await };
    let owner = user(&pg, 2, None, None).await;
    let alice = user(&pg, 3, None, None).await;
    let cat = category(&pg, &admin, "Ops", CategoryPermission::Anyone).await;
    // The owner runs two groups; alice asks to join one and is invited to the other.
    let mine = group(&pg, &owner, cat.id, "Mine", Visibility::Public, JoinMode::Approval).await;
    let other = group(&pg, &owner, cat.id, "Other", Visibility::Public, JoinMode::InvitationOnly).await;
    let asked = request_join(&pg, &OsRandom, &alice, mine, "").await.unwrap().value;
    let invited = invite(&pg, &OsRandom, &owner, other, 3).await.unwrap().value;

    // The right objects under the wrong group: 404, and nothing is decided, cancelled or revoked.
    for approve in [true, false] {
        assert_err(
            decide_request(&pg, &owner, other, asked.id, approve).await,
            not_found,
            "request of another group",
        );
    }
    assert_err(cancel_request(&pg, &alice, other, asked.id).await, not_found, "cancel under another group");
    assert_err(
        revoke_invitation(&pg, &owner, mine, invited.id).await,
        not_found,
        "revoke under another group",
    );
    assert_eq!(with_status(&pg, "group_join_requests", "pending").await, 1, "the request is untouched");
    assert_eq!(with_status(&pg, "group_invitations", "pending").await, 1, "the invitation is untouched");
    let members = members(&pg, &owner, mine, 50, 0).await.unwrap();
    assert_eq!(members.total, 1, "nobody joined: {members:?}");

    // Under the right group they work.
    decide_request(&pg, &owner, mine, asked.id, true).await.unwrap();
    revoke_invitation(&pg, &owner, other, invited.id).await.unwrap();
}

#[tokio::test]
async fn a_banned_users_memberships_stay_recorded_but_give_nothing() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let admin = Caller { site_admin: true, ..user(&pg, 1, None, None).await };
    let owner = user(&pg, 2, None, None).await;
    let banned = user(&pg, 3, None, None).await;
    let cat = category(&pg, &admin, "Ops", CategoryPermission::Anyone).await;
    let open = group(&pg, &owner, cat.id, "Fleet", Visibility::Public, JoinMode::Open).await;
    join(&pg, &banned, open).await.unwrap();
    add_admin(&pg, &owner, open, banned.user_id).await.unwrap();
    let ban = |disabled: bool| {
        let sql = if disabled {
            "UPDATE users SET disabled_at = now() WHERE id = $1"
        } else {
            "UPDATE users SET disabled_at = NULL WHERE id = $1"
        };
        let pg = &pg;
        async move { pg.execute(sql, &[PgValue::Uuid(banned.user_id.0)]).await.unwrap() }
    };
    ban(true).await;

    let listed = list_groups(&pg, &owner, &GroupFilter { group_id: Some(open), ..GroupFilter::default() })
        .await
        .unwrap();
    assert_eq!(listed[0].member_count, 1, "the banned member does not count");
    let page = members(&pg, &owner, open, 50, 0).await.unwrap();
    let suspended: Vec<bool> = page.members.iter().map(|m| m.suspended).collect();
    assert_eq!(page.total, 2, "still recorded: {page:?}");
    assert!(suspended.contains(&true) && suspended.contains(&false), "{page:?}");
    let said = announce(&pg, &owner, open, "fleet at 20:00").await.unwrap();
    assert_eq!(
        said.notify.iter().map(|n| n.user_id).collect::<Vec<_>>(),
        vec![owner.user_id],
        "nothing to the banned"
    );
    let asked = request_join(
        &pg,
        &OsRandom,
        &user(&pg, 4, None, None).await,
        group(&pg, &owner, cat.id, "Vetted", Visibility::Public, JoinMode::Approval).await,
        "",
    )
    .await
    .unwrap();
    assert!(asked.notify.iter().all(|n| n.user_id != banned.user_id));

    // Lifting the ban restores everything.
    ban(false).await;
    let listed = list_groups(&pg, &owner, &GroupFilter { group_id: Some(open), ..GroupFilter::default() })
        .await
        .unwrap();
    assert_eq!(listed[0].member_count, 2);
    assert_eq!(announce(&pg, &owner, open, "again").await.unwrap().notify.len(), 2);
}
