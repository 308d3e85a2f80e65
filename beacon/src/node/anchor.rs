//! The restart anchor: a finalized point the node can restart from instead of replaying its
//! whole history from genesis.
//!
//! When an epoch starts with a newer finalized checkpoint, the node writes (in one durable
//! commit with every pending block) the checkpoint's block and post-state, each shard's
//! finalized crosslink tip with its post-state, the crosslink data a head state still names,
//! and the finalized crosslink roots receipts are proven against. A restart rebuilds fork
//! choice, the canonical chain and every shard chain from the anchor and replays only the
//! blocks stored above it. Because the anchor comes first, the store may then let older blocks
//! go (`NodeConfig::history_epochs`): what a replay after a crash needs is always kept.

use super::errors::NodeError;
use super::shard_chain::ShardChain;
use super::Node;
use crate::fork_choice::ForkChoice;
use consensus::primitives::{Root, Slot};
use consensus::sszx::{decode, encode, SigningRoot};
use consensus::{BeaconBlock, BeaconState, Checkpoint, Preset};
use shard::snapshot::ShardStateSnapshot;
use shard::{ShardCrosslinkData, ShardState};
use ssz_rs::prelude::*;
use std::sync::Arc;

/// Finalized crosslink roots an anchor carries at most.
const MAX_FINALIZED_CROSSLINKS: usize = 1 << 24;

/// One shard's restart point: its finalized crosslink tip and the state after it.
#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize)]
pub struct ShardAnchor {
    pub root: Root,
    pub slot: u64,
    pub beacon_block_root: Root,
    pub state_root: Root,
    pub height: u64,
    pub state: ShardStateSnapshot,
}

/// Crosslink data the node built, with the block it leaves its shard chain at.
#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize)]
pub struct KnownCrosslink {
    pub data: ShardCrosslinkData,
    pub tip: Root,
}

/// A crosslink data root a finalized state recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize)]
pub struct FinalizedCrosslink {
    pub shard: u64,
    pub data_root: Root,
}

/// See the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize)]
pub struct Anchor<P: Preset> {
    pub checkpoint: Checkpoint,
    pub block: BeaconBlock,
    pub state: BeaconState<P>,
    /// Canonical blocks after genesis up to and including the anchor block.
    pub canonical_blocks: u64,
    pub shards: List<ShardAnchor, 1024>,
    pub crosslinks: List<KnownCrosslink, 2048>,
    pub finalized_crosslinks: List<FinalizedCrosslink, MAX_FINALIZED_CROSSLINKS>,
}

impl<P: Preset> Node<P> {
    /// Writes the anchor of the finalized checkpoint, if it is newer than the last one
    /// written. Returns the anchor's beacon slot and per-shard slots when written.
    pub(super) fn write_anchor(&mut self) -> Option<(Slot, Vec<Slot>)> {
        let checkpoint = self.finalized.clone();
        if checkpoint.epoch == 0 || checkpoint.epoch <= self.anchor_epoch {
            return None;
        }
        let block = self.blocks.get(&checkpoint.root)?.as_ref().clone();
        let state = self.fork_choice.block_state(&checkpoint.root)?.clone();
        let canonical_blocks =
            self.pruned_canonical_blocks + self.canonical.range(1..=block.slot).count() as u64;
        let mut shards = Vec::with_capacity(self.shards.len());
        let mut shard_slots = Vec::with_capacity(self.shards.len());
        for (index, chain) in self.shards.iter_mut().enumerate() {
            let tip = state
                .current_crosslinks
                .get(index)
                .and_then(|c| self.crosslinks.tip(&c.data_root))
                .filter(|tip| chain.contains(tip))
                .unwrap_or_else(|| chain.root());
            let shard_state = chain.pin_state_of(&tip)?;
            let entry = chain.entry(&tip)?;
            shard_slots.push(entry.slot);
            shards.push(ShardAnchor {
                root: tip,
                slot: entry.slot,
                beacon_block_root: entry.beacon_block_root,
                state_root: entry.state_root,
                height: entry.height,
                state: shard_state.snapshot(),
            });
        }
        let crosslinks: Vec<KnownCrosslink> = state
            .current_crosslinks
            .iter()
            .chain(state.previous_crosslinks.iter())
            .filter_map(|c| {
                let data = self.crosslinks.data(&c.data_root)?;
                let tip = self.crosslinks.tip(&c.data_root)?;
                Some(KnownCrosslink {
                    data: data.as_ref().clone(),
                    tip,
                })
            })
            .collect();
        let finalized_crosslinks: Vec<FinalizedCrosslink> = self
            .crosslinks
            .finalized()
            .map(|(shard, data_root)| FinalizedCrosslink { shard, data_root })
            .collect();
        let anchor = Anchor::<P> {
            checkpoint: checkpoint.clone(),
            block,
            state,
            canonical_blocks,
            shards: List::try_from(shards).ok()?,
            crosslinks: List::try_from(crosslinks).ok()?,
            finalized_crosslinks: List::try_from(finalized_crosslinks).ok()?,
        };
        let slot = anchor.block.slot;
        let bytes = encode(&anchor).ok()?;
        self.store.put_anchor(&bytes).ok()?;
        self.anchor_epoch = checkpoint.epoch;
        self.anchor_slots = Some((slot, shard_slots.clone()));
        Some((slot, shard_slots))
    }

