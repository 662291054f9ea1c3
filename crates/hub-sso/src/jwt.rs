//! Validation of EVE SSO access tokens (JWS compact serialization).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hub_domain::CharacterId;
use serde::Deserialize;

/// Tokens longer than this are refused before any parsing.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;
/// The issuers EVE SSO uses (both forms appear in the wild).
pub const EVE_ISSUERS: [&str; 2] = ["login.eveonline.com", "https://login.eveonline.com"];
/// The audience EVE SSO adds beside the client id.
pub const EVE_AUDIENCE: &str = "EVE Online";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("token is longer than {MAX_TOKEN_LEN} bytes")]
    Oversized,
    #[error("token has five segments: an encrypted JWE, which is not accepted")]
    Encrypted,
    #[error("token is not three dot-separated segments")]
    Malformed,
    #[error("a token segment is not valid base64url")]
    BadEncoding,
    #[error("a token segment is not UTF-8")]
    NotUtf8,
    #[error("the token header is not valid JSON: {0}")]
    BadHeader(String),
    #[error("algorithm `{0}` is not accepted")]
    UnsupportedAlgorithm(String),
    #[error("the token header marks extensions critical")]
    CriticalHeader,
    #[error("the token header has no kid")]
    MissingKid,
    #[error("no key `{0}` in the JWKS")]
    UnknownKid(String),
    #[error("key `{kid}` is for {key_alg}, the token says {token_alg}")]
    AlgorithmMismatch { kid: String, key_alg: &'static str, token_alg: String },
    #[error("signature verification failed")]
    BadSignature,
    #[error("the token claims are not valid JSON: {0}")]
    BadClaims(String),
    #[error("issuer `{0}` is not EVE SSO")]
    WrongIssuer(String),
    #[error("audience must contain the client id and \"EVE Online\"")]
    WrongAudience,
    #[error("authorized party is not this client")]
    WrongAuthorizedParty,
    #[error("token expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token was issued in the future")]
    IssuedInFuture,
    #[error("subject `{0}` is not CHARACTER:EVE:<id>")]
    BadSubject(String),
    #[error("token has no owner hash")]
    MissingOwner,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("the JWKS is not valid JSON: {0}")]
    Json(String),
    #[error("key `{0}` is malformed")]
    BadKey(String),
}

#[derive(Debug, Clone)]
enum VerifyingKey {
    Rs256(rsa::pkcs1v15::VerifyingKey<sha2::Sha256>),
    Es256(p256::ecdsa::VerifyingKey),
}

impl VerifyingKey {
    fn alg(&self) -> &'static str {
        match self {
            VerifyingKey::Rs256(_) => "RS256",
            VerifyingKey::Es256(_) => "ES256",
        }
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier;
        match self {
            VerifyingKey::Rs256(key) => rsa::pkcs1v15::Signature::try_from(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            VerifyingKey::Es256(key) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
        }
    }
}

/// The signing keys of the SSO, from its JWKS document.
#[derive(Debug, Clone, Default)]
pub struct Jwks {
    keys: Vec<(String, VerifyingKey)>,
}

#[derive(Deserialize)]
struct JwkJson {
    kid: Option<String>,
    kty: String,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

fn b64(value: Option<&String>, kid: &str) -> Result<Vec<u8>, JwksError> {
    value.and_then(|v| URL_SAFE_NO_PAD.decode(v).ok()).ok_or_else(|| JwksError::BadKey(kid.to_owned()))
}

impl Jwks {
    /// Parses a JWKS document. Keys without a kid, not for signatures, or of types the hub does not
    /// accept are skipped; a key of an accepted type with bad parameters is an error.
    pub fn parse(json: &[u8]) -> Result<Self, JwksError> {
        #[derive(Deserialize)]
        struct Doc {
            keys: Vec<JwkJson>,
        }
        let doc: Doc = serde_json::from_slice(json).map_err(|e| JwksError::Json(e.to_string()))?;
        let mut keys = Vec::new();
        for jwk in doc.keys {
            let Some(kid) = jwk.kid.clone() else { continue };
            if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
                continue;
            }
            let key = match (jwk.kty.as_str(), jwk.alg.as_deref()) {
                ("RSA", None | Some("RS256")) => {
                    let n = rsa::BigUint::from_bytes_be(&b64(jwk.n.as_ref(), &kid)?);
                    let e = rsa::BigUint::from_bytes_be(&b64(jwk.e.as_ref(), &kid)?);
                    let public = rsa::RsaPublicKey::new(n, e).map_err(|_| JwksError::BadKey(kid.clone()))?;
                    VerifyingKey::Rs256(rsa::pkcs1v15::VerifyingKey::new(public))
                }
                ("EC", None | Some("ES256")) if jwk.crv.as_deref() == Some("P-256") => {
                    let (x, y) = (b64(jwk.x.as_ref(), &kid)?, b64(jwk.y.as_ref(), &kid)?);
                    if x.len() != 32 || y.len() != 32 {
                        return Err(JwksError::BadKey(kid));
                    }
                    let point = p256::EncodedPoint::from_affine_coordinates(
                        p256::FieldBytes::from_slice(&x),
                        p256::FieldBytes::from_slice(&y),
                        false,
                    );
                    let key = p256::ecdsa::VerifyingKey::from_encoded_point(&point)
                        .map_err(|_| JwksError::BadKey(kid.clone()))?;
                    VerifyingKey::Es256(key)
                }
                _ => continue,
            };
            keys.push((kid, key));
        }
        Ok(Self { keys })
    }

