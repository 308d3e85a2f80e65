//! The liveness check: once every fault that heals has healed, finality must keep up.
//!
//! With `liveness_epochs = K`, let `heal` be the slot at which the last healing fault ends
//! (a partition's `heal_slot`, an offline window's `until_slot`, a crash's `restart_slot`; 0
//! without faults). Faults that never heal (a crash without restart, a pause to the end, a
//! partition healing after the run) stay in force: the check then asks whether the network
//! finalizes despite them. From epoch `ceil(heal / SPE) + K` to the end, at the last slot of
//! every epoch `e` the observer's finalized epoch must be at least `e - K`. A healthy chain
//! finalizes epoch `e` at the start of `e + 2`, so `K = 4` leaves two epochs of slack; a
//! permanent partition that splits the stake so no side has 2/3 fails it. (The last slot, not
//! every slot: a missed proposal at an epoch's first slot delays the epoch transition, and so
//! the new finalized checkpoint, by a slot without finality having stalled.)

use crate::report::SlotRow;
use crate::scenario::{FaultSpec, Scenario};

/// The outcome of the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// The scenario has no `liveness_epochs`.
    NotRequested,
    /// The run ends before the first slot the check applies to.
    NotReached { from_slot: u64, slots_run: u64 },
    /// Every slot from `from_slot` to the end kept finality within `k` epochs.
    Held { from_slot: u64, k: u64 },
    /// At `slot` (epoch `epoch`) the observer had finalized only `finalized`.
    Failed {
        slot: u64,
        epoch: u64,
        finalized: u64,
        k: u64,
        heal_slot: u64,
    },
}

impl Liveness {
    pub fn failed(&self) -> bool {
        matches!(self, Liveness::Failed { .. })
    }

    /// One line for the summary.
    pub fn describe(&self) -> String {
        match self {
            Liveness::NotRequested => "not checked".into(),
            Liveness::NotReached {
                from_slot,
                slots_run,
            } => format!(
                "not reached (applies from slot {from_slot}; the run has {slots_run} slots)"
            ),
            Liveness::Held { from_slot, k } => {
                format!("held (finality within {k} epochs from slot {from_slot} to the end)")
            }
            Liveness::Failed {
                slot,
                epoch,
                finalized,
                k,
                heal_slot,
            } => format!(
                "FAILED at slot {slot}: epoch {epoch} with finalized epoch {finalized} (more than \
                 {k} behind; last fault healed at slot {heal_slot})"
            ),
        }
    }
}

/// The slot at which the last fault that heals within the run heals (0 if none does).
pub fn last_heal_slot(scenario: &Scenario, slots_run: u64) -> u64 {
    let faults = scenario.faults.iter().filter_map(|f| match f {
        FaultSpec::Crash { restart_slot, .. } => *restart_slot,
        FaultSpec::Offline { until_slot, .. } => *until_slot,
    });
    let partitions = scenario.network.partitions.iter().map(|p| p.heal_slot);
    let spe = scenario.preset.slots_per_epoch();
    let adversaries = scenario
        .adversaries
        .iter()
        .filter_map(|a| a.until_epoch.map(|u| u.saturating_mul(spe)));
    faults
        .chain(partitions)
        .chain(adversaries)
        .filter(|&heal| heal < slots_run)
        .max()
        .unwrap_or(0)
}

/// Runs the check over the observer's slot rows.
pub fn check_liveness(scenario: &Scenario, rows: &[SlotRow], spe: u64) -> Liveness {
    let Some(k) = scenario.liveness_epochs else {
        return Liveness::NotRequested;
    };
    let slots_run = rows.len() as u64;
    // A partition healing after the end never heals within the run: it counts as permanent
    // only if it started inside the run.
    let heal_slot = last_heal_slot(scenario, slots_run);
    let from_slot = heal_slot
        .div_ceil(spe.max(1))
        .saturating_add(k)
        .saturating_mul(spe);
    if from_slot >= slots_run {
        return Liveness::NotReached {
            from_slot,
            slots_run,
        };
    }
    let last_of_epoch = |row: &&SlotRow| {
        row.slot % spe.max(1) == spe.max(1) - 1 || row.slot.saturating_add(1) == slots_run
    };
    for row in rows.iter().skip(from_slot as usize).filter(last_of_epoch) {
        if row.finalized_epoch.saturating_add(k) < row.epoch {
            return Liveness::Failed {
                slot: row.slot,
                epoch: row.epoch,
                finalized: row.finalized_epoch,
                k,
                heal_slot,
            };
        }
    }
    Liveness::Held { from_slot, k }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::PartitionSpec;

    fn rows(finalized: impl Fn(u64) -> u64, slots: u64) -> Vec<SlotRow> {
        (0..slots)
            .map(|slot| SlotRow {
                slot,
                epoch: slot / 8,
                finalized_epoch: finalized(slot / 8),
                ..SlotRow::default()
            })
            .collect()
    }

    #[test]
    fn healthy_finality_holds_and_a_stall_fails() {
        let mut s = Scenario {
            liveness_epochs: Some(4),
            ..Scenario::default()
        };
        assert_eq!(
            check_liveness(&Scenario::default(), &[], 8),
            Liveness::NotRequested
        );
        let healthy = rows(|e| e.saturating_sub(2), 80);
        assert_eq!(
            check_liveness(&s, &healthy, 8),
            Liveness::Held {
                from_slot: 32,
                k: 4
            }
        );
        let stalled = rows(|e| e.saturating_sub(2).min(3), 80);
        assert!(check_liveness(&s, &stalled, 8).failed());
        // A partition healed at slot 40 moves the start to epoch 5 + 4.
        s.network.partitions.push(PartitionSpec {
            groups: vec![vec![0, 1], vec![2, 3]],
            start_slot: 16,
            heal_slot: 40,
        });
        assert_eq!(
            check_liveness(&s, &healthy, 8),
            Liveness::Held {
                from_slot: 72,
                k: 4
            }
        );
        assert!(matches!(
            check_liveness(&s, &rows(|e| e, 60), 8),
            Liveness::NotReached { from_slot: 72, .. }
        ));
        // One that heals after the end is permanent: the check starts after K epochs.
        s.network.partitions[0].heal_slot = 500;
        assert_eq!(last_heal_slot(&s, 80), 0);
        assert!(check_liveness(&s, &stalled, 8).failed());
    }
}
