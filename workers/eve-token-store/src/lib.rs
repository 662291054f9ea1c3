//! The eve-token-store worker: EVE SSO tokens, encrypted at rest, kept usable.
//!
//! Thin glue only: one `EveTokenStore` object per character (its name is the character id) runs
//! `hub-tokens` over its SQLite storage, with the vault keyring from the `TOKEN_VAULT_KEYS` secret.
//! Concurrent requests for one character share one refresh (`SingleFlight`); an alarm refreshes
//! ahead of time and re-arms itself after every piece of work.

use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::{CharacterId, Service};
use hub_http::Router;
use hub_ports::{Clock as _, OsRandom};
use hub_rpc::interfaces::{
    token_error, CharacterRequest, PutTokens, TokenStore as TokenStoreRpc, TokenStoreHandler,
};
use hub_rpc::{Interface, RpcError, RpcErrorCode};
use hub_tokens::{AccessToken, OwnerVerifier, SingleFlight, Sso, TokenError, TokenHealth, TokenStore};
use hub_vault::Keyring;
use hub_worker::durable::DurableSql;
use hub_worker::fetch::FetchTransport;
use hub_worker::sso::SsoConfig;
use hub_worker::{bindings, health, AppState, WorkerClock};
use std::rc::Rc;
use std::time::Duration;
use worker::{durable_object, DurableObject, Env, State};

const SERVICE: Service = Service::EveTokenStore;
const SSO_TIMEOUT: Duration = Duration::from_secs(10);
/// When an alarm's own work fails (storage, configuration), it comes back after this long.
const ALARM_RETRY_MS: i64 = 60_000;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::EVE_TOKEN_STORE), &[])
}

hub_worker::worker_entry!(SERVICE, router);

fn keyring(env: &Env) -> Result<Keyring, RpcError> {
    let spec = env
        .secret("TOKEN_VAULT_KEYS")
        .map(|s| s.to_string())
        .map_err(|_| RpcError::new(RpcErrorCode::Unavailable, "TOKEN_VAULT_KEYS is not configured"))?;
    let primary = env.var("TOKEN_VAULT_PRIMARY_KEY_ID").ok().and_then(|v| v.to_string().parse().ok());
    Keyring::from_config(&spec, primary).map_err(|e| RpcError::internal(format!("TOKEN_VAULT_KEYS: {e}")))
}

fn sso_config(env: &Env) -> Result<SsoConfig, RpcError> {
    SsoConfig::from_env(env).map_err(|e| RpcError::new(RpcErrorCode::Unavailable, e.message))
}

/// Checks a refreshed access token like a login's (JWKS signature, claims) and reads its owner.
struct JwtOwner<'a> {
    sso: &'a SsoConfig,
    http: &'a FetchTransport,
}

impl OwnerVerifier for JwtOwner<'_> {
    async fn owner_hash(&self, access_token: &str) -> Result<String, String> {
        hub_worker::sso::verify_access_token(self.sso, self.http, &WorkerClock, access_token)
            .await
            .map(|claims| claims.owner_hash)
            .map_err(|e| e.to_string())
    }
}

struct Inner {
    state: State,
    storage: DurableSql,
    env: Env,
    refreshes: SingleFlight<i64, Result<AccessToken, TokenError>>,
}

/// One character's tokens (SQLite storage).
#[durable_object]
pub struct EveTokenStore {
    inner: Rc<Inner>,
}

