//! Shard blocks a node missed whose beacon blocks are now below finality: a node cut off (a
//! partition, a pause) while the others finalized comes back to a beacon chain whose finalized
//! part names shard blocks it never saw. Fork choice no longer holds the beacon states their
//! proposer and signature checks need, so a peer's range of them is accepted only when it is
//! exactly what a crosslink the beacon chain recorded commits to (its block roots and the
//! state root it leaves the shard at): a committee already attested to those blocks. They are
//! then executed again, which rebuilds their post-states and checks each state root.
//!
//! Without this, such a node's shard chain stayed below the gap for good: every later block
//! waited for a parent it could never import (swarm seed 71).

use super::crosslinks::crosslink_slots;
use super::Node;
use consensus::primitives::{Root, Shard};
use consensus::{Crosslink, Preset};
use shard::{ShardBlock, ShardCrosslinkData};
use std::sync::Arc;

impl<P: Preset> Node<P> {
    /// The crosslinks of `shard` the head state and the finalized state record (current and
    /// previous) whose data this node has not built: those it lacks blocks for.
    fn crosslinks_without_data(&self, shard: Shard) -> Vec<Crosslink> {
        let states = [
            self.fork_choice.block_state(&self.head),
            self.fork_choice.checkpoint_state(&self.finalized),
        ];
        let mut found: Vec<Crosslink> = Vec::new();
        for state in states.into_iter().flatten() {
            for crosslinks in [&state.current_crosslinks, &state.previous_crosslinks] {
                let Some(crosslink) = crosslinks.get(shard as usize) else {
                    continue;
                };
                if crosslink.data_root != Root::zero()
                    && self.crosslinks.data(&crosslink.data_root).is_none()
                    && !found.iter().any(|c| c.data_root == crosslink.data_root)
                {
                    found.push(crosslink.clone());
                }
            }
        }
        found
    }

    /// Imports the blocks of a peer's range response (`blocks`, slot order) that a recorded
    /// crosslink of `shard` commits to, those below finality included. Returns how many
    /// blocks it imported.
    pub(super) fn import_crosslinked_range(
        &mut self,
        shard: Shard,
        blocks: &[ShardBlock],
    ) -> usize {
        let mut imported = 0;
        for crosslink in self.crosslinks_without_data(shard) {
            let (start, end) = crosslink_slots(&crosslink, P::SLOTS_PER_EPOCH);
            let in_range: Vec<&ShardBlock> = blocks
                .iter()
                .filter(|b| b.shard == shard && b.slot >= start && b.slot < end)
                .collect();
            let Some(data) = committed_data(shard, start, end, &in_range, &crosslink.data_root)
            else {
                continue;
            };
            let chain = &self.shards[shard as usize];
            if !in_range
                .first()
                .is_some_and(|first| chain.contains(&first.parent_root))
            {
                continue;
            }
            for (block, root) in in_range.iter().zip(data.block_roots.iter()) {
                if self.shards[shard as usize].contains(root) {
                    continue;
                }
                let block = Arc::new((*block).clone());
                let result = if self.fork_choice.contains_block(&block.beacon_block_root) {
                    self.import_shard_block(block)
                } else {
                    self.replay_settled_shard_block(block)
                };
                if result.is_err() {
                    break;
                }
                imported += 1;
            }
            let tip = data.block_roots.last().copied();
            if let Some(tip) = tip.filter(|t| self.shards[shard as usize].contains(t)) {
                self.crosslinks.remember(data, tip);
            }
        }
        imported
    }
}

/// The crosslink data `blocks` (one parent-linked chain, `start <= slot < end`) make, if its
/// root is `data_root`.
fn committed_data(
    shard: Shard,
    start: consensus::primitives::Slot,
    end: consensus::primitives::Slot,
    blocks: &[&ShardBlock],
    data_root: &Root,
) -> Option<ShardCrosslinkData> {
    let last = blocks.last()?;
    let roots: Vec<Root> = blocks
        .iter()
        .map(|b| b.signing_root_with(&b.body.root()))
        .collect();
    let linked = blocks
        .windows(2)
        .zip(&roots)
        .all(|(pair, root)| pair[1].parent_root == *root);
    if !linked {
        return None;
    }
    let data = ShardCrosslinkData::new(shard, start, end, roots, last.state_root)?;
    (data.root() == *data_root).then_some(data)
}
