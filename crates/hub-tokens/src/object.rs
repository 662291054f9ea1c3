//! The logic of an `EveTokenStore` object, one per character: the token store over the object's
//! storage, with the vault keyring from the `TOKEN_VAULT_KEYS` secret. Concurrent requests for one
//! character share one refresh ([`SingleFlight`]); an alarm refreshes ahead of time and re-arms
//! itself after every piece of work.

use crate::rpc::{token_error, PutTokens, TokenStore as TokenStoreRpc, TokenStoreHandler};
use crate::{codes, AccessToken, OwnerVerifier, SingleFlight, Sso, TokenError, TokenHealth, TokenStore};
use hub_accounts::rpc::{Accounts, CharacterSold};
use hub_app::{internal, DurableLogic, ObjectContext, Runtime};
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::{CharacterId, CharacterRequest};
use hub_http::ApiError;
use hub_ports::{Clock, SqlError, SqlStorage};
use hub_sso::settings::SsoConfig;
use hub_vault::Keyring;

/// When an alarm's own work fails (storage, configuration), it comes back after this long.
const ALARM_RETRY_MS: i64 = 60_000;

/// The vault's keyring; 503 when it is not configured.
pub fn keyring(ctx: &impl Runtime) -> Result<Keyring, ApiError> {
    Keyring::from_settings(|name| ctx.setting(name))
        .ok_or_else(|| ApiError::unavailable("TOKEN_VAULT_KEYS is not configured"))?
        .map_err(|e| ApiError::internal(format!("TOKEN_VAULT_KEYS: {e}")))
}

fn sso_config(ctx: &impl Runtime) -> Result<SsoConfig, ApiError> {
    SsoConfig::from_settings(|name| ctx.setting(name)).map_err(|e| ApiError::unavailable(e.to_string()))
}

/// Checks a refreshed access token like a login's (JWKS signature, claims) and reads its owner.
struct JwtOwner<'a, R> {
    sso: &'a SsoConfig,
    ctx: &'a R,
}

impl<R: Runtime> OwnerVerifier for JwtOwner<'_, R> {
    async fn owner_hash(&self, access_token: &str) -> Result<String, String> {
        self.sso
            .verify_access_token(self.ctx.http(), self.ctx.clock(), access_token)
            .await
            .map(|claims| claims.owner_hash)
            .map_err(|e| e.to_string())
    }
}

/// The token store over the object's storage and the configured keyring.
fn store<'a, C: ObjectContext>(
    ctx: &'a C,
    keyring: &'a Keyring,
) -> TokenStore<'a, C::Storage, C::Random, C::Clock> {
    TokenStore { storage: ctx.storage(), keyring, random: ctx.random(), clock: ctx.clock() }
}

/// One character's token store: its in-memory state is the refresh in flight.
pub struct TokenStoreObject {
    refreshes: SingleFlight<i64, Result<AccessToken, TokenError>>,
}

impl DurableLogic for TokenStoreObject {
    fn new() -> Self {
        Self { refreshes: SingleFlight::new() }
    }

    fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
        crate::migrate(storage)
    }

    async fn call(
        &self,
        ctx: &impl ObjectContext,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        TokenStoreRpc::serve(&Calls { object: self, ctx }, interface, method, body).await
    }

    async fn alarm(&self, ctx: &impl ObjectContext) {
        match (keyring(ctx), sso_config(ctx)) {
            (Ok(keyring), Ok(_)) => {
                match store(ctx, &keyring).due() {
                    Ok(due) => {
                        for character in due {
                            let result = self.refresh(ctx, character, true).await;
                            tracing::info!(character = %character, ok = result.is_ok(), "alarm refresh");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "reading due tokens failed"),
                }
                rearm(ctx, &keyring).await;
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "token alarm cannot run; retrying later");
                set_alarm(ctx, ctx.clock().now_ms() + ALARM_RETRY_MS).await;
            }
        }
    }
}

impl TokenStoreObject {
    /// A usable access token (`force`: refreshed now, the alarm's case), one refresh at a time per
    /// character. A sold character found here leaves its account.
    async fn refresh(
        &self,
        ctx: &impl ObjectContext,
        character: CharacterId,
        force: bool,
    ) -> Result<AccessToken, TokenError> {
        // The flight outlives this caller if it goes away: it runs on its own copy of the context.
        let ctx = ctx.clone();
        self.refreshes
            .run(character.0, move || async move {
                let keyring = keyring(&ctx).map_err(|e| TokenError::Storage(e.message))?;
                let sso = sso_config(&ctx).map_err(|e| TokenError::Storage(e.message))?;
                let verifier = JwtOwner { sso: &sso, ctx: &ctx };
                let port = Sso { http: ctx.http(), client: &sso.client, verifier: &verifier };
                let store = store(&ctx, &keyring);
                let result = if force {
                    store.refresh_now(&port, character).await
                } else {
                    store.access_token(&port, character).await
                };
                // Inside the flight, so many waiting callers make one report.
                match &result {
                    Err(TokenError::Transferred { new_owner_hash }) => {
                        character_sold(&ctx, character, new_owner_hash).await;
                    }
                    Err(TokenError::Invalid { reason }) => token_invalid(&ctx, character, reason).await,
                    _ => {}
                }
                result
            })
            .await
    }
}