impl DurableObject for EveTokenStore {
    fn new(state: State, env: Env) -> Self {
        let storage = DurableSql::of(&state);
        if let Err(e) = hub_durable::probe::migrate(&storage).and_then(|()| hub_tokens::migrate(&storage)) {
            tracing::error!(error = %e, "creating the token tables failed");
        }
        Self { inner: Rc::new(Inner { state, storage, env, refreshes: SingleFlight::new() }) }
    }

    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        hub_worker::durable::serve_rpc(req, |iface, method, body| async move {
            if iface == TokenStoreRpc::NAME {
                TokenStoreRpc::dispatch(&Handler(Rc::clone(&self.inner)), &method, &body).await
            } else {
                hub_worker::durable::dispatch_health(&self.inner.storage, &iface, &method, &body).await
            }
        })
        .await
    }

    async fn alarm(&self) -> worker::Result<worker::Response> {
        let inner = &self.inner;
        match (keyring(&inner.env), sso_config(&inner.env)) {
            (Ok(keyring), Ok(sso)) => {
                let (keyring, sso) = (Rc::new(keyring), Rc::new(sso));
                let due = store(inner, &keyring).due();
                match due {
                    Ok(due) => {
                        for character in due {
                            let result = refresh(inner, &keyring, &sso, character, true).await;
                            tracing::info!(character = %character, ok = result.is_ok(), "alarm refresh");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "reading due tokens failed"),
                }
                rearm(inner, &keyring).await;
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "token alarm cannot run; retrying later");
                set_alarm(inner, WorkerClock.now_ms() + ALARM_RETRY_MS).await;
            }
        }
        worker::Response::empty()
    }
}

/// The token store over this object's storage and the configured keyring.
fn store<'a>(inner: &'a Inner, keyring: &'a Keyring) -> TokenStore<'a, DurableSql, OsRandom, WorkerClock> {
    TokenStore { storage: &inner.storage, keyring, random: &OsRandom, clock: &WorkerClock }
}

async fn set_alarm(inner: &Inner, at_ms: i64) {
    if let Err(e) = hub_worker::durable::set_alarm_at(&inner.state, at_ms.max(WorkerClock.now_ms())).await {
        tracing::error!(error = %e, "setting the token alarm failed");
    }
}

/// Points the alarm at the next time a token needs work (or clears it). Called after every change,
/// so every path leaves the alarm armed.
async fn rearm(inner: &Inner, keyring: &Keyring) {
    match store(inner, keyring).next_alarm_at() {
        Ok(Some(at_ms)) => set_alarm(inner, at_ms).await,
        Ok(None) => {
            if let Err(e) = inner.state.storage().delete_alarm().await {
                tracing::error!(error = %e, "clearing the token alarm failed");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "computing the next token alarm failed");
            set_alarm(inner, WorkerClock.now_ms() + ALARM_RETRY_MS).await;
        }
    }
}

/// A usable access token (`force`: refreshed now, the alarm's case), one refresh at a time per
/// character. A sold character found here leaves its account in Postgres.
async fn refresh(
    inner: &Rc<Inner>,
    keyring: &Rc<Keyring>,
    sso: &Rc<SsoConfig>,
    character: CharacterId,
    force: bool,
) -> Result<AccessToken, TokenError> {
    let CharacterId(id) = character;
    let owned = (Rc::clone(inner), Rc::clone(keyring), Rc::clone(sso));
    inner
        .refreshes
        .run(id, move || async move {
            let (inner, keyring, sso) = owned;
            let http = FetchTransport { timeout: SSO_TIMEOUT };
            let verifier = JwtOwner { sso: &sso, http: &http };
            let port = Sso { http: &http, client: &sso.client, verifier: &verifier };
            let store = store(&inner, &keyring);
            let result = if force {
                store.refresh_now(&port, character).await
            } else {
                store.access_token(&port, character).await
            };
            // Inside the flight, so many waiting callers make one report.
            match &result {
                Err(TokenError::Transferred { new_owner_hash }) => {
                    character_sold(&inner, character, new_owner_hash).await;
                }
                Err(TokenError::Invalid { reason }) => token_invalid(&inner, character, reason).await,
                _ => {}
            }
            result
        })
        .await
}

