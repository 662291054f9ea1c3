use super::*;
use hub_native::SqliteStorage;
use hub_ports::{
    ManualClock, OutboundRequest, OutboundResponse, ScriptedTransport, SeededRandom, TransportError,
};

const CHARACTER: CharacterId = CharacterId(2_112_625_428);
const T0: i64 = 1_800_000_000_000;

struct Fixture {
    storage: SqliteStorage,
    keyring: Keyring,
    random: SeededRandom,
    clock: ManualClock,
}

impl Fixture {
    fn new() -> Self {
        let storage = SqliteStorage::in_memory();
        migrate(&storage).unwrap();
        migrate(&storage).unwrap();
        let keyring = Keyring::new(hub_vault::KeyId(1), [(hub_vault::KeyId(1), [7u8; 32])]).unwrap();
        Self { storage, keyring, random: SeededRandom::new(5), clock: ManualClock::at(T0) }
    }

    fn store(&self) -> TokenStore<'_, SqliteStorage, SeededRandom, ManualClock> {
        TokenStore {
            storage: &self.storage,
            keyring: &self.keyring,
            random: &self.random,
            clock: &self.clock,
        }
    }
}

static CLIENT: std::sync::LazyLock<ClientConfig> = std::sync::LazyLock::new(|| ClientConfig {
    authorize_url: "https://sso.example/authorize".into(),
    token_url: "https://sso.example/token".into(),
    revoke_url: "https://sso.example/revoke".into(),
    client_id: "hub".into(),
    client_secret: "secret".into(),
    redirect_uri: "https://hub.example/api/auth/callback".into(),
});

/// Plays the JWT check: an access token `<anything>@<owner>` belongs to `<owner>`, others to
/// "owner"; a token starting with "forged" fails verification.
struct OwnerInToken;

impl OwnerVerifier for OwnerInToken {
    async fn owner_hash(&self, access_token: &str) -> Result<String, String> {
        if access_token.starts_with("forged") {
            return Err("bad signature".into());
        }
        Ok(access_token.split_once('@').map_or("owner", |(_, owner)| owner).to_owned())
    }
}

fn sso<H>(http: &H) -> Sso<'_, H, OwnerInToken> {
    Sso { http, client: &CLIENT, verifier: &OwnerInToken }
}

fn tokens(access: &str, refresh: &str, expires_at_ms: i64) -> NewTokens {
    NewTokens {
        access_token: access.into(),
        refresh_token: refresh.into(),
        access_expires_at_ms: expires_at_ms,
        scopes: vec!["publicData".into(), "esi-wallet.read_character_wallet.v1".into()],
        owner_hash: "owner".into(),
    }
}

fn answer(status: u16, body: &str) -> OutboundResponse {
    OutboundResponse { status, headers: vec![], body: body.as_bytes().to_vec() }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures::executor::block_on(future)
}

#[test]
fn tokens_are_stored_encrypted_and_served_while_valid() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("access-1", "refresh-1", T0 + 20 * 60_000)).unwrap();
    let raw = f.storage.exec("SELECT refresh_ct, access_ct FROM eve_tokens", &[]).unwrap();
    for cell in &raw[0] {
        let SqlValue::Blob(bytes) = cell else { panic!("ciphertext is a blob") };
        assert!(!bytes.windows(7).any(|w| w == b"refresh" || w == b"access-"), "no plaintext at rest");
    }
    let http = ScriptedTransport::new();
    let token = block_on(f.store().access_token(&sso(&http), CHARACTER)).unwrap();
    assert_eq!(token.token, "access-1");
    assert!(http.requests().is_empty(), "no refresh while valid");
    assert!(!format!("{token:?}").contains("access-1"), "tokens never reach logs");
    assert_eq!(
        f.store().health(CHARACTER).unwrap(),
        Some(TokenHealth::Valid {
            scopes: vec!["publicData".into(), "esi-wallet.read_character_wallet.v1".into()],
            access_expires_at_ms: T0 + 20 * 60_000
        })
    );
    assert_eq!(block_on(f.store().access_token(&sso(&http), CharacterId(1))), Err(TokenError::NotFound));
}

