//! The context port over native and in-memory adapters: routes, use cases and object logic run
//! natively, against real Postgres, with a clock that moves only when told, seeded randomness, a
//! scripted HTTP peer, in-memory SQLite for an object's storage, and other services and objects
//! served in-process by the handlers a test registers.

use crate::SqliteStorage;
use hub_app::{Context, ObjectContext, Runtime};
use hub_domain::Service;
use hub_http::{ApiError, Request, Response, Router};
use hub_ports::{ManualClock, MemoryCache, PgError, ScriptedTransport, SeededRandom};
use hub_postgres::pg::PgClient;
use hub_rpc::{parse_rpc_path, Interface, ObjectInterface, ObjectKey, ServiceInterface, Transport};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

type Served = Pin<Box<dyn Future<Output = Result<Vec<u8>, ApiError>>>>;
/// Serves one call: the context of the callee, the object's name (empty for a service), the
/// method and the body.
type Handler = Rc<dyn Fn(TestContext, String, String, Vec<u8>) -> Served>;
/// One object's storage and alarm.
type ObjectState = (Rc<SqliteStorage>, Rc<Cell<Option<i64>>>);

struct Shared {
    clock: ManualClock,
    random: SeededRandom,
    http: ScriptedTransport,
    cache: MemoryCache,
    settings: RefCell<HashMap<String, String>>,
    pg: PgClient,
    /// Handlers by interface name.
    handlers: RefCell<HashMap<&'static str, Handler>>,
    /// Each object's storage, by binding and name, and its alarm.
    objects: RefCell<HashMap<(String, String), ObjectState>>,
    calls: RefCell<Vec<String>>,
}

/// A context for native tests. Clones share everything but the request id and, for an object's
/// context, its storage and alarm.
#[derive(Clone)]
pub struct TestContext {
    shared: Rc<Shared>,
    service: Service,
    request_id: String,
    storage: Rc<SqliteStorage>,
    alarm: Rc<Cell<Option<i64>>>,
}

impl TestContext {
    /// A request of `service` at `now_ms`, over the database `pg`.
    pub fn new(service: Service, pg: PgClient, now_ms: i64) -> Self {
        let shared = Shared {
            clock: ManualClock::at(now_ms),
            random: SeededRandom::new(7),
            http: ScriptedTransport::new(),
            cache: MemoryCache::default(),
            settings: RefCell::new(HashMap::new()),
            pg,
            handlers: RefCell::new(HashMap::new()),
            objects: RefCell::new(HashMap::new()),
            calls: RefCell::new(Vec::new()),
        };
        Self {
            shared: Rc::new(shared),
            service,
            request_id: "test-request".into(),
            storage: Rc::new(SqliteStorage::in_memory()),
            alarm: Rc::new(Cell::new(None)),
        }
    }

    /// Outbound HTTP goes to `http` (a scripted peer). Call it before the context is cloned.
    #[must_use]
    pub fn with_http(mut self, http: ScriptedTransport) -> Self {
        match Rc::get_mut(&mut self.shared) {
            Some(shared) => shared.http = http,
            None => panic!("with_http is for a context nobody else holds yet"),
        }
        self
    }

    #[must_use]
    pub fn with_setting(self, name: &str, value: &str) -> Self {
        self.shared.settings.borrow_mut().insert(name.to_owned(), value.to_owned());
        self
    }

    /// Serves interface `I` in-process: `serve` gets the callee's context (the service's, or the
    /// named object's, with its own storage), the method and the body, as a worker's dispatch
    /// would.
    pub fn serve<I: Interface, F, Fut>(&self, serve: F)
    where
        F: Fn(TestContext, String, Vec<u8>) -> Fut + 'static,
        Fut: Future<Output = Result<Vec<u8>, ApiError>> + 'static,
    {
        let handler: Handler = Rc::new(move |ctx, _name, method, body| Box::pin(serve(ctx, method, body)));
        self.shared.handlers.borrow_mut().insert(I::NAME, handler);
    }

    pub fn clock(&self) -> &ManualClock {
        &self.shared.clock
    }

    pub fn http(&self) -> &ScriptedTransport {
        &self.shared.http
    }

    /// Every call made through a stub or service client: `interface.method`, in order.
    pub fn calls(&self) -> Vec<String> {
        self.shared.calls.borrow().clone()
    }

