//! ESI from a worker: the shared error budget over RPC, timers, and configuration.

use crate::{bindings, get_stub};
use hub_esi::{EsiConfig, EsiError, Priority};
use hub_rpc::interfaces::{BudgetObservation, EsiBudget, PermitRequest};

/// The coordinator object every caller shares.
pub const BUDGET_OBJECT: &str = "global";

/// The error budget held by the `EsiCoordinator` object. If the coordinator cannot be reached the
/// call does not go out (failing closed protects the deployment's ESI access).
pub struct RemoteBudget<'a> {
    pub env: &'a worker::Env,
}

impl hub_esi::ErrorBudget for RemoteBudget<'_> {
    async fn permit(&self, now_ms: i64, priority: Priority) -> Result<(), EsiError> {
        let answer = async {
            get_stub::<EsiBudget>(self.env, bindings::ESI_BUDGET, BUDGET_OBJECT, None)?
                .permit(&PermitRequest { now_ms, priority })
                .await
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
            get_stub::<EsiBudget>(self.env, bindings::ESI_BUDGET, BUDGET_OBJECT, None)?
                .observe(&BudgetObservation { now_ms, status, remain, reset_secs })
                .await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "reporting to the ESI error budget failed");
        }
    }
}

/// `setTimeout` as a future (`worker::Delay` panics in dev builds here).
pub struct WorkerSleep;

impl hub_esi::Sleep for WorkerSleep {
    async fn sleep_ms(&self, ms: u64) {
        use wasm_bindgen::JsCast;
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let global = js_sys::global();
            let set_timeout = js_sys::Reflect::get(&global, &"setTimeout".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
            #[allow(clippy::cast_precision_loss)]
            let delay = wasm_bindgen::JsValue::from_f64(ms as f64);
            match set_timeout {
                Some(f) => {
                    let _ = f.call2(&global, &resolve, &delay);
                }
                None => {
                    let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
                }
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

/// ESI settings: `ESI_BASE_URL` (default CCP's), `ESI_CONTACT` (who CCP should write to; part of
/// the User-Agent), `ESI_COMPATIBILITY_DATE`.
pub fn config(env: &worker::Env) -> EsiConfig {
    let var = |name: &str| env.var(name).ok().map(|v| v.to_string()).filter(|v| !v.trim().is_empty());
    let contact = var("ESI_CONTACT").unwrap_or_else(|| "operator contact not configured".into());
    EsiConfig {
        base_url: var("ESI_BASE_URL").unwrap_or_else(|| "https://esi.evetech.net".into()),
        user_agent: format!("eve-auth-hub/{} ({contact})", env!("CARGO_PKG_VERSION")),
        compatibility_date: var("ESI_COMPATIBILITY_DATE").unwrap_or_else(|| "2025-08-26".into()),
        page_concurrency: 4,
    }
}

/// What an object needs to call ESI from a worker: configuration, `fetch`, the shared budget.
pub struct EsiParts<'a> {
    pub config: EsiConfig,
    pub http: crate::fetch::FetchTransport,
    pub budget: RemoteBudget<'a>,
}

impl<'a> EsiParts<'a> {
    pub fn new(env: &'a worker::Env) -> Self {
        Self {
            config: config(env),
            http: crate::fetch::FetchTransport { timeout: std::time::Duration::from_secs(20) },
            budget: RemoteBudget { env },
        }
    }

    /// A client whose cache and rate-limit state live in `storage` (the calling object's SQLite).
    pub fn client<'b, S: hub_ports::SqlStorage>(
        &'b self,
        storage: &'b S,
    ) -> hub_esi::Esi<
        'b,
        crate::fetch::FetchTransport,
        S,
        crate::WorkerClock,
        RemoteBudget<'a>,
        WorkerSleep,
        hub_ports::OsRandom,
    > {
        hub_esi::Esi {
            config: &self.config,
            http: &self.http,
            storage,
            clock: &crate::WorkerClock,
            budget: &self.budget,
            sleep: &WorkerSleep,
            random: &hub_ports::OsRandom,
            stats: hub_esi::Stats::default(),
        }
    }
}
