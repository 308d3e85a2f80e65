//! The shard fork choice as the node runs it (design 3.2): each shard's anchor (where the head
//! state's crosslink leaves the shard chain), when to re-run the choice, and what a node may
//! attest to or sync from.

use super::head::beacon_block_is_canonical;
use super::shard_chain::RECENT_STATE_SLOTS;
use super::shard_reorg::orphaned_transactions;
use super::Node;
use consensus::primitives::{Root, Shard, Slot};
use consensus::Preset;

impl<P: Preset> Node<P> {
    /// Re-runs one shard's fork choice (after one of its blocks arrived).
    pub(super) fn update_shard_head(&mut self, shard: Shard) {
        let anchor = self.shard_anchor(shard);
        let (blocks, canonical, settled) = (&self.blocks, &self.canonical, &self.settled_beacon);
        let genesis = self.genesis_root;
        let is_canonical =
            |root: &Root| beacon_block_is_canonical(blocks, canonical, settled, genesis, root);
        let chain = &mut self.shards[shard as usize];
        let old_head = chain.head_root();
        if chain.update_head(anchor, &is_canonical) {
            let orphaned = orphaned_transactions(chain, &old_head);
            chain.readmit(orphaned);
            chain.prune_mempool();
            chain.prune_states(RECENT_STATE_SLOTS, &[anchor]);
        }
    }

    /// Where `shard`'s fork choice starts: the block the head state's crosslink of the shard
    /// leaves the chain at (its previous crosslink's if the current one's data is not known
    /// here yet), or genesis.
    pub(super) fn shard_anchor(&self, shard: Shard) -> Root {
        let chain = &self.shards[shard as usize];
        let Some(state) = self.fork_choice.block_state(&self.head) else {
            return chain.root();
        };
        [&state.current_crosslinks, &state.previous_crosslinks]
            .into_iter()
            .filter_map(|crosslinks| crosslinks.get(shard as usize))
            .filter_map(|c| self.crosslinks.tip(&c.data_root))
            .find(|tip| chain.contains(tip))
            .unwrap_or_else(|| chain.root())
    }

    /// Whether this node can attest to `shard`'s next crosslink: it knows where the current
    /// one leaves the chain, and its shard head descends from there.
    pub(super) fn follows_crosslink(&self, shard: Shard, parent: &consensus::Crosslink) -> bool {
        if parent.data_root == Root::zero() {
            return true;
        }
        let chain = &self.shards[shard as usize];
        self.crosslinks
            .tip(&parent.data_root)
            .is_some_and(|tip| chain.is_ancestor(&tip, &chain.head_root()))
    }

    /// The first slot to ask a peer for when catching up on `shard`.
    pub(super) fn shard_sync_start(&self, shard: Shard) -> Slot {
        let anchor = self.shard_anchor(shard);
        self.shards[shard as usize]
            .entry(&anchor)
            .map_or(1, |e| e.slot.saturating_add(1))
    }

    /// Re-runs the shard fork choice of every shard whose answer may have changed: its anchor
    /// moved, the canonical beacon chain lost blocks, or its head has children (which a
    /// growing beacon chain may have made eligible). Otherwise the head stands: with the
    /// canonical set only growing, a new head could only be a descendant of the current one.
    pub(super) fn update_shard_heads(&mut self) {
        let reorganised = std::mem::take(&mut self.beacon_reorganised);
        for shard in 0..self.shards.len() {
            let anchor = self.shard_anchor(shard as Shard);
            if reorganised
                || self.shard_anchors.get(shard) != Some(&anchor)
                || self.shards[shard].head_has_children()
            {
                if let Some(slot) = self.shard_anchors.get_mut(shard) {
                    *slot = anchor;
                }
                self.update_shard_head(shard as Shard);
            }
        }
    }
}
