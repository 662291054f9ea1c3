//! `hub-bench`: the crypto workloads of [`hub_bench`], timed natively.
//!
//! ```text
//! hub-bench              a table: ops/s of every operation, about a second each
//! hub-bench OP MILLIS    runs OP (jwt, seal, open) for about MILLIS ms; prints `OP OPS SECONDS`
//! ```
//!
//! `bench/bench.py` uses the second form, in rounds alternating with the same operation inside
//! workerd, so both sides share the machine's noise. Build it with `--release`: the workspace's
//! release profile is the one the workers ship with (opt-level "s", LTO).

use hub_bench::{BenchError, Op, Workload};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Runs `op` in doubling batches until `target` has passed; returns operations and elapsed time.
// A benchmark measures wall-clock time on purpose; product code reads time through a Clock port.
#[allow(clippy::disallowed_methods)]
fn measure(workload: &Workload, op: Op, target: Duration) -> Result<(u64, Duration), BenchError> {
    workload.run(op, 10)?; // warm caches and the branch predictor
    let start = Instant::now();
    let (mut ops, mut batch) = (0u64, 1u32);
    loop {
        workload.run(op, batch)?;
        ops += u64::from(batch);
        let elapsed = start.elapsed();
        if elapsed >= target {
            return Ok((ops, elapsed));
        }
        // Keep each batch well under the target so the overshoot stays small.
        if elapsed < target / 32 {
            batch = batch.saturating_mul(2);
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workload = match Workload::new() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("hub-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match args.as_slice() {
        [] => Op::ALL.into_iter().try_for_each(|op| {
            let (ops, elapsed) = measure(&workload, op, Duration::from_secs(1))?;
            #[allow(clippy::cast_precision_loss)]
            let rate = ops as f64 / elapsed.as_secs_f64();
            println!("{:40} {rate:>12.0} ops/s", op.describe());
            Ok(())
        }),
        [op, millis] => {
            let (Some(op), Ok(millis)) = (Op::parse(op), millis.parse::<u64>()) else {
                eprintln!("usage: hub-bench [jwt|seal|open MILLIS]");
                return ExitCode::from(2);
            };
            measure(&workload, op, Duration::from_millis(millis)).map(|(ops, elapsed)| {
                println!("{} {ops} {:.6}", op.name(), elapsed.as_secs_f64());
            })
        }
        _ => {
            eprintln!("usage: hub-bench [jwt|seal|open MILLIS]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hub-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
