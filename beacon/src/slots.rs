//! Slot processing (reference 6.1): `process_slots` advances the state slot by slot, caching
//! roots in `process_slot` and running `process_epoch` at the last slot of each epoch.

use crate::epoch::process_epoch;
use crate::errors::SlotError;
use crate::state_root::state_root;
use crate::state_root_cache::StateRootCache;
use consensus::primitives::{Root, Slot};
use consensus::sszx::SigningRoot;
use consensus::{BeaconState, ChainConfig, Preset};

/// `process_slots(state, slot)`: refuses a target before the state's slot. On error the state
/// is left part-way; callers that need atomicity work on a copy (as `state_transition` does).
pub fn process_slots<P: Preset>(
    state: &mut BeaconState<P>,
    slot: Slot,
    config: &ChainConfig,
) -> Result<(), SlotError> {
    process_slots_cached(state, slot, config, &mut StateRootCache::new())
}

/// [`process_slots`] hashing the state through a cache the caller keeps across calls.
pub fn process_slots_cached<P: Preset>(
    state: &mut BeaconState<P>,
    slot: Slot,
    config: &ChainConfig,
    roots: &mut StateRootCache,
) -> Result<(), SlotError> {
    if state.slot > slot {
        return Err(SlotError::TargetSlotInPast {
            state_slot: state.slot,
            target: slot,
        });
    }
    while state.slot < slot {
        process_slot_cached(state, roots);
        // Process epoch on the start slot of the next epoch.
        if (state.slot + 1).is_multiple_of(P::SLOTS_PER_EPOCH) {
            process_epoch(state, config).map_err(|source| SlotError::Epoch {
                epoch: state.slot / P::SLOTS_PER_EPOCH,
                source,
            })?;
        }
        state.slot = state.slot.checked_add(1).ok_or(SlotError::Overflow)?;
    }
    Ok(())
}

/// `process_slot(state)`: caches the state root, fills the latest header's state root if it
/// is still zero, and caches the latest block root (the header's signing root).
pub fn process_slot<P: Preset>(state: &mut BeaconState<P>) {
    let previous_state_root = state_root(state);
    finish_slot(state, previous_state_root);
}

/// [`process_slot`] hashing the state through `roots`.
pub fn process_slot_cached<P: Preset>(state: &mut BeaconState<P>, roots: &mut StateRootCache) {
    let previous_state_root = roots.root(state);
    finish_slot(state, previous_state_root);
}

fn finish_slot<P: Preset>(state: &mut BeaconState<P>, previous_state_root: Root) {
    let position = (state.slot % P::SLOTS_PER_HISTORICAL_ROOT) as usize;
    state.state_roots[position] = previous_state_root;
    if state.latest_block_header.state_root.is_zero() {
        state.latest_block_header.state_root = previous_state_root;
    }
    state.block_roots[position] = state.latest_block_header.signing_root();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesis::genesis_from_config;
    use consensus::Minimal;

    #[test]
    fn slots_only_move_forward_and_cache_roots() {
        let config = ChainConfig {
            validator_count: 64,
            ..ChainConfig::reference::<Minimal>()
        };
        let genesis = genesis_from_config::<Minimal>(&config).unwrap();
        let mut state = genesis.clone();
        process_slots(&mut state, 3, &config).unwrap();
        assert_eq!(state.slot, 3);
        // Slot 0 cached the genesis root and filled the header's state root with it.
        assert_eq!(state.state_roots[0], state_root(&genesis));
        assert_eq!(state.latest_block_header.state_root, state_root(&genesis));
        assert_eq!(
            state.block_roots[1], state.block_roots[0],
            "no block: same root"
        );
        assert_eq!(
            process_slots(&mut state, 2, &config),
            Err(SlotError::TargetSlotInPast {
                state_slot: 3,
                target: 2
            })
        );
        process_slots(&mut state, 3, &config).unwrap();
        // The cached and the plain paths agree across an epoch boundary.
        let mut plain = genesis.clone();
        for _ in 0..10 {
            process_slot(&mut plain);
            if (plain.slot + 1).is_multiple_of(8) {
                crate::epoch::process_epoch(&mut plain, &config).unwrap();
            }
            plain.slot += 1;
        }
        let mut cached = genesis;
        process_slots(&mut cached, 10, &config).unwrap();
        assert_eq!(plain, cached);
    }
}