/// The character's owner hears that its token stopped working.
async fn token_invalid(inner: &Inner, character: CharacterId, reason: &str) {
    tracing::warn!(character = %character, reason, "token became invalid");
    let owner = async {
        let pg = hub_worker::pg::connect(&inner.env).await.map_err(|e| e.to_string())?;
        hub_auth::accounts::owner_of(&pg, character).await.map_err(|e| e.to_string())
    }
    .await;
    match owner {
        Ok(Some(user_id)) => {
            let notification = NewNotification {
                user_id,
                kind: NotificationKind::TokenInvalid,
                title: "A character's EVE login stopped working: log in with it again".into(),
                data: serde_json::json!({ "character_id": character, "reason": reason }),
            };
            hub_worker::notify::deliver(&inner.env, "token-store", vec![notification]).await;
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(character = %character, error = %e, "finding the owner of an invalid token failed");
        }
    }
}

async fn character_sold(inner: &Inner, character: CharacterId, new_owner_hash: &str) {
    let outcome = async {
        let pg = hub_worker::pg::connect(&inner.env).await.map_err(|e| e.to_string())?;
        hub_auth::accounts::character_sold(&pg, &WorkerClock, character, new_owner_hash)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    match outcome {
        Ok(previous) => {
            let previous_user = previous.as_ref().map(|(user, _)| *user);
            tracing::info!(character = %character, previous_user = ?previous_user, "character transfer detected at refresh");
            if let Some((user_id, ended)) = previous {
                hub_worker::notify::end_sessions(&inner.env, "token-store", &ended).await;
                let notification = NewNotification {
                    user_id,
                    kind: NotificationKind::CharacterTransferred,
                    title: "A character of yours was transferred to another account owner".into(),
                    data: serde_json::json!({ "character_id": character }),
                };
                hub_worker::notify::deliver(&inner.env, "token-store", vec![notification]).await;
            }
        }
        Err(e) => {
            tracing::error!(character = %character, error = %e, "recording a character transfer failed");
        }
    }
}

struct Handler(Rc<Inner>);

impl TokenStoreHandler for Handler {
    async fn put(&self, request: PutTokens) -> Result<(), RpcError> {
        let keyring = keyring(&self.0.env)?;
        store(&self.0, &keyring).put(request.character_id, &request.tokens).map_err(|e| token_error(&e))?;
        rearm(&self.0, &keyring).await;
        Ok(())
    }

    async fn access_token(&self, request: CharacterRequest) -> Result<AccessToken, RpcError> {
        let keyring = Rc::new(keyring(&self.0.env)?);
        let sso = Rc::new(sso_config(&self.0.env)?);
        // Most calls serve the stored token: the alarm moves only when a refresh changed the schedule.
        let schedule = || store(&self.0, &keyring).next_alarm_at().ok();
        let before = schedule();
        let result = refresh(&self.0, &keyring, &sso, request.character_id, false).await;
        if before.is_none() || schedule() != before {
            rearm(&self.0, &keyring).await;
        }
        result.map_err(|e| token_error(&e))
    }

    async fn health(&self, request: CharacterRequest) -> Result<Option<TokenHealth>, RpcError> {
        let keyring = keyring(&self.0.env)?;
        store(&self.0, &keyring).health(request.character_id).map_err(|e| token_error(&e))
    }

    async fn revoke(&self, request: CharacterRequest) -> Result<bool, RpcError> {
        let keyring = keyring(&self.0.env)?;
        let sso = sso_config(&self.0.env)?;
        let http = FetchTransport { timeout: SSO_TIMEOUT };
        let verifier = JwtOwner { sso: &sso, http: &http };
        let port = Sso { http: &http, client: &sso.client, verifier: &verifier };
        let revoked = store(&self.0, &keyring).revoke(&port, request.character_id).await;
        rearm(&self.0, &keyring).await;
        revoked.map_err(|e| match e {
            TokenError::Unavailable { .. } => {
                RpcError::new(RpcErrorCode::Unavailable, "EVE SSO could not be reached to revoke the token")
            }
            other => token_error(&other),
        })
    }

    async fn reseal(&self, _request: CharacterRequest) -> Result<u32, RpcError> {
        let keyring = keyring(&self.0.env)?;
        let changed = store(&self.0, &keyring).reseal().map_err(|e| token_error(&e))?;
        Ok(u32::try_from(changed).unwrap_or(u32::MAX))
    }
}
