//! Who was slashed, when, and the slashing check.
//!
//! The observer's head state is read at each slot end: a validator whose `slashed` flag is
//! set for the first time is recorded with that slot, and with the slot of the observer's
//! canonical block that carried its slashing (found among the blocks of the last
//! [`INCLUSION_SEARCH_EPOCHS`] epochs). At each epoch end the check compares that record with
//! the adversaries' offences (`crate::adversary`):
//!
//! - every validator that signed both sides of a slashable pair (proposer equivocation,
//!   double or surround vote) is slashed within `slashing_bound_epochs` of the slot an honest
//!   node's slasher first held both messages (`Event::SlashingFound`); an offence no honest
//!   node ever held both sides of (the twin lost to a partition) is reported, not judged.
//!   "Slashed" is the slot of the block that carried the slashing: an observer cut off from
//!   the chain that slashed it sees the flag only when it is back (swarm seed 2489: the
//!   observer was on the 2-node side of a 2 | 6 partition from slot 39 to 63, the 6 included
//!   the slashing in time, the observer saw it at slot 63). An offender not seen slashed by
//!   its deadline is judged when it is seen, or at the end of the run;
//! - a double or surround vote's bound grows by the queue ahead of it: a block carries at
//!   most `MAX_ATTESTER_SLASHINGS` attester slashings (1 in the minimal preset), and votes of
//!   different data cannot share one, so when 30 offenders are found in one epoch the last
//!   cannot be slashed before 30 blocks have passed, whatever the nodes do (swarm seed 1465).
//!   The queue is the attester offenders found before it (ties: lower index first) that were
//!   still unslashed when it was found; each adds `1 / MAX_ATTESTER_SLASHINGS` slots, rounded
//!   up. Proposer slashings (16 a block) get no such allowance;
//! - no validator is slashed that committed no offence;
//! - shard proposers that signed two shard blocks of one slot are reported with the slot an
//!   honest slasher found them, not judged: nothing makes the second block reach a node that
//!   holds the first, and v0.8.4 has no operation to slash it (design D8).
//!
//! An offence less than the bound before the run's end is not judged.

