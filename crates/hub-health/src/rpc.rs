//! The probe interface every Durable Object serves.

use crate::report::ProbeRecord;
use hub_domain::Service;
use hub_http::ApiError;
use hub_ports::{Clock, SqlStorage};
use serde::{Deserialize, Serialize};

/// Asks a Durable Object to prove its SQLite storage works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRequest {
    /// The service asking, recorded in the object's logs.
    pub caller: Service,
}

hub_rpc::rpc_interface! {
    /// Served by every Durable Object class: a write and a read of its own SQLite storage.
    pub interface DurableHealth as "health", handler DurableHealthHandler, client DurableHealthClient {
        /// Records one probe and returns the object's probe history.
        fn probe(ProbeRequest) -> ProbeRecord;
    }
}

/// The name of the object that answers health probes in each namespace.
pub const PROBE_OBJECT: &str = "health";

/// The `DurableHealth` interface over an object's storage, the same for every class.
pub struct HealthProbe<'a, S, C> {
    pub storage: &'a S,
    pub clock: &'a C,
}

impl<S: SqlStorage, C: Clock> DurableHealthHandler for HealthProbe<'_, S, C> {
    async fn probe(&self, request: ProbeRequest) -> Result<ProbeRecord, ApiError> {
        let record = crate::probe::record(self.storage, self.clock)
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        tracing::info!(caller = %request.caller, probes = record.probes, "health probe recorded");
        Ok(record)
    }
}