async fn set_alarm(ctx: &impl ObjectContext, at_ms: i64) {
    if let Err(e) = ctx.set_alarm(at_ms.max(ctx.clock().now_ms())).await {
        tracing::error!(error = %e, "setting the token alarm failed");
    }
}

/// Points the alarm at the next time a token needs work (or clears it). Called after every change,
/// so every path leaves the alarm armed.
async fn rearm(ctx: &impl ObjectContext, keyring: &Keyring) {
    match store(ctx, keyring).next_alarm_at() {
        Ok(Some(at_ms)) => set_alarm(ctx, at_ms).await,
        Ok(None) => {
            if let Err(e) = ctx.delete_alarm().await {
                tracing::error!(error = %e, "clearing the token alarm failed");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "computing the next token alarm failed");
            set_alarm(ctx, ctx.clock().now_ms() + ALARM_RETRY_MS).await;
        }
    }
}

/// The character's owner hears that its token stopped working.
async fn token_invalid(ctx: &impl ObjectContext, character: CharacterId, reason: &str) {
    tracing::warn!(character = %character, reason, "token became invalid");
    let owner =
        async { hub_accounts::accounts::owner_of(ctx.postgres().await?, character).await.map_err(internal) }
            .await;
    match owner {
        Ok(Some(user_id)) => {
            let notification = NewNotification {
                user_id,
                kind: NotificationKind::TokenInvalid,
                title: "A character's EVE login stopped working: log in with it again".into(),
                data: serde_json::json!({ "character_id": character, "reason": reason }),
            };
            hub_notify::deliver(ctx, vec![notification]).await;
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(character = %character, error = %e, "finding the owner of an invalid token failed");
        }
    }
}

/// A refresh showed another owner: the accounts service moves the character out of its account.
async fn character_sold(ctx: &impl ObjectContext, character: CharacterId, new_owner_hash: &str) {
    let sold = CharacterSold { character_id: character, new_owner_hash: new_owner_hash.to_owned() };
    let outcome = async { ctx.service_client::<Accounts>()?.character_sold(&sold).await }.await;
    match outcome {
        Ok(previous) => {
            tracing::info!(character = %character, previous_user = ?previous, "character transfer detected at refresh");
        }
        Err(e) => {
            tracing::error!(character = %character, error = %e, "recording a character transfer failed");
        }
    }
}

/// The `TokenStore` interface over one invocation.
struct Calls<'a, C> {
    object: &'a TokenStoreObject,
    ctx: &'a C,
}

impl<C: ObjectContext> TokenStoreHandler for Calls<'_, C> {
    async fn put(&self, request: PutTokens) -> Result<(), ApiError> {
        let keyring = keyring(self.ctx)?;
        store(self.ctx, &keyring).put(request.character_id, &request.tokens).map_err(|e| token_error(&e))?;
        rearm(self.ctx, &keyring).await;
        Ok(())
    }

    async fn access_token(&self, request: CharacterRequest) -> Result<AccessToken, ApiError> {
        let keyring = keyring(self.ctx)?;
        sso_config(self.ctx)?;
        // Most calls serve the stored token: the alarm moves only when a refresh changed the schedule.
        let schedule = || store(self.ctx, &keyring).next_alarm_at().ok();
        let before = schedule();
        let result = self.object.refresh(self.ctx, request.character_id, false).await;
        if before.is_none() || schedule() != before {
            rearm(self.ctx, &keyring).await;
        }
        result.map_err(|e| token_error(&e))
    }

    async fn health(&self, request: CharacterRequest) -> Result<Option<TokenHealth>, ApiError> {
        let keyring = keyring(self.ctx)?;
        store(self.ctx, &keyring).health(request.character_id).map_err(|e| token_error(&e))
    }

    async fn revoke(&self, request: CharacterRequest) -> Result<bool, ApiError> {
        let keyring = keyring(self.ctx)?;
        let sso = sso_config(self.ctx)?;
        let verifier = JwtOwner { sso: &sso, ctx: self.ctx };
        let port = Sso { http: self.ctx.http(), client: &sso.client, verifier: &verifier };
        let revoked = store(self.ctx, &keyring).revoke(&port, request.character_id).await;
        rearm(self.ctx, &keyring).await;
        revoked.map_err(|e| match e {
            TokenError::Unavailable { .. } => {
                ApiError::new(502, codes::SSO_UNAVAILABLE, "EVE SSO could not be reached to revoke the token")
            }
            other => token_error(&other),
        })
    }

    async fn reseal(&self, _request: CharacterRequest) -> Result<u32, ApiError> {
        let keyring = keyring(self.ctx)?;
        let changed = store(self.ctx, &keyring).reseal().map_err(|e| token_error(&e))?;
        Ok(u32::try_from(changed).unwrap_or(u32::MAX))
    }
}
