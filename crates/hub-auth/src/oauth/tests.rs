use super::*;
use hub_domain::UserId;
use hub_native::SqliteStorage;
use hub_ports::{ManualClock, OsRandom, SeededRandom};

fn storage() -> SqliteStorage {
    let storage = SqliteStorage::in_memory();
    migrate(&storage).unwrap();
    migrate(&storage).unwrap();
    storage
}

/// A start from one client, in shard 3.
fn start(provider: Provider, flow: &Flow, return_to: Option<&str>) -> Start {
    Start {
        shard: 3,
        client: client_key(Some("198.51.100.1")),
        provider,
        flow: flow.clone(),
        return_to: return_to.map(str::to_owned),
    }
}

#[test]
fn a_state_is_single_use_and_returns_its_flow() {
    let (storage, clock) = (storage(), ManualClock::at(1_000));
    let user = UserId(OsRandom.uuid_v4());
    let flow = Flow::LinkCharacter { user_id: user };
    let begun = begin(
        &storage,
        &OsRandom,
        &clock,
        &start(Provider::Eve, &flow, Some("/characters?tab=2")),
        &Limits::DEFAULT,
    )
    .unwrap();
    assert!(begun.state.len() >= 22, "at least 128 bits");

    let pending = finish(&storage, &clock, Provider::Eve, &begun.state, Some(&begun.browser_nonce)).unwrap();
    assert_eq!(pending.flow, flow);
    assert_eq!(pending.return_to.as_deref(), Some("/characters?tab=2"));
    assert_eq!(code_challenge(&pending.code_verifier), begun.code_challenge, "PKCE S256");

    let replay = finish(&storage, &clock, Provider::Eve, &begun.state, Some(&begun.browser_nonce));
    assert_eq!(replay, Err(StateError::Unknown), "a replayed state finds nothing");
}

#[test]
fn foreign_expired_unknown_and_mixed_up_states_are_refused_and_consumed() {
    let (storage, clock) = (storage(), ManualClock::at(1_000));
    let a = begin(&storage, &OsRandom, &clock, &start(Provider::Eve, &Flow::Login, None), &Limits::DEFAULT)
        .unwrap();
    assert_eq!(
        finish(&storage, &clock, Provider::Eve, &a.state, Some("another-browser")),
        Err(StateError::ForeignBrowser)
    );
    assert_eq!(
        finish(&storage, &clock, Provider::Eve, &a.state, Some(&a.browser_nonce)),
        Err(StateError::Unknown)
    );

    let b = begin(&storage, &OsRandom, &clock, &start(Provider::Eve, &Flow::Login, None), &Limits::DEFAULT)
        .unwrap();
    assert_eq!(finish(&storage, &clock, Provider::Eve, &b.state, None), Err(StateError::ForeignBrowser));

    let c = begin(&storage, &OsRandom, &clock, &start(Provider::Eve, &Flow::Login, None), &Limits::DEFAULT)
        .unwrap();
    assert_eq!(
        finish(&storage, &clock, Provider::Discord, &c.state, Some(&c.browser_nonce)),
        Err(StateError::WrongProvider)
    );

    let d = begin(&storage, &OsRandom, &clock, &start(Provider::Eve, &Flow::Login, None), &Limits::DEFAULT)
        .unwrap();
    clock.advance_ms(STATE_TTL_MS);
    assert_eq!(
        finish(&storage, &clock, Provider::Eve, &d.state, Some(&d.browser_nonce)),
        Err(StateError::Expired)
    );

    assert_eq!(finish(&storage, &clock, Provider::Eve, "made-up", Some("x")), Err(StateError::Unknown));
}

#[test]
fn abandoned_states_are_swept() {
    let (storage, clock) = (storage(), ManualClock::at(1_000));
    for _ in 0..3 {
        begin(&storage, &OsRandom, &clock, &start(Provider::Eve, &Flow::Login, None), &Limits::DEFAULT)
            .unwrap();
    }
    clock.advance_ms(STATE_TTL_MS + 1);
    begin(&storage, &OsRandom, &clock, &start(Provider::Eve, &Flow::Login, None), &Limits::DEFAULT).unwrap();
    let count = storage.exec("SELECT count(*) FROM login_state", &[]).unwrap();
    assert_eq!(count, vec![vec![SqlValue::Integer(1)]]);
}

#[test]
fn return_to_accepts_only_same_origin_paths() {
    assert_eq!(safe_return_to("/groups/42?x=1#top").as_deref(), Some("/groups/42?x=1#top"));
    for bad in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/ok\r\nSet-Cookie: x=1",
        "",
    ] {
        assert_eq!(safe_return_to(bad), None, "{bad:?}");
    }
    assert_eq!(safe_return_to(&format!("/{}", "a".repeat(600))), None);

    // An unsafe return_to is dropped at begin, not stored.
    let (storage, clock) = (storage(), ManualClock::at(1_000));
    let begun = begin(
        &storage,
        &OsRandom,
        &clock,
        &start(Provider::Eve, &Flow::Login, Some("//evil.example")),
        &Limits::DEFAULT,
    )
    .unwrap();
    let pending = finish(&storage, &clock, Provider::Eve, &begun.state, Some(&begun.browser_nonce)).unwrap();
    assert_eq!(pending.return_to, None);
}

