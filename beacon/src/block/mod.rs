//! Block processing (reference 6.3–6.4): `process_block` = header, RANDAO, eth1 data,
//! operations, then one batch verification of every signature the block carries (design D1;
//! deposits are checked one by one, because a bad deposit signature is skipped, not rejected).
//!
//! Each step and each operation is also a public function on its own, verifying its own
//! signatures when called alone.

mod attestation;
mod attester_slashing;
mod context;
mod deposit;
mod eth1_data;
mod header;
mod operations;
mod proposer_slashing;
mod randao;
mod transfer;
mod voluntary_exit;

pub use attestation::process_attestation;
pub(crate) use attestation::process_attestation_with;
pub use attester_slashing::process_attester_slashing;
pub(crate) use attester_slashing::process_attester_slashing_with;
pub use context::BlockContext;
pub use deposit::{process_deposit, process_deposit_with, PubkeyIndex};
pub use eth1_data::process_eth1_data;
pub use header::process_block_header;
pub use operations::process_operations;
pub use proposer_slashing::process_proposer_slashing;
pub(crate) use proposer_slashing::process_proposer_slashing_with;
pub use randao::process_randao;
pub use transfer::process_transfer;
pub use voluntary_exit::process_voluntary_exit;
pub(crate) use voluntary_exit::process_voluntary_exit_with;

use crate::errors::BlockError;
use crate::shuffling_cache::KeyedShufflings;
use crate::signatures::PubkeyCache;
use consensus::bls::Crypto;
use consensus::{BeaconBlock, BeaconState, ChainConfig, Preset};

/// `process_block(state, block)`. On error the state is left part-way: callers that need the
/// pre-state back work on a copy (as `state_transition` does).
pub fn process_block<P: Preset>(
    state: &mut BeaconState<P>,
    block: &BeaconBlock,
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<(), BlockError> {
    let mut pubkeys = PubkeyCache::new();
    let mut shufflings = KeyedShufflings::new();
    process_block_cached(state, block, config, crypto, &mut pubkeys, &mut shufflings)
}

/// [`process_block`] decoding validator keys and finding shufflings through caches the caller
/// keeps across blocks (both check their contents against the state, so they never change a
/// result).
pub fn process_block_cached<P: Preset>(
    state: &mut BeaconState<P>,
    block: &BeaconBlock,
    config: &ChainConfig,
    crypto: Crypto,
    pubkeys: &mut PubkeyCache,
    shufflings: &mut KeyedShufflings,
) -> Result<(), BlockError> {
    let mut ctx = BlockContext::with_caches(
        config,
        crypto,
        std::mem::take(pubkeys),
        std::mem::take(shufflings),
    );
    let result = process_block_with(state, block, &mut ctx);
    let result = result.and_then(|()| ctx.signatures.verify().map_err(BlockError::from));
    (*pubkeys, *shufflings) = ctx.into_caches();
    result
}

fn process_block_with<P: Preset>(
    state: &mut BeaconState<P>,
    block: &BeaconBlock,
    ctx: &mut BlockContext<'_>,
) -> Result<(), BlockError> {
    header::process_block_header_with(state, block, ctx)?;
    randao::process_randao_with(state, &block.body, ctx)?;
    eth1_data::process_eth1_data(state, &block.body)?;
    operations::process_operations_with(state, &block.body, ctx)?;
    Ok(())
}
