//! `state_transition` (reference 6): process the slots up to the block, the block itself, and
//! optionally check the block's state root. Atomic: on any failure the state is unchanged.

use crate::block::process_block_cached;
use crate::errors::TransitionError;
use crate::shuffling_cache::KeyedShufflings;
use crate::signatures::PubkeyCache;
use crate::slots::process_slots_cached;
use crate::state_root_cache::StateRootCache;
use consensus::bls::Crypto;
use consensus::{BeaconBlock, BeaconState, ChainConfig, Preset};

/// `state_transition(state, block, validate_state_root)`. The transition runs on a copy that
/// replaces `state` only on success.
pub fn state_transition<P: Preset>(
    state: &mut BeaconState<P>,
    block: &BeaconBlock,
    validate_state_root: bool,
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<(), TransitionError> {
    state_transition_cached(
        state,
        block,
        validate_state_root,
        config,
        crypto,
        &mut TransitionCache::default(),
    )
}

/// What a caller may keep across the transitions of one chain to make them cheaper: decoded
/// public keys and the state's Merkle trees. Both check their contents against the state on
/// every use, so a cache never changes a result.
#[derive(Clone, Debug, Default)]
pub struct TransitionCache {
    pub pubkeys: PubkeyCache,
    pub state_roots: StateRootCache,
    pub shufflings: KeyedShufflings,
}

/// [`state_transition`] through caches the caller keeps.
pub fn state_transition_cached<P: Preset>(
    state: &mut BeaconState<P>,
    block: &BeaconBlock,
    validate_state_root: bool,
    config: &ChainConfig,
    crypto: Crypto,
    cache: &mut TransitionCache,
) -> Result<(), TransitionError> {
    let post = state_transition_owned(
        state.clone(),
        block,
        validate_state_root,
        config,
        crypto,
        cache,
    )?;
    *state = post;
    Ok(())
}

/// [`state_transition_cached`] on a state the caller gives away (no copy is made): the
/// post-state, or the error (the state is then dropped).
pub fn state_transition_owned<P: Preset>(
    mut post: BeaconState<P>,
    block: &BeaconBlock,
    validate_state_root: bool,
    config: &ChainConfig,
    crypto: Crypto,
    cache: &mut TransitionCache,
) -> Result<BeaconState<P>, TransitionError> {
    // Process slots (including those with no blocks) since the block.
    process_slots_cached(&mut post, block.slot, config, &mut cache.state_roots)?;
    // Process the block.
    process_block_cached(
        &mut post,
        block,
        config,
        crypto,
        &mut cache.pubkeys,
        &mut cache.shufflings,
    )
    .map_err(|source| TransitionError::Block {
        slot: block.slot,
        source,
    })?;
    // Validate the state root.
    if validate_state_root {
        let computed = cache.state_roots.root(&post);
        if block.state_root != computed {
            return Err(TransitionError::StateRootMismatch {
                block: block.state_root,
                computed,
            });
        }
    }
    Ok(post)
}
