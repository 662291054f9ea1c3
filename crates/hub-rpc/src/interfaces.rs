//! Every RPC interface of the hub, each declared once.

use crate::{RpcError, RpcErrorCode};
use hub_api::SyncRunReport;
use hub_auth::oauth::{Begun, Pending, Provider, Start};
use hub_corpdata::corporations::PublicCorporation;
use hub_domain::health::ProbeRecord;
use hub_domain::notification::NewNotification;
use hub_domain::Service;
use hub_domain::{CharacterId, UserId};
use hub_esi::Priority;
use hub_notify::{Notification, Page};
use hub_tokens::{AccessToken, NewTokens, TokenHealth};
use serde::{Deserialize, Serialize};

/// Asks a Durable Object to prove its SQLite storage works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRequest {
    /// The service asking, recorded in the object's logs.
    pub caller: Service,
}

crate::rpc_interface! {
    /// Served by every Durable Object class: a write and a read of its own SQLite storage.
    pub interface DurableHealth as "health", handler DurableHealthHandler {
        /// Records one probe and returns the object's probe history.
        fn probe(ProbeRequest) -> ProbeRecord;
    }
}

/// A client's budget of audit entries for failed callbacks: see [`hub_auth::oauth::audit_permit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPermit {
    pub client: String,
}

/// Takes a login state back at the callback: see [`hub_auth::oauth::finish`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishLogin {
    pub provider: Provider,
    pub state: String,
    pub browser_nonce: Option<String>,
}

crate::rpc_interface! {
    /// Served by the core worker's `CoreState` objects (one per shard, see
    /// [`hub_auth::oauth::shard_object`]): single-use OAuth login state in their SQLite.
    pub interface LoginStates as "login-states", handler LoginStatesHandler {
        /// `too_many_requests` when the client started too many logins.
        fn begin(Start) -> Begun;
        /// Refused states are `bad_request` errors whose message says why.
        fn finish(FinishLogin) -> Pending;
        /// Whether a failed callback of this client may write an audit entry.
        fn audit_permit(AuditPermit) -> bool;
    }
}

/// A character's tokens, after a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutTokens {
    pub character_id: CharacterId,
    pub tokens: NewTokens,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharacterRequest {
    pub character_id: CharacterId,
}

crate::rpc_interface! {
    /// Served by the eve-token-store worker's `EveTokenStore` object, one per character.
    pub interface TokenStore as "tokens", handler TokenStoreHandler {
        /// Stores (encrypted) the tokens of a login.
        fn put(PutTokens) -> ();
        /// An access token valid for at least a minute; one refresh for many concurrent callers.
        /// `not_found`: nothing stored; `conflict`: the token is invalid; `unavailable`: retry later.
        fn access_token(CharacterRequest) -> AccessToken;
        /// The token's health, `None` when nothing is stored.
        fn health(CharacterRequest) -> Option<TokenHealth>;
        /// Revokes the refresh token at the SSO, then deletes the tokens (unlinking); `false` when
        /// nothing was stored. `unavailable`: the SSO could not be reached and nothing changed.
        fn revoke(CharacterRequest) -> bool;
        /// Re-encrypts the stored tokens under the primary vault key; how many changed (0 or 1).
        fn reseal(CharacterRequest) -> u32;
    }
}

/// A page of a user's notifications: see [`hub_notify::list`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListNotifications {
    pub unread_only: bool,
    pub before_id: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationId {
    pub id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllNotifications {}

/// Sessions of the user that ended (logout, an admin, a transfer, a ban).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndSessions {
    pub session_ids: Vec<uuid::Uuid>,
}

/// Notifications for many users, handed to a relay object that delivers them (see
/// `hub_worker::notify::deliver`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayBatch {
    pub notifications: Vec<NewNotification>,
}

crate::rpc_interface! {
    /// Served by the notifications worker's `UserNotifications` object, one per user (named by the
    /// user id): stores, delivers over the user's sockets, and lists notifications.
    pub interface Notifications as "notifications", handler NotificationsHandler {
        /// Stores the notification, then sends it to every open socket of the user.
        fn notify(NewNotification) -> Notification;
        fn list(ListNotifications) -> Page;
        /// `false` when there is no such notification.
        fn mark_read(NotificationId) -> bool;
        /// How many were unread.
        fn mark_all_read(AllNotifications) -> u32;
        /// Served by relay objects: delivers each notification to its user's object; how many
        /// were delivered.
        fn relay(RelayBatch) -> u32;
        /// Closes the sockets of ended sessions, and refuses them from now on; how many closed.
        fn end_sessions(EndSessions) -> u32;
    }
}

/// May a call of this priority go out now? See [`hub_esi::breaker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitRequest {
    pub now_ms: i64,
    pub priority: Priority,
}

/// What one ESI response said about the error budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetObservation {
    pub now_ms: i64,
    pub status: u16,
    pub remain: Option<i64>,
    pub reset_secs: Option<i64>,
}

crate::rpc_interface! {
    /// Served by the `EsiCoordinator` object (one, named "global"): the error-limit breaker every
    /// ESI caller of the deployment shares.
    pub interface EsiBudget as "esi-budget", handler EsiBudgetHandler {
        /// `Ok(None)` when the call may go; `Ok(Some(reset_at_ms))` when it must wait.
        fn permit(PermitRequest) -> Option<i64>;
        fn observe(BudgetObservation) -> ();
    }
}

