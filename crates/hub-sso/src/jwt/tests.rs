//! The negative set of RFC 8725 and the security checklist, against real RS256 and ES256 signatures.

use super::*;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub(crate) const CLIENT_ID: &str = "hub-client";
pub(crate) const NOW: i64 = 1_800_000_000;
pub(crate) const EXPECT: Expectations<'static> =
    Expectations { client_id: CLIENT_ID, issuers: &EVE_ISSUERS, leeway_secs: 30 };

struct Keys {
    rsa: rsa::RsaPrivateKey,
    ec: p256::ecdsa::SigningKey,
    jwks: Jwks,
    jwks_json: String,
}

/// The test JWKS document, as the SSO serves it.
pub(crate) fn jwks_json() -> String {
    keys().jwks_json.clone()
}

/// A JWKS that holds the test RSA key under another kid: the SSO rotated its keys.
pub(crate) fn jwks_json_with_kid(kid: &str) -> String {
    let rsa = &keys().rsa;
    json!({"keys": [{"kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
        "n": URL_SAFE_NO_PAD.encode(rsa.n().to_bytes_be()), "e": URL_SAFE_NO_PAD.encode(rsa.e().to_bytes_be())}]})
    .to_string()
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let rsa = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("RSA key");
        let ec = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
        let point = ec.verifying_key().to_encoded_point(false);
        let doc = json!({"keys": [
            {"kid": "rs-1", "kty": "RSA", "alg": "RS256", "use": "sig",
             "n": URL_SAFE_NO_PAD.encode(rsa.n().to_bytes_be()), "e": URL_SAFE_NO_PAD.encode(rsa.e().to_bytes_be())},
            {"kid": "es-1", "kty": "EC", "alg": "ES256", "crv": "P-256",
             "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()), "y": URL_SAFE_NO_PAD.encode(point.y().unwrap())},
            {"kid": "enc-1", "kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kid": "oct-1", "kty": "oct", "k": "c2VjcmV0"},
        ]});
        let jwks = Jwks::parse(doc.to_string().as_bytes()).expect("JWKS");
        Keys { rsa, ec, jwks, jwks_json: doc.to_string() }
    })
}

pub(crate) fn claims() -> Value {
    json!({
        "iss": "https://login.eveonline.com",
        "sub": "CHARACTER:EVE:2112625428",
        "aud": [CLIENT_ID, "EVE Online"],
        "azp": CLIENT_ID,
        "exp": NOW + 1200,
        "iat": NOW - 10,
        "name": "Jita Trader",
        "owner": "8PmzCeTKb4VFUDrHLc/AeZXDSWM=",
        "scp": ["esi-wallet.read_character_wallet.v1", "esi-assets.read_assets.v1"],
    })
}

fn b64json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

pub(crate) fn sign_rs256(header: &Value, claims: &Value) -> String {
    let signing_input = format!("{}.{}", b64json(header), b64json(claims));
    let signature = SigningKey::<Sha256>::new(keys().rsa.clone()).sign(signing_input.as_bytes()).to_vec();
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

pub(crate) fn token(claims: &Value) -> String {
    sign_rs256(&json!({"alg": "RS256", "kid": "rs-1", "typ": "JWT"}), claims)
}

fn check(token: &str) -> Result<EveClaims, JwtError> {
    verify(token, &keys().jwks, &EXPECT, NOW)
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    let len = key.len().min(64);
    block[..len].copy_from_slice(&key[..len]);
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().to_vec()
}

#[test]
fn a_valid_rs256_token_yields_the_identity() {
    let claims = check(&token(&claims())).unwrap();
    assert_eq!(claims.character_id, CharacterId(2_112_625_428));
    assert_eq!(claims.owner_hash, "8PmzCeTKb4VFUDrHLc/AeZXDSWM=");
    assert_eq!(claims.name, "Jita Trader");
    assert_eq!(claims.scopes.len(), 2);
    assert_eq!(claims.expires_at, NOW + 1200);
    assert!(keys().jwks.contains("rs-1") && keys().jwks.contains("es-1"));
    assert!(!keys().jwks.contains("enc-1") && !keys().jwks.contains("oct-1"), "non-signing keys are skipped");
}

#[test]
fn a_valid_es256_token_and_scopes_as_a_string() {
    let mut c = claims();
    c["scp"] = json!("publicData esi-skills.read_skills.v1");
    c["iss"] = json!("login.eveonline.com");
    let signing_input = format!("{}.{}", b64json(&json!({"alg": "ES256", "kid": "es-1"})), b64json(&c));
    let signature: p256::ecdsa::Signature = keys().ec.sign(signing_input.as_bytes());
    let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
    assert_eq!(check(&token).unwrap().scopes, vec!["publicData", "esi-skills.read_skills.v1"]);
}

#[test]
fn alg_none_is_refused() {
    let unsigned = format!("{}.{}.", b64json(&json!({"alg": "none", "kid": "rs-1"})), b64json(&claims()));
    assert_eq!(check(&unsigned), Err(JwtError::UnsupportedAlgorithm("none".into())));
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_refused() {
    let header = json!({"alg": "HS256", "kid": "rs-1"});
    let signing_input = format!("{}.{}", b64json(&header), b64json(&claims()));
    let public_key_bytes = keys().rsa.n().to_bytes_be();
    let mac = hmac_sha256(&public_key_bytes, signing_input.as_bytes());
    let forged = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac));
    assert_eq!(check(&forged), Err(JwtError::UnsupportedAlgorithm("HS256".into())));
}