    /// Rebuilds fork choice, the canonical chain and the shard chains from the stored anchor,
    /// if there is one; returns the anchor's beacon slot and per-shard slots.
    pub(super) fn restore_anchor(&mut self) -> Result<Option<(Slot, Vec<Slot>)>, NodeError> {
        let Some(bytes) = self.store.anchor()? else {
            return Ok(None);
        };
        let anchor: Anchor<P> = decode(&bytes).map_err(NodeError::AnchorDecode)?;
        let root = anchor.block.signing_root();
        if root != anchor.checkpoint.root || anchor.shards.len() != self.shards.len() {
            return Err(NodeError::AnchorInconsistent);
        }
        let slot = anchor.block.slot;
        let mut fork_choice = ForkChoice::from_anchor(
            anchor.state,
            root,
            slot,
            anchor.checkpoint.clone(),
            self.chain.clone(),
        )?;
        fork_choice.set_validate_state_roots(true);
        fork_choice.on_tick(self.now_ms.max(self.clock.genesis_ms));
        self.fork_choice = fork_choice;
        self.blocks.clear();
        self.blocks.insert(root, Arc::new(anchor.block));
        self.canonical.clear();
        self.canonical.insert(slot, root);
        self.pruned_canonical_blocks = anchor.canonical_blocks.saturating_sub(1);
        self.head = root;
        self.head_slot = slot;
        self.justified = anchor.checkpoint.clone();
        self.finalized = anchor.checkpoint.clone();
        let mut shard_slots = Vec::with_capacity(self.shards.len());
        for (index, shard) in anchor.shards.iter().enumerate() {
            let mut state = ShardState::from_snapshot(&shard.state)
                .map_err(|_| NodeError::AnchorInconsistent)?;
            if state.state_root() != shard.state_root {
                return Err(NodeError::AnchorInconsistent);
            }
            self.shards[index] = ShardChain::from_anchor(
                shard.root,
                shard.slot,
                shard.beacon_block_root,
                shard.state_root,
                shard.height,
                state,
            );
            self.shard_anchors[index] = shard.root;
            shard_slots.push(shard.slot);
        }
        for known in anchor.crosslinks.iter() {
            self.crosslinks.remember(known.data.clone(), known.tip);
        }
        self.crosslinks.add_finalized(
            anchor
                .finalized_crosslinks
                .iter()
                .map(|f| (f.shard, f.data_root)),
        );
        self.anchor_epoch = anchor.checkpoint.epoch;
        self.anchor_slots = Some((slot, shard_slots.clone()));
        Ok(Some((slot, shard_slots)))
    }
}
