//! The eve-token-store worker: EVE SSO tokens, encrypted at rest, kept usable.
//!
//! Thin glue only: one `EveTokenStore` object per character (its name is the character id) runs
//! `hub-tokens` over its SQLite storage, with the vault keyring from the `TOKEN_VAULT_KEYS` secret.
//! Concurrent requests for one character share one refresh (`SingleFlight`).

use hub_domain::{CharacterId, Service};
use hub_http::Router;
use hub_ports::OsRandom;
use hub_rpc::interfaces::{
    token_error, CharacterRequest, PutTokens, TokenStore as TokenStoreRpc, TokenStoreHandler,
};
use hub_rpc::{Interface, RpcError, RpcErrorCode};
use hub_tokens::{AccessToken, SingleFlight, TokenError, TokenHealth, TokenStore};
use hub_vault::Keyring;
use hub_worker::durable::DurableSql;
use hub_worker::fetch::FetchTransport;
use hub_worker::{bindings, health, AppState, WorkerClock};
use std::rc::Rc;
use std::time::Duration;
use worker::{durable_object, DurableObject, Env, State};

const SERVICE: Service = Service::EveTokenStore;

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

struct Inner {
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
        Self { inner: Rc::new(Inner { storage, env, refreshes: SingleFlight::new() }) }
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
}

/// The token store over this object's storage and the configured keyring.
fn store<'a>(inner: &'a Inner, keyring: &'a Keyring) -> TokenStore<'a, DurableSql, OsRandom, WorkerClock> {
    TokenStore { storage: &inner.storage, keyring, random: &OsRandom, clock: &WorkerClock }
}

struct Handler(Rc<Inner>);

impl TokenStoreHandler for Handler {
    async fn put(&self, request: PutTokens) -> Result<(), RpcError> {
        let keyring = keyring(&self.0.env)?;
        store(&self.0, &keyring).put(request.character_id, &request.tokens).map_err(|e| token_error(&e))
    }

    async fn access_token(&self, request: CharacterRequest) -> Result<AccessToken, RpcError> {
        let keyring = keyring(&self.0.env)?;
        let sso = hub_worker::sso::SsoConfig::from_env(&self.0.env)
            .map_err(|e| RpcError::new(RpcErrorCode::Unavailable, e.message))?;
        let inner = Rc::clone(&self.0);
        let CharacterId(id) = request.character_id;
        let result = self
            .0
            .refreshes
            .run(id, move || async move {
                let http = FetchTransport { timeout: Duration::from_secs(10) };
                store(&inner, &keyring).access_token(&http, &sso.client, CharacterId(id)).await
            })
            .await;
        result.map_err(|e| token_error(&e))
    }

    async fn health(&self, request: CharacterRequest) -> Result<Option<TokenHealth>, RpcError> {
        let keyring = keyring(&self.0.env)?;
        store(&self.0, &keyring).health(request.character_id).map_err(|e| token_error(&e))
    }
}
