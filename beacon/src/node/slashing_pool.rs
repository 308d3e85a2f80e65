//! The slashings and voluntary exits waiting for a block (design 3.3). Each entered after a
//! check against the head state (gossip) or was made by this node's slasher; the proposer
//! re-checks every one on the state it builds on, in the order `process_operations` runs
//! them, and keeps what still applies.
//!
//! **Bounds**: one proposer slashing per proposer, one exit per validator, and attester
//! slashings only while one of their offenders is still unslashed in the finalized state
//! ([`SlashingPool::retain_useful`] runs at each epoch start); at most
//! [`MAX_POOLED_ATTESTER_SLASHINGS`] of them are held. Attester slashings over the same pair
//! of attestation data are merged into one as they come in (`slashing_merge`).
//!
//! **Order** (a block carries `MAX_ATTESTER_SLASHINGS`, 1 in the minimal preset): the attester
//! slashing that slashes the most still-unslashed validators goes first, except that those
//! whose offence is [`URGENT_AFTER_EPOCHS`] old or older go before all others, oldest offence
//! first. The offence's age is read from the evidence (the later target epoch of its two
//! votes), so every node agrees on it, however late the slashing reached it. Greedy alone
//! starves: swarm seed 3955 found validator 65 alone at slot 24, then six merged slashings
//! (11, 6, 5, 3, 3 and 2 validators) that the partitioned chain's six blocks carried first,
//! and 65 was slashed at slot 57, past the 32-slot bound. Age alone (first come, first
//! served) slashes fewer validators per block while the queue is short.

use super::slashing_merge::merge_attester_slashings;
use consensus::bls::Crypto;
use consensus::primitives::{Epoch, Slot, ValidatorIndex};
use consensus::{AttesterSlashing, ProposerSlashing, Validator, VoluntaryExit};
use std::collections::{BTreeMap, BTreeSet};

/// Attester slashings held at most (each may cover a whole committee's offenders).
pub const MAX_POOLED_ATTESTER_SLASHINGS: usize = 1024;

/// An attester slashing whose offence is this many epochs old goes before larger, younger
/// ones (see the module documentation): half the simulator's default slashing bound of 4
/// epochs, so a queue that ages still leaves two epochs for the blocks a partition or a crash
/// takes away.
pub const URGENT_AFTER_EPOCHS: u64 = 2;

/// See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct SlashingPool {
    proposer: BTreeMap<ValidatorIndex, ProposerSlashing>,
    attester: Vec<AttesterSlashing>,
    exits: BTreeMap<ValidatorIndex, VoluntaryExit>,
}

/// The validators both attestations of `slashing` name: those it can slash.
pub fn offenders(slashing: &AttesterSlashing) -> Vec<ValidatorIndex> {
    let indices = |a: &consensus::IndexedAttestation| -> BTreeSet<ValidatorIndex> {
        a.custody_bit_0_indices
            .iter()
            .chain(a.custody_bit_1_indices.iter())
            .copied()
            .collect()
    };
    let second = indices(&slashing.attestation_2);
    indices(&slashing.attestation_1)
        .intersection(&second)
        .copied()
        .collect()
}

/// The epoch of the offence `slashing` proves: the later target epoch of its two votes.
pub fn offence_epoch(slashing: &AttesterSlashing) -> Epoch {
    slashing
        .attestation_1
        .data
        .target
        .epoch
        .max(slashing.attestation_2.data.target.epoch)
}

/// Whether validator `index` of `validators` exists and is not slashed.
pub fn unslashed(validators: &[Validator], index: ValidatorIndex) -> bool {
    usize::try_from(index)
        .ok()
        .and_then(|i| validators.get(i))
        .is_some_and(|v| !v.slashed)
}

/// Whether validator `index` of `validators` exists and has an exit epoch already.
pub fn exiting(validators: &[Validator], index: ValidatorIndex) -> bool {
    usize::try_from(index)
        .ok()
        .and_then(|i| validators.get(i))
        .is_some_and(|v| v.exit_epoch != consensus::preset::FAR_FUTURE_EPOCH)
}

impl SlashingPool {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a proposer slashing of `proposer` is already held.
    pub fn has_proposer_slashing(&self, proposer: ValidatorIndex) -> bool {
        self.proposer.contains_key(&proposer)
    }