    /// The alarm this (object's) context set, if any.
    pub fn alarm(&self) -> Option<i64> {
        self.alarm.get()
    }

    /// The context of the object `name` in `binding`: its own storage (kept across calls) and alarm.
    #[must_use]
    pub fn object(&self, binding: &str, name: &str) -> TestContext {
        let key = (binding.to_owned(), name.to_owned());
        let (storage, alarm) = self
            .shared
            .objects
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| (Rc::new(SqliteStorage::in_memory()), Rc::new(Cell::new(None))))
            .clone();
        TestContext { storage, alarm, ..self.clone() }
    }

    /// Serves one request through `router`, as a worker does.
    pub async fn handle(&self, router: &Router<TestContext>, request: Request) -> Response {
        router.handle(request, Rc::new(self.clone())).await
    }

    fn transport(&self, binding: Option<&str>, name: &str) -> LocalTransport {
        let callee = match binding {
            Some(binding) => self.object(binding, name),
            None => self.clone(),
        };
        LocalTransport { callee, name: name.to_owned() }
    }
}

/// Carries calls to the handlers a test registered.
pub struct LocalTransport {
    callee: TestContext,
    name: String,
}

impl Transport for LocalTransport {
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>), ApiError> {
        let (interface, method) =
            parse_rpc_path(path).ok_or_else(|| ApiError::transport(format!("not an RPC path: {path}")))?;
        self.callee.shared.calls.borrow_mut().push(format!("{interface}.{method}"));
        let handler = self.callee.shared.handlers.borrow().get(interface).cloned();
        let Some(handler) = handler else {
            return Err(ApiError::transport(format!("no test handler serves `{interface}`")));
        };
        match handler(self.callee.clone(), self.name.clone(), method.to_owned(), body).await {
            Ok(bytes) => Ok((200, bytes)),
            Err(e) => Ok((e.status, e.to_json())),
        }
    }
}

impl Runtime for TestContext {
    type Clock = ManualClock;
    type Random = SeededRandom;
    type Http = ScriptedTransport;
    type Sleep = ManualClock;
    type ObjectTransport = LocalTransport;
    type ServiceTransport = LocalTransport;
    type Cache = MemoryCache;

    fn service(&self) -> Service {
        self.service
    }
    fn request_id(&self) -> &str {
        &self.request_id
    }
    fn clock(&self) -> &ManualClock {
        &self.shared.clock
    }
    fn random(&self) -> &SeededRandom {
        &self.shared.random
    }
    fn http(&self) -> &ScriptedTransport {
        &self.shared.http
    }
    fn sleep(&self) -> &ManualClock {
        &self.shared.clock
    }
    fn setting(&self, name: &str) -> Option<String> {
        self.shared.settings.borrow().get(name).cloned()
    }
    fn cache(&self) -> &MemoryCache {
        &self.shared.cache
    }
    fn stub<I: ObjectInterface>(&self, key: &I::Key) -> Result<I::Client<LocalTransport>, ApiError> {
        Ok(I::client(self.transport(Some(I::BINDING), &key.object_name())))
    }
    fn stub_in<I: Interface>(
        &self,
        binding: &str,
        name: &str,
    ) -> Result<I::Client<LocalTransport>, ApiError> {
        Ok(I::client(self.transport(Some(binding), name)))
    }
    fn service_client<I: ServiceInterface>(&self) -> Result<I::Client<LocalTransport>, ApiError> {
        let mut callee = self.clone();
        callee.service = I::SERVICE;
        Ok(I::client(LocalTransport { callee, name: String::new() }))
    }
}

impl Context for TestContext {
    type Pg = PgClient;
    async fn connect_postgres(&self) -> Result<&PgClient, PgError> {
        Ok(&self.shared.pg)
    }
}

impl ObjectContext for TestContext {
    type Storage = SqliteStorage;

    fn storage(&self) -> &SqliteStorage {
        &self.storage
    }
    async fn set_alarm(&self, at_ms: i64) -> Result<(), ApiError> {
        self.alarm.set(Some(at_ms));
        Ok(())
    }
    async fn delete_alarm(&self) -> Result<(), ApiError> {
        self.alarm.set(None);
        Ok(())
    }
}