    pub fn contains(&self, kid: &str) -> bool {
        self.keys.iter().any(|(k, _)| k == kid)
    }

    fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key)
    }
}

/// What a valid token must say.
#[derive(Debug, Clone)]
pub struct Expectations<'a> {
    pub client_id: &'a str,
    /// Accepted issuers; [`EVE_ISSUERS`] in production, the local peer's in tests.
    pub issuers: &'a [&'a str],
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: i64,
}

/// The identity an access token proves. Identity is `character_id` plus `owner_hash`, never the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EveClaims {
    pub character_id: CharacterId,
    pub name: String,
    pub owner_hash: String,
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
    // `jku`, `x5u`, `jwk` and `x5c` are deliberately not read: keys come only from the configured JWKS.
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => s.split_whitespace().map(str::to_owned).collect(),
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<OneOrMany>,
    azp: Option<String>,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    name: Option<String>,
    owner: Option<String>,
    scp: Option<OneOrMany>,
}

fn decode_segment(segment: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD.decode(segment).map_err(|_| JwtError::BadEncoding)
}

/// Parses `CHARACTER:EVE:<id>` strictly: ASCII digits only, no sign, within `i64`.
pub fn parse_subject(sub: &str) -> Option<CharacterId> {
    let digits = sub.strip_prefix("CHARACTER:EVE:")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok().filter(|id| *id > 0).map(CharacterId)
}

/// Verifies an EVE SSO access token at `now_secs` (Unix seconds) and returns who it proves.
pub fn verify(
    token: &str,
    jwks: &Jwks,
    expect: &Expectations<'_>,
    now_secs: i64,
) -> Result<EveClaims, JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::Oversized);
    }
    let segments: Vec<&str> = token.split('.').collect();
    let (header_b64, payload_b64, signature_b64) = match segments.as_slice() {
        [h, p, s] => (*h, *p, *s),
        [_, _, _, _, _] => return Err(JwtError::Encrypted),
        _ => return Err(JwtError::Malformed),
    };

    let header_bytes = decode_segment(header_b64)?;
    let header_text = std::str::from_utf8(&header_bytes).map_err(|_| JwtError::NotUtf8)?;
    let header: Header = serde_json::from_str(header_text).map_err(|e| JwtError::BadHeader(e.to_string()))?;
    if header.alg != "RS256" && header.alg != "ES256" {
        return Err(JwtError::UnsupportedAlgorithm(header.alg));
    }
    if header.crit.is_some() {
        return Err(JwtError::CriticalHeader);
    }
    let kid = header.kid.ok_or(JwtError::MissingKid)?;
    let key = jwks.get(&kid).ok_or_else(|| JwtError::UnknownKid(kid.clone()))?;
    if key.alg() != header.alg {
        return Err(JwtError::AlgorithmMismatch { kid, key_alg: key.alg(), token_alg: header.alg });
    }
    let signature = decode_segment(signature_b64)?;
    let signed = &token[..header_b64.len() + 1 + payload_b64.len()];
    if !key.verify(signed.as_bytes(), &signature) {
        return Err(JwtError::BadSignature);
    }

    // Only now, with the signature verified, are the claims read.
    let payload = decode_segment(payload_b64)?;
    let payload_text = std::str::from_utf8(&payload).map_err(|_| JwtError::NotUtf8)?;
    let claims: Claims =
        serde_json::from_str(payload_text).map_err(|e| JwtError::BadClaims(e.to_string()))?;
    check_claims(claims, expect, now_secs)
}

fn check_claims(claims: Claims, expect: &Expectations<'_>, now: i64) -> Result<EveClaims, JwtError> {
    let iss = claims.iss.unwrap_or_default();
    if !expect.issuers.contains(&iss.as_str()) {
        return Err(JwtError::WrongIssuer(iss));
    }
    let aud = claims.aud.map(OneOrMany::into_vec).unwrap_or_default();
    if !aud.iter().any(|a| a == expect.client_id) || !aud.iter().any(|a| a == EVE_AUDIENCE) {
        return Err(JwtError::WrongAudience);
    }
    if claims.azp.as_deref() != Some(expect.client_id) {
        return Err(JwtError::WrongAuthorizedParty);
    }
    let exp = claims.exp.ok_or(JwtError::Expired)?;
    if now > exp.saturating_add(expect.leeway_secs) {
        return Err(JwtError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| now.saturating_add(expect.leeway_secs) < nbf) {
        return Err(JwtError::NotYetValid);
    }
    if claims.iat.is_some_and(|iat| iat > now.saturating_add(expect.leeway_secs)) {
        return Err(JwtError::IssuedInFuture);
    }
    let sub = claims.sub.unwrap_or_default();
    let character_id = parse_subject(&sub).ok_or(JwtError::BadSubject(sub))?;
    let owner_hash = claims.owner.filter(|o| !o.is_empty()).ok_or(JwtError::MissingOwner)?;
    Ok(EveClaims {
        character_id,
        name: claims.name.unwrap_or_default(),
        owner_hash,
        scopes: claims.scp.map(OneOrMany::into_vec).unwrap_or_default(),
        expires_at: exp,
    })
}

#[cfg(test)]
pub(crate) mod tests;
