//! ESI from a Durable Object: the deployment's shared error budget over RPC, the settings, and a
//! client assembled from the object's context.

use crate::breaker::BreakerState;
use crate::{EsiConfig, EsiError, Priority};
use hub_app::{internal, DurableLogic, ObjectContext, Runtime};
use hub_http::ApiError;
use hub_ports::{SqlError, SqlStorage, SqlValue};
use serde::{Deserialize, Serialize};

/// May a call of this priority go out now? See [`crate::breaker`].
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

/// The one coordinator object of the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployment;

impl hub_rpc::ObjectKey for Deployment {
    fn object_name(&self) -> String {
        "global".to_owned()
    }
}

hub_rpc::rpc_interface! {
    /// Served by the `EsiCoordinator` object: the error-limit breaker every ESI caller of the
    /// deployment shares.
    pub interface EsiBudget as "esi-budget", handler EsiBudgetHandler, client EsiBudgetClient, object ESI_BUDGET by Deployment {
        /// `Ok(None)` when the call may go; `Ok(Some(reset_at_ms))` when it must wait.
        fn permit(PermitRequest) -> Option<i64>;
        fn observe(BudgetObservation) -> ();
    }
}

/// The error budget held by the coordinator object. If the coordinator cannot be reached the call
/// does not go out (failing closed protects the deployment's ESI access).
pub struct RemoteBudget<'a, R> {
    pub ctx: &'a R,
}

impl<R: Runtime> crate::ErrorBudget for RemoteBudget<'_, R> {
    async fn permit(&self, now_ms: i64, priority: Priority) -> Result<(), EsiError> {
        let answer = async {
            self.ctx.stub::<EsiBudget>(&Deployment)?.permit(&PermitRequest { now_ms, priority }).await
        }
        .await;
        match answer {
            Ok(None) => Ok(()),
            Ok(Some(reset_at_ms)) => Err(EsiError::ErrorLimited { reset_at_ms }),
            Err(e) => Err(EsiError::Transport(format!("ESI error budget unavailable: {e}"))),
        }
    }

    async fn observe(&self, now_ms: i64, status: u16, remain: Option<i64>, reset_secs: Option<i64>) {
        let result = async {
            self.ctx
                .stub::<EsiBudget>(&Deployment)?
                .observe(&BudgetObservation { now_ms, status, remain, reset_secs })
                .await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "reporting to the ESI error budget failed");
        }
    }
}

/// ESI settings: `ESI_BASE_URL` (default CCP's), `ESI_CONTACT` (who CCP should write to; part of
/// the User-Agent), `ESI_COMPATIBILITY_DATE`.
pub fn config(setting: impl Fn(&str) -> Option<String>) -> EsiConfig {
    let var = |name: &str| setting(name).filter(|v| !v.trim().is_empty());
    let contact = var("ESI_CONTACT").unwrap_or_else(|| "operator contact not configured".into());
    EsiConfig {
        base_url: var("ESI_BASE_URL").unwrap_or_else(|| "https://esi.evetech.net".into()),
        user_agent: format!("eve-auth-hub/{} ({contact})", env!("CARGO_PKG_VERSION")),
        compatibility_date: var("ESI_COMPATIBILITY_DATE").unwrap_or_else(|| "2025-08-26".into()),
        page_concurrency: 4,
    }
}

/// The ESI client of an object with context `C`.
pub type ObjectEsi<'b, 'a, C> = crate::Esi<
    'b,
    <C as Runtime>::Http,
    <C as ObjectContext>::Storage,
    <C as Runtime>::Clock,
    RemoteBudget<'a, C>,
    <C as Runtime>::Sleep,
    <C as Runtime>::Random,
>;

/// What an object's ESI client is built from: its settings and the shared budget.
pub struct EsiParts<'a, C> {
    pub config: EsiConfig,
    pub budget: RemoteBudget<'a, C>,
    ctx: &'a C,
}

impl<'a, C: ObjectContext> EsiParts<'a, C> {
    pub fn new(ctx: &'a C) -> Self {
        Self { config: config(|name| ctx.setting(name)), budget: RemoteBudget { ctx }, ctx }
    }

    /// A client whose cache and rate-limit state live in the object's SQLite.
    pub fn client(&self) -> ObjectEsi<'_, 'a, C> {
        crate::Esi {
            config: &self.config,
            http: self.ctx.http(),
            storage: self.ctx.storage(),
            clock: self.ctx.clock(),
            budget: &self.budget,
            sleep: self.ctx.sleep(),
            random: self.ctx.random(),
            stats: crate::Stats::default(),
        }
    }
}

/// The logic of the `EsiCoordinator` object: the deployment's breaker, persisted in its SQLite.
pub struct BudgetObject;

impl DurableLogic for BudgetObject {
    fn new() -> Self {
        BudgetObject
    }

    fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
        storage.exec(
            "CREATE TABLE IF NOT EXISTS breaker (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)",
            &[],
        )?;
        Ok(())
    }

    async fn call(
        &self,
        ctx: &impl ObjectContext,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        EsiBudget::serve(&Breaker { storage: ctx.storage() }, interface, method, body).await
    }
}

struct Breaker<'a, S> {
    storage: &'a S,
}

impl<S: SqlStorage> Breaker<'_, S> {
    /// The stored state; a missing or unreadable row is a fresh breaker (it only ever holds calls
    /// back for a while, so starting over is safe).
    fn load(&self) -> Result<BreakerState, ApiError> {
        let rows = self.storage.exec("SELECT state FROM breaker WHERE id = 1", &[]).map_err(internal)?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(SqlValue::as_str)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default())
    }
}

impl<S: SqlStorage> EsiBudgetHandler for Breaker<'_, S> {
    async fn permit(&self, request: PermitRequest) -> Result<Option<i64>, ApiError> {
        match self.load()?.permit(request.now_ms, request.priority) {
            Ok(()) => Ok(None),
            Err(EsiError::ErrorLimited { reset_at_ms }) => Ok(Some(reset_at_ms)),
            Err(other) => Err(internal(other)),
        }
    }

    async fn observe(&self, request: BudgetObservation) -> Result<(), ApiError> {
        let mut state = self.load()?;
        state.observe(request.now_ms, request.status, request.remain, request.reset_secs);
        let json = serde_json::to_string(&state).map_err(internal)?;
        self.storage
            .exec(
                "INSERT INTO breaker (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
                &[SqlValue::Text(json)],
            )
            .map_err(internal)?;
        Ok(())
    }
}
