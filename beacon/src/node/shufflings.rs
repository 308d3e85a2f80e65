//! Committee shufflings a node needs again and again (duties, gossip checks, shard
//! proposers), each computed once.
//!
//! A shuffling is keyed by its epoch and seed, and by the state's current epoch, seed and
//! `start_shard`: v0.8.4's `get_seed` commits to an epoch's active index root, so two states
//! that agree on the key agree on the active sets and the start shard, hence on the shuffling;
//! one cache serves every fork without recounting the registry for `get_start_shard`.

use consensus::accessors::{get_current_epoch, get_seed};
use consensus::committees::EpochShuffling;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::{Epoch, Root, Shard, Slot};
use consensus::{BeaconState, ChainConfig, Preset};
use shard::committee::ShufflingSource;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The cache key: the epoch and its seed, and what `get_start_shard` reads besides the
/// registry: the state's current epoch, its seed and its `start_shard`.
type Key = (Epoch, Root, Epoch, Root, Shard);

/// Shufflings by [`Key`].
#[derive(Clone, Debug, Default)]
pub struct Shufflings {
    cache: BTreeMap<Key, Arc<EpochShuffling>>,
}

/// The shufflings a shard committee walk may look at, newest first.
pub struct ShufflingSet(pub Vec<Arc<EpochShuffling>>);

impl ShufflingSource for ShufflingSet {
    fn shuffling(&self, epoch: Epoch) -> Option<&EpochShuffling> {
        self.0.iter().find(|s| s.epoch == epoch).map(|s| s.as_ref())
    }
}

impl Shufflings {
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
        self.cache.insert(key, shuffling.clone());
        Ok(shuffling)
    }

    /// The shufflings of `epoch` and the epochs before it that a shard committee walk can
    /// reach (`active_shard_count / committee_count` of them at most), from `state`.
    pub fn shard_set<P: Preset>(
        &mut self,
        state: &BeaconState<P>,
        epoch: Epoch,
        config: &ChainConfig,
    ) -> Result<ShufflingSet, ConsensusError> {
        let newest = self.get(state, epoch, config)?;
        let reach = config
            .active_shard_count
            .div_ceil(newest.committee_count.max(1))
            .min(get_current_epoch(state).saturating_add(1));
        let mut set = vec![newest];
        for back in 1..=reach {
            let Some(older) = epoch.checked_sub(back) else {
                break;
            };
            set.push(self.get(state, older, config)?);
        }
        Ok(ShufflingSet(set))
    }

    /// Forgets shufflings of epochs before `epoch`.
    pub fn prune(&mut self, epoch: Epoch) {
        self.cache.retain(|(e, ..), _| *e >= epoch);
    }
}

/// The slot of `shard`'s committee in `shuffling`'s epoch, if it has one.
pub fn committee_slot<P: Preset>(shuffling: &EpochShuffling, shard: Shard) -> Option<Slot> {
    let asc = shuffling.active_shard_count;
    if asc == 0 || shard >= asc {
        return None;
    }
    let index = (shard + asc - shuffling.start_shard % asc) % asc;
    if index >= shuffling.committee_count {
        return None;
    }
    let per_slot = (shuffling.committee_count / P::SLOTS_PER_EPOCH).max(1);
    Some(shuffling.epoch * P::SLOTS_PER_EPOCH + index / per_slot)
}