#[test]
fn an_expiring_token_is_refreshed_and_the_new_refresh_token_stored_first() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("access-1", "refresh-1", T0 + 30_000)).unwrap();
    let http = ScriptedTransport::new();
    http.push(Ok(answer(
        200,
        r#"{"access_token":"access-2","expires_in":1199,"token_type":"Bearer","refresh_token":"refresh-2"}"#,
    )));
    let token = block_on(f.store().access_token(&sso(&http), CHARACTER)).unwrap();
    assert_eq!((token.token.as_str(), token.expires_at_ms), ("access-2", T0 + 1_199_000));
    let sent: Vec<OutboundRequest> = http.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        String::from_utf8(sent[0].body.clone()).unwrap(),
        "grant_type=refresh_token&refresh_token=refresh-1"
    );
    // The rotated refresh token is what the store now holds.
    assert_eq!(f.store().remove(CHARACTER).unwrap().as_deref(), Some("refresh-2"));
    assert_eq!(f.store().health(CHARACTER).unwrap(), None);
}

#[test]
fn invalid_grant_marks_the_token_invalid_with_reason_and_time() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("a", "r", T0)).unwrap();
    let http = ScriptedTransport::new();
    http.push(Ok(answer(400, r#"{"error":"invalid_grant","error_description":"Invalid refresh token"}"#)));
    let result = block_on(f.store().access_token(&sso(&http), CHARACTER));
    assert_eq!(result, Err(TokenError::Invalid { reason: "invalid_grant".into() }));
    assert!(matches!(f.store().health(CHARACTER).unwrap(), Some(TokenHealth::Invalid { since_ms: T0, .. })));
    // No further calls to the SSO for a dead grant.
    assert!(block_on(f.store().access_token(&sso(&http), CHARACTER)).is_err());
    assert_eq!(http.requests().len(), 1);
    // A new login revives it.
    f.store().put(CHARACTER, &tokens("b", "r2", T0 + 3_600_000)).unwrap();
    assert_eq!(block_on(f.store().access_token(&sso(&http), CHARACTER)).unwrap().token, "b");
}

/// A transport that lets another execution store a newer token while the refresh is in flight.
struct Racing<'a> {
    fixture: &'a Fixture,
}

impl HttpTransport for Racing<'_> {
    async fn send(&self, _request: OutboundRequest) -> Result<OutboundResponse, TransportError> {
        // The winner refreshed first and stored its rotated tokens...
        self.fixture
            .store()
            .put(CHARACTER, &tokens("winner-access", "winner-refresh", T0 + 1_200_000))
            .unwrap();
        // ...so our (now stale) refresh token is refused.
        Ok(answer(400, r#"{"error":"invalid_grant"}"#))
    }
}

#[test]
fn a_refresh_that_loses_a_race_keeps_the_winners_token() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("old", "old-refresh", T0)).unwrap();
    let token = block_on(f.store().access_token(&sso(&Racing { fixture: &f }), CHARACTER)).unwrap();
    assert_eq!(token.token, "winner-access");
    assert!(matches!(f.store().health(CHARACTER).unwrap(), Some(TokenHealth::Valid { .. })));
    assert_eq!(f.store().remove(CHARACTER).unwrap().as_deref(), Some("winner-refresh"));
}

#[test]
fn transient_failures_back_off_with_a_next_retry_time() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("a", "r", T0)).unwrap();
    let http = ScriptedTransport::new();
    http.push(Ok(answer(502, "bad gateway")));
    assert_eq!(
        block_on(f.store().access_token(&sso(&http), CHARACTER)),
        Err(TokenError::Unavailable { retry_at_ms: T0 + 5_000 })
    );
    // Before the retry time nothing is sent.
    assert_eq!(
        block_on(f.store().access_token(&sso(&http), CHARACTER)),
        Err(TokenError::Unavailable { retry_at_ms: T0 + 5_000 })
    );
    assert_eq!(http.requests().len(), 1);
    assert!(matches!(f.store().health(CHARACTER).unwrap(), Some(TokenHealth::Retrying { failures: 1, .. })));

    f.clock.advance_ms(5_000);
    http.push(Err(TransportError::Timeout));
    assert_eq!(
        block_on(f.store().access_token(&sso(&http), CHARACTER)),
        Err(TokenError::Unavailable { retry_at_ms: T0 + 15_000 }),
        "doubling"
    );

    f.clock.advance_ms(10_000);
    http.push(Ok(answer(200, r#"{"access_token":"fresh","expires_in":1200,"token_type":"Bearer"}"#)));
    assert_eq!(block_on(f.store().access_token(&sso(&http), CHARACTER)).unwrap().token, "fresh");
    assert!(matches!(f.store().health(CHARACTER).unwrap(), Some(TokenHealth::Valid { .. })), "recovered");
    assert_eq!(
        f.store().remove(CHARACTER).unwrap().as_deref(),
        Some("r"),
        "no rotation: the old refresh token stays"
    );
}

#[test]
fn a_tampered_ciphertext_is_a_typed_error() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("a", "r", T0 + 3_600_000)).unwrap();
    f.storage.exec("UPDATE eve_tokens SET access_ct = refresh_ct", &[]).unwrap();
    let result = block_on(f.store().access_token(&sso(&ScriptedTransport::new()), CHARACTER));
    assert_eq!(result, Err(TokenError::Vault(VaultError::Tampered)), "a ciphertext moved between fields");
}

