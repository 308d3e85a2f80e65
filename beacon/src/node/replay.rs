//! Restart: the node rebuilt from its store.

use super::errors::ShardBlockRejection;
use super::verdict::Refusal;
use super::{Node, NodeError};
use consensus::bls::Crypto;
use consensus::primitives::{Root, Shard, Slot};
use consensus::sszx::SigningRoot;
use consensus::{BeaconBlock, Preset};
use shard::{execute_block_with, BlockLimits, CrosslinkOracle, ExecutionContext, ShardBlock};
use std::collections::BTreeMap;
use std::sync::Arc;

impl<P: Preset> Node<P> {
    /// Rebuilds the node from its store after a restart: from the restart anchor if one was
    /// written (else from genesis), then every block stored above it. Blocks were checked
    /// before they were stored, so they are replayed without signature checks.
    pub(super) fn replay_store(&mut self) -> Result<(), NodeError> {
        let anchor = self.restore_anchor()?;
        let beacon_from = anchor.as_ref().map_or(0, |(slot, _)| *slot);
        let shard_from = |shard: Shard| {
            anchor
                .as_ref()
                .and_then(|(_, slots)| slots.get(shard as usize).copied())
                .unwrap_or(0)
        };
        let mut blocks = self.store.beacon_blocks()?;
        if anchor.is_some() {
            self.restore_settled_ancestors(&blocks);
        }
        blocks.retain(|b| b.slot > beacon_from);
        blocks.sort_by_key(|b| b.slot);
        for block in blocks {
            let _ = self.import_beacon_block(Arc::new(block), Crypto::fake_for_simulation());
        }
        self.update_head();
        let mut shard_blocks: BTreeMap<(Slot, Shard), Vec<ShardBlock>> = BTreeMap::new();
        for shard in 0..self.chain.active_shard_count {
            let from = shard_from(shard);
            if anchor.is_some() {
                self.restore_settled_shard_blocks(shard, from)?;
            }
            for block in self.store.shard_blocks(shard)? {
                if block.slot <= from {
                    continue;
                }
                shard_blocks
                    .entry((block.slot, shard))
                    .or_default()
                    .push(block);
            }
        }
        for (_, blocks) in shard_blocks {
            for block in blocks {
                let block = Arc::new(block);
                let beacon = &block.beacon_block_root;
                let below_anchor = !self.fork_choice.contains_block(beacon)
                    && (self.blocks.contains_key(beacon) || *beacon == self.genesis_root);
                let _ = if below_anchor {
                    self.replay_settled_shard_block(block)
                } else {
                    self.import_shard_block(block)
                };
            }
        }
        self.update_head();
        Ok(())
    }

    /// The canonical beacon blocks below the restart anchor that the restored shard chains
    /// still point at: from the anchor block's parent back to the oldest beacon block a shard
    /// chain's restart point names (genesis, if a shard has no crosslink yet), from `stored`.
    /// They go back into the block map and canonical index (not into fork choice: they are
    /// final), as a node that never stopped holds them, so that the shard blocks above the
    /// shard restart points can be replayed and stay eligible in the shard fork choice.
    fn restore_settled_ancestors(&mut self, stored: &[BeaconBlock]) {
        let by_root: BTreeMap<Root, &BeaconBlock> =
            stored.iter().map(|b| (b.signing_root(), b)).collect();
        let floor = self
            .shards
            .iter()
            .filter_map(|chain| chain.entry(&chain.root()))
            .map(|entry| match by_root.get(&entry.beacon_block_root) {
                Some(block) => block.slot,
                None => 0,
            })
            .min()
            .unwrap_or(0);
        let Some(anchor) = self.blocks.get(&self.head).cloned() else {
            return;
        };
        let mut at = anchor.parent_root;
        while let Some(block) = by_root.get(&at) {
            if block.slot < floor {
                break;
            }
            self.blocks.insert(at, Arc::new((*block).clone()));
            if self.canonical.insert(block.slot, at).is_none() && block.slot > 0 {
                self.pruned_canonical_blocks = self.pruned_canonical_blocks.saturating_sub(1);
            }
            at = block.parent_root;
        }
    }

    /// Which stored blocks below a restored shard chain's oldest entry (at `from`) were the
    /// finalized ones, remembered by slot ([`super::shard_chain::SETTLED_BLOCKS`] of them) as
    /// a node that never stopped remembers them: from the oldest entry's parent back.
    fn restore_settled_shard_blocks(&mut self, shard: Shard, from: Slot) -> Result<(), NodeError> {
        let Some(chain) = self.shards.get_mut(shard as usize) else {
            return Ok(());
        };
        let low = from.saturating_sub(super::shard_chain::SETTLED_BLOCKS as u64 * 4);
        let stored = self.store.shard_blocks_by_root(shard, low..=from)?;
        let Some(mut at) = stored.get(&chain.root()).map(|b| b.parent_root) else {
            return Ok(());
        };
        let mut settled = Vec::new();
        while let Some(block) = stored.get(&at) {
            settled.push((block.slot, at));
            if settled.len() >= super::shard_chain::SETTLED_BLOCKS {
                break;
            }
            at = block.parent_root;
        }
        for (slot, root) in settled.into_iter().rev() {
            chain.settle(slot, root);
        }
        Ok(())
    }

    /// Replays a stored shard block whose beacon block is below the restart anchor: it was
    /// fully checked when it was first imported, and fork choice no longer holds the beacon
    /// state it names, so it is executed again (to rebuild the post-state, whose root must
    /// still match) without the checks that need that state: its proposer and signature, its
    /// transactions' signatures, and which crosslinks its receipts may prove against. Also
    /// used for a peer's blocks below finality that a recorded crosslink commits to
    /// (`super::crosslinked_range`): a committee checked them.
    pub(super) fn replay_settled_shard_block(
        &mut self,
        block: Arc<ShardBlock>,
    ) -> Result<Root, Refusal> {
        let chain = self
            .shards
            .get(block.shard as usize)
            .ok_or(Refusal::Missing(block.parent_root))?;
        let mut state = chain
            .state_of(&block.parent_root)
            .ok_or(Refusal::Missing(block.parent_root))?;
        let mut context = ExecutionContext::new(false, &TrustedReplay);
        context.limits = BlockLimits::from_config(&self.chain);
        let outcome = execute_block_with(&mut state, &block, &context)
            .map_err(ShardBlockRejection::Execution)?;
        let root = outcome.block_root;
        self.record_shard_block(block, outcome, state);
        Ok(root)
    }
}

/// The crosslinks of a replayed block's receipts were checked when it was first imported.
struct TrustedReplay;

impl CrosslinkOracle for TrustedReplay {
    fn is_crosslinked(&self, _shard: Shard, data_root: &Root) -> bool {
        *data_root != Root::zero()
    }
}
