//! The slasher: every honest node watches the signed messages it checks for the two offences
//! the beacon chain punishes, and turns the evidence into the operation that slashes.
//!
//! - **Proposer equivocation** (`process_proposer_slashing`): two different signed headers of
//!   one slot by the same proposer. Every beacon block the node imports is recorded by slot;
//!   when a second one arrives for a slot, the node compares the two blocks' proposers (from
//!   their post-states) and a match yields a [`ProposerSlashing`].
//! - **Double and surround votes** (`is_slashable_attestation_data`): every attestation whose
//!   signature the node checked (gossip, aggregates, blocks) is recorded per attesting
//!   validator as `(source, target, data root)`; a new vote with the same target and other
//!   data, or one that surrounds or is surrounded by a recorded vote, yields an
//!   [`AttesterSlashing`] over the two indexed attestations (the surrounding one first, as the
//!   rule reads them). Validators that share the two attestations are covered by one slashing.
//!
//! - **Shard proposer equivocation**: two shard blocks of one `(shard, slot)` by one proposer.
//!   v0.8.4's beacon block body has no operation that slashes it, so it is reported
//!   ([`Event::SlashingFound`](super::Event) with [`Offence::ShardProposerEquivocation`](super::Offence))
//!   and not pooled (`docs/protocol.md`, D8).
//!
//! **Owns** the records and what was already reported. **Bounds**: votes whose target is more
//! than [`SLASHER_WINDOW_EPOCHS`] before the current epoch and headers older than that are
//! forgotten, so memory is bounded by validators × window, not by run length; a surround
//! spanning more than the window goes unnoticed (a real slasher keeps weeks on disk; this one
//! serves the simulator and short-lived clusters, and says so in `docs/protocol.md`).
//! **Must never** report an offence whose two messages it did not both check: only checked
//! messages enter, and blocks are recorded after their state transition accepted them.

use consensus::primitives::{Epoch, Root, Shard, Slot, ValidatorIndex};
use consensus::sszx::hash_tree_root;
use consensus::{AttesterSlashing, BeaconBlockHeader, IndexedAttestation, ProposerSlashing};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Epochs of votes and headers the slasher remembers.
pub const SLASHER_WINDOW_EPOCHS: u64 = 16;

/// One recorded vote of one validator.
#[derive(Clone, Debug)]
struct Vote {
    source: Epoch,
    target: Epoch,
    data_root: Root,
    attestation: Arc<IndexedAttestation>,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Slasher {
    /// By validator index (indices of checked attestations are below the registry's length).
    votes: Vec<Vec<Vote>>,
    /// Imported beacon blocks by slot.
    blocks_at: BTreeMap<Slot, Vec<Root>>,
    /// Imported shard blocks by `(shard, slot)`: `(proposer, root)`.
    shard_blocks_at: BTreeMap<(Shard, Slot), Vec<(ValidatorIndex, Root)>>,
    /// Shard proposers already found equivocating.
    reported_shard_proposers: BTreeSet<ValidatorIndex>,
    /// Validators an attester slashing was already made for.
    reported_attesters: BTreeSet<ValidatorIndex>,
    /// Proposers a proposer slashing was already made for.
    reported_proposers: BTreeSet<ValidatorIndex>,
}

/// Whether `a` and `b` are a slashable pair, and in which order the rule wants them
/// (`attestation_1` surrounds `attestation_2`; for a double vote either order): the rule of
/// `is_slashable_attestation_data` on the recorded epochs and data roots (different data is
/// a different root).
fn slashable_order(a: &Vote, b: &Vote) -> Option<bool> {
    if a.data_root == b.data_root {
        return None;
    }
    let surrounds = |x: &Vote, y: &Vote| x.source < y.source && y.target < x.target;
    if a.target == b.target || surrounds(a, b) {
        Some(true)
    } else if surrounds(b, a) {
        Some(false)
    } else {
        None
    }
}

/// Every validator `attestation` names (both custody bits).
pub(super) fn attesters(
    attestation: &IndexedAttestation,
) -> impl Iterator<Item = ValidatorIndex> + '_ {
    attestation
        .custody_bit_0_indices
        .iter()
        .chain(attestation.custody_bit_1_indices.iter())
        .copied()
}

