//! The context port: everything a route, a use case or an object's logic may reach outside itself,
//! as one trait per kind of caller.
//!
//! - [`Runtime`]: the request id, clock, randomness, outbound HTTP, settings, typed stubs of
//!   Durable Objects and typed clients of other services.
//! - [`Context`]: a worker's request, which also reaches Postgres (one connection per request,
//!   opened on first use).
//! - [`ObjectContext`]: one invocation of a Durable Object, which also has its SQLite storage and
//!   its alarm.
//!
//! `hub-worker` implements them over the Workers runtime, `hub-native` over in-memory and native
//! adapters for tests. Domain crates are generic over them and never name a runtime.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

use hub_domain::Service;
use hub_http::ApiError;
use hub_http::{FromRequest, RequestParts};
use hub_ports::{Cache, Clock, HttpTransport, PgError, Postgres, Random, Sleep, Sockets, SqlStorage};
use hub_rpc::{Interface, ObjectInterface, ServiceInterface, Transport};

pub use hub_http::Ctx;

/// What every caller has (a timer too).
pub trait Runtime {
    type Clock: Clock;
    type Random: Random;
    type Http: HttpTransport;
    type Sleep: Sleep;
    type ObjectTransport: Transport;
    type ServiceTransport: Transport;
    type Cache: Cache;

    /// The service this code runs in.
    fn service(&self) -> Service;
    /// The id of the request being served; it travels on every call made for it.
    fn request_id(&self) -> &str;
    fn clock(&self) -> &Self::Clock;
    fn random(&self) -> &Self::Random;
    fn http(&self) -> &Self::Http;
    /// Waiting (a rate limit's reset, a backoff).
    fn sleep(&self) -> &Self::Sleep;
    /// A configured variable or secret; `None` when unset.
    fn setting(&self, name: &str) -> Option<String>;
    /// The worker's key-value cache (Workers KV bound as `CACHE`); a worker without one misses always.
    fn cache(&self) -> &Self::Cache;

    /// A typed client of the object `key` names, in the namespace the interface declares.
    fn stub<I: ObjectInterface>(&self, key: &I::Key) -> Result<I::Client<Self::ObjectTransport>, ApiError>;

    /// A typed client of the object `name` in the namespace bound as `binding`: for interfaces
    /// every object serves (the health probe), where the namespace is the caller's choice.
    fn stub_in<I: Interface>(
        &self,
        binding: &str,
        name: &str,
    ) -> Result<I::Client<Self::ObjectTransport>, ApiError>;

    /// A typed client of the worker that serves `I`, over its service binding.
    fn service_client<I: ServiceInterface>(&self) -> Result<I::Client<Self::ServiceTransport>, ApiError>;

    /// A setting that must be present: 503 naming it otherwise (a deployment mistake, not the
    /// caller's).
    fn required_setting(&self, name: &str) -> Result<String, ApiError> {
        self.setting(name).ok_or_else(|| ApiError::unavailable(format!("{name} is not configured")))
    }
}

/// A worker's request.
pub trait Context: Runtime {
    type Pg: Postgres;

    /// Postgres, connected on first use and shared by the rest of the request.
    async fn connect_postgres(&self) -> Result<&Self::Pg, PgError>;

    /// [`Context::connect_postgres`] for handlers: 503 when the database cannot be reached (the
    /// reason is logged, not shown).
    async fn postgres(&self) -> Result<&Self::Pg, ApiError> {
        self.connect_postgres().await.map_err(|e| {
            tracing::error!(error = %e, "database unavailable");
            ApiError::unavailable("the database is unavailable")
        })
    }
}

/// One invocation of a Durable Object (a call, an alarm, a socket message). A clone serves work
/// that outlives the invocation that started it (a refresh that later callers join).
pub trait ObjectContext: Context + Clone + 'static {
    type Storage: SqlStorage;

    /// The object's own SQLite storage.
    fn storage(&self) -> &Self::Storage;
    /// Sets the object's alarm to an absolute time (epoch milliseconds), replacing any other.
    async fn set_alarm(&self, at_ms: i64) -> Result<(), ApiError>;
    async fn delete_alarm(&self) -> Result<(), ApiError>;
}

/// A 500 that logs what went wrong and tells the client nothing more: for failures of our own
/// (a query, a serialization) whose text is for operators only.
pub fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "internal error");
    ApiError::internal("something went wrong on our side")
}

