//! Health reports: what each worker's `/health` route answers.

use hub_domain::Service;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Error,
}

/// One checked component (a Durable Object, the database, another service).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentHealth {
    pub status: Status,
    /// Milliseconds the check took, measured with the service's clock.
    pub latency_ms: u64,
    /// What went wrong, when `status` is `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Component-specific facts (probe counters, schema version...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

impl ComponentHealth {
    pub fn ok(latency_ms: u64, detail: Option<serde_json::Value>) -> Self {
        Self { status: Status::Ok, latency_ms, error: None, detail }
    }

    pub fn error(latency_ms: u64, error: impl Into<String>) -> Self {
        Self { status: Status::Error, latency_ms, error: Some(error.into()), detail: None }
    }
}

/// The answer of `GET /health` on every worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub service: Service,
    /// `ok` only when every checked component is `ok`.
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durable_object: Option<ComponentHealth>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<ComponentHealth>,
    /// Services reached through typed cross-worker calls while checking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<DependencyHealth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DependencyHealth {
    pub service: Service,
    #[serde(flatten)]
    pub health: ComponentHealth,
}

impl HealthReport {
    pub fn new(
        service: Service,
        durable_object: Option<ComponentHealth>,
        database: Option<ComponentHealth>,
        dependencies: Vec<DependencyHealth>,
    ) -> Self {
        let all_ok = durable_object
            .iter()
            .chain(database.iter())
            .chain(dependencies.iter().map(|d| &d.health))
            .all(|c| c.status == Status::Ok);
        Self {
            service,
            status: if all_ok { Status::Ok } else { Status::Error },
            durable_object,
            database,
            dependencies,
        }
    }
}

/// What a Durable Object's health probe proves: it wrote a row to its SQLite storage and read it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRecord {
    /// Probes recorded by this object since it was first created (survives restarts).
    pub probes: i64,
    /// Unix milliseconds of the very first probe.
    pub first_probe_at_ms: i64,
    /// Unix milliseconds of this probe.
    pub last_probe_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_error_when_any_component_fails() {
        let ok = ComponentHealth::ok(1, None);
        let report = HealthReport::new(Service::Core, Some(ok.clone()), Some(ok.clone()), vec![]);
        assert_eq!(report.status, Status::Ok);
        let report = HealthReport::new(
            Service::Core,
            Some(ok.clone()),
            Some(ok),
            vec![DependencyHealth {
                service: Service::EveTokenStore,
                health: ComponentHealth::error(3, "unreachable"),
            }],
        );
        assert_eq!(report.status, Status::Error);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["dependencies"][0]["service"], "eve-token-store");
        assert_eq!(json["dependencies"][0]["error"], "unreachable");
    }
}
