//! Both sides of an interface, in process.

use crate::{codes, parse_rpc_path, ApiError, Interface, LoopbackTransport};
use futures::executor::block_on;
use serde::{Deserialize, Serialize};
use std::cell::Cell;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRequest {
    pub caller: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRecord {
    pub probes: i64,
}

crate::rpc_interface! {
    /// A probe, as every object serves one.
    pub interface DurableHealth as "health", handler DurableHealthHandler, client DurableHealthClient {
        fn probe(ProbeRequest) -> ProbeRecord;
    }
}

struct Object {
    probes: Cell<i64>,
}

impl DurableHealthHandler for Object {
    async fn probe(&self, request: ProbeRequest) -> Result<ProbeRecord, ApiError> {
        if request.caller == "ui" {
            return Err(ApiError::forbidden("ui may not probe"));
        }
        self.probes.set(self.probes.get() + 1);
        Ok(ProbeRecord { probes: self.probes.get() })
    }
}

/// What a Durable Object's fetch handler does with an RPC request.
async fn serve(object: &Object, path: String, body: Vec<u8>) -> (u16, Vec<u8>) {
    let Some((iface, method)) = parse_rpc_path(&path) else { return (404, Vec::new()) };
    assert_eq!(iface, "health");
    match DurableHealth::dispatch(object, method, &body).await {
        Ok(bytes) => (200, bytes),
        Err(e) => {
            let resp = e.into_response();
            (resp.status, resp.body)
        }
    }
}

#[test]
fn client_and_dispatch_agree() {
    let object = Object { probes: Cell::new(0) };
    let client = DurableHealth::client(LoopbackTransport(|path, body| serve(&object, path, body)));
    let record = block_on(client.probe(&ProbeRequest { caller: "core".into() })).unwrap();
    assert_eq!(record.probes, 1);
    let record = block_on(client.probe(&ProbeRequest { caller: "core".into() })).unwrap();
    assert_eq!(record.probes, 2);

    let err = block_on(client.probe(&ProbeRequest { caller: "ui".into() })).unwrap_err();
    assert_eq!(err, ApiError::forbidden("ui may not probe"));
}

#[test]
fn dispatch_refuses_unknown_methods_and_bad_bodies() {
    let object = Object { probes: Cell::new(0) };
    let err = block_on(DurableHealth::serve(&object, "tokens", "probe", b"{}")).unwrap_err();
    assert!(err.is(codes::UNKNOWN_METHOD) && err.message.contains("tokens"), "{err}");
    let err = block_on(DurableHealth::dispatch(&object, "explode", b"{}")).unwrap_err();
    assert!(err.is(codes::UNKNOWN_METHOD));
    let err = block_on(DurableHealth::dispatch(&object, "probe", b"{\"caller\":42}")).unwrap_err();
    assert!(err.is(codes::BAD_REQUEST));
    assert!(err.message.contains("probe"));
    assert_eq!(parse_rpc_path("/rpc/health/probe"), Some(("health", "probe")));
    assert_eq!(parse_rpc_path("/rpc/health/"), None);
    assert_eq!(parse_rpc_path("/other"), None);
}

#[test]
fn non_wire_error_bodies_keep_their_status() {
    let err = ApiError::from_wire(503, b"<html>down</html>");
    assert!(err.is(codes::UNAVAILABLE));
    assert!(err.message.contains("503"));
}