crate::rpc_interface! {
    /// Served by the eve-character-data worker's `EveCharacterData` object, one per character.
    pub interface CharacterSync as "character-sync", handler CharacterSyncHandler {
        /// Starts (or resumes) syncing the character: every dataset is due now.
        fn start(CharacterRequest) -> ();
        /// Syncs every dataset now, whatever its schedule, and reports how it went.
        fn sync_now(CharacterRequest) -> SyncRunReport;
        /// Reads the character's corporation and roles from ESI now (a director's registration
        /// verifies them); the facts land in Postgres.
        fn refresh_roles(CharacterRequest) -> ();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorporationRequest {
    pub corporation_id: i64,
}

/// A character that its own sync found in a corporation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedMember {
    pub corporation_id: i64,
    pub character_id: CharacterId,
    pub owner: Option<UserId>,
    /// Its roles, just read with its own token, include Director.
    pub director: bool,
}

crate::rpc_interface! {
    /// Served by the eve-corporation-data worker's `EveCorporationData` object, one per corporation.
    pub interface CorporationSync as "corporation-sync", handler CorporationSyncHandler {
        /// Syncs the corporation's datasets now through its directors and reports how it went;
        /// concurrent calls share one run.
        fn sync_now(CorporationRequest) -> SyncRunReport;
        /// Refreshes the corporation's public information (name, ticker, CEO) from ESI, honouring
        /// its `Expires`; `None` when ESI knows no such corporation.
        fn refresh_info(CorporationRequest) -> Option<PublicCorporation>;
        /// A character's sync saw it in this corporation: the public information is refreshed (the
        /// CEO fact stays fresh), and a Director logging in registers the corporation.
        fn observe_member(ObservedMember) -> ();
    }
}

/// How token store errors cross the RPC boundary.
pub fn token_error(error: &hub_tokens::TokenError) -> RpcError {
    use hub_tokens::TokenError;
    let code = match error {
        TokenError::NotFound => RpcErrorCode::NotFound,
        TokenError::Invalid { .. } | TokenError::Transferred { .. } => RpcErrorCode::Conflict,
        TokenError::Unavailable { .. } => RpcErrorCode::Unavailable,
        TokenError::Vault(_) | TokenError::Storage(_) => RpcErrorCode::Internal,
    };
    RpcError::new(code, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_rpc_path, Client, LoopbackTransport};
    use futures::executor::block_on;
    use std::cell::Cell;

    struct Object {
        probes: Cell<i64>,
    }

    impl DurableHealthHandler for Object {
        async fn probe(&self, request: ProbeRequest) -> Result<ProbeRecord, RpcError> {
            if request.caller == Service::Ui {
                return Err(RpcError::new(RpcErrorCode::Forbidden, "ui may not probe"));
            }
            self.probes.set(self.probes.get() + 1);
            Ok(ProbeRecord { probes: self.probes.get(), first_probe_at_ms: 1, last_probe_at_ms: 2 })
        }
    }

    /// What a Durable Object's fetch handler does with an RPC request.
    async fn serve(object: &Object, path: String, body: Vec<u8>) -> (u16, Vec<u8>) {
        let Some((iface, method)) = parse_rpc_path(&path) else { return (404, Vec::new()) };
        assert_eq!(iface, "health");
        match DurableHealth::dispatch(object, method, &body).await {
            Ok(bytes) => (200, bytes),
            Err(e) => {
                let resp = e.to_api_error().into_response();
                (resp.status, resp.body)
            }
        }
    }

    #[test]
    fn client_and_dispatch_agree() {
        let object = Object { probes: Cell::new(0) };
        let client: Client<DurableHealth, _> =
            Client::new(LoopbackTransport(|path, body| serve(&object, path, body)));
        let record = block_on(client.probe(&ProbeRequest { caller: Service::Core })).unwrap();
        assert_eq!(record.probes, 1);
        let record = block_on(client.probe(&ProbeRequest { caller: Service::Core })).unwrap();
        assert_eq!(record.probes, 2);

        let err = block_on(client.probe(&ProbeRequest { caller: Service::Ui })).unwrap_err();
        assert_eq!(err, RpcError::new(RpcErrorCode::Forbidden, "ui may not probe"));
    }

    #[test]
    fn dispatch_refuses_unknown_methods_and_bad_bodies() {
        let object = Object { probes: Cell::new(0) };
        let err = block_on(DurableHealth::dispatch(&object, "explode", b"{}")).unwrap_err();
        assert_eq!(err.code, RpcErrorCode::UnknownMethod);
        let err = block_on(DurableHealth::dispatch(&object, "probe", b"{\"caller\":42}")).unwrap_err();
        assert_eq!(err.code, RpcErrorCode::BadRequest);
        assert!(err.message.contains("probe"));
        assert_eq!(parse_rpc_path("/rpc/health/probe"), Some(("health", "probe")));
        assert_eq!(parse_rpc_path("/rpc/health/"), None);
        assert_eq!(parse_rpc_path("/other"), None);
    }

    #[test]
    fn non_wire_error_bodies_keep_their_status() {
        let err = RpcError::from_wire(503, b"<html>down</html>");
        assert_eq!(err.code, RpcErrorCode::Unavailable);
        assert!(err.message.contains("503"));
    }
}
