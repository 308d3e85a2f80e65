//! The shard-committee walks a node builds on its [`KeyedShufflings`] (one cache, keyed so
//! that it serves every fork, for duties, gossip checks, shard proposers and the node's own
//! block processing).

use crate::shuffling_cache::KeyedShufflings;
use consensus::accessors::get_current_epoch;
use consensus::committees::EpochShuffling;
use consensus::errors::Error as ConsensusError;
use consensus::primitives::Epoch;
use consensus::{BeaconState, ChainConfig, Preset};
use shard::committee::ShufflingSource;
use std::sync::Arc;

/// The shufflings a shard committee walk may look at, newest first.
pub struct ShufflingSet(pub Vec<Arc<EpochShuffling>>);

impl ShufflingSource for ShufflingSet {
    fn shuffling(&self, epoch: Epoch) -> Option<&EpochShuffling> {
        self.0.iter().find(|s| s.epoch == epoch).map(|s| s.as_ref())
    }
}

/// The shufflings of `epoch` and the epochs before it that a shard committee walk can reach
/// (`active_shard_count / committee_count` of them at most), from `state`, through `cache`.
pub fn shard_set<P: Preset>(
    cache: &mut KeyedShufflings,
    state: &BeaconState<P>,
    epoch: Epoch,
    config: &ChainConfig,
) -> Result<ShufflingSet, ConsensusError> {
    let newest = cache.get(state, epoch, config)?;
    let reach = newest
        .committee_shard_count
        .div_ceil(newest.committee_count.max(1))
        .min(get_current_epoch(state).saturating_add(1));
    let mut set = vec![newest];
    for back in 1..=reach {
        let Some(older) = epoch.checked_sub(back) else {
            break;
        };
        set.push(cache.get(state, older, config)?);
    }
    Ok(ShufflingSet(set))
}