    /// Whether every validator in `offenders` is already covered by a held attester slashing.
    pub fn covers_attesters(&self, offenders: &[ValidatorIndex]) -> bool {
        let held: BTreeSet<ValidatorIndex> =
            self.attester.iter().flat_map(self::offenders).collect();
        offenders.iter().all(|v| held.contains(v))
    }

    pub fn has_exit(&self, validator: ValidatorIndex) -> bool {
        self.exits.contains_key(&validator)
    }

    pub fn insert_proposer_slashing(&mut self, slashing: ProposerSlashing) {
        self.proposer
            .entry(slashing.proposer_index)
            .or_insert(slashing);
    }

    /// Holds `slashing`, merged into a held one over the same data when their validators do
    /// not overlap (see [`merge_attester_slashings`]), else as a new entry; not at all when
    /// held ones already slash all its offenders (the slasher finding an offence a peer's
    /// slashing brought, or a merged slashing coming back: it would be offered twice).
    pub fn insert_attester_slashing(&mut self, slashing: AttesterSlashing, crypto: Crypto) {
        if self.covers_attesters(&offenders(&slashing)) {
            return;
        }
        for held in self.attester.iter_mut() {
            if let Some(merged) = merge_attester_slashings(held, &slashing, crypto) {
                *held = merged;
                return;
            }
        }
        if self.attester.len() < MAX_POOLED_ATTESTER_SLASHINGS {
            self.attester.push(slashing);
        }
    }

    pub fn insert_exit(&mut self, exit: VoluntaryExit) {
        self.exits.entry(exit.validator_index).or_insert(exit);
    }

    /// Proposer slashings, by proposer index.
    pub fn proposer_slashings(&self) -> impl Iterator<Item = &ProposerSlashing> {
        self.proposer.values()
    }

