//! Committee, shuffling and proposer look-ups on any fork: from the state of the block they
//! are asked for, advanced on a copy only when the epoch is more than one past it.

use super::errors::{LookupError, ProposerLookupError};
use super::shufflings::shard_set;
use super::Node;
use consensus::committees::EpochShuffling;
use consensus::primitives::{Root, Shard, Slot, ValidatorIndex};
use consensus::{BeaconState, Preset};
use std::sync::Arc;

impl<P: Preset> Node<P> {
    /// The proposer of `(slot, shard)` for a shard block pointing at `beacon_root`: drawn with
    /// the effective balances of that block's state and the shufflings it implies.
    pub(super) fn shard_proposer(
        &mut self,
        beacon_root: &Root,
        shard: Shard,
        slot: Slot,
    ) -> Result<ValidatorIndex, ProposerLookupError> {
        let epoch = slot / P::SLOTS_PER_EPOCH;
        let unknown = || LookupError::UnknownBlock { root: *beacon_root };
        let state = self
            .fork_choice
            .block_state(beacon_root)
            .ok_or_else(unknown)?;
        if epoch <= (state.slot / P::SLOTS_PER_EPOCH).saturating_add(1) {
            let set = shard_set(&mut self.shufflings, state, epoch, &self.chain)
                .map_err(LookupError::Shuffling)?;
            return Ok(shard::committee::shard_proposer::<P, _>(
                &set,
                &state.validators,
                shard,
                slot,
            )?);
        }
        let state = self
            .state_for_epoch(beacon_root, epoch)
            .ok_or_else(unknown)?;
        let set = shard_set(&mut self.shufflings, state.as_ref(), epoch, &self.chain)
            .map_err(LookupError::Shuffling)?;
        Ok(shard::committee::shard_proposer::<P, _>(
            &set,
            &state.validators,
            shard,
            slot,
        )?)
    }

    /// The shuffling of `epoch` as the state of block `root` sees it.
    pub(super) fn shuffling_at(
        &mut self,
        root: &Root,
        epoch: u64,
    ) -> Result<Arc<EpochShuffling>, LookupError> {
        let unknown = || LookupError::UnknownBlock { root: *root };
        let state = self.fork_choice.block_state(root).ok_or_else(unknown)?;
        if epoch <= (state.slot / P::SLOTS_PER_EPOCH).saturating_add(1) {
            return self
                .shufflings
                .get(state, epoch, &self.chain)
                .map_err(LookupError::Shuffling);
        }
        let state = self.state_for_epoch(root, epoch).ok_or_else(unknown)?;
        self.shufflings
            .get(state.as_ref(), epoch, &self.chain)
            .map_err(LookupError::Shuffling)
    }

    /// The state of `root`, advanced (on a copy) so that `epoch` is at most its next epoch.
    pub(super) fn state_for_epoch(
        &mut self,
        root: &Root,
        epoch: u64,
    ) -> Option<Arc<BeaconState<P>>> {
        let state = self.fork_choice.block_state(root)?;
        let current = state.slot / P::SLOTS_PER_EPOCH;
        if epoch <= current.saturating_add(1) {
            return Some(Arc::new(state.clone()));
        }
        let mut advanced = state.clone();
        let target = (epoch - 1).saturating_mul(P::SLOTS_PER_EPOCH);
        crate::slots::process_slots_cached(&mut advanced, target, &self.chain, &mut self.roots)
            .ok()?;
        Some(Arc::new(advanced))
    }
}
