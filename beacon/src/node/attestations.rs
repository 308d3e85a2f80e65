//! Attestations the node meets (gossip, its own, inside blocks): their committee, their
//! validity, and their fork-choice votes.
//!
//! v0.8.4's `on_attestation` lets an attestation affect fork choice only from the slot after
//! its own, so a fresh attestation is checked at once (for the pool and the verdict) and its
//! votes wait in `deferred_votes` for a later slot's tick. Committees come from the node's
//! shuffling cache instead of a shuffle per attestation.

use super::errors::{AttestationRejection, LookupError, Object};
use super::verdict::{IgnoreReason, Refusal};
use super::Node;
use crate::attesting::{check_indexed_attestation, indexed_attestation_from};
use crate::errors::IndexedAttestationError;
use crate::signatures::{SignatureBatch, SignedObject};
use consensus::primitives::{Slot, ValidatorIndex};
use consensus::{Attestation, IndexedAttestation, Preset};
use std::sync::Arc;

/// Votes to hand to fork choice once their slot is past.
#[derive(Clone, Debug)]
pub(super) struct DeferredVotes {
    pub slot: Slot,
    pub validators: Vec<ValidatorIndex>,
    pub beacon_block_root: consensus::primitives::Root,
    pub target_epoch: u64,
}

impl<P: Preset> Node<P> {
    /// The indexed form of `attestation` and its slot, from its target's state.
    pub(super) fn index_attestation(
        &mut self,
        attestation: &Attestation,
    ) -> Result<(IndexedAttestation, Slot), Refusal> {
        let target = &attestation.data.target;
        let shard = attestation.data.crosslink.shard;
        let shuffling =
            self.shuffling_at(&target.root, target.epoch)
                .map_err(|error| match error {
                    LookupError::UnknownBlock { root } => Refusal::Missing(root),
                    LookupError::Shuffling(source) => IgnoreReason::Shuffling {
                        object: Object::Attestation,
                        source,
                    }
                    .into(),
                })?;
        let committee = shuffling
            .committee(shard)
            .map_err(AttestationRejection::Committee)?;
        let slot =
            shuffling
                .committee_slot::<P>(shard)
                .ok_or(AttestationRejection::NoCommittee {
                    shard,
                    epoch: target.epoch,
                })?;
        let indexed = indexed_attestation_from(committee, attestation)
            .map_err(AttestationRejection::Indexed)?;
        Ok((indexed, slot))
    }

    /// `is_valid_indexed_attestation` against the target block's state, with the node's
    /// decoded-key cache.
    pub(super) fn verify_indexed(&mut self, indexed: &IndexedAttestation) -> Result<(), Refusal> {
        let root = indexed.data.target.root;
        let crypto = self.config.crypto;
        let Some(state) = self.fork_choice.block_state(&root) else {
            return Err(Refusal::Missing(root));
        };
        let mut batch = SignatureBatch::with_cache(crypto, std::mem::take(&mut self.pubkeys));
        let checked = check_indexed_attestation(
            state,
            indexed,
            &mut batch,
            SignedObject::Attestation { operation: 0 },
        )
        .and_then(|()| batch.verify().map_err(IndexedAttestationError::Signature));
        self.pubkeys = batch.into_cache();
        checked.map_err(|e| AttestationRejection::Invalid(e).into())
    }

    /// Votes of a checked attestation: applied now if its slot is past, else deferred.
    pub(super) fn vote(&mut self, indexed: &IndexedAttestation, slot: Slot) {
        let validators: Vec<ValidatorIndex> = indexed
            .custody_bit_0_indices
            .iter()
            .chain(indexed.custody_bit_1_indices.iter())
            .copied()
            .collect();
        let votes = DeferredVotes {
            slot,
            validators,
            beacon_block_root: indexed.data.beacon_block_root,
            target_epoch: indexed.data.target.epoch,
        };
        if slot < self.current_slot() {
            self.apply_votes(&votes);
        } else {
            self.deferred_votes.push(votes);
        }
    }

    fn apply_votes(&mut self, votes: &DeferredVotes) {
        let _ = self.fork_choice.apply_checked_votes(
            &votes.validators,
            votes.beacon_block_root,
            votes.target_epoch,
        );
    }

    /// Applies the deferred votes whose slot is now past.
    pub(super) fn apply_deferred_votes(&mut self) {
        let current = self.current_slot();
        let (due, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.deferred_votes)
            .into_iter()
            .partition(|v| v.slot < current);
        self.deferred_votes = waiting;
        for votes in &due {
            self.apply_votes(votes);
        }
    }

    /// The attestations of an imported block: their votes (the block's import verified their
    /// signatures) and the pool's record of what is included.
    pub(super) fn absorb_block_attestations(&mut self, block: &Arc<consensus::BeaconBlock>) {
        for attestation in block.body.attestations.iter() {
            self.op_pool.mark_included(attestation);
            if let Ok((indexed, slot)) = self.index_attestation(attestation) {
                self.vote(&indexed, slot);
                self.watch_attestation(&indexed);
            }
        }
    }

    /// The full gossip check of an attestation or aggregate; on success it is pooled and its
    /// votes counted.
    pub(super) fn accept_attestation(&mut self, attestation: &Attestation) -> Result<(), Refusal> {
        let (indexed, slot) = self.index_attestation(attestation)?;
        let current = self.current_slot();
        if slot > current {
            return Err(IgnoreReason::FutureSlot {
                object: Object::Attestation,
                slot,
                current,
            }
            .into());
        }
        self.verify_indexed(&indexed)?;
        self.op_pool.insert(attestation, slot, self.config.crypto);
        self.vote(&indexed, slot);
        self.watch_attestation(&indexed);
        Ok(())
    }

    /// This node's own attestation (signed here, so not checked again). It may merge into an
    /// aggregate of the same data that arrived first, so its signature is aggregated with the
    /// node's real scheme.
    pub(super) fn own_attestation(&mut self, attestation: &Attestation) {
        if let Ok((indexed, slot)) = self.index_attestation(attestation) {
            self.op_pool.insert(attestation, slot, self.config.crypto);
            self.vote(&indexed, slot);
        }
    }
}
