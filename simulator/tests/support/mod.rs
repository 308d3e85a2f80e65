//! Shared helpers for the simulator's integration tests: fast scenarios, a timed run, and
//! readers over the per-slot rows that state finality properties by the protocol rule.
//!
//! Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use simulator::report::SlotRow;
use simulator::scenario::{CryptoMode, FaultSpec, PartitionSpec};
use simulator::{run_scenario, RunResult, Scenario};

/// A fast scenario: fake BLS, a light workload, the default network and preset.
pub fn fast(nodes: u64, validators: u64, epochs: u64) -> Scenario {
    let mut s = Scenario {
        nodes,
        validators,
        epochs,
        crypto: CryptoMode::Fake,
        ..Scenario::default()
    };
    s.workload.tps_per_shard = 10.0;
    s
}

/// Slots per epoch of the scenario's preset.
pub fn spe(s: &Scenario) -> u64 {
    s.preset.slots_per_epoch()
}

/// Nodes `nodes` paused from `from_slot` until `until_slot` (none: to the end).
pub fn offline(nodes: &[u64], from_slot: u64, until_slot: Option<u64>) -> FaultSpec {
    FaultSpec::Offline {
        nodes: nodes.to_vec(),
        from_slot,
        until_slot,
    }
}

/// A partition into `groups` during `[start_slot, heal_slot)`.
pub fn partition(groups: &[&[u64]], start_slot: u64, heal_slot: u64) -> PartitionSpec {
    PartitionSpec {
        groups: groups.iter().map(|g| g.to_vec()).collect(),
        start_slot,
        heal_slot,
    }
}

/// Runs `s` to its end, printing the wall time under `label`; panics if the run cannot start.
///
/// The determinism bans of `clippy.toml` are for the simulator itself; this harness reads the
/// wall clock only to report how long a test's run takes, outside the simulation.
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
pub fn run(label: &str, s: &Scenario) -> RunResult {
    let started = std::time::Instant::now();
    let result = run_scenario(s, &mut |_| {}).unwrap_or_else(|e| panic!("{label}: {e}"));
    eprintln!(
        "[{label}] {} slots in {:.1} s wall: first finalized {:?}, finalized {}, justified {}, \
         {} safety violations",
        result.summary.slots_run,
        started.elapsed().as_secs_f64(),
        result.summary.first_finalized_epoch,
        result.summary.finalized_epoch,
        result.summary.justified_epoch,
        result.summary.safety_violations.len(),
    );
    result
}

/// One line per slot row: slot, head, justified and finalized epoch, online nodes, block.
pub fn rows_text(rows: &[SlotRow]) -> String {
    rows.iter()
        .map(|r| {
            format!(
                "slot {:>3} (epoch {:>2}): head {:>3} justified {:>2} finalized {:>2} online {:>2}{}",
                r.slot,
                r.epoch,
                r.head_slot,
                r.justified_epoch,
                r.finalized_epoch,
                r.online_nodes,
                if r.beacon_block { " block" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Panics with the violations (and the rows, for diagnosis) if the run found any.
pub fn assert_safe(label: &str, result: &RunResult) {
    assert!(
        result.summary.safety_violations.is_empty(),
        "{label}: safety violations: {:#?}\nrows:\n{}",
        result.summary.safety_violations,
        rows_text(&result.slots)
    );
}

/// The observer's finalized epoch at the end of `slot`.
pub fn finalized_at(result: &RunResult, slot: u64) -> u64 {
    row(result, slot).finalized_epoch
}

/// The row of `slot`.
pub fn row(result: &RunResult, slot: u64) -> &SlotRow {
    let row = result
        .slots
        .get(slot as usize)
        .unwrap_or_else(|| panic!("no row for slot {slot} ({} rows)", result.slots.len()));
    assert_eq!(row.slot, slot, "rows are indexed by slot");
    row
}

/// The first slot at or after `from` whose finalized epoch is above that of slot `from - 1`
/// (or above 0 for `from == 0`).
pub fn first_finality_increase(result: &RunResult, from: u64) -> Option<u64> {
    let before = from.checked_sub(1).map_or(0, |s| finalized_at(result, s));
    result
        .slots
        .iter()
        .skip(from as usize)
        .find(|r| r.finalized_epoch > before)
        .map(|r| r.slot)
}

/// The observer's finalized epoch at the end of `slot` in an ideal run (every validator
/// online, every attestation included), by the protocol rule: justification is skipped in the
/// first two epochs, then the epoch transition into epoch `e` justifies `e - 1` and, as
/// `e - 2` is justified too, finalizes `e - 2`. The transition runs with the first slot of an
/// epoch, so every slot of epoch `e >= 4` sees `e - 2` finalized, and earlier slots see none.
pub fn ideal_finalized_at(slot: u64, spe: u64) -> u64 {
    let epoch = slot / spe;
    if epoch >= 4 {
        epoch - 2
    } else {
        0
    }
}

/// The first epoch an ideal run finalizes.
pub const IDEAL_FIRST_FINALIZED_EPOCH: u64 = 2;

/// Runs swarm seed `seed` on the swarm's default base and checks it is safe.
pub fn swarm_seed(seed: u64) -> (String, Scenario, RunResult) {
    let mut base = Scenario {
        crypto: simulator::scenario::CryptoMode::Fake,
        ..Scenario::default()
    };
    base.workload.tps_per_shard = 10.0;
    let s = simulator::swarm::generate(&base, seed);
    let label = format!("swarm seed {seed}");
    let result = run(&label, &s);
    assert_safe(&label, &result);
    (label, s, result)
}
