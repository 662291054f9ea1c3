use super::*;
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

fn config() -> ClientConfig {
    ClientConfig {
        authorize_url: "https://login.eveonline.com/v2/oauth/authorize".into(),
        token_url: "https://login.eveonline.com/v2/oauth/token".into(),
        revoke_url: "https://sso.example/revoke".into(),
        client_id: "hub client".into(),
        client_secret: "s3cr:et".into(),
        redirect_uri: "https://hub.example/api/auth/callback".into(),
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
fn authorize_url_carries_code_flow_pkce_and_scopes() {
    let begun =
        Begun { state: "st4te".into(), code_challenge: "ch4llenge".into(), browser_nonce: "n".into() };
    let url = authorize_url(&config(), &begun, &["publicData", "esi-skills.read_skills.v1"]);
    assert_eq!(
        url,
        "https://login.eveonline.com/v2/oauth/authorize?response_type=code&client_id=hub%20client\
         &redirect_uri=https%3A%2F%2Fhub.example%2Fapi%2Fauth%2Fcallback&scope=publicData%20esi-skills.read_skills.v1\
         &state=st4te&code_challenge=ch4llenge&code_challenge_method=S256"
    );
    // RFC 7636 appendix B test vector.
    assert_eq!(
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn token_requests_authenticate_with_basic_and_send_the_verifier() {
    let request = code_exchange(&config(), "c0de", "v3rifier");
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://login.eveonline.com/v2/oauth/token");
    let auth = request.headers.iter().find(|(k, _)| k == "Authorization").map(|(_, v)| v.clone()).unwrap();
    // base64("hub%20client:s3cr%3Aet")
    assert_eq!(auth, "Basic aHViJTIwY2xpZW50OnMzY3IlM0FldA==");
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        "grant_type=authorization_code&code=c0de&redirect_uri=https%3A%2F%2Fhub.example%2Fapi%2Fauth%2Fcallback&code_verifier=v3rifier"
    );
    let refresh = refresh(&config(), "r/t+=");
    assert_eq!(
        String::from_utf8(refresh.body).unwrap(),
        "grant_type=refresh_token&refresh_token=r%2Ft%2B%3D"
    );
}

#[test]
fn token_responses_are_classified() {
    let answer = |status: u16, body: &str| OutboundResponse {
        status,
        headers: vec![],
        body: body.as_bytes().to_vec(),
    };
    let ok = parse_token_response(&answer(
        200,
        r#"{"access_token":"eyJ.a.b","expires_in":1199,"token_type":"Bearer","refresh_token":"r1"}"#,
    ))
    .unwrap();
    assert_eq!((ok.expires_in, ok.refresh_token.as_deref()), (1199, Some("r1")));
    assert!(!format!("{ok:?}").contains("eyJ"), "tokens never reach logs");
    assert_eq!(
        parse_token_response(&answer(400, r#"{"error":"invalid_grant"}"#)),
        Err(TokenError::InvalidGrant)
    );
    assert_eq!(
        parse_token_response(&answer(401, r#"{"error":"invalid_client"}"#)),
        Err(TokenError::Rejected("invalid_client".into()))
    );
    assert_eq!(parse_token_response(&answer(502, "bad gateway")), Err(TokenError::Unavailable(502)));
    assert_eq!(parse_token_response(&answer(429, "")), Err(TokenError::Unavailable(429)));
    assert!(matches!(parse_token_response(&answer(200, "{}")), Err(TokenError::Malformed(_))));
    assert!(matches!(
        parse_token_response(&answer(200, r#"{"access_token":"x","expires_in":1,"token_type":"mac"}"#)),
        Err(TokenError::Malformed(_))
    ));
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