fn refreshed(access: &str) -> OutboundResponse {
    answer(
        200,
        &format!(
            r#"{{"access_token":"{access}","expires_in":1200,"token_type":"Bearer","refresh_token":"r-next"}}"#
        ),
    )
}

#[test]
fn alarms_refresh_sync_tokens_ahead_of_expiry_and_check_the_others_daily() {
    let f = Fixture::new();
    let expires = T0 + 20 * 60_000;
    f.store().put(CHARACTER, &tokens("a", "r", expires)).unwrap();
    let login_only = CharacterId(7);
    let mut plain = tokens("p", "pr", expires);
    // What every login grants: the roles are read hourly and refreshed when used, not kept warm.
    plain.scopes = vec!["publicData".into(), hub_domain::scopes::CORPORATION_ROLES.into()];
    f.store().put(login_only, &plain).unwrap();

    // The ESI token is due two minutes before expiry; the login-only one a day after.
    assert_eq!(f.store().next_alarm_at().unwrap(), Some(expires - REFRESH_LEAD_MS));
    assert!(f.store().due().unwrap().is_empty(), "an early alarm does nothing");
    f.clock.advance_ms(expires - REFRESH_LEAD_MS - T0);
    assert_eq!(f.store().due().unwrap(), vec![CHARACTER]);

    let http = ScriptedTransport::new();
    http.push(Ok(refreshed("a2")));
    assert_eq!(block_on(f.store().refresh_now(&sso(&http), CHARACTER)).unwrap().token, "a2");
    assert!(f.store().due().unwrap().is_empty(), "a second run of the same alarm does nothing");
    let now = f.clock.now_ms();
    assert_eq!(f.store().next_alarm_at().unwrap(), Some(now + 1_200_000 - REFRESH_LEAD_MS), "re-armed");

    f.clock.advance_ms(expires + VALIDATE_EVERY_MS - now);
    assert_eq!(f.store().due().unwrap(), vec![login_only, CHARACTER]);

    // After a failure the alarm comes back at the retry time; an invalid token needs no alarm.
    http.push(Ok(answer(503, "")));
    let retry = block_on(f.store().refresh_now(&sso(&http), login_only)).unwrap_err();
    let TokenError::Unavailable { retry_at_ms } = retry else { panic!("{retry:?}") };
    http.push(Ok(answer(400, r#"{"error":"invalid_grant"}"#)));
    assert!(block_on(f.store().refresh_now(&sso(&http), CHARACTER)).is_err());
    assert_eq!(f.store().next_alarm_at().unwrap(), Some(retry_at_ms));
}

#[test]
fn a_refresh_showing_another_owner_drops_the_tokens_as_transferred() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("a", "r", T0)).unwrap();
    let http = ScriptedTransport::new();
    http.push(Ok(refreshed("a2@buyer")));
    assert_eq!(
        block_on(f.store().access_token(&sso(&http), CHARACTER)),
        Err(TokenError::Transferred { new_owner_hash: "buyer".into() })
    );
    assert_eq!(f.store().health(CHARACTER).unwrap(), None, "the seller's tokens are gone");
}

#[test]
fn a_refreshed_token_that_fails_verification_is_never_served() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("a", "r", T0)).unwrap();
    let http = ScriptedTransport::new();
    http.push(Ok(refreshed("forged")));
    assert!(matches!(
        block_on(f.store().access_token(&sso(&http), CHARACTER)),
        Err(TokenError::Unavailable { .. })
    ));
    // The rotated refresh token was kept; the next attempt (after the backoff) uses it.
    f.clock.advance_ms(5_000);
    http.push(Ok(refreshed("good")));
    assert_eq!(block_on(f.store().access_token(&sso(&http), CHARACTER)).unwrap().token, "good");
    let body = String::from_utf8(http.requests()[1].body.clone()).unwrap();
    assert!(body.ends_with("refresh_token=r-next"), "{body}");
}

