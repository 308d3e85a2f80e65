//! Committee shufflings, each computed once.
//!
//! [`ShufflingCache`] serves one call (one `process_epoch`, one `process_block`, one
//! operation): within such a call nothing a shuffling depends on changes (the active sets of
//! the previous and current epochs, their seeds, the start shard), so it looks shufflings up
//! by epoch alone. It may be backed by [`KeyedShufflings`], which outlives calls and states.
//!
//! [`KeyedShufflings`] keys a shuffling by its epoch and seed, and by the state's current
//! epoch, seed and `start_shard`: v0.8.4's `get_seed` commits to an epoch's active index root,
//! so two states that agree on the key agree on the active sets and the start shard, hence on
//! the shuffling. One such cache serves every block of every fork.

use crate::parallel::map_ordered;
use consensus::accessors::{get_current_epoch, get_seed};
use consensus::committees::EpochShuffling;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::{Epoch, Root, Shard};
use consensus::{BeaconState, ChainConfig, Preset};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The [`KeyedShufflings`] key: the epoch and its seed, and what `get_start_shard` reads
/// besides the registry: the state's current epoch, its seed and its `start_shard`.
type Key = (Epoch, Root, Epoch, Root, Shard);

/// How many shufflings a [`KeyedShufflings`] keeps before it forgets the oldest epoch's.
const KEYED_CAPACITY: usize = 32;

/// Shufflings by [`Key`], shared across states, blocks and forks.
#[derive(Clone, Debug, Default)]
pub struct KeyedShufflings {
    cache: BTreeMap<Key, Arc<EpochShuffling>>,
}

impl KeyedShufflings {
    pub fn new() -> Self {
        Self::default()
    }

    /// The shuffling of `epoch` as `state` sees it (`epoch <= current + 1`).
    pub fn get<P: Preset>(
        &mut self,
        state: &BeaconState<P>,
        epoch: Epoch,
        config: &ChainConfig,
    ) -> Result<Arc<EpochShuffling>, ConsensusError> {
        check_shard_count::<P>(config)?;
        let current = get_current_epoch(state);
        let key = (
            epoch,
            get_seed(state, epoch),
            current,
            get_seed(state, current),
            state.start_shard,
        );
        if let Some(found) = self.cache.get(&key) {
            return Ok(found.clone());
        }
        let shuffling = Arc::new(EpochShuffling::new(state, epoch, config)?);
        while self.cache.len() >= KEYED_CAPACITY {
            self.cache.pop_first();
        }
        self.cache.insert(key, shuffling.clone());
        Ok(shuffling)
    }

    /// Forgets shufflings of epochs before `epoch`.
    pub fn prune(&mut self, epoch: Epoch) {
        self.cache.retain(|(e, ..), _| *e >= epoch);
    }
}

/// Shufflings of a few epochs, computed on demand.
#[derive(Clone, Debug, Default)]
pub struct ShufflingCache {
    shufflings: Vec<Arc<EpochShuffling>>,
    backing: KeyedShufflings,
}

impl ShufflingCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// A cache for one call that looks up what it lacks in `backing` (and adds to it).
    pub fn backed_by(backing: KeyedShufflings) -> Self {
        Self {
            shufflings: Vec::new(),
            backing,
        }
    }

    /// The backing cache, with whatever this call added to it.
    pub fn into_backing(self) -> KeyedShufflings {
        self.backing
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
                let shuffling = self.backing.get(state, epoch, config)?;
                self.shufflings.push(shuffling);
                self.shufflings.len() - 1
            }
        };
        Ok(self.shufflings[position].as_ref())
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
            self.shufflings.push(Arc::new(shuffling?));
        }
        Ok(())
    }

    /// The cached shuffling of `epoch`, if [`Self::ensure`] computed it.
    pub fn get(&self, epoch: Epoch) -> Option<&EpochShuffling> {
        self.shufflings
            .iter()
            .find(|s| s.epoch == epoch)
            .map(|s| s.as_ref())
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