    /// Attester slashings that still slash someone in `validators`, in the order a block
    /// takes them: those whose [`offence_epoch`] is `urgent_through` or earlier first, oldest
    /// offence first; then those that slash the most still-unslashed validators (ties: the
    /// order they came in). See the module documentation.
    pub fn attester_slashings(
        &self,
        validators: &[Validator],
        urgent_through: Option<Epoch>,
    ) -> Vec<&AttesterSlashing> {
        let mut ranked: Vec<(Option<Epoch>, usize, usize, &AttesterSlashing)> = self
            .attester
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let count = offenders(s)
                    .into_iter()
                    .filter(|v| unslashed(validators, *v))
                    .count();
                let epoch = offence_epoch(s);
                let urgent = urgent_through
                    .filter(|through| epoch <= *through)
                    .map(|_| epoch);
                (urgent, count, i, s)
            })
            .filter(|(_, count, _, _)| *count > 0)
            .collect();
        ranked.sort_by(|a, b| match (a.0, b.0) {
            (Some(x), Some(y)) => x.cmp(&y).then(a.2.cmp(&b.2)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => b.1.cmp(&a.1).then(a.2.cmp(&b.2)),
        });
        ranked.into_iter().map(|(_, _, _, s)| s).collect()
    }

    /// [`Self::attester_slashings`] for a block or message at `slot`.
    pub fn attester_slashings_at<P: consensus::Preset>(
        &self,
        validators: &[Validator],
        slot: Slot,
    ) -> Vec<&AttesterSlashing> {
        let urgent_through = (slot / P::SLOTS_PER_EPOCH).checked_sub(URGENT_AFTER_EPOCHS);
        self.attester_slashings(validators, urgent_through)
    }

    pub fn exits(&self) -> impl Iterator<Item = &VoluntaryExit> {
        self.exits.values()
    }

    /// Drops what `validators` (the finalized state's registry) makes useless: proposer slashings
    /// of slashed proposers, attester slashings with no unslashed offender, exits of
    /// validators already exiting.
    pub fn retain_useful(&mut self, validators: &[Validator]) {
        self.proposer.retain(|v, _| unslashed(validators, *v));
        self.attester
            .retain(|s| offenders(s).into_iter().any(|v| unslashed(validators, v)));
        self.exits.retain(|v, _| {
            usize::try_from(*v)
                .ok()
                .and_then(|i| validators.get(i))
                .is_some_and(|v| v.exit_epoch == consensus::preset::FAR_FUTURE_EPOCH)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::primitives::Root;
    use consensus::sszx::SszList;
    use consensus::{AttestationData, Checkpoint, IndexedAttestation, Minimal};

    /// A double vote by `validators` in epoch `epoch`; `tag` tells apart the votes of one
    /// epoch (slashings over different votes never merge).
    fn double_vote(validators: &[u64], epoch: u64, tag: u8) -> AttesterSlashing {
        let vote = |root: u8| IndexedAttestation {
            custody_bit_0_indices: SszList::try_from_vec(validators.to_vec()).unwrap(),
            custody_bit_1_indices: SszList::try_from_vec(vec![]).unwrap(),
            data: AttestationData {
                beacon_block_root: Root::from([root; 32]),
                target: Checkpoint {
                    epoch,
                    root: Root::from([tag; 32]),
                },
                ..AttestationData::default()
            },
            ..IndexedAttestation::default()
        };
        AttesterSlashing {
            attestation_1: vote(1),
            attestation_2: vote(2),
        }
    }

    fn sizes(slashings: Vec<&AttesterSlashing>) -> Vec<usize> {
        slashings.into_iter().map(|s| offenders(s).len()).collect()
    }

    /// Six offenders and eleven offenders of epoch 4, then (arriving last) one of epoch 3.
    fn pool() -> SlashingPool {
        let mut pool = SlashingPool::new();
        let six = [20, 21, 22, 23, 24, 25];
        pool.insert_attester_slashing(double_vote(&six, 4, 1), Crypto::Fake);
        let eleven: Vec<u64> = (1..12).collect();
        pool.insert_attester_slashing(double_vote(&eleven, 4, 2), Crypto::Fake);
        pool.insert_attester_slashing(double_vote(&[40], 3, 1), Crypto::Fake);
        pool
    }

    #[test]
    fn the_largest_goes_first_until_an_offence_is_old() {
        let validators = vec![Validator::default(); 64];
        let pool = pool();
        assert_eq!(
            sizes(pool.attester_slashings(&validators, None)),
            [11, 6, 1]
        );
        assert_eq!(
            sizes(pool.attester_slashings(&validators, Some(2))),
            [11, 6, 1]
        );
        // The epoch-3 offence is old: it goes first, though it came in last.
        assert_eq!(
            sizes(pool.attester_slashings(&validators, Some(3))),
            [1, 11, 6]
        );
        // All old: oldest offence first, then the order they came in.
        assert_eq!(
            sizes(pool.attester_slashings(&validators, Some(4))),
            [1, 6, 11]
        );
    }

    #[test]
    fn an_offence_is_old_two_epochs_after_its_own() {
        let validators = vec![Validator::default(); 64];
        let pool = pool();
        let at = |slot| sizes(pool.attester_slashings_at::<Minimal>(&validators, slot));
        assert_eq!(at(0), [11, 6, 1]);
        assert_eq!(at(39), [11, 6, 1]);
        assert_eq!(at(40), [1, 11, 6]);
        assert_eq!(at(48), [1, 6, 11]);
    }

    #[test]
    fn a_slashing_whose_offenders_are_held_already_is_not_held_again() {
        let validators = vec![Validator::default(); 64];
        let mut pool = SlashingPool::new();
        pool.insert_attester_slashing(double_vote(&[30], 1, 1), Crypto::Fake);
        pool.insert_attester_slashing(double_vote(&[31], 1, 1), Crypto::Fake);
        assert_eq!(sizes(pool.attester_slashings(&validators, None)), [2]);
        // 30 alone again, or 30 and 31 merged elsewhere: nothing new.
        pool.insert_attester_slashing(double_vote(&[30], 1, 1), Crypto::Fake);
        pool.insert_attester_slashing(double_vote(&[30, 31], 1, 1), Crypto::Fake);
        assert_eq!(sizes(pool.attester_slashings(&validators, None)), [2]);
        // One new offender among held ones: held as its own entry.
        pool.insert_attester_slashing(double_vote(&[30, 32], 1, 1), Crypto::Fake);
        assert_eq!(sizes(pool.attester_slashings(&validators, None)), [2, 2]);
    }

    #[test]
    fn only_unslashed_offenders_count() {
        let mut validators = vec![Validator::default(); 64];
        for validator in &mut validators[1..8] {
            validator.slashed = true;
        }
        validators[40].slashed = true;
        // Eleven with seven slashed counts four; the single one has none left to slash.
        assert_eq!(sizes(pool().attester_slashings(&validators, None)), [6, 11]);
        assert_eq!(
            sizes(pool().attester_slashings(&validators, Some(4))),
            [6, 11]
        );
    }
}