#[test]
fn revoking_calls_the_sso_first_and_keeps_the_tokens_when_it_is_down() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("a", "refresh-1", T0 + 3_600_000)).unwrap();
    let http = ScriptedTransport::new();
    http.push(Err(TransportError::Timeout));
    assert!(matches!(
        block_on(f.store().revoke(&sso(&http), CHARACTER)),
        Err(TokenError::Unavailable { .. })
    ));
    assert!(f.store().health(CHARACTER).unwrap().is_some(), "nothing deleted while the SSO is down");

    http.push(Ok(answer(200, "")));
    assert_eq!(block_on(f.store().revoke(&sso(&http), CHARACTER)), Ok(true));
    let sent = http.requests();
    assert_eq!(sent[1].url, "https://sso.example/revoke");
    assert_eq!(
        String::from_utf8(sent[1].body.clone()).unwrap(),
        "token=refresh-1&token_type_hint=refresh_token"
    );
    assert!(sent[1].headers.iter().any(|(k, v)| k == "Authorization" && v.starts_with("Basic ")));
    assert_eq!(f.store().health(CHARACTER).unwrap(), None);
    assert_eq!(block_on(f.store().revoke(&sso(&http), CHARACTER)), Ok(false));
}

#[test]
fn resealing_moves_every_token_to_the_primary_key_once() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("access-1", "refresh-1", T0 + 3_600_000)).unwrap();
    let rotated = Keyring::new(
        hub_vault::KeyId(2),
        [(hub_vault::KeyId(1), [7u8; 32]), (hub_vault::KeyId(2), [9u8; 32])],
    )
    .unwrap();
    let store = TokenStore { storage: &f.storage, keyring: &rotated, random: &f.random, clock: &f.clock };
    assert_eq!(store.reseal().unwrap(), 1);
    assert_eq!(store.reseal().unwrap(), 0, "idempotent");

    // Only the new key is needed now.
    let new_only = Keyring::new(hub_vault::KeyId(2), [(hub_vault::KeyId(2), [9u8; 32])]).unwrap();
    let store = TokenStore { storage: &f.storage, keyring: &new_only, random: &f.random, clock: &f.clock };
    let token = block_on(store.access_token(&sso(&ScriptedTransport::new()), CHARACTER)).unwrap();
    assert_eq!(token.token, "access-1");
    assert_eq!(store.remove(CHARACTER).unwrap().as_deref(), Some("refresh-1"));
}

/// A verifier that looks at what the store holds at the moment it is asked (while a real one
/// would be waiting for the SSO's keys).
struct SeesTheStore<'a> {
    fixture: &'a Fixture,
    stored_refresh: std::cell::RefCell<Option<String>>,
}

impl OwnerVerifier for SeesTheStore<'_> {
    async fn owner_hash(&self, _access_token: &str) -> Result<String, String> {
        let store = self.fixture.store();
        let row = store.load(CHARACTER).unwrap().unwrap();
        assert_eq!(row.access_expires_at_ms, 0, "the unverified access token is stored as expired");
        *self.stored_refresh.borrow_mut() =
            Some(store.open(CHARACTER, "refresh_token", &row.refresh_ct).unwrap());
        Err("the SSO's keys did not arrive (the object restarted)".into())
    }
}

#[test]
fn the_rotated_refresh_token_is_stored_before_the_verification_waits() {
    let f = Fixture::new();
    f.store().put(CHARACTER, &tokens("access-1", "refresh-1", T0 + 30_000)).unwrap();
    let http = ScriptedTransport::new();
    http.push(Ok(answer(
        200,
        r#"{"access_token":"access-2","expires_in":1199,"token_type":"Bearer","refresh_token":"refresh-2"}"#,
    )));
    let verifier = SeesTheStore { fixture: &f, stored_refresh: std::cell::RefCell::new(None) };
    let port = Sso { http: &http, client: &CLIENT, verifier: &verifier };
    let result = block_on(f.store().access_token(&port, CHARACTER));
    assert!(matches!(result, Err(TokenError::Unavailable { .. })), "{result:?}");
    assert_eq!(verifier.stored_refresh.borrow().as_deref(), Some("refresh-2"), "stored before verifying");
    // What a restarted object finds: the rotated token, and a retry scheduled.
    assert!(matches!(f.store().health(CHARACTER).unwrap(), Some(TokenHealth::Retrying { .. })));
    assert_eq!(f.store().remove(CHARACTER).unwrap().as_deref(), Some("refresh-2"));
}
