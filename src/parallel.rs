//! Many simulator runs at once (`sweep`, `swarm`): `jobs` worker threads take scenarios in
//! order; each finished run is handed to the caller on the calling thread, with its wall time.
//! A run's outcome does not depend on `jobs` (each is deterministic); only wall times do.

use anyhow::Result;
use simulator::{run_scenario, RunResult, Scenario, SimError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

/// Runs every scenario on `jobs` threads; `done(index, result, wall_seconds)` is called as
/// each finishes (in completion order). An error from `done` stops handing out new runs and
/// is returned once the running ones finish.
pub fn run_all(
    scenarios: &[Scenario],
    jobs: usize,
    done: &mut dyn FnMut(usize, Result<RunResult, SimError>, f64) -> Result<()>,
) -> Result<()> {
    let next = AtomicUsize::new(0);
    let (send, receive) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(scenarios.len()) {
            let send = send.clone();
            let next = &next;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(scenario) = scenarios.get(i) else {
                    break;
                };
                let started = Instant::now();
                let result = run_scenario(scenario, &mut |_| {});
                if send
                    .send((i, result, started.elapsed().as_secs_f64()))
                    .is_err()
                {
                    break;
                }
            });
        }
        drop(send);
        let mut outcome = Ok(());
        for (i, result, wall) in receive {
            if outcome.is_ok() {
                outcome = done(i, result, wall);
                if outcome.is_err() {
                    // No new runs; the running ones finish and are dropped.
                    next.store(scenarios.len(), Ordering::Relaxed);
                }
            }
        }
        outcome
    })
}