#[test]
fn a_header_algorithm_that_differs_from_the_key_is_refused() {
    let mismatched = sign_rs256(&json!({"alg": "ES256", "kid": "rs-1"}), &claims());
    assert!(matches!(check(&mismatched), Err(JwtError::AlgorithmMismatch { .. })));
}

#[test]
fn wrong_audience_issuer_and_authorized_party_are_refused() {
    let mut c = claims();
    c["aud"] = json!(["someone-else", "EVE Online"]);
    assert_eq!(check(&token(&c)), Err(JwtError::WrongAudience));
    c["aud"] = json!(CLIENT_ID);
    assert_eq!(check(&token(&c)), Err(JwtError::WrongAudience), "\"EVE Online\" is required too");

    let mut c = claims();
    c["iss"] = json!("https://login.evil.example");
    assert_eq!(check(&token(&c)), Err(JwtError::WrongIssuer("https://login.evil.example".into())));

    let mut c = claims();
    c["azp"] = json!("another-client");
    assert_eq!(check(&token(&c)), Err(JwtError::WrongAuthorizedParty));
}

#[test]
fn time_claims_are_enforced_with_a_small_leeway() {
    let mut c = claims();
    c["exp"] = json!(NOW - 31);
    assert_eq!(check(&token(&c)), Err(JwtError::Expired));
    c["exp"] = json!(NOW - 29);
    assert!(check(&token(&c)).is_ok(), "within the leeway");
    c.as_object_mut().unwrap().remove("exp");
    assert_eq!(check(&token(&c)), Err(JwtError::Expired), "exp is required");

    let mut c = claims();
    c["iat"] = json!(NOW + 3600);
    assert_eq!(check(&token(&c)), Err(JwtError::IssuedInFuture));

    let mut c = claims();
    c["nbf"] = json!(NOW + 3600);
    assert_eq!(check(&token(&c)), Err(JwtError::NotYetValid));
}

#[test]
fn unknown_kid_missing_kid_and_crit_are_refused() {
    assert_eq!(
        check(&sign_rs256(&json!({"alg": "RS256", "kid": "rotated-away"}), &claims())),
        Err(JwtError::UnknownKid("rotated-away".into()))
    );
    assert_eq!(check(&sign_rs256(&json!({"alg": "RS256"}), &claims())), Err(JwtError::MissingKid));
    assert_eq!(
        check(&sign_rs256(&json!({"alg": "RS256", "kid": "rs-1", "crit": ["exp"]}), &claims())),
        Err(JwtError::CriticalHeader)
    );
    // Embedded keys and key URLs are ignored: the configured JWKS decides.
    let with_embedded = sign_rs256(
        &json!({"alg": "RS256", "kid": "rs-1", "jku": "https://evil.example/jwks", "jwk": {"kty": "RSA"}}),
        &claims(),
    );
    assert!(check(&with_embedded).is_ok());
}

#[test]
fn a_tampered_payload_fails_the_signature() {
    let good = token(&claims());
    let parts: Vec<&str> = good.split('.').collect();
    let mut c = claims();
    c["sub"] = json!("CHARACTER:EVE:90000001");
    let tampered = format!("{}.{}.{}", parts[0], b64json(&c), parts[2]);
    assert_eq!(check(&tampered), Err(JwtError::BadSignature));
    let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    signature[10] ^= 1;
    let bad_signature = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(signature));
    assert_eq!(check(&bad_signature), Err(JwtError::BadSignature));
}

#[test]
fn malformed_tokens_get_typed_errors() {
    assert_eq!(check("a.b.c.d.e"), Err(JwtError::Encrypted), "five segments: JWE");
    assert_eq!(check("a.b"), Err(JwtError::Malformed));
    assert_eq!(check(""), Err(JwtError::Malformed));
    assert_eq!(check(&"a".repeat(MAX_TOKEN_LEN + 1)), Err(JwtError::Oversized));
    assert_eq!(check("!!!.e30.AA"), Err(JwtError::BadEncoding));
    let not_utf8 = format!("{}.e30.AA", URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x7b]));
    assert_eq!(check(&not_utf8), Err(JwtError::NotUtf8));
    let bad_json = format!("{}.e30.AA", URL_SAFE_NO_PAD.encode("{nope"));
    assert!(matches!(check(&bad_json), Err(JwtError::BadHeader(_))));
}

#[test]
fn subjects_parse_strictly() {
    for bad in [
        "CHARACTER:EVE:",
        "CHARACTER:EVE:-5",
        "CHARACTER:EVE:+5",
        "CHARACTER:EVE:12a",
        "CORPORATION:EVE:5",
        "CHARACTER:EVE:99999999999999999999",
        "CHARACTER:EVE:0",
    ] {
        assert_eq!(parse_subject(bad), None, "{bad}");
        let mut c = claims();
        c["sub"] = json!(bad);
        assert_eq!(check(&token(&c)), Err(JwtError::BadSubject(bad.into())));
    }
    let mut c = claims();
    c["owner"] = json!("");
    assert_eq!(check(&token(&c)), Err(JwtError::MissingOwner));
}

#[test]
fn jwks_with_broken_keys_are_errors() {
    assert!(matches!(Jwks::parse(b"not json"), Err(JwksError::Json(_))));
    let bad_ec = json!({"keys": [{"kid": "e", "kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}]});
    assert_eq!(Jwks::parse(bad_ec.to_string().as_bytes()).unwrap_err(), JwksError::BadKey("e".into()));
    let bad_rsa = json!({"keys": [{"kid": "r", "kty": "RSA", "n": "%%%", "e": "AQAB"}]});
    assert_eq!(Jwks::parse(bad_rsa.to_string().as_bytes()).unwrap_err(), JwksError::BadKey("r".into()));
}
