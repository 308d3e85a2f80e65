//! `process_randao` (reference 6.3): the proposer's reveal of the epoch number, mixed into the
//! epoch's RANDAO mix.

use super::context::BlockContext;
use crate::errors::BlockError;
use crate::signatures::{get_domain, signing_message, SignedObject};
use consensus::accessors::{get_current_epoch, get_randao_mix};
use consensus::bls::Crypto;
use consensus::hash::hash;
use consensus::math::xor;
use consensus::preset::DOMAIN_RANDAO;
use consensus::primitives::Root;
use consensus::{BeaconBlockBody, BeaconState, ChainConfig, Preset};

/// `process_randao(state, body)`, verifying the reveal at once.
pub fn process_randao<P: Preset>(
    state: &mut BeaconState<P>,
    body: &BeaconBlockBody,
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<(), BlockError> {
    BlockContext::run_alone(config, crypto, |ctx| process_randao_with(state, body, ctx))
}

pub(crate) fn process_randao_with<P: Preset>(
    state: &mut BeaconState<P>,
    body: &BeaconBlockBody,
    ctx: &mut BlockContext<'_>,
) -> Result<(), BlockError> {
    let epoch = get_current_epoch(state);
    let proposer = ctx.proposer(state)?;
    consensus::accessors::validator_at(state, proposer)?;
    if ctx.signatures.is_checking() {
        // hash_tree_root(uint64 epoch): the epoch little-endian, padded to 32 bytes.
        let mut epoch_root = [0u8; 32];
        epoch_root[..8].copy_from_slice(&epoch.to_le_bytes());
        let domain = get_domain(state, DOMAIN_RANDAO, epoch);
        ctx.signatures.add_validators(
            SignedObject::RandaoReveal,
            &state.validators,
            &[proposer],
            &body.randao_reveal,
            signing_message(&Root::new(epoch_root), &domain),
        )?;
    }
    let mix = xor(
        &get_randao_mix(state, epoch).0,
        &hash(&body.randao_reveal.0).0,
    );
    state.randao_mixes[(epoch % P::EPOCHS_PER_HISTORICAL_VECTOR) as usize] = Root::new(mix);
    Ok(())
}
