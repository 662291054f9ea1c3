//! One execution of an async operation per key, shared by every concurrent caller.

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;

pub struct SingleFlight<K, T: Clone> {
    in_flight: RefCell<HashMap<K, Shared<LocalBoxFuture<'static, T>>>>,
}

impl<K: Eq + Hash + Clone, T: Clone + 'static> Default for SingleFlight<K, T> {
    fn default() -> Self {
        Self { in_flight: RefCell::new(HashMap::new()) }
    }
}

impl<K: Eq + Hash + Clone, T: Clone + 'static> SingleFlight<K, T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `start()` unless an execution for `key` is already in flight, in which case this call
    /// waits for that one and gets its result.
    pub async fn run<F, Fut>(&self, key: K, start: F) -> T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T> + 'static,
    {
        let shared = {
            let mut in_flight = self.in_flight.borrow_mut();
            in_flight.entry(key.clone()).or_insert_with(|| start().boxed_local().shared()).clone()
        };
        let result = shared.clone().await;
        let mut in_flight = self.in_flight.borrow_mut();
        if in_flight.get(&key).is_some_and(|current| current.ptr_eq(&shared)) {
            in_flight.remove(&key);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::channel::oneshot;
    use std::cell::Cell;
    use std::rc::Rc;

    #[test]
    fn twenty_concurrent_callers_share_one_execution() {
        let flights: Rc<SingleFlight<i64, u32>> = Rc::new(SingleFlight::new());
        let starts = Rc::new(Cell::new(0));
        let (release, gate) = oneshot::channel::<u32>();
        let gate = Rc::new(RefCell::new(Some(gate)));
        let mut pool = futures::executor::LocalPool::new();
        let results = Rc::new(RefCell::new(Vec::new()));
        for _ in 0..20 {
            let (flights, starts, gate, results) =
                (flights.clone(), starts.clone(), gate.clone(), results.clone());
            futures::task::LocalSpawnExt::spawn_local(&pool.spawner(), async move {
                let value = flights
                    .run(7, || {
                        starts.set(starts.get() + 1);
                        let gate = gate.borrow_mut().take().expect("started once");
                        async move { gate.await.unwrap_or(0) }
                    })
                    .await;
                results.borrow_mut().push(value);
            })
            .unwrap();
        }
        pool.run_until_stalled();
        assert_eq!(starts.get(), 1, "one execution for twenty callers");
        release.send(42).unwrap();
        pool.run();
        assert_eq!(*results.borrow(), vec![42; 20]);
        // Finished flights are forgotten: the next call starts afresh.
        let again = futures::executor::block_on(flights.run(7, || async { 1 }));
        assert_eq!(again, 1);
    }
}
