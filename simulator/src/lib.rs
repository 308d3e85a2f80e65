//! # simulator: the deterministic discrete-event simulator
//!
//! **Owns**: an event queue ordered by (virtual time, sequence) ([`queue`]); the network model
//! — per-link latency (constant, uniform, log-normal), jitter, loss, partitions ([`latency`],
//! [`network`]); faults (crash and restart on a crashable in-memory redb disk, pauses); the
//! workload ([`workload`]); adversaries ([`adversary`]) and the slashing record and check
//! ([`slashing`]); scenarios in TOML ([`scenario`]); safety checks ([`checks`]);
//! measurements ([`observe`], [`result`]) and their reports ([`report`]); the trace hash
//! ([`trace`]); seeded randomness ([`rng`]); the genesis accounts runs of one process share
//! ([`genesis_cache`]).
//!
//! **Must never**: read the wall clock, draw OS randomness, iterate a randomly seeded hash map,
//! or hold protocol logic: it drives `beacon::Node` and moves bytes and virtual time. The same
//! seed gives the same trace hash.
//!
//! Entry point: [`run_scenario`].

pub mod adversary;
pub mod capture;
pub mod checks;
pub mod cpu;
pub mod engine;
pub mod genesis_cache;
pub mod gossip;
pub mod histogram;
pub mod interval_set;
pub mod latency;
pub mod liveness;
pub mod network;
pub mod observe;
pub mod queue;
pub mod regions;
pub mod report;
pub mod result;
pub mod rng;
pub mod scenario;
pub mod slashing;
pub mod stats;
pub mod swarm;
pub mod trace;
pub mod verifier;
pub mod work;
pub mod workload;

pub use engine::{OutputTap, Progress, SimError, Simulation};
pub use result::RunResult;
pub use scenario::Scenario;

use consensus::{Mainnet, Minimal, PresetName};

/// Runs `scenario` to its end; `progress` is called at every slot start.
pub fn run_scenario(
    scenario: &Scenario,
    progress: &mut dyn FnMut(Progress),
) -> Result<RunResult, SimError> {
    run_scenario_with(scenario, progress, None, &mut |_| {})
}

/// A finished simulation, whichever its preset (its nodes are read with `Simulation::node`).
pub enum FinishedNodes<'a> {
    Minimal(&'a Simulation<Minimal>),
    Mainnet(&'a Simulation<Mainnet>),
}

/// [`run_scenario`], with a tap on every node output, and `finished` called on the finished
/// simulation (to read its nodes) before the result is taken.
pub fn run_scenario_with(
    scenario: &Scenario,
    progress: &mut dyn FnMut(Progress),
    tap: Option<OutputTap>,
    finished: &mut dyn FnMut(FinishedNodes<'_>),
) -> Result<RunResult, SimError> {
    match scenario.preset {
        PresetName::Minimal => run_preset::<Minimal>(scenario, progress, tap, &mut |simulation| {
            finished(FinishedNodes::Minimal(simulation))
        }),
        PresetName::Mainnet => run_preset::<Mainnet>(scenario, progress, tap, &mut |simulation| {
            finished(FinishedNodes::Mainnet(simulation))
        }),
    }
}

fn run_preset<P: consensus::Preset>(
    scenario: &Scenario,
    progress: &mut dyn FnMut(Progress),
    tap: Option<OutputTap>,
    finished: &mut dyn FnMut(&Simulation<P>),
) -> Result<RunResult, SimError> {
    let mut simulation = Simulation::<P>::new(scenario)?;
    if let Some(tap) = tap {
        simulation.set_output_tap(tap);
    }
    simulation.run(progress);
    finished(&simulation);
    Ok(simulation.result())
}