#[test]
fn code_challenges_follow_rfc_7636() {
    // RFC 7636 appendix B test vector.
    assert_eq!(
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn seeded_states_differ_per_login() {
    let (storage, clock) = (storage(), ManualClock::at(1));
    let random = SeededRandom::new(9);
    let a = begin(&storage, &random, &clock, &start(Provider::Eve, &Flow::Login, None), &Limits::DEFAULT)
        .unwrap();
    let b = begin(&storage, &random, &clock, &start(Provider::Eve, &Flow::Login, None), &Limits::DEFAULT)
        .unwrap();
    assert_ne!(a.state, b.state);
    assert_ne!(a.code_challenge, b.code_challenge, "a fresh verifier per login");
}

#[test]
fn states_name_their_shard_and_clients_map_to_shards() {
    let (storage, clock) = (storage(), ManualClock::at(1_000));
    let begun =
        begin(&storage, &OsRandom, &clock, &start(Provider::Eve, &Flow::Login, None), &Limits::DEFAULT)
            .unwrap();
    assert_eq!(shard_of_state(&begun.state), Some(3));
    assert_eq!(shard_of_state("zzz"), None, "not a state we issued");
    assert_eq!(shard_of_state(""), None);
    let client = client_key(Some("203.0.113.5"));
    assert_eq!(client.len(), 16);
    assert!(!client.contains("203.0.113.5"), "addresses are hashed");
    assert!(shard_of_client(&client) < STATE_SHARDS);
    assert_eq!(client_key(Some("203.0.113.5")), client, "stable");
    assert_ne!(client_key(Some("203.0.113.6")), client);
    assert_eq!(shard_object(11), "login-states-b");
}

#[test]
fn starts_are_limited_per_client_and_a_flood_leaves_others_alone() {
    let (storage, clock) = (storage(), ManualClock::at(1_000));
    let flood = start(Provider::Eve, &Flow::Login, None);
    for _ in 0..Limits::DEFAULT.starts_per_window {
        begin(&storage, &OsRandom, &clock, &flood, &Limits::DEFAULT).unwrap();
    }
    for _ in 0..100 {
        assert!(matches!(
            begin(&storage, &OsRandom, &clock, &flood, &Limits::DEFAULT),
            Err(StateError::RateLimited { retry_after_ms }) if retry_after_ms > 0 && retry_after_ms <= RATE_WINDOW_MS
        ));
    }
    let stored = storage.exec("SELECT count(*) FROM login_state", &[]).unwrap();
    assert_eq!(
        stored[0][0],
        SqlValue::Integer(Limits::DEFAULT.starts_per_window),
        "refused starts store nothing"
    );

    // Another client of the same shard still starts, and finishes.
    let honest = Start { client: client_key(Some("192.0.2.77")), ..flood.clone() };
    let begun = begin(&storage, &OsRandom, &clock, &honest, &Limits::DEFAULT).unwrap();
    assert!(finish(&storage, &clock, Provider::Eve, &begun.state, Some(&begun.browser_nonce)).is_ok());

    // The window passes: the flooder may start again.
    clock.advance_ms(RATE_WINDOW_MS);
    assert!(begin(&storage, &OsRandom, &clock, &flood, &Limits::DEFAULT).is_ok());
}

#[test]
fn a_full_shard_drops_its_oldest_states() {
    let (storage, clock) = (storage(), ManualClock::at(1_000));
    let limits = Limits { max_states: 50, ..Limits::DEFAULT };
    let mut first = None;
    for i in 0..limits.max_states + 10 {
        // Each from its own client, one millisecond apart.
        let from = Start { client: format!("client-{i}"), ..start(Provider::Eve, &Flow::Login, None) };
        let begun = begin(&storage, &OsRandom, &clock, &from, &limits).unwrap();
        first.get_or_insert(begun);
        clock.advance_ms(1);
    }
    let stored = storage.exec("SELECT count(*) FROM login_state", &[]).unwrap();
    assert_eq!(stored[0][0], SqlValue::Integer(limits.max_states));
    let first = first.unwrap();
    assert_eq!(
        finish(&storage, &clock, Provider::Eve, &first.state, Some(&first.browser_nonce)),
        Err(StateError::Unknown),
        "the oldest went first"
    );
}

#[test]
fn failed_callbacks_write_a_bounded_audit_trail() {
    let (storage, clock) = (storage(), ManualClock::at(1_000));
    let permits = (0..50).filter(|_| audit_permit(&storage, &clock, "noisy").unwrap()).count();
    assert_eq!(i64::try_from(permits).unwrap(), AUDITS_PER_CLIENT);
    let others = (0..200).filter(|i| audit_permit(&storage, &clock, &format!("c{i}")).unwrap()).count();
    assert_eq!(i64::try_from(others).unwrap(), AUDITS_PER_SHARD - AUDITS_PER_CLIENT, "the shard's budget");
    clock.advance_ms(AUDIT_WINDOW_MS);
    assert!(audit_permit(&storage, &clock, "noisy").unwrap());
}
