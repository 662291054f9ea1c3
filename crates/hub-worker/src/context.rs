//! The contexts of a worker's request and of a Durable Object's invocation, over the Workers
//! runtime.

use crate::ObjectParts;
use hub_app::{Context, ObjectContext, Runtime};
use hub_domain::Service;
use hub_http::ApiError;
use hub_ports::{OsRandom, PgError};
use hub_postgres::pg::PgClient;
use hub_rpc::{Interface, ObjectInterface, ObjectKey, ServiceInterface};
use hub_workerd::durable::DurableSql;
use hub_workerd::fetch::FetchTransport;
use hub_workerd::kv::WorkersKv;
use hub_workerd::stub::{ObjectTransport, ServiceTransport};
use hub_workerd::{WorkerClock, WorkerSleep};
use std::cell::OnceCell;
use std::rc::Rc;
use std::time::Duration;

/// How long an outbound HTTP call (EVE SSO, ESI, Discord) may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);

/// What both contexts share: the environment, the request id and the request's Postgres
/// connection, opened on first use.
struct Shared {
    service: Service,
    env: worker::Env,
    request_id: String,
    http: FetchTransport,
    /// Bound on first use: most requests never touch the cache.
    cache: OnceCell<WorkersKv>,
    pg: OnceCell<PgClient>,
}

/// A copy for work that outlives the invocation that started it (a refresh other callers join):
/// the same request id, its own Postgres connection when it needs one.
impl Clone for Shared {
    fn clone(&self) -> Self {
        Self::new(self.service, self.env.clone(), self.request_id.clone())
    }
}

impl Shared {
    fn new(service: Service, env: worker::Env, request_id: String) -> Self {
        Self {
            service,
            env,
            request_id,
            http: FetchTransport { timeout: HTTP_TIMEOUT },
            cache: OnceCell::new(),
            pg: OnceCell::new(),
        }
    }

    async fn postgres(&self) -> Result<&PgClient, PgError> {
        if self.pg.get().is_none() {
            let client = hub_workerd::pg::connect(&self.env).await?;
            // Two concurrent first uses both connect; the first to finish is kept.
            let _ = self.pg.set(client);
        }
        self.pg.get().ok_or_else(|| PgError::Connect("the connection was not kept".into()))
    }

    fn stub<I: ObjectInterface>(&self, key: &I::Key) -> Result<I::Client<ObjectTransport>, ApiError> {
        self.stub_in::<I>(I::BINDING, &key.object_name())
    }

    fn stub_in<I: Interface>(
        &self,
        binding: &str,
        name: &str,
    ) -> Result<I::Client<ObjectTransport>, ApiError> {
        Ok(I::client(ObjectTransport::new(&self.env, binding, name, &self.request_id)?))
    }

    fn service_client<I: ServiceInterface>(&self) -> Result<I::Client<ServiceTransport>, ApiError> {
        Ok(I::client(ServiceTransport::new(&self.env, I::SERVICE, &self.request_id)?))
    }
}

macro_rules! runtime_via_shared {
    ($ty:ty) => {
        impl Runtime for $ty {
            type Clock = WorkerClock;
            type Random = OsRandom;
            type Http = FetchTransport;
            type Sleep = WorkerSleep;
            type ObjectTransport = ObjectTransport;
            type ServiceTransport = ServiceTransport;
            type Cache = WorkersKv;

            fn service(&self) -> Service {
                self.shared.service
            }
            fn request_id(&self) -> &str {
                &self.shared.request_id
            }
            fn clock(&self) -> &WorkerClock {
                &WorkerClock
            }
            fn random(&self) -> &OsRandom {
                &OsRandom
            }
            fn http(&self) -> &FetchTransport {
                &self.shared.http
            }
            fn sleep(&self) -> &WorkerSleep {
                &WorkerSleep
            }
            fn setting(&self, name: &str) -> Option<String> {
                hub_workerd::setting(&self.shared.env, name)
            }
            fn cache(&self) -> &WorkersKv {
                self.shared.cache.get_or_init(|| WorkersKv::bound(&self.shared.env, "CACHE"))
            }
            fn stub<I: ObjectInterface>(&self, key: &I::Key) -> Result<I::Client<ObjectTransport>, ApiError> {
                self.shared.stub::<I>(key)
            }
            fn stub_in<I: Interface>(
                &self,
                binding: &str,
                name: &str,
            ) -> Result<I::Client<ObjectTransport>, ApiError> {
                self.shared.stub_in::<I>(binding, name)
            }
            fn service_client<I: ServiceInterface>(&self) -> Result<I::Client<ServiceTransport>, ApiError> {
                self.shared.service_client::<I>()
            }
        }

        impl Context for $ty {
            type Pg = PgClient;
            async fn connect_postgres(&self) -> Result<&PgClient, PgError> {
                self.shared.postgres().await
            }
        }
    };
}

/// One request of a worker.
pub struct WorkerContext {
    shared: Shared,
}

impl WorkerContext {
    pub fn new(service: Service, env: worker::Env, request_id: String) -> Self {
        Self { shared: Shared::new(service, env, request_id) }
    }

    /// The platform's environment, for the few adapters that need a binding by name (raw
    /// forwarding of WebSocket upgrades).
    pub fn env(&self) -> &worker::Env {
        &self.shared.env
    }
}

runtime_via_shared!(WorkerContext);

/// One invocation of a Durable Object: a call, an alarm, a socket message.
#[derive(Clone)]
pub struct DurableContext {
    shared: Shared,
    parts: Rc<ObjectParts>,
}

impl DurableContext {
    pub fn new(parts: Rc<ObjectParts>, request_id: String) -> Self {
        Self { shared: Shared::new(parts.service, parts.env.clone(), request_id), parts }
    }

    /// The platform's object state, for socket adapters.
    pub fn state(&self) -> &worker::State {
        &self.parts.state
    }
}

runtime_via_shared!(DurableContext);

impl ObjectContext for DurableContext {
    type Storage = DurableSql;

    fn storage(&self) -> &DurableSql {
        &self.parts.storage
    }

    async fn set_alarm(&self, at_ms: i64) -> Result<(), ApiError> {
        hub_workerd::durable::set_alarm_at(&self.parts.state, at_ms)
            .await
            .map_err(|e| ApiError::internal(format!("setting the alarm: {e}")))
    }

    async fn delete_alarm(&self) -> Result<(), ApiError> {
        hub_workerd::durable::delete_alarm(&self.parts.state)
            .await
            .map_err(|e| ApiError::internal(format!("deleting the alarm: {e}")))
    }
}
