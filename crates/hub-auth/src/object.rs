//! The logic of the core worker's `CoreState` objects: single-use login states, one object per
//! shard of clients.

use crate::oauth::{
    self, AuditPermit, Begun, FinishLogin, LoginStates, LoginStatesHandler, Pending, Start, StateError,
};
use hub_app::{internal, DurableLogic, ObjectContext};
use hub_http::ApiError;
use hub_ports::{SqlError, SqlStorage};

pub struct LoginStatesObject;

impl DurableLogic for LoginStatesObject {
    fn new() -> Self {
        LoginStatesObject
    }

    fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
        oauth::migrate(storage)
    }

    async fn call(
        &self,
        ctx: &impl ObjectContext,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        LoginStates::serve(&Calls { ctx }, interface, method, body).await
    }
}

struct Calls<'a, C> {
    ctx: &'a C,
}

impl<C: ObjectContext> LoginStatesHandler for Calls<'_, C> {
    async fn begin(&self, request: Start) -> Result<Begun, ApiError> {
        let ctx = self.ctx;
        oauth::begin(ctx.storage(), ctx.random(), ctx.clock(), &request, &oauth::Limits::DEFAULT).map_err(
            |e| match e {
                StateError::RateLimited { .. } => ApiError::too_many_requests(e.to_string()),
                other => internal(other),
            },
        )
    }

    async fn audit_permit(&self, request: AuditPermit) -> Result<bool, ApiError> {
        oauth::audit_permit(self.ctx.storage(), self.ctx.clock(), &request.client).map_err(internal)
    }

    async fn finish(&self, request: FinishLogin) -> Result<Pending, ApiError> {
        let ctx = self.ctx;
        oauth::finish(
            ctx.storage(),
            ctx.clock(),
            request.provider,
            &request.state,
            request.browser_nonce.as_deref(),
        )
        .map_err(|e| match e {
            StateError::Storage(message) => internal(message),
            refused => ApiError::bad_request(refused.to_string()),
        })
    }
}