impl Slasher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a checked attestation; returns the slashings it completes (one per earlier
    /// attestation it conflicts with, for validators not reported before).
    pub fn on_attestation(&mut self, attestation: &IndexedAttestation) -> Vec<AttesterSlashing> {
        let data_root = hash_tree_root(&attestation.data);
        // The shared copy is made only if some validator records the vote.
        let mut new: Option<Vote> = None;
        // The earlier attestations it conflicts with, by their data root, with the order.
        let mut conflicts: BTreeMap<Root, (Arc<IndexedAttestation>, bool)> = BTreeMap::new();
        for validator in attesters(attestation) {
            let Ok(position) = usize::try_from(validator) else {
                continue;
            };
            if position >= self.votes.len() {
                self.votes.resize_with(position + 1, Vec::new);
            }
            let votes = &mut self.votes[position];
            if votes.iter().any(|v| v.data_root == data_root) {
                continue;
            }
            let new = new.get_or_insert_with(|| Vote {
                source: attestation.data.source.epoch,
                target: attestation.data.target.epoch,
                data_root,
                attestation: Arc::new(attestation.clone()),
            });
            if !self.reported_attesters.contains(&validator) {
                for old in votes.iter() {
                    if let Some(new_first) = slashable_order(new, old) {
                        conflicts
                            .entry(old.data_root)
                            .or_insert((old.attestation.clone(), new_first));
                    }
                }
            }
            votes.push(new.clone());
        }
        let mut slashings = Vec::new();
        for (old, new_first) in conflicts.into_values() {
            let (attestation_1, attestation_2) = if new_first {
                (attestation.clone(), old.as_ref().clone())
            } else {
                (old.as_ref().clone(), attestation.clone())
            };
            let second: BTreeSet<ValidatorIndex> = attesters(&attestation_2).collect();
            let offenders: Vec<ValidatorIndex> = attesters(&attestation_1)
                .filter(|v| second.contains(v) && !self.reported_attesters.contains(v))
                .collect();
            if offenders.is_empty() {
                continue;
            }
            self.reported_attesters.extend(offenders);
            slashings.push(AttesterSlashing {
                attestation_1,
                attestation_2,
            });
        }
        slashings
    }

    /// Records an imported block at `slot`; returns the blocks already seen at that slot
    /// (the node then compares their proposers and headers, see
    /// [`Slasher::proposer_slashing`]). Only a second block at a slot costs anything.
    pub fn on_block(&mut self, slot: Slot, root: Root) -> Vec<Root> {
        let seen = self.blocks_at.entry(slot).or_default();
        if seen.contains(&root) {
            return Vec::new();
        }
        let earlier = seen.clone();
        seen.push(root);
        earlier
    }

    /// The slashing for two different signed headers of one slot by `proposer`, unless one
    /// was already made.
    pub fn proposer_slashing(
        &mut self,
        proposer: ValidatorIndex,
        header_1: BeaconBlockHeader,
        header_2: BeaconBlockHeader,
    ) -> Option<ProposerSlashing> {
        if header_1 == header_2
            || header_1.slot != header_2.slot
            || !self.reported_proposers.insert(proposer)
        {
            return None;
        }
        Some(ProposerSlashing {
            proposer_index: proposer,
            header_1,
            header_2,
        })
    }

    /// Records an imported shard block; true when `proposer` already had another block at
    /// `(shard, slot)` and was not found before. The v0.8.4 beacon block body has no
    /// operation to slash a shard proposer, so this is evidence to report, not to pool.
    pub fn on_shard_block(
        &mut self,
        shard: Shard,
        slot: Slot,
        proposer: ValidatorIndex,
        root: Root,
    ) -> bool {
        let seen = self.shard_blocks_at.entry((shard, slot)).or_default();
        if seen.iter().any(|(_, r)| *r == root) {
            return false;
        }
        let equivocates = seen.iter().any(|(p, _)| *p == proposer);
        seen.push((proposer, root));
        equivocates && self.reported_shard_proposers.insert(proposer)
    }

    /// Forgets votes whose target, and headers whose epoch, is more than the window before
    /// `current_epoch`.
    pub fn prune(&mut self, current_epoch: Epoch, slots_per_epoch: u64) {
        let oldest = current_epoch.saturating_sub(SLASHER_WINDOW_EPOCHS);
        for votes in self.votes.iter_mut() {
            votes.retain(|v| v.target >= oldest);
        }
        let oldest_slot = oldest.saturating_mul(slots_per_epoch);
        self.blocks_at.retain(|slot, _| *slot >= oldest_slot);
        self.shard_blocks_at
            .retain(|(_, slot), _| *slot >= oldest_slot);
    }

    /// Votes held (for tests and memory bounds).
    pub fn votes_held(&self) -> usize {
        self.votes.iter().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attesting::is_slashable_attestation_data;
    use consensus::{AttestationData, Checkpoint};

    fn vote(validators: &[u64], source: Epoch, target: Epoch, head: u8) -> IndexedAttestation {
        IndexedAttestation {
            custody_bit_0_indices: validators.to_vec().try_into().unwrap(),
            data: AttestationData {
                beacon_block_root: Root::new([head; 32]),
                source: Checkpoint {
                    epoch: source,
                    root: Root::zero(),
                },
                target: Checkpoint {
                    epoch: target,
                    root: Root::zero(),
                },
                ..AttestationData::default()
            },
            ..IndexedAttestation::default()
        }
    }

    #[test]
    fn double_vote_is_found_once_for_the_shared_validators() {
        let mut slasher = Slasher::new();
        assert!(slasher
            .on_attestation(&vote(&[1, 2, 3], 0, 1, 1))
            .is_empty());
        let found = slasher.on_attestation(&vote(&[2, 3, 4], 0, 1, 2));
        assert_eq!(found.len(), 1);
        assert!(is_slashable_attestation_data(
            &found[0].attestation_1.data,
            &found[0].attestation_2.data
        ));
        // The same offence again, or the same message again, is not reported twice.
        assert!(slasher.on_attestation(&vote(&[2, 3], 0, 1, 3)).is_empty());
        assert!(slasher
            .on_attestation(&vote(&[1, 2, 3], 0, 1, 1))
            .is_empty());
        // Validator 1 still can be caught on its own.
        assert_eq!(slasher.on_attestation(&vote(&[1], 0, 1, 4)).len(), 1);
    }

    #[test]
    fn surround_votes_come_out_surrounding_first_either_way() {
        for (first, second) in [((2, 3), (1, 4)), ((1, 4), (2, 3))] {
            let mut slasher = Slasher::new();
            assert!(slasher
                .on_attestation(&vote(&[7], first.0, first.1, 1))
                .is_empty());
            let found = slasher.on_attestation(&vote(&[7], second.0, second.1, 2));
            assert_eq!(found.len(), 1, "{first:?} then {second:?}");
            let s = &found[0];
            assert_eq!(s.attestation_1.data.source.epoch, 1);
            assert_eq!(s.attestation_1.data.target.epoch, 4);
            assert!(is_slashable_attestation_data(
                &s.attestation_1.data,
                &s.attestation_2.data
            ));
        }
    }

    #[test]
    fn honest_votes_and_old_votes_are_not_offences() {
        let mut slasher = Slasher::new();
        for epoch in 1..40 {
            assert!(slasher
                .on_attestation(&vote(&[1, 2], epoch - 1, epoch, epoch as u8))
                .is_empty());
            slasher.prune(epoch, 8);
        }
        assert!(slasher.votes_held() <= 2 * (SLASHER_WINDOW_EPOCHS as usize + 1));
    }

    #[test]
    fn two_headers_of_one_slot_make_a_proposer_slashing() {
        let mut slasher = Slasher::new();
        let header = |body: u8| BeaconBlockHeader {
            slot: 9,
            body_root: Root::new([body; 32]),
            ..BeaconBlockHeader::default()
        };
        assert!(slasher.on_block(9, Root::new([1; 32])).is_empty());
        assert!(slasher.on_block(9, Root::new([1; 32])).is_empty());
        assert_eq!(
            slasher.on_block(9, Root::new([2; 32])),
            vec![Root::new([1; 32])]
        );
        assert!(slasher.proposer_slashing(5, header(1), header(1)).is_none());
        let slashing = slasher.proposer_slashing(5, header(1), header(2)).unwrap();
        assert_eq!(slashing.proposer_index, 5);
        assert_ne!(slashing.header_1, slashing.header_2);
        assert!(slasher.proposer_slashing(5, header(1), header(3)).is_none());
    }
}
