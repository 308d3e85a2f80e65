//! `process_attestation` (reference 6.4.3) with design D2: the phase-0 rule
//! `data.crosslink.data_root == 0` is dropped (the data root commits to shard data); every
//! other rule stays, with the shard bound from the committee shard count (D4, D7), and the
//! attestation-only committees of D7 must carry a zero data root.

use super::context::BlockContext;
use crate::attesting::{
    attestation_data_slot, check_indexed_attestation, indexed_attestation_from,
};
use crate::errors::{AttestationError, HelperError};
use crate::signatures::SignedObject;
use crate::util::to_usize;
use consensus::accessors::{get_current_epoch, get_previous_epoch};
use consensus::bls::Crypto;
use consensus::committees::committee_shard_count;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::Root;
use consensus::sszx::{hash_tree_root, SszList};
use consensus::{Attestation, BeaconState, ChainConfig, PendingAttestation, Preset};

/// `process_attestation(state, attestation)`, verifying the aggregate signature at once.
pub fn process_attestation<P: Preset>(
    state: &mut BeaconState<P>,
    attestation: &Attestation,
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<(), AttestationError> {
    let mut ctx = BlockContext::new(config, crypto);
    process_attestation_with(state, attestation, &mut ctx, 0)?;
    ctx.signatures
        .verify()
        .map_err(|e| AttestationError::InvalidIndexedAttestation(e.into()))?;
    Ok(())
}

pub(crate) fn process_attestation_with<P: Preset>(
    state: &mut BeaconState<P>,
    attestation: &Attestation,
    ctx: &mut BlockContext<'_>,
    operation: usize,
) -> Result<(), AttestationError> {
    let data = &attestation.data;
    let shard = data.crosslink.shard;
    let active = committee_shard_count::<P>(ctx.config);
    if shard >= active {
        return Err(AttestationError::ShardOutOfRange { shard, active });
    }
    let previous = get_previous_epoch(state);
    let current = get_current_epoch(state);
    let target = data.target.epoch;
    if target != previous && target != current {
        return Err(AttestationError::TargetEpochOutOfRange {
            target,
            previous,
            current,
        });
    }

    let shuffling = ctx.shuffling(state, target)?;
    let attestation_slot = attestation_data_slot::<P>(shuffling, data)?;
    let window = attestation_slot
        .checked_add(P::MIN_ATTESTATION_INCLUSION_DELAY)
        .zip(attestation_slot.checked_add(P::SLOTS_PER_EPOCH));
    let Some((earliest, latest)) = window else {
        return Err(HelperError::Overflow {
            rule: "process_attestation: inclusion window",
        }
        .into());
    };
    if !(earliest <= state.slot && state.slot <= latest) {
        return Err(AttestationError::InclusionWindow {
            attestation_slot,
            earliest,
            latest,
            state_slot: state.slot,
        });
    }

    let committee = shuffling.committee(shard)?;
    let aggregation = attestation.aggregation_bits.len();
    let custody = attestation.custody_bits.len();
    if aggregation != committee.len() || custody != committee.len() {
        return Err(AttestationError::BitsLength {
            aggregation,
            custody,
            committee: committee.len(),
        });
    }
    let indexed = indexed_attestation_from(committee, attestation);

    let pending = PendingAttestation {
        aggregation_bits: attestation.aggregation_bits.clone(),
        data: data.clone(),
        inclusion_delay: state.slot - attestation_slot,
        proposer_index: ctx.proposer(state)?,
    };
    let crosslinks = if target == current {
        (
            &state.current_justified_checkpoint,
            &state.current_crosslinks,
            "current",
        )
    } else {
        (
            &state.previous_justified_checkpoint,
            &state.previous_crosslinks,
            "previous",
        )
    };
    let (justified, parent_crosslinks, which) = crosslinks;
    if data.source != *justified {
        return Err(AttestationError::SourceMismatch {
            which,
            got_epoch: data.source.epoch,
            got_root: data.source.root,
            want_epoch: justified.epoch,
            want_root: justified.root,
        });
    }
    let parent = parent_crosslinks
        .get(to_usize(shard))
        .ok_or(ConsensusError::ShardOutOfRange {
            shard,
            active: P::SHARD_COUNT,
        })?
        .clone();
    let list = if target == current {
        &mut state.current_epoch_attestations
    } else {
        &mut state.previous_epoch_attestations
    };
    list.try_push(pending).map_err(|e| HelperError::ListFull {
        rule: "process_attestation",
        list: "pending attestations",
        limit: e.limit,
    })?;

    // Check the crosslink against its expected parent.
    let parent_root = hash_tree_root(&parent);
    if data.crosslink.parent_root != parent_root {
        return Err(AttestationError::ParentRootMismatch {
            got: data.crosslink.parent_root,
            want: parent_root,
        });
    }
    if data.crosslink.start_epoch != parent.end_epoch {
        return Err(AttestationError::StartEpochMismatch {
            got: data.crosslink.start_epoch,
            want: parent.end_epoch,
        });
    }
    let end_epoch = parent
        .end_epoch
        .checked_add(P::MAX_EPOCHS_PER_CROSSLINK)
        .ok_or(HelperError::Overflow {
            rule: "process_attestation: crosslink end epoch",
        })?
        .min(target);
    if data.crosslink.end_epoch != end_epoch {
        return Err(AttestationError::EndEpochMismatch {
            got: data.crosslink.end_epoch,
            want: end_epoch,
        });
    }
    // Design D2: no `data.crosslink.data_root == Bytes32()` rule, except for the
    // attestation-only committees of design D7, which crosslink no shard data.
    let active_shards = ctx.config.active_shard_count;
    if shard >= active_shards && data.crosslink.data_root != Root::zero() {
        return Err(AttestationError::AttestationOnlyDataRoot {
            shard,
            active: active_shards,
            data_root: data.crosslink.data_root,
        });
    }

    // Check the signature (and the indexed form's rules).
    let indexed = indexed?;
    check_indexed_attestation(
        state,
        &indexed,
        &mut ctx.signatures,
        SignedObject::Attestation { operation },
    )
    .map_err(AttestationError::InvalidIndexedAttestation)?;
    Ok(())
}
