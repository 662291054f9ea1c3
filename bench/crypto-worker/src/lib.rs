//! The crypto benchmark inside workerd: `GET /?op=jwt|seal|open&n=N` performs `N` operations of
//! [`hub_bench`] and answers `N` (or the error, with status 500).
//!
//! `Date.now()` does not advance during CPU work in workerd, so the worker times nothing itself:
//! `bench/bench.py` times `n=0` and `n=N` requests from the client and takes `N / (t_N - t_0)`.
//! The inputs are prepared once per isolate. The entry is `hub-worker/js/shim.js`, like every hub
//! worker (`scripts/worker-build.sh bench/crypto-worker release`). Benchmark only: never deployed.

use hub_bench::{Op, Workload};
use wasm_bindgen::prelude::*;
use worker::worker_sys::web_sys;

/// Upper bound on `n`, so a typo cannot pin an isolate for minutes.
const MAX_N: u32 = 1_000_000;

thread_local! {
    static WORKLOAD: Result<Workload, String> = Workload::new().map_err(|e| e.to_string());
}

fn answer(url: &str) -> (u16, String) {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let (mut op, mut n) = (None, None);
    for (key, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
        match key {
            "op" => op = Op::parse(value),
            "n" => n = value.parse::<u32>().ok().filter(|n| *n <= MAX_N),
            _ => {}
        }
    }
    let (Some(op), Some(n)) = (op, n) else {
        return (400, format!("usage: /?op=jwt|seal|open&n=0..{MAX_N}"));
    };
    WORKLOAD.with(|workload| match workload.as_ref().map(|w| w.run(op, n)) {
        Ok(Ok(())) => (200, n.to_string()),
        Ok(Err(e)) => (500, e.to_string()),
        Err(e) => (500, e.clone()),
    })
}

/// The module's `fetch` handler (called by the entry shim).
// A wasm-bindgen export receives its JS arguments by value.
#[allow(clippy::needless_pass_by_value)]
#[wasm_bindgen]
pub fn fetch(req: web_sys::Request, _env: JsValue, _ctx: JsValue) -> Result<web_sys::Response, JsValue> {
    let (status, body) = answer(&req.url());
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    web_sys::Response::new_with_opt_str_and_init(Some(&body), &init)
}
