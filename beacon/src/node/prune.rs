//! What finality lets go: memory bounded in run length.
//!
//! At each epoch's start the node forgets what the finalized checkpoint *of the previous
//! epoch's start* made final: beacon blocks below it (and their canonical index), each shard's
//! blocks below the block its finalized crosslink leaves the chain at (that block, with its
//! post-state, becomes the shard chain's oldest entry), crosslink data and bookkeeping no
//! head state still names, and blocks waiting for parents that can no longer matter. The lag
//! of one epoch lets a reader that looks once per slot (the simulator's observer, a status
//! API) see a finalized block before it goes. Fork choice prunes its own states when
//! finality moves; the store prunes by its own history window.

use super::Node;
use consensus::primitives::{Root, Slot};
use consensus::{Checkpoint, Preset};
use std::collections::BTreeSet;

/// What the finalized checkpoint allowed at one epoch's start, carried out at the next.
#[derive(Clone, Debug, Default)]
pub(super) struct PrunePoint {
    pub checkpoint: Checkpoint,
    /// Per shard: the block the finalized state's crosslink leaves the shard chain at, if known.
    pub shard_tips: Vec<Option<Root>>,
}

/// What the node holds, counted (for tests that guard the bound, and for reports).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Retained {
    pub beacon_blocks: usize,
    pub canonical_index: usize,
    /// Canonical beacon roots finality let go, remembered for shard fork choice (bounded).
    pub settled_beacon_roots: usize,
    pub fork_choice_blocks: usize,
    pub shard_entries: usize,
    pub shard_states: usize,
    /// Transactions inside the shard blocks kept in memory.
    pub shard_transactions: usize,
    pub mempool_transactions: usize,
    pub crosslink_data: usize,
    pub claimable_receipts: usize,
    pub pending_blocks: usize,
    pub seen_shard_blocks: usize,
    pub op_pool_attestations: usize,
}

impl<P: Preset> Node<P> {
    /// The prune point of the current finalized checkpoint.
    fn prune_point_now(&self) -> PrunePoint {
        let state = self.finalized_state();
        let shard_tips = (0..self.shards.len())
            .map(|shard| {
                let crosslink = state?.current_crosslinks.get(shard)?;
                let tip = self.crosslinks.tip(&crosslink.data_root)?;
                self.shards[shard].contains(&tip).then_some(tip)
            })
            .collect();
        PrunePoint {
            checkpoint: self.finalized.clone(),
            shard_tips,
        }
    }

    /// At an epoch's start: carries out the prune point taken one epoch ago, and takes the
    /// next one.
    pub(super) fn prune_settled(&mut self) {
        let next = self.prune_point_now();
        // The anchor of the newest finality first: only then may the store let go.
        self.write_anchor();
        let Some(point) = self.prune_next.replace(next) else {
            return;
        };
        if point.checkpoint.epoch == 0 {
            return;
        }
        self.prune_store(&point);
        self.prune_beacon_blocks(&point.checkpoint);
        for (shard, tip) in point.shard_tips.iter().enumerate() {
            if let Some(tip) = tip {
                let _ = self.shards[shard].prune_to(*tip);
            }
        }
        let floor_slot: Slot = point.checkpoint.epoch.saturating_mul(P::SLOTS_PER_EPOCH);
        let named: BTreeSet<Root> = self
            .fork_choice
            .block_state(&self.head)
            .map(|state| {
                state
                    .current_crosslinks
                    .iter()
                    .chain(state.previous_crosslinks.iter())
                    .map(|c| c.data_root)
                    .collect()
            })
            .unwrap_or_default();
        self.crosslinks.prune_below(floor_slot, &named);
        self.missing_crosslinks
            .retain(|(_, root)| named.contains(root));
        self.pending_shard_blocks
            .retain(|_, blocks| blocks.iter().any(|b| b.slot >= floor_slot));
    }

    /// Deletes stored blocks more than `history_epochs` below the prune point, never above
    /// the last anchor written (a restart replays from there).
    fn prune_store(&mut self, point: &PrunePoint) {
        let (Some(history), Some((anchor_slot, anchor_shards))) =
            (self.config.history_epochs, self.anchor_slots.clone())
        else {
            return;
        };
        let floor = point
            .checkpoint
            .epoch
            .saturating_sub(history)
            .saturating_mul(P::SLOTS_PER_EPOCH);
        let shard_floors: Vec<(u64, Slot)> = anchor_shards
            .iter()
            .enumerate()
            .map(|(shard, slot)| (shard as u64, floor.min(*slot)))
            .collect();
        let _ = self
            .store
            .delete_blocks_below(floor.min(anchor_slot), &shard_floors);
    }

    fn prune_beacon_blocks(&mut self, checkpoint: &Checkpoint) {
        let floor_slot = checkpoint.epoch.saturating_mul(P::SLOTS_PER_EPOCH);
        let keep = checkpoint.root;
        // The checkpoint's block may be older than the epoch's start (skipped slots).
        let keep_slot = self.blocks.get(&keep).map_or(floor_slot, |b| b.slot);
        self.blocks
            .retain(|root, block| block.slot >= floor_slot || *root == keep);
        let below: Vec<Slot> = self
            .canonical
            .range(..keep_slot)
            .map(|(slot, _)| *slot)
            .collect();
        for slot in below {
            if let Some(root) = self.canonical.remove(&slot) {
                self.settled_beacon.insert(root);
                if slot > 0 {
                    self.pruned_canonical_blocks += 1;
                }
            }
        }
        self.pending_blocks
            .retain(|_, blocks| blocks.iter().any(|b| b.slot >= floor_slot));
    }

    /// What the node holds now.
    pub fn retained(&self) -> Retained {
        let mut retained = Retained {
            beacon_blocks: self.blocks.len(),
            canonical_index: self.canonical.len(),
            settled_beacon_roots: self.settled_beacon.len(),
            fork_choice_blocks: self.fork_choice.block_count(),
            crosslink_data: self.crosslinks.data_count(),
            claimable_receipts: self.crosslinks.claimable_total(),
            pending_blocks: self.pending_blocks.values().map(Vec::len).sum::<usize>()
                + self
                    .pending_shard_blocks
                    .values()
                    .map(Vec::len)
                    .sum::<usize>(),
            seen_shard_blocks: self.seen_shard_blocks.len(),
            op_pool_attestations: self.op_pool.len(),
            ..Retained::default()
        };
        for chain in &self.shards {
            retained.shard_entries += chain.len();
            retained.shard_states += chain.stateful_count();
            retained.shard_transactions += chain.transactions_held();
            retained.mempool_transactions += chain.mempool.len();
        }
        retained
    }
}
