//! `process_proposer_slashing` (reference 6.4.1): two different signed headers of one epoch
//! by the same slashable proposer.

use super::context::BlockContext;
use crate::errors::ProposerSlashingError;
use crate::signatures::{get_domain, signing_message, SignedObject};
use crate::slash_validator::slash_validator_with;
use crate::util::to_usize;
use consensus::accessors::{get_current_epoch, is_slashable_validator};
use consensus::bls::Crypto;
use consensus::preset::DOMAIN_BEACON_PROPOSER;
use consensus::sszx::SigningRoot;
use consensus::{BeaconState, ChainConfig, Preset, ProposerSlashing};

/// `process_proposer_slashing(state, proposer_slashing)`, verifying both signatures at once.
pub fn process_proposer_slashing<P: Preset>(
    state: &mut BeaconState<P>,
    proposer_slashing: &ProposerSlashing,
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<(), ProposerSlashingError> {
    BlockContext::run_alone(config, crypto, |ctx| {
        process_proposer_slashing_with(state, proposer_slashing, ctx, 0)
    })
}

/// The rules, with the signatures added to the block's batch; `operation` is the position in
/// the block's list.
pub(crate) fn process_proposer_slashing_with<P: Preset>(
    state: &mut BeaconState<P>,
    proposer_slashing: &ProposerSlashing,
    ctx: &mut BlockContext<'_>,
    operation: usize,
) -> Result<(), ProposerSlashingError> {
    let index = proposer_slashing.proposer_index;
    let len = state.validators.len();
    let proposer = state
        .validators
        .get(to_usize(index))
        .ok_or(ProposerSlashingError::UnknownProposer { index, len })?;
    let header_1 = &proposer_slashing.header_1;
    let header_2 = &proposer_slashing.header_2;
    // Verify slots match.
    let epoch_1 = header_1.slot / P::SLOTS_PER_EPOCH;
    let epoch_2 = header_2.slot / P::SLOTS_PER_EPOCH;
    if epoch_1 != epoch_2 {
        return Err(ProposerSlashingError::EpochsDiffer { epoch_1, epoch_2 });
    }
    // But the headers are different (the signature counts).
    if header_1 == header_2 {
        return Err(ProposerSlashingError::HeadersIdentical);
    }
    // Check proposer is slashable.
    let current_epoch = get_current_epoch(state);
    if !is_slashable_validator(proposer, current_epoch) {
        return Err(ProposerSlashingError::NotSlashable {
            index,
            epoch: current_epoch,
        });
    }
    // Signatures are valid.
    if ctx.signatures.is_checking() {
        for (number, header) in [(1u8, header_1), (2u8, header_2)] {
            let domain = get_domain(
                state,
                DOMAIN_BEACON_PROPOSER,
                header.slot / P::SLOTS_PER_EPOCH,
            );
            ctx.signatures.add_validators(
                SignedObject::ProposerSlashingHeader {
                    operation,
                    header: number,
                },
                &state.validators,
                &[index],
                &header.signature,
                signing_message(&header.signing_root(), &domain),
            )?;
        }
    }
    let block_proposer = ctx.proposer(state)?;
    let queue = ctx.exit_queue(state)?;
    slash_validator_with(state, index, None, block_proposer, queue)?;
    Ok(())
}
