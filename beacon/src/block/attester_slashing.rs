//! `process_attester_slashing` (reference 6.4.2): two conflicting valid indexed attestations;
//! every slashable validator in both is slashed, ascending, and at least one must be.

use super::context::BlockContext;
use crate::attesting::{check_indexed_attestation, is_slashable_attestation_data};
use crate::errors::{AttesterSlashingError, HelperError};
use crate::signatures::SignedObject;
use crate::slash_validator::slash_validator_with;
use consensus::accessors::validator_at;
use consensus::accessors::{get_current_epoch, is_slashable_validator};
use consensus::bls::Crypto;
use consensus::primitives::ValidatorIndex;
use consensus::{AttesterSlashing, BeaconState, ChainConfig, IndexedAttestation, Preset};
use std::collections::BTreeSet;

/// `process_attester_slashing(state, attester_slashing)`, verifying both signatures at once.
pub fn process_attester_slashing<P: Preset>(
    state: &mut BeaconState<P>,
    attester_slashing: &AttesterSlashing,
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<(), AttesterSlashingError> {
    BlockContext::run_alone(config, crypto, |ctx| {
        process_attester_slashing_with(state, attester_slashing, ctx, 0)
    })
}

fn all_indices(attestation: &IndexedAttestation) -> BTreeSet<ValidatorIndex> {
    attestation
        .custody_bit_0_indices
        .iter()
        .chain(attestation.custody_bit_1_indices.iter())
        .copied()
        .collect()
}

pub(crate) fn process_attester_slashing_with<P: Preset>(
    state: &mut BeaconState<P>,
    attester_slashing: &AttesterSlashing,
    ctx: &mut BlockContext<'_>,
    operation: usize,
) -> Result<(), AttesterSlashingError> {
    let attestation_1 = &attester_slashing.attestation_1;
    let attestation_2 = &attester_slashing.attestation_2;
    if !is_slashable_attestation_data(&attestation_1.data, &attestation_2.data) {
        return Err(AttesterSlashingError::NotSlashable);
    }
    for (which, attestation) in [(1u8, attestation_1), (2u8, attestation_2)] {
        let object = SignedObject::AttesterSlashingAttestation {
            operation,
            attestation: which,
        };
        check_indexed_attestation(state, attestation, &mut ctx.signatures, object)
            .map_err(|source| AttesterSlashingError::InvalidAttestation { which, source })?;
    }
    let current_epoch = get_current_epoch(state);
    let indices_2 = all_indices(attestation_2);
    let mut slashed_any = false;
    for index in all_indices(attestation_1).intersection(&indices_2).copied() {
        let validator = validator_at(state, index).map_err(HelperError::Consensus)?;
        if is_slashable_validator(validator, current_epoch) {
            let proposer = ctx.proposer(state)?;
            let queue = ctx.exit_queue(state)?;
            slash_validator_with(state, index, None, proposer, queue)?;
            slashed_any = true;
        }
    }
    if !slashed_any {
        return Err(AttesterSlashingError::NoneSlashed);
    }
    Ok(())
}
