//! The OAuth 2.0 client side of EVE SSO (and of any provider with the same shape): the authorize
//! URL, the code exchange and refresh requests (client credentials in HTTP Basic), revocation
//! (RFC 7009) and the classification of the token endpoint's answers. Requests and answers are
//! plain values: whoever holds an HTTP transport sends them.

use hub_ports::{OutboundRequest, OutboundResponse};
use serde::Deserialize;

/// An OAuth client's registration and its provider's endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub authorize_url: String,
    pub token_url: String,
    /// RFC 7009 token revocation.
    pub revoke_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The provider's authorize URL for one login: code flow, PKCE S256 (`code_challenge`), the given
/// scopes, and the login's single-use `state`.
pub fn authorize_url(config: &ClientConfig, state: &str, code_challenge: &str, scopes: &[&str]) -> String {
    let separator = if config.authorize_url.contains('?') { '&' } else { '?' };
    let query = form(&[
        ("response_type", "code"),
        ("client_id", &config.client_id),
        ("redirect_uri", &config.redirect_uri),
        ("scope", &scopes.join(" ")),
        ("state", state),
        ("code_challenge", code_challenge),
        ("code_challenge_method", "S256"),
    ]);
    format!("{}{separator}{query}", config.authorize_url)
}

fn basic_auth(config: &ClientConfig) -> String {
    use base64::Engine;
    // RFC 6749 2.3.1: id and secret are form-encoded before joining.
    let pair = format!("{}:{}", encode_component(&config.client_id), encode_component(&config.client_secret));
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

/// The code-for-tokens request, with the client authenticated by HTTP Basic.
pub fn code_exchange(config: &ClientConfig, code: &str, code_verifier: &str) -> OutboundRequest {
    token_request(
        config,
        &form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &config.redirect_uri),
            ("code_verifier", code_verifier),
        ]),
    )
}

/// The refresh request for a stored refresh token.
pub fn refresh(config: &ClientConfig, refresh_token: &str) -> OutboundRequest {
    token_request(config, &form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]))
}

/// Revokes a refresh token (RFC 7009), which also ends the access tokens issued from it.
pub fn revoke(config: &ClientConfig, refresh_token: &str) -> OutboundRequest {
    let mut request =
        token_request(config, &form(&[("token", refresh_token), ("token_type_hint", "refresh_token")]));
    request.url.clone_from(&config.revoke_url);
    request
}

/// Reads a revocation endpoint's answer: 200 means revoked (or already unknown to the SSO).
pub fn parse_revoke_response(response: &OutboundResponse) -> Result<(), TokenError> {
    match response.status {
        200 | 204 => Ok(()),
        429 | 500..=599 => Err(TokenError::Unavailable(response.status)),
        status => Err(TokenError::Rejected(format!("status {status}"))),
    }
}

fn token_request(config: &ClientConfig, body: &str) -> OutboundRequest {
    OutboundRequest {
        method: "POST".into(),
        url: config.token_url.clone(),
        headers: vec![
            ("Authorization".into(), basic_auth(config)),
            ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
            ("Accept".into(), "application/json".into()),
        ],
        body: body.as_bytes().to_vec(),
    }
}

/// Tokens from the token endpoint. Its `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub token_type: String,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The grant is dead (revoked, expired, already used): never retry it.
    #[error("invalid_grant")]
    InvalidGrant,
    #[error("the token endpoint refused: {0}")]
    Rejected(String),
    /// 5xx or 429: try again later.
    #[error("the token endpoint is unavailable (status {0})")]
    Unavailable(u16),
    #[error("the token endpoint answered something unreadable: {0}")]
    Malformed(String),
}

/// Reads a token endpoint's answer.
pub fn parse_token_response(response: &OutboundResponse) -> Result<TokenResponse, TokenError> {
    #[derive(Deserialize)]
    struct OAuthErrorBody {
        error: String,
    }
    match response.status {
        200 => {
            let tokens: TokenResponse =
                serde_json::from_slice(&response.body).map_err(|e| TokenError::Malformed(e.to_string()))?;
            if tokens.token_type.eq_ignore_ascii_case("bearer") && !tokens.access_token.is_empty() {
                Ok(tokens)
            } else {
                Err(TokenError::Malformed("not a bearer token".into()))
            }
        }
        429 | 500..=599 => Err(TokenError::Unavailable(response.status)),
        status => match serde_json::from_slice::<OAuthErrorBody>(&response.body) {
            Ok(body) if body.error == "invalid_grant" => Err(TokenError::InvalidGrant),
            Ok(body) => Err(TokenError::Rejected(body.error)),
            Err(_) => Err(TokenError::Rejected(format!("status {status}"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn authorize_url_carries_code_flow_pkce_and_scopes() {
        let url =
            authorize_url(&config(), "st4te", "ch4llenge", &["publicData", "esi-skills.read_skills.v1"]);
        assert_eq!(
            url,
            "https://login.eveonline.com/v2/oauth/authorize?response_type=code&client_id=hub%20client\
             &redirect_uri=https%3A%2F%2Fhub.example%2Fapi%2Fauth%2Fcallback&scope=publicData%20esi-skills.read_skills.v1\
             &state=st4te&code_challenge=ch4llenge&code_challenge_method=S256"
        );
    }

    #[test]
    fn token_requests_authenticate_with_basic_and_send_the_verifier() {
        let request = code_exchange(&config(), "c0de", "v3rifier");
        assert_eq!(request.method, "POST");
        assert_eq!(request.url, "https://login.eveonline.com/v2/oauth/token");
        let auth =
            request.headers.iter().find(|(k, _)| k == "Authorization").map(|(_, v)| v.clone()).unwrap();
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
}
