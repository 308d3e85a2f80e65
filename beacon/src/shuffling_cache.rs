//! [`ShufflingCache`]: each epoch's [`EpochShuffling`] computed once per epoch-processing call
//! or per block, instead of once per shard or per attestation.
//!
//! A cache lives only as long as one call (one `process_epoch`, one `process_block`, one
//! operation): within such a call nothing a shuffling depends on changes (the active sets of
//! the previous and current epochs, their seeds, the start shard), so the cached committees
//! stay exactly the reference's.

use crate::parallel::map_ordered;
use consensus::committees::EpochShuffling;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::Epoch;
use consensus::{BeaconState, ChainConfig, Preset};

/// Shufflings of a few epochs, computed on demand.
#[derive(Clone, Debug, Default)]
pub struct ShufflingCache {
    shufflings: Vec<EpochShuffling>,
}

impl ShufflingCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Computes the shuffling of `epoch` unless it is already cached (the epoch must be at most
    /// `current + 1`, as `get_start_shard` requires).
    pub fn ensure<P: Preset>(
        &mut self,
        state: &BeaconState<P>,
        epoch: Epoch,
        config: &ChainConfig,
    ) -> Result<&EpochShuffling, ConsensusError> {
        check_shard_count::<P>(config)?;
        let position = match self.shufflings.iter().position(|s| s.epoch == epoch) {
            Some(position) => position,
            None => {
                self.shufflings
                    .push(EpochShuffling::new(state, epoch, config)?);
                self.shufflings.len() - 1
            }
        };
        Ok(&self.shufflings[position])
    }

    /// Computes the shufflings of all `epochs` not cached yet, in parallel on large registries
    /// (the shufflings are independent and the result does not depend on the thread count).
    pub fn ensure_all<P: Preset>(
        &mut self,
        state: &BeaconState<P>,
        epochs: &[Epoch],
        config: &ChainConfig,
    ) -> Result<(), ConsensusError> {
        check_shard_count::<P>(config)?;
        let mut missing: Vec<Epoch> = Vec::new();
        for &epoch in epochs {
            if self.get(epoch).is_none() && !missing.contains(&epoch) {
                missing.push(epoch);
            }
        }
        let work = if missing.len() > 1 {
            state.validators.len()
        } else {
            0
        };
        for shuffling in map_ordered(missing, work, |epoch| {
            EpochShuffling::new(state, epoch, config)
        }) {
            self.shufflings.push(shuffling?);
        }
        Ok(())
    }

    /// The cached shuffling of `epoch`, if [`Self::ensure`] computed it.
    pub fn get(&self, epoch: Epoch) -> Option<&EpochShuffling> {
        self.shufflings.iter().find(|s| s.epoch == epoch)
    }
}

/// The committee formulas divide by the active shard count: refuse a configuration whose count
/// is zero or above the preset's `SHARD_COUNT` instead of dividing by zero.
fn check_shard_count<P: Preset>(config: &ChainConfig) -> Result<(), ConsensusError> {
    let active = config.active_shard_count;
    if active == 0 || active > P::SHARD_COUNT {
        return Err(ConsensusError::ShardOutOfRange {
            shard: active,
            active: P::SHARD_COUNT,
        });
    }
    Ok(())
}
