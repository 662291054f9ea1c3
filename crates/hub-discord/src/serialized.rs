//! One job run at a time inside a Durable Object, whose calls interleave at every await: a caller
//! that arrives during a run waits for the run after it, because the run in flight may have read
//! Discord before the change the caller came about; callers that arrive during the same run share
//! that next run.

use futures::channel::oneshot;
use std::cell::{Cell, RefCell};
use std::future::Future;

/// How a call to [`Serialized::run`] ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<T> {
    /// This call ran the job (more than once if others arrived meanwhile): the last result.
    Ran(T),
    /// Another call was running it: the result of a run that began after this call.
    Joined(T),
    /// The call running it went away before that run ended.
    Dropped,
}

pub struct Serialized<T> {
    running: Cell<bool>,
    again: Cell<bool>,
    waiting: RefCell<Vec<oneshot::Sender<T>>>,
}

impl<T> Default for Serialized<T> {
    fn default() -> Self {
        Self { running: Cell::new(false), again: Cell::new(false), waiting: RefCell::new(Vec::new()) }
    }
}

impl<T: Clone> Serialized<T> {
    pub async fn run<F: Future<Output = T>>(&self, job: impl Fn() -> F) -> Outcome<T> {
        if self.running.get() {
            self.again.set(true);
            let (answer, answered) = oneshot::channel();
            self.waiting.borrow_mut().push(answer);
            return answered.await.map_or(Outcome::Dropped, Outcome::Joined);
        }
        self.running.set(true);
        let mut answering: Vec<oneshot::Sender<T>> = Vec::new();
        let result = loop {
            self.again.set(false);
            let result = job().await;
            for answer in answering.drain(..) {
                let _ = answer.send(result.clone());
            }
            if !self.again.get() {
                break result;
            }
            // Everyone waiting arrived during the run just done; this next one answers them.
            answering = std::mem::take(&mut *self.waiting.borrow_mut());
        };
        self.running.set(false);
        Outcome::Ran(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;
    use std::collections::VecDeque;
    use std::rc::Rc;

    type Outcomes = Rc<RefCell<Vec<(char, Outcome<u32>)>>>;

    #[test]
    fn a_call_during_a_run_is_answered_by_the_run_after_it() {
        let serialized = Rc::new(Serialized::<u32>::default());
        let runs = Rc::new(Cell::new(0));
        let gates: Rc<RefCell<VecDeque<oneshot::Receiver<()>>>> = Rc::default();
        let mut opens = Vec::new();
        for _ in 0..2 {
            let (open, gate) = oneshot::channel::<()>();
            opens.push(open);
            gates.borrow_mut().push_back(gate);
        }
        let job = {
            let (runs, gates) = (runs.clone(), gates.clone());
            move || {
                let runs = runs.clone();
                let gate = gates.borrow_mut().pop_front().expect("a gate per run");
                async move {
                    runs.set(runs.get() + 1);
                    let run = runs.get();
                    let _ = gate.await;
                    run
                }
            }
        };
        let mut pool = LocalPool::new();
        let outcomes: Outcomes = Rc::default();
        let call = |name: char| {
            let (serialized, job, outcomes) = (serialized.clone(), job.clone(), outcomes.clone());
            async move {
                let outcome = serialized.run(job).await;
                outcomes.borrow_mut().push((name, outcome));
            }
        };
        pool.spawner().spawn_local(call('a')).unwrap();
        pool.run_until_stalled();
        // b and c arrive while the first run is in flight.
        pool.spawner().spawn_local(call('b')).unwrap();
        pool.spawner().spawn_local(call('c')).unwrap();
        pool.run_until_stalled();
        let mut opens = opens.into_iter();
        opens.next().unwrap().send(()).unwrap();
        pool.run_until_stalled();
        assert!(outcomes.borrow().is_empty(), "the first run cannot answer calls that came during it");
        assert_eq!(runs.get(), 2, "one more run, shared by both");
        opens.next().unwrap().send(()).unwrap();
        pool.run_until_stalled();
        let mut outcomes = outcomes.take();
        outcomes.sort_by_key(|(name, _)| *name);
        assert_eq!(outcomes, [('a', Outcome::Ran(2)), ('b', Outcome::Joined(2)), ('c', Outcome::Joined(2))]);
    }

    #[test]
    fn a_call_alone_runs_once() {
        let serialized = Serialized::<u32>::default();
        let runs = Cell::new(0);
        let outcome = futures::executor::block_on(serialized.run(|| {
            runs.set(runs.get() + 1);
            async { 7 }
        }));
        assert_eq!((outcome, runs.get()), (Outcome::Ran(7), 1));
    }
}