use crate::adversary::Offence;
use crate::checks::Checks;
use crate::scenario::AdversaryKind;
use beacon::node::Node;
use consensus::primitives::{Slot, ValidatorIndex};
use consensus::{BeaconBlock, IndexedAttestation, Preset};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One line of `slashings.csv`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SlashingRow {
    pub validator: ValidatorIndex,
    /// The adversary kind that made the offence (empty if none did: an honest validator).
    pub offence: String,
    pub offence_slot: Option<Slot>,
    /// First slot at whose end the observer's head state had it slashed.
    pub slashed_slot: Option<Slot>,
    /// Slot of the observer's canonical block that carried its slashing.
    pub included_slot: Option<Slot>,
    /// First slot an honest node's slasher reported it (it then held both messages).
    pub found_slot: Option<Slot>,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct SlashingLog {
    slashed_at: BTreeMap<ValidatorIndex, Slot>,
    /// The slot of the canonical block that slashed each validator in `slashed_at`, where the
    /// observer still held that block when it first saw the flag.
    included_at: BTreeMap<ValidatorIndex, Slot>,
    /// Offenders an honest node's slasher reported (it held both messages), with the slot.
    found_at: BTreeMap<ValidatorIndex, Slot>,
    judged: BTreeSet<ValidatorIndex>,
}

/// How far back from the slot the observer first sees a validator slashed its canonical
/// blocks are searched for the one that slashed it.
pub const INCLUSION_SEARCH_EPOCHS: u64 = 8;

impl SlashingLog {
    /// Reads the observer's head state at the end of `slot`.
    pub fn sample<P: Preset>(&mut self, observer: &Node<P>, slot: Slot) {
        let Some(state) = observer.head_state() else {
            return;
        };
        let newly: Vec<ValidatorIndex> = state
            .validators
            .iter()
            .enumerate()
            .filter(|(index, v)| v.slashed && !self.slashed_at.contains_key(&(*index as u64)))
            .map(|(index, _)| index as ValidatorIndex)
            .collect();
        if newly.is_empty() {
            return;
        }
        let start = slot.saturating_sub(INCLUSION_SEARCH_EPOCHS * P::SLOTS_PER_EPOCH);
        let blocks: Vec<(Slot, &BeaconBlock)> = observer
            .canonical_range(start, slot.saturating_add(1))
            .into_iter()
            .filter_map(|(at, root)| observer.beacon_block(&root).map(|b| (at, b)))
            .collect();
        for validator in newly {
            self.slashed_at.insert(validator, slot);
            if let Some((at, _)) = blocks.iter().find(|(_, b)| slashes(b, validator)) {
                self.included_at.insert(validator, *at);
            }
        }
    }

    /// An honest node's slasher reported an offence by `validators`.
    pub fn found(&mut self, validators: &[ValidatorIndex], slot: Slot) {
        for &v in validators {
            self.found_at.entry(v).or_insert(slot);
        }
    }

    /// When `validator` was slashed: the slot of the canonical block that carried its
    /// slashing, or (that block not found) the slot the observer first saw the flag.
    fn slashed_slot(&self, validator: ValidatorIndex) -> Option<Slot> {
        self.included_at
            .get(&validator)
            .or_else(|| self.slashed_at.get(&validator))
            .copied()
    }

    /// Validators slashed so far.
    pub fn slashed(&self) -> usize {
        self.slashed_at.len()
    }

    /// The largest delay, in slots, from an offence to its slashing.
    pub fn max_delay_slots(&self, offences: &BTreeMap<ValidatorIndex, Offence>) -> Option<u64> {
        offences
            .iter()
            .filter_map(|(v, o)| {
                let done = if o.kind == AdversaryKind::EquivocateShard {
                    self.found_at.get(v)
                } else {
                    self.slashed_at.get(v)
                };
                done.map(|s| s.saturating_sub(o.slot))
            })
            .max()
    }

    /// Attester offenders found before `validator` (found at `found`; ties: lower index
    /// first) and still unslashed then: the attester slashings ahead of its own.
    fn attester_queue_ahead(
        &self,
        offences: &BTreeMap<ValidatorIndex, Offence>,
        validator: ValidatorIndex,
        found: Slot,
    ) -> u64 {
        let ahead = self
            .found_at
            .iter()
            .filter(|(u, at)| (**at, **u) < (found, validator))
            .filter(|(u, _)| offences.get(u).is_some_and(|o| o.kind.votes_twice()))
            .filter(|(u, _)| self.slashed_at.get(u).is_none_or(|s| *s > found))
            .count();
        ahead as u64
    }

    /// The check at the end of `slot`, with `bound_slots` from offence to punishment and
    /// `attester_slashings_per_block` (the preset's `MAX_ATTESTER_SLASHINGS`) for the queue
    /// allowance of double and surround votes; `last` at the end of the run, when an offender
    /// past its deadline and never seen slashed is a violation (before, it waits: the
    /// observer may be cut off from the chain that slashed it).
    pub fn check(
        &mut self,
        offences: &BTreeMap<ValidatorIndex, Offence>,
        slot: Slot,
        bound_slots: u64,
        attester_slashings_per_block: u64,
        last: bool,
        checks: &mut Checks,
    ) {
        for (validator, at) in &self.slashed_at {
            if !offences.contains_key(validator) {
                checks.violation(format!(
                    "validator {validator} was slashed at slot {at} without having signed conflicting messages"
                ));
            }
        }
        for (validator, offence) in offences {
            // Shard equivocation is reported, not judged: no rule makes the second block reach
            // a node that holds the first (the slot's next block builds on one of them), and
            // v0.8.4 could not slash it anyway.
            if self.judged.contains(validator) || !offence.kind.equivocates() {
                continue;
            }
            // Judged from the slot an honest node held both messages (a twin lost to a
            // partition or to loss never reached anyone: nothing to slash it with).
            let Some(&found) = self.found_at.get(validator) else {
                continue;
            };
            let queue_slots = if offence.kind.votes_twice() {
                self.attester_queue_ahead(offences, *validator, found)
                    .div_ceil(attester_slashings_per_block.max(1))
            } else {
                0
            };
            let bound = bound_slots.saturating_add(queue_slots);
            let deadline = found.max(offence.slot).saturating_add(bound);
            if deadline > slot {
                continue;
            }
            let done = self.slashed_slot(*validator);
            if done.is_none() && !last {
                continue;
            }
            self.judged.insert(*validator);
            if done.is_none_or(|s| s > deadline) {
                checks.violation(format!(
                    "validator {validator} ({} at slot {}, found by an honest slasher at slot {found}) was not slashed within {bound} slots ({bound_slots} and {queue_slots} for the attester slashings queued ahead; by slot {deadline}): {}",
                    offence.kind.as_str(),
                    offence.slot,
                    done.map_or("never".to_string(), |s| format!("at slot {s}")),
                ));
            }
        }
    }

    /// Every offender and every slashed validator, by validator index.
    pub fn rows(&self, offences: &BTreeMap<ValidatorIndex, Offence>) -> Vec<SlashingRow> {
        let validators: BTreeSet<ValidatorIndex> = offences
            .keys()
            .chain(self.slashed_at.keys())
            .copied()
            .collect();
        validators
            .into_iter()
            .map(|v| SlashingRow {
                validator: v,
                offence: offences
                    .get(&v)
                    .map_or(String::new(), |o| o.kind.as_str().to_string()),
                offence_slot: offences.get(&v).map(|o| o.slot),
                slashed_slot: self.slashed_at.get(&v).copied(),
                included_slot: self.included_at.get(&v).copied(),
                found_slot: self.found_at.get(&v).copied(),
            })
            .collect()
    }
}

/// Writes `slashings.csv`: `validator,offence,offence_slot,slashed_slot,found_slot,
/// included_slot`, one line per [`SlashingRow`], empty cells for what did not happen.
pub fn write_slashings_csv(
    rows: &[SlashingRow],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "validator,offence,offence_slot,slashed_slot,found_slot,included_slot"
    )?;
    let cell = |v: Option<Slot>| v.map_or(String::new(), |s| s.to_string());
    for row in rows {
        writeln!(
            out,
            "{},{},{},{},{},{}",
            row.validator,
            row.offence,
            cell(row.offence_slot),
            cell(row.slashed_slot),
            cell(row.found_slot),
            cell(row.included_slot)
        )?;
    }
    Ok(())
}