/// The hub's public origin (`PUBLIC_ORIGIN`, e.g. `https://auth.example.org`), without a trailing
/// slash: what browsers send as `Origin`.
pub fn public_origin(setting: impl Fn(&str) -> Option<String>) -> Option<String> {
    setting("PUBLIC_ORIGIN")
        .filter(|o| !o.trim().is_empty())
        .map(|o| o.trim().trim_end_matches('/').to_owned())
}

/// The setting that turns operator endpoints on.
pub const OPERATOR_TOKEN: &str = "OPERATOR_TOKEN";

/// An operator's request: `Authorization: Bearer <OPERATOR_TOKEN>` (a secret of at least 16
/// characters). Without the secret configured, operator endpoints do not exist (404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator(());

impl Operator {
    /// Checks the request's bearer token against the configured one.
    pub fn verify(ctx: &impl Runtime, authorization: Option<&str>) -> Result<Self, ApiError> {
        use sha2::Digest;
        let Some(expected) = ctx.setting(OPERATOR_TOKEN).filter(|s| s.len() >= 16) else {
            return Err(ApiError::not_found("operator endpoints are not enabled (OPERATOR_TOKEN)"));
        };
        let presented = authorization.and_then(|h| h.strip_prefix("Bearer ")).unwrap_or_default();
        // Compared as hashes, so the comparison's time says nothing about the secret.
        if sha2::Sha256::digest(presented.as_bytes()) == sha2::Sha256::digest(expected.as_bytes()) {
            Ok(Operator(()))
        } else {
            Err(ApiError::unauthorized("a valid operator token is required"))
        }
    }
}

impl<C: Runtime> FromRequest<C> for Operator {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        Operator::verify(&*parts.ctx, parts.request.header("authorization").as_deref())
    }
}

/// The logic of a Durable Object class, over the context of each invocation. The platform's
/// object (declared by `hub_worker::durable_object!`) holds one value of it per object instance:
/// its in-memory state (single-flight guards), never its data, which lives in storage.
pub trait DurableLogic: 'static {
    fn new() -> Self;

    /// Creates or upgrades the object's tables; runs when the object starts, before any call.
    fn migrate(storage: &impl SqlStorage) -> Result<(), hub_ports::SqlError>;

    /// Serves one RPC call to one of the class's interfaces (the health probe is served for it).
    async fn call(
        &self,
        ctx: &impl ObjectContext,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError>;

    /// The object's alarm fired.
    async fn alarm(&self, ctx: &impl ObjectContext) {
        let _ = ctx;
        tracing::warn!("an alarm fired on an object that sets none");
    }
}

/// The answer for an interface an object does not serve.
pub fn unknown_interface(interface: &str) -> ApiError {
    ApiError::new(
        404,
        hub_http::codes::UNKNOWN_METHOD,
        format!("this object serves no interface `{interface}`"),
    )
}

/// The logic of a class that serves only the health probe.
pub struct HealthOnly;

impl DurableLogic for HealthOnly {
    fn new() -> Self {
        HealthOnly
    }

    fn migrate(_storage: &impl SqlStorage) -> Result<(), hub_ports::SqlError> {
        Ok(())
    }

    async fn call(
        &self,
        _ctx: &impl ObjectContext,
        interface: &str,
        _method: &str,
        _body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        Err(unknown_interface(interface))
    }
}

/// What a new socket is accepted with, and what it is sent first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub tags: Vec<String>,
    pub attachment: String,
    pub messages: Vec<String>,
}

/// The logic of a Durable Object class that holds WebSockets (hibernating ones: everything about a
/// socket lives in its tags and attachment). `hub_worker::socket_object!` declares the class.
pub trait SocketLogic: 'static {
    /// The path whose upgrades the object accepts.
    const SOCKET_PATH: &'static str;

    fn migrate(storage: &impl SqlStorage) -> Result<(), hub_ports::SqlError>;

    /// A new socket, with the headers its worker set after checking the handshake.
    fn accept<C: ObjectContext, S: Sockets>(
        ctx: &C,
        sockets: &S,
        header: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Accepted, ApiError>;

    /// One RPC call to the object.
    async fn call<C: ObjectContext, S: Sockets>(
        ctx: &C,
        sockets: &S,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError>;

    /// A text message from a socket (a binary one arrives as the text `binary`).
    async fn message<C: ObjectContext, S: Sockets>(ctx: &C, sockets: &S, socket: &S::Socket, text: &str);

    async fn alarm<C: ObjectContext, S: Sockets>(ctx: &C, sockets: &S);
}

/// Where a worker sends a WebSocket upgrade it checked: the object's name in its namespace, and
/// the headers it sets on the upgrade (what it verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketTarget {
    pub object: String,
    pub headers: Vec<(&'static str, String)>,
}
