//! Blocks that arrive a little before their slot begins here.
//!
//! Nodes' clocks and tick timers never agree to the millisecond, so a proposer's block can
//! reach a peer before that peer's clock enters the block's slot. A block at most
//! [`MAXIMUM_GOSSIP_CLOCK_DISPARITY_MS`] early is held and imported when its slot begins (its
//! gossip verdict is `Ignore`, as the peer cannot judge it yet); a block further ahead is
//! ignored outright. Without this, an early block was lost until a child made the node fetch
//! it. In the simulator every node ticks at the same virtual time and every message takes at
//! least the link latency, so nothing is ever early there.

use super::io::PeerId;
use super::Node;
use consensus::primitives::Slot;
use consensus::{BeaconBlock, Preset};
use shard::ShardBlock;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How early a gossip block may be and still be held (the p2p specification's allowance for
/// clock disparity), capped at half a slot for very short slots.
pub const MAXIMUM_GOSSIP_CLOCK_DISPARITY_MS: u64 = 500;

/// Most early blocks held at once.
const MAX_EARLY: usize = 256;

/// Where a message's slot stands against the node's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Timing {
    /// Its slot has begun.
    Due,
    /// Its slot begins within the clock-disparity allowance.
    Early,
    /// Its slot is further ahead.
    Future,
}

/// Early blocks, by slot, with the peer each came from.
#[derive(Debug, Default)]
pub(super) struct EarlyBlocks {
    beacon: BTreeMap<Slot, Vec<(PeerId, Arc<BeaconBlock>)>>,
    shard: BTreeMap<Slot, Vec<(PeerId, Arc<ShardBlock>)>>,
    held: usize,
}

impl<P: Preset> Node<P> {
    pub(super) fn timing(&self, slot: Slot) -> Timing {
        if slot <= self.current_slot() {
            return Timing::Due;
        }
        let allowance = MAXIMUM_GOSSIP_CLOCK_DISPARITY_MS.min(self.clock.slot_ms / 2);
        if self.clock.slot_start_ms(slot) <= self.now_ms.saturating_add(allowance) {
            Timing::Early
        } else {
            Timing::Future
        }
    }

    pub(super) fn hold_early_beacon_block(&mut self, from: PeerId, block: BeaconBlock) {
        if self.early.held < MAX_EARLY {
            self.early.held += 1;
            self.early
                .beacon
                .entry(block.slot)
                .or_default()
                .push((from, Arc::new(block)));
        }
    }

    pub(super) fn hold_early_shard_block(&mut self, from: PeerId, block: ShardBlock) {
        if self.early.held < MAX_EARLY {
            self.early.held += 1;
            self.early
                .shard
                .entry(block.slot)
                .or_default()
                .push((from, Arc::new(block)));
        }
    }

    /// Imports the held blocks whose slot has begun: beacon blocks first, then shard blocks
    /// (which may point at them).
    pub(super) fn release_early_blocks(&mut self) {
        let current = self.current_slot();
        let mut beacon = Vec::new();
        while let Some(entry) = self.early.beacon.first_entry() {
            if *entry.key() > current {
                break;
            }
            beacon.extend(entry.remove());
        }
        let mut shard = Vec::new();
        while let Some(entry) = self.early.shard.first_entry() {
            if *entry.key() > current {
                break;
            }
            shard.extend(entry.remove());
        }
        self.early.held = self.early.held.saturating_sub(beacon.len() + shard.len());
        for (from, block) in beacon {
            let parent = block.parent_root;
            if let Err(super::verdict::Refusal::Missing(_)) =
                self.import_beacon_block(block, self.config.crypto)
            {
                self.request_blocks_by_root(from, vec![parent]);
            }
        }
        for (_, block) in shard {
            let _ = self.import_shard_block(block);
        }
    }
}
