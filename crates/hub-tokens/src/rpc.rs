//! The token store's interface, served by the eve-token-store worker's `EveTokenStore` objects.

use crate::{AccessToken, NewTokens, TokenError, TokenHealth};
use hub_domain::{CharacterId, CharacterRequest};
use hub_http::ApiError;
use serde::{Deserialize, Serialize};

/// Error codes of the token store on the wire, matched by its callers.
pub mod codes {
    /// The character's grant stopped working (revoked, or the character was sold).
    pub const TOKEN_INVALID: &str = "token_invalid";
    /// No token is stored for the character.
    pub const TOKEN_MISSING: &str = "token_missing";
    /// EVE SSO could not be reached; nothing changed.
    pub const SSO_UNAVAILABLE: &str = "sso_unavailable";
}

/// A character's tokens, after a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutTokens {
    pub character_id: CharacterId,
    pub tokens: NewTokens,
}

hub_rpc::rpc_interface! {
    /// One object per character.
    pub interface TokenStore as "tokens", handler TokenStoreHandler, client TokenStoreClient, object EVE_TOKEN_STORE by CharacterId {
        /// Stores (encrypted) the tokens of a login.
        fn put(PutTokens) -> ();
        /// An access token valid for at least a minute; one refresh for many concurrent callers.
        /// `token_missing`: nothing stored; `token_invalid`: the grant is dead; `sso_unavailable`:
        /// retry later.
        fn access_token(CharacterRequest) -> AccessToken;
        /// The token's health, `None` when nothing is stored.
        fn health(CharacterRequest) -> Option<TokenHealth>;
        /// Revokes the refresh token at the SSO, then deletes the tokens (unlinking); `false` when
        /// nothing was stored. `sso_unavailable`: the SSO could not be reached and nothing changed.
        fn revoke(CharacterRequest) -> bool;
        /// Re-encrypts the stored tokens under the primary vault key; how many changed (0 or 1).
        fn reseal(CharacterRequest) -> u32;
    }
}

/// How token store errors cross the RPC boundary: each keeps its own code, so callers and the
/// browser see `token_invalid` or `sso_unavailable`, not a generic conflict.
pub fn token_error(error: &TokenError) -> ApiError {
    match error {
        TokenError::NotFound => {
            ApiError::new(404, codes::TOKEN_MISSING, "no token stored; log in with this character again")
        }
        TokenError::Invalid { .. } | TokenError::Transferred { .. } => {
            ApiError::new(409, codes::TOKEN_INVALID, error.to_string())
        }
        TokenError::Unavailable { .. } => ApiError::new(502, codes::SSO_UNAVAILABLE, error.to_string()),
        TokenError::Vault(_) | TokenError::Storage(_) => ApiError::internal(error.to_string()),
    }
}