/// Whether `block` carries a slashing of `validator`: a proposer slashing of it, or an
/// attester slashing whose two attestations both name it.
fn slashes(block: &BeaconBlock, validator: ValidatorIndex) -> bool {
    let names = |a: &IndexedAttestation| {
        a.custody_bit_0_indices.contains(&validator) || a.custody_bit_1_indices.contains(&validator)
    };
    block
        .body
        .proposer_slashings
        .iter()
        .any(|p| p.proposer_index == validator)
        || block
            .body
            .attester_slashings
            .iter()
            .any(|a| names(&a.attestation_1) && names(&a.attestation_2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surround_votes(
        validators: &[ValidatorIndex],
        slot: Slot,
    ) -> BTreeMap<ValidatorIndex, Offence> {
        validators
            .iter()
            .map(|v| {
                let offence = Offence {
                    kind: AdversaryKind::SurroundVote,
                    slot,
                };
                (*v, offence)
            })
            .collect()
    }

    /// Three surround voters found at slot 10 and slashed one a block from slot 42: the
    /// queue of one attester slashing a block makes the last two on time.
    #[test]
    fn attester_slashings_queued_ahead_extend_the_bound() {
        let offences = surround_votes(&[1, 2, 3], 9);
        let mut log = SlashingLog::default();
        log.found(&[1, 2, 3], 10);
        for (validator, slot) in [(1, 42), (2, 43), (3, 44)] {
            log.slashed_at.insert(validator, slot);
        }
        let mut checks = Checks::default();
        log.check(&offences, 60, 32, 1, false, &mut checks);
        assert!(checks.violations().is_empty(), "{:?}", checks.violations());
        // Two a block: the third has one slashing ahead of it, so slot 43 is its deadline.
        let mut log_two = SlashingLog::default();
        log_two.found(&[1, 2, 3], 10);
        for (validator, slot) in [(1, 42), (2, 42), (3, 44)] {
            log_two.slashed_at.insert(validator, slot);
        }
        let mut checks = Checks::default();
        log_two.check(&offences, 60, 32, 2, false, &mut checks);
        assert_eq!(checks.violations().len(), 1, "{:?}", checks.violations());
        assert!(checks.violations()[0].starts_with("validator 3 "));
    }

    /// One found alone gets the plain bound, and never slashed is a violation.
    #[test]
    fn an_offender_with_no_queue_gets_the_plain_bound() {
        let offences = surround_votes(&[4, 5], 9);
        let mut log = SlashingLog::default();
        log.found(&[4], 10);
        log.slashed_at.insert(4, 10);
        log.found(&[5], 20);
        let mut checks = Checks::default();
        log.check(&offences, 51, 32, 1, false, &mut checks);
        assert!(checks.violations().is_empty(), "{:?}", checks.violations());
        // Past its deadline and not seen slashed: judged only at the end of the run.
        log.check(&offences, 52, 32, 1, false, &mut checks);
        assert!(checks.violations().is_empty(), "{:?}", checks.violations());
        log.check(&offences, 60, 32, 1, true, &mut checks);
        assert_eq!(checks.violations().len(), 1);
        assert!(checks.violations()[0].contains("never"));
    }
}
